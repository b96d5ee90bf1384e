"""FPI, Foreign Patch Interpolation (Tan et al., MOOD challenge 2020, arXiv 2011.04197): the
same patch region of another normal image interpolated into the image with a factor ``alpha``
drawn from U(0, 1); the target is soft, ``alpha`` inside the patch and 0 outside (see
:mod:`synthdefect.sample` for how soft masks reach files, the Dataset and the trainer).

``Compose([("anomaly", RandomApply(Compose([mask, texture, blend]), p=p_anomaly))], name="fpi")``:

* ``mask``: :class:`~synthdefect.transforms.shape_masks.RectangleMask`, ``area`` 1-16 % of the
  image (sides of about 10-40 %) and aspect ratio 0.5-2, both uniform, centred on the foreground
  when there is one (the paper draws the patch's size and place uniformly; the ranges are this
  recipe's);
* ``texture``: ``TextureSample(textures)`` resized whole to the image, so the patch comes from
  the same place of the other image: pass the normal images as ``textures`` (``--textures`` the
  images folder), as for ``nsa``; without textures the foreign content is the procedural
  textures';
* ``blend``: :class:`~synthdefect.transforms.blend.SoftBetaBlend` ``(0, 1)``, ``alpha``.
"""

from __future__ import annotations

from synthdefect.recipes.anomaly_step import anomaly_recipe
from synthdefect.textures import TextureSpec, parse_textures
from synthdefect.transforms.base import Compose
from synthdefect.transforms.blend import SoftBetaBlend
from synthdefect.transforms.ranges import float_range
from synthdefect.transforms.shape_masks import RectangleMask
from synthdefect.transforms.texture import TextureSample

__all__ = ["fpi_recipe"]


def fpi_recipe(
    textures: TextureSpec = None,
    *,
    p_anomaly: float | None = None,
    area: tuple[float, float] = (0.01, 0.16),
    aspect: tuple[float, float] = (0.5, 2.0),
    alpha: tuple[float, float] = (0.0, 1.0),
) -> Compose:
    """The FPI recipe (see module doc) making an anomaly with probability ``p_anomaly`` (default
    0.5, as every preset); ``textures`` the other normal images (``"self"`` is refused: a patch
    interpolated with itself changes nothing)."""
    if parse_textures(textures).kind == "self":
        raise ValueError(
            "the fpi recipe interpolates a patch of another image: pass the normal images as "
            "textures, not 'self'"
        )
    steps = [
        ("mask", RectangleMask(area, aspect)),
        ("texture", TextureSample(textures)),
        ("blend", SoftBetaBlend(float_range("alpha", alpha, 0, 1))),
    ]
    return anomaly_recipe("fpi", steps, p_anomaly)
