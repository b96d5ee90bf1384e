"""Transform base class: draw parameters, then call kernels.

A transform splits its work in two, after torchvision v2:

* :meth:`Transform.make_params` draws every random choice from a numpy ``Generator`` and returns
  them as a JSON-serialisable dict (the *record*);
* :meth:`Transform.apply` is deterministic: given a :class:`~synthdefect.sample.Sample` and a
  record it calls the kernels of :mod:`synthdefect.functional`.

Calling a transform converts the user's input (numpy, torch, PIL, batches; see
:mod:`synthdefect.convert`), runs it and converts back, returning an
:class:`~synthdefect.sample.AnomalyResult`. Passing a record back as ``params=`` replays the sample
exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthdefect.convert import from_user
from synthdefect.sample import AnomalyResult, Sample
from synthdefect.seeding import fresh_seed, sample_rng

__all__ = ["Compose", "RandomApply", "Transform"]


class Transform:
    """Base class of all synthdefect transforms (see module doc)."""

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """Draw this transform's random parameters for ``sample`` (JSON-serialisable)."""
        return {}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply the transform with the given parameters; must not draw random numbers."""
        raise NotImplementedError

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, dict[str, Any]]:
        """Draw parameters and apply them; returns the new sample and its record."""
        params = self.make_params(rng, sample)
        return self.apply(sample, params), params

    def __call__(
        self,
        image: Any,
        *,
        seed: int | None = None,
        index: int = 0,
        rng: np.random.Generator | None = None,
        params: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    ) -> AnomalyResult:
        """Transform one image or a batch and return an :class:`AnomalyResult`.

        Randomness, in order of precedence: ``params`` (replay a record; for a batch, a list of
        records), ``rng`` (used in turn for every item of a batch), ``seed`` (item ``b`` of a
        batch draws from ``sample_rng(seed, index + b)``). With none of them a fresh seed is used.
        """
        converted = from_user(image)
        n = len(converted.images)
        if params is not None:
            records = [params] if isinstance(params, dict) else list(params)
            if len(records) != n:
                raise ValueError(f"got {len(records)} parameter records for {n} images")
            pairs = zip(converted.images, records, strict=True)
            samples = [self.apply(Sample.from_image(im), p) for im, p in pairs]
        else:
            if rng is None and seed is None:
                seed = fresh_seed()
            samples, records = [], []
            for b, im in enumerate(converted.images):
                item_rng = rng if rng is not None else sample_rng(seed, index + b)
                sample, record = self.forward(Sample.from_image(im), item_rng)
                samples.append(sample)
                records.append(record)
        return converted.restore(samples, records)

    def replay(
        self, image: Any, params: dict[str, Any] | Sequence[dict[str, Any]]
    ) -> AnomalyResult:
        """Re-create the sample(s) described by ``params`` (records from an earlier call)."""
        return self(image, params=params)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class Compose(Transform):
    """Apply transforms in sequence; the record is ``{"steps": [record, ...]}``."""

    def __init__(self, transforms: Sequence[Transform]) -> None:
        if not transforms:
            raise ValueError("Compose needs at least one transform")
        self.transforms = list(transforms)

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, dict[str, Any]]:
        steps = []
        for t in self.transforms:
            sample, record = t.forward(sample, rng)
            steps.append(record)
        return sample, {"steps": steps}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        steps = params["steps"]
        if len(steps) != len(self.transforms):
            raise ValueError(f"record has {len(steps)} steps, Compose has {len(self.transforms)}")
        for t, record in zip(self.transforms, steps, strict=True):
            sample = t.apply(sample, record)
        return sample


class RandomApply(Transform):
    """Apply ``transform`` with probability ``p``; record ``{"applied": bool, "params": ...}``."""

    def __init__(self, transform: Transform, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.transform = transform
        self.p = p

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, dict[str, Any]]:
        if rng.random() >= self.p:
            return sample, {"applied": False, "params": None}
        sample, record = self.transform.forward(sample, rng)
        return sample, {"applied": True, "params": record}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        if not params["applied"]:
            return sample
        return self.transform.apply(sample, params["params"])
