"""A user's texture specification, parsed once into a :class:`TextureInput`, and the
:class:`TextureSource` it builds.

A spec is what ``--textures`` and ``textures=`` accept: ``None`` (none given), the words
``"procedural"`` (or ``"procedural:noise,cracks"``) and ``"self"``, a folder, a glob, a file, a
list of paths or arrays, an ndarray, or a :class:`TextureSource`. :func:`parse_textures` reads
it without touching a file's contents; code past the parser asks the :class:`TextureInput`
(``kind``, :attr:`~TextureInput.given`, :attr:`~TextureInput.default`,
:attr:`~TextureInput.generated`) instead of comparing
strings.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from synthdefect.files.paths import resolve_image_paths
from synthdefect.textures.arrays import ArraySource
from synthdefect.textures.base import SelfSource, TextureSource
from synthdefect.textures.files import FolderSource, PathSource
from synthdefect.textures.procedural import PROCEDURAL_KINDS, ProceduralSource

__all__ = ["TextureInput", "TextureKind", "TextureSpec", "as_texture_source", "parse_textures"]

TextureSpec = TextureSource | str | os.PathLike | Sequence[Any] | np.ndarray | None

TextureKind = Literal["none", "procedural", "self", "folder", "glob", "files", "arrays", "source"]

PROCEDURAL = "procedural"
SELF = "self"


@dataclass(frozen=True)
class TextureInput:
    """A parsed texture spec.

    ``kind`` and ``value``: ``"none"`` (no spec given: the built-in procedural textures),
    ``"procedural"`` (``value``: the kinds, a tuple of names), ``"self"`` (the sample's own
    normal image), ``"folder"`` (a ``Path``, searched recursively), ``"glob"`` (the pattern),
    ``"files"`` (a tuple of paths), ``"arrays"`` (an ndarray ``(N, H, W, C)`` or a tuple of
    HWC arrays), ``"source"`` (a ready :class:`TextureSource`).
    """

    kind: TextureKind
    value: Any = None

    @property
    def given(self) -> bool:
        """Whether the user named textures at all (``kind`` is not ``"none"``)."""
        return self.kind != "none"

    @property
    def default(self) -> bool:
        """Whether this names the built-in default, all procedural kinds: none given, or the
        word ``"procedural"`` (the command line's default). A recipe that takes no textures
        accepts it."""
        return self.kind == "none" or (self.kind == "procedural" and self.value is None)

    @property
    def generated(self) -> bool:
        """Whether no file holds the textures (none given, procedural, or the image itself)."""
        return self.kind in ("none", "procedural", "self")

    def spelling(self) -> str | None:
        """How a run record names this input: the words as written (``"procedural"`` when none
        was given, as the records of earlier runs say), an existing path made absolute, a glob
        as written; ``None`` for arrays and ready sources, which no text names."""
        if self.kind in ("none", "procedural"):
            kinds = PROCEDURAL_KINDS if self.value is None else self.value
            return PROCEDURAL if kinds == PROCEDURAL_KINDS else f"{PROCEDURAL}:{','.join(kinds)}"
        if self.kind == "self":
            return SELF
        if self.kind == "folder" or (self.kind == "files" and len(self.value) == 1):
            path = Path(self.value if self.kind == "folder" else self.value[0])
            return str(path.resolve()) if path.exists() else str(path)
        if self.kind == "glob":
            return self.value
        return None

    def source(self) -> TextureSource:
        """The :class:`TextureSource` this input names (files are listed now, not decoded);
        :class:`~synthdefect.files.NoImagesError` when paths name no image file."""
        if self.kind in ("none", "procedural"):
            return ProceduralSource() if self.value is None else ProceduralSource(self.value)
        if self.kind == "self":
            return SelfSource()
        if self.kind == "folder":
            return FolderSource(self.value)
        if self.kind == "glob":
            return PathSource(resolve_image_paths(self.value))
        if self.kind == "files":  # one path: its own words when missing
            return PathSource(
                resolve_image_paths(self.value[0]) if len(self.value) == 1 else self.value
            )
        if self.kind == "arrays":
            return ArraySource(self.value)
        return self.value


def _from_string(spec: str) -> TextureInput:
    if not spec.strip():
        raise ValueError(
            f"an empty texture spec names nothing (got {spec!r}): give a folder, glob or file, "
            "'procedural' or 'self'"
        )
    if spec == PROCEDURAL:
        return TextureInput("procedural")
    if spec.startswith(PROCEDURAL + ":"):
        return TextureInput("procedural", tuple(spec.removeprefix(PROCEDURAL + ":").split(",")))
    if spec == SELF:
        return TextureInput("self")
    return _from_path(spec)


def _from_path(spec: str | os.PathLike) -> TextureInput:
    if Path(spec).is_dir():
        return TextureInput("folder", Path(spec))
    if glob.has_magic(os.fspath(spec)):
        return TextureInput("glob", os.fspath(spec))
    return TextureInput("files", (spec,))


def parse_textures(spec: TextureSpec | TextureInput) -> TextureInput:
    """The :class:`TextureInput` that ``spec`` describes:

    * ``None``: ``"none"``; ``"procedural"``: all procedural kinds,
      ``"procedural:noise,stripes"`` only the listed ones; ``"self"``;
    * a folder path (str or ``PathLike``): ``"folder"``; a glob pattern such as
      ``"textures/**/*.jpg"``: ``"glob"``; one file path, or a list/tuple of paths: ``"files"``;
    * an ndarray ``(N, H, W, C)`` or a list/tuple of image arrays: ``"arrays"``;
    * a :class:`TextureSource`: ``"source"``; a :class:`TextureInput`: itself.

    The words ``"procedural"`` and ``"self"`` win over folders of that name (write ``"./self"``).
    Reads no file (a folder is only checked to be one). ``ValueError`` for an empty string,
    ``TypeError`` for anything else.
    """
    if isinstance(spec, TextureInput):
        return spec
    if spec is None:
        return TextureInput("none")
    if isinstance(spec, TextureSource):
        return TextureInput("source", spec)
    if isinstance(spec, str):
        return _from_string(spec)
    if isinstance(spec, os.PathLike):
        return _from_path(spec)
    if isinstance(spec, np.ndarray):
        return TextureInput("arrays", spec)
    if isinstance(spec, (list, tuple)) and spec:
        if all(isinstance(s, np.ndarray) for s in spec):
            return TextureInput("arrays", tuple(spec))
        if all(isinstance(s, (str, os.PathLike)) for s in spec):
            return TextureInput("files", tuple(spec))
        raise TypeError("a texture list must hold only paths or only numpy arrays")
    raise TypeError(
        f"cannot make a texture source from {type(spec).__name__} {spec!r}: expected None, "
        "'procedural', 'self', a folder, file or glob, a list of paths or arrays, an ndarray "
        "or a TextureSource"
    )


def as_texture_source(spec: TextureSpec | TextureInput) -> TextureSource:
    """The texture source that ``spec`` describes (see :func:`parse_textures`; ``None``: the
    built-in :class:`ProceduralSource`). Raises
    :class:`~synthdefect.files.NoImagesError` when the paths name no image file (missing
    folder or file, glob without matches), its subclass
    :class:`~synthdefect.files.NoReadableImagesError` when none is readable, and
    ``TypeError`` for anything else."""
    return parse_textures(spec).source()
