"""Where defects may go: a foreground spec made into a source for
:class:`~synthdefect.transforms.foreground.Foreground`, and a recipe restricted to it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthdefect.files.mask_folder import MaskFolder
from synthdefect.recipes.imports import named_attribute
from synthdefect.transforms.base import Transform
from synthdefect.transforms.foreground import Foreground, ForegroundSource

__all__ = ["load_foreground", "restricted"]


def load_foreground(spec: Any) -> ForegroundSource:
    """A foreground source: ``"auto"``, a :class:`~synthdefect.files.MaskFolder` or a
    callable as they are, a folder path (a folder of masks, one per normal image),
    ``"module:attribute"`` / ``"file.py:attribute"`` naming a callable ``fn(image) -> mask``.
    ``ValueError`` in one line otherwise."""
    if spec == "auto" or callable(spec) or isinstance(spec, MaskFolder):
        return spec
    if isinstance(spec, (str, os.PathLike)) and Path(spec).is_dir():
        return MaskFolder(spec)
    if isinstance(spec, (str, os.PathLike)) and ":" not in str(spec):
        raise ValueError(
            f"no such mask folder: {spec} (a foreground is 'auto', a folder of masks or "
            "module:attribute of a callable)"
        )
    if isinstance(spec, str):
        value = named_attribute(spec, "foreground")
        if callable(value):
            return value
        raise ValueError(f"foreground {spec!r} is not callable")
    raise ValueError(
        f"foreground must be 'auto', a folder of masks or module:attribute of a callable, got "
        f"{spec!r}"
    )


def restricted(recipe: Transform, foreground: Any) -> Transform:
    """``recipe`` itself when ``foreground`` is ``None``, else wrapped in a
    :class:`~synthdefect.transforms.foreground.Foreground` of :func:`load_foreground`'s source."""
    if foreground is None:
        return recipe
    return Foreground(recipe, load_foreground(foreground))
