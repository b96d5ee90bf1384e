"""Anomaly-detection metrics: image AUROC, pixel AUROC, pixel AP and AUPRO.

AUROC and AP come from scikit-learn. Pixel metrics pool every pixel of every image given.
Inputs are numpy arrays: ``labels`` ``(N,)`` 0/1, ``scores`` ``(N,)`` float, ``masks``
``(N, H, W)`` bool/0-1, ``maps`` ``(N, H, W)`` float. A metric that needs both classes and gets
one returns ``None``.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["DEFAULT_MAX_FPR", "aupro", "compute_metrics", "region_weights", "trapezoid"]


def trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal area under ``y(x)`` (``np.trapezoid`` is NumPy >= 2.0; ``np.trapz`` before)."""
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


#: AUPRO integrates the per-region overlap up to this false-positive rate.
DEFAULT_MAX_FPR = 0.3


def _two_class(
    metric: Callable[[np.ndarray, np.ndarray], float], truth: np.ndarray, score: np.ndarray
) -> float | None:
    truth = truth.ravel().astype(np.uint8)
    if truth.min() == truth.max():
        return None
    return float(metric(truth, score.ravel()))


def region_weights(masks: np.ndarray) -> tuple[np.ndarray, int]:
    """Per-pixel weight ``1 / area`` of its ground-truth region (0 off-region), and the count.

    Regions are the 8-connected components of each image's mask (``cv2.connectedComponents``).
    Returns a float64 ``(N, H, W)`` array and the total number of regions.
    """
    weights = np.zeros(masks.shape, dtype=np.float64)
    n_regions = 0
    for i, mask in enumerate(masks):
        count, components = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        if count <= 1:
            continue
        areas = np.bincount(components.ravel(), minlength=count).astype(np.float64)
        inverse = np.zeros(count, dtype=np.float64)
        inverse[1:] = 1.0 / areas[1:]
        weights[i] = inverse[components]
        n_regions += count - 1
    return weights, n_regions


def aupro(masks: np.ndarray, maps: np.ndarray, max_fpr: float = DEFAULT_MAX_FPR) -> float | None:
    """Area under the per-region-overlap curve up to ``max_fpr``, divided by ``max_fpr``, in [0, 1].

    At each threshold, PRO is the mean over all ground-truth regions of the fraction of the
    region above the threshold, and FPR the fraction of normal pixels above it. The curve over
    all distinct thresholds is exact (ties form one step); the trapezoidal area up to ``max_fpr``
    (PRO linearly interpolated there) is normalised so that a perfect map scores 1 and a constant
    map ``max_fpr / 2``. ``None`` without regions or without normal pixels.
    """
    masks = masks.astype(bool)
    weights, n_regions = region_weights(masks)
    n_normal = int((~masks).sum())
    if n_regions == 0 or n_normal == 0:
        return None
    order = np.argsort(-maps.ravel(), kind="stable")
    sorted_scores = maps.ravel()[order]
    pro = np.cumsum(weights.ravel()[order]) / n_regions
    fpr = np.cumsum((~masks).ravel()[order]) / n_normal
    del order, weights
    last_of_tie = np.append(sorted_scores[1:] != sorted_scores[:-1], True)
    fpr = np.concatenate(([0.0], fpr[last_of_tie]))
    pro = np.concatenate(([0.0], pro[last_of_tie]))
    end = int(np.searchsorted(fpr, max_fpr, side="right"))
    pro_at_max = np.interp(max_fpr, fpr, pro)
    fpr = np.append(fpr[:end], max_fpr)
    pro = np.append(pro[:end], pro_at_max)
    return float(trapezoid(pro, fpr) / max_fpr)


def compute_metrics(
    labels: np.ndarray, scores: np.ndarray, masks: np.ndarray, maps: np.ndarray
) -> dict[str, float | None]:
    """``image_auroc``, ``pixel_auroc``, ``pixel_ap`` and ``aupro`` (FPR <= 0.3), each in [0, 1]."""
    return {
        "image_auroc": _two_class(roc_auc_score, labels, scores),
        "pixel_auroc": _two_class(roc_auc_score, masks, maps),
        "pixel_ap": _two_class(average_precision_score, masks, maps),
        "aupro": aupro(masks, maps),
    }
