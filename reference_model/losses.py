"""DRAEM's training loss: L2 + (1 - SSIM) on the reconstruction, focal loss on the segmentation.

All functions take ``float32`` ``(B, C, H, W)`` tensors; images are in [0, 1]. The defaults
follow DRAEM's released code: SSIM's dynamic range is read from the first image (2 once its
minimum falls below -0.5) and the focal loss smooths its target by 1e-5. Soft masks in [0, 1]
are the focal loss's soft targets (see :func:`focal_loss`), not thresholded.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

__all__ = [
    "FOCAL_SMOOTH",
    "LOSS_NAMES",
    "SSPCAB_WEIGHT",
    "DraemLosses",
    "draem_loss",
    "dynamic_range",
    "focal_loss",
    "gaussian_window",
    "ssim",
]

#: The loss terms every run logs, in :meth:`DraemLosses.terms` order (``sspcab`` follows when on).
LOSS_NAMES = ("l2", "ssim", "focal")

#: Weight of SSPCAB's self-reconstruction loss (Ristea et al.: lambda = 0.1).
SSPCAB_WEIGHT = 0.1

#: The focal loss's one-hot smoothing in DRAEM's released code.
FOCAL_SMOOTH = 1e-5


def gaussian_window(size: int = 11, sigma: float = 1.5, **tensor_kwargs) -> torch.Tensor:
    """Normalised 2-D Gaussian kernel, ``(size, size)``, summing to 1 (``sigma`` in pixels)."""
    coords = torch.arange(size, **tensor_kwargs) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)


def dynamic_range(x: torch.Tensor) -> torch.Tensor:
    """SSIM's ``L`` as DRAEM's released code reads it from ``x``: max (255 if ``x.max() > 128``
    else 1) minus min (-1 if ``x.min() < -0.5`` else 0). A 0-dim tensor on ``x``'s device (no
    host synchronisation)."""
    high = torch.where(x.max() > 128, 255.0, 1.0)
    low = torch.where(x.min() < -0.5, -1.0, 0.0)
    return (high - low).to(x.dtype)


def ssim(
    x: torch.Tensor,
    y: torch.Tensor,
    window_size: int = 11,
    sigma: float = 1.5,
    data_range: float | None = None,
) -> torch.Tensor:
    """Mean structural similarity of two ``(B, C, H, W)`` batches, a 0-dim tensor in [-1, 1].

    Local statistics come from a Gaussian window applied per channel with zero padding of
    ``window_size // 2`` (so the SSIM map has the input's size); constants
    ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2`` with ``L = data_range``, or ``None`` (default):
    :func:`dynamic_range` of ``x``, as DRAEM's released code does with the reconstruction.
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
    if data_range is None:
        data_range = dynamic_range(x)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    )
    return ssim_map.mean()


def focal_loss(
    logits: torch.Tensor,
    mask: torch.Tensor,
    gamma: float = 2.0,
    smooth: float = FOCAL_SMOOTH,
    eps: float = 1e-6,
) -> torch.Tensor:
    """Focal loss ``-(1 - p_t)^gamma log(p_t)`` averaged over pixels, a 0-dim tensor >= 0.

    ``logits``: ``(B, K, H, W)``; ``mask``: ``(B, 1, H, W)`` or ``(B, H, W)``. The target is a
    distribution over the K classes per pixel: with two classes a float mask ``m`` in [0, 1] is
    the target ``(1 - m, m)``, so soft masks (``fpi``'s alpha) are learnt as they are and 0/1
    masks are DRAEM's one-hot targets; otherwise the mask holds class indices, one-hot. As in
    DRAEM's released code, ``p_t = sum(target * softmax)``; with ``smooth`` > 0 the target is
    first clamped to ``[smooth / (K - 1), 1 - smooth]`` and ``p_t = sum(...) + smooth``. ``eps``
    clamps ``p_t`` away from 0 so the log stays finite.
    """
    mask = mask.reshape(mask.shape[0], 1, *mask.shape[-2:])
    classes = logits.shape[1]
    if classes == 2 and mask.is_floating_point():
        target = torch.cat((1.0 - mask, mask), dim=1).to(logits.dtype)
    else:
        target = F.one_hot(mask[:, 0].round().long(), classes).permute(0, 3, 1, 2)
        target = target.to(logits.dtype)
    if smooth:
        target = target.clamp(smooth / (classes - 1), 1.0 - smooth)
    p_t = (target * torch.softmax(logits, dim=1)).sum(dim=1, keepdim=True)
    if smooth:
        p_t = p_t + smooth
    p_t = p_t.clamp_min(eps)
    return (-((1.0 - p_t) ** gamma) * torch.log(p_t)).mean()


class DraemLosses(NamedTuple):
    """The terms (0-dim tensors) and their sum, which is what is minimised.

    ``sspcab``: SSPCAB's self-reconstruction error (unweighted), ``None`` without SSPCAB.
    """

    l2: torch.Tensor
    ssim: torch.Tensor
    focal: torch.Tensor
    sspcab: torch.Tensor | None = None

    @property
    def total(self) -> torch.Tensor:
        total = self.l2 + self.ssim + self.focal
        return total if self.sspcab is None else total + SSPCAB_WEIGHT * self.sspcab

    def terms(self) -> list[torch.Tensor]:
        """The terms named by :data:`LOSS_NAMES`, then ``sspcab`` when present."""
        return [self.l2, self.ssim, self.focal, *([] if self.sspcab is None else [self.sspcab])]


def draem_loss(
    reconstruction: torch.Tensor,
    clean: torch.Tensor,
    logits: torch.Tensor,
    mask: torch.Tensor,
    sspcab_error: torch.Tensor | None = None,
) -> DraemLosses:
    """Loss terms: ``mean((I_r - I)^2)``, ``1 - SSIM(I_r, I)``, focal(softmax(logits), mask),
    and SSPCAB's ``sspcab_error`` (weighted by :data:`SSPCAB_WEIGHT` in the total) if given."""
    return DraemLosses(
        l2=F.mse_loss(reconstruction, clean),
        ssim=1.0 - ssim(reconstruction, clean),
        focal=focal_loss(logits, mask),
        sspcab=sspcab_error,
    )
