"""Perlin masks: ``PerlinMask`` (DRAEM) and ``PerlinPairMask`` (GLASS), both
:class:`~synthdefect.transforms.mask_base.MaskTransform` generators."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from synthdefect.functional.masks import perlin_mask
from synthdefect.functional.shapes import combine_masks
from synthdefect.sample import Sample
from synthdefect.transforms.mask_base import MaskTransform
from synthdefect.transforms.ranges import float_range, int_setting, number_setting
from synthdefect.transforms.records import (
    Check,
    RecordError,
    Schema,
    derived,
    fields,
    integer,
    number,
    one_of,
    pair,
    register_transform,
)

__all__ = ["PerlinMask", "PerlinPairMask"]

_SEED_BOUND = 2**32
MAX_OCTAVES = 16
"""Most octaves of a :class:`PerlinMask`: each octave doubles the frequency (at the default
lacunarity), so octaves past about 13 add detail finer than a pixel of the largest image
(:data:`~synthdefect.limits.MAX_SIDE`), and only cost memory and time."""
MAX_CELLS = 1024
"""Most lattice cells per side of a :class:`PerlinMask`'s finest octave, ``2**k_max *
lacunarity**(octaves - 1)``: its gradients grow with the square (1024 cells: a million
gradients, about 10 ms a draw); DRAEM's masks use at most 32."""


