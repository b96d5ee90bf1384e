"""Deprecated: DRAEM's recipe moved to :mod:`synthdefect.recipes.draem`."""

import warnings

from synthdefect.recipes.draem import *  # noqa: F403
from synthdefect.recipes.draem import __all__  # noqa: F401

warnings.warn(
    "synthdefect.transforms.anomaly moved to synthdefect.recipes.draem",
    DeprecationWarning,
    stacklevel=2,
)
