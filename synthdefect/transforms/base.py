"""Transform base class: draw parameters, then call kernels.

A transform splits its work in two, after torchvision v2:

* :meth:`Transform.make_params` draws every random choice from a numpy ``Generator`` and returns
  them as a JSON-serialisable *record* (see :mod:`synthdefect.transforms.records`); retries such
  as mask redraws happen here. It reads the sample's shape, its metadata (``source``) and
  ``sample.foreground`` (mask and patch transforms place their draws on it), never the image's
  pixels or file contents, with one exception:
  :class:`~synthdefect.transforms.foreground.Foreground` computes the foreground from the normal
  image's pixels (or reads the mask file that ``sample.source`` names), because where a defect
  may go depends on what the image shows; its record keeps the foreground's area (and mask
  file), so that a replay on another image fails;
* :meth:`Transform.apply` is deterministic and complete: given a
  :class:`~synthdefect.sample.Sample` and a record it validates the record against the transform
  and calls the kernels of :mod:`synthdefect.functional`. A record that this very transform's
  ``make_params`` returned (a fresh draw, already valid) is not checked again; one read back,
  copied, or made by another transform always is, and a replay through ``params=`` checks every
  record it is given.

Everything ``apply`` needs is in the record, and a transform keeps no state between the two
calls: values that ``make_params`` computed from its draws and that ``apply`` would compute
again (a mask built to test its area, the foreground) ride beside the JSON in
:class:`~synthdefect.transforms.records.Record`'s ``derived``, which is never written (JSON,
pickles and copies hold the plain dict); a record read back from JSON has none, and ``apply``
computes them again, with identical results.

``t.apply(sample, t.make_params(rng, sample))`` works for every transform, composites included;
:meth:`Transform.forward` does exactly that. Calling a transform converts the user's input
(numpy, torch, PIL, batches; see :mod:`synthdefect.convert`), runs it and converts back,
returning an :class:`~synthdefect.sample.AnomalyResult`. Passing a record back as ``params=``
replays the sample exactly.

Records are declared, not written: a transform names its settings
(:attr:`Transform.settings_fields`) and the schema of its draws
(:meth:`Transform.params_schema`); a composite names its children (:meth:`Transform.children`)
and the record key holding theirs (:attr:`Transform.children_key`). From these the base class
makes and checks every record and rebuilds transforms from them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from synthdefect.convert import from_user
from synthdefect.sample import AnomalyResult, Sample, source_names
from synthdefect.seeding import as_int, fresh_seed, sample_rng
from synthdefect.transforms.ranges import number_setting
from synthdefect.transforms.records import (
    Rebuilder,
    Record,
    RecordError,
    Schema,
    boolean,
    check_keys,
    check_schema,
    drawn_by,
    first_difference,
    integer,
    register_transform,
)

if TYPE_CHECKING:
    import torch

    from synthdefect.sample_batch import BatchResult, SampleBatch

__all__ = ["Compose", "RandomApply", "Transform"]


class Transform:
    """Base class of all synthdefect transforms (see module doc).

    A subclass implements :meth:`make_params` (returning ``self.record(**draws)``) and
    :meth:`apply` (starting with ``draws = self.unpack(params)``), and declares its records:

    * ``settings_fields``: the names of the attributes holding the fixed constructor arguments
      that shape its output, in record order; :meth:`settings` gives them as JSON (tuples become
      lists), so that ``type(t)(**t.settings())`` rebuilds ``t``. A transform whose settings
      depend on its mode overrides :meth:`settings` instead;
    * :meth:`params_schema`: its draws, name -> check (:mod:`~synthdefect.transforms.records`'s
      ``number``, ``integer``, ``pair``, ...), validated by :meth:`unpack`;
    * :meth:`from_parts`, only when the record names an input it cannot hold (user textures, a
      callable);
    * ``version`` (the record schema version) and ``record_type`` (the name it registers under
      with :func:`~synthdefect.transforms.records.register_transform`; default: the class name).

    A composite also returns its children from :meth:`children` and sets ``children_key``, the
    record key of their records: a dict of them keyed by child name, or, with
    ``single_child``, its one child's record itself (``RandomApply``'s ``"transform"``). It
    makes records with :meth:`composite_record` and reads them with :meth:`unpack_children`.
    """

    record_type: ClassVar[str] = "Transform"
    version: ClassVar[int] = 1
    settings_fields: ClassVar[tuple[str, ...]] = ()
    children_key: ClassVar[str | None] = None
    single_child: ClassVar[bool] = False
    has_params: ClassVar[bool] = True
    """Whether records hold ``"params"`` (a Compose draws nothing itself and holds none)."""
    draws_from_pixels: bool = False
    """Whether :meth:`make_params` reads the image's pixels (a foreground estimate, a mean
    colour; a property where the settings decide); otherwise :meth:`batch` draws from a
    placeholder of the image's shape, without copying the batch."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "record_type" not in cls.__dict__:
            cls.record_type = cls.__name__

    def settings(self) -> dict[str, Any]:
        """The fixed settings that shape this transform's output, as JSON values."""
        return {name: _json(getattr(self, name)) for name in self.settings_fields}

    def params_schema(self) -> Schema:
        """The draws of this transform's records: name -> check (default: none)."""
        return {}

    def children(self) -> dict[str, Transform]:
        """The named transforms this one is made of (composites), else ``{}``."""
        return {}

    @classmethod
    def child_path(cls, name: str) -> tuple[str, ...]:
        """Where the record of child ``name`` sits in this transform's record."""
        assert cls.children_key is not None
        return (cls.children_key,) if cls.single_child else (cls.children_key, name)

    def header(self) -> Record:
        """``{"type", "version", "settings"}``: what every record of this transform starts with."""
        return Record(
            type=self.record_type, version=self.version, settings=self.settings(), made_by=self
        )

    def describe(self) -> Record:
        """A record without draws: enough to rebuild the transform (composites add children)."""
        if self.children_key is None:
            return self.header()
        return {
            **self.header(),
            self.children_key: self._nest({n: t.describe() for n, t in self.children().items()}),
        }

    def record(self, **params: Any) -> Record:
        """A full record holding the draws ``params``."""
        record = self.header()
        record["params"] = params
        return record

    def composite_record(self, children: Mapping[str, Any], **params: Any) -> Record:
        """A composite's record: its draws ``params`` and its children's records."""
        record = self.record(**params) if self.has_params else self.header()
        record[self.children_key] = self._nest(children)
        return record

    def _nest(self, children: Mapping[str, Any]) -> Any:
        return next(iter(children.values())) if self.single_child else dict(children)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        """Draw this transform's random parameters for ``sample`` (see module doc)."""
        return self.record()

    def apply(self, sample: Sample, params: Record) -> Sample:
        """Apply the transform as ``params`` records; must not draw random numbers."""
        raise NotImplementedError

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, Record]:
        """Draw parameters and apply them; returns the new sample and its record."""
        params = self.make_params(rng, sample)
        return self.apply(sample, params), params

    def apply_batch(self, batch: SampleBatch, records: list[Any]) -> SampleBatch:
        """Apply one record per item of ``batch`` on its device (see :meth:`batch`).

        The default has no batch form: it moves the items to the host, calls :meth:`apply` on
        each and moves them back, noting itself in ``batch.fell_back``. A transform with a
        batch form overrides this; its result must equal :meth:`apply`'s within the
        tolerance docs/batch.md states.
        """
        samples = [self.apply(s, r) for s, r in zip(batch.samples(), records, strict=True)]
        out = batch.from_samples(samples)
        out.fell_back.append(self)
        return out

    def run_batch(self, batch: SampleBatch, records: list[Any]) -> SampleBatch:
        """:meth:`apply_batch`, unless a subclass changed :meth:`apply` after the class whose
        batch form it inherits: then the host form (so an inherited batch form never applies
        another transform's records)."""
        if len(batch) == 0:
            return batch
        mro = type(self).__mro__
        owner = next(c for c in mro if "apply_batch" in c.__dict__)
        applier = next(c for c in mro if "apply" in c.__dict__)
        if owner is not applier and issubclass(applier, owner):
            return Transform.apply_batch(self, batch, records)
        return self.apply_batch(batch, records)

    def batch(
        self,
        images: torch.Tensor,
        *,
        seed: int | None = None,
        indices: Sequence[int] | None = None,
        params: Sequence[Record] | None = None,
        source: Sequence[str | os.PathLike] | None = None,
    ) -> BatchResult:
        """Make a batch of samples on the device of ``images``, a ``(B, C, H, W)`` torch tensor
        (``C`` in {1, 3}; ``uint8`` [0, 255], ``uint16``, or float in [0, 1]; see
        :mod:`synthdefect.image_checks`).

        Records are drawn on the host exactly as :meth:`__call__` draws them: item ``b`` from
        ``sample_rng(seed, indices[b])`` (``indices`` defaults to ``0 .. B-1``; no seed: a
        fresh one), or taken from ``params`` (replay; not with ``seed`` or ``indices``, and
        ``indices`` not without ``seed``: ``ValueError``). Steps with a batch form
        (:meth:`apply_batch`) then run on the device over the whole batch; the others run on
        the host per item and are named in the result's ``fallbacks``. Returns a
        :class:`~synthdefect.sample_batch.BatchResult` on the input's device.
        """
        from synthdefect.sample_batch import run_recipe_batch

        _one_source_of_randomness(params=params, seed=seed, indices=indices)
        return run_recipe_batch(self, images, seed, indices, params, source)

    def check_header(self, record: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
        """``record`` with exactly ``keys``, this type, version and settings; else RecordError."""
        check_keys(record, keys, f"{self.record_type} record")
        if record["type"] != self.record_type:
            raise RecordError(
                f"a {record['type']!r} record cannot be replayed by {self.record_type}"
            )
        version = integer()(record["version"], f"{self.record_type} record version")
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
        """The validated draws of ``record`` (see :meth:`check_header`, :meth:`check_params`);
        this transform's own fresh draw is taken as it is (see module doc)."""
        if drawn_by(record, self) and "params" in record:  # a draw, not a description
            return record["params"]
        self.check_header(record, ("type", "version", "settings", "params"))
        return self.check_params(record["params"])

    def check_params(self, params: Any) -> Mapping[str, Any]:
        """Validate draws against :meth:`params_schema`, raising RecordError; returns them."""
        return check_schema(params, self.params_schema(), f"{self.record_type} params")

    def unpack_children(self, record: Any) -> tuple[Mapping[str, Any], dict[str, Any]]:
        """A composite's validated draws and its children's records, by child name."""
        names = list(self.children())
        if drawn_by(record, self):
            draws = record["params"] if self.has_params else {}
        else:
            keys = ("params",) if self.has_params else ()
            self.check_header(record, ("type", "version", "settings", *keys, self.children_key))
            draws = self.check_params(record["params"]) if self.has_params else {}
        found = record[self.children_key]
        if self.single_child:
            return draws, {names[0]: found}
        if not isinstance(found, Mapping) or list(found) != names:
            found = list(found) if isinstance(found, Mapping) else found
            raise RecordError(
                f"{self.record_type} record {self.children_key} are {found!r}, this "
                f"{self.record_type} has {names}"
            )
        return draws, dict(found)

    def apply_child(self, name: str, sample: Sample, record: Any) -> Sample:
        """Child ``name`` applied to ``sample`` as ``record`` says (errors located in it)."""
        try:
            return self.children()[name].apply(sample, record)
        except RecordError as err:
            raise err.within(*self.child_path(name)) from None

    def check_described(self, name: str, record: Any) -> None:
        """Check that ``record`` describes child ``name`` (a child that was not applied)."""
        if drawn_by(record, self.children()[name]):
            return
        difference = first_difference(record, self.children()[name].describe())
        if difference is not None:
            message = f"record describes another transform ({difference})"
            raise RecordError(message, self.child_path(name))

    def walk(self) -> Iterator[tuple[str, Transform]]:
        """This transform and all below it, depth first, with dotted paths (``""`` for itself)
        that match :func:`~synthdefect.transforms.records.walk_records`'s."""
        yield "", self
        for name, child in self.children().items():
            part = ".".join(self.child_path(name))
            for path, transform in child.walk():
                yield ".".join(p for p in (part, path) if p), transform

    @classmethod
    def from_description(cls, description: Mapping[str, Any], rebuild: Rebuilder) -> Any:
        """Rebuild from a record or description whose type, version and settings dict are
        checked: the children (``rebuild`` rebuilds them), then :meth:`from_parts`."""
        children = {}
        if cls.children_key is not None:
            found = description.get(cls.children_key)
            if not cls.single_child and (not isinstance(found, Mapping) or not found):
                raise RecordError(
                    f"{cls.record_type} record needs a non-empty {cls.children_key!r} dict, "
                    f"got {found!r}"
                )
            named = {cls.children_key: found} if cls.single_child else found
            for name, child in named.items():
                try:
                    children[name] = rebuild(child)
                except RecordError as err:
                    raise err.within(*cls.child_path(name)) from None
        return cls.from_parts(dict(description["settings"]), children, rebuild)

    @classmethod
    def from_parts(
        cls, settings: dict[str, Any], children: dict[str, Transform], rebuild: Rebuilder
    ) -> Any:
        """The transform of ``settings`` and rebuilt ``children``: ``cls(**settings)``, a
        composite's children first (its one child, or a list of ``(name, child)`` pairs).
        ``rebuild.inputs`` holds what records name but do not hold (textures and the like)."""
        if cls.children_key is None:
            return cls(**settings)
        parts = next(iter(children.values())) if cls.single_child else list(children.items())
        return cls(parts, **settings)

    def __call__(
        self,
        image: Any,
        *,
        seed: int | None = None,
        index: int | None = None,
        rng: np.random.Generator | None = None,
        params: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        source: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    ) -> AnomalyResult:
        """Transform one image or a batch and return an :class:`AnomalyResult`.

        Randomness, one of: ``params`` (replay a record; for a batch, a list of records),
        ``rng`` (used in turn for every item of a batch), ``seed`` with ``index`` (default 0:
        item ``b`` of a batch draws from ``sample_rng(seed, index + b)``). With none of them a
        fresh seed is used. Two of them together, or ``index`` without ``seed``, is refused
        (``ValueError``): one of them would be ignored.
        ``source``: the image's file path or name (for a batch, one per image), for recipes that
        look inputs up by name, such as a foreground from a folder of masks.
        """
        _one_source_of_randomness(params=params, rng=rng, seed=seed, index=index)
        index = 0 if index is None else as_int("index", index)
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(
                "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(7)), got "
                f"{type(rng).__name__}"
            )
        converted = from_user(image)
        n = len(converted.images)
        sources = source_names(source, n)
        if params is not None:
            records = [params] if isinstance(params, dict) else list(params)
            if len(records) != n:
                raise ValueError(f"got {len(records)} parameter records for {n} images")
            items = zip(converted.images, records, sources, strict=True)
            samples = [  # copies: a replay checks every record, fresh draws included
                self.apply(Sample.from_image(im, name), copy.deepcopy(p)) for im, p, name in items
            ]
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


def _one_source_of_randomness(**given: Any) -> None:
    """Refuse arguments of :meth:`Transform.__call__` / :meth:`Transform.batch` that another
    one given with them would make ignored: ``params`` (a replay) with any draw argument,
    ``rng`` with ``seed`` or ``index``, and ``index`` / ``indices`` without ``seed``."""
    named = [name for name, value in given.items() if value is not None]
    if "params" in named and len(named) > 1:
        others = ", ".join(n for n in named if n != "params")
        raise ValueError(f"params replays its records: {others} would be ignored; give one")
    if "rng" in named and len(named) > 1:
        others = ", ".join(n for n in named if n != "rng")
        raise ValueError(f"rng draws every item in turn: {others} would be ignored; give one")
    for name in ("index", "indices"):
        if name in named and "seed" not in named:
            raise ValueError(
                f"{name} picks samples of a seeded run: give seed too (without one a fresh seed "
                f"is drawn and {name} means nothing)"
            )


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _json(value: Any) -> Any:
    """A setting as JSON: tuples become lists, in dicts too. (Runs for every record drawn:
    plain scalars, most items, skip the recursion.)"""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, (tuple, list)):
        return [v if type(v) in _SCALARS else _json(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _json(v) for k, v in value.items()}
    return value


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

    settings_fields = ("name",)
    children_key = "steps"
    has_params = False

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

    def children(self) -> dict[str, Transform]:
        return dict(self.steps)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        return self.composite_record({name: t.make_params(rng, sample) for name, t in self.steps})

    def apply(self, sample: Sample, params: Record) -> Sample:
        _, records = self.unpack_children(params)
        for name, record in records.items():
            sample = self.apply_child(name, sample, record)
        return sample

    def apply_batch(self, batch: SampleBatch, records: list[Any]) -> SampleBatch:
        children = [self.unpack_children(r)[1] for r in records]
        for name, child in self.steps:
            try:
                batch = child.run_batch(batch, [c[name] for c in children])
            except RecordError as err:
                raise err.within(*self.child_path(name)) from None
        return batch


@register_transform
class RandomApply(Transform):
    """Apply ``transform`` with probability ``p``. Record::

    {"type": "RandomApply", "version": 1, "settings": {"p": p},
     "params": {"applied": bool}, "transform": <record, or description if not applied>}
    """

    settings_fields = ("p",)
    children_key = "transform"
    single_child = True

    def __init__(self, transform: Transform, p: float = 0.5) -> None:
        if not isinstance(transform, Transform):
            raise TypeError(f"RandomApply needs a Transform, got {transform!r}")
        self.transform = transform
        self.p = number_setting("p", p, 0, 1)

    def params_schema(self) -> Schema:
        return {"applied": boolean}

    def children(self) -> dict[str, Transform]:
        return {"transform": self.transform}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        if rng.random() >= self.p:
            return self.composite_record({"transform": self.transform.describe()}, applied=False)
        inner = self.transform.make_params(rng, sample)
        return self.composite_record({"transform": inner}, applied=True)

    def apply(self, sample: Sample, params: Record) -> Sample:
        draws, records = self.unpack_children(params)
        if not draws["applied"]:
            self.check_described("transform", records["transform"])
            return sample
        return self.apply_child("transform", sample, records["transform"])

    def apply_batch(self, batch: SampleBatch, records: list[Any]) -> SampleBatch:
        import torch

        applied, inner = [], []
        for b, record in enumerate(records):
            draws, children = self.unpack_children(record)
            if draws["applied"]:
                applied.append(b)
                inner.append(children["transform"])
            else:
                self.check_described("transform", children["transform"])
        if not applied:
            return batch
        try:
            if len(applied) == len(batch):
                return self.transform.run_batch(batch, inner)
            index = torch.tensor(applied, dtype=torch.int64, device=batch.device)
            selected = batch.select(index)
            part = self.transform.run_batch(selected, inner)
        except RecordError as err:
            raise err.within(*self.child_path("transform")) from None
        return batch.merge(index, part, selected)
