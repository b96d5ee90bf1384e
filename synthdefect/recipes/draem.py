"""SyntheticAnomaly: the DRAEM recipe (both of its variants) as a :class:`Compose`.

The recipe is two named steps::

    rotate:  RandomApply(RandomRotate(rotate_degrees), p=rotate_p)
    anomaly: RandomApply(Compose([mask: PerlinMask, texture: TextureSample,
                                  augment: TextureAugment, blend: BetaBlend]), p=p_anomaly)

Its records are plain ``Compose`` records (``settings.name`` is the variant's name), so a record
rebuilds without this class (:func:`synthdefect.recipe_from_record`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthdefect.textures import TextureSpec
from synthdefect.transforms.base import Compose, RandomApply
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.geometry import RandomRotate
from synthdefect.transforms.mask import PerlinMask
from synthdefect.transforms.ranges import float_range, number_setting
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = ["DRAEM_VARIANTS", "DraemVariant", "SyntheticAnomaly"]


@dataclass(frozen=True)
class DraemVariant:
    """Parameters of one variant of DRAEM's recipe; fields match SyntheticAnomaly's arguments."""

    name: str
    p_anomaly: float
    scale_exponents: tuple[int, int]
    noise_angle: tuple[float, float]
    threshold: float | tuple[float, float]
    ops: str
    k: int
    beta: tuple[float, float]
    beta_open_low: bool
    rotate_p: float
    rotate_degrees: tuple[float, float]


DRAEM_VARIANTS: dict[str, DraemVariant] = {
    "paper": DraemVariant(
        name="paper",
        p_anomaly=0.5,
        scale_exponents=(0, 5),
        noise_angle=(-90.0, 90.0),
        # The paper draws t "uniformly at random" without a range; this one keeps masks in the
        # size range of the released code's fixed t = 0.5 (see docs/building-recipes.md).
        threshold=(0.3, 0.7),
        ops="paper",
        k=3,
        beta=(0.1, 1.0),
        beta_open_low=False,
        rotate_p=0.0,
        rotate_degrees=(-90.0, 90.0),
    ),
    "draem-code": DraemVariant(
        name="draem-code",
        p_anomaly=0.5,
        scale_exponents=(0, 5),
        noise_angle=(-90.0, 90.0),
        threshold=0.5,
        ops="draem-code",
        k=3,
        beta=(0.2, 1.0),
        beta_open_low=True,
        rotate_p=0.3,
        rotate_degrees=(-90.0, 90.0),
    ),
}
"""``paper``: the ICCV 2021 paper; ``draem-code``: the authors' released training code."""


class SyntheticAnomaly(Compose):
    """Simulate a surface anomaly: Perlin mask, augmented texture, beta-blend (DRAEM section 1).

    Args:
        preset: ``"draem-code"`` (the released code, default) or ``"paper"``; see
            :data:`DRAEM_VARIANTS`. Keyword arguments left as ``None`` take the variant's value.
        textures: the anomaly source: ``None``/``"procedural"`` (built-in procedural textures, no
            files), ``"self"`` (the normal image itself), a folder, a glob, a list of paths or
            arrays, or a :class:`~synthdefect.textures.TextureSource`.
        p_anomaly: probability in [0, 1] of making an anomaly; other samples are returned
            unchanged with an empty mask and label 0.
        threshold: Perlin threshold, fixed or a (lo, hi) range drawn uniformly.
        beta: (lo, hi) range of the texture opacity, within [0, 1].
        ops: texture op names, or ``"paper"`` / ``"draem-code"``; ``k`` distinct ops are applied.
        augment: any callable on HWC ``uint8`` (an imgaug pipeline, an albumentations transform)
            used instead of ``ops``.
        rotate_p: probability of rotating the normal image first (``draem-code``: 0.3).
        texture_resize: ``"resize"`` (DRAEM: to the image size, aspect ignored) or ``"crop"``.
        min_area: minimum mask area as a fraction of the image.
        redraw_empty: redraw empty Perlin masks (default), at most 10 draws in all, so that an
            anomaly always has a defect; if every draw is empty the sample has label 0.

    Steps: ``self["rotate"]``, ``self["anomaly"]`` and, inside the latter's ``transform``, the
    steps ``mask``, ``texture``, ``augment`` and ``blend`` (see module doc).
    """

    record_type = "Compose"

    def __init__(
        self,
        preset: str = "draem-code",
        textures: TextureSpec = None,
        *,
        p_anomaly: float | None = None,
        threshold: float | tuple[float, float] | None = None,
        beta: tuple[float, float] | None = None,
        ops: str | list[str] | None = None,
        k: int | None = None,
        augment: Callable[[np.ndarray], Any] | None = None,
        rotate_p: float | None = None,
        texture_resize: str = "resize",
        min_area: float = 0.0,
        redraw_empty: bool = True,
    ) -> None:
        v = DRAEM_VARIANTS.get(preset)
        if v is None:
            raise ValueError(
                f"unknown preset {preset!r} for SyntheticAnomaly; DRAEM variants: "
                f"{sorted(DRAEM_VARIANTS)} (other recipes: synthdefect.make_recipe)"
            )
        p_anomaly = (
            v.p_anomaly if p_anomaly is None else number_setting("p_anomaly", p_anomaly, 0, 1)
        )
        rotate_p = v.rotate_p if rotate_p is None else number_setting("rotate_p", rotate_p, 0, 1)
        mask = PerlinMask(
            scale_exponents=v.scale_exponents,
            angle=v.noise_angle,
            threshold=v.threshold if threshold is None else threshold,
            min_area=min_area,
            redraw_empty=redraw_empty,
        )
        if augment is not None:
            texture_ops = TextureAugment(fn=augment)
        else:
            texture_ops = TextureAugment(
                ops=v.ops if ops is None else ops, k=v.k if k is None else k
            )
        anomaly = Compose(
            [
                ("mask", mask),
                ("texture", TextureSample(textures, resize=texture_resize)),
                ("augment", texture_ops),
                (
                    "blend",
                    BetaBlend(
                        v.beta if beta is None else float_range("beta", beta, 0, 1),
                        open_low=v.beta_open_low,
                    ),
                ),
            ]
        )
        super().__init__(
            [
                ("rotate", RandomApply(RandomRotate(v.rotate_degrees), p=rotate_p)),
                ("anomaly", RandomApply(anomaly, p=p_anomaly)),
            ],
            name=v.name,
        )
