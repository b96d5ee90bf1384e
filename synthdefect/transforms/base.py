"""Transform base class: draw parameters, then call kernels.

A transform splits its work in two, after torchvision v2:

* :meth:`Transform.make_params` draws every random choice from a numpy ``Generator``, using only
  the sample's shape and metadata (never its pixels or file contents), and returns them as a
  JSON-serialisable *record* (see :mod:`synthdefect.transforms.records`); retries such as mask
  redraws happen here;
* :meth:`Transform.apply` is deterministic and complete: given a
  :class:`~synthdefect.sample.Sample` and a record it validates the record against the transform
  and calls the kernels of :mod:`synthdefect.functional`.

``t.apply(sample, t.make_params(rng, sample))`` works for every transform, composites included;
:meth:`Transform.forward` does exactly that. Calling a transform converts the user's input
(numpy, torch, PIL, batches; see :mod:`synthdefect.convert`), runs it and converts back,
returning an :class:`~synthdefect.sample.AnomalyResult`. Passing a record back as ``params=``
replays the sample exactly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from synthdefect.convert import from_user
from synthdefect.sample import AnomalyResult, Sample
from synthdefect.seeding import fresh_seed, sample_rng
from synthdefect.transforms.records import (
    Rebuilder,
    RecordError,
    check_bool,
    check_int,
    check_keys,
    first_difference,
    register_transform,
)

__all__ = ["Compose", "RandomApply", "Transform"]


Record = dict[str, Any]


class Transform:
    """Base class of all synthdefect transforms (see module doc).

    Subclasses implement :meth:`make_params` and :meth:`apply`, and describe themselves for
    their records: :meth:`settings` returns the fixed constructor arguments that shape the
    output (JSON values, so that ``type(t)(**t.settings())`` rebuilds ``t``), ``version`` is the
    record schema version, ``record_type`` the name under which
    :func:`~synthdefect.transforms.records.register_transform` registers the class (default:
    the class name). Built-in transforms return ``self.record(**draws)`` from ``make_params``
    and start ``apply`` with ``self.unpack(params)``, which checks a record against the
    transform and returns its draws after :meth:`check_params` has validated them.
    """

    record_type: ClassVar[str] = "Transform"
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "record_type" not in cls.__dict__:
            cls.record_type = cls.__name__

    def settings(self) -> dict[str, Any]:
        """The fixed settings that shape this transform's output, as JSON values."""
        return {}

    def header(self) -> Record:
        """``{"type", "version", "settings"}``: what every record of this transform starts with."""
        return {"type": self.record_type, "version": self.version, "settings": self.settings()}

    def describe(self) -> Record:
        """A record without draws: enough to rebuild the transform (composites add children)."""
        return self.header()

    def record(self, **params: Any) -> Record:
        """A full record holding the draws ``params``."""
        return {**self.header(), "params": params}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        """Draw this transform's random parameters for ``sample`` (shape/metadata only)."""
        return self.record()

    def apply(self, sample: Sample, params: Record) -> Sample:
        """Apply the transform as ``params`` records; must not draw random numbers."""
        raise NotImplementedError

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, Record]:
        """Draw parameters and apply them; returns the new sample and its record."""
        params = self.make_params(rng, sample)
        return self.apply(sample, params), params

    def check_header(self, record: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
        """``record`` with exactly ``keys``, this type, version and settings; else RecordError."""
        check_keys(record, keys, f"{self.record_type} record")
        if record["type"] != self.record_type:
            raise RecordError(
                f"a {record['type']!r} record cannot be replayed by {self.record_type}"
            )
        version = check_int(record["version"], f"{self.record_type} record version")
        if version != self.version:
            raise RecordError(
                f"{self.record_type} record has schema version {version}, this is {self.version}"
            )
        settings = self.settings()
        difference = (
            None
            if record["settings"] == settings  # the fast path; True == 1 is tolerated here
            else first_difference(record["settings"], settings, "settings.")
        )
        if difference is not None:
            raise RecordError(
                f"{self.record_type} record was made with other settings ({difference}): replay "
                "it with the transform that made it, or rebuild that one with "
                "synthdefect.recipe_from_record"
            )
        return record

    def unpack(self, record: Any) -> Mapping[str, Any]:
        """The validated draws of ``record`` (see :meth:`check_header`, :meth:`check_params`)."""
        self.check_header(record, ("type", "version", "settings", "params"))
        return self.check_params(record["params"])

    def check_params(self, params: Any) -> Mapping[str, Any]:
        """Validate draws (keys, types, ranges), raising RecordError; returns them."""
        return check_keys(params, (), f"{self.record_type} params")

    def children(self) -> list[tuple[str, Transform]]:
        """The named transforms this one is made of (composites), else ``[]``."""
        return []

    def walk(self) -> Iterator[tuple[str, Transform]]:
        """This transform and all below it, depth first, with dotted paths (``""`` for itself)
        that match :func:`~synthdefect.transforms.records.walk_records`'s."""
        yield "", self
        for name, child in self.children():
            part = name if isinstance(self, RandomApply) else f"steps.{name}"
            for path, transform in child.walk():
                yield ".".join(p for p in (part, path) if p), transform

    @classmethod
    def from_description(cls, description: Mapping[str, Any], rebuild: Rebuilder) -> Any:
        """Rebuild from a record or description whose type, version and settings dict are
        checked; ``rebuild`` rebuilds children and holds the inputs (textures and the like)."""
        return cls(**description["settings"])

    def __call__(
        self,
        image: Any,
        *,
        seed: int | None = None,
        index: int = 0,
        rng: np.random.Generator | None = None,
        params: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        source: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    ) -> AnomalyResult:
        """Transform one image or a batch and return an :class:`AnomalyResult`.

        Randomness, in order of precedence: ``params`` (replay a record; for a batch, a list of
        records), ``rng`` (used in turn for every item of a batch), ``seed`` (item ``b`` of a
        batch draws from ``sample_rng(seed, index + b)``). With none of them a fresh seed is used.
        ``source``: the image's file path or name (for a batch, one per image), for recipes that
        look inputs up by name, such as a foreground from a folder of masks.
        """
        converted = from_user(image)
        n = len(converted.images)
        sources = _sources(source, n)
        if params is not None:
            records = [params] if isinstance(params, dict) else list(params)
            if len(records) != n:
                raise ValueError(f"got {len(records)} parameter records for {n} images")
            items = zip(converted.images, records, sources, strict=True)
            samples = [self.apply(Sample.from_image(im, name), p) for im, p, name in items]
        else:
            if rng is None and seed is None:
                seed = fresh_seed()
            samples, records = [], []
            for b, (im, name) in enumerate(zip(converted.images, sources, strict=True)):
                item_rng = rng if rng is not None else sample_rng(seed, index + b)
                sample, record = self.forward(Sample.from_image(im, name), item_rng)
                samples.append(sample)
                records.append(record)
        return converted.restore(samples, records)

    def replay(
        self,
        image: Any,
        params: Record | Sequence[Record],
        source: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    ) -> AnomalyResult:
        """Re-create the sample(s) described by ``params`` (records from an earlier call;
        ``source`` as in :meth:`__call__`)."""
        if not isinstance(params, (Mapping, list, tuple)):
            raise RecordError(
                f"replay needs the record (params) of an earlier call, got {params!r}"
            )
        return self(image, params=params, source=source)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def _sources(
    source: str | os.PathLike | Sequence[str | os.PathLike] | None, n: int
) -> list[str | os.PathLike | None]:
    """One source name per image of a call: ``source`` itself for one image, else a sequence
    of ``n`` names."""
    if source is None:
        return [None] * n
    if isinstance(source, (str, os.PathLike)):
        if n != 1:
            raise ValueError(f"got one source name for {n} images: pass one name per image")
        return [source]
    names = list(source)
    if len(names) != n:
        raise ValueError(f"got {len(names)} source names for {n} images")
    return names


StepSpec = Transform | tuple[str, Transform]


def _named_steps(
    steps: Sequence[StepSpec] | Mapping[str, Transform],
) -> list[tuple[str, Transform]]:
    pairs = (
        list(steps.items())
        if isinstance(steps, Mapping)
        else [s if isinstance(s, tuple) else (str(i), s) for i, s in enumerate(steps)]
    )
    if not pairs:
        raise ValueError("Compose needs at least one transform")
    names = [name for name, _ in pairs]
    for name, transform in pairs:
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"step names must be non-empty strings without '.', got {name!r}")
        if not isinstance(transform, Transform):
            raise TypeError(f"step {name!r} is not a Transform: {transform!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"step names must be distinct, got {names}")
    return pairs


@register_transform
class Compose(Transform):
    """Apply named steps in sequence: the one way to build recipes.

    ``steps`` is a list of ``(name, transform)`` pairs, a dict of them, or a plain list of
    transforms (named ``"0"``, ``"1"``, ...). ``name`` labels the recipe (presets set it); it is
    part of the record and checked on replay. Every step draws from the sample given to
    ``Compose`` (its shape and metadata; steps must not change the image shape). Record::

        {"type": "Compose", "version": 1, "settings": {"name": ...},
         "steps": {"mask": {...}, "texture": {...}}}
    """

    def __init__(
        self, steps: Sequence[StepSpec] | Mapping[str, Transform], name: str | None = None
    ) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {name!r}")
        self.steps = _named_steps(steps)
        self.name = name

    @property
    def transforms(self) -> list[Transform]:
        """The steps' transforms, in order."""
        return [transform for _, transform in self.steps]

    def __getitem__(self, name: str) -> Transform:
        for step, transform in self.steps:
            if step == name:
                return transform
        raise KeyError(f"no step {name!r}; steps: {[n for n, _ in self.steps]}")

    def settings(self) -> dict[str, Any]:
        return {"name": self.name}

    def children(self) -> list[tuple[str, Transform]]:
        return list(self.steps)

    def describe(self) -> Record:
        return {**self.header(), "steps": {name: t.describe() for name, t in self.steps}}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        return {
            **self.header(),
            "steps": {name: t.make_params(rng, sample) for name, t in self.steps},
        }

    def apply(self, sample: Sample, params: Record) -> Sample:
        self.check_header(params, ("type", "version", "settings", "steps"))
        steps = params["steps"]
        names = [name for name, _ in self.steps]
        if not isinstance(steps, Mapping) or list(steps) != names:
            found = list(steps) if isinstance(steps, Mapping) else steps
            raise RecordError(f"Compose record steps are {found!r}, this Compose has {names}")
        for name, transform in self.steps:
            try:
                sample = transform.apply(sample, steps[name])
            except RecordError as err:
                raise err.within("steps", name) from None
        return sample

    @classmethod
    def from_description(cls, description: Mapping[str, Any], rebuild: Rebuilder) -> Any:
        steps = description.get("steps")
        if not isinstance(steps, Mapping) or not steps:
            raise RecordError(f"Compose record needs a non-empty 'steps' dict, got {steps!r}")
        built = []
        for name, child in steps.items():
            try:
                built.append((name, rebuild(child)))
            except RecordError as err:
                raise err.within("steps", name) from None
        return cls(built, **description["settings"])


@register_transform
class RandomApply(Transform):
    """Apply ``transform`` with probability ``p``. Record::

    {"type": "RandomApply", "version": 1, "settings": {"p": p},
     "params": {"applied": bool}, "transform": <record, or description if not applied>}
    """

    def __init__(self, transform: Transform, p: float = 0.5) -> None:
        if not isinstance(transform, Transform):
            raise TypeError(f"RandomApply needs a Transform, got {transform!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.transform = transform
        self.p = float(p)

    def settings(self) -> dict[str, Any]:
        return {"p": self.p}

    def children(self) -> list[tuple[str, Transform]]:
        return [("transform", self.transform)]

    def describe(self) -> Record:
        return {**self.header(), "transform": self.transform.describe()}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        if rng.random() >= self.p:
            return {
                **self.record(applied=False),
                "transform": self.transform.describe(),
            }
        return {**self.record(applied=True), "transform": self.transform.make_params(rng, sample)}

    def apply(self, sample: Sample, params: Record) -> Sample:
        self.check_header(params, ("type", "version", "settings", "params", "transform"))
        draws = check_keys(params["params"], ("applied",), "RandomApply params")
        child = params["transform"]
        if not check_bool(draws["applied"], "RandomApply params.applied"):
            description = self.transform.describe()
            difference = None if child == description else first_difference(child, description)
            if difference is not None:
                raise RecordError(
                    f"record describes another transform ({difference})", ("transform",)
                )
            return sample
        try:
            return self.transform.apply(sample, child)
        except RecordError as err:
            raise err.within("transform") from None

    @classmethod
    def from_description(cls, description: Mapping[str, Any], rebuild: Rebuilder) -> Any:
        try:
            child = rebuild(description.get("transform"))
        except RecordError as err:
            raise err.within("transform") from None
        return cls(child, **description["settings"])
