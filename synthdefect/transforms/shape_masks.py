"""Masks of one simple shape: a rectangle (CutOut) and a disc (intensity discs).

Both are :class:`~synthdefect.transforms.mask_base.MaskTransform`\\ s (redraws, cut to the
foreground); their centres lie on the foreground when the sample has one
(:func:`~synthdefect.transforms.placement.draw_centre`). Sizes are fractions of the image:
``area`` of its pixels for the rectangle, ``radius`` of its shorter side for the disc.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.functional.shapes import ellipses_mask, rectangle_mask
from synthdefect.sample import Sample
from synthdefect.transforms.mask_base import MaskTransform
from synthdefect.transforms.placement import draw_centre
from synthdefect.transforms.ranges import float_range, number_setting
from synthdefect.transforms.records import Schema, integer, number, pair, register_transform

__all__ = ["DiscMask", "RectangleMask"]


@register_transform
class RectangleMask(MaskTransform):
    """One axis-aligned rectangle covering ``area`` of the image (a fraction, uniform in the
    range) with aspect ratio width/height uniform in ``aspect``, whole pixels, inside the image.
    Record params: ``{"top_left": [y, x], "size": [h, w], "attempts": int}`` (pixels)."""

    settings_fields = ("area", "aspect", *MaskTransform.redraw_fields)

    def __init__(
        self,
        area: tuple[float, float] = (0.02, 0.15),
        aspect: tuple[float, float] = (0.3, 3.3),
        min_area: float = 0.0,
        redraw_empty: bool = True,
        max_retries: int = 10,
    ) -> None:
        super().__init__(min_area, redraw_empty, max_retries)
        self.area = float_range("area", area, 1e-6, 1.0)
        self.aspect = float_range("aspect", aspect, 1e-6)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        height, width = sample.image.shape[:2]
        area = rng.uniform(*self.area) * height * width
        aspect = rng.uniform(*self.aspect)
        h = min(height, max(1, int(math.sqrt(area / aspect))))
        w = min(width, max(1, int(math.sqrt(area * aspect))))
        cy, cx = draw_centre(rng, h, w, height, width, sample.foreground)
        top = min(max(int(cy) - h // 2, 0), height - h)
        left = min(max(int(cx) - w // 2, 0), width - w)
        return {"top_left": [top, left], "size": [h, w]}

    def draw_schema(self) -> Schema:
        return {"top_left": pair(integer(0)), "size": pair(integer(1))}

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        (top, left), (h, w) = draws["top_left"], draws["size"]
        return rectangle_mask(height, width, top + (h - 1) / 2.0, left + (w - 1) / 2.0, h, w)


@register_transform
class DiscMask(MaskTransform):
    """One disc of radius ``radius`` (a fraction of the image's shorter side, uniform in the
    range) centred in the middle ``region`` of the image (a fraction of each side: 0.5 is the
    central half). Record params: ``{"center": [cy, cx], "radius": r, "attempts": int}``
    (pixels)."""

    settings_fields = ("radius", "region", *MaskTransform.redraw_fields)

    def __init__(
        self,
        radius: tuple[float, float] = (0.05, 0.10),
        region: float = 0.5,
        min_area: float = 0.0,
        redraw_empty: bool = True,
        max_retries: int = 10,
    ) -> None:
        super().__init__(min_area, redraw_empty, max_retries)
        self.radius = float_range("radius", radius, 1e-6, 1.0)
        if not 0.0 < number_setting("region", region) <= 1.0:
            raise ValueError(f"region must be in (0, 1], got {region!r}")
        self.region = float(region)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        height, width = sample.image.shape[:2]
        radius = max(0.5, rng.uniform(*self.radius) * min(height, width))
        inner = np.zeros((height, width), np.float32)
        top, left = (round(side * (1.0 - self.region) / 2.0) for side in (height, width))
        inner[top : height - top, left : width - left] = 1.0
        within = inner if sample.foreground is None else inner * sample.foreground
        if not within.any():
            within = inner
        centre = draw_centre(rng, 1, 1, height, width, within)
        return {"center": centre, "radius": float(radius)}

    def draw_schema(self) -> Schema:
        return {"center": pair(number()), "radius": number(0.5)}

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        (cy, cx), r = draws["center"], draws["radius"]
        return ellipses_mask(height, width, [(cy, cx, r, r, 0.0)])
