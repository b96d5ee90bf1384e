"""Batched rotation about the image centre, as :func:`synthdefect.functional.geometry.rotate`.

OpenCV 5's ``warpAffine`` (bilinear) maps each output pixel to float64 source coordinates,
interpolates in float32 along the rows first with fused multiply-adds, and rounds ``uint8``
results to nearest. This module does the same: ``uint8`` results match OpenCV's to within one
grey level (almost all pixels exactly), ``float32`` ones to within one unit in the last place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import torch

from synthdefect.functional.batched.chunks import chunks
from synthdefect.functional.geometry import BORDERS, rotation_matrix

__all__ = ["rotate"]


def rotate(images: torch.Tensor, angles: Sequence[float], border: str = "zero") -> torch.Tensor:
    """Rotate each image of ``images`` by its angle (degrees, counter-clockwise) about its
    centre, bilinear, keeping the size.

    ``images`` is ``(B, C, H, W)`` ``uint8`` or ``float32`` (or ``(B, H, W)``), ``angles`` holds
    ``B`` floats, ``border`` is ``"zero"`` or ``"reflect"`` (see
    :data:`~synthdefect.functional.geometry.BORDERS`). Returns a new tensor of the same dtype.
    """
    if border not in BORDERS:
        raise ValueError(f"unknown border {border!r}; choose one of {sorted(BORDERS)}")
    planar = images.ndim == 3
    batch = images[:, None] if planar else images
    n, channels, height, width = batch.shape
    if len(angles) != n:
        raise ValueError(f"got {len(angles)} angles for {n} images")
    if n == 0:
        return images.clone()
    inverse = np.stack(
        [cv2.invertAffineTransform(rotation_matrix(height, width, a)) for a in angles]
    )
    maps = torch.as_tensor(inverse, dtype=torch.float64, device=batch.device)
    out = torch.empty_like(batch)
    parts = list(chunks(n, channels * height * width, batch.device))
    work = _Work(parts[0].stop, batch, border)
    for part in parts:
        _rotate(batch[part], maps[part], work, out[part])
    return out[:, 0] if planar else out


def _pads(height: int, width: int, border: str) -> tuple[int, int]:
    """The frame around an image (rows, columns on each side) that every tap of a rotation
    reads inside: two zero pixels, or a mirrored frame as wide as a rotation reaches outside
    the image, plus two."""
    if border == "zero":
        return 2, 2
    reach = math.hypot(height - 1, width - 1) / 2.0
    pad_y = math.ceil(max(0.0, reach - (height - 1) / 2.0)) + 2
    pad_x = math.ceil(max(0.0, reach - (width - 1) / 2.0)) + 2
    return pad_y, pad_x


class _Work:
    """Buffers for the pieces of one batch (sized for the largest, sliced for each): fresh
    temporaries of a piece cost as much again in page faults on CPU.

    ``frame`` holds the images of a piece in their frame (zero, or mirrored for ``"reflect"``),
    ``taps`` (``(4, n, C, H * W)``) the four taps of every pixel, both in the source's dtype;
    ``values`` the taps as float64, ``rows`` (``(2, n, C, H * W)`` float32) the two
    interpolations along the rows, ``levels`` (``(n, C, H, W)`` ``int32``, for ``uint8``) the
    rounded results."""

    def __init__(self, n: int, batch: torch.Tensor, border: str) -> None:
        _, channels, height, width = batch.shape
        device = batch.device
        self.mirrored = border == "reflect"
        self.pads = _pads(height, width, border)
        pixels = (n, height, width)
        self.src_x = torch.empty(pixels, dtype=torch.float64, device=device)
        self.src_y = torch.empty(pixels, dtype=torch.float64, device=device)
        self.left = torch.empty(pixels, dtype=torch.float64, device=device)
        self.top = torch.empty(pixels, dtype=torch.float64, device=device)
        self.weight = torch.empty(pixels, dtype=torch.float32, device=device)
        self.first = torch.empty((n, 1, height * width), dtype=torch.int64, device=device)
        pad_y, pad_x = self.pads
        frame = (n, channels, height + 2 * pad_y, width + 2 * pad_x)
        self.frame = torch.zeros(frame, dtype=batch.dtype, device=device)  # the zero border stays
        taps = (4, n, channels, height * width)
        self.taps = torch.empty(taps, dtype=batch.dtype, device=device)
        self.values = torch.empty(taps, dtype=torch.float64, device=device)
        self.rows = torch.empty((2, *taps[1:]), dtype=torch.float32, device=device)
        if batch.dtype == torch.uint8:
            self.levels = torch.empty((n, *batch.shape[1:]), dtype=torch.int32, device=device)


def _rotate(batch: torch.Tensor, maps: torch.Tensor, work: _Work, out: torch.Tensor) -> None:
    """:func:`rotate` of ``(n, C, H, W)`` by the inverse maps ``(n, 2, 3)`` float64 into
    ``out`` (``(n, C, H, W)``, the dtype of ``batch``), using the buffers of ``work``.

    Each output pixel reads the four taps around its float64 source position from the image
    in its frame (two zero pixels, or mirrored as far as a rotation reaches), in the source's
    dtype, then as float64: the float32 operations of OpenCV's kernel are worked exactly in
    float64 (the products of float32 factors and grey levels or float32 values are exact
    there, so ``addcmul`` rounds once whether or not it fuses) and rounded to float32 where
    OpenCV rounds, so each fused multiply-add rounds once."""
    n, channels, height, width = batch.shape
    device = batch.device
    m = maps[:, :, :, None, None]
    ys = torch.arange(height, dtype=torch.float64, device=device)[:, None]
    xs = torch.arange(width, dtype=torch.float64, device=device)[None, :]
    src_x = torch.add(m[:, 0, 0] * xs, m[:, 0, 1] * ys, out=work.src_x[:n]).add_(m[:, 0, 2])
    src_y = torch.add(m[:, 1, 0] * xs, m[:, 1, 1] * ys, out=work.src_y[:n]).add_(m[:, 1, 2])
    left = torch.floor(src_x, out=work.left[:n])
    top = torch.floor(src_y, out=work.top[:n])
    weight = work.weight[:n]
    fx = src_x.copy_(weight.copy_(src_x.sub_(left))).view(n, 1, -1)  # float32, as float64
    fy = src_y.copy_(weight.copy_(src_y.sub_(top))).view(n, 1, -1)
    pad_y, pad_x = work.pads
    frame = work.frame[:n]
    frame[:, :, pad_y : pad_y + height, pad_x : pad_x + width] = batch
    if work.mirrored:
        _mirror(frame, pad_y, pad_x)
    stride = width + 2 * pad_x
    left = left.clamp_(-pad_x, width + pad_x - 2)  # whole numbers: exact in any order
    first = left.add_(top.clamp_(-pad_y, height + pad_y - 2), alpha=stride)
    first = first.add_(pad_y * stride + pad_x)
    index = work.first[:n].copy_(first.view(n, 1, -1)).expand(n, channels, -1)
    flat = frame.view(n, channels, -1)
    taps = work.taps[:, :n]
    for buffer, offset in zip(taps, (0, 1, stride, stride + 1), strict=True):
        torch.gather(flat[:, :, offset:], 2, index, out=buffer)  # flat[..., first + offset]
    float32 = batch.dtype == torch.float32
    if float32:  # the steps down the two columns of taps, rounded as OpenCV rounds them
        torch.sub(taps[2:], taps[:2], out=taps[2:])
    values = work.values[:, :n].copy_(taps)
    near, step = values[:2], values[2:]  # (top-left, top-right), the steps down from them
    rows = work.rows[:, :n]
    if not float32:  # step holds (bottom-left, bottom-right) still
        step.sub_(near)
        if batch.dtype != torch.uint8:  # differences of grey levels are exact in float32
            step.copy_(rows.copy_(step))
    upper, lower = rows.copy_(near.addcmul_(step, fy))  # float32 p0 + fy * (p2 - p0)
    result = values[0].copy_(upper).addcmul_(values[1].copy_(lower.sub_(upper)), fx)
    result = lower.copy_(result).view(n, channels, height, width)
    if batch.dtype == torch.uint8:  # an interpolation of grey levels stays in [0, 255]
        result = result.round_()
        result = work.levels[:n].copy_(result)  # float32 to uint8 through int32: 3x faster
    out.copy_(result)


def _mirror(frame: torch.Tensor, pad_y: int, pad_x: int) -> None:
    """Fill the border of ``frame`` (``(n, c, H + 2 pad_y, W + 2 pad_x)``) with its inner
    ``H x W`` image mirrored as OpenCV's ``BORDER_REFLECT_101`` does, in place."""
    height = frame.shape[2] - 2 * pad_y
    width = frame.shape[3] - 2 * pad_x
    if pad_y < height and pad_x < width:  # mirrored once: the columns, then whole rows
        inner = frame[:, :, pad_y : pad_y + height]
        inner[..., :pad_x] = inner[..., pad_x + 1 : 2 * pad_x + 1].flip(-1)
        inner[..., pad_x + width :] = inner[..., width - 1 : width + pad_x - 1].flip(-1)
        frame[:, :, :pad_y] = frame[:, :, pad_y + 1 : 2 * pad_y + 1].flip(-2)
        frame[:, :, pad_y + height :] = frame[:, :, height - 1 : height + pad_y - 1].flip(-2)
    else:  # a frame wider than the image: mirrored more than once
        rows = _reflect(torch.arange(-pad_y, height + pad_y, device=frame.device), height)
        cols = _reflect(torch.arange(-pad_x, width + pad_x, device=frame.device), width)
        image = frame[:, :, pad_y : pad_y + height, pad_x : pad_x + width]
        frame.copy_(image.index_select(2, rows).index_select(3, cols))


def _reflect(index: torch.Tensor, size: int) -> torch.Tensor:
    """``index`` mirrored into ``[0, size)`` (OpenCV's ``BORDER_REFLECT_101``)."""
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    folded = index.abs() % period
    return torch.where(folded >= size, period - folded, folded)
