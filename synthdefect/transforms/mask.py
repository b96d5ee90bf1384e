"""``PerlinMask``: draw a DRAEM-style Perlin anomaly mask for a sample."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from synthdefect.functional.masks import mask_area, perlin_mask
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform

__all__ = ["PerlinMask"]

_SEED_BOUND = 2**32


class PerlinMask(Transform):
    """Write a binary Perlin-noise mask into ``sample.mask`` (shape ``sample.image.shape[:2]``).

    Each draw picks, per axis independently, a lattice resolution ``2**k`` with ``k`` a uniform
    integer in ``scale_exponents`` (inclusive), a gradient seed, a rotation angle in degrees
    uniform in ``angle`` and a threshold (fixed, or uniform in a ``(lo, hi)`` range); see
    :func:`~synthdefect.functional.masks.perlin_mask`. Defaults are the DRAEM code's settings.

    Args:
        scale_exponents: ``(k_min, k_max)``, integers with ``0 <= k_min <= k_max``.
        angle: ``(lo, hi)`` degrees; a number ``a`` means ``(-a, a)``; ``None`` or 0 no rotation.
        threshold: fixed value or ``(lo, hi)`` range, within [-1, 1] (the noise range).
        octaves, persistence, lacunarity: fractal noise settings (fixed, not drawn).
        min_area: if > 0, redraw until the mask covers at least this fraction of the image,
            at most ``max_retries`` draws in all; the last draw is kept if none succeeds.
        max_retries: total number of draws allowed (>= 1).

    Record: ``{"res": [ry, rx], "seed": int, "angle": float, "threshold": float,
    "attempts": int}`` describing the final draw; ``attempts`` counts the draws made.
    """

    def __init__(
        self,
        scale_exponents: tuple[int, int] = (0, 5),
        angle: float | tuple[float, float] | None = (-90.0, 90.0),
        threshold: float | tuple[float, float] = 0.5,
        octaves: int = 1,
        persistence: float = 0.5,
        lacunarity: float = 2.0,
        min_area: float = 0.0,
        max_retries: int = 10,
    ) -> None:
        k_min, k_max = _pair("scale_exponents", scale_exponents)
        if int(k_min) != k_min or int(k_max) != k_max or not 0 <= k_min <= k_max:
            raise ValueError(
                f"scale_exponents must be integers 0 <= k_min <= k_max, got {scale_exponents!r}"
            )
        if angle is None:
            angle = 0.0
        if isinstance(angle, Real):
            angle = (-abs(angle), abs(angle))
        self.scale_exponents = (int(k_min), int(k_max))
        self.angle = _range("angle", angle, -math.inf, math.inf)
        self.threshold = _range("threshold", threshold, -1.0, 1.0)
        if int(octaves) != octaves or octaves < 1:
            raise ValueError(f"octaves must be a positive integer, got {octaves!r}")
        if not persistence > 0:
            raise ValueError(f"persistence must be > 0, got {persistence!r}")
        if not lacunarity >= 1:
            raise ValueError(f"lacunarity must be >= 1, got {lacunarity!r}")
        if not 0.0 <= min_area <= 1.0:
            raise ValueError(f"min_area must be in [0, 1], got {min_area!r}")
        if int(max_retries) != max_retries or max_retries < 1:
            raise ValueError(f"max_retries must be a positive integer, got {max_retries!r}")
        self.octaves = int(octaves)
        self.persistence = float(persistence)
        self.lacunarity = float(lacunarity)
        self.min_area = float(min_area)
        self.max_retries = int(max_retries)

    def generate(
        self, height: int, width: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw a mask of ``(height, width)`` (float32 {0, 1}) and its record (see class doc)."""
        for attempt in range(1, self.max_retries + 1):
            record = self._draw(rng)
            record["attempts"] = attempt
            mask = self.build(height, width, record)
            if self.min_area == 0.0 or mask_area(mask) >= self.min_area:
                break
        return mask, record

    def build(self, height: int, width: int, params: dict[str, Any]) -> np.ndarray:
        """Rebuild the mask described by a record (deterministic)."""
        res_y, res_x = params["res"]
        return perlin_mask(
            height,
            width,
            res_y,
            res_x,
            params["seed"],
            angle=params["angle"],
            threshold=params["threshold"],
            octaves=self.octaves,
            persistence=self.persistence,
            lacunarity=self.lacunarity,
        )

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, dict[str, Any]]:
        mask, record = self.generate(*sample.image.shape[:2], rng)
        return sample.evolve(mask=mask), record

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        return sample.evolve(mask=self.build(*sample.image.shape[:2], params))

    def _draw(self, rng: np.random.Generator) -> dict[str, Any]:
        k_min, k_max = self.scale_exponents
        ky, kx = (int(k) for k in rng.integers(k_min, k_max + 1, size=2))
        return {
            "res": [2**ky, 2**kx],
            "seed": int(rng.integers(0, _SEED_BOUND)),
            "angle": _uniform(rng, self.angle),
            "threshold": _uniform(rng, self.threshold),
        }


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}") from None
    return lo, hi


def _range(name: str, value: Any, lower: float, upper: float) -> tuple[float, float]:
    """``value`` (a number or a ``(lo, hi)`` pair) as a float range within [lower, upper]."""
    lo, hi = (value, value) if isinstance(value, Real) else _pair(name, value)
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lower <= lo <= hi <= upper):
        raise ValueError(
            f"{name} must be finite with {lower} <= lo <= hi <= {upper}, got {value!r}"
        )
    return lo, hi


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """A uniform draw in ``bounds``; a fixed value (lo == hi) draws nothing."""
    lo, hi = bounds
    return lo if lo == hi else float(rng.uniform(lo, hi))
