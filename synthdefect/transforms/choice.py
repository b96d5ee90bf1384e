"""``RandomChoice``: apply one of several named transforms, picked at random."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synthdefect.sample import Sample
from synthdefect.transforms.base import Compose, Transform
from synthdefect.transforms.records import (
    Rebuilder,
    RecordError,
    check_keys,
    check_str,
    first_difference,
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

    def settings(self) -> dict[str, Any]:
        return {"names": [name for name, _ in self.options], "p": self.p}

    def children(self) -> list[tuple[str, Transform]]:
        return list(self.options)

    def describe(self) -> dict[str, Any]:
        return {**self.header(), "steps": {n: t.describe() for n, t in self.options}}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        i = int(rng.choice(len(self.options), p=self.p))
        chosen = self.options[i][0]
        options = {
            name: t.make_params(rng, sample) if name == chosen else t.describe()
            for name, t in self.options
        }
        return {**self.record(choice=chosen), "steps": options}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        self.check_header(params, ("type", "version", "settings", "params", "steps"))
        draws = check_keys(params["params"], ("choice",), "RandomChoice params")
        chosen = check_str(draws["choice"], "RandomChoice params.choice")
        names = [name for name, _ in self.options]
        if chosen not in names:
            raise RecordError(f"RandomChoice params.choice {chosen!r} is not one of {names}")
        records = check_keys(params["steps"], tuple(names), "RandomChoice steps")
        for name, transform in self.options:
            try:
                if name == chosen:
                    sample = transform.apply(sample, records[name])
                else:
                    difference = first_difference(records[name], transform.describe())
                    if difference is not None:
                        raise RecordError(f"record describes another transform ({difference})")
            except RecordError as err:
                raise err.within("steps", name) from None
        return sample

    @classmethod
    def from_description(cls, description: Mapping[str, Any], rebuild: Rebuilder) -> Any:
        # the options are rebuilt as a Compose's steps are (same record shape)
        options = Compose.from_description({**description, "settings": {"name": None}}, rebuild)
        return cls(options.steps, p=description["settings"]["p"])
