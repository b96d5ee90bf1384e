"""SSIM, focal loss and the combined DRAEM loss."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from reference_model.losses import (
    SSPCAB_WEIGHT,
    draem_loss,
    dynamic_range,
    focal_loss,
    gaussian_window,
    ssim,
)


def test_gaussian_window_is_normalised_and_peaked():
    window = gaussian_window(11, 1.5)
    assert window.shape == (11, 11)
    assert window.sum() == pytest.approx(1.0)
    assert window.argmax() == 5 * 11 + 5
    assert window[5, 5] / window[5, 6] == pytest.approx(torch.exp(torch.tensor(1 / 4.5)).item())


def test_ssim_of_identical_images_is_one():
    x = torch.rand(2, 3, 32, 32)
    assert ssim(x, x).item() == pytest.approx(1.0, abs=1e-5)


def test_ssim_falls_with_noise_and_is_symmetric():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 32, 32)
    slight = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)
    heavy = (x + 0.3 * torch.randn_like(x)).clamp(0, 1)
    assert 1.0 > ssim(x, slight) > ssim(x, heavy)
    assert ssim(x, heavy).item() == pytest.approx(ssim(heavy, x).item(), abs=1e-6)


def test_ssim_of_uncorrelated_flat_images_matches_the_formula():
    a = torch.full((1, 1, 32, 32), 0.2)
    b = torch.full((1, 1, 32, 32), 0.6)
    c1 = 0.01**2
    # Inside the window no variance, so SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
    expected = (2 * 0.2 * 0.6 + c1) / (0.2**2 + 0.6**2 + c1)
    centre = ssim(a[..., 8:24, 8:24], b[..., 8:24, 8:24], window_size=1)
    assert centre.item() == pytest.approx(expected, rel=1e-5)


def test_ssim_range_follows_the_reconstruction_as_the_released_code():
    torch.manual_seed(3)
    y = torch.rand(1, 3, 16, 16)
    x = y + 0.1 * torch.randn_like(y)
    assert ssim(x, y).item() == pytest.approx(ssim(x, y, data_range=1.0).item())
    x[0, 0, 0, 0] = -0.6  # the released code then takes L = 1 - (-1) = 2
    assert dynamic_range(x).item() == 2.0
    assert ssim(x, y).item() == pytest.approx(ssim(x, y, data_range=2.0).item())
    assert ssim(x, y).item() != pytest.approx(ssim(x, y, data_range=1.0).item())
    assert dynamic_range(torch.full((1, 1, 2, 2), 200.0)).item() == 255.0


def test_focal_loss_falls_as_predictions_improve():
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 2:5, 2:5] = 1
    sign = mask * 2 - 1  # +1 on the anomaly, -1 elsewhere
    logits = [torch.cat((-s * sign, s * sign), dim=1) for s in (-2, 0, 1, 4)]
    losses = [focal_loss(x, mask, smooth=0.0) for x in logits]
    assert all(a > b for a, b in itertools.pairwise(losses))
    assert losses[1].item() == pytest.approx(0.25 * torch.log(torch.tensor(2.0)).item())
    smoothed = [focal_loss(x, mask) for x in logits]
    assert all(a > b for a, b in itertools.pairwise(smoothed))


def test_focal_loss_smooths_the_one_hot_target_as_the_released_code():
    torch.manual_seed(2)
    logits = torch.randn(2, 3, 4, 4)
    mask = torch.randint(0, 3, (2, 1, 4, 4)).float()
    smooth = 1e-5
    # DRAEM's FocalLoss: one-hot clamped to [smooth / (K - 1), 1 - smooth], p_t = sum + smooth.
    one_hot = F.one_hot(mask[:, 0].long(), 3).permute(0, 3, 1, 2).float()
    one_hot = one_hot.clamp(smooth / 2, 1.0 - smooth)
    p_t = (one_hot * torch.softmax(logits, dim=1)).sum(1) + smooth
    expected = (-((1 - p_t) ** 2) * p_t.log()).mean()
    assert focal_loss(logits, mask).item() == pytest.approx(expected.item(), rel=1e-6)
    assert focal_loss(logits, mask).item() != focal_loss(logits, mask, smooth=0.0).item()


def test_focal_loss_with_gamma_zero_is_cross_entropy():
    torch.manual_seed(1)
    logits = torch.randn(2, 2, 8, 8)
    mask = (torch.rand(2, 1, 8, 8) > 0.7).float()
    expected = F.cross_entropy(logits, mask[:, 0].long())
    got = focal_loss(logits, mask, gamma=0.0, smooth=0.0)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_focal_loss_down_weights_easy_pixels():
    mask = torch.zeros(1, 1, 1, 1)
    easy = torch.tensor([2.0, -2.0]).reshape(1, 2, 1, 1)  # p_t = 0.98
    ce = F.cross_entropy(easy, mask[:, 0].long())
    assert focal_loss(easy, mask, smooth=0.0) < 0.01 * ce


def test_draem_loss_terms():
    clean = torch.rand(2, 3, 32, 32)
    mask = torch.zeros(2, 1, 32, 32)
    perfect_logits = torch.cat((torch.full_like(mask, 20.0), torch.full_like(mask, -20.0)), 1)
    losses = draem_loss(clean, clean, perfect_logits, mask)
    assert losses.l2.item() == 0.0
    assert losses.ssim.item() == pytest.approx(0.0, abs=1e-5)
    assert losses.focal.item() == pytest.approx(0.0, abs=1e-6)
    worse = draem_loss(clean * 0.5, clean, perfect_logits, mask)
    assert worse.l2.item() == pytest.approx(F.mse_loss(clean * 0.5, clean).item())
    assert worse.total > losses.total


def test_sspcab_error_enters_the_total_with_weight_0_1():
    clean = torch.rand(1, 3, 32, 32)
    mask = torch.zeros(1, 1, 32, 32)
    logits = torch.zeros(1, 2, 32, 32)
    plain = draem_loss(clean * 0.9, clean, logits, mask)
    error = torch.tensor(0.5)
    with_sspcab = draem_loss(clean * 0.9, clean, logits, mask, error)
    assert SSPCAB_WEIGHT == 0.1
    assert with_sspcab.total.item() == pytest.approx(plain.total.item() + 0.05)
    assert len(plain.terms()) == 3 and with_sspcab.terms()[3] is error
