"""BetaBlend: paste the prepared texture into the image through the mask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.functional.blend import beta_blend
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import check_float, check_keys, register_transform

__all__ = ["BetaBlend"]


@register_transform
class BetaBlend(Transform):
    """Blend ``sample.texture`` into ``sample.image`` where ``sample.mask`` is set.

    ``beta`` (the texture's opacity) is drawn uniformly from ``beta_range`` = (lo, hi) with
    0 <= lo <= hi <= 1; ``open_low=True`` draws from (lo, hi] instead of [lo, hi), as the released
    DRAEM code does (texture weight ``1 - 0.8 * U[0, 1)`` is in (0.2, 1]).
    The texture is consumed: the result has ``texture=None``. Record params: ``{"beta": float}``.
    """

    def __init__(
        self, beta_range: tuple[float, float] = (0.1, 1.0), open_low: bool = False
    ) -> None:
        lo, hi = (float(v) for v in beta_range)
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f"beta_range must satisfy 0 <= lo <= hi <= 1, got {beta_range}")
        self.beta_range = (lo, hi)
        self.open_low = open_low

    def settings(self) -> dict[str, Any]:
        return {"beta_range": list(self.beta_range), "open_low": self.open_low}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        lo, hi = self.beta_range
        u = rng.random()
        beta = hi - (hi - lo) * u if self.open_low else lo + (hi - lo) * u
        return self.record(beta=float(beta))

    def check_params(self, params: Any) -> Mapping[str, Any]:
        check_keys(params, ("beta",), "BetaBlend params")
        check_float(params["beta"], "BetaBlend params.beta", *self.beta_range)
        return params

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        beta = self.unpack(params)["beta"]
        if sample.texture is None:
            raise ValueError("BetaBlend needs sample.texture: put a TextureSample before it")
        image = beta_blend(sample.image, sample.texture, sample.mask, beta)
        return sample.evolve(image=image, texture=None)
