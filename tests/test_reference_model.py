"""Shapes, parameter counts and initialisation of the DRAEM reference networks."""

from __future__ import annotations

import pytest
import torch

from reference_model.config import ModelConfig, TrainConfig
from reference_model.model import DiscriminativeNet, DraemModel


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
    reconstruction, logits = model(augmented)
    assert reconstruction.shape == (2, 3, 64, 96)
    assert logits.shape == (2, 2, 64, 96)
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


def test_config_round_trips_through_a_dict():
    config = TrainConfig(model=ModelConfig(8, 16, 64), preset="paper", steps=5, batch=2)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="not both"):
        TrainConfig(epochs=1, steps=1)
