"""``RandomChoice``: apply one of several named transforms, picked at random."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    Rebuilder,
    Record,
    Schema,
    one_of,
    register_transform,
)

__all__ = ["RandomChoice"]


@register_transform
class RandomChoice(Transform):
    """Apply one of ``options`` (``(name, transform)`` pairs or a dict), option ``i`` with
    probability ``p[i]`` (default: equal chances). MemSeg picks its anomaly source this way.
    Record::

        {"type": "RandomChoice", "version": 1, "settings": {"names": [...], "p": [...]},
         "params": {"choice": name},
         "steps": {name: <the chosen option's record, the others' descriptions>}}

    (The options sit under ``steps`` as a Compose's do, so that record walks find them.)
    """

    settings_fields = ("names", "p")
    children_key = "steps"

    def __init__(
        self,
        options: Sequence[tuple[str, Transform]] | Mapping[str, Transform],
        p: Sequence[float] | None = None,
    ) -> None:
        pairs = list(options.items()) if isinstance(options, Mapping) else list(options)
        if not pairs:
            raise ValueError("RandomChoice needs at least one option")
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"option names must be distinct non-empty strings, got {names}")
        for name, transform in pairs:
            if not isinstance(transform, Transform):
                raise TypeError(f"option {name!r} is not a Transform: {transform!r}")
        p = [1.0 / len(pairs)] * len(pairs) if p is None else [float(v) for v in p]
        if len(p) != len(pairs) or min(p) < 0 or not np.isclose(sum(p), 1.0):
            raise ValueError(f"p must hold {len(pairs)} probabilities summing to 1, got {p}")
        self.options = pairs
        self.p = p

    @property
    def names(self) -> list[str]:
        """The options' names, in order."""
        return [name for name, _ in self.options]

    def params_schema(self) -> Schema:
        return {"choice": one_of(*self.names)}

    def children(self) -> dict[str, Transform]:
        return dict(self.options)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        i = int(rng.choice(len(self.options), p=self.p))
        chosen = self.options[i][0]
        options = {
            name: t.make_params(rng, sample) if name == chosen else t.describe()
            for name, t in self.options
        }
        return self.composite_record(options, choice=chosen)

    def apply(self, sample: Sample, params: Record) -> Sample:
        draws, records = self.unpack_children(params)
        for name, record in records.items():
            if name == draws["choice"]:
                sample = self.apply_child(name, sample, record)
            else:
                self.check_described(name, record)
        return sample

    @classmethod
    def from_parts(
        cls, settings: dict[str, Any], children: dict[str, Transform], rebuild: Rebuilder
    ) -> Any:
        return cls(children, p=settings["p"])
