"""Batched texture ops: :mod:`synthdefect.functional.texture_ops` on ``(n, C, H, W)`` ``uint8``
tensors, each sample with its own parameters.

Every batched op takes the images and one keyword dict per sample, holding the arguments of
its numpy twin (the ``TextureAugment`` record entries without ``"op"``), and returns new
``uint8`` images equal to the twin's. :data:`BATCHED_OPS` maps each numpy kernel to its batched
form; a kernel missing there has none (its samples fall back to the host).

The point ops (:data:`synthdefect.functional.point_ops.POINT_OPS`: posterize, solarize, invert,
brightness, gamma, scale_channels, equalize, autocontrast) have no entry: :class:`PendingTables`
composes each sample's consecutive point ops into one table per channel on the host, with the
numpy twins' own table functions (histograms counted on the device), and applies them with one
lookup when the sample's next op needs its pixels, as the host path does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from synthdefect.functional import texture_ops as F
from synthdefect.functional.batched.chunks import chunks
from synthdefect.functional.batched.geometry import rotate
from synthdefect.functional.point_ops import POINT_OPS, compose_tables, histograms_through

__all__ = ["BATCHED_OPS", "BatchedOp", "PendingTables", "apply_tables", "histograms"]

Kwargs = Sequence[Mapping[str, Any]]
BatchedOp = Callable[[torch.Tensor, Kwargs], torch.Tensor]


def apply_tables(images: torch.Tensor, tables: np.ndarray | torch.Tensor) -> torch.Tensor:
    """``out[i, c] = tables[i, c][images[i, c]]``; ``tables`` is ``(n, 1 or C, 256)`` ``uint8``
    (one table for all channels, or one per channel)."""
    n, channels, height, width = images.shape
    tables = torch.as_tensor(tables, device=images.device).expand(n, channels, 256)
    flat = images.reshape(n, channels, height * width).long()
    return tables.gather(2, flat).reshape(images.shape)


def histograms(images: torch.Tensor) -> torch.Tensor:
    """Per-channel 256-bin histograms of ``(n, C, H, W)`` ``uint8``: ``(n, C, 256)`` int64.
    The bins are counted from int32 indices (``uint8`` plus each channel's offset, one pass;
    int64 ones cost twice as much on CPU)."""
    n, channels = images.shape[:2]
    offsets = torch.arange(n * channels, dtype=torch.int32, device=images.device) * 256
    flat = torch.add(images.reshape(n * channels, -1), offsets[:, None])  # int32
    counts = torch.bincount(flat.reshape(-1), minlength=n * channels * 256)
    return counts.reshape(n, channels, 256)


def _factors(images: torch.Tensor, kwargs: Kwargs, name: str) -> torch.Tensor:
    """``(n, 1, 1, 1)`` float64 of each sample's ``name`` (a factor >= 0)."""
    values = [F.check_factor(name, k["factor"]) for k in kwargs]
    return torch.tensor(values, dtype=torch.float64, device=images.device)[:, None, None, None]


