"""Texture augmentation kernels: the ops DRAEM applies to its anomaly-source textures.

Every kernel takes an ``(H, W, C)`` ``uint8`` image with ``C`` in {1, 3} (RGB channel order)
and explicit parameters, and returns a **new** ``(H, W, C)`` ``uint8`` array; the input is never
modified. There is no randomness here (see :mod:`synthdefect.transforms.texture_ops`).

Ops named after a Pillow function follow that function's definition; the tests check them
against Pillow on real images to within one grey level (most match exactly):

* :func:`posterize`, :func:`solarize`, :func:`equalize`, :func:`autocontrast`
  (``PIL.ImageOps``); :func:`sharpness`, :func:`color`, :func:`brightness`, :func:`contrast`
  (``PIL.ImageEnhance``).

:func:`color_jitter` chains brightness, contrast, saturation and hue, as torchvision's
``ColorJitter`` (which CutPaste applies to its patches) does on PIL images.

:func:`scale_channels` multiplies each channel by its own factor (FractalAD's colour change).

The others follow imgaug, which DRAEM's released code uses: :func:`gamma` (GammaContrast),
:func:`hue_saturation` (AddToHueAndSaturation), :func:`invert` and :func:`rotate_texture`
(Affine rotation, bilinear, zero fill).

Implementation: per-channel lookup tables and histograms in numba (single-threaded, no
``parallel=True``, so that forked DataLoader workers are safe), rotation via OpenCV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np

from synthdefect.functional.geometry import rotate

__all__ = [
    "apply_tables",
    "autocontrast",
    "autocontrast_tables",
    "brightness",
    "brightness_table",
    "check_cutoff",
    "color",
    "color_jitter",
    "contrast",
    "equalize",
    "equalize_tables",
    "gamma",
    "gamma_tables",
    "grayscale",
    "hflip",
    "histograms",
    "hue_saturation",
    "invert",
    "invert_table",
    "posterize",
    "posterize_table",
    "rotate_texture",
    "scale_channels",
    "scale_channels_tables",
    "sharpness",
    "solarize",
    "solarize_table",
    "table_rows",
    "vflip",
]

_LEVELS = np.arange(256, dtype=np.float64)


def _check_image(image: np.ndarray) -> np.ndarray:
    """Validate an HWC uint8 image with 1 or 3 channels; return it C-contiguous."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(
            f"image must be (H, W, C) uint8 with C in {{1, 3}}, got {image.shape} {image.dtype}"
        )
    return np.ascontiguousarray(image)


def _check_finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_factor(name: str, value: float) -> float:
    """``value`` as a finite float >= 0 (an op's factor); ``ValueError`` naming ``name``."""
    value = _check_finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_int(name: str, value: int, low: int, high: int) -> int:
    """``value`` as an int in ``low..high`` (bools refused); ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or int(value) != value or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    return int(value)


def _round_to_uint8(values: np.ndarray) -> np.ndarray:
    """Round half up and clip to [0, 255] (for lookup tables)."""
    return np.clip(np.floor(values + 0.5), 0, 255).astype(np.uint8)


@numba.njit(cache=True, nogil=True)
def _apply_luts(image: np.ndarray, luts: np.ndarray) -> np.ndarray:
    """``out[..., c] = luts[c, image[..., c]]``; ``luts`` is ``(1, 256)`` (all channels) or
    ``(C, 256)`` uint8."""
    h, w, c = image.shape
    src = image.reshape(h * w, c)
    out = np.empty_like(src)
    first = luts[0]
    if c == 1:
        for i in range(h * w):
            out[i, 0] = first[src[i, 0]]
    else:
        second = luts[1 % luts.shape[0]]
        third = luts[2 % luts.shape[0]]
        for i in range(h * w):
            out[i, 0] = first[src[i, 0]]
            out[i, 1] = second[src[i, 1]]
            out[i, 2] = third[src[i, 2]]
    return out.reshape(h, w, c)


def _lut(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Apply one ``(256,)`` table to every channel, or a ``(C, 256)`` table per channel."""
    return _apply_luts(image, np.ascontiguousarray(table, dtype=np.uint8).reshape(-1, 256))


