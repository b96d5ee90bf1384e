"""Oracles for the Perlin tests, built on the plain numpy implementation in
:mod:`synthdefect.bench.baseline` (written independently of the numba kernels)."""

from __future__ import annotations

import math

import numpy as np

from synthdefect.bench.baseline import perlin_mask as baseline_mask
from synthdefect.bench.baseline import perlin_noise as oracle_noise
from synthdefect.functional.perlin import octave_seed, perlin_gradients


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
    record = {"res": [res_y, res_x], "seed": seed, "angle": angle, "threshold": threshold}
    return baseline_mask(height, width, record)
