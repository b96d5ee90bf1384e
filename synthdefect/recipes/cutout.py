"""CutOut (DeVries & Taylor, 2017, arXiv 1708.04552) as an anomaly: a rectangle of the image
filled with one colour, as ASBench's MemSeg pipeline uses it (Zhang et al., 2025,
arXiv 2510.07927).

``Compose([("anomaly", RandomApply(Compose([mask, fill, blend]), p=p_anomaly))], name="cutout")``:

* ``mask``: :class:`~synthdefect.transforms.shape_masks.RectangleMask`, ``area`` 2-15 % of the
  image and aspect ratio 0.3-3.3 (CutPaste's ranges; CutOut's fixed square suits CIFAR, not
  parts), centred on the foreground when there is one;
* ``fill``: :class:`~synthdefect.transforms.choice.RandomChoice` of
  :class:`~synthdefect.transforms.anomaly_sources.SolidColor` ``"black"``, ``"mean"`` (the
  image's mean colour) and ``"random"``, equally likely;
* ``blend``: ``BetaBlend((1, 1))``, the colour pasted.
"""

from __future__ import annotations

from synthdefect.recipes.anomaly_step import anomaly_recipe, refuse_textures
from synthdefect.textures import TextureSpec
from synthdefect.transforms.anomaly_sources import FILL_MODES, SolidColor
from synthdefect.transforms.base import Compose
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.choice import RandomChoice
from synthdefect.transforms.shape_masks import RectangleMask

__all__ = ["cutout_recipe"]


def cutout_recipe(
    textures: TextureSpec = None,
    *,
    p_anomaly: float | None = None,
    area: tuple[float, float] = (0.02, 0.15),
    aspect: tuple[float, float] = (0.3, 3.3),
) -> Compose:
    """The CutOut recipe (see module doc) making an anomaly with probability ``p_anomaly``
    (default 0.5, as every preset); it takes no textures."""
    refuse_textures("cutout", textures, "fills its rectangles with one colour")
    fill = RandomChoice([(mode, SolidColor(mode)) for mode in FILL_MODES])
    steps = [
        ("mask", RectangleMask(area, aspect)),
        ("fill", fill),
        ("blend", BetaBlend((1.0, 1.0))),
    ]
    return anomaly_recipe("cutout", steps, p_anomaly)
