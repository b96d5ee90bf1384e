"""Deprecated alias: this module moved to :mod:`synthdefect.recipes`."""

from synthdefect._moved import warn_moved
from synthdefect.recipes.presets import *  # noqa: F403
from synthdefect.recipes.presets import __all__  # noqa: F401

warn_moved(__name__, "synthdefect.recipes")
