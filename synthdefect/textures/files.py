"""Texture sources backed by image files: :class:`FolderSource` and :class:`PathSource`.

Unreadable files are skipped, never fatal:

* at construction each file's first bytes are checked against the known image signatures
  (PNG, JPEG, BMP, TIFF, WebP, PNM); empty files and files of other content are dropped with one
  warning that names them all;
* a file that passes that check but fails to decode (e.g. truncated) is found when it is first
  used: one warning names it, and its index falls back to the next readable file (wrapping
  around), so a given index always yields the same texture and :meth:`FileSource.name` names
  the file actually used.

The decoded images are kept in the source's bounded LRU cache while they are useful (crop
policy); textures fitted by the resize policy are cached instead (see
:class:`~synthdefect.textures.base.StoredSource`). Sources pickle without their cache.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.io import ImageReadError, find_images, read_image
from synthdefect.textures.base import DEFAULT_CACHE_BYTES, NoReadableImagesError, StoredSource

__all__ = ["FileSource", "FolderSource", "PathSource", "looks_like_image"]

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")


def looks_like_image(path: str | os.PathLike) -> bool:
    """Whether the file starts with the signature of an image format OpenCV decodes."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return len(head) > 2 and head[0:1] == b"P" and head[1:2] in b"123456" and head[2:3].isspace()


def _warn_unreadable(paths: Sequence[Path], reason: str) -> None:
    listed = ", ".join(str(p) for p in paths)
    warnings.warn(
        f"skipping {len(paths)} unreadable texture file(s) ({reason}): {listed}",
        RuntimeWarning,
        stacklevel=3,
    )


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
        good = [looks_like_image(p) for p in paths]
        bad = [p for p, ok in zip(paths, good, strict=True) if not ok]
        if bad:
            _warn_unreadable(bad, "not an image file")
        self.paths = [p for p, ok in zip(paths, good, strict=True) if ok]
        self.names = [n for n, ok in zip(names, good, strict=True) if ok]
        if not self.paths:
            raise NoReadableImagesError(
                f"none of the {len(paths)} texture file(s) is a readable image"
                + (f" (e.g. {paths[0]})" if paths else "")
            )
        self._bad: set[int] = set()
        self._verified: set[int] = set()
        self._state_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.paths)

    def name(self, index: int) -> str:
        """Id of the file actually used for ``index`` (may decode it to check it is readable)."""
        return self.names[self._resolve(self._check_index(index))]

    def entry_name(self, index: int) -> str:
        """Id of file ``index`` itself, without decoding it."""
        return self.names[self._check_index(index)]

    def _decode(self, index: int, keep: bool) -> np.ndarray | None:
        """Decode file ``index`` (the file's own channels), caching it if ``keep``.

        Returns ``None`` (after one warning) when it cannot be decoded.
        """
        try:
            image = read_image(self.paths[index], channels=None)
        except (ImageReadError, OSError):
            with self._state_lock:
                first_time = index not in self._bad
                self._bad.add(index)
                self._verified.discard(index)
            if first_time:  # another thread may have found it at the same time
                _warn_unreadable([self.paths[index]], "cannot decode")
            return None
        with self._state_lock:
            self._verified.add(index)
        if keep:
            self.cache.put(("decoded", index), image)
        return image

    def _resolve(self, index: int) -> int:
        """The readable index used for ``index``: itself or the next readable one (wrapping)."""
        for offset in range(len(self.paths)):
            candidate = (index + offset) % len(self.paths)
            if candidate in self._verified:
                return candidate
            if candidate not in self._bad and self._decode(candidate, keep=True) is not None:
                return candidate
        raise NoReadableImagesError(f"none of the {len(self.paths)} texture files can be decoded")

    def _source_image(self, index: int, reuse: bool) -> np.ndarray:
        while True:  # ends: every failed decode adds a file to self._bad
            resolved = self._resolve(index)
            key = ("decoded", resolved)
            image = self.cache.get(key) if reuse else self.cache.pop(key)
            if image is None:
                image = self._decode(resolved, keep=reuse)
            if image is not None:
                return image

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_state_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._state_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} files)"


class FolderSource(FileSource):
    """All image files under ``root`` (by suffix; sorted; sub-folders too when ``recursive``).

    Names are paths relative to ``root`` with ``/`` separators, e.g. ``"banded/banded_0002.jpg"``.
    Raises ``FileNotFoundError`` for a missing folder and :class:`NoReadableImagesError` when
    it holds no readable image file.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        recursive: bool = True,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"texture folder not found: {root}")
        paths = find_images(root, recursive=recursive)
        if not paths:
            raise NoReadableImagesError(f"no image files in texture folder {root}")
        names = [p.relative_to(root).as_posix() for p in paths]
        super().__init__(paths, names, cache_bytes)
        self.root = root

    def __repr__(self) -> str:
        return f"FolderSource({str(self.root)!r}, {len(self)} files)"


class PathSource(FileSource):
    """The given image files, in the given order.

    Names are paths relative to the files' common folder (``/`` separators). Raises
    ``FileNotFoundError`` naming any missing file.
    """

    def __init__(
        self, paths: Sequence[str | os.PathLike], cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        paths = [Path(p) for p in paths]
        if not paths:
            raise NoReadableImagesError("PathSource needs at least one image path")
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"texture file(s) not found: {', '.join(missing)}")
        common = Path(os.path.commonpath([p.resolve().parent for p in paths]))
        names = [p.resolve().relative_to(common).as_posix() for p in paths]
        super().__init__(paths, names, cache_bytes)
