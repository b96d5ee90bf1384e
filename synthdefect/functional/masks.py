"""Binary anomaly masks from Perlin noise (DRAEM's mask recipe).

A Perlin mask is ``rotate(fractal_perlin_noise(...), angle) > threshold``: the noise is rotated
about the image centre (bilinear, zero fill, as DRAEM rotates it with imgaug's ``Affine``) and then
binarised. Masks are float32 ``(H, W)`` holding exactly 0.0 or 1.0.

The one threshold that decides which pixels of a mask are anomalous, everywhere in synthdefect
(labels, mask files, areas, ground truth read back for training and evaluation), is
:func:`anomalous_pixels`: a float mask value ``m`` in [0, 1] is anomalous when ``m >= 0.5``, an
8-bit mask file value when ``>= 128`` (the same cut: 127 / 255 < 0.5 <= 128 / 255).

Soft masks (targets in [0, 1], such as FPI's interpolation factor) are stored in 8 bits as
:func:`mask_levels`, ``round(255 * m)``; a mask *marks* a pixel whose level is > 0
(:func:`marked_pixels`, ``m >= 0.5 / 255``): that decides a sample's label, so that a label-1
sample's mask file is never empty. For hard masks (0/1) marked and anomalous pixels coincide.
"""

from __future__ import annotations

import numpy as np

from synthdefect.functional.geometry import rotate
from synthdefect.functional.perlin import fractal_perlin_noise

__all__ = [
    "MASK_THRESHOLD",
    "anomalous_pixels",
    "marked_pixels",
    "mask_area",
    "mask_levels",
    "perlin_mask",
]

MASK_THRESHOLD = 0.5
"""A float mask value at or above this marks an anomalous pixel (see :func:`anomalous_pixels`)."""


def anomalous_pixels(mask: np.ndarray) -> np.ndarray:
    """Bool array of ``mask``'s shape: ``True`` where the mask marks an anomaly.

    ``mask`` is float in [0, 1] (anomalous at ``>= 0.5``), ``uint8`` as read from a mask file
    (0 / 255; anomalous at ``>= 128``) or bool (returned as it is). Other dtypes raise
    ``TypeError``.
    """
    if mask.dtype == np.bool_:
        return mask
    if mask.dtype == np.uint8:
        return mask >= 128
    if np.issubdtype(mask.dtype, np.floating):
        return mask >= MASK_THRESHOLD
    raise TypeError(f"a mask must be float in [0, 1], uint8 (0 / 255) or bool, not {mask.dtype}")


def mask_levels(mask: np.ndarray) -> np.ndarray:
    """A float mask in [0, 1] as 8-bit levels, ``uint8`` of its shape: ``round(255 * m)``
    (halves up; values outside [0, 1] clipped). Hard masks give 0 / 255."""
    levels = np.floor(np.asarray(mask, dtype=np.float32) * np.float32(255.0) + np.float32(0.5))
    return np.clip(levels, 0, 255).astype(np.uint8)


def _first_marked_value() -> np.float32:
    """The least float32 whose :func:`mask_levels` level is > 0 (about 0.5 / 255): levels grow
    with the value, so a value is marked exactly when it is at least this one."""
    value = np.float32(0.5 / 255)
    while mask_levels(np.array([value]))[0] > 0:
        value = np.nextafter(value, np.float32(0.0))
    while mask_levels(np.array([value]))[0] == 0:
        value = np.nextafter(value, np.float32(1.0))
    return value


_FIRST_MARKED = _first_marked_value()


def marked_pixels(mask: np.ndarray) -> np.ndarray:
    """Bool array of a float mask's shape: ``True`` where its 8-bit level is > 0 (see module
    doc); the pixels a soft mask marks at all, the anomalous ones of a hard mask. The same as
    ``mask_levels(mask) > 0``, in one comparison."""
    return np.asarray(mask, dtype=np.float32) >= _FIRST_MARKED


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


def mask_area(mask: np.ndarray) -> float:
    """Fraction of the pixels of ``mask`` (any shape) that are anomalous (see
    :func:`anomalous_pixels`), in [0, 1]."""
    if mask.size == 0:
        raise ValueError("mask is empty")
    return float(np.count_nonzero(anomalous_pixels(mask))) / mask.size
