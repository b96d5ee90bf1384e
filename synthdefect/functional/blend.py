"""Beta-blending of an anomaly texture into an image (DRAEM section 1, step 5).

``I_a = (1 - M) * I + (1 - beta) * M * I + beta * M * A``, i.e. ``I + beta * M * (A - I)``, with
``I`` the image, ``A`` the texture, ``M`` the mask and ``beta`` the texture's opacity in [0, 1].
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["beta_blend"]


@numba.njit(cache=True, nogil=True)
def _blend_into(out, texture, mask, beta, scale, rounding):
    """``out += beta * mask * (texture * scale - out)`` where the mask is non-zero, in place.

    With ``rounding`` (``uint8`` images) results are rounded half up and clipped to [0, 255].
    """
    h, w, c = out.shape
    for y in range(h):
        for x in range(w):
            m = mask[y, x] * beta
            if m != 0.0:
                for ch in range(c):
                    v = np.float32(out[y, x, ch])
                    r = v + m * (np.float32(texture[y, x, ch]) * scale - v)
                    if rounding:
                        r = min(max(r + np.float32(0.5), np.float32(0.0)), np.float32(255.0))
                    out[y, x, ch] = r


def beta_blend(image: np.ndarray, texture: np.ndarray, mask: np.ndarray, beta: float) -> np.ndarray:
    """Blend ``texture`` into ``image`` where ``mask`` is set, with opacity ``beta``.

    ``image`` is HWC ``uint8`` [0, 255] or ``float32`` [0, 1] and the result has the same dtype
    (``uint8`` results are rounded to nearest); ``texture`` is HWC ``uint8`` of the same shape;
    ``mask`` is ``(H, W)`` float in [0, 1] (hard 0/1 or soft); ``beta`` is in [0, 1].
    """
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    if texture.shape != image.shape or texture.dtype != np.uint8:
        raise ValueError(
            f"texture must be uint8 with the image's shape {image.shape}, "
            f"got {texture.dtype} {texture.shape}"
        )
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be {image.shape[:2]}, got {mask.shape}")
    mask = np.ascontiguousarray(mask, dtype=np.float32)
    if image.dtype not in (np.uint8, np.float32):
        raise TypeError(f"image must be uint8 or float32, got {image.dtype}")
    out = image.copy()
    rounding = image.dtype == np.uint8
    scale = np.float32(1.0 if rounding else 1.0 / 255.0)
    _blend_into(out, texture, mask, np.float32(beta), scale, rounding)
    return out
