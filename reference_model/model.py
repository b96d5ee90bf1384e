"""DRAEM's two sub-networks, built from a :class:`~reference_model.config.ModelConfig`.

Both take and give ``float32`` ``(B, C, H, W)`` tensors with ``H`` and ``W`` multiples of 32.
Images are in [0, 1] with no normalisation. With ``ModelConfig.sspcab`` the reconstructive
network's last encoder block is SSPCAB (Ristea et al., "Self-Supervised Predictive
Convolutional Attentive Block for Anomaly Detection", CVPR 2022).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from reference_model.config import ModelConfig

__all__ = [
    "SSPCAB",
    "DiscriminativeNet",
    "DraemModel",
    "DraemOutput",
    "ReconstructiveNet",
    "SqueezeExcitation",
    "init_weights",
]


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


#: The four corners of SSPCAB's receptive field, as (down, right) steps of its offset.
_CORNERS = ((0, 0), (1, 0), (0, 1), (1, 1))


class SqueezeExcitation(nn.Module):
    """Channel attention: global mean -> linear (``channels // reduction``) -> ReLU -> linear
    -> sigmoid, multiplied into the input (Hu et al.; SSPCAB uses ``reduction = 8``)."""

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.squeeze = nn.Linear(channels, hidden)
        self.excite = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = torch.relu(self.squeeze(x.mean(dim=(2, 3))))
        weights = torch.sigmoid(self.excite(weights))
        return x * weights[:, :, None, None]


class SSPCAB(nn.Module):
    """Self-supervised predictive convolutional attentive block; keeps ``(B, C, H, W)``.

    A masked convolution: four ``kernel x kernel`` convolutions, one per corner of the
    receptive field, each ``kernel + dilation`` pixels away from the output pixel, whose own
    ``(2 dilation + 1)``-wide centre is hidden; their sum goes through ReLU and
    :class:`SqueezeExcitation` (``reduction`` 8). SSPCAB's defaults: ``kernel = dilation = 1``,
    i.e. the four diagonal neighbours at distance 2. Trained to reproduce its own input
    (:attr:`DraemOutput.sspcab_error`).
    """

    def __init__(self, channels: int, kernel: int = 1, dilation: int = 1, reduction: int = 8):
        super().__init__()
        self.pad = kernel + dilation
        self.offset = kernel + 2 * dilation + 1
        self.corners = nn.ModuleList(
            nn.Conv2d(channels, channels, kernel_size=kernel) for _ in range(4)
        )
        self.attention = SqueezeExcitation(channels, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = F.pad(x, (self.pad,) * 4)
        height = padded.shape[-2] - self.offset
        width = padded.shape[-1] - self.offset
        total = torch.zeros((), dtype=x.dtype, device=x.device)
        for conv, (down, right) in zip(self.corners, _CORNERS, strict=True):
            top, left = down * self.offset, right * self.offset
            total = total + conv(padded[..., top : top + height, left : left + width])
        return self.attention(torch.relu(total))


class DraemOutput(NamedTuple):
    """``reconstruction`` ``(B, 3, H, W)``; ``logits`` ``(B, 2, H, W)``; ``sspcab_error``: mean
    squared difference between SSPCAB's output and input (0-dim), ``None`` without SSPCAB."""

    reconstruction: torch.Tensor
    logits: torch.Tensor
    sspcab_error: torch.Tensor | None


class ReconstructiveNet(nn.Module):
    """Encoder-decoder without skip connections that maps an augmented image to a clean one.

    Encoder widths ``w, 2w, 4w, 8w, 8w`` with 4 max-pools; decoder ``8w -> 4w -> 2w -> w -> w``;
    a final 3x3 conv to ``out_channels``, no output activation. ``w = 128``: ~69 M parameters.
    ``sspcab``: the last encoder block (``8w -> 8w``) is an :class:`SSPCAB`, and
    :meth:`forward` also returns its self-reconstruction error.
    """

    def __init__(
        self, width: int = 128, in_channels: int = 3, out_channels: int = 3, sspcab: bool = False
    ) -> None:
        super().__init__()
        encoder_widths = (width, 2 * width, 4 * width, 8 * width, 8 * width)
        decoder_widths = (4 * width, 2 * width, width, width)
        self.encoder = nn.ModuleList()
        channels = in_channels
        for out in encoder_widths[:-1]:
            self.encoder.append(_double_conv(channels, out, out))
            channels = out
        self.encoder.append(
            SSPCAB(channels) if sspcab else _double_conv(channels, channels, channels)
        )
        self.sspcab = sspcab
        self.decoder = nn.ModuleList()
        for out in decoder_widths:
            self.decoder.append(
                nn.Sequential(_up_conv(channels, channels), _double_conv(channels, channels, out))
            )
            channels = out
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Conv2d(channels, out_channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The reconstruction and SSPCAB's error (``None`` without SSPCAB)."""
        *blocks, last = self.encoder
        for i, block in enumerate(blocks):
            x = block(x if i == 0 else self.pool(x))
        x = self.pool(x)
        features = last(x)
        error = F.mse_loss(features, x) if self.sspcab else None
        x = features
        for stage in self.decoder:
            x = stage(x)
        return self.head(x), error


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
    """Both sub-networks: ``forward(augmented) -> DraemOutput``.

    ``augmented``: ``(B, 3, H, W)`` in [0, 1]. ``reconstruction``: ``(B, 3, H, W)`` (unbounded,
    trained towards the clean image). ``logits``: ``(B, 2, H, W)``; softmax channel 1 is the
    anomaly probability.
    """

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config or ModelConfig()
        self.reconstructive = ReconstructiveNet(self.config.recon_width, sspcab=self.config.sspcab)
        self.discriminative = DiscriminativeNet(self.config.disc_width)
        self.apply(init_weights)

    def forward(self, augmented: torch.Tensor) -> DraemOutput:
        reconstruction, sspcab_error = self.reconstructive(augmented)
        logits = self.discriminative(torch.cat((reconstruction, augmented), dim=1))
        return DraemOutput(reconstruction, logits, sspcab_error)
