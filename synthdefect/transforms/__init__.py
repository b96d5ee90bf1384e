"""Composable transforms: each draws a parameter record and calls :mod:`synthdefect.functional`."""

from synthdefect.transforms.anomaly import SyntheticAnomaly
from synthdefect.transforms.base import Compose, RandomApply, Transform
from synthdefect.transforms.blend import BetaBlend
from synthdefect.transforms.geometry import RandomRotate
from synthdefect.transforms.mask import PerlinMask
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TextureAugment

__all__ = [
    "BetaBlend",
    "Compose",
    "PerlinMask",
    "RandomApply",
    "RandomRotate",
    "SyntheticAnomaly",
    "TextureAugment",
    "TextureSample",
    "Transform",
]
