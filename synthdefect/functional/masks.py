"""Binary anomaly masks from Perlin noise (DRAEM's mask recipe).

A Perlin mask is ``rotate(fractal_perlin_noise(...), angle) > threshold``: the noise is rotated
about the image centre (bilinear, zero fill, as DRAEM rotates it with imgaug's ``Affine``) and then
binarised. Masks are float32 ``(H, W)`` holding exactly 0.0 or 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synthdefect.functional.geometry import rotate
from synthdefect.functional.perlin import fractal_perlin_noise

__all__ = ["mask_area", "perlin_mask", "perlin_masks"]


def perlin_mask(
    height: int,
    width: int,
    res_y: int,
    res_x: int,
    seed: int,
    angle: float = 0.0,
    threshold: float = 0.5,
    octaves: int = 1,
    persistence: float = 0.5,
    lacunarity: float = 2,
) -> np.ndarray:
    """A binary Perlin mask, float32 ``(height, width)`` in {0, 1}.

    ``res_y``/``res_x``: lattice cells per axis (>= 1); ``seed``: gradient seed (see
    :func:`~synthdefect.functional.perlin.fractal_perlin_noise`, which also explains
    ``octaves``, ``persistence`` and ``lacunarity``); ``angle``: counter-clockwise rotation of
    the noise in degrees (0 = none); ``threshold``: pixels whose rotated noise is strictly greater
    are 1.
    Single-octave noise lies in [-1, 1], so thresholds near 1 give small or empty masks.
    """
    noise = fractal_perlin_noise(
        height, width, res_y, res_x, seed, octaves, persistence, lacunarity
    )
    if angle != 0.0:
        noise = rotate(noise, float(angle))
    return (noise > threshold).astype(np.float32)


def perlin_masks(height: int, width: int, params: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """A batch of Perlin masks, float32 ``(N, height, width)`` in {0, 1}.

    ``params[n]`` holds the keyword arguments of :func:`perlin_mask` for mask ``n`` (``res_y``,
    ``res_x``, ``seed`` and optionally ``angle``, ``threshold``, ``octaves``, ``persistence``,
    ``lacunarity``).
    """
    out = np.empty((len(params), height, width), dtype=np.float32)
    for n, kwargs in enumerate(params):
        out[n] = perlin_mask(height, width, **kwargs)
    return out


def mask_area(mask: np.ndarray) -> float:
    """Fraction of pixels of ``mask`` (any shape and dtype) that are > 0, in [0, 1]."""
    if mask.size == 0:
        raise ValueError("mask is empty")
    return float(np.count_nonzero(mask > 0)) / mask.size
