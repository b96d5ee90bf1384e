"""Blend steps: put the prepared texture into the image through the mask.

:class:`BetaBlend` (DRAEM: opacity uniform in a range; ``(1, 1)`` pastes, as CutPaste does),
:class:`SoftBetaBlend` (FPI: the opacity is also the target, a soft mask),
:class:`GaussianBetaBlend` (GLASS: opacity normal, clipped), :class:`PoissonBlend` (NSA: seamless).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthdefect.functional.blend import beta_blend, poisson_blend
from synthdefect.functional.masks import anomalous_pixels
from synthdefect.pixels import to_uint8
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.ranges import flag_setting, float_range, number_setting
from synthdefect.transforms.records import Schema, number, register_transform

__all__ = ["BetaBlend", "GaussianBetaBlend", "PoissonBlend", "SoftBetaBlend"]


@register_transform
class BetaBlend(Transform):
    """Blend ``sample.texture`` into ``sample.image`` where ``sample.mask`` is set.

    ``beta`` (the texture's opacity) is drawn uniformly from ``beta_range`` = (lo, hi) with
    0 <= lo <= hi <= 1; ``open_low=True`` draws from (lo, hi] instead of [lo, hi), as the released
    DRAEM code does (texture weight ``1 - 0.8 * U[0, 1)`` is in (0.2, 1]).
    The texture is consumed: the result has ``texture=None``. Record params: ``{"beta": float}``.
    """

    settings_fields = ("beta_range", "open_low")

    def __init__(
        self, beta_range: tuple[float, float] = (0.1, 1.0), open_low: bool = False
    ) -> None:
        self.beta_range = float_range("beta_range", beta_range, 0.0, 1.0)
        self.open_low = flag_setting("open_low", open_low)

    def params_schema(self) -> Schema:
        return {"beta": number(*self.beta_range)}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        lo, hi = self.beta_range
        u = rng.random()
        beta = hi - (hi - lo) * u if self.open_low else lo + (hi - lo) * u
        return self.record(beta=float(beta))

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        return _beta_blended(sample, self.unpack(params)["beta"])

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        return _beta_blended_batch(batch, [self.unpack(r)["beta"] for r in records])


@register_transform
class SoftBetaBlend(BetaBlend):
    """:class:`BetaBlend` whose target is soft: after blending, ``sample.mask`` becomes
    ``beta * mask`` (float32 in [0, 1]), the share of the texture in each pixel. FPI (Tan et
    al., 2020) interpolates a foreign patch with a factor ``alpha ~ U(0, 1)`` and regresses that
    factor: ``SoftBetaBlend((0, 1))``. Record params: ``{"beta": float}``."""

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        beta = self.unpack(params)["beta"]
        blended = _beta_blended(sample, beta)
        return blended.evolve(mask=(sample.mask * np.float32(beta)).astype(np.float32))

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        import torch

        betas = [self.unpack(r)["beta"] for r in records]
        weights = torch.tensor(betas, dtype=torch.float32, device=batch.device)
        blended = _beta_blended_batch(batch, betas)
        return blended.evolve(mask=batch.mask * weights[:, None, None])


@register_transform
class GaussianBetaBlend(Transform):
    """:class:`BetaBlend` with the opacity drawn from a normal distribution, clipped.

    ``beta ~ N(mean, std)`` clipped to ``clip`` = (lo, hi) within [0, 1]; GLASS (Chen et al.,
    ECCV 2024) uses N(0.5, 0.1) clipped to [0.2, 0.8]. Record params: ``{"beta": float}``.
    """

    settings_fields = ("mean", "std", "clip")

    def __init__(
        self, mean: float = 0.5, std: float = 0.1, clip: tuple[float, float] = (0.2, 0.8)
    ) -> None:
        self.clip = float_range("clip", clip, 0.0, 1.0)
        self.mean, self.std = number_setting("mean", mean), number_setting("std", std, 0)

    def params_schema(self) -> Schema:
        return {"beta": number(*self.clip)}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return self.record(beta=float(np.clip(rng.normal(self.mean, self.std), *self.clip)))

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        return _beta_blended(sample, self.unpack(params)["beta"])

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        return _beta_blended_batch(batch, [self.unpack(r)["beta"] for r in records])


@register_transform
class PoissonBlend(Transform):
    """Clone ``sample.texture`` into the image where ``sample.mask`` is set, seamlessly
    (:func:`~synthdefect.functional.blend.poisson_blend`): ``mixed=False`` keeps the texture's
    gradients (NSA on objects), ``mixed=True`` the stronger of texture's and image's (NSA on
    textures). Draws nothing. ``float32`` images are cloned in 8 bits; their pixels outside the
    mask stay exact.
    """

    settings_fields = ("mixed",)

    def __init__(self, mixed: bool = False) -> None:
        self.mixed = flag_setting("mixed", mixed)

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        self.unpack(params)
        texture = _texture(sample)
        if sample.image.dtype == np.uint8:
            image = poisson_blend(sample.image, texture, sample.mask, mixed=self.mixed)
        else:
            cloned = poisson_blend(to_uint8(sample.image), texture, sample.mask, self.mixed)
            inside = anomalous_pixels(sample.mask)
            image = sample.image.copy()
            image[inside] = cloned[inside] / np.float32(255.0)
        return sample.evolve(image=image, texture=None)


def _beta_blended(sample: Sample, beta: float) -> Sample:
    """``sample`` with its texture beta-blended into the image under its mask (texture used up)."""
    image = beta_blend(sample.image, _texture(sample), sample.mask, beta)
    return sample.evolve(image=image, texture=None)


def _beta_blended_batch(batch: Any, betas: list[float]) -> Any:
    """:func:`_beta_blended` for a :class:`~synthdefect.sample_batch.SampleBatch`."""
    from synthdefect.functional.batched.blend import beta_blend as beta_blend_batch

    image = beta_blend_batch(batch.image, _texture(batch), batch.mask, betas)
    return batch.evolve(image=image, texture=None)


def _texture(sample: Any) -> np.ndarray:
    if sample.texture is None:
        raise ValueError(
            "blending needs sample.texture: put a texture step (a TextureSample) before it"
        )
    return sample.texture
