"""Binary fractals from iterated function systems (IFS), rendered by the chaos game (numba).

An IFS is ``n`` affine maps of the plane, ``(x, y) -> (a x + b y + e, c x + d y + f)``, given as
a float64 ``(n, 6)`` array of rows ``[a, b, c, d, e, f]``. The chaos game starts at the origin
and applies one map after another, map ``i`` picked with probability proportional to its
``|det| = |a d - b c|`` (equal chances when every determinant is 0); after
:data:`BURN_IN` steps the points lie on the system's attractor (for contractive maps), and
``points`` of them are drawn into a square raster: the points' bounding box is scaled, aspect
kept, to fill the raster along its longer side and centred along the other, and every pixel
a point rounds to is set.

The picks come from SplitMix64 (Steele, Lea and Flood, 2014) seeded with ``seed``, computed in
the kernel with 64-bit integer arithmetic and no fused multiply-adds, so the maps, the point
count, the size and the seed fix the raster exactly on every machine.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["BURN_IN", "ifs_raster", "singular_values"]

BURN_IN = 20
"""Chaos-game steps discarded before points are drawn (the start's distance to the attractor
shrinks by the maps' contraction at every step)."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_UNIT = 2.0**-53


@numba.njit(cache=True, nogil=True)
def _chaos_game(
    maps: np.ndarray, cumulative: np.ndarray, points: int, seed: np.uint64, xy: np.ndarray
) -> None:
    """Fill ``xy`` (``(points, 2)`` float64) with the chaos game's points after the burn-in."""
    state = seed
    last = maps.shape[0] - 1
    x = 0.0
    y = 0.0
    for step in range(points + BURN_IN):
        state += _GOLDEN
        z = state
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
        u = float(z >> np.uint64(11)) * _UNIT  # uniform in [0, 1)
        k = 0
        for j in range(last):  # branch-free: the picks are random, a branch mispredicts
            k += u >= cumulative[j]
        m = maps[k]
        x, y = m[0] * x + m[1] * y + m[4], m[2] * x + m[3] * y + m[5]
        if step >= BURN_IN:
            xy[step - BURN_IN, 0] = x
            xy[step - BURN_IN, 1] = y


@numba.njit(cache=True, nogil=True)
def _rasterise(xy: np.ndarray, size: int, out: np.ndarray) -> None:
    """Set the pixels of ``out`` (``(size, size)`` float32) that the points ``xy`` fall on."""
    x0, x1, y0, y1 = xy[0, 0], xy[0, 0], xy[0, 1], xy[0, 1]
    for i in range(xy.shape[0]):
        x, y = xy[i, 0], xy[i, 1]
        x0, x1 = min(x0, x), max(x1, x)
        y0, y1 = min(y0, y), max(y1, y)
    extent = max(x1 - x0, y1 - y0)
    scale = (size - 1) / extent if extent > 0.0 else 0.0
    left = ((size - 1) - (x1 - x0) * scale) / 2.0 + 0.5  # + 0.5: round by truncation
    top = ((size - 1) - (y1 - y0) * scale) / 2.0 + 0.5
    for i in range(xy.shape[0]):
        col = int((xy[i, 0] - x0) * scale + left)
        row = int((xy[i, 1] - y0) * scale + top)
        out[min(row, size - 1), min(col, size - 1)] = 1.0


def singular_values(maps: np.ndarray) -> np.ndarray:
    """The singular values of the linear parts ``[[a, b], [c, d]]`` of ``maps`` (``(n, 6)``):
    float64 ``(n, 2)``, the larger first (closed form, no iteration)."""
    a, b, c, d = (np.asarray(maps, dtype=np.float64)[:, i] for i in range(4))
    squares = a * a + b * b + c * c + d * d
    det = a * d - b * c
    root = np.sqrt(np.maximum(squares * squares - 4.0 * det * det, 0.0))
    return np.sqrt(np.stack([squares + root, np.maximum(squares - root, 0.0)], axis=1) / 2.0)


def ifs_raster(maps: np.ndarray, size: int, points: int = 100_000, seed: int = 0) -> np.ndarray:
    """The attractor of the IFS ``maps`` (see module doc) drawn by ``points`` chaos-game points
    into a float32 ``(size, size)`` raster holding 0.0 and 1.0; ``seed`` in 0..2**64-1.

    ``maps`` is ``(n, 6)`` (n >= 1) of finite numbers whose linear parts are contractive (the
    larger singular value below 1, so that the points stay bounded); ``size`` and ``points``
    are >= 1. 100k points take about 0.4 ms on one core (``docs/research-recipes.md#fractal``).
    """
    maps = np.ascontiguousarray(maps, dtype=np.float64)
    if maps.ndim != 2 or maps.shape[0] < 1 or maps.shape[1] != 6:
        raise ValueError(f"maps must be (n, 6) rows [a, b, c, d, e, f], got shape {maps.shape}")
    if not np.isfinite(maps).all():
        raise ValueError("maps must be finite")
    if not (singular_values(maps)[:, 0] < 1.0).all():
        raise ValueError("every map must be contractive (largest singular value < 1)")
    if int(size) != size or size < 1 or int(points) != points or points < 1:
        raise ValueError(f"size and points must be positive integers, got {size}, {points}")
    if int(seed) != seed or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in 0..2**64-1, got {seed!r}")
    weights = np.abs(maps[:, 0] * maps[:, 3] - maps[:, 1] * maps[:, 2])
    if weights.sum() <= 0.0:
        weights = np.ones(len(maps))
    cumulative = np.cumsum(weights / weights.sum())
    xy = np.empty((int(points), 2), np.float64)
    _chaos_game(maps, cumulative, int(points), np.uint64(seed), xy)
    out = np.zeros((int(size), int(size)), np.float32)
    _rasterise(xy, int(size), out)
    return out
