"""DRAEM's two sub-networks, built from a :class:`~reference_model.config.ModelConfig`.

Both take and give ``float32`` ``(B, C, H, W)`` tensors with ``H`` and ``W`` multiples of 32.
Images are in [0, 1] with no normalisation.
"""

from __future__ import annotations

import torch
from torch import nn

from reference_model.config import ModelConfig

__all__ = ["DiscriminativeNet", "DraemModel", "ReconstructiveNet", "init_weights"]


def _conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


def _double_conv(in_channels: int, mid_channels: int, out_channels: int) -> nn.Sequential:
    """(conv3x3-BN-ReLU) x 2."""
    return nn.Sequential(
        *_conv_bn_relu(in_channels, mid_channels), *_conv_bn_relu(mid_channels, out_channels)
    )


def _up_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """x2 bilinear upsampling, then conv3x3-BN-ReLU."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
        *_conv_bn_relu(in_channels, out_channels),
    )


class ReconstructiveNet(nn.Module):
    """Encoder-decoder without skip connections that maps an augmented image to a clean one.

    Encoder widths ``w, 2w, 4w, 8w, 8w`` with 4 max-pools; decoder ``8w -> 4w -> 2w -> w -> w``;
    a final 3x3 conv to ``out_channels``, no output activation. ``w = 128``: ~69 M parameters.
    """

    def __init__(self, width: int = 128, in_channels: int = 3, out_channels: int = 3) -> None:
        super().__init__()
        encoder_widths = (width, 2 * width, 4 * width, 8 * width, 8 * width)
        decoder_widths = (4 * width, 2 * width, width, width)
        self.encoder = nn.ModuleList()
        channels = in_channels
        for out in encoder_widths:
            self.encoder.append(_double_conv(channels, out, out))
            channels = out
        self.decoder = nn.ModuleList()
        for out in decoder_widths:
            self.decoder.append(
                nn.Sequential(_up_conv(channels, channels), _double_conv(channels, channels, out))
            )
            channels = out
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Conv2d(channels, out_channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, block in enumerate(self.encoder):
            x = block(x if i == 0 else self.pool(x))
        for stage in self.decoder:
            x = stage(x)
        return self.head(x)


class DiscriminativeNet(nn.Module):
    """U-Net that segments the anomaly from (reconstruction, augmented image).

    Encoder widths ``w, 2w, 4w, 8w, 8w, 8w`` with 5 max-pools, a decoder with skip connections
    at every scale and a 3x3 conv to ``out_channels`` logits. ``w = 64``: ~28 M parameters.
    """

    def __init__(self, width: int = 64, in_channels: int = 6, out_channels: int = 2) -> None:
        super().__init__()
        encoder_widths = (width, 2 * width, 4 * width, 8 * width, 8 * width, 8 * width)
        self.encoder = nn.ModuleList()
        channels = in_channels
        for out in encoder_widths:
            self.encoder.append(_double_conv(channels, out, out))
            channels = out
        # Decoder stage i upsamples to the scale of encoder block i and fuses its output.
        decoder_widths = (width, *encoder_widths[:4])
        self.up = nn.ModuleList()
        self.fuse = nn.ModuleList()
        for skip, out in reversed(list(zip(encoder_widths[:-1], decoder_widths, strict=True))):
            self.up.append(_up_conv(channels, out))
            self.fuse.append(_double_conv(out + skip, out, out))
            channels = out
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Conv2d(channels, out_channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.encoder):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        for up, fuse, skip in zip(self.up, self.fuse, reversed(skips[:-1]), strict=True):
            x = fuse(torch.cat((up(x), skip), dim=1))
        return self.head(x)


def init_weights(module: nn.Module) -> None:
    """DRAEM's initialisation: conv weights N(0, 0.02); BatchNorm weight N(1, 0.02), bias 0."""
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DraemModel(nn.Module):
    """Both sub-networks: ``forward(augmented) -> (reconstruction, logits)``.

    ``augmented``: ``(B, 3, H, W)`` in [0, 1]. ``reconstruction``: ``(B, 3, H, W)`` (unbounded,
    trained towards the clean image). ``logits``: ``(B, 2, H, W)``; softmax channel 1 is the
    anomaly probability.
    """

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config or ModelConfig()
        self.reconstructive = ReconstructiveNet(self.config.recon_width)
        self.discriminative = DiscriminativeNet(self.config.disc_width)
        self.apply(init_weights)

    def forward(self, augmented: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        reconstruction = self.reconstructive(augmented)
        logits = self.discriminative(torch.cat((reconstruction, augmented), dim=1))
        return reconstruction, logits
