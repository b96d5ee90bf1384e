"""``PerlinMask``: draw a DRAEM-style Perlin anomaly mask for a sample."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from synthdefect.functional.masks import mask_area, perlin_mask
from synthdefect.functional.shapes import combine_masks
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    RecordError,
    check_float,
    check_int,
    check_keys,
    check_keys_within,
    register_transform,
)

__all__ = ["PerlinMask", "PerlinPairMask"]

_SEED_BOUND = 2**32


@register_transform
class PerlinMask(Transform):
    """Write a binary Perlin-noise mask into ``sample.mask`` (shape ``sample.image.shape[:2]``),
    cut to ``sample.foreground`` when the sample has one (redraws then count its area within).

    Each draw picks, per axis independently, a lattice resolution ``2**k`` with ``k`` a uniform
    integer in ``scale_exponents`` (inclusive), a gradient seed, a rotation angle in degrees
    uniform in ``angle`` and a threshold (fixed, or uniform in a ``(lo, hi)`` range); see
    :func:`~synthdefect.functional.masks.perlin_mask`. Defaults are the DRAEM code's settings.

    Args:
        scale_exponents: ``(k_min, k_max)``, integers with ``0 <= k_min <= k_max``.
        angle: ``(lo, hi)`` degrees; a number ``a`` means ``(-a, a)``; ``None`` or 0 no rotation.
        threshold: fixed value or ``(lo, hi)`` range, within [-1, 1] (the noise range).
        octaves, persistence, lacunarity: fractal noise settings (fixed, not drawn).
        min_area: redraw until the mask covers at least this fraction of the image.
        redraw_empty: also redraw empty masks (so that an anomaly has a defect, as anomalib's
            generator does); ``False`` keeps DRAEM's empty masks.
        max_retries: total number of draws allowed (>= 1, default 10 as in anomalib); when
            none succeeds the last draw is kept (it may be empty: the sample gets label 0).

    Draws happen in :meth:`make_params` (candidate masks are built from the shape alone);
    :meth:`apply` reuses the last mask built there. Record params: ``{"res": [ry, rx], "seed":
    int, "angle": float, "threshold": float, "attempts": int}`` describing the final draw;
    ``attempts`` counts the draws made.
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
        redraw_empty: bool = True,
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
        self.redraw_empty = bool(redraw_empty)
        self.max_retries = int(max_retries)
        self._last: tuple[tuple[Any, ...], np.ndarray] | None = None

    def settings(self) -> dict[str, Any]:
        return {
            "scale_exponents": list(self.scale_exponents),
            "angle": list(self.angle),
            "threshold": list(self.threshold),
            "octaves": self.octaves,
            "persistence": self.persistence,
            "lacunarity": self.lacunarity,
            "min_area": self.min_area,
            "redraw_empty": self.redraw_empty,
            "max_retries": self.max_retries,
        }

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        height, width = sample.image.shape[:2]
        attempts = 0
        while True:
            attempts += 1
            draws = self._draw(rng)
            mask = self.build(height, width, draws)
            area = mask_area(sample.within_foreground(mask))
            wanted = area >= self.min_area and (area > 0.0 or not self.redraw_empty)
            if wanted or attempts == self.max_retries:
                break
        self._last = (_key(height, width, draws), mask)
        return self.record(**draws, attempts=attempts)

    def generate(
        self, height: int, width: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw a mask of ``(height, width)`` (float32 {0, 1}) and its record."""
        sample = Sample.from_image(np.empty((height, width, 1), np.uint8))
        sample, record = self.forward(sample, rng)
        return sample.mask, record

    def build(self, height: int, width: int, params: Mapping[str, Any]) -> np.ndarray:
        """The mask of a record's draws (``record["params"]``); deterministic."""
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

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        height, width = sample.image.shape[:2]
        last, self._last = self._last, None
        if last is not None and last[0] == _key(height, width, draws):
            mask = last[1]
        else:
            mask = self.build(height, width, draws)
        return sample.evolve(mask=sample.within_foreground(mask))

    def check_params(self, params: Any) -> Mapping[str, Any]:
        where = "PerlinMask params."
        check_keys(params, ("res", "seed", "angle", "threshold", "attempts"), where[:-1])
        res = params["res"]
        if not isinstance(res, (list, tuple)) or len(res) != 2:
            raise RecordError(f"{where}res must be a pair [ry, rx], got {res!r}")
        k_min, k_max = self.scale_exponents
        for r in res:
            check_int(r, f"{where}res", 2**k_min, 2**k_max)
            if r & (r - 1):
                raise RecordError(f"{where}res must hold powers of 2, got {res!r}")
        check_int(params["seed"], f"{where}seed", 0, _SEED_BOUND - 1)
        check_float(params["angle"], f"{where}angle", *self.angle)
        check_float(params["threshold"], f"{where}threshold", *self.threshold)
        check_int(params["attempts"], f"{where}attempts", 1, self.max_retries)
        return params

    def _draw(self, rng: np.random.Generator) -> dict[str, Any]:
        k_min, k_max = self.scale_exponents
        ky, kx = (int(k) for k in rng.integers(k_min, k_max + 1, size=2))
        return {
            "res": [2**ky, 2**kx],
            "seed": int(rng.integers(0, _SEED_BOUND)),
            "angle": _uniform(rng, self.angle),
            "threshold": _uniform(rng, self.threshold),
        }

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_last": None}


def _key(height: int, width: int, draws: Mapping[str, Any]) -> tuple[Any, ...]:
    """What decides a mask, to recognise the one built by the last ``make_params``."""
    res_y, res_x = draws["res"]
    return (height, width, res_y, res_x, draws["seed"], draws["angle"], draws["threshold"])


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


@register_transform
class PerlinPairMask(PerlinMask):
    """Two Perlin masks combined (GLASS, Chen et al., ECCV 2024): their union with probability
    ``p_union``, their intersection with probability ``p_intersection``, else the first alone.

    Both masks are drawn as :class:`PerlinMask` draws them (the other keyword arguments are
    PerlinMask's, GLASS: ``scale_exponents=(0, 5)``, ``threshold=0.5``, ``angle=(-90, 90)``);
    ``min_area``, ``redraw_empty`` and ``max_retries`` apply to the combined mask. Record
    params: ``{"first": draws, "second": draws, "how": "union" | "intersection" | "first",
    "attempts": int}``, each ``draws`` as in PerlinMask's record (without ``attempts``).
    """

    def __init__(
        self, p_union: float = 1 / 3, p_intersection: float = 1 / 3, **perlin: Any
    ) -> None:
        super().__init__(**perlin)
        if not (0.0 <= p_union and 0.0 <= p_intersection and p_union + p_intersection <= 1.0):
            raise ValueError(
                "p_union and p_intersection must be >= 0 with a sum <= 1, "
                f"got {p_union} and {p_intersection}"
            )
        self.p_union, self.p_intersection = float(p_union), float(p_intersection)

    def settings(self) -> dict[str, Any]:
        return {
            **super().settings(),
            "p_union": self.p_union,
            "p_intersection": self.p_intersection,
        }

    def combined(self, height: int, width: int, params: Mapping[str, Any]) -> np.ndarray:
        """The combined mask of a record's draws (before the foreground cut)."""
        first = self.build(height, width, params["first"])
        if params["how"] == "first":
            return first
        return combine_masks(first, self.build(height, width, params["second"]), params["how"])

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        height, width = sample.image.shape[:2]
        attempts = 0
        while True:
            attempts += 1
            first, second = self._draw(rng), self._draw(rng)
            u = rng.random()
            how = "union" if u < self.p_union else "first"
            if self.p_union <= u < self.p_union + self.p_intersection:
                how = "intersection"
            draws = {"first": first, "second": second, "how": how}
            area = mask_area(sample.within_foreground(self.combined(height, width, draws)))
            wanted = area >= self.min_area and (area > 0.0 or not self.redraw_empty)
            if wanted or attempts == self.max_retries:
                break
        return self.record(**draws, attempts=attempts)

    def check_params(self, params: Any) -> Mapping[str, Any]:
        where = "PerlinPairMask params"
        check_keys(params, ("first", "second", "how", "attempts"), where)
        for key in ("first", "second"):
            try:
                super().check_params({**check_keys_within(params[key], (), key), "attempts": 1})
            except RecordError as err:
                raise err.within(key) from None
        if params["how"] not in ("union", "intersection", "first"):
            raise RecordError(
                f"{where}.how must be union, intersection or first, got {params['how']!r}"
            )
        check_int(params["attempts"], f"{where}.attempts", 1, self.max_retries)
        return params

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        height, width = sample.image.shape[:2]
        return sample.evolve(mask=sample.within_foreground(self.combined(height, width, draws)))
