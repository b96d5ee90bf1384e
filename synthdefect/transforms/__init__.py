"""Composable transforms: each draws a parameter record and calls :mod:`synthdefect.functional`.

The building blocks only; the recipes made of them live in :mod:`synthdefect.recipes`.
"""

import warnings
from typing import Any

from synthdefect.transforms.anomaly_sources import (
    GaussianNoise,
    GridShuffle,
    IntensityShift,
    SolidColor,
)
from synthdefect.transforms.base import Compose, RandomApply, Transform
from synthdefect.transforms.blend import BetaBlend, GaussianBetaBlend, PoissonBlend, SoftBetaBlend
from synthdefect.transforms.choice import RandomChoice
from synthdefect.transforms.external import ExternalAnomaly
from synthdefect.transforms.foreground import Foreground
from synthdefect.transforms.fractal import FractalPatch
from synthdefect.transforms.geometry import RandomRotate, without_rotation
from synthdefect.transforms.mask import PerlinMask, PerlinPairMask
from synthdefect.transforms.mask_base import MaskTransform
from synthdefect.transforms.patch import CutPastePatch, NSAPatches, ScarPatch
from synthdefect.transforms.records import (
    TRANSFORM_TYPES,
    RecordError,
    find_step,
    register_transform,
    walk_records,
)
from synthdefect.transforms.shape_masks import DiscMask, RectangleMask
from synthdefect.transforms.targets import IntensityTarget
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = [
    "TRANSFORM_TYPES",
    "BetaBlend",
    "Compose",
    "CutPastePatch",
    "DiscMask",
    "ExternalAnomaly",
    "Foreground",
    "FractalPatch",
    "GaussianBetaBlend",
    "GaussianNoise",
    "GridShuffle",
    "IntensityShift",
    "IntensityTarget",
    "MaskTransform",
    "NSAPatches",
    "PerlinMask",
    "PerlinPairMask",
    "PoissonBlend",
    "RandomApply",
    "RandomChoice",
    "RandomRotate",
    "RecordError",
    "RectangleMask",
    "ScarPatch",
    "SoftBetaBlend",
    "SolidColor",
    "TextureAugment",
    "TextureSample",
    "Transform",
    "find_step",
    "register_transform",
    "walk_records",
    "without_rotation",
]


def __getattr__(name: str) -> Any:
    if name == "SyntheticAnomaly":  # moved with the recipes
        warnings.warn(
            "synthdefect.transforms.SyntheticAnomaly moved to synthdefect.SyntheticAnomaly "
            "(synthdefect.recipes)",
            DeprecationWarning,
            stacklevel=2,
        )
        from synthdefect.recipes import SyntheticAnomaly

        return SyntheticAnomaly
    raise AttributeError(f"module 'synthdefect.transforms' has no attribute {name!r}")
