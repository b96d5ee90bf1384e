"""Deprecated: the presets moved to :mod:`synthdefect.recipes` (``synthdefect.recipes.presets``)."""

import warnings

from synthdefect.recipes.presets import *  # noqa: F403
from synthdefect.recipes.presets import __all__  # noqa: F401

warnings.warn("synthdefect.presets moved to synthdefect.recipes", DeprecationWarning, stacklevel=2)
