"""Deprecated: the research recipes moved to :mod:`synthdefect.recipes.research`."""

import warnings

from synthdefect.recipes.research import *  # noqa: F403
from synthdefect.recipes.research import __all__  # noqa: F401

warnings.warn(
    "synthdefect.transforms.research moved to synthdefect.recipes.research",
    DeprecationWarning,
    stacklevel=2,
)