@register_transform
class PerlinMask(MaskTransform):
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
        min_area, redraw_empty, max_retries: the redraw loop of
            :class:`~synthdefect.transforms.mask_base.MaskTransform`: redraw until the mask
            (within the foreground) covers at least ``min_area`` of the image and
            (``redraw_empty``, default) is not empty, at most ``max_retries`` (10) draws in all;
            ``redraw_empty=False`` keeps DRAEM's empty masks.

    Record params: ``{"res": [ry, rx], "seed": int, "angle": float, "threshold": float,
    "attempts": int}`` describing the final draw; ``attempts`` counts the draws made.
    """

    settings_fields = (
        "scale_exponents",
        "angle",
        "threshold",
        "octaves",
        "persistence",
        "lacunarity",
        *MaskTransform.redraw_fields,
    )

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
        super().__init__(min_area, redraw_empty, max_retries)
        k_min, k_max = float_range("scale_exponents", scale_exponents, 0.0)
        if not (k_min.is_integer() and k_max.is_integer()):
            raise ValueError(
                f"scale_exponents must be integers 0 <= k_min <= k_max, got {scale_exponents!r}"
            )
        if angle is None:
            angle = 0.0
        if isinstance(angle, Real):
            angle = (-abs(angle), abs(angle))
        self.scale_exponents = (int(k_min), int(k_max))
        self.angle = float_range("angle", angle, -360.0, 360.0)
        self.threshold = float_range("threshold", threshold, -1.0, 1.0, scalar=True)
        if not 1 <= int_setting("octaves", octaves) <= MAX_OCTAVES:
            raise ValueError(f"octaves must be an integer in 1..{MAX_OCTAVES}, got {octaves!r}")
        if not number_setting("persistence", persistence) > 0:
            raise ValueError(f"persistence must be > 0, got {persistence!r}")
        self.octaves = int(octaves)
        self.persistence = float(persistence)
        self.lacunarity = number_setting("lacunarity", lacunarity, 1)
        _check_lattice(self.scale_exponents[1], self.octaves, self.lacunarity)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        k_min, k_max = self.scale_exponents
        ky, kx = (int(k) for k in rng.integers(k_min, k_max + 1, size=2))
        return {
            "res": [2**ky, 2**kx],
            "seed": int(rng.integers(0, _SEED_BOUND)),
            "angle": _uniform(rng, self.angle),
            "threshold": _uniform(rng, self.threshold),
        }

    def build(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        """The mask of one Perlin draw (``record["params"]`` without ``attempts``)."""
        res_y, res_x = draws["res"]
        return perlin_mask(
            height,
            width,
            res_y,
            res_x,
            draws["seed"],
            angle=draws["angle"],
            threshold=draws["threshold"],
            octaves=self.octaves,
            persistence=self.persistence,
            lacunarity=self.lacunarity,
        )

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        return self.build(height, width, draws)

    def build_batch(
        self, height: int, width: int, draws: list[Mapping[str, Any]], device: Any
    ) -> Any:
        """The masks of ``draws`` (one per sample) on ``device``: float32 ``(n, H, W)``."""
        from synthdefect.functional.batched.perlin import perlin_mask as perlin_batch

        return perlin_batch(
            height,
            width,
            [(d["res"][0], d["res"][1], d["seed"]) for d in draws],
            [d["angle"] for d in draws],
            [d["threshold"] for d in draws],
            self.octaves,
            self.persistence,
            self.lacunarity,
            device,
        )

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        """The masks the host draw kept beside the records (``Record.derived``, built there
        for the redraw loop) move to the device in one copy; the records without one (read
        back, applied before) are built on the device with :meth:`build_batch`."""
        import torch

        from synthdefect.sample_batch import hard_masks_to

        draws = [self.unpack(r) for r in records]
        height, width = batch.image.shape[2:]
        kept = [derived(r).pop("mask", None) for r in records]  # used once, as in apply
        usable = [m is not None and m.shape == (height, width) for m in kept]
        if records and all(usable):
            mask = hard_masks_to(kept, batch.device)
        else:
            mask = torch.zeros((len(records), height, width), device=batch.device)
            reuse = [b for b, ok in enumerate(usable) if ok]
            build = [b for b, ok in enumerate(usable) if not ok]
            if reuse:
                mask[reuse] = hard_masks_to([kept[b] for b in reuse], mask.device)
            mask[build] = self.build_batch(height, width, [draws[b] for b in build], mask.device)
        if batch.foreground is not None:
            mask = mask * batch.foreground
        return batch.evolve(mask=mask)

    def draw_schema(self) -> Schema:
        k_min, k_max = self.scale_exponents
        return {
            "res": pair(_power_of_two(2**k_min, 2**k_max)),
            "seed": integer(0, _SEED_BOUND - 1),
            "angle": number(*self.angle),
            "threshold": number(*self.threshold),
        }


def _check_lattice(k_max: int, octaves: int, lacunarity: float) -> None:
    """Refuse a finest octave of more than :data:`MAX_CELLS` lattice cells per side (worked in
    logarithms: the product can pass any float)."""
    log_cells = k_max * math.log(2.0) + (octaves - 1) * math.log(lacunarity)
    if log_cells > math.log(MAX_CELLS) + 1e-9:
        cells = f"{math.exp(log_cells):.0f}" if log_cells < 700 else "more than 1e300"
        raise ValueError(
            f"the finest octave would have 2**{k_max} * {lacunarity}**{octaves - 1} = {cells} "
            f"lattice cells per side, more than {MAX_CELLS}: lower scale_exponents, octaves or "
            "lacunarity"
        )


def _power_of_two(low: int, high: int) -> Check:
    def check(value: Any, where: str) -> None:
        if integer(low, high)(value, where) & (value - 1):
            raise RecordError(f"{where} must hold powers of 2, got {value!r}")

    return check


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

    settings_fields = (*PerlinMask.settings_fields, "p_union", "p_intersection")

    def __init__(
        self, p_union: float = 1 / 3, p_intersection: float = 1 / 3, **perlin: Any
    ) -> None:
        super().__init__(**perlin)
        p_union = number_setting("p_union", p_union, 0)
        p_intersection = number_setting("p_intersection", p_intersection, 0)
        if p_union + p_intersection > 1.0:
            raise ValueError(
                "p_union and p_intersection must be >= 0 with a sum <= 1, "
                f"got {p_union} and {p_intersection}"
            )
        self.p_union, self.p_intersection = float(p_union), float(p_intersection)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        first, second = super().draw(rng, sample), super().draw(rng, sample)
        u = rng.random()
        how = "union" if u < self.p_union else "first"
        if self.p_union <= u < self.p_union + self.p_intersection:
            how = "intersection"
        return {"first": first, "second": second, "how": how}

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        """The combined mask of a record's draws (before the foreground cut)."""
        first = self.build(height, width, draws["first"])
        if draws["how"] == "first":
            return first
        return combine_masks(first, self.build(height, width, draws["second"]), draws["how"])

    def build_batch(
        self, height: int, width: int, draws: list[Mapping[str, Any]], device: Any
    ) -> Any:
        first = super().build_batch(height, width, [d["first"] for d in draws], device)
        second = super().build_batch(height, width, [d["second"] for d in draws], device)
        out = first.clone()
        for b, d in enumerate(draws):
            if d["how"] == "union":
                out[b] = ((first[b] >= 0.5) | (second[b] >= 0.5)).float()
            elif d["how"] == "intersection":
                out[b] = ((first[b] >= 0.5) & (second[b] >= 0.5)).float()
        return out

    def draw_schema(self) -> Schema:
        one = fields(super().draw_schema())
        return {"first": one, "second": one, "how": one_of("union", "intersection", "first")}
