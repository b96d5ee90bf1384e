"""Parameter records: their format, their validation, and the registry that rebuilds recipes.

Every built-in transform returns a *self-describing record* from ``make_params``::

    {"type": "PerlinMask", "version": 1, "settings": {...}, "params": {...}}

``type`` names the transform class in :data:`TRANSFORM_TYPES`, ``version`` is the schema version
of its record, ``settings`` holds the fixed constructor arguments that shape its output (JSON, so
``type(**settings)`` rebuilds it) and ``params`` the random draws of one sample. Composites hold
their children's records instead of (or beside) draws: :class:`~synthdefect.transforms.base.Compose`
under ``"steps"`` (a dict keyed by step name, in order), and
:class:`~synthdefect.transforms.base.RandomApply` under ``"transform"``. A record without
``"params"`` anywhere is a *description*: it rebuilds the recipe but makes no sample (recipe
files are descriptions, see ``docs/recipe.md``).

Malformed or mismatched records raise :class:`RecordError` (a ``ValueError``) naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from synthdefect.transforms.base import Transform

__all__ = [
    "TRANSFORM_TYPES",
    "Rebuilder",
    "RecordError",
    "check_bool",
    "check_float",
    "check_int",
    "check_keys",
    "check_str",
    "find_step",
    "first_difference",
    "register_transform",
    "walk_records",
]

TRANSFORM_TYPES: dict[str, type[Transform]] = {}
"""Record ``type`` -> transform class, for rebuilding recipes from records."""

T = TypeVar("T", bound="type[Transform]")


class RecordError(ValueError):
    """A record that is malformed or that does not match the transform replaying it.

    ``path`` locates the sub-record in its recipe (e.g. ``("steps", "anomaly", "transform")``);
    composites add their part while the error travels up.
    """

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def within(self, *parts: str) -> RecordError:
        """This error, located ``parts`` deeper from the caller's point of view."""
        self.path = (*parts, *self.path)
        return self

    def __str__(self) -> str:
        return f"record at {'.'.join(self.path)}: {self.message}" if self.path else self.message


def register_transform(cls: T) -> T:
    """Class decorator: make ``cls`` rebuildable from records of type ``cls.record_type``."""
    name = cls.record_type
    known = TRANSFORM_TYPES.get(name)
    if known is not None and known is not cls:
        raise ValueError(f"transform type {name!r} is already registered to {known.__qualname__}")
    TRANSFORM_TYPES[name] = cls
    return cls


def check_keys(value: Any, required: tuple[str, ...], where: str) -> Mapping[str, Any]:
    """``value`` as a mapping with exactly the keys ``required``."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise RecordError(f"{where} must be a dict, got {type(value).__name__} {value!r}")
    if len(value) == len(required) and all(k in value for k in required):
        return value
    missing = [k for k in required if k not in value]
    if missing:
        raise RecordError(f"{where} lacks key(s) {missing}; has {sorted(value)}")
    extra = sorted(set(value) - set(required))
    raise RecordError(f"{where} has unknown key(s) {extra}; expected {list(required)}")


def check_int(value: Any, where: str, low: int | None = None, high: int | None = None) -> int:
    """An ``int`` (not a bool or float) within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{where} must be an integer, got {value!r}")
    _check_range(value, where, low, high)
    return value


