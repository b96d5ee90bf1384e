"""Composable transforms: each draws a parameter record and calls :mod:`synthdefect.functional`."""

from synthdefect.transforms.base import Compose, RandomApply, Transform

__all__ = ["Compose", "RandomApply", "Transform"]
