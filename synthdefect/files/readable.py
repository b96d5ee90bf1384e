"""Decoding the user's image files on demand, with one skip policy for normal images and
texture files alike.

:class:`ImageFiles` decodes the files :func:`~synthdefect.files.paths.resolve_image_paths`
names into a bounded :class:`~synthdefect.files.cache.ArrayCache`, skipping unreadable files
deterministically:

- at construction each file's first bytes are checked against the image signatures (PNG,
  JPEG, BMP, TIFF, WebP, PNM); files that cannot be read, empty files and other content are
  dropped with one :class:`UnreadableImageWarning` per reason that names them all, and do not
  count in ``len`` (when none is left, only the error below);
- a file that passes that check but fails to decode (e.g. truncated) is found when it is
  first used: one warning names it, and its index is served by the next readable file
  (wrapping around), so a given index gives the same image in every process;
- :class:`~synthdefect.files.paths.NoReadableImagesError` (a ``NoImagesError``) when no file is
  readable.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.files.cache import ArrayCache
from synthdefect.files.codec import ImageReadError
from synthdefect.files.paths import NoReadableImagesError, image_file_problem

__all__ = ["ImageFiles", "UnreadableImageWarning"]


class UnreadableImageWarning(UserWarning):
    """An image file that cannot be decoded is skipped (the message names it)."""


class ImageFiles:
    """Image files decoded on demand and cached, unreadable ones skipped (see module doc).

    ``decode(path)`` returns the array to keep for a file (it may raise ``OSError``, e.g.
    :class:`~synthdefect.files.ImageReadError`, for an unreadable one; it must pickle to reach
    worker processes). Decoded arrays are stored in ``cache`` under ``("decoded", i)``, so a
    cache shared with other entries must not use such keys. ``what`` names the files in
    messages (``"normal image"``, ``"texture"``). Thread-safe; pickles without its lock.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        decode: Callable[[Path], np.ndarray],
        cache: ArrayCache,
        what: str = "image",
    ) -> None:
        self.what = what
        problems = [image_file_problem(p) for p in paths]
        self.rejected = [p for p, problem in zip(paths, problems, strict=True) if problem]
        self.paths = [p for p, problem in zip(paths, problems, strict=True) if not problem]
        if not self.paths:
            raise NoReadableImagesError(
                f"none of the {len(paths)} {what} file(s) is a readable image"
                + (f" (e.g. {paths[0]}: {problems[0]})" if paths else "")
            )
        for reason in dict.fromkeys(filter(None, problems)):
            rejected = [p for p, problem in zip(paths, problems, strict=True) if problem == reason]
            self._warn(rejected, reason)
        self.cache = cache
        self._decode = decode
        self._bad: dict[int, None] = {}  # ordered: the order in which they were found
        self._verified: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def skipped(self) -> list[Path]:
        """The unreadable files found so far: the rejected ones, then those that failed to
        decode."""
        return self.rejected + [self.paths[i] for i in self._bad]

    def resolve(self, index: int) -> int:
        """The file serving ``index``: ``index % len(self)`` if readable, else the next readable
        one; files not yet known to be readable are decoded (and cached) to find out."""
        for i in self._candidates(index):
            if i in self._verified or self._read(i, keep=True) is not None:
                return i
        raise self._none_readable()

    def check_readable(self) -> None:
        """Decode files from the first until one is readable (it stays cached):
        :class:`~synthdefect.files.NoReadableImagesError` before any work starts when none is."""
        self.resolve(0)

    def load(
        self,
        index: int,
        keep: bool = True,
        decode: Callable[[Path], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, int]:
        """The decoded array serving ``index`` (never to be modified) and its file's index.

        ``keep=False`` takes the array out of the cache instead of leaving it there (for a
        caller that caches what it makes of it). ``decode`` replaces the files' own decoder for
        this call (with ``keep=False`` only): what it makes (e.g. a reduced decode) is neither
        taken from the cache nor left there, and a full decode found there is dropped.
        """
        if decode is not None and keep:
            raise ValueError("a decoder of its own is for keep=False loads only")
        for i in self._candidates(index):
            image = self.cache.get(_key(i)) if keep else self.cache.pop(_key(i))
            if image is None or decode is not None:
                image = self._read(i, keep, decode)
            if image is not None:
                return image, i
        raise self._none_readable()

    def _candidates(self, index: int) -> Iterator[int]:
        """``index % len``, then the following files (wrapping), except known unreadable ones."""
        n = len(self.paths)
        for step in range(n):
            i = (index + step) % n
            if i not in self._bad:
                yield i

    def _none_readable(self) -> NoReadableImagesError:
        return NoReadableImagesError(f"none of the {len(self)} {self.what} files can be decoded")

    def _read(
        self, i: int, keep: bool, decode: Callable[[Path], np.ndarray] | None = None
    ) -> np.ndarray | None:
        """Decode file ``i`` with ``decode`` (default: the files' own decoder), caching it if
        ``keep``; ``None``, after one warning, if it fails."""
        try:
            image = (decode or self._decode)(self.paths[i])
        except (ImageReadError, OSError):
            with self._lock:
                first_time = i not in self._bad  # another thread may have found it too
                self._bad[i] = None
                self._verified.discard(i)
            if first_time:
                self._warn([self.paths[i]], "cannot decode")
            return None
        with self._lock:
            self._verified.add(i)
        if keep:
            self.cache.put(_key(i), image)
        return image

    def _warn(self, paths: Sequence[Path], reason: str) -> None:
        listed = ", ".join(str(p) for p in paths)
        warnings.warn(
            f"skipping {len(paths)} unreadable {self.what} file(s) ({reason}): {listed}",
            UnreadableImageWarning,
            stacklevel=4,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _key(i: int) -> Hashable:
    return ("decoded", i)
