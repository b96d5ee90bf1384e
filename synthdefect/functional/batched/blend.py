"""Batched beta blending, as :func:`synthdefect.functional.blend.beta_blend` (same float32
arithmetic, so results are equal)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from synthdefect.functional.batched.chunks import chunks

__all__ = ["beta_blend"]


def beta_blend(
    images: torch.Tensor, textures: torch.Tensor, masks: torch.Tensor, betas: Sequence[float]
) -> torch.Tensor:
    """``I + beta * M * (A - I)`` for each sample: ``images`` ``(n, C, H, W)`` ``uint8``
    [0, 255] (rounded half up, clipped) or ``float32`` [0, 1]; ``textures`` ``uint8`` of that
    shape; ``masks`` ``(n, H, W)`` float in [0, 1]; ``betas`` ``n`` opacities in [0, 1]."""
    if any(not 0.0 <= b <= 1.0 for b in betas):
        raise ValueError(f"beta must be in [0, 1], got {list(betas)}")
    beta = torch.tensor(list(betas), dtype=torch.float32, device=images.device)
    out = torch.empty_like(images)
    for part in chunks(len(beta), images[0].numel(), images.device):
        out[part] = _blend(images[part], textures[part], masks[part], beta[part])
    return out


def _blend(
    images: torch.Tensor, textures: torch.Tensor, masks: torch.Tensor, beta: torch.Tensor
) -> torch.Tensor:
    """:func:`beta_blend` of a piece of the batch, ``beta`` float32 ``(n,)``."""
    weight = (masks.float() * beta[:, None, None])[:, None]
    rounding = images.dtype == torch.uint8
    value = images.float()
    blended = textures.float()
    if not rounding:
        blended.mul_(torch.tensor(1.0 / 255.0, dtype=torch.float32))
    blended = blended.sub_(value).mul_(weight).add_(value)  # exactly the value where weight is 0
    if rounding:
        blended = blended.add_(0.5).clamp_(0.0, 255.0)
    return blended.to(images.dtype)
