"""Patch anomalies: a region of an image cut out, moved (turned, scaled) and pasted elsewhere.

Three shapes of patch, one mechanism (:class:`PatchTransform`):

* :class:`CutPastePatch`: a rectangle of 2-15 % of the image with aspect ratio 0.3-3.3
  (CutPaste, Li et al., CVPR 2021);
* :class:`ScarPatch`: a thin rectangle of 2-16 x 10-25 pixels turned by -45..45 degrees
  (CutPaste-Scar, same paper);
* :class:`NSAPatches`: one to N rectangles (or unions of ellipses inside them) whose half-widths
  follow a gamma distribution, resized by 0.7-1.3 (NSA, Schlüter et al., ECCV 2022).

(:class:`~synthdefect.transforms.fractal.FractalPatch`, a square cut out by a fractal, is a
fourth, in its own module.)

The patch content comes from ``sample.texture`` when a step before set it (a colour-jittered
copy of the image for CutPaste, another normal image for NSA) or else from the normal image.
Each patch sets ``sample.mask`` (the patch at its new place) and ``sample.texture`` (the moved
content, see :func:`~synthdefect.functional.anomaly_sources.transplant`); a blend step then
pastes it.
With ``sample.foreground`` the patches are centred on foreground pixels and their masks cut to
it, and their source centres lie on the foreground too, so that patches are cut from the object
(NSA checks its source patches against the object likewise). Parameters are drawn before any
texture is loaded, so for a patch of another image (NSA) the image's own foreground stands for
the other's: right for aligned parts, such as the MVTec AD objects. Masks left empty are
redrawn as :class:`~synthdefect.transforms.mask_base.MaskTransform` redraws them (at most
``max_retries`` draws in all; ``attempts`` records how many were made).

Record params: ``{"patches": [patch, ...], "attempts": int}``, each patch
``{"size": [h, w], "source": [y, x], "target": [y, x], "angle": deg, "scale": s,
"ellipses": [[cy, cx, a, b, deg], ...] | null}``: size in pixels before scaling, source and
target centres in pixels, ellipse centres relative to the patch centre (before scaling).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.functional.anomaly_sources import transplant
from synthdefect.functional.shapes import combine_masks, ellipses_mask, rectangle_mask
from synthdefect.limits import MAX_SIDE
from synthdefect.pixels import to_uint8
from synthdefect.sample import Sample
from synthdefect.transforms.mask_base import MaskTransform
from synthdefect.transforms.placement import draw_centre
from synthdefect.transforms.ranges import float_range, int_setting
from synthdefect.transforms.records import (
    RecordError,
    Schema,
    fields,
    list_of,
    number,
    pair,
    register_transform,
)

__all__ = ["MAX_PATCHES", "CutPastePatch", "NSAPatches", "PatchTransform", "ScarPatch"]

MAX_PATCHES = 100
"""Most patches (and ellipses) of an :class:`NSAPatches` draw: each is a Poisson blend."""

Patch = dict[str, Any]


class PatchTransform(MaskTransform):
    """Base of the patch transforms (see module doc): subclasses draw the patches' shapes.

    The redraws are :class:`~synthdefect.transforms.mask_base.MaskTransform`'s, with a mask
    redrawn only when it is empty (``min_area`` 0): a patch's size is its recipe's to choose.
    Subclasses put their own settings before ``max_retries`` in ``settings_fields``.
    """

    settings_fields = ("max_retries",)

    def __init__(self, max_retries: int = 10) -> None:
        super().__init__(max_retries=max_retries)

    def draw_patches(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> list[Patch]:
        """Sizes, source centres (on ``foreground`` when given), angles, scales and ellipses of
        new patches (no targets)."""
        raise NotImplementedError

    def max_patches(self) -> int:
        return 1

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        height, width = sample.image.shape[:2]
        patches = self.draw_patches(rng, height, width, sample.foreground)
        for patch in patches:
            h, w = (side * patch["scale"] for side in patch["size"])
            patch["target"] = draw_centre(rng, h, w, height, width, sample.foreground)
        return {"patches": patches}

    def patch_mask(self, height: int, width: int, patch: Mapping[str, Any]) -> np.ndarray:
        """The mask of one patch at its target (before the foreground cut)."""
        (h, w), (ty, tx) = patch["size"], patch["target"]
        angle, scale = patch["angle"], patch["scale"]
        mask = rectangle_mask(height, width, ty, tx, h * scale, w * scale, angle)
        if patch["ellipses"] is None:
            return mask
        turn = math.radians(angle)
        cos, sin = math.cos(turn), math.sin(turn)
        placed = []
        for dy, dx, a, b, theta in patch["ellipses"]:  # relative to the patch centre, unscaled
            y = ty + scale * (cos * dy - sin * dx)  # turned counter-clockwise on screen
            x = tx + scale * (sin * dy + cos * dx)
            placed.append((y, x, a * scale, b * scale, theta + angle))
        return combine_masks(mask, ellipses_mask(height, width, placed), "intersection")

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        mask = np.zeros((height, width), np.float32)
        for patch in draws["patches"]:
            np.maximum(mask, self.patch_mask(height, width, patch), out=mask)
        return mask

    def patch_schema(self) -> Schema:
        """The schema of one patch of the record (see module doc)."""
        return {
            "size": _positive_pair,
            "source": pair(number(-MAX_SIDE, MAX_SIDE)),  # pixel positions
            "target": pair(number(-MAX_SIDE, MAX_SIDE)),
            "angle": number(-360.0, 360.0),
            "scale": number(1e-6),
            "ellipses": _ellipses,
        }

    def draw_schema(self) -> Schema:
        return {"patches": list_of(fields(self.patch_schema()), 1, self.max_patches())}

    def flip(self, patch: Mapping[str, Any]) -> tuple[bool, bool]:
        """Whether ``patch`` is mirrored (top-bottom, left-right) before it is turned: never,
        but for patches that draw it."""
        return False, False

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        sample = super().apply(sample, params)  # the mask, validated and cut to the foreground
        patches = params["params"]["patches"]
        height, width = sample.image.shape[:2]
        source = to_uint8(sample.normal if sample.texture is None else sample.texture)
        if source.shape[2] != sample.image.shape[2]:
            raise ValueError(
                f"patch source has {source.shape[2]} channels, the image {sample.image.shape[2]}"
            )
        texture = to_uint8(sample.image).copy()  # only the pixels under the mask matter
        for patch in patches:
            shape = self.patch_mask(height, width, patch)
            rows, cols = np.flatnonzero(shape.any(axis=1)), np.flatnonzero(shape.any(axis=0))
            if rows.size == 0:
                continue
            top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            (ty, tx) = patch["target"]
            moved = transplant(  # just the patch's bounding box
                source,
                int(bottom - top),
                int(right - left),
                patch["source"],
                (ty - top, tx - left),
                patch["angle"],
                patch["scale"],
                self.flip(patch),
            )
            inside = shape[top:bottom, left:right] > 0
            texture[top:bottom, left:right][inside] = moved[inside]
        return sample.evolve(texture=texture)


def _positive_pair(value: Any, where: str) -> None:
    pair(number())(value, where)
    if min(value) <= 0:
        raise RecordError(f"{where} must be > 0, got {value!r}")


def _ellipses(value: Any, where: str) -> None:
    if value is not None and (
        not isinstance(value, list)
        or not all(isinstance(e, (list, tuple)) and len(e) == 5 for e in value)
    ):
        raise RecordError(f"{where} must be null or a list of [cy, cx, a, b, angle], got {value!r}")


def _block_centre(top: int, side: int) -> float:
    return top + (side - 1) / 2.0


@register_transform
class CutPastePatch(PatchTransform):
    """One rectangle covering ``area`` (fraction of the image, uniform) with aspect ratio
    width/height drawn uniformly from ``(aspect[0], 1)`` or ``(1, aspect[1])`` with equal
    chance (CutPaste); moved whole, neither turned nor scaled. Sides are whole pixels
    (``int(sqrt(area * aspect))``), source and target top-left corners uniform inside the image.
    """

    settings_fields = ("area", "aspect", *PatchTransform.settings_fields)

    def __init__(
        self,
        area: tuple[float, float] = (0.02, 0.15),
        aspect: tuple[float, float] = (0.3, 3.3),
        max_retries: int = 10,
    ) -> None:
        super().__init__(max_retries)
        self.area = float_range("area", area, 0.0)
        self.aspect = float_range("aspect", aspect, 1e-6)
        if not (self.area[1] <= 1.0 and self.aspect[0] <= 1.0 <= self.aspect[1]):
            raise ValueError(
                f"need area <= 1 and aspect[0] <= 1 <= aspect[1], got {area}, {aspect}"
            )

    def draw_patches(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> list[Patch]:
        area = rng.uniform(*self.area) * height * width
        narrow, wide = rng.uniform(self.aspect[0], 1.0), rng.uniform(1.0, self.aspect[1])
        aspect = narrow if rng.random() < 0.5 else wide
        w = min(width, max(1, int(math.sqrt(area * aspect))))
        h = min(height, max(1, int(math.sqrt(area / aspect))))
        if foreground is None:
            top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
            source = [_block_centre(top, h), _block_centre(left, w)]
        else:
            source = draw_centre(rng, h, w, height, width, foreground)
        return [_patch([h, w], source, 0.0, 1.0)]


@register_transform
class ScarPatch(PatchTransform):
    """A thin rectangle ``width`` x ``height`` pixels (uniform integers, inclusive) turned by an
    angle uniform in ``angle`` degrees (CutPaste-Scar), moved from a uniform place."""

    settings_fields = ("width", "height", "angle", *PatchTransform.settings_fields)

    def __init__(
        self,
        width: tuple[int, int] = (2, 16),
        height: tuple[int, int] = (10, 25),
        angle: tuple[float, float] = (-45.0, 45.0),
        max_retries: int = 10,
    ) -> None:
        super().__init__(max_retries)
        self.width = tuple(int(v) for v in float_range("width", width, 1))
        self.height = tuple(int(v) for v in float_range("height", height, 1))
        self.angle = float_range("angle", angle, -360.0)

    def draw_patches(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> list[Patch]:
        w = min(width, int(rng.integers(self.width[0], self.width[1] + 1)))
        h = min(height, int(rng.integers(self.height[0], self.height[1] + 1)))
        angle = float(rng.uniform(*self.angle))
        source = draw_centre(rng, h, w, height, width, foreground)
        return [_patch([h, w], source, angle, 1.0)]


@register_transform
class NSAPatches(PatchTransform):
    """Up to ``patches`` rectangles, the first always, each further one with probability 1/2
    (NSA). Per axis the half-width is ``(offset + Gamma(shape, scale)) * side``, clipped to
    ``half_width`` (fractions of the image side); the patch is resized by
    ``clip(N(1, 0.5), *resize)`` keeping its aspect ratio. With ``ellipses`` the patch is the
    union of that many random ellipses inside the rectangle (NSA's optional shape), with
    semi-axes between the minimum half-width and half the patch's half-width.
    """

    settings_fields = (
        "patches",
        "half_width",
        "gamma",
        "resize",
        "ellipses",
        *PatchTransform.settings_fields,
    )

    def __init__(
        self,
        patches: int = 3,
        half_width: tuple[float, float] = (0.03, 0.4),
        gamma: tuple[float, float, float] = (2.0, 0.05, 0.03),
        resize: tuple[float, float] = (0.7, 1.3),
        ellipses: int | None = None,
        max_retries: int = 10,
    ) -> None:
        super().__init__(max_retries)
        self.patches = int_setting("patches", patches, 1, MAX_PATCHES)
        if ellipses is not None:
            int_setting("ellipses", ellipses, 1, MAX_PATCHES)
        self.half_width = float_range("half_width", half_width, 0.0)
        if not (0 < self.half_width[0] and self.half_width[1] <= 0.5):
            raise ValueError(f"half_width must lie in (0, 0.5], got {half_width!r}")
        shape, scale, offset = (float(v) for v in gamma)
        if not (shape > 0 and scale > 0 and offset >= 0):
            raise ValueError(f"gamma must be (shape > 0, scale > 0, offset >= 0), got {gamma!r}")
        self.gamma = (shape, scale, offset)
        self.resize = float_range("resize", resize, 1e-6)
        self.ellipses = None if ellipses is None else int(ellipses)

    def max_patches(self) -> int:
        return self.patches

    def draw_patches(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> list[Patch]:
        patches = []
        for i in range(self.patches):
            if i > 0 and rng.random() < 0.5:
                continue
            patches.append(self._draw_one(rng, height, width, foreground))
        return patches

    def _draw_one(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> Patch:
        shape, scale, offset = self.gamma
        lo, hi = self.half_width
        half = []
        for side in (height, width):
            fraction = min(max(offset + rng.gamma(shape, scale), lo), hi)
            half.append(max(1, int(fraction * side)))
        h, w = 2 * half[0], 2 * half[1]
        resize = float(np.clip(rng.normal(1.0, 0.5), *self.resize))
        ellipses = None
        if self.ellipses is not None:
            min_axis = (max(1.0, lo * height), max(1.0, lo * width))
            ellipses = []
            for _ in range(self.ellipses):
                theta = float(rng.uniform(0.0, 180.0))
                dy, dx = float(rng.uniform(-h / 2, h / 2)), float(rng.uniform(-w / 2, w / 2))
                a = float(rng.uniform(min_axis[0], max(min_axis[0], half[0] / 2) + 1))
                b = float(rng.uniform(min_axis[1], max(min_axis[1], half[1] / 2) + 1))
                ellipses.append([dy, dx, a, b, theta])
        source = draw_centre(rng, h, w, height, width, foreground)
        return _patch([h, w], source, 0.0, resize, ellipses)


def _patch(
    size: list[int], source: list[float], angle: float, scale: float, ellipses: Any = None
) -> Patch:
    return {
        "size": [float(size[0]), float(size[1])],
        "source": source,
        "target": None,
        "angle": angle,
        "scale": scale,
        "ellipses": ellipses,
    }
