"""Batched rotation about the image centre, as :func:`synthdefect.functional.geometry.rotate`.

OpenCV 5's ``warpAffine`` (bilinear) maps each output pixel to float64 source coordinates,
interpolates in float32 along the rows first with fused multiply-adds, and rounds ``uint8``
results to nearest. This module does the same: ``uint8`` results match OpenCV's to within one
grey level (almost all pixels exactly), ``float32`` ones to within one unit in the last place.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from synthdefect.functional.geometry import BORDERS, rotation_matrix

__all__ = ["fma32", "rotate"]


def fma32(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """``a * b + c`` rounded once to float32 (a fused multiply-add), from float32 operands."""
    return torch.addcmul(c.double(), a.double(), b.double()).float()


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
    m = torch.as_tensor(inverse, dtype=torch.float64, device=batch.device)[:, :, :, None, None]
    ys = torch.arange(height, dtype=torch.float64, device=batch.device)[:, None]
    xs = torch.arange(width, dtype=torch.float64, device=batch.device)[None, :]
    src_x = m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]  # (n, H, W)
    src_y = m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]
    left, top = src_x.floor(), src_y.floor()
    fx = (src_x - left).float()[:, None]
    fy = (src_y - top).float()[:, None]
    if border == "zero":  # a two-pixel frame of zeros: every tap outside reads a zero of it
        source = torch.nn.functional.pad(batch, (2, 2, 2, 2))
        stride = width + 4
        rows, cols = top.clamp_(-2, height).long() + 2, left.clamp_(-2, width).long() + 2
        first = rows * stride + cols
        index = [first, first + 1, first + stride, first + stride + 1]
    else:
        source = batch
        rows = [_reflect((top + dy).long(), height) * width for dy in (0, 1)]
        cols = [_reflect((left + dx).long(), width) for dx in (0, 1)]
        index = [rows[0] + cols[0], rows[0] + cols[1], rows[1] + cols[0], rows[1] + cols[1]]
    flat = source.reshape(n, channels, -1)

    def tap(at: torch.Tensor) -> torch.Tensor:
        at = at.reshape(n, 1, -1).expand(n, channels, -1)
        return flat.gather(2, at).reshape(n, channels, height, width).float()

    p00, p01, p10, p11 = (tap(at) for at in index)
    upper = fma32(fy, p10 - p00, p00)
    lower = fma32(fy, p11 - p01, p01)
    out = fma32(fx, lower - upper, upper)
    if batch.dtype == torch.uint8:
        out = out.round_().clamp_(0, 255).to(torch.uint8)
    else:
        out = out.to(batch.dtype)
    return out[:, 0] if planar else out


def _reflect(index: torch.Tensor, size: int) -> torch.Tensor:
    """``index`` mirrored into ``[0, size)`` (OpenCV's ``BORDER_REFLECT_101``)."""
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    folded = index.abs() % period
    return torch.where(folded >= size, period - folded, folded)
