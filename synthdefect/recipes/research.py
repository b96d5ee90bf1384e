"""The research recipes beside DRAEM's, as named :class:`~synthdefect.transforms.base.Compose`
pipelines (see ``docs/research-recipes.md`` for their sources and parameters).

Every recipe is ``Compose([("anomaly", RandomApply(<steps>, p=p_anomaly))], name=<preset>)``;
the steps are:

* ``cutpaste``: texture ``TextureSample("self")``, augment ``TextureAugment(["color_jitter"])``,
  patch :class:`~synthdefect.transforms.patch.CutPastePatch`, blend ``BetaBlend((1, 1))`` (paste);
* ``cutpaste-scar``: as ``cutpaste`` with :class:`~synthdefect.transforms.patch.ScarPatch`;
* ``nsa``: texture ``TextureSample(textures)`` (another normal image: pass the normal images as
  ``textures``; default ``"self"``), patch :class:`~synthdefect.transforms.patch.NSAPatches`,
  blend :class:`~synthdefect.transforms.blend.PoissonBlend`;
* ``nsa-logistic``: as ``nsa``, then target
  :class:`~synthdefect.transforms.targets.IntensityTarget` (NSA's "logistic-intensity"
  labels: each pixel's target grows with how much the clone changed it);
* ``memseg``: mask ``PerlinMask``, source ``RandomChoice`` of a texture file or the "structure"
  (the image itself, 3 DRAEM ops, shuffled in 8x8 cells), blend ``BetaBlend((0.15, 1))``;
* ``glass``: mask :class:`~synthdefect.transforms.mask.PerlinPairMask`, texture and 3 of GLASS's
  9 ops, blend :class:`~synthdefect.transforms.blend.GaussianBetaBlend`;
* ``destseg``: mask ``PerlinMask``, texture without augmentation, blend ``BetaBlend((0.2, 1))``
  with the released code's half-open range.
"""

from __future__ import annotations

from typing import Any

from synthdefect.functional.targets import NSA_LOGISTIC
from synthdefect.recipes.anomaly_step import anomaly_recipe, refuse_textures
from synthdefect.textures import TextureSpec, parse_textures
from synthdefect.transforms.anomaly_sources import GridShuffle
from synthdefect.transforms.base import Compose, Transform
from synthdefect.transforms.blend import BetaBlend, GaussianBetaBlend, PoissonBlend
from synthdefect.transforms.choice import RandomChoice
from synthdefect.transforms.mask import PerlinMask, PerlinPairMask
from synthdefect.transforms.patch import CutPastePatch, NSAPatches, ScarPatch
from synthdefect.transforms.targets import IntensityTarget
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = ["GLASS_OPS", "RECIPES", "research_recipe"]

GLASS_OPS = (
    "contrast",
    "brightness",
    "color_jitter",
    "hflip",
    "vflip",
    "grayscale",
    "autocontrast",
    "equalize",
    "rotate_texture",
)
"""GLASS's ``rand_augmenter``: 3 of these 9 torchvision ops, with its ranges below."""

_GLASS_RANGES = {
    "contrast": {"factor": (0.8, 1.2)},
    "brightness": {"factor": (0.8, 1.2), "add": (0.0, 0.0)},
    "color_jitter": {
        "brightness_factor": (1.0, 1.0),
        "contrast_factor": (1.0, 1.0),
        "saturation_factor": (0.8, 1.2),
        "hue_shift": (-0.2, 0.2),
    },
    "autocontrast": {"cutoff": (0, 0)},
    "rotate_texture": {"angle": (-45.0, 45.0)},
}

# DRAEM's Perlin mask as MemSeg, GLASS and DeSTSeg's released code draw it.
_PERLIN = {"scale_exponents": (0, 5), "angle": (-90.0, 90.0), "threshold": 0.5}


def _cutpaste(textures: TextureSpec, scar: bool) -> list[tuple[str, Transform]]:
    name = "cutpaste-scar" if scar else "cutpaste"
    refuse_textures(name, textures, "cuts its patches from the image itself")
    return [
        ("texture", TextureSample("self")),
        ("augment", TextureAugment(["color_jitter"], k=1)),
        ("patch", ScarPatch() if scar else CutPastePatch()),
        ("blend", BetaBlend((1.0, 1.0))),
    ]


def _nsa(textures: TextureSpec, mixed: bool = False) -> list[tuple[str, Transform]]:
    return [
        ("texture", TextureSample(textures if parse_textures(textures).given else "self")),
        ("patch", NSAPatches()),
        ("blend", PoissonBlend(mixed=mixed)),
    ]


def _nsa_logistic(
    textures: TextureSpec,
    mixed: bool = False,
    logistic: tuple[float, float] | None = NSA_LOGISTIC,
) -> list[tuple[str, Transform]]:
    return [*_nsa(textures, mixed), ("target", IntensityTarget(logistic=logistic))]


def _memseg(textures: TextureSpec) -> list[tuple[str, Transform]]:
    structure = Compose(
        [
            ("image", TextureSample("self")),
            ("augment", TextureAugment("draem-code", k=3)),
            ("shuffle", GridShuffle((8, 8))),
        ]
    )
    source = RandomChoice([("texture", TextureSample(textures)), ("structure", structure)])
    return [
        ("mask", PerlinMask(**_PERLIN)),
        ("source", source),
        ("blend", BetaBlend((0.15, 1.0))),
    ]


def _glass(textures: TextureSpec) -> list[tuple[str, Transform]]:
    return [
        ("mask", PerlinPairMask(**_PERLIN)),
        ("texture", TextureSample(textures)),
        ("augment", TextureAugment(GLASS_OPS, k=3, ranges=_GLASS_RANGES)),
        ("blend", GaussianBetaBlend(0.5, 0.1, (0.2, 0.8))),
    ]


def _destseg(textures: TextureSpec) -> list[tuple[str, Transform]]:
    return [
        ("mask", PerlinMask(**_PERLIN)),
        ("texture", TextureSample(textures)),
        ("blend", BetaBlend((0.2, 1.0), open_low=True)),
    ]


RECIPES = {
    "cutpaste": lambda textures, **kw: _cutpaste(textures, scar=False, **kw),
    "cutpaste-scar": lambda textures, **kw: _cutpaste(textures, scar=True, **kw),
    "nsa": _nsa,
    "nsa-logistic": _nsa_logistic,
    "memseg": _memseg,
    "glass": _glass,
    "destseg": _destseg,
}
"""Recipe name -> ``steps(textures, **options)``: the steps inside the anomaly's RandomApply."""


def research_recipe(
    name: str, textures: TextureSpec = None, *, p_anomaly: float | None = None, **options: Any
) -> Compose:
    """The research recipe ``name`` (see module doc) making an anomaly with probability
    ``p_anomaly`` (default 0.5, as the DRAEM presets). ``options``: ``mixed=True`` for ``nsa``
    and ``nsa-logistic`` (mixed-gradient Poisson blending, NSA's choice for textures);
    ``logistic=(k, x0)`` for ``nsa-logistic`` (its target's curve, default NSA's (1/6, 20);
    ``None``: hard labels of the changed pixels, see
    :class:`~synthdefect.transforms.targets.IntensityTarget`)."""
    steps = RECIPES.get(name)
    if steps is None:
        raise ValueError(f"unknown research recipe {name!r}; choose one of {sorted(RECIPES)}")
    return anomaly_recipe(name, steps(textures, **options), p_anomaly)
