"""Normal (defect-free) images from a folder, a glob or a list of paths.

Images are decoded once to HWC ``uint8`` RGB, resized to ``size`` and kept in a bounded LRU cache,
so a worker that sees an image again does not decode it again.
"""

from __future__ import annotations

import glob
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from synthdefect.cache import ArrayCache
from synthdefect.functional.geometry import resize
from synthdefect.io import IMAGE_SUFFIXES, ImageReadError, find_images, read_image

__all__ = ["NoImagesError", "NormalImages", "resolve_image_paths"]

PathSpec = str | os.PathLike | Sequence[str | os.PathLike]


class NoImagesError(ValueError):
    """No usable image: a missing or empty folder, a glob matching nothing, or none readable."""


def resolve_image_paths(spec: PathSpec) -> list[Path]:
    """Image paths named by a folder (searched recursively), a glob pattern, a file or a list."""
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        path = Path(text)
        if path.is_dir():
            paths = find_images(path)
            if not paths:
                raise NoImagesError(f"no image files in folder: {path}")
            return paths
        if path.is_file():
            return [path]
        if glob.has_magic(text):
            paths = sorted(
                Path(p)
                for p in glob.glob(text, recursive=True)
                if Path(p).suffix.lower() in IMAGE_SUFFIXES
            )
            if not paths:
                raise NoImagesError(f"no image files match: {text}")
            return paths
        raise NoImagesError(f"no such folder or file: {path}")
    paths = [Path(p) for p in spec]
    if not paths:
        raise NoImagesError("the list of images is empty")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise NoImagesError(f"missing image files: {', '.join(missing[:5])}")
    return paths


class NormalImages:
    """Indexable set of normal images, decoded on first use and cached.

    ``size`` is ``(height, width)`` in pixels or ``None`` to keep each file's size; ``channels`` is
    3 (RGB) or 1 (grey). Index ``i`` maps to file ``i % len(self)``; an unreadable file is skipped
    with one warning that names it and its indices are served, deterministically, by the next
    readable file (so every worker process agrees). :attr:`skipped` lists the unreadable files found
    so far (all of them after ``validate=True``); :class:`NoImagesError` is raised when none is
    readable.
    """

    def __init__(
        self,
        source: PathSpec,
        size: tuple[int, int] | None = (256, 256),
        channels: int = 3,
        cache_bytes: int = 256 << 20,
        validate: bool = False,
    ) -> None:
        if size is not None and (len(size) != 2 or min(size) < 1):
            raise ValueError(f"size must be (height, width) with positive values, got {size}")
        self.size = None if size is None else (int(size[0]), int(size[1]))
        self.channels = channels
        self._paths = resolve_image_paths(source)
        self._bad: dict[Path, None] = {}
        self._cache = ArrayCache(cache_bytes)
        if validate:
            for i in range(len(self._paths)):
                self.load(i)

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    @property
    def skipped(self) -> list[Path]:
        return list(self._bad)

    def __getitem__(self, index: int) -> np.ndarray:
        """Image ``index`` as read-only HWC ``uint8``."""
        return self.load(index)[0]

    def path(self, index: int) -> Path:
        """The file that serves ``index`` (the next readable one if its own is unreadable)."""
        return self.load(index)[1]

    def load(self, index: int) -> tuple[np.ndarray, Path]:
        """Image ``index`` (read-only HWC ``uint8``) and the file it was decoded from."""
        n = len(self._paths)
        for step in range(n):
            path = self._paths[(index + step) % n]
            if path in self._bad:
                continue
            image = self._cache.get(path)
            if image is not None:
                return image, path
            try:
                image = self._decode(path)
            except (ImageReadError, OSError) as err:
                warnings.warn(f"skipping unreadable image {path}: {err}", stacklevel=2)
                self._bad[path] = None
                continue
            self._cache.put(path, image)
            return image, path
        raise NoImagesError(f"none of the {n} image files is readable")

    def _decode(self, path: Path) -> np.ndarray:
        image = read_image(path, self.channels)
        if self.size is not None:
            image = resize(image, *self.size)
        image.setflags(write=False)
        return image
