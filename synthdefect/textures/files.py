"""Texture sources backed by image files: :class:`FolderSource` and :class:`PathSource`.

Files are resolved, checked and decoded by :mod:`synthdefect.files`, the layer normal
images use too: files that are not images are dropped at construction with one
:class:`~synthdefect.files.UnreadableImageWarning` naming them all; a file that fails to
decode is found when first used (one warning names it) and its index falls back to the next
readable file (wrapping around), so a given index always yields the same texture and
:meth:`FileSource.name` names the file actually used.

The decoded images are kept in the source's bounded LRU cache while they are useful (crop
policy); textures fitted by the resize policy are cached instead (see
:class:`~synthdefect.textures.base.StoredSource`). Sources pickle without their cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from synthdefect.files.codec import read_image
from synthdefect.files.paths import NoImagesError, resolve_image_paths
from synthdefect.files.readable import ImageFiles
from synthdefect.textures.base import DEFAULT_CACHE_BYTES, StoredSource

__all__ = ["FileSource", "FolderSource", "PathSource"]


class FileSource(StoredSource):
    """Textures read from a list of image files; ``names`` are the ids :meth:`name` returns."""

    def __init__(
        self,
        paths: Sequence[str | os.PathLike],
        names: Sequence[str],
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        super().__init__(cache_bytes)
        paths = [Path(p) for p in paths]
        decode = partial(read_image, channels=None)
        self.files = ImageFiles(paths, decode, self.cache, "texture")
        name_of = dict(zip(paths, names, strict=True))
        self.names = [name_of[p] for p in self.files.paths]

    def __len__(self) -> int:
        return len(self.files)

    def name(self, index: int) -> str:
        """Id of the file actually used for ``index`` (may decode it to check it is readable)."""
        return self.names[self.files.resolve(self._check_index(index))]

    def entry_name(self, index: int) -> str:
        """Id of file ``index`` itself, without decoding it."""
        return self.names[self._check_index(index)]

    def _source_image(self, index: int, reuse: bool) -> np.ndarray:
        return self.files.load(index, keep=reuse)[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} files)"


class FolderSource(FileSource):
    """All image files under ``root`` (by suffix; sorted; sub-folders too when ``recursive``).

    Names are paths relative to ``root`` with ``/`` separators, e.g. ``"banded/banded_0002.jpg"``.
    Raises :class:`~synthdefect.files.NoImagesError` for a missing folder or one without
    image files, :class:`~synthdefect.files.NoReadableImagesError` when none is readable.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        recursive: bool = True,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        root = Path(root)
        if not root.is_dir():
            raise NoImagesError(f"no such texture folder: {root}")
        paths = resolve_image_paths(root, recursive=recursive)
        names = [p.relative_to(root).as_posix() for p in paths]
        super().__init__(paths, names, cache_bytes)
        self.root = root

    def __repr__(self) -> str:
        return f"FolderSource({str(self.root)!r}, {len(self)} files)"


class PathSource(FileSource):
    """The given image files, in the given order.

    Names are paths relative to the files' common folder (``/`` separators). Raises
    :class:`~synthdefect.files.NoImagesError` for an empty list or one naming a missing
    file.
    """

    def __init__(
        self, paths: Sequence[str | os.PathLike], cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        paths = resolve_image_paths(paths)
        common = Path(os.path.commonpath([p.resolve().parent for p in paths]))
        names = [p.resolve().relative_to(common).as_posix() for p in paths]
        super().__init__(paths, names, cache_bytes)
