"""2-D Perlin gradient noise (numba kernels), as used for DRAEM's anomaly masks.

Conventions:

* A lattice of ``res_y x res_x`` cells covers the whole output; pixel ``(i, j)`` of an
  ``(H, W)`` output sits at lattice coordinate ``(i * res_y / H, j * res_x / W)``, so any size
  works (odd, non-square, not a multiple of the resolution).
* ``gradients`` is float32 ``(res_y + 1, res_x + 1, 2)``: one unit vector per lattice corner,
  component 0 along the rows (y), component 1 along the columns (x), i.e. ``(cos a, sin a)``
  for an angle ``a`` -- the layout of DRAEM's ``rand_perlin_2d_np``.
* Fade is quintic, ``6t^5 - 15t^4 + 10t^3``, and the result is multiplied by ``sqrt(2)`` (as
  DRAEM does), which puts single-octave noise in [-1, 1]. Noise is 0 at lattice corners.

For sizes that are multiples of the resolution the output equals DRAEM's ``rand_perlin_2d_np``
given the same gradients (to float32 precision).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["fractal_perlin_noise", "octave_seed", "perlin_gradients", "perlin_noise"]

_SQRT2 = math.sqrt(2.0)


def perlin_gradients(seed: int, res_y: int, res_x: int) -> np.ndarray:
    """Unit gradients for a ``res_y x res_x`` lattice, drawn from ``np.random.default_rng(seed)``.

    Angles are ``2 * pi * U[0, 1)``; returns float32 ``(res_y + 1, res_x + 1, 2)`` holding
    ``(cos, sin)`` of each angle (y component first).
    """
    _check_positive(res_y=res_y, res_x=res_x)
    angles = 2.0 * np.pi * np.random.default_rng(seed).random((res_y + 1, res_x + 1))
    gradients = np.empty((res_y + 1, res_x + 1, 2), dtype=np.float32)
    np.cos(angles, out=gradients[..., 0])  # float64 cosines, rounded to float32 on the way out
    np.sin(angles, out=gradients[..., 1])
    return gradients


def perlin_noise(
    height: int, width: int, res_y: int, res_x: int, gradients: np.ndarray
) -> np.ndarray:
    """Single-octave Perlin noise, float32 ``(height, width)`` with values in [-1, 1].

    ``res_y``/``res_x`` are lattice cells along the rows/columns (>= 1); ``gradients`` is
    ``(res_y + 1, res_x + 1, 2)`` as returned by :func:`perlin_gradients` (converted to float32).
    """
    _check_positive(height=height, width=width, res_y=res_y, res_x=res_x)
    gradients = np.ascontiguousarray(gradients, dtype=np.float32)
    if gradients.shape != (res_y + 1, res_x + 1, 2):
        raise ValueError(
            f"gradients must have shape {(res_y + 1, res_x + 1, 2)} for res ({res_y}, {res_x}), "
            f"got {gradients.shape}"
        )
    out = np.zeros((height, width), dtype=np.float32)
    _perlin_kernel(res_y, res_x, gradients, out, 1.0)
    return out


def octave_seed(seed: int, octave: int) -> int:
    """Gradient seed of ``octave`` in :func:`fractal_perlin_noise`: ``seed`` itself for octave 0,
    else a 32-bit value derived from ``(seed, octave)`` by :class:`numpy.random.SeedSequence`."""
    if octave == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), octave]).generate_state(1)[0])


def fractal_perlin_noise(
    height: int,
    width: int,
    res_y: int,
    res_x: int,
    seed: int,
    octaves: int = 1,
    persistence: float = 0.5,
    lacunarity: float = 2,
) -> np.ndarray:
    """Sum of ``octaves`` Perlin layers, float32 ``(height, width)``.

    Octave ``o`` has amplitude ``persistence**o``, resolution ``ceil(res * lacunarity**o)`` per
    axis and gradients ``perlin_gradients(octave_seed(seed, o), ...)``. With ``octaves=1`` this is
    ``perlin_noise`` with ``perlin_gradients(seed, res_y, res_x)``. Values lie within
    ``+-sum(persistence**o)``.
    """
    _check_positive(height=height, width=width, res_y=res_y, res_x=res_x, octaves=octaves)
    if not persistence > 0:
        raise ValueError(f"persistence must be > 0, got {persistence}")
    if not lacunarity >= 1:
        raise ValueError(f"lacunarity must be >= 1, got {lacunarity}")
    out = np.zeros((height, width), dtype=np.float32)
    for o in range(octaves):
        scale = lacunarity**o
        ry, rx = math.ceil(res_y * scale), math.ceil(res_x * scale)
        gradients = perlin_gradients(octave_seed(seed, o), ry, rx)
        _perlin_kernel(ry, rx, gradients, out, float(persistence**o))
    return out


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


@numba.njit(cache=True, nogil=True)
def _fade(t: float) -> float:
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0)


@numba.njit(cache=True, nogil=True)
def _perlin_kernel(
    res_y: int, res_x: int, gradients: np.ndarray, out: np.ndarray, amplitude: float
) -> None:
    """Add ``amplitude * noise`` to ``out`` (float32 (H, W)) in place.

    Cell indices use integer arithmetic (``i * res // H``) so that pixels on lattice lines fall
    exactly on them. Each row is processed cell by cell, so that the gradients are constant
    over a cell's pixels; interpolation runs in float64.
    """
    height, width = out.shape
    frac_x = np.empty(width, dtype=np.float64)
    fade_x = np.empty(width, dtype=np.float64)
    for j in range(width):
        num = j * res_x
        frac_x[j] = (num - num // width * width) / width
        fade_x[j] = _fade(frac_x[j])
    # first pixel of cell c: smallest j with j * res_x >= c * width (empty cells when res_x > W)
    cell_start = np.empty(res_x + 1, dtype=np.int64)
    for c in range(res_x + 1):
        cell_start[c] = (c * width + res_x - 1) // res_x
    scale = amplitude * _SQRT2
    for i in range(height):
        num = i * res_y
        cy = num // height
        fy = (num - cy * height) / height
        uy = _fade(fy)
        row = out[i]
        for cx in range(res_x):
            # Blending the corner dot products along y first leaves, on each side of the cell,
            # a function linear in fx: left = a + fx * b at corner column cx, and
            # right = c + (fx - 1) * d at corner column cx + 1.
            g00, g10 = gradients[cy, cx], gradients[cy + 1, cx]
            g01, g11 = gradients[cy, cx + 1], gradients[cy + 1, cx + 1]
            a = fy * g00[0] + uy * ((fy - 1.0) * g10[0] - fy * g00[0])
            b = g00[1] + uy * (g10[1] - g00[1])
            c = fy * g01[0] + uy * ((fy - 1.0) * g11[0] - fy * g01[0])
            d = g01[1] + uy * (g11[1] - g01[1])
            lo, hi = cell_start[cx], cell_start[cx + 1]
            _add_cell(row[lo:hi], frac_x[lo:hi], fade_x[lo:hi], a, b, c, d, scale)


@numba.njit(cache=True, nogil=True, inline="always")
def _add_cell(
    row: np.ndarray,
    frac_x: np.ndarray,
    fade_x: np.ndarray,
    a: float,
    b: float,
    c: float,
    d: float,
    scale: float,
) -> None:
    """One row of one cell: ``row += scale * lerp(a + fx * b, c + (fx - 1) * d, fade(fx))``.

    A separate loop over whole slices, which LLVM vectorises (the same loop over an index
    range of the full row does not vectorise: about 4x slower, same bytes)."""
    for j in range(row.shape[0]):
        fx = frac_x[j]
        left = a + fx * b
        right = c + (fx - 1.0) * d
        row[j] += scale * (left + fade_x[j] * (right - left))