def apply_tables(image: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """``out[..., c] = tables[c, image[..., c]]``: one ``uint8`` lookup table for every channel
    (``(256,)`` or ``(1, 256)``) or one per channel (``(C, 256)``); a new array."""
    image = _check_image(image)
    return _apply_luts(image, table_rows(tables, image.shape[2]))


def table_rows(tables: np.ndarray, channels: int | None = None) -> np.ndarray:
    """Lookup tables (``(256,)`` or ``(N, 256)``) as ``(N, 256)`` ``uint8``; with ``channels``,
    ``ValueError`` unless ``N`` is 1 (every channel) or ``channels``."""
    rows = np.ascontiguousarray(tables, dtype=np.uint8)
    rows = rows[None] if rows.ndim == 1 else rows
    counts = (1, channels) if channels is not None else (rows.shape[0],)
    if rows.ndim != 2 or rows.shape[1] != 256 or rows.shape[0] not in counts:
        wanted = f"1 or {channels}" if channels is not None else "any"
        raise ValueError(
            f"tables must be (256,) or (N, 256) with N {wanted}, got {np.shape(tables)}"
        )
    return rows


def histograms(image: np.ndarray) -> np.ndarray:
    """Per-channel 256-bin histograms of an HWC ``uint8`` image, ``(C, 256)`` int64."""
    return _histograms(_check_image(image))


@numba.njit(cache=True, nogil=True)
def _histograms(image: np.ndarray) -> np.ndarray:
    """Per-channel 256-bin histograms, ``(C, 256)`` int64."""
    h, w, c = image.shape
    src = image.reshape(h * w, c)
    hist = np.zeros((c, 256), dtype=np.int64)
    first = hist[0]
    if c == 1:
        for i in range(h * w):
            first[src[i, 0]] += 1
    else:
        second = hist[1]
        third = hist[2]
        for i in range(h * w):
            first[src[i, 0]] += 1
            second[src[i, 1]] += 1
            third[src[i, 2]] += 1
    return hist


def posterize_table(bits: int) -> np.ndarray:
    """:func:`posterize`'s lookup table, ``(256,)`` ``uint8``."""
    mask = (0xFF << (8 - check_int("posterize bits", bits, 1, 8))) & 0xFF
    return np.arange(256, dtype=np.uint8) & np.uint8(mask)


def posterize(image: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` (int, 1..8) most significant bits of every channel value."""
    return _lut(_check_image(image), posterize_table(bits))


def solarize_table(threshold: int) -> np.ndarray:
    """:func:`solarize`'s lookup table, ``(256,)`` ``uint8``."""
    threshold = check_int("solarize threshold", threshold, 0, 256)
    levels = np.arange(256, dtype=np.uint8)
    return np.where(levels >= threshold, 255 - levels, levels)


def solarize(image: np.ndarray, threshold: int = 128) -> np.ndarray:
    """Invert (``255 - v``) every channel value ``v >= threshold`` (int, 0..256).

    ``threshold=0`` inverts everything, ``threshold=256`` nothing.
    """
    return _lut(_check_image(image), solarize_table(threshold))


def invert(image: np.ndarray) -> np.ndarray:
    """``255 - v`` for every channel value."""
    return 255 - _check_image(image)


def invert_table() -> np.ndarray:
    """:func:`invert`'s lookup table, ``(256,)`` ``uint8``."""
    return 255 - np.arange(256, dtype=np.uint8)


def brightness(image: np.ndarray, factor: float, add: float = 0.0) -> np.ndarray:
    """``clip(round(v * factor + add), 0, 255)`` for every channel value.

    ``factor`` >= 0 (1 keeps the image), ``add`` in grey levels. With ``add=0`` this is
    Pillow's ``ImageEnhance.Brightness(image).enhance(factor)`` (which truncates instead of
    rounding, so results differ by at most one level).
    """
    return _lut(_check_image(image), brightness_table(factor, add))


def brightness_table(factor: float, add: float = 0.0) -> np.ndarray:
    """:func:`brightness`'s lookup table, ``(256,)`` ``uint8``."""
    factor = check_factor("brightness factor", factor)
    add = _check_finite("brightness add", add)
    return _round_to_uint8(_LEVELS * factor + add)


def scale_channels(image: np.ndarray, factors: Sequence[float]) -> np.ndarray:
    """``clip(round(v * factors[c]), 0, 255)`` for every value ``v`` of channel ``c``: one
    factor >= 0 per channel (1 keeps the channel; FractalAD scales two of three by [0, 2))."""
    image = _check_image(image)
    return _lut(image, scale_channels_tables(factors, image.shape[2]))


def scale_channels_tables(factors: Sequence[float], channels: int) -> np.ndarray:
    """:func:`scale_channels`'s lookup tables for a ``channels``-channel image,
    ``(channels, 256)`` ``uint8``."""
    factors = [check_factor("channel factor", f) for f in factors]
    if len(factors) != channels:
        raise ValueError(f"need one factor per channel ({channels}), got {len(factors)}")
    return _round_to_uint8(np.asarray(factors)[:, None] * _LEVELS[None, :])


@numba.njit(cache=True, nogil=True)
def _rgb_luma(image: np.ndarray) -> np.ndarray:
    h, w, _ = image.shape
    src = image.reshape(h * w, 3)
    out = np.empty(h * w, dtype=np.uint8)
    for i in range(h * w):
        r, g, b = np.int32(src[i, 0]), np.int32(src[i, 1]), np.int32(src[i, 2])
        out[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16  # Pillow's "L" (601-2)
    return out.reshape(h, w)


def _luma(image: np.ndarray) -> np.ndarray:
    """Pillow's ``"L"`` conversion (ITU-R 601-2, integer rounding) as ``(H, W)`` uint8."""
    if image.shape[2] == 1:
        return image[:, :, 0]
    return _rgb_luma(image)


def contrast(image: np.ndarray, factor: float) -> np.ndarray:
    """Pillow ``ImageEnhance.Contrast``: blend with the mean grey level of the image.

    ``mean + factor * (v - mean)`` for every channel value, rounded and clipped, where ``mean``
    is the rounded mean of the image's luma; ``factor`` >= 0: 0 gives a flat grey image, 1 the
    original, above 1 more contrast.
    """
    image = _check_image(image)
    factor = check_factor("contrast factor", factor)
    mean = math.floor(float(_luma(image).mean()) + 0.5)
    return _lut(image, _round_to_uint8(mean + factor * (_LEVELS - mean)))


def color_jitter(
    image: np.ndarray,
    brightness_factor: float = 1.0,
    contrast_factor: float = 1.0,
    saturation_factor: float = 1.0,
    hue_shift: float = 0.0,
) -> np.ndarray:
    """:func:`brightness`, :func:`contrast`, :func:`color` (saturation) and a hue turn, in
    that order (torchvision's ``ColorJitter`` with the order fixed).

    Factors are >= 0 (1 keeps the image); ``hue_shift`` in [-0.5, 0.5] turns the hue by that
    fraction of a full circle, keeping saturation and value (as :func:`hue_saturation`). The
    defaults return the image unchanged (as a copy). Grey images skip saturation and hue.
    """
    saturation_factor = check_factor("saturation factor", saturation_factor)
    hue_shift = _check_finite("hue shift", hue_shift)
    if not -0.5 <= hue_shift <= 0.5:
        raise ValueError(f"hue shift must be in [-0.5, 0.5], got {hue_shift}")
    image = brightness(image, brightness_factor)
    image = contrast(image, contrast_factor)
    if image.shape[2] == 1:
        return image
    image = color(image, saturation_factor)
    if hue_shift == 0.0:
        return image
    return _hue_saturation(image, (hue_shift * 6.0) % 6.0, 0.0)


def hflip(image: np.ndarray) -> np.ndarray:
    """Mirror left-right."""
    return np.ascontiguousarray(_check_image(image)[:, ::-1])


def vflip(image: np.ndarray) -> np.ndarray:
    """Mirror top-bottom."""
    return np.ascontiguousarray(_check_image(image)[::-1])


def grayscale(image: np.ndarray) -> np.ndarray:
    """Pillow's luma (ITU-R 601-2) in every channel, keeping the channel count."""
    image = _check_image(image)
    return np.repeat(_luma(image)[:, :, None], image.shape[2], axis=2)


def gamma(image: np.ndarray, gamma: float | Sequence[float]) -> np.ndarray:
    """Gamma curve ``255 * (v / 255) ** gamma``, rounded (imgaug GammaContrast).

    ``gamma`` > 0 is one float for all channels or a sequence with one per channel;
    ``gamma < 1`` brightens, ``gamma > 1`` darkens.
    """
    image = _check_image(image)
    return _lut(image, gamma_tables(gamma, image.shape[2]))


def gamma_tables(gamma: float | Sequence[float], channels: int) -> np.ndarray:
    """:func:`gamma`'s lookup tables for a ``channels``-channel image: ``(1, 256)`` (one gamma)
    or ``(channels, 256)`` ``uint8``."""
    gammas = np.atleast_1d(np.asarray(gamma, dtype=np.float64))
    if gammas.ndim != 1 or gammas.size not in (1, channels):
        raise ValueError(f"gamma must be one value or {channels} values, got {gamma!r}")
    if not (np.all(np.isfinite(gammas)) and np.all(gammas > 0)):
        raise ValueError(f"gamma values must be finite and > 0, got {gamma!r}")
    return _round_to_uint8(255.0 * (_LEVELS[None, :] / 255.0) ** gammas[:, None])


@numba.njit(cache=True, nogil=True)
def equalize_tables(hist: np.ndarray) -> np.ndarray:
    """Pillow's ``ImageOps.equalize`` tables, ``(N, 256)`` ``uint8``, from ``(N, 256)`` int64
    histograms (one row per channel)."""
    c = hist.shape[0]
    luts = np.empty((c, 256), dtype=np.uint8)
    for ch in range(c):
        total = 0
        used = 0
        last = 0
        for i in range(256):
            if hist[ch, i]:
                total += hist[ch, i]
                used += 1
                last = i
        step = (total - hist[ch, last]) // 255 if used > 1 else 0
        if step == 0:
            for i in range(256):
                luts[ch, i] = i
            continue
        n = step // 2
        for i in range(256):
            luts[ch, i] = min(n // step, 255)
            n += hist[ch, i]
    return luts


def equalize(image: np.ndarray) -> np.ndarray:
    """Histogram equalisation per channel (Pillow ``ImageOps.equalize``).

    Channels with a single value, or too few pixels below their top value, are unchanged.
    """
    image = _check_image(image)
    return _apply_luts(image, equalize_tables(_histograms(image)))


@numba.njit(cache=True, nogil=True)
def autocontrast_tables(hist: np.ndarray, cutoff: float) -> np.ndarray:
    """Pillow's ``ImageOps.autocontrast`` tables, ``(N, 256)`` ``uint8``, from ``(N, 256)``
    int64 histograms (one row per channel); ``cutoff`` percent cut from each end (checked by
    :func:`autocontrast`)."""
    c = hist.shape[0]
    luts = np.empty((c, 256), dtype=np.uint8)
    for ch in range(c):
        h = hist[ch].copy()
        if cutoff > 0:
            n = h.sum()
            cut = int(n * cutoff // 100)
            for lo in range(256):
                taken = min(cut, h[lo])
                h[lo] -= taken
                cut -= taken
                if cut <= 0:
                    break
            cut = int(n * cutoff // 100)
            for hi in range(255, -1, -1):
                taken = min(cut, h[hi])
                h[hi] -= taken
                cut -= taken
                if cut <= 0:
                    break
        lo = 0
        while lo < 255 and h[lo] == 0:
            lo += 1
        hi = 255
        while hi > 0 and h[hi] == 0:
            hi -= 1
        if hi <= lo:
            for i in range(256):
                luts[ch, i] = i
            continue
        scale = 255.0 / (hi - lo)
        offset = -lo * scale
        for i in range(256):
            luts[ch, i] = max(0, min(255, int(i * scale + offset)))
    return luts


def autocontrast(image: np.ndarray, cutoff: float = 0.0) -> np.ndarray:
    """Stretch each channel to the full range [0, 255] (Pillow ``ImageOps.autocontrast``).

    ``cutoff`` (percent, 0 <= cutoff < 50) of the pixels is ignored at each end of the
    histogram before the darkest/lightest remaining values are mapped to 0/255.
    """
    image = _check_image(image)
    return _apply_luts(image, autocontrast_tables(_histograms(image), check_cutoff(cutoff)))


def check_cutoff(cutoff: float) -> float:
    """:func:`autocontrast`'s ``cutoff`` as a float, or ``ValueError`` outside [0, 50)."""
    cutoff = _check_finite("autocontrast cutoff", cutoff)
    if not 0 <= cutoff < 50:
        raise ValueError(f"autocontrast cutoff must be in [0, 50) percent, got {cutoff}")
    return cutoff


@numba.njit(cache=True, nogil=True)
def _blend_to_uint8(base: float, value: float, factor: float) -> np.uint8:
    """``clip(round(base + factor * (value - base)), 0, 255)``, branch-free (vectorises)."""
    x = base + factor * (value - base) + 0.5
    return np.uint8(0.0 if x < 0.0 else (255.0 if x > 255.0 else x))


@numba.njit(cache=True, nogil=True)
def _sharpness(image: np.ndarray, factor: float) -> np.ndarray:
    h, w, c = image.shape
    n = w * c - 2 * c  # interior values per row
    src = image.reshape(h, w * c)
    out = src.copy()
    for y in range(1, h - 1):
        # left / centre / right neighbours as shifted row slices: plain indices vectorise
        ul, uc, ur = src[y - 1, :n], src[y - 1, c : c + n], src[y - 1, 2 * c :]
        ml, mc, mr = src[y, :n], src[y, c : c + n], src[y, 2 * c :]
        dl, dc, dr = src[y + 1, :n], src[y + 1, c : c + n], src[y + 1, 2 * c :]
        row = out[y, c : c + n]
        for j in range(n):
            centre = np.int32(mc[j])
            total = np.int32(ul[j]) + np.int32(uc[j]) + np.int32(ur[j]) + np.int32(ml[j])
            total += (
                5 * centre + np.int32(mr[j]) + np.int32(dl[j]) + np.int32(dc[j]) + np.int32(dr[j])
            )
            smooth = float(((total + 6) * 5042) >> 16)  # == round(total / 13), total <= 13 * 255
            row[j] = _blend_to_uint8(smooth, centre, factor)
    return out.reshape(h, w, c)


def sharpness(image: np.ndarray, factor: float) -> np.ndarray:
    """Pillow ``ImageEnhance.Sharpness``: blend with a 3x3 smoothed copy.

    The smoothing kernel is ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``; the result is
    ``smooth + factor * (image - smooth)``, rounded and clipped. ``factor`` >= 0: 0 gives the
    smoothed image, 1 the original, above 1 sharpens. The one-pixel border is left unchanged.
    """
    image = _check_image(image)
    factor = check_factor("sharpness factor", factor)
    return _sharpness(image, factor)


@numba.njit(cache=True, nogil=True)
def _color(image: np.ndarray, factor: float) -> np.ndarray:
    src = image.reshape(-1)
    out = np.empty_like(src)
    for i in range(src.size // 3):
        r, g, b = np.int32(src[3 * i]), np.int32(src[3 * i + 1]), np.int32(src[3 * i + 2])
        grey = float((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)  # Pillow's "L" (601-2)
        out[3 * i] = _blend_to_uint8(grey, r, factor)
        out[3 * i + 1] = _blend_to_uint8(grey, g, factor)
        out[3 * i + 2] = _blend_to_uint8(grey, b, factor)
    return out.reshape(image.shape)


def color(image: np.ndarray, factor: float) -> np.ndarray:
    """Pillow ``ImageEnhance.Color``: blend with the image's luma (ITU-R 601-2) grey version.

    ``grey + factor * (image - grey)``, rounded and clipped; ``factor`` >= 0: 0 gives grey,
    1 the original, above 1 more saturated colours. Grey (``C = 1``) images are returned
    unchanged (as a copy).
    """
    image = _check_image(image)
    factor = check_factor("color factor", factor)
    if image.shape[2] == 1:
        return image.copy()
    return _color(image, factor)


@numba.njit(cache=True, nogil=True)
def _hsv_component(v: float, chroma: float, k: float) -> float:
    """One RGB component of HSV -> RGB; ``k`` = channel offset (5 R, 3 G, 1 B) + hue, in [1, 11)."""
    k = k - 6.0 if k >= 6.0 else k
    x = 4.0 - k if 4.0 - k < k else k
    x = 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)
    return v - chroma * x


@numba.njit(cache=True, nogil=True)
def _hue_saturation(image: np.ndarray, turn: float, saturation: float) -> np.ndarray:
    """Hue in sixths of a turn [0, 6); ``turn`` in [0, 6), ``saturation`` in [-1, 1].

    Written branch-free over planar float arrays so that LLVM vectorises the main loop.
    """
    src = image.reshape(-1)
    n = src.size // 3
    red, green, blue = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        red[i], green[i], blue[i] = src[3 * i], src[3 * i + 1], src[3 * i + 2]
    for i in range(n):
        r, g, b = red[i], green[i], blue[i]
        v = r if r > g else g
        v = v if v > b else b
        low = r if r < g else g
        low = low if low < b else b
        d = v - low
        inv = 1.0 / (d if d > 0.0 else 1.0)
        hue = (g - b) * inv
        hue = (b - r) * inv + 2.0 if v != r and v == g else hue
        hue = (r - g) * inv + 4.0 if v != r and v != g else hue
        hue += turn  # in [-1, 11): wrap to [0, 6)
        hue = hue + 6.0 if hue < 0.0 else hue
        hue = hue - 6.0 if hue >= 6.0 else hue
        s = d / (v if v > 0.0 else 1.0) + saturation
        chroma = v * (0.0 if s < 0.0 else (1.0 if s > 1.0 else s))
        red[i] = _hsv_component(v, chroma, 5.0 + hue) + 0.5
        green[i] = _hsv_component(v, chroma, 3.0 + hue) + 0.5
        blue[i] = _hsv_component(v, chroma, 1.0 + hue) + 0.5
    out = np.empty_like(src)
    for i in range(n):
        out[3 * i], out[3 * i + 1], out[3 * i + 2] = red[i], green[i], blue[i]
    return out.reshape(image.shape)


def hue_saturation(image: np.ndarray, hue: int = 0, saturation: int = 0) -> np.ndarray:
    """Add to hue and saturation in HSV (imgaug ``AddToHueAndSaturation``-like).

    ``hue`` (int, -255..255) turns the hue by ``hue / 255`` of a full circle, wrapping around
    (imgaug's units: OpenCV's 0..180 hue scaled to 0..255). ``saturation`` (int, -255..255) is
    added to OpenCV's saturation (0..255) and clipped: -255 gives the grey image with
    ``R = G = B = max(R, G, B)``. Value (``max(R, G, B)``) is kept. Unlike imgaug this works in
    floating point, without 8-bit HSV rounding, so ``hue = saturation = 0`` returns the image
    exactly. Grey (``C = 1``) images are returned unchanged (as a copy).
    """
    image = _check_image(image)
    hue = check_int("hue", hue, -255, 255)
    saturation = check_int("saturation", saturation, -255, 255)
    if image.shape[2] == 1:
        return image.copy()
    return _hue_saturation(image, (hue * 6.0 / 255.0) % 6.0, saturation / 255.0)


def rotate_texture(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise) about the centre, bilinear, zero fill."""
    image = _check_image(image)
    return rotate(image, _check_finite("rotation angle", angle))