def _blended(base: torch.Tensor, value: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``clip(round(base + factor * (value - base)), 0, 255)`` as ``uint8`` for integer grey
    levels ``base`` (broadcast to ``value``'s shape) and ``value``, ``(n, ...)``, and ``factor``
    ``(n, 1, 1, 1)``: looked up in one 256 x 256 table per sample, worked with the numba
    kernel's float64 operations on every pair of levels."""
    n = value.shape[0]
    levels = torch.arange(256, dtype=torch.float64, device=value.device)
    low, high = levels[:, None], levels[None, :]
    tables = (low + factor.reshape(n, 1, 1) * (high - low) + 0.5).clamp_(0.0, 255.0)
    first = torch.arange(n, dtype=torch.int32, device=value.device).mul_(65536)  # each table
    index = base.int().mul_(256).add_(first[:, None, None, None]).add(value)  # int32
    return (
        tables.to(torch.uint8).reshape(-1).index_select(0, index.reshape(-1)).reshape(value.shape)
    )


def _sharpness(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    factor = _factors(images, kwargs, "sharpness factor")
    height, width = images.shape[2:]
    if height < 3 or width < 3:
        return images.clone()
    src = images.short()  # 13 * 255 fits
    rows = src[:, :, :, :-2] + src[:, :, :, 1:-1] + src[:, :, :, 2:]
    total = rows[:, :, :-2] + rows[:, :, 1:-1] + rows[:, :, 2:]  # the 3 x 3 sums
    centre = src[:, :, 1:-1, 1:-1]
    total = total.add_(centre, alpha=4).int()  # the kernel's centre weighs 5
    smooth = total.add_(6).mul_(5042).bitwise_right_shift_(16)  # == round(total / 13)
    out = images.clone()
    out[:, :, 1:-1, 1:-1] = _blended(smooth, centre, factor)
    return out


def _luma(images: torch.Tensor) -> torch.Tensor:
    """Pillow's ``"L"`` (ITU-R 601-2, integer rounding) of RGB ``(n, 3, H, W)``: ``(n, 1, H, W)``
    int32; the one channel of grey images."""
    if images.shape[1] == 1:
        return images.int()
    r, g, b = images.int().unbind(1)
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)[:, None]


def _color(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    factor = _factors(images, kwargs, "color factor")
    if images.shape[1] == 1:
        return images.clone()
    return _blended(_luma(images), images, factor)


def _contrast(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    factor = _factors(images, kwargs, "contrast factor")
    luma = _luma(images)
    mean = luma.sum(dim=(1, 2, 3), dtype=torch.int64).double() / luma[0].numel()
    mean = (mean + 0.5).floor()[:, None, None, None]
    levels = torch.arange(256, dtype=torch.float64, device=images.device)
    tables = ((mean + factor * (levels - mean)) + 0.5).floor().clamp(0, 255).to(torch.uint8)
    return apply_tables(images, tables[:, :, 0])


def _hue_saturation(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    """The numba kernel's float64 operations in its order; maxima, minima, differences and
    the choice of hue formula in int16 (exact on grey levels), wraps as additions of 0 or 6
    (torch.where is not vectorised on CPU)."""
    if images.shape[1] == 1:
        return images.clone()
    hues = [F.check_int("hue", k.get("hue", 0), -255, 255) for k in kwargs]
    sats = [F.check_int("saturation", k.get("saturation", 0), -255, 255) for k in kwargs]
    device = images.device
    turn = torch.tensor([(h * 6.0 / 255.0) % 6.0 for h in hues], dtype=torch.float64)
    turn = turn.to(device)[:, None, None]
    saturation = torch.tensor([s / 255.0 for s in sats], dtype=torch.float64)
    saturation = saturation.to(device)[:, None, None]
    rgb = images.short()
    r, g, b = rgb.unbind(1)
    top = rgb.amax(1)
    spread = top - rgb.amin(1)
    # the hue's sextant, (g - b) / d at a red maximum, (b - r) / d + 2 at green, (r - g) / d
    # + 4 at blue, picked with masks
    at_r = top == r
    at_g = (top == g) & ~at_r
    at_b = ~(at_r | at_g)
    numerator = ((g - b) * at_r + (b - r) * at_g + (r - g) * at_b).double()
    start = at_g * 2.0 + at_b * 4.0
    v, d = top.double(), spread.double()
    hue = numerator.mul_(d.clamp(min=1.0).reciprocal_()).add_(start).add_(turn)
    hue = hue.add_(hue < 0.0, alpha=6.0)
    hue = hue.add_(hue >= 6.0, alpha=-6.0)
    s = d.div_(v.clamp(min=1.0)).add_(saturation)
    chroma = s.clamp_(0.0, 1.0).mul_(v)
    offsets = torch.tensor([5.0, 3.0, 1.0], dtype=torch.float64, device=device)
    k = hue[:, None] + offsets[:, None, None]  # (n, 3, H, W): red, green, blue
    k = k.add_(k >= 6.0, alpha=-6.0)
    x = torch.minimum(4.0 - k, k, out=k).clamp_(0.0, 1.0)
    return torch.sub(v[:, None], x.mul_(chroma[:, None]), out=x).add_(0.5).to(torch.uint8)


def _rotate_texture(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    angles = [float(k["angle"]) for k in kwargs]
    if not all(math.isfinite(a) for a in angles):
        raise ValueError(f"rotation angles must be finite, got {angles}")
    return rotate(images, angles, border="zero")


def _hflip(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    return images.flip(3)


def _vflip(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    return images.flip(2)


def _grayscale(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
    return _luma(images).to(torch.uint8).expand(images.shape).contiguous()


def _in_pieces(op: BatchedOp) -> BatchedOp:
    """``op`` over the batch's :func:`~synthdefect.functional.batched.chunks.chunks` (cache-sized
    pieces on CPU, the whole batch elsewhere): each sample's result depends on that sample and
    its kwargs alone, so the pieces give the values of one pass."""

    def run(images: torch.Tensor, kwargs: Kwargs) -> torch.Tensor:
        pieces = list(chunks(len(images), images[0].numel(), images.device))
        if len(pieces) == 1:
            return op(images, kwargs)
        out = torch.empty_like(images)
        for part in pieces:
            out[part] = op(images[part], kwargs[part])
        return out

    return run


_OPS: dict[Callable[..., np.ndarray], BatchedOp] = {
    F.sharpness: _sharpness,
    F.color: _color,
    F.contrast: _contrast,
    F.hue_saturation: _hue_saturation,
    F.rotate_texture: _rotate_texture,
    F.hflip: _hflip,
    F.vflip: _vflip,
    F.grayscale: _grayscale,
}

BATCHED_OPS: dict[Callable[..., np.ndarray], BatchedOp] = {
    kernel: _in_pieces(op) for kernel, op in _OPS.items()
}
"""The numpy kernel -> its batched form (``op(images, kwargs_per_sample)``)."""


class PendingTables:
    """The point ops of each of ``n`` samples (``channels`` channels) not yet applied to their
    pixels, as one ``(channels, 256)`` table per sample (see module doc).

    :meth:`then` adds a point op to some samples (reading the histograms of their pixels on
    the device when the op needs them); :meth:`applied` returns rows of the images with their
    samples' tables applied and forgets those tables (the caller then changes those pixels or
    is done). Histograms are kept per sample until its pixels change.
    """

    def __init__(self, n: int, channels: int) -> None:
        self.channels = channels
        self._tables: list[np.ndarray | None] = [None] * n
        self._counts: list[np.ndarray | None] = [None] * n

    def then(
        self, images: torch.Tensor, members: Sequence[int], kernel: Callable, kwargs: Kwargs
    ) -> None:
        """Add ``kernel`` (a key of ``POINT_OPS``) with ``kwargs[i]`` to sample ``members[i]``
        of ``images`` (``(n, C, H, W)`` ``uint8``, all the samples, as they are now)."""
        op = POINT_OPS[kernel]
        if op.uses_histogram:
            self._count(images, [b for b in members if self._counts[b] is None])
        for b, k in zip(members, kwargs, strict=True):
            pending, hist = self._tables[b], self._counts[b] if op.uses_histogram else None
            if hist is not None and pending is not None:
                hist = histograms_through(hist, pending)  # of the pixels the tables would give
            tables = op.tables(hist, self.channels, **k)
            self._tables[b] = tables if pending is None else compose_tables(pending, tables)

    def _count(self, images: torch.Tensor, samples: list[int]) -> None:
        """Keep the histograms of the pixels of ``samples`` (counted on the device)."""
        if samples:
            index = torch.tensor(samples, device=images.device)
            counts = histograms(images.index_select(0, index)).cpu().numpy()
            for b, hist in zip(samples, counts, strict=True):
                self._counts[b] = hist

    def applied(self, rows: torch.Tensor, members: Sequence[int]) -> torch.Tensor:
        """``rows`` (the images of samples ``members``, in that order) with the samples' pending
        tables applied; the tables are then forgotten, and so are the samples' histograms."""
        tables = [self._tables[b] for b in members]
        for b in members:
            self._tables[b] = self._counts[b] = None
        changed = [i for i, t in enumerate(tables) if t is not None]
        if not changed:
            return rows
        full = (self.channels, 256)
        stacked = np.stack(
            [np.broadcast_to(F.table_rows(tables[i], self.channels), full) for i in changed]
        )
        if len(changed) == len(members):
            return apply_tables(rows, stacked)
        index = torch.tensor(changed, device=rows.device)
        return rows.index_copy(0, index, apply_tables(rows.index_select(0, index), stacked))
