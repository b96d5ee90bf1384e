"""From network outputs to anomaly maps and image scores, and batched inference.

Inputs stay in [0, 1]: DRAEM uses no ImageNet normalisation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from reference_model.checkpoint import CheckpointError
from reference_model.distributed import to_model_input

__all__ = ["SCORE_KERNEL", "anomaly_map", "image_scores", "score_batch"]

#: Side in pixels of the mean filter applied before taking the image score's maximum.
SCORE_KERNEL = 21


def anomaly_map(logits: torch.Tensor) -> torch.Tensor:
    """Anomaly probability: softmax channel 1 of ``(B, 2, H, W)`` logits, ``(B, 1, H, W)``."""
    return torch.softmax(logits.float(), dim=1)[:, 1:2]


def image_scores(maps: torch.Tensor, kernel: int = SCORE_KERNEL) -> torch.Tensor:
    """Image score ``(B,)``: max of the ``kernel`` x ``kernel`` mean-filtered ``(B, 1, H, W)`` map.

    Stride 1, zero padding ``kernel // 2`` counted in the mean (``count_include_pad``), as in
    DRAEM's evaluation, so a region touching the border scores lower than one inside.
    """
    smoothed = F.avg_pool2d(maps, kernel, stride=1, padding=kernel // 2, count_include_pad=True)
    return smoothed.amax(dim=(1, 2, 3))


def score_batch(
    model: nn.Module, images: torch.Tensor, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Anomaly maps and image scores of a ``(B, 3, H, W)`` batch in [0, 1] (model in eval mode).

    Returns CPU tensors: ``maps`` ``(B, H, W)`` float32 in [0, 1], ``scores`` ``(B,)`` float32.
    Runs under ``torch.inference_mode`` in float32 (no autocast: bfloat16 logits would quantise
    the maps and tie the scores that AUROC and AP rank); on CUDA in channels_last.
    :class:`~reference_model.checkpoint.CheckpointError` when a map is not finite (weights
    holding NaN).
    """
    with torch.inference_mode():
        logits = model(to_model_input(images, device)).logits
        maps = anomaly_map(logits)
        if not bool(torch.isfinite(maps).all()):
            raise CheckpointError(
                "the model gave anomaly maps that are not finite (NaN or inf): its weights are "
                "not usable (a diverged or damaged checkpoint?)"
            )
        return maps[:, 0].cpu(), image_scores(maps).cpu()
