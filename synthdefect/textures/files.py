"""Texture sources backed by image files: :class:`FolderSource` and :class:`PathSource`.

Files are resolved, checked and decoded by :mod:`synthdefect.files`, the layer normal
images use too: files that are not images are dropped at construction with one
:class:`~synthdefect.files.UnreadableImageWarning` naming them all; a file that fails to
decode is found when first used (one warning names it) and its index falls back to the next
readable file (wrapping around), so a given index always yields the same texture and
:meth:`FileSource.name` names the file actually used.

The decoded images are kept in the source's bounded LRU cache while they are useful (crop
policy); textures fitted by the resize policy are cached instead, at the size they are used (see
:class:`~synthdefect.textures.base.StoredSource`). A JPEG at least twice the target on both axes
can be decoded at reduced size (:meth:`FileSource.reduction`, read from the file's header and
remembered per entry). Sources pickle without their cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from synthdefect.files.codec import read_frame, read_image
from synthdefect.files.jpeg import JpegFrame, reduction
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
        self._frames: dict[int, JpegFrame | None] = {}  # index -> its JPEG frame, once read

    def __len__(self) -> int:
        return len(self.files)

    def name(self, index: int) -> str:
        """Id of the file actually used for ``index`` (may decode it to check it is readable)."""
        return self.names[self.files.resolve(self._check_index(index))]

    def entry_name(self, index: int) -> str:
        """Id of file ``index`` itself, without decoding it."""
        return self.names[self._check_index(index)]

    def reduction(self, index: int, height: int, width: int) -> int:
        """The largest ``reduce`` at which file ``index`` still decodes at least ``height x
        width`` (read from its header, whether or not it decodes; 1 for files that are not
        JPEG or cannot be read)."""
        index = self._check_index(index)
        if index not in self._frames:
            self._frames[index] = read_frame(self.files.paths[index])
        return reduction(self._frames[index], height, width)

    def _source_image(
        self, index: int, reuse: bool, reduce: int = 1, at_least: tuple[int, int] = (1, 1)
    ) -> np.ndarray:
        if reduce == 1:
            return self.files.load(index, keep=reuse)[0]
        decode = partial(read_image, channels=None, reduce=reduce, at_least=at_least)
        return self.files.load(index, keep=False, decode=decode)[0]

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
