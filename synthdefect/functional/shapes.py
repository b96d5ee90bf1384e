"""Geometric anomaly-mask shapes: rectangles (CutPaste, scars, NSA patches), ellipses (NSA), the
union or intersection of two masks (GLASS combines two Perlin masks this way) and a mask grown
by dilation (Fractal).

Coordinates are in pixels with pixel centres at integer positions: pixel ``(i, j)`` (row,
column) sits at ``y = i``, ``x = j``. A rectangle whose top-left pixel is ``(top, left)`` and that
covers ``h x w`` pixels therefore has its centre at ``(top + (h - 1) / 2, left + (w - 1) / 2)``.
Angles are in degrees, counter-clockwise as seen on screen (rows pointing down), the convention
of :func:`~synthdefect.functional.geometry.rotate`. Masks are float32 ``(H, W)`` holding exactly
0.0 or 1.0; a pixel belongs to a shape when its centre lies inside it (edges included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from synthdefect.functional.masks import anomalous_pixels

__all__ = ["combine_masks", "dilate_mask", "ellipses_mask", "rectangle_mask"]


def _check_size(height: int, width: int) -> None:
    if height < 1 or width < 1:
        raise ValueError(f"mask size must be at least 1x1, got {height}x{width}")


def _window(
    height: int, width: int, center_y: float, center_x: float, radius: float
) -> tuple[slice, slice, np.ndarray, np.ndarray] | None:
    """Rows/columns within ``radius`` of the centre, clipped to the image, with their offsets
    ``dy`` (column vector) and ``dx`` (row vector) from the centre; ``None`` when outside."""
    y0, y1 = max(0, math.floor(center_y - radius)), min(height, math.ceil(center_y + radius) + 1)
    x0, x1 = max(0, math.floor(center_x - radius)), min(width, math.ceil(center_x + radius) + 1)
    if y0 >= y1 or x0 >= x1:
        return None
    dy = (np.arange(y0, y1, dtype=np.float64) - center_y)[:, None]
    dx = (np.arange(x0, x1, dtype=np.float64) - center_x)[None, :]
    return slice(y0, y1), slice(x0, x1), dy, dx


def _local(dy: np.ndarray, dx: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets expressed along a shape's own axes when the shape is turned by ``angle``:
    returns ``(along its height, along its width)``."""
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    return sin * dx + cos * dy, cos * dx - sin * dy


def rectangle_mask(
    height: int,
    width: int,
    center_y: float,
    center_x: float,
    rect_height: float,
    rect_width: float,
    angle: float = 0.0,
) -> np.ndarray:
    """A filled rectangle, float32 ``(height, width)`` in {0, 1}.

    The rectangle is centred at ``(center_y, center_x)`` (pixels, may be fractional or outside
    the image), has sides ``rect_height`` x ``rect_width`` (pixels, > 0) and is turned by
    ``angle`` degrees counter-clockwise about its centre. With ``angle = 0`` and the centre of
    a pixel block (see the module doc) it covers exactly that ``rect_height x rect_width`` block.
    Parts outside the image are cut off.
    """
    _check_size(height, width)
    if not (rect_height > 0 and rect_width > 0):
        raise ValueError(f"rectangle sides must be > 0, got {rect_height} x {rect_width}")
    out = np.zeros((height, width), dtype=np.float32)
    half_h, half_w = rect_height / 2.0, rect_width / 2.0
    window = _window(height, width, center_y, center_x, math.hypot(half_h, half_w))
    if window is None:
        return out
    rows, cols, dy, dx = window
    along_h, along_w = _local(dy, dx, angle)
    eps = 1e-9  # keep pixel centres that sit on an edge despite rounding in the rotation
    out[rows, cols] = (np.abs(along_h) <= half_h + eps) & (np.abs(along_w) <= half_w + eps)
    return out


def ellipses_mask(height: int, width: int, ellipses: Sequence[Sequence[float]]) -> np.ndarray:
    """The union of filled ellipses, float32 ``(height, width)`` in {0, 1}.

    Each ellipse is ``(center_y, center_x, semi_height, semi_width, angle)``: centre in pixels,
    semi-axes in pixels (> 0) along its own height and width axes, turned by ``angle`` degrees
    counter-clockwise. No ellipses give an empty mask.
    """
    _check_size(height, width)
    out = np.zeros((height, width), dtype=np.float32)
    for ellipse in ellipses:
        if len(ellipse) != 5:
            raise ValueError(
                "an ellipse is (center_y, center_x, semi_height, semi_width, angle), "
                f"got {tuple(ellipse)}"
            )
        center_y, center_x, semi_h, semi_w, angle = (float(v) for v in ellipse)
        if not (semi_h > 0 and semi_w > 0):
            raise ValueError(f"ellipse semi-axes must be > 0, got {semi_h} and {semi_w}")
        window = _window(height, width, center_y, center_x, max(semi_h, semi_w))
        if window is None:
            continue
        rows, cols, dy, dx = window
        along_h, along_w = _local(dy, dx, angle)
        inside = (along_h / semi_h) ** 2 + (along_w / semi_w) ** 2 <= 1.0
        out[rows, cols] = np.maximum(out[rows, cols], inside)
    return out


def combine_masks(
    first: np.ndarray, second: np.ndarray, how: Literal["union", "intersection"]
) -> np.ndarray:
    """Union (pixel in either) or intersection (pixel in both) of two masks of the same shape.

    Inputs are masks as :func:`~synthdefect.functional.masks.anomalous_pixels` reads them
    (float: set at >= 0.5; ``uint8``: at >= 128; bool); returns float32 in {0, 1}.
    """
    if first.shape != second.shape:
        raise ValueError(f"masks must have the same shape, got {first.shape} and {second.shape}")
    if how == "union":
        combined = anomalous_pixels(first) | anomalous_pixels(second)
    elif how == "intersection":
        combined = anomalous_pixels(first) & anomalous_pixels(second)
    else:
        raise ValueError(f"how must be 'union' or 'intersection', got {how!r}")
    return combined.astype(np.float32)


def dilate_mask(mask: np.ndarray, iterations: int) -> np.ndarray:
    """``mask`` (float32 ``(H, W)`` in {0, 1}) dilated ``iterations`` (>= 0) times with a 3x3
    square, i.e. grown by ``iterations`` pixels in every direction (8-connected); float32."""
    if int(iterations) != iterations or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    if iterations == 0:
        return mask.astype(np.float32)
    square = np.ones((3, 3), np.uint8)
    return cv2.dilate(mask.astype(np.float32), square, iterations=int(iterations))
