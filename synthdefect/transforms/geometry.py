"""Geometric augmentation of the normal image (moves image, clean target and mask together)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.functional.geometry import rotate
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import check_float, check_keys, register_transform

__all__ = ["RandomRotate"]


@register_transform
class RandomRotate(Transform):
    """Rotate the whole sample by an angle drawn uniformly from ``degrees`` = (lo, hi).

    Corners that come from outside the image are black, as in DRAEM's imgaug ``Affine``. Wrap it in
    :class:`~synthdefect.transforms.base.RandomApply` to rotate only some samples (the
    ``draem-code`` preset rotates with probability 0.3). Record params: ``{"angle": float}`` in
    degrees.
    """

    def __init__(self, degrees: tuple[float, float] = (-90.0, 90.0)) -> None:
        lo, hi = (float(v) for v in degrees)
        if lo > hi:
            raise ValueError(f"degrees must be (lo, hi) with lo <= hi, got {degrees}")
        self.degrees = (lo, hi)

    def settings(self) -> dict[str, Any]:
        return {"degrees": list(self.degrees)}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return self.record(angle=float(rng.uniform(*self.degrees)))

    def check_params(self, params: Any) -> Mapping[str, Any]:
        check_keys(params, ("angle",), "RandomRotate params")
        check_float(params["angle"], "RandomRotate params.angle", *self.degrees)
        return params

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        angle = self.unpack(params)["angle"]
        image = rotate(sample.image, angle)
        normal = image if sample.normal is sample.image else rotate(sample.normal, angle)
        mask = rotate(sample.mask, angle, nearest=True) if sample.mask.any() else sample.mask
        foreground = sample.foreground
        if foreground is not None:
            foreground = rotate(foreground, angle, nearest=True)
        return sample.evolve(image=image, normal=normal, mask=mask, foreground=foreground)
