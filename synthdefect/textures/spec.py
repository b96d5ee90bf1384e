"""Turning a user's texture specification into a :class:`TextureSource`."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.textures.arrays import ArraySource
from synthdefect.textures.base import SelfSource, TextureSource
from synthdefect.textures.files import FolderSource, PathSource
from synthdefect.textures.procedural import ProceduralSource

__all__ = ["TextureSpec", "as_texture_source"]

TextureSpec = TextureSource | str | os.PathLike | Sequence[Any] | np.ndarray | None

_GLOB_CHARS = frozenset("*?[")


def _from_string(spec: str) -> TextureSource:
    if spec == "procedural":
        return ProceduralSource()
    if spec.startswith("procedural:"):
        return ProceduralSource(kinds=spec.removeprefix("procedural:").split(","))
    if spec == "self":
        return SelfSource()
    if _GLOB_CHARS & set(spec) and not Path(spec).exists():
        matches = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
        if not matches:
            raise FileNotFoundError(f"no texture files match {spec!r}")
        return PathSource(matches)
    return _from_path(Path(spec))


def _from_path(path: Path) -> TextureSource:
    if path.is_dir():
        return FolderSource(path)
    if path.is_file():
        return PathSource([path])
    raise FileNotFoundError(f"texture folder or file not found: {path}")


def as_texture_source(spec: TextureSpec) -> TextureSource:
    """The texture source that ``spec`` describes.

    * ``None`` or ``"procedural"``: :class:`ProceduralSource` (all kinds);
      ``"procedural:noise,stripes"``: only the listed kinds;
    * ``"self"``: :class:`SelfSource` (the sample's own normal image);
    * a folder path (str or ``PathLike``): :class:`FolderSource` (recursive);
    * a glob pattern such as ``"textures/**/*.jpg"``: :class:`PathSource` of the matching files;
    * one image file path, or a list/tuple of paths: :class:`PathSource`;
    * an ndarray ``(N, H, W, C)`` or a list/tuple of image arrays: :class:`ArraySource`;
    * a :class:`TextureSource`: returned as it is.

    The words ``"procedural"`` and ``"self"`` win over folders of that name (write ``"./self"``).
    Raises ``FileNotFoundError`` for missing paths, :class:`NoReadableImagesError` for folders
    without readable images and ``TypeError`` for anything else.
    """
    if spec is None:
        return ProceduralSource()
    if isinstance(spec, TextureSource):
        return spec
    if isinstance(spec, str):
        return _from_string(spec)
    if isinstance(spec, os.PathLike):
        return _from_path(Path(spec))
    if isinstance(spec, np.ndarray):
        return ArraySource(spec)
    if isinstance(spec, (list, tuple)) and spec:
        if all(isinstance(s, np.ndarray) for s in spec):
            return ArraySource(spec)
        if all(isinstance(s, (str, os.PathLike)) for s in spec):
            return PathSource(spec)
        raise TypeError("a texture list must hold only paths or only numpy arrays")
    raise TypeError(
        f"cannot make a texture source from {type(spec).__name__} {spec!r}: expected None, "
        "'procedural', 'self', a folder, file or glob, a list of paths or arrays, an ndarray "
        "or a TextureSource"
    )
