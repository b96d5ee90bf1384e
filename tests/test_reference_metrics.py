"""Known values of image AUROC, pixel AUROC, pixel AP and AUPRO."""

from __future__ import annotations

import numpy as np
import pytest

from reference_model.metrics import aupro, compute_metrics, region_weights, trapezoid


@pytest.fixture
def masks() -> np.ndarray:
    """Four 32x32 masks: two good images, one with one region, one with two regions."""
    masks = np.zeros((4, 32, 32), dtype=bool)
    masks[1, 3:8, 3:9] = True
    masks[2, 10:20, 10:12] = True
    masks[2, 25:30, 25:30] = True
    return masks


def _labels(masks: np.ndarray) -> np.ndarray:
    return masks.any(axis=(1, 2)).astype(int)


def test_perfect_predictor_scores_one_everywhere(masks):
    labels = _labels(masks)
    result = compute_metrics(labels, labels.astype(float), masks, masks.astype(np.float32))
    assert result == pytest.approx(
        {"image_auroc": 1.0, "pixel_auroc": 1.0, "pixel_ap": 1.0, "aupro": 1.0}
    )


def test_constant_predictor_is_chance(masks):
    result = compute_metrics(_labels(masks), np.zeros(4), masks, np.zeros(masks.shape))
    assert result["image_auroc"] == 0.5
    assert result["pixel_auroc"] == 0.5
    assert result["pixel_ap"] == pytest.approx(masks.mean())
    assert result["aupro"] == pytest.approx(0.15)  # the diagonal integrated to 0.3, over 0.3


def test_random_maps_are_near_chance(masks):
    rng = np.random.default_rng(0)
    maps = rng.random((40, 32, 32))
    many = np.concatenate([masks] * 10)
    result = compute_metrics(_labels(many), rng.random(40), many, maps)
    assert result["pixel_auroc"] == pytest.approx(0.5, abs=0.03)
    assert result["aupro"] == pytest.approx(0.15, abs=0.02)


def test_inverted_predictor_scores_zero(masks):
    labels = _labels(masks)
    result = compute_metrics(labels, -labels.astype(float), masks, 1.0 - masks)
    assert result["image_auroc"] == 0.0
    assert result["pixel_auroc"] == 0.0
    assert result["aupro"] == pytest.approx(0.0)


def test_regions_weigh_equally_whatever_their_area(masks):
    weights, n_regions = region_weights(masks)
    assert n_regions == 3
    assert weights[1][masks[1]].sum() == pytest.approx(1.0)
    assert weights[2, 10:20, 10:12].sum() == pytest.approx(1.0)
    assert weights[2, 25:30, 25:30].sum() == pytest.approx(1.0)
    assert weights[~masks].sum() == 0


def test_aupro_counts_a_found_small_region_as_much_as_a_big_one():
    masks = np.zeros((1, 64, 64), dtype=bool)
    masks[0, :40, :40] = True  # 1600 px
    masks[0, 60:62, 60:62] = True  # 4 px
    finds_small = np.zeros(masks.shape)
    finds_small[0, 60:62, 60:62] = 1.0
    finds_big = np.zeros(masks.shape)
    finds_big[0, :40, :40] = 1.0
    # Each map finds exactly one of two regions at FPR 0, then ties the rest with the background.
    assert aupro(masks, finds_small) == pytest.approx(aupro(masks, finds_big))
    assert 0.5 < aupro(masks, finds_small) < 1.0


def test_aupro_hand_computed_curve():
    masks = np.zeros((1, 1, 10), dtype=bool)
    masks[0, 0, :2] = True  # one region of 2 px; 8 normal pixels
    maps = np.array([[[0.9, 0.5, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]]])
    # (threshold: PRO, FPR) = (0.9: 0.5, 0), (0.8: 0.5, 1/8), (0.5: 1, 1/8), (0.1: 1, 1).
    expected = (0.5 * 0.125 + 1.0 * (0.3 - 0.125)) / 0.3
    assert aupro(masks, maps) == pytest.approx(expected)


def test_undefined_metrics_are_none():
    good_only = np.zeros((2, 8, 8), dtype=bool)
    result = compute_metrics(np.zeros(2), np.zeros(2), good_only, np.zeros((2, 8, 8)))
    assert result == {"image_auroc": None, "pixel_auroc": None, "pixel_ap": None, "aupro": None}


def test_trapezoid_needs_no_numpy_2(monkeypatch):
    # NumPy 1.23 (the imgaug extra's) has no np.trapezoid: AUPRO must not depend on it.
    monkeypatch.delattr(np, "trapezoid", raising=False)
    assert trapezoid(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.5, 1.0])) == 0.75
    masks = np.zeros((1, 8, 8), dtype=bool)
    masks[0, 2:4, 2:4] = True
    assert aupro(masks, masks.astype(np.float32)) == 1.0
