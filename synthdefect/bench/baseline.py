"""The numpy baseline: the same algorithm as synthdefect's kernels, written plainly in numpy.

It serves twice: as the tests' oracle for the numba Perlin kernel (same gradients in, same noise
out) and as the baseline that ``synthdefect bench`` measures beside the kernels. Texture ops use
Pillow where Pillow defines the op (the semantics synthdefect's kernels are tested against) and
numpy lookup tables otherwise; rotations and resizing use OpenCV, as synthdefect does.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from synthdefect.functional.geometry import rotate
from synthdefect.functional.perlin import perlin_gradients
from synthdefect.sample import Sample
from synthdefect.transforms import BetaBlend, PerlinMask, TextureAugment, TextureSample, Transform
from synthdefect.transforms.records import TRANSFORM_TYPES, Rebuilder

__all__ = ["TEXTURE_OPS", "baseline_recipe", "beta_blend", "perlin_mask", "perlin_noise"]


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


def _with_pil(fn: Any) -> Any:
    """Run a Pillow op on an HWC ``uint8`` array (grey or RGB) and return HWC ``uint8``."""

    def op(image: np.ndarray, **params: Any) -> np.ndarray:
        grey = image.shape[2] == 1
        out = np.asarray(fn(Image.fromarray(image[:, :, 0] if grey else image), **params))
        return out[:, :, None] if grey else out

    return op


def _lut_op(table: Any) -> Any:
    """An op that maps every channel value through ``table(levels, **params)``."""

    def op(image: np.ndarray, **params: Any) -> np.ndarray:
        levels = np.arange(256, dtype=np.float64)[:, None]
        lut = np.clip(np.floor(table(levels, **params) + 0.5), 0, 255).astype(np.uint8)
        lut = np.broadcast_to(lut, (256, image.shape[2]))
        return np.take_along_axis(lut, image.reshape(-1, image.shape[2]), 0).reshape(image.shape)

    return op


def _hue_saturation(image: np.ndarray, hue: int, saturation: int) -> np.ndarray:
    if image.shape[2] == 1:
        return image.copy()
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV_FULL).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + hue) % 256
    hsv[..., 1] = np.clip(hsv[..., 1] + saturation, 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB_FULL)


TEXTURE_OPS = {
    "posterize": _with_pil(lambda im, bits: ImageOps.posterize(im, bits)),
    "solarize": _with_pil(lambda im, threshold: ImageOps.solarize(im, threshold)),
    "equalize": _with_pil(ImageOps.equalize),
    "autocontrast": _with_pil(lambda im, cutoff: ImageOps.autocontrast(im, cutoff)),
    "sharpness": _with_pil(lambda im, factor: ImageEnhance.Sharpness(im).enhance(factor)),
    "color": _with_pil(lambda im, factor: ImageEnhance.Color(im).enhance(factor)),
    "brightness": _lut_op(lambda v, factor, add: v * factor + add),
    "gamma": _lut_op(lambda v, gamma: 255.0 * (v / 255.0) ** np.asarray(gamma)),
    "invert": _lut_op(lambda v: 255.0 - v),
    "hue_saturation": _hue_saturation,
    "rotate_texture": lambda image, angle: rotate(image, angle),
}
"""Baseline versions of the texture ops, by the names used in ``TextureAugment`` records."""


def beta_blend(image: np.ndarray, texture: np.ndarray, mask: np.ndarray, beta: float):
    """DRAEM's blend formula in float64, rounded back to the image's ``uint8``."""
    i, a, m = image / 255.0, texture / 255.0, mask[:, :, None]
    out = (1 - m) * i + (1 - beta) * (m * i) + beta * (m * a)
    return np.round(out * 255.0).astype(np.uint8)


class _BaselinePerlinMask(PerlinMask):
    record_type = "PerlinMask"

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        if self.octaves != 1:
            return super().apply(sample, params)
        return sample.evolve(mask=perlin_mask(*sample.image.shape[:2], self.unpack(params)))


class _BaselineTextureAugment(TextureAugment):
    record_type = "TextureAugment"

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        if self.fn is not None or sample.texture is None:
            return super().apply(sample, params)
        texture = sample.texture
        for op in draws["ops"]:
            texture = TEXTURE_OPS[op["op"]](texture, **{k: v for k, v in op.items() if k != "op"})
        return sample.evolve(texture=texture)


class _BaselineBetaBlend(BetaBlend):
    record_type = "BetaBlend"

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        beta = self.unpack(params)["beta"]
        if sample.texture is None or sample.image.dtype != np.uint8:
            return super().apply(sample, params)
        image = beta_blend(sample.image, sample.texture, sample.mask, beta)
        return sample.evolve(image=image, texture=None)


BASELINE_TYPES = {
    **TRANSFORM_TYPES,
    "PerlinMask": _BaselinePerlinMask,
    "TextureAugment": _BaselineTextureAugment,
    "BetaBlend": _BaselineBetaBlend,
}
"""Record types whose kernels the baseline replaces; the others (texture loading, rotation,
composition, any recipe's other steps) are shared with synthdefect."""


def baseline_recipe(recipe: Transform) -> Transform:
    """``recipe`` rebuilt with the baseline's kernels: ``apply`` replays its records.

    Texture sources are shared with ``recipe`` (same files, same cache).
    """
    sources = [t.source for _, t in recipe.walk() if isinstance(t, TextureSample)]
    inputs = {"textures": sources[0]} if sources else {}
    return Rebuilder(inputs, BASELINE_TYPES)(recipe.describe())
