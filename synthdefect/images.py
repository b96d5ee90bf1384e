"""Deprecated alias: this module moved to :mod:`synthdefect.files`."""

from synthdefect._moved import warn_moved
from synthdefect.files import *  # noqa: F403
from synthdefect.files import __all__  # noqa: F401

warn_moved(__name__, "synthdefect.files")
