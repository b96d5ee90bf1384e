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
    work = _Work(parts[0].stop, batch)
    for part in parts:
        _rotate(batch[part], maps[part], border, work, out[part])
    return out[:, 0] if planar else out


class _Work:
    """Buffers for the pieces of one batch (sized for the largest, sliced for each): fresh
    temporaries of a piece cost as much again in page faults on CPU.

    ``taps`` (``(4, n, C, H * W)``) holds the four taps of every pixel in the source's dtype,
    ``values`` the same as float64, ``rows`` (``(2, n, C, H * W)`` float32) the two
    interpolations along the rows."""

    def __init__(self, n: int, batch: torch.Tensor) -> None:
        _, channels, height, width = batch.shape
        device = batch.device
        pixels = (n, height, width)
        self.src_x = torch.empty(pixels, dtype=torch.float64, device=device)
        self.src_y = torch.empty(pixels, dtype=torch.float64, device=device)
        self.left = torch.empty(pixels, dtype=torch.float64, device=device)
        self.top = torch.empty(pixels, dtype=torch.float64, device=device)
        self.weight = torch.empty(pixels, dtype=torch.float32, device=device)
        self.first = torch.empty((n, 1, height * width), dtype=torch.int64, device=device)
        taps = (4, n, channels, height * width)
        self.taps = torch.empty(taps, dtype=batch.dtype, device=device)
        self.values = torch.empty(taps, dtype=torch.float64, device=device)
        self.rows = torch.empty((2, *taps[1:]), dtype=torch.float32, device=device)


def _rotate(
    batch: torch.Tensor, maps: torch.Tensor, border: str, work: _Work, out: torch.Tensor
) -> None:
    """:func:`rotate` of ``(n, C, H, W)`` by the inverse maps ``(n, 2, 3)`` float64 into
    ``out`` (``(n, C, H, W)``, the dtype of ``batch``), using the buffers of ``work``.

    Each output pixel reads the four taps around its float64 source position from the image
    in a frame as ``border`` says (two zero pixels, or mirrored as far as a rotation reaches),
    in the source's dtype, then as float64: the float32 operations of OpenCV's kernel are
    worked exactly in float64 (the products of float32 factors and grey levels or float32
    values are exact there, so ``addcmul`` rounds once whether or not it fuses) and rounded to
    float32 where OpenCV rounds, so each fused multiply-add rounds once."""
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
    if border == "zero":  # every tap outside reads a zero of a two-pixel frame
        pad_y = pad_x = 2
        source = torch.nn.functional.pad(batch, (2, 2, 2, 2))
    else:  # a mirrored frame as wide as a rotation reaches outside the image, plus two
        reach = math.hypot(height - 1, width - 1) / 2.0
        pad_y = math.ceil(max(0.0, reach - (height - 1) / 2.0)) + 2
        pad_x = math.ceil(max(0.0, reach - (width - 1) / 2.0)) + 2
        if pad_y < height and pad_x < width:  # torch's "reflect" is OpenCV's REFLECT_101
            source = torch.nn.functional.pad(batch, (pad_x, pad_x, pad_y, pad_y), mode="reflect")
        else:  # a frame wider than the image: mirrored more than once
            rows = _reflect(torch.arange(-pad_y, height + pad_y, device=device), height)
            cols = _reflect(torch.arange(-pad_x, width + pad_x, device=device), width)
            source = batch.index_select(2, rows).index_select(3, cols)
    stride = width + 2 * pad_x
    left = left.clamp_(-pad_x, width + pad_x - 2)  # whole numbers: exact in any order
    first = left.add_(top.clamp_(-pad_y, height + pad_y - 2), alpha=stride)
    first = first.add_(pad_y * stride + pad_x)
    index = work.first[:n].copy_(first.view(n, 1, -1)).expand(n, channels, -1)
    flat = source.reshape(n, channels, -1)
    taps = work.taps[:, :n]
    for buffer, offset in zip(taps, (0, 1, stride, stride + 1), strict=True):
        torch.gather(flat[:, :, offset:], 2, index, out=buffer)  # flat[..., first + offset]
    values = work.values[:, :n].copy_(taps)
    near, far = values[:2], values[2:]  # (top-left, top-right), (bottom-left, bottom-right)
    rows = work.rows[:, :n]
    step = far.sub_(near)  # the steps down the two columns of taps
    if batch.dtype != torch.uint8:  # differences of grey levels are exact in float32
        step.copy_(rows.copy_(step))
    upper, lower = rows.copy_(near.addcmul_(step, fy))  # float32 p0 + fy * (p2 - p0)
    result = values[0].copy_(upper).addcmul_(values[1].copy_(lower.sub_(upper)), fx)
    result = lower.copy_(result).view(n, channels, height, width)
    if batch.dtype == torch.uint8:  # an interpolation of grey levels stays in [0, 255]
        result = result.round_()
    out.copy_(result)


def _reflect(index: torch.Tensor, size: int) -> torch.Tensor:
    """``index`` mirrored into ``[0, size)`` (OpenCV's ``BORDER_REFLECT_101``)."""
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    folded = index.abs() % period
    return torch.where(folded >= size, period - folded, folded)
