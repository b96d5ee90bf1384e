"""Turning a user's texture specification into a :class:`TextureSource`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.image_files import resolve_image_paths
from synthdefect.textures.arrays import ArraySource
from synthdefect.textures.base import SelfSource, TextureSource
from synthdefect.textures.files import FolderSource, PathSource
from synthdefect.textures.procedural import ProceduralSource

__all__ = ["TextureSpec", "as_texture_source"]

TextureSpec = TextureSource | str | os.PathLike | Sequence[Any] | np.ndarray | None


def _from_string(spec: str) -> TextureSource:
    if spec == "procedural":
        return ProceduralSource()
    if spec.startswith("procedural:"):
        return ProceduralSource(kinds=spec.removeprefix("procedural:").split(","))
    if spec == "self":
        return SelfSource()
    return _from_path(spec)


def _from_path(spec: str | os.PathLike) -> TextureSource:
    if Path(spec).is_dir():
        return FolderSource(spec)
    return PathSource(resolve_image_paths(spec))


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
    Raises :class:`~synthdefect.image_files.NoImagesError` when the paths name no image file
    (missing folder or file, glob without matches), its subclass
    :class:`~synthdefect.image_files.NoReadableImagesError` when none is readable, and
    ``TypeError`` for anything else.
    """
    if spec is None:
        return ProceduralSource()
    if isinstance(spec, TextureSource):
        return spec
    if isinstance(spec, str):
        return _from_string(spec)
    if isinstance(spec, os.PathLike):
        return _from_path(spec)
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
