"""Pure-numpy reference for Perlin noise (test-only; slow but plainly written).

Same definition as :mod:`synthdefect.functional.perlin`, written independently: pixel ``(i, j)``
is at lattice point ``(i * res_y / H, j * res_x / W)``; the four surrounding corner gradients are
dotted with the offsets from each corner, blended with the quintic fade, times sqrt(2).
"""

from __future__ import annotations

import math

import numpy as np

from synthdefect.functional.geometry import rotate
from synthdefect.functional.perlin import octave_seed, perlin_gradients


def fade(t: np.ndarray) -> np.ndarray:
    return 6 * t**5 - 15 * t**4 + 10 * t**3


def oracle_noise(
    height: int, width: int, res_y: int, res_x: int, gradients: np.ndarray
) -> np.ndarray:
    """Perlin noise (float64 ``(height, width)``) for float ``(res_y+1, res_x+1, 2)`` gradients."""
    g = np.asarray(gradients, dtype=np.float64)
    y = np.arange(height)[:, None] * res_y / height
    x = np.arange(width)[None, :] * res_x / width
    y0 = np.floor(y).astype(int)
    x0 = np.floor(x).astype(int)
    ty, tx = y - y0, x - x0

    def corner(dy: int, dx: int) -> np.ndarray:
        grad = g[y0 + dy, x0 + dx]
        return (ty - dy) * grad[..., 0] + (tx - dx) * grad[..., 1]

    uy, ux = fade(ty), fade(tx)
    left = corner(0, 0) * (1 - uy) + corner(1, 0) * uy
    right = corner(0, 1) * (1 - uy) + corner(1, 1) * uy
    return math.sqrt(2) * (left * (1 - ux) + right * ux)


def oracle_fractal(
    height: int,
    width: int,
    res_y: int,
    res_x: int,
    seed: int,
    octaves: int,
    persistence: float,
    lacunarity: float,
) -> np.ndarray:
    """Fractal noise as the plain sum of :func:`oracle_noise` layers."""
    total = np.zeros((height, width))
    for o in range(octaves):
        ry = math.ceil(res_y * lacunarity**o)
        rx = math.ceil(res_x * lacunarity**o)
        grads = perlin_gradients(octave_seed(seed, o), ry, rx)
        total += persistence**o * oracle_noise(height, width, ry, rx, grads)
    return total


def oracle_mask(
    height: int,
    width: int,
    res_y: int,
    res_x: int,
    seed: int,
    angle: float = 0.0,
    threshold: float = 0.5,
) -> np.ndarray:
    """Single-octave mask: oracle noise -> rotate -> threshold (float32 {0, 1})."""
    noise = oracle_noise(height, width, res_y, res_x, perlin_gradients(seed, res_y, res_x))
    noise = rotate(noise.astype(np.float32), angle)
    return (noise > threshold).astype(np.float32)
