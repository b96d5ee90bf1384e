"""Shapes, parameter counts and initialisation of the DRAEM reference networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reference_model.config import ModelConfig, TrainConfig
from reference_model.model import SSPCAB, DiscriminativeNet, DraemModel


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_default_widths_have_the_documented_parameter_counts():
    with torch.device("meta"):
        model = DraemModel()
    assert _count(model.reconstructive) == pytest.approx(69e6, rel=0.02)
    assert _count(model.discriminative) == pytest.approx(28e6, rel=0.03)


def test_forward_shapes_and_discriminator_input():
    model = DraemModel(ModelConfig(recon_width=4, disc_width=4, size=64))
    augmented = torch.rand(2, 3, 64, 96)
    reconstruction, logits, sspcab_error = model(augmented)
    assert reconstruction.shape == (2, 3, 64, 96)
    assert logits.shape == (2, 2, 64, 96)
    assert sspcab_error is None
    assert model.discriminative.encoder[0][0].in_channels == 6


def test_discriminative_widths_follow_the_unet_layout():
    net = DiscriminativeNet(width=2)
    widths = [block[3].out_channels for block in net.encoder]
    assert widths == [2, 4, 8, 16, 16, 16]
    assert net.head.out_channels == 2


def test_initialisation_statistics():
    torch.manual_seed(0)
    model = DraemModel(ModelConfig(recon_width=16, disc_width=16, size=64))
    conv = model.reconstructive.encoder[3][0].weight.detach()
    bn = model.reconstructive.encoder[3][1]
    assert abs(conv.mean().item()) < 2e-3
    assert conv.std().item() == pytest.approx(0.02, rel=0.05)
    assert bn.weight.detach().mean().item() == pytest.approx(1.0, abs=0.01)
    assert bn.weight.detach().std().item() == pytest.approx(0.02, rel=0.3)
    assert torch.all(bn.bias == 0)


@pytest.mark.parametrize("size", [0, 48, 250])
def test_size_must_be_a_multiple_of_32(size):
    with pytest.raises(ValueError, match="multiple of 32"):
        ModelConfig(size=size)


def test_schedules_decay_at_the_documented_points():
    paper = TrainConfig(preset="paper", epochs=700)
    assert paper.milestones(steps_per_epoch=10) == [4000, 6000]
    assert paper.schedule.gamma == 0.1
    code = TrainConfig(preset="draem-code", steps=1000)
    assert code.milestones(steps_per_epoch=10) == [800, 900]
    assert code.schedule.gamma == 0.2
    assert TrainConfig().total_steps(steps_per_epoch=27) == 700 * 27
    recipe = TrainConfig(preset=None, recipe="mine.json", steps=1000)
    assert recipe.schedule == code.schedule
    with pytest.raises(ValueError, match="a preset or a recipe"):
        TrainConfig(preset="paper", recipe="mine.json")


def test_config_round_trips_through_a_dict():
    config = TrainConfig(model=ModelConfig(8, 16, 64), preset="paper", steps=5, batch=2)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="not both"):
        TrainConfig(epochs=1, steps=1)


def test_sspcab_sees_only_the_four_corners_of_its_masked_receptive_field():
    torch.manual_seed(0)
    block = SSPCAB(channels=8)
    block.attention = nn.Identity()  # look at the masked convolution alone
    x = torch.rand(1, 8, 9, 9, requires_grad=True)
    block(x)[0, :, 4, 4].sum().backward()
    seen = (x.grad[0].abs().sum(0) > 0).nonzero().tolist()
    assert seen == [[2, 2], [2, 6], [6, 2], [6, 6]]  # kernel 1, dilation 1: distance 2


def test_sspcab_block_replaces_the_last_reconstructive_encoder_block():
    plain = DraemModel(ModelConfig(recon_width=8, disc_width=4, size=32))
    model = DraemModel(ModelConfig(recon_width=8, disc_width=4, size=32, sspcab=True))
    block = model.reconstructive.encoder[-1]
    assert isinstance(block, SSPCAB) and len(block.corners) == 4
    assert block.corners[0].kernel_size == (1, 1) and block.corners[0].in_channels == 64
    assert block.attention.squeeze.out_features == 64 // 8
    assert _count(model.discriminative) == _count(plain.discriminative)
    output = model(torch.rand(2, 3, 32, 32))
    assert output.reconstruction.shape == (2, 3, 32, 32) and output.logits.shape == (2, 2, 32, 32)
    assert output.sspcab_error.ndim == 0 and output.sspcab_error.item() > 0
    output.sspcab_error.backward()
    assert model.reconstructive.encoder[0][0].weight.grad.abs().sum() > 0  # reaches its input
