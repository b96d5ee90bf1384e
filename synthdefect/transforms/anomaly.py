"""SyntheticAnomaly: the full DRAEM recipe as one replayable transform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from synthdefect.presets import get_preset
from synthdefect.sample import Sample
from synthdefect.transforms.base import RandomApply, Transform
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.geometry import RandomRotate
from synthdefect.transforms.mask import PerlinMask
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = ["SyntheticAnomaly"]

_ANOMALY_STEPS = ("mask", "texture", "augment", "blend")


class SyntheticAnomaly(Transform):
    """Simulate a surface anomaly: Perlin mask, augmented texture, beta-blend (DRAEM section 1).

    Args:
        preset: ``"draem-code"`` (the released code, default) or ``"paper"``; see
            :mod:`synthdefect.presets`. Keyword arguments left as ``None`` take the preset's value.
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
        min_area: minimum mask area as a fraction of the image (redrawn up to 10 times).

    The record has the keys ``preset``, ``rotate``, ``anomaly`` (whether an anomaly was drawn)
    and, for anomalies, ``mask``, ``texture``, ``augment`` and ``blend``.
    """

    def __init__(
        self,
        preset: str = "draem-code",
        textures: Any = None,
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
    ) -> None:
        p = get_preset(preset)
        self.preset = p.name
        self.p_anomaly = p.p_anomaly if p_anomaly is None else float(p_anomaly)
        if not 0.0 <= self.p_anomaly <= 1.0:
            raise ValueError(f"p_anomaly must be in [0, 1], got {p_anomaly}")
        rotate_p = p.rotate_p if rotate_p is None else rotate_p
        self.rotate = RandomApply(RandomRotate(p.rotate_degrees), p=rotate_p)
        self.mask = PerlinMask(
            scale_exponents=p.scale_exponents,
            angle=p.noise_angle,
            threshold=p.threshold if threshold is None else threshold,
            min_area=min_area,
        )
        self.texture = TextureSample(textures, resize=texture_resize)
        if augment is not None:
            self.augment = TextureAugment(fn=augment)
        else:
            self.augment = TextureAugment(
                ops=p.ops if ops is None else ops, k=p.k if k is None else k
            )
        self.blend = BetaBlend(p.beta if beta is None else beta, open_low=p.beta_open_low)

    def _steps(self) -> list[tuple[str, Transform]]:
        return [(name, getattr(self, name)) for name in _ANOMALY_STEPS]

    def forward(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, dict[str, Any]]:
        sample, rotate = self.rotate.forward(sample, rng)
        record: dict[str, Any] = {"preset": self.preset, "rotate": rotate, "anomaly": False}
        if rng.random() < self.p_anomaly:
            record["anomaly"] = True
            for name, step in self._steps():
                sample, record[name] = step.forward(sample, rng)
        return sample.evolve(texture=None), record

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        sample = self.rotate.apply(sample, params["rotate"])
        if params["anomaly"]:
            for name, step in self._steps():
                sample = step.apply(sample, params[name])
        return sample.evolve(texture=None)
