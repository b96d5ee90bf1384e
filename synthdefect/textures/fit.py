"""Fitting a source image to the target size: the two resize policies of texture sources.

* ``crop=None`` (DRAEM's policy): resize to exactly ``height x width``, aspect ratio ignored;
  ``cv2.INTER_AREA`` when neither axis grows, ``cv2.INTER_LINEAR`` otherwise.
* ``crop=(fy, fx)`` with fractions in [0, 1): a ``height x width`` window of the source. An axis
  shorter than the target is first covered by scaling the whole image up (aspect kept,
  ``INTER_LINEAR``); the window then starts at row ``floor(fy * (src_h - height + 1))`` and
  column ``floor(fx * (src_w - width + 1))``, so every offset is equally likely for uniform ``f``.
"""

from __future__ import annotations

import math

import numpy as np

from synthdefect.files.jpeg import REDUCTIONS
from synthdefect.functional.geometry import resize

__all__ = ["check_request", "crop_texture"]


def check_request(
    height: int, width: int, channels: int, crop: tuple[float, float] | None, reduce: int = 1
) -> tuple[float, float] | None:
    """Validate a texture request; returns ``crop`` as a tuple of floats (or ``None``)."""
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be >= 1, got {height}x{width}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if reduce not in (1, *REDUCTIONS):
        raise ValueError(f"reduce must be 1, 2, 4 or 8, got {reduce!r}")
    if crop is None:
        return None
    if reduce != 1:
        raise ValueError("reduce applies to the resize policy only (crop=None)")
    fy, fx = (float(f) for f in crop)
    if not (0.0 <= fy < 1.0 and 0.0 <= fx < 1.0):
        raise ValueError(f"crop fractions must be in [0, 1), got {crop}")
    return fy, fx


def crop_texture(
    image: np.ndarray, height: int, width: int, crop: tuple[float, float]
) -> np.ndarray:
    """A ``(height, width, C)`` window of an HWC image at fractional offset ``crop = (fy, fx)``.

    The source is scaled up (aspect kept) first when it is smaller than the target on an axis.
    Returns a view into ``image`` when no scaling was needed.
    """
    src_h, src_w = image.shape[:2]
    if src_h < height or src_w < width:
        scale = max(height / src_h, width / src_w)
        src_h = max(height, math.ceil(src_h * scale - 1e-9))
        src_w = max(width, math.ceil(src_w * scale - 1e-9))
        image = resize(image, src_h, src_w)
    y = math.floor(crop[0] * (src_h - height + 1))
    x = math.floor(crop[1] * (src_w - width + 1))
    return image[y : y + height, x : x + width]
