"""Where a patch or shape goes: centres that keep it inside the image, on the foreground when
the sample has one."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["centre_range", "draw_centre"]


def draw_centre(
    rng: np.random.Generator,
    h: float,
    w: float,
    height: int,
    width: int,
    foreground: np.ndarray | None,
) -> list[float]:
    """A centre keeping an unturned ``h`` x ``w`` patch inside the image; on the foreground
    when there is one (any foreground pixel if none lies in the allowed range)."""
    y0, y1 = centre_range(h, height)
    x0, x1 = centre_range(w, width)
    if foreground is None:
        return [float(rng.integers(y0, y1 + 1)), float(rng.integers(x0, x1 + 1))]
    allowed = np.zeros((height, width), bool)
    allowed[y0 : y1 + 1, x0 : x1 + 1] = True
    candidates = np.flatnonzero((foreground > 0) & allowed)
    if candidates.size == 0:
        candidates = np.flatnonzero(foreground > 0)
    if candidates.size == 0:
        return [float(rng.integers(y0, y1 + 1)), float(rng.integers(x0, x1 + 1))]
    y, x = divmod(int(candidates[rng.integers(candidates.size)]), width)
    return [float(y), float(x)]


def centre_range(side: float, size: int) -> tuple[int, int]:
    """Integer centres from which a patch of ``side`` pixels stays inside ``size`` pixels."""
    lo = math.ceil(side / 2.0 - 0.5)
    hi = math.floor(size - side / 2.0 - 0.5)
    if lo > hi:
        return (size - 1) // 2, (size - 1) // 2
    return lo, hi
