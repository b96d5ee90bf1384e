"""Foreground estimation: where on an image of an object a defect may go.

Objects photographed on a plain background (MVTec AD bottle, screw, capsule, ...) should only
receive defects on the object. :func:`estimate_foreground` separates object from background by
the grey level: blur, threshold (Otsu's by default), clean up with morphological opening and
closing. It is deterministic given the image and its settings. It suits objects on a clearly
brighter or darker background; on textures that fill the whole frame it splits the surface
arbitrarily, so use no foreground restriction there.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

__all__ = ["estimate_foreground"]

Background = Literal["auto", "bright", "dark"]


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] not in (1, 3) or image.dtype != np.uint8:
        raise ValueError(
            f"image must be (H, W, C) uint8 with C in {{1, 3}}, got {image.shape} {image.dtype}"
        )
    if image.shape[2] == 1:
        return np.ascontiguousarray(image[:, :, 0])
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _border_mean(grey: np.ndarray) -> float:
    return float(
        np.concatenate((grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1])).astype(np.float64).mean()
    )


def estimate_foreground(
    image: np.ndarray,
    *,
    background: Background = "auto",
    threshold: float | None = None,
    blur_sigma: float = 2.0,
    radius: int = 2,
) -> np.ndarray:
    """The object's pixels, float32 ``(H, W)`` in {0, 1} (1 = foreground).

    ``image``: HWC ``uint8`` RGB or grey. The grey image is smoothed with a Gaussian of
    ``blur_sigma`` pixels (0 = none) and thresholded at ``threshold`` (grey level in [0, 255];
    ``None`` = Otsu's threshold of the smoothed image). ``background``: ``"bright"`` (the
    object is what is darker than the threshold), ``"dark"`` (brighter) or ``"auto"`` (the
    image border is taken to be background: bright when its mean grey level is above the
    threshold). Specks and holes smaller than about ``radius`` pixels (a disc; 0 = none) are
    removed by an opening, then a closing. The result may be empty (nothing on the chosen side
    of the threshold).
    """
    if background not in ("auto", "bright", "dark"):
        raise ValueError(f"background must be 'auto', 'bright' or 'dark', got {background!r}")
    if threshold is not None and not 0 <= threshold <= 255:
        raise ValueError(f"threshold must be a grey level in [0, 255], got {threshold}")
    if blur_sigma < 0 or radius < 0:
        raise ValueError(f"blur_sigma and radius must be >= 0, got {blur_sigma} and {radius}")
    grey = _grey(image)
    if blur_sigma > 0:
        grey = cv2.GaussianBlur(grey, (0, 0), blur_sigma, borderType=cv2.BORDER_REPLICATE)
    if threshold is None:
        threshold, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if background == "auto":
        background = "bright" if _border_mean(grey) > threshold else "dark"
    foreground = grey <= threshold if background == "bright" else grey > threshold
    mask = foreground.astype(np.uint8)
    if radius > 0:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disc, borderType=cv2.BORDER_REPLICATE)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, disc, borderType=cv2.BORDER_REPLICATE)
    return mask.astype(np.float32)
