"""Batched Perlin noise and Perlin masks, as :mod:`synthdefect.functional.perlin` and
:func:`synthdefect.functional.masks.perlin_mask` make them.

The gradients are drawn on the host by :func:`~synthdefect.functional.perlin.perlin_gradients`
(from each sample's seed, as the numba kernel's are); the interpolation runs on the batch's
device in float64 with the numba kernel's operations in its order (its difference of two
float32 gradient components in float32), and the sum of octaves is kept in float32, so the
noise equals the numba kernel's bit for bit. On CPU each octave is worked in the cache-sized
pieces of :func:`~synthdefect.functional.batched.chunks.chunks` (a whole batch's float64
temporaries at 256 px cost 4-5 times as much). The rotation is
:func:`synthdefect.functional.batched.geometry.rotate` (zero fill).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from synthdefect.functional.batched.chunks import chunks
from synthdefect.functional.batched.geometry import rotate
from synthdefect.functional.perlin import octave_seed, perlin_gradients

__all__ = ["PerlinDraw", "fractal_perlin_noise", "perlin_mask"]

PerlinDraw = tuple[int, int, int]
"""``(res_y, res_x, seed)`` of one sample's noise (see :func:`fractal_perlin_noise`)."""

_SQRT2 = math.sqrt(2.0)


def _fade(t: torch.Tensor) -> torch.Tensor:
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0)


def _axis(size: int, res: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cell index (int64) and position within the cell (float64), ``(n, size)``, of each pixel
    along an axis of ``size`` pixels split into ``res`` (``(n,)``) cells."""
    num = torch.arange(size, device=res.device)[None, :] * res[:, None]
    cell = num // size
    return cell, (num - cell * size).double() / size


def _add_octave(
    out: torch.Tensor, res: torch.Tensor, gradients: torch.Tensor, amplitude: float
) -> torch.Tensor:
    """``out + amplitude * noise`` in float32 (``out``: ``(n, H, W)``; ``res``: ``(n, 2)``;
    ``gradients``: ``(n, GY, GX, 2)`` float32, each sample's lattice in its top-left corner).

    The numba kernel's terms that depend only on the row are worked out once per row and
    lattice column (``(n, H, GX)``), then picked for each pixel's cell column: the same
    float64 operations in the same order, so the same values, with per-pixel work only for
    the interpolation along the row."""
    n, height, width = out.shape
    cy, fy = _axis(height, res[:, 0])
    cx, fx = _axis(width, res[:, 1])
    uy, fy = _fade(fy)[:, :, None], fy[:, :, None]
    ux, fx = _fade(fx)[:, None, :], fx[:, None, :]
    items = torch.arange(n, device=out.device)[:, None]
    low, high = gradients[items, cy], gradients[items, cy + 1]  # (n, H, GX, 2): rows cy, cy + 1
    across = fy * low[..., 0] + uy * ((fy - 1.0) * high[..., 0] - fy * low[..., 0])
    along = low[..., 1] + uy * (high[..., 1] - low[..., 1])  # the kernel's float32 difference

    def at(terms: torch.Tensor, dx: int) -> torch.Tensor:
        return terms.gather(2, (cx + dx)[:, None, :].expand(n, height, width))

    left = at(across, 0) + fx * at(along, 0)
    right = at(across, 1) + (fx - 1.0) * at(along, 1)
    scale = amplitude * _SQRT2
    return (out.double() + scale * (left + ux * (right - left))).float()


def fractal_perlin_noise(
    height: int,
    width: int,
    draws: Sequence[PerlinDraw],
    octaves: int = 1,
    persistence: float = 0.5,
    lacunarity: float = 2.0,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Float32 ``(n, height, width)``: for each ``(res_y, res_x, seed)`` of ``draws``, the noise
    :func:`synthdefect.functional.perlin.fractal_perlin_noise` makes from those arguments."""
    out = torch.zeros((len(draws), height, width), dtype=torch.float32, device=device)
    if not draws:
        return out
    for o in range(octaves):
        scale = lacunarity**o
        shapes = [(math.ceil(ry * scale), math.ceil(rx * scale)) for ry, rx, _ in draws]
        gy = max(ry for ry, _ in shapes) + 1
        gx = max(rx for _, rx in shapes) + 1
        lattice = np.zeros((len(draws), gy, gx, 2), dtype=np.float32)
        for i, ((ry, rx), (_, _, seed)) in enumerate(zip(shapes, draws, strict=True)):
            lattice[i, : ry + 1, : rx + 1] = perlin_gradients(octave_seed(seed, o), ry, rx)
        res = torch.as_tensor(shapes, dtype=torch.int64, device=device)
        gradients = torch.from_numpy(lattice).to(device)
        for part in chunks(len(draws), height * width, out.device):
            out[part] = _add_octave(out[part], res[part], gradients[part], persistence**o)
    return out


def perlin_mask(
    height: int,
    width: int,
    draws: Sequence[PerlinDraw],
    angles: Sequence[float],
    thresholds: Sequence[float],
    octaves: int = 1,
    persistence: float = 0.5,
    lacunarity: float = 2.0,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Float32 ``(n, height, width)`` in {0, 1}: sample ``i``'s
    :func:`synthdefect.functional.masks.perlin_mask` of ``draws[i]``, ``angles[i]`` and
    ``thresholds[i]`` (compared in float32, as numpy compares the float32 noise)."""
    noise = fractal_perlin_noise(height, width, draws, octaves, persistence, lacunarity, device)
    noise = rotate(noise, list(angles), border="zero")
    cut = torch.tensor(list(thresholds), dtype=torch.float32, device=noise.device)
    return (noise > cut[:, None, None]).float()
