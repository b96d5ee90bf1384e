"""DRAEM's training loss: L2 + (1 - SSIM) on the reconstruction, focal loss on the segmentation.

All functions take ``float32`` ``(B, C, H, W)`` tensors; images are in [0, 1].
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

__all__ = ["DraemLosses", "draem_loss", "focal_loss", "gaussian_window", "ssim"]


def gaussian_window(size: int = 11, sigma: float = 1.5, **tensor_kwargs) -> torch.Tensor:
    """Normalised 2-D Gaussian kernel, ``(size, size)``, summing to 1 (``sigma`` in pixels)."""
    coords = torch.arange(size, **tensor_kwargs) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)


def ssim(
    x: torch.Tensor,
    y: torch.Tensor,
    window_size: int = 11,
    sigma: float = 1.5,
    data_range: float = 1.0,
) -> torch.Tensor:
    """Mean structural similarity of two ``(B, C, H, W)`` batches, a 0-dim tensor in [-1, 1].

    Local statistics come from a Gaussian window applied per channel with zero padding of
    ``window_size // 2`` (so the SSIM map has the input's size); constants
    ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2`` with ``L = data_range``.
    """
    channels = x.shape[1]
    window = gaussian_window(window_size, sigma, dtype=x.dtype, device=x.device)
    window = window.expand(channels, 1, window_size, window_size)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, window, padding=window_size // 2, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    )
    return ssim_map.mean()


def focal_loss(
    logits: torch.Tensor, mask: torch.Tensor, gamma: float = 2.0, eps: float = 1e-6
) -> torch.Tensor:
    """Focal loss ``-(1 - p_t)^gamma log(p_t)`` averaged over pixels, a 0-dim tensor >= 0.

    ``logits``: ``(B, K, H, W)``; ``p_t`` is the softmax probability of the target class.
    ``mask``: ``(B, 1, H, W)`` or ``(B, H, W)`` class indices (0/1 floats accepted).
    ``eps`` clamps ``p_t`` away from 0 so the log stays finite.
    """
    target = mask.reshape(mask.shape[0], 1, *mask.shape[-2:]).round().long()
    p_t = torch.softmax(logits, dim=1).gather(1, target).clamp_min(eps)
    return (-((1.0 - p_t) ** gamma) * torch.log(p_t)).mean()


class DraemLosses(NamedTuple):
    """The three terms (0-dim tensors) and their sum, which is what is minimised."""

    l2: torch.Tensor
    ssim: torch.Tensor
    focal: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        return self.l2 + self.ssim + self.focal


def draem_loss(
    reconstruction: torch.Tensor, clean: torch.Tensor, logits: torch.Tensor, mask: torch.Tensor
) -> DraemLosses:
    """Loss terms: ``mean((I_r - I)^2)``, ``1 - SSIM(I_r, I)``, focal(softmax(logits), mask)."""
    return DraemLosses(
        l2=F.mse_loss(reconstruction, clean),
        ssim=1.0 - ssim(reconstruction, clean),
        focal=focal_loss(logits, mask),
    )
