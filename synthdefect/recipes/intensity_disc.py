"""Intensity discs, as ASBench's script named FPI makes them (Zhang et al., 2025,
arXiv 2510.07927): a disc of the image made brighter or darker by 20-30 % of the intensity
range (0..255 here, clipped: no uint8 wrap-around), radius 5-10 % of the image's side, centred
in the central half of the image.

``Compose([("anomaly", RandomApply(Compose([mask, texture, shift, blend]), p=p_anomaly))],
name="intensity-disc")``:

* ``mask``: :class:`~synthdefect.transforms.shape_masks.DiscMask` (``radius`` of the shorter
  side, ``region=0.5``), centred on the foreground when there is one;
* ``texture``: ``TextureSample("self")``, the image itself;
* ``shift``: :class:`~synthdefect.transforms.anomaly_sources.IntensityShift` (``amount``);
* ``blend``: ``BetaBlend((1, 1))``, the shifted disc pasted.
"""

from __future__ import annotations

from synthdefect.recipes.anomaly_step import anomaly_recipe, refuse_textures
from synthdefect.textures import TextureSpec
from synthdefect.transforms.anomaly_sources import IntensityShift
from synthdefect.transforms.base import Compose
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.shape_masks import DiscMask
from synthdefect.transforms.texture import TextureSample

__all__ = ["intensity_disc_recipe"]


def intensity_disc_recipe(
    textures: TextureSpec = None,
    *,
    p_anomaly: float | None = None,
    radius: tuple[float, float] = (0.05, 0.10),
    amount: tuple[float, float] = (0.2, 0.3),
) -> Compose:
    """The intensity-disc recipe (see module doc) making an anomaly with probability
    ``p_anomaly`` (default 0.5, as every preset); it takes no textures."""
    refuse_textures("intensity-disc", textures, "shifts the image itself")
    steps = [
        ("mask", DiscMask(radius, region=0.5)),
        ("texture", TextureSample("self")),
        ("shift", IntensityShift(amount)),
        ("blend", BetaBlend((1.0, 1.0))),
    ]
    return anomaly_recipe("intensity-disc", steps, p_anomaly)