def check_float(
    value: Any, where: str, low: float | None = None, high: float | None = None
) -> float:
    """A finite number (int or float, not a bool) within ``[low, high]``, as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordError(f"{where} must be a finite number, got {value!r}")
    _check_range(value, where, low, high)
    return float(value)


def check_bool(value: Any, where: str) -> bool:
    """A JSON boolean (``True``/``False`` only: not ``1``, ``"no"`` or ``None``)."""
    if not isinstance(value, bool):
        raise RecordError(f"{where} must be true or false, got {value!r}")
    return value


def check_str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{where} must be a string, got {value!r}")
    return value


def _check_range(value: float, where: str, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        raise RecordError(f"{where} must be within [{low}, {high}], got {value!r}")


def first_difference(record: Any, expected: Any, path: str = "") -> str | None:
    """Where two JSON values first differ, as ``"path: record X, expected Y"``; ``None`` if equal.

    Lists and tuples compare alike; ``True`` never equals ``1``.
    """
    if isinstance(record, Mapping) and isinstance(expected, Mapping):
        for key in [*expected, *(k for k in record if k not in expected)]:
            if key not in record or key not in expected:
                return (
                    f"{path}{key}: record {record.get(key, '<missing>')!r}, "
                    f"expected {expected.get(key, '<missing>')!r}"
                )
            found = first_difference(record[key], expected[key], f"{path}{key}.")
            if found is not None:
                return found
        return None
    sequences = (list, tuple)
    if isinstance(record, sequences) and isinstance(expected, sequences):
        if len(record) == len(expected):
            for i, (a, b) in enumerate(zip(record, expected, strict=True)):
                found = first_difference(a, b, f"{path}{i}.")
                if found is not None:
                    return found
            return None
    elif record == expected and isinstance(record, bool) == isinstance(expected, bool):
        return None
    return f"{path.rstrip('.') or 'value'}: record {record!r}, expected {expected!r}"


def walk_records(
    record: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every sub-record of ``record`` (itself first), depth first, with its dotted path.

    Paths name composite children, e.g. ``"steps.anomaly.transform.steps.mask"``. Values that
    are not records are skipped, so this walks any recipe's records (e.g. to find every
    ``TextureSample`` draw).
    """
    if not isinstance(record, Mapping) or "type" not in record:
        return
    yield ".".join(path), record
    steps = record.get("steps")
    if isinstance(steps, Mapping):
        for name, child in steps.items():
            yield from walk_records(child, (*path, "steps", str(name)))
    yield from walk_records(record.get("transform"), (*path, "transform"))


@dataclass(frozen=True)
class Rebuilder:
    """Rebuilds transforms from records: ``rebuild(record) -> Transform``.

    ``inputs`` holds what records name but do not contain (``"textures"``: the user textures a
    ``TextureSample`` drew from); ``types`` maps record types to classes (default:
    :data:`TRANSFORM_TYPES`; the benchmark's baseline swaps in its own kernels this way).
    Composites call it for their children from ``from_description``.
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    types: Mapping[str, type[Transform]] = field(default_factory=lambda: TRANSFORM_TYPES)

    def __call__(self, record: Any) -> Transform:
        check_keys_within(record, ("type", "version", "settings"), "record")
        name = check_str(record["type"], "record type")
        cls = self.types.get(name)
        if cls is None:
            raise RecordError(
                f"unknown transform type {name!r}; known: {sorted(self.types)} (register "
                "your own with synthdefect.register_transform)"
            )
        version = check_int(record["version"], f"{name} record version")
        if version != cls.version:
            raise RecordError(f"{name} record has schema version {version}, this is {cls.version}")
        if not isinstance(record["settings"], Mapping):
            raise RecordError(f"{name} record settings must be a dict, got {record['settings']!r}")
        try:
            return cls.from_description(record, self)
        except RecordError:
            raise
        except (TypeError, ValueError) as err:
            message = f"cannot rebuild {name} from settings {record['settings']}: {err}"
            raise RecordError(message) from None


def transform_from_record(record: Any, inputs: Mapping[str, Any] | None = None) -> Transform:
    """Rebuild the transform that made ``record`` (a record or a description).

    ``inputs``: see :class:`Rebuilder`. Raises :class:`RecordError` for an unknown type,
    another schema version or settings the transform rejects.
    """
    return Rebuilder(inputs or {})(record)


def check_keys_within(value: Any, required: tuple[str, ...], where: str) -> Mapping[str, Any]:
    """``value`` as a mapping holding at least the keys ``required``."""
    if not isinstance(value, Mapping):
        raise RecordError(f"{where} must be a dict, got {type(value).__name__} {value!r}")
    missing = [k for k in required if k not in value]
    if missing:
        raise RecordError(f"{where} lacks key(s) {missing}; has {sorted(value)}")
    return value


def find_step(record: Any, name: str) -> Mapping[str, Any] | None:
    """The record of the first step called ``name`` anywhere in ``record`` (depth first).

    E.g. ``find_step(result.params, "mask")["params"]["threshold"]``; ``None`` if there is none.
    """
    suffix = f"steps.{name}"
    for path, sub in walk_records(record):
        if path == suffix or path.endswith("." + suffix):
            return sub
    return None
