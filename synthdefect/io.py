"""Deprecated alias: this module moved to :mod:`synthdefect.files` (pixel conversions to
:mod:`synthdefect.pixels`)."""

from synthdefect._moved import warn_moved
from synthdefect.files import *  # noqa: F403
from synthdefect.files import __all__  # noqa: F401
from synthdefect.pixels import match_channels, to_uint8  # noqa: F401

warn_moved(__name__, "synthdefect.files")
