"""Geometric augmentation of the normal image (moves image, clean target and mask together).

The rotated normal image is the sample's clean target, so a rotation only makes sense where the
sample trains a model together with that target (``Sample.normal``). Test sets must hold the
normal images as they are: :func:`without_rotation` switches rotations off in any recipe
(``synthdefect generate`` and ``to_v2`` use it by default).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from synthdefect.functional.geometry import BORDERS, rotate, rotation_fill
from synthdefect.sample import Sample
from synthdefect.transforms.base import RandomApply, Transform
from synthdefect.transforms.records import Schema, number, register_transform

__all__ = ["RandomRotate", "without_rotation"]


@register_transform
class RandomRotate(Transform):
    """Rotate the whole sample by an angle drawn uniformly from ``degrees`` = (lo, hi).

    Pixels whose source lies outside the image are filled as ``border`` says: ``"reflect"``
    (default: mirrored image content, so no part of a non-square image turns black) or
    ``"zero"`` (black corners, as DRAEM's imgaug ``Affine``). Wrap it in
    :class:`~synthdefect.transforms.base.RandomApply` to rotate only some samples (the
    ``draem-code`` preset rotates with probability 0.3). Record params: ``{"angle": float}`` in
    degrees and ``{"filled": float}``, the fraction in [0, 1] of pixels filled from outside
    (:func:`~synthdefect.functional.geometry.rotation_fill`).
    """

    version = 2
    settings_fields = ("degrees", "border")

    def __init__(
        self, degrees: tuple[float, float] = (-90.0, 90.0), border: str = "reflect"
    ) -> None:
        lo, hi = (float(v) for v in degrees)
        if lo > hi:
            raise ValueError(f"degrees must be (lo, hi) with lo <= hi, got {degrees}")
        if border not in BORDERS:
            raise ValueError(f"unknown border {border!r}; choose one of {sorted(BORDERS)}")
        self.degrees = (lo, hi)
        self.border = border

    def params_schema(self) -> Schema:
        return {"angle": number(*self.degrees), "filled": number(0.0, 1.0)}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        angle = float(rng.uniform(*self.degrees))
        height, width = sample.image.shape[:2]
        return self.record(angle=angle, filled=round(rotation_fill(height, width, angle), 6))

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        angle = self.unpack(params)["angle"]

        def turn(array: np.ndarray, nearest: bool = False) -> np.ndarray:
            return rotate(array, angle, nearest=nearest, border=self.border)

        image = turn(sample.image)
        normal = image if sample.normal is sample.image else turn(sample.normal)
        mask = turn(sample.mask, nearest=True) if sample.mask.any() else sample.mask
        foreground = sample.foreground
        if foreground is not None:
            foreground = turn(foreground, nearest=True)
        return sample.evolve(image=image, normal=normal, mask=mask, foreground=foreground)

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        """Image and normal turned on the device; a batch that already holds a mask or a
        foreground (nearest-neighbour turns) runs on the host."""
        if batch.foreground is not None or bool(batch.mask.any()):
            return super().apply_batch(batch, records)
        from synthdefect.functional.batched.geometry import rotate as rotate_batch

        angles = [self.unpack(r)["angle"] for r in records]
        image = rotate_batch(batch.image, angles, self.border)
        same = batch.normal is batch.image
        normal = image if same else rotate_batch(batch.normal, angles, self.border)
        return batch.evolve(image=image, normal=normal)


def without_rotation(transform: Transform) -> Transform:
    """``transform`` with every normal-image rotation switched off.

    A :class:`RandomApply` of a :class:`RandomRotate` gets ``p = 0`` (its records say
    ``"applied": false``); a bare ``RandomRotate`` becomes one fixed at 0 degrees. The search
    follows the attributes of transforms (and lists, tuples and dicts of them); the transforms on
    the path to a rotation are shallow copies, everything else (texture sources, caches) is
    shared. Returns ``transform`` itself when it holds no rotation.
    """
    if isinstance(transform, RandomRotate):
        return RandomRotate((0.0, 0.0), border=transform.border)
    if isinstance(transform, RandomApply) and isinstance(transform.transform, RandomRotate):
        return RandomApply(transform.transform, p=0.0) if transform.p else transform
    changed = {}
    for name, value in vars(transform).items():
        new = _replace_rotations(value)
        if new is not value:
            changed[name] = new
    if not changed:
        return transform
    clone = copy.copy(transform)
    vars(clone).update(changed)
    return clone


def _replace_rotations(value: Any) -> Any:
    if isinstance(value, Transform):
        return without_rotation(value)
    if isinstance(value, list | tuple):
        items = [_replace_rotations(v) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if isinstance(value, dict):
        entries = {k: _replace_rotations(v) for k, v in value.items()}
        return entries if any(entries[k] is not value[k] for k in value) else value
    return value
