"""Fractal anomalies (FractalAD, Xia et al., 2023): a colour-changed square patch of the image,
mirrored and turned, cut out by a binary IFS fractal and pasted elsewhere, sometimes noisy.

``Compose([("anomaly", RandomApply(Compose([texture, color, patch, noise, blend]),
p=p_anomaly))], name="fractal")``:

* ``texture``: ``TextureSample("self")``, the image itself;
* ``color``: :class:`~synthdefect.transforms.choice.RandomChoice`, equally likely, of
  ``"jitter"`` (``color_jitter`` with brightness, contrast and saturation factors in
  [0.8, 1.2] and the hue turned by up to 0.2 of a circle: torchvision's ``ColorJitter(0.2, 0.2,
  0.2, 0.2)``), ``"brightness-contrast"`` (brightness and contrast factors in [0.5, 1.5], our
  reading of FractalAD's "strong" jitter) and ``"channels"`` (``scale_channels``: two of the
  three channels, picked at random, scaled by factors uniform in [0, 2); a grey image's one
  channel is scaled), each a one-op :class:`~synthdefect.transforms.texture_ops.TextureAugment`;
* ``patch``: :class:`~synthdefect.transforms.fractal.FractalPatch`: a square of ``side`` 10-50 %
  of the shorter side, mirrored at random, turned by ``angle`` 15-75 degrees, cut out by a
  fractal of two random affine maps (100,000 chaos-game points, degenerate systems redrawn)
  and moved; the mask is the fractal dilated three times with a 3x3 square. Source and target
  lie on the foreground when there is one;
* ``noise``: ``RandomApply(GaussianNoise(10), p=0.5)``: Gaussian noise of 10 grey levels
  (standard deviation) inside the mask half the time;
* ``blend``: ``BetaBlend((1, 1))``, pasted.
"""

from __future__ import annotations

from synthdefect.recipes.anomaly_step import anomaly_recipe, refuse_textures
from synthdefect.textures import TextureSpec
from synthdefect.transforms.anomaly_sources import GaussianNoise
from synthdefect.transforms.base import Compose, RandomApply
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.choice import RandomChoice
from synthdefect.transforms.fractal import FractalPatch
from synthdefect.transforms.ranges import number_setting
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = ["fractal_recipe"]

_JITTER = {
    "brightness_factor": (0.8, 1.2),
    "contrast_factor": (0.8, 1.2),
    "saturation_factor": (0.8, 1.2),
    "hue_shift": (-0.2, 0.2),
}
_BRIGHTNESS_CONTRAST = {
    "brightness_factor": (0.5, 1.5),
    "contrast_factor": (0.5, 1.5),
    "saturation_factor": (1.0, 1.0),
    "hue_shift": (0.0, 0.0),
}


def _color_change() -> RandomChoice:
    return RandomChoice(
        [
            ("jitter", TextureAugment(["color_jitter"], k=1, ranges={"color_jitter": _JITTER})),
            (
                "brightness-contrast",
                TextureAugment(
                    ["color_jitter"], k=1, ranges={"color_jitter": _BRIGHTNESS_CONTRAST}
                ),
            ),
            ("channels", TextureAugment(["scale_channels"], k=1)),
        ]
    )


def fractal_recipe(
    textures: TextureSpec = None,
    *,
    p_anomaly: float | None = None,
    side: tuple[float, float] = (0.1, 0.5),
    angle: tuple[float, float] = (15.0, 75.0),
    noise: float = 10.0,
    p_noise: float = 0.5,
) -> Compose:
    """The Fractal recipe (see module doc) making an anomaly with probability ``p_anomaly``
    (default 0.5, as every preset); ``noise`` (grey levels) is added with probability
    ``p_noise``. It takes no textures."""
    refuse_textures("fractal", textures, "cuts its patches from the image itself")
    noise = number_setting("noise", noise, 0)
    steps = [
        ("texture", TextureSample("self")),
        ("color", _color_change()),
        ("patch", FractalPatch(side, angle)),
        ("noise", RandomApply(GaussianNoise(noise), p=number_setting("p_noise", p_noise, 0, 1))),
        ("blend", BetaBlend((1.0, 1.0))),
    ]
    return anomaly_recipe("fractal", steps, p_anomaly)
