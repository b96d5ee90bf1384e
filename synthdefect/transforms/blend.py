"""BetaBlend: paste the prepared texture into the image through the mask."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthdefect.functional.blend import beta_blend
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform

__all__ = ["BetaBlend"]


class BetaBlend(Transform):
    """Blend ``sample.texture`` into ``sample.image`` where ``sample.mask`` is set.

    ``beta`` (the texture's opacity) is drawn uniformly from ``beta_range`` = (lo, hi) with
    0 <= lo <= hi <= 1; ``open_low=True`` draws from (lo, hi] instead of [lo, hi), as the released
    DRAEM code does (texture weight ``1 - 0.8 * U[0, 1)`` is in (0.2, 1]).
    Record: ``{"beta": float}``.
    """

    def __init__(
        self, beta_range: tuple[float, float] = (0.1, 1.0), open_low: bool = False
    ) -> None:
        lo, hi = (float(v) for v in beta_range)
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f"beta_range must satisfy 0 <= lo <= hi <= 1, got {beta_range}")
        self.beta_range = (lo, hi)
        self.open_low = open_low

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        lo, hi = self.beta_range
        u = rng.random()
        beta = hi - (hi - lo) * u if self.open_low else lo + (hi - lo) * u
        return {"beta": float(beta)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        if sample.texture is None:
            raise ValueError("BetaBlend needs sample.texture: put a TextureSample before it")
        image = beta_blend(sample.image, sample.texture, sample.mask, params["beta"])
        return sample.evolve(image=image)
