"""Geometric kernels shared by masks, texture ops and the normal-image augmentation."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["BORDERS", "resize", "rotate", "rotation_fill", "rotation_matrix"]

BORDERS = {"zero": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT_101}
"""How :func:`rotate` fills pixels whose source lies outside the image: ``zero`` (black, as
DRAEM's imgaug ``Affine``) or ``reflect`` (mirrored image content, ``cv2.BORDER_REFLECT_101``)."""


def rotate(
    image: np.ndarray, angle: float, *, nearest: bool = False, border: str = "zero"
) -> np.ndarray:
    """Rotate about the image centre by ``angle`` degrees (counter-clockwise), keeping the size.

    ``image`` is ``(H, W)`` or ``(H, W, C)``, ``uint8`` or ``float32``; pixels that come from
    outside the image are filled as ``border`` says (see :data:`BORDERS`; default 0).
    Interpolation is bilinear, or nearest-neighbour with ``nearest``.
    """
    if border not in BORDERS:
        raise ValueError(f"unknown border {border!r}; choose one of {sorted(BORDERS)}")
    if angle == 0.0:
        return image.copy()
    h, w = image.shape[:2]
    matrix = rotation_matrix(h, w, angle)
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    out = cv2.warpAffine(image, matrix, (w, h), flags=flags, borderMode=BORDERS[border])
    if image.ndim == 3 and out.ndim == 2:  # OpenCV drops a single channel axis
        out = out[:, :, None]
    return out


def rotation_matrix(height: int, width: int, angle: float) -> np.ndarray:
    """The ``(2, 3)`` float64 affine map of :func:`rotate` (output pixel from input pixel, in
    pixels; ``cv2.getRotationMatrix2D`` about the image centre)."""
    return cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), float(angle), 1.0)


def rotation_fill(height: int, width: int, angle: float) -> float:
    """Fraction in [0, 1] of a ``height`` x ``width`` image that :func:`rotate` by ``angle``
    fills from outside the image (the part ``border`` decides; nearest-neighbour footprint)."""
    inside = rotate(np.ones((height, width), np.uint8), angle, nearest=True)
    return 1.0 - np.count_nonzero(inside) / inside.size


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize an HWC image to ``(height, width, C)``, ignoring its aspect ratio.

    Area interpolation when shrinking on both axes, bilinear otherwise. Returns ``image`` itself
    when it already has that size.
    """
    src_h, src_w = image.shape[:2]
    if (src_h, src_w) == (height, width):
        return image
    shrinking = height <= src_h and width <= src_w
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    out = cv2.resize(image, (width, height), interpolation=interpolation)
    return out.reshape(height, width, image.shape[2])
