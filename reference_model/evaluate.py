"""Evaluate a trained model on an MVTec AD category's test split.

Everything is computed at the model's input side ``S`` (images resized as in training, masks
with nearest-neighbour): the pooled pixel arrays are ``N x S x S`` (83 bottle test images at
S = 256: 5.4 M pixels, ~22 MB of float32 maps), whatever the files' resolution.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from reference_model.data import GOOD, DataError, TestSet, list_test_images
from reference_model.distributed import loader_worker_init
from reference_model.metrics import compute_metrics
from reference_model.model import DraemModel
from reference_model.scoring import score_batch

__all__ = ["METRICS_NAME", "METRIC_NAMES", "EmptyMaskWarning", "evaluate", "format_table",
           "is_metrics_file", "metrics_by_group", "score_batches"]  # fmt: skip

METRIC_NAMES = ("image_auroc", "pixel_auroc", "pixel_ap", "aupro")

METRICS_NAME = "metrics.json"
"""``evaluate``'s default output, next to the checkpoint."""


class EmptyMaskWarning(UserWarning):
    """Defective test images whose ground-truth masks mark no pixel: their pixels count as
    normal, so the pixel metrics of their type are not what they seem."""


def is_metrics_file(path: Path) -> bool:
    """Whether ``path`` holds what :func:`evaluate` (or
    :func:`~reference_model.synthetic.evaluate_synthetic`) returns plus its ``checkpoint`` (a
    previous output of ``synthdefect evaluate``, which it may replace)."""
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or not {"metrics", "checkpoint"} <= record.keys():
        return False
    return "category" in record or "synthetic" in record


def evaluate(
    model: DraemModel,
    category: str | os.PathLike,
    device: torch.device,
    batch: int = 8,
    workers: int = 0,
) -> dict[str, Any]:
    """Score every test image and compute the metrics, overall and per defect type.

    Per-type metrics use that type's images plus all ``good`` ones. An unreadable test image
    or mask raises :class:`DataError` (metrics without it would not be comparable); defective
    images with empty masks are warned about (:class:`EmptyMaskWarning`). Returns a
    JSON-ready dict: ``category``, ``size``, ``images`` (count per type) and ``metrics``
    (``{"overall" | <type>: {metric: value in [0, 1] or None}}``).
    """
    images = list_test_images(category)
    size = model.config.size
    labels = np.array([item.label for item in images])
    types = np.array([item.defect_type for item in images])
    loader = DataLoader(
        TestSet(images, size),
        batch_size=batch,
        num_workers=workers,
        worker_init_fn=loader_worker_init(),
    )
    maps, scores, masks = score_batches(model, loader, len(images), device)
    _warn_empty_masks(images, masks)
    counts = {str(t): int((types == t).sum()) for t in sorted(set(types))}
    return {
        "category": str(Path(category)),
        "size": size,
        "images": counts,
        "metrics": metrics_by_group(labels, scores, masks, maps, types, GOOD),
    }


def score_batches(
    model: DraemModel,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor, Any, Sequence[str]]],
    n: int,
    device: torch.device,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score ``n`` images given as batches of ``(images, masks, labels, errors)`` (what
    :class:`~reference_model.data.TestSet` yields; images ``(B, 3, S, S)`` uint8 or float in
    [0, 1], masks bool ``(B, S, S)``). Returns float32 maps ``(n, S, S)``, float32 image scores
    ``(n,)`` and the bool masks ``(n, S, S)``. The model is put in eval mode; an item with an
    error raises :class:`DataError`."""
    size = model.config.size
    maps = np.empty((n, size, size), dtype=np.float32)
    masks = np.empty((n, size, size), dtype=bool)
    scores = np.empty(n, dtype=np.float32)
    model.eval()
    start = 0
    for batch_images, batch_masks, _, errors in batches:
        unusable = [error for error in errors if error]
        if unusable:
            raise DataError(f"unusable test image: {unusable[0]}")
        stop = start + len(batch_images)
        batch_maps, batch_scores = score_batch(model, batch_images, device)
        maps[start:stop], scores[start:stop] = batch_maps.numpy(), batch_scores.numpy()
        masks[start:stop] = batch_masks.numpy()
        start = stop
    return maps, scores, masks


def metrics_by_group(
    labels: np.ndarray,
    scores: np.ndarray,
    masks: np.ndarray,
    maps: np.ndarray,
    groups: np.ndarray,
    normal: str,
) -> dict[str, dict[str, float | None]]:
    """The metrics of all images (``overall``) and of each group but ``normal``, that group's
    images with every image of the ``normal`` group (``groups``: ``(N,)`` names)."""
    metrics = {"overall": compute_metrics(labels, scores, masks, maps)}
    for group in sorted(set(groups) - {normal}):
        chosen = (groups == group) | (groups == normal)
        metrics[str(group)] = compute_metrics(
            labels[chosen], scores[chosen], masks[chosen], maps[chosen]
        )
    return metrics


def _warn_empty_masks(images: list, masks: np.ndarray) -> None:
    empty = [
        item for item, mask in zip(images, masks, strict=True) if item.label and not mask.any()
    ]
    if empty:
        types = sorted({item.defect_type for item in empty})
        warnings.warn(
            f"{len(empty)} defective test images ({', '.join(types)}) have masks that mark no "
            f"pixel at the model's size, e.g. {empty[0].mask}: their pixels count as normal",
            EmptyMaskWarning,
            stacklevel=3,
        )


def format_table(result: dict[str, Any]) -> str:
    """A fixed-width text table: one row per group, metrics in percent (``-`` when undefined)."""
    width = max(20, *(len(group) + 2 for group in result["metrics"]))
    header = f"{'group':<{width}}" + "".join(f"{name:>13}" for name in METRIC_NAMES)
    rows = [header, "-" * len(header)]
    for group, values in result["metrics"].items():
        cells = "".join(
            f"{'-' if values[name] is None else f'{100 * values[name]:.1f}':>13}"
            for name in METRIC_NAMES
        )
        rows.append(f"{group:<{width}}{cells}")
    return "\n".join(rows)
