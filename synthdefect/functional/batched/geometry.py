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
    return (a.double() * b.double() + c.double()).float()


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
    left, top = left.long(), top.long()
    flat = batch.reshape(n, channels, height * width).float()

    def tap(dy: int, dx: int) -> torch.Tensor:
        rows, row_in = _border_index(top + dy, height, border)
        cols, col_in = _border_index(left + dx, width, border)
        index = (rows * width + cols).reshape(n, 1, -1).expand(n, channels, -1)
        values = flat.gather(2, index).reshape(n, channels, height, width)
        if border == "zero":
            values = values * (row_in & col_in)[:, None]
        return values

    p00, p01, p10, p11 = tap(0, 0), tap(0, 1), tap(1, 0), tap(1, 1)
    upper = fma32(fy, p10 - p00, p00)
    lower = fma32(fy, p11 - p01, p01)
    out = fma32(fx, lower - upper, upper)
    if batch.dtype == torch.uint8:
        out = out.round().clamp_(0, 255).to(torch.uint8)
    else:
        out = out.to(batch.dtype)
    return out[:, 0] if planar else out


def _border_index(index: torch.Tensor, size: int, border: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices within ``[0, size)`` for ``index`` and whether each was inside: clamped for the
    zero border (the caller zeroes those outside), mirrored for ``reflect`` (OpenCV's
    ``BORDER_REFLECT_101``)."""
    inside = (index >= 0) & (index < size)
    if border == "zero":
        return index.clamp(0, size - 1), inside
    if size == 1:
        return torch.zeros_like(index), inside
    period = 2 * (size - 1)
    folded = index.abs() % period
    return torch.where(folded >= size, period - folded, folded), inside
