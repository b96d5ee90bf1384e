"""Anomaly maps and the 21x21 mean-filtered image score."""

from __future__ import annotations

import pytest
import torch

from reference_model.config import ModelConfig
from reference_model.model import DraemModel
from reference_model.scoring import anomaly_map, image_scores, score_batch


def test_anomaly_map_is_softmax_channel_one():
    logits = torch.zeros(1, 2, 4, 4)
    logits[0, 1, 0, 0] = torch.log(torch.tensor(3.0))
    amap = anomaly_map(logits)
    assert amap.shape == (1, 1, 4, 4)
    assert amap[0, 0, 0, 0].item() == pytest.approx(0.75)
    assert amap[0, 0, 1, 1].item() == pytest.approx(0.5)


def test_single_hot_pixel_is_averaged_over_the_21x21_window():
    maps = torch.zeros(1, 1, 64, 64)
    maps[0, 0, 30, 30] = 1.0
    assert image_scores(maps).item() == pytest.approx(1 / 441)


def test_full_window_inside_scores_its_value_and_padding_counts_at_the_border():
    inside = torch.zeros(1, 1, 64, 64)
    inside[0, 0, 20:41, 20:41] = 0.8
    corner = torch.zeros(1, 1, 64, 64)
    corner[0, 0, :21, :21] = 0.8
    scores = image_scores(torch.cat((inside, corner)))
    assert scores[0].item() == pytest.approx(0.8, abs=1e-5)
    assert scores[1].item() == pytest.approx(
        0.8, abs=1e-5
    )  # the window centred on it fits the image
    edge_only = torch.zeros(1, 1, 64, 64)
    edge_only[0, 0, :5, :5] = 1.0
    # Zero padding counts in the mean: 25 / 441, not 25 / 121 for the window centred at (0, 0).
    assert image_scores(edge_only).item() == pytest.approx(25 / 441)


def test_score_batch_returns_cpu_maps_and_scores_without_grad():
    model = DraemModel(ModelConfig(4, 4, 32))
    maps, scores = score_batch(model.eval(), torch.rand(3, 3, 32, 32), torch.device("cpu"))
    assert maps.shape == (3, 32, 32) and scores.shape == (3,)
    assert not maps.requires_grad
    assert torch.all((maps >= 0) & (maps <= 1))
    assert torch.allclose(scores, image_scores(maps[:, None]))
