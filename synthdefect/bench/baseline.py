"""The numpy baseline: the same algorithm as synthdefect's kernels, written plainly in numpy.

It serves twice: as the tests' oracle for the numba Perlin kernel (same gradients in, same noise
out) and as the baseline that ``synthdefect bench`` measures beside the kernels. Texture ops use
Pillow where Pillow defines the op (the semantics synthdefect's kernels are tested against) and
numpy lookup tables otherwise; rotations and resizing use OpenCV, as synthdefect does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthdefect.functional.geometry import rotate
from synthdefect.functional.perlin import perlin_gradients

__all__ = ["perlin_mask", "perlin_noise"]


def _fade(t: np.ndarray) -> np.ndarray:
    return 6 * t**5 - 15 * t**4 + 10 * t**3


def perlin_noise(
    height: int, width: int, res_y: int, res_x: int, gradients: np.ndarray
) -> np.ndarray:
    """Perlin noise (float64 ``(height, width)``) for ``(res_y+1, res_x+1, 2)`` gradients.

    Pixel ``(i, j)`` sits at lattice point ``(i * res_y / H, j * res_x / W)``; the four corner
    gradients are dotted with the offsets from each corner, blended with the quintic fade and
    scaled by sqrt(2).
    """
    g = np.asarray(gradients, dtype=np.float64)
    y = np.arange(height)[:, None] * res_y / height
    x = np.arange(width)[None, :] * res_x / width
    y0 = np.floor(y).astype(int)
    x0 = np.floor(x).astype(int)
    ty, tx = y - y0, x - x0

    def corner(dy: int, dx: int) -> np.ndarray:
        grad = g[y0 + dy, x0 + dx]
        return (ty - dy) * grad[..., 0] + (tx - dx) * grad[..., 1]

    uy, ux = _fade(ty), _fade(tx)
    left = corner(0, 0) * (1 - uy) + corner(1, 0) * uy
    right = corner(0, 1) * (1 - uy) + corner(1, 1) * uy
    return math.sqrt(2) * (left * (1 - ux) + right * ux)


def perlin_mask(height: int, width: int, record: dict[str, Any]) -> np.ndarray:
    """Single-octave mask of a ``PerlinMask`` record: noise, rotate, threshold (float32 0/1)."""
    res_y, res_x = record["res"]
    gradients = perlin_gradients(record["seed"], res_y, res_x)
    noise = perlin_noise(height, width, res_y, res_x, gradients).astype(np.float32)
    return (rotate(noise, record["angle"]) > record["threshold"]).astype(np.float32)
