"""Batched beta blending, as :func:`synthdefect.functional.blend.beta_blend` (same float32
arithmetic, so results are equal)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

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
    weight = (masks.float() * beta[:, None, None])[:, None]
    rounding = images.dtype == torch.uint8
    scale = 1.0 if rounding else 1.0 / 255.0
    value = images.float()
    texture = textures.float() * torch.tensor(scale, dtype=torch.float32)
    blended = value + weight * (texture - value)
    if rounding:
        blended = (blended + 0.5).clamp(0.0, 255.0)
    return torch.where(weight != 0.0, blended, value).to(images.dtype)
