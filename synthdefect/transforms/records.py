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
files are descriptions, see ``docs/building-recipes.md``).

A transform declares what its records hold instead of writing their plumbing: the names of its
settings (``Transform.settings_fields``) and a *schema* of its draws (``Transform.params_schema``,
a dict of draw name -> check built from :func:`number`, :func:`integer`, :func:`pair`, ... below).
Malformed or mismatched records raise :class:`RecordError` (a ``ValueError``) naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from synthdefect.transforms.base import Transform

__all__ = [
    "TRANSFORM_TYPES",
    "Check",
    "Rebuilder",
    "Record",
    "RecordError",
    "boolean",
    "check_keys",
    "check_schema",
    "derived",
    "fields",
    "find_step",
    "first_difference",
    "integer",
    "list_of",
    "null",
    "number",
    "one_of",
    "optional",
    "pair",
    "qualified_name",
    "register_transform",
    "string",
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


class Record(dict):
    """A record as ``make_params`` returns it: a plain JSON dict to every reader, with
    ``derived``, the values computed while drawing that ``apply`` reuses, and ``made_by``, the
    transform whose draw it is, which ``apply`` trusts without checking it again (see
    :mod:`synthdefect.transforms.base`). JSON, pickles and copies hold the plain dict, so a
    record read back or copied has neither and is checked in full (change draws on a copy)."""

    __slots__ = ("derived", "made_by")

    def __init__(self, *args: Any, made_by: object = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.derived: dict[str, Any] = {}
        self.made_by = made_by

    def __reduce_ex__(self, protocol: Any) -> tuple[type, tuple[dict[str, Any]]]:
        return dict, (dict(self),)


def derived(record: Any) -> dict[str, Any]:
    """The values ``make_params`` kept beside ``record`` (see :class:`Record`), else ``{}``."""
    return record.derived if isinstance(record, Record) else {}


def drawn_by(record: Any, transform: object) -> bool:
    """Whether ``record`` is ``transform``'s own draw, as its ``make_params`` returned it (see
    :class:`Record`): such a record needs no check before ``apply``."""
    return isinstance(record, Record) and record.made_by is transform


def qualified_name(fn: Callable[..., Any]) -> str:
    """``"module:qualname"`` of a function, or of a callable object's class: how a record names
    a callable it cannot hold."""
    owner = fn if hasattr(fn, "__qualname__") else type(fn)
    return f"{owner.__module__}:{owner.__qualname__}"


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


Check = Callable[[Any, str], Any]
"""Checks one value of a record: ``check(value, where)`` returns it, or raises
:class:`RecordError` naming ``where`` (e.g. ``"PerlinMask params.seed"``)."""

Schema = Mapping[str, Check]
"""The draws of a record: draw name -> its check (exactly these keys, but for the
:func:`optional` ones)."""


def integer(low: int | None = None, high: int | None = None) -> Check:
    """An ``int`` (not a bool or float) within ``[low, high]``."""

    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(f"{where} must be an integer, got {value!r}")
        return _within(value, where, low, high)

    return check


def number(low: float | None = None, high: float | None = None) -> Check:
    """A finite number (int or float, not a bool) within ``[low, high]``."""

    def check(value: Any, where: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise RecordError(f"{where} must be a finite number, got {value!r}")
        return _within(value, where, low, high)

    return check


def _within(value: Any, where: str, low: float | None, high: float | None) -> Any:
    if (low is not None and value < low) or (high is not None and value > high):
        raise RecordError(f"{where} must be within [{low}, {high}], got {value!r}")
    return value


def boolean(value: Any, where: str) -> bool:
    """A JSON boolean (``True``/``False`` only: not ``1``, ``"no"`` or ``None``)."""
    if not isinstance(value, bool):
        raise RecordError(f"{where} must be true or false, got {value!r}")
    return value


def string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{where} must be a string, got {value!r}")
    return value


def null(value: Any, where: str) -> None:
    if value is not None:
        raise RecordError(f"{where} must be null, got {value!r}")


def one_of(*values: Any) -> Check:
    """One of ``values``."""

    def check(value: Any, where: str) -> None:
        if not any(value == v and type(value) is type(v) for v in values):
            raise RecordError(f"{where} must be one of {list(values)}, got {value!r}")

    return check


def pair(item: Check) -> Check:
    """A list (or tuple) of two values, each passing ``item``."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise RecordError(f"{where} must be a pair, got {value!r}")
        for v in value:
            item(v, where)

    return check


def list_of(item: Check, low: int = 0, high: int | None = None) -> Check:
    """A list of ``low`` to ``high`` values, each passing ``item`` (located as ``where[]``)."""
    size = f"{low}" if low == high else f"{low}..{'' if high is None else high}"

    def check(value: Any, where: str) -> None:
        if not isinstance(value, list) or not (
            low <= len(value) and (high is None or len(value) <= high)
        ):
            raise RecordError(f"{where} must be a list of {size} items, got {value!r}")
        for v in value:
            item(v, f"{where}[]")

    return check


class _Optional:
    """A check whose draw a record may lack (see :func:`optional`)."""

    def __init__(self, check: Check) -> None:
        self.check = check

    def __call__(self, value: Any, where: str) -> Any:
        return self.check(value, where)


def optional(check: Check) -> Check:
    """``check`` for a draw that records may lack: a draw added after records without it were
    written, present only where it is not its old, implied, value (which the transform reads
    back as ``params.get(name, old)``)."""
    return _Optional(check)


def fields(schema: Schema) -> Check:
    """A dict holding exactly the keys of ``schema``, each value passing its check."""
    return lambda value, where: check_schema(value, schema, where)


def check_schema(value: Any, schema: Schema, where: str) -> Mapping[str, Any]:
    """``value`` as a mapping with exactly the keys of ``schema`` (an :func:`optional` one may
    be missing), each passing its check."""
    held = isinstance(value, Mapping)
    keys = tuple(
        k for k, c in schema.items() if not isinstance(c, _Optional) or (held and k in value)
    )
    check_keys(value, keys, where)
    for key in keys:
        schema[key](value[key], f"{where}.{key}")
    return value


def first_difference(record: Any, expected: Any, path: str = "") -> str | None:
    """Where two JSON values first differ, as ``"path: record X, expected Y"``; ``None`` if equal.

    Lists and tuples compare alike; ``True`` never equals ``1``.
    """
    found = first_mismatch(record, expected, path)
    return None if found is None else f"{found[0]}: record {found[1]!r}, expected {found[2]!r}"


def first_mismatch(record: Any, expected: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """``(dotted path, record's value, expected value)`` where two JSON values first differ (a
    missing key's value shown as ``'<missing>'``), ``None`` if equal; compared as
    :func:`first_difference` does."""
    if isinstance(record, Mapping) and isinstance(expected, Mapping):
        for key in [*expected, *(k for k in record if k not in expected)]:
            if key not in record or key not in expected:
                return (
                    f"{path}{key}",
                    record.get(key, "<missing>"),
                    expected.get(key, "<missing>"),
                )
            found = first_mismatch(record[key], expected[key], f"{path}{key}.")
            if found is not None:
                return found
        return None
    sequences = (list, tuple)
    if isinstance(record, sequences) and isinstance(expected, sequences):
        if len(record) == len(expected):
            for i, (a, b) in enumerate(zip(record, expected, strict=True)):
                found = first_mismatch(a, b, f"{path}{i}.")
                if found is not None:
                    return found
            return None
    elif record == expected and isinstance(record, bool) == isinstance(expected, bool):
        return None
    return path.rstrip(".") or "value", record, expected


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
        if not isinstance(record, Mapping):
            raise RecordError(f"record must be a dict, got {type(record).__name__} {record!r}")
        if "type" not in record:
            raise RecordError(f"record lacks key(s) ['type']; has {sorted(record)}")
        name = string(record["type"], "record type")
        cls = self.types.get(name)
        if cls is None:  # said before any other key is missed: the type explains the rest
            raise RecordError(
                f"unknown transform type {name!r}; known: {sorted(self.types)} (register "
                "your own with synthdefect.register_transform)"
            )
        if "version" in record:
            version = integer()(record["version"], f"{name} record version")
            if version != cls.version:
                raise RecordError(
                    f"{name} record has schema version {version}, this is {cls.version}"
                )
        missing = [k for k in ("version", "settings") if k not in record]
        if missing:
            raise RecordError(f"{name} record lacks key(s) {missing}; has {sorted(record)}")
        if not isinstance(record["settings"], Mapping):
            raise RecordError(f"{name} record settings must be a dict, got {record['settings']!r}")
        try:
            transform = cls.from_description(record, self)
        except RecordError:
            raise
        except KeyError as err:
            message = f"cannot rebuild {name} from settings {record['settings']}: no {err}"
            raise RecordError(message) from None
        except (TypeError, ValueError, AttributeError) as err:
            message = f"cannot rebuild {name} from settings {record['settings']}: {err}"
            raise RecordError(message) from None
        held = transform.settings()
        for key, value in record["settings"].items():
            wrong = _wrong_type(value, held.get(key), key)
            if wrong is not None:
                raise RecordError(f"{name} setting {wrong}")
        return transform


_TYPES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
"""The JSON scalar types a setting is held in -> what a record must give for it."""


def _wrong_type(given: Any, held: Any, where: str) -> str | None:
    """Where ``given`` (a record's setting, from JSON) is not of the type its transform holds it
    in (``held``, from :meth:`~synthdefect.transforms.Transform.settings`), inside lists and
    dicts too: ``"octaves must be an integer, got 1.0 (float)"``; ``None`` where it is, or
    cannot be compared (a value the constructor expands, such as ``threshold: 0.5`` held as
    ``[0.5, 0.5]``). An integer serves for a float."""
    if isinstance(given, (list, tuple)) and isinstance(held, (list, tuple)):
        if len(given) != len(held):
            return None
        found = (
            _wrong_type(g, h, f"{where}[{i}]")
            for i, (g, h) in enumerate(zip(given, held, strict=True))
        )
        return next((wrong for wrong in found if wrong is not None), None)
    if isinstance(given, Mapping) and isinstance(held, Mapping):
        found = (_wrong_type(given[k], held[k], f"{where}.{k}") for k in given if k in held)
        return next((wrong for wrong in found if wrong is not None), None)
    expected, got = _TYPES.get(type(held)), type(given)
    if (
        expected is None
        or got not in _TYPES
        or got is type(held)
        or (got, type(held)) == (int, float)
    ):
        return None
    return f"{where} must be {expected}, got {given!r} ({got.__name__})"


def transform_from_record(record: Any, inputs: Mapping[str, Any] | None = None) -> Transform:
    """Rebuild the transform that made ``record`` (a record or a description).

    ``inputs``: see :class:`Rebuilder`. Raises :class:`RecordError` for an unknown type,
    another schema version or settings the transform rejects.
    """
    return Rebuilder(inputs or {})(record)


def find_step(record: Any, name: str) -> Mapping[str, Any] | None:
    """The record of the first step called ``name`` anywhere in ``record`` (depth first).

    E.g. ``find_step(result.params, "mask")["params"]["threshold"]``; ``None`` if there is none.
    """
    suffix = f"steps.{name}"
    for path, sub in walk_records(record):
        if path == suffix or path.endswith("." + suffix):
            return sub
    return None
