"""Normal (defect-free) images from a folder, a glob or a list of paths.

Images are decoded once to HWC ``uint8`` RGB (or grey), resized to ``size`` and kept in a
bounded LRU cache, so a worker that sees an image again does not decode it again. Files are
resolved and unreadable ones skipped by :mod:`synthdefect.files`, as for textures.
"""

from __future__ import annotations

import operator
import os
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.files.cache import ArrayCache
from synthdefect.files.codec import read_image
from synthdefect.files.paths import NoImagesError, PathSpec, resolve_image_paths
from synthdefect.files.readable import ImageFiles
from synthdefect.functional.geometry import resize

__all__ = ["NoImagesError", "NormalImages", "PathSpec", "resolve_image_paths"]


def _decode(path: Path, size: tuple[int, int] | None, channels: int) -> np.ndarray:
    image = read_image(path, channels)
    if size is not None:
        image = resize(image, *size)
    image.setflags(write=False)
    return image


class NormalImages:
    """Indexable set of normal images, decoded on first use and cached.

    ``source`` is a folder (searched recursively), a glob, a file or a list of files
    (:func:`~synthdefect.files.resolve_image_paths`). ``size`` is ``(height, width)`` in
    pixels or ``None`` to keep each file's size; ``channels`` is 3 (RGB) or 1 (grey). Index
    ``i`` maps to file ``i % len(self)`` of :attr:`paths`, the files that look like images.
    Unreadable files are skipped with an
    :class:`~synthdefect.files.UnreadableImageWarning` that names them; one that only
    fails to decode has its indices served, deterministically, by the next readable file (so
    every worker process agrees). :attr:`skipped` lists the unreadable files found so far (all
    of them after ``validate=True``). Raises :class:`NoImagesError` when ``source`` names no
    image file, its subclass :class:`~synthdefect.files.NoReadableImagesError` when none
    is readable.
    """

    def __init__(
        self,
        source: PathSpec,
        size: tuple[int, int] | None = (256, 256),
        channels: int = 3,
        cache_bytes: int = 256 << 20,
        validate: bool = False,
    ) -> None:
        if type(channels) is not int or channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")
        self.size = None if size is None else _pair(size)
        self.channels = channels
        decode = partial(_decode, size=self.size, channels=channels)
        _refuse_defect_layouts(source)
        self._files = ImageFiles(
            resolve_image_paths(source), decode, ArrayCache(cache_bytes), "normal image"
        )
        if validate:
            for i in range(len(self._files)):
                self._files.resolve(i)

    def __len__(self) -> int:
        return len(self._files)

    @property
    def paths(self) -> list[Path]:
        """The files indices map onto (those that look like images), in order."""
        return list(self._files.paths)

    @property
    def skipped(self) -> list[Path]:
        return self._files.skipped

    def check_readable(self) -> None:
        """:class:`~synthdefect.files.NoReadableImagesError` unless a file decodes (see
        :meth:`~synthdefect.files.ImageFiles.check_readable`)."""
        self._files.check_readable()

    def __getitem__(self, index: int) -> np.ndarray:
        """Image ``index`` as read-only HWC ``uint8``."""
        return self.load(index)[0]

    def path(self, index: int) -> Path:
        """The file that serves ``index`` (the next readable one if its own is unreadable)."""
        return self._files.paths[self._files.resolve(index)]

    def load(self, index: int) -> tuple[np.ndarray, Path]:
        """Image ``index`` (read-only HWC ``uint8``) and the file it was decoded from."""
        image, i = self._files.load(index)
        return image, self._files.paths[i]


def _refuse_defect_layouts(source: PathSpec) -> None:
    """:class:`NoImagesError` for a folder whose images are not all normal: an MVTec AD
    category root (its ``test/`` and ``ground_truth/`` hold defects and masks) or the output of
    unmerged ``generate --shard`` runs (anomalous samples and masks)."""
    if not isinstance(source, str | os.PathLike) or not Path(source).is_dir():
        return
    folder = Path(source)
    if (folder / "manifest.jsonl").exists():  # a generated set: its readers know its layout
        return
    if (folder / "train").is_dir() and (folder / "ground_truth").is_dir():
        raise NoImagesError(
            f"{folder} is an MVTec AD category (train/, ground_truth/): its test/ and "
            f"ground_truth/ hold defects and masks; pass {folder / 'train' / 'good'}"
        )
    if any(folder.glob("manifest.shard-*.jsonl")):
        raise NoImagesError(
            f"{folder} holds unmerged generate --shard runs (anomalous samples and masks): "
            "merge them first (generate --merge), or pass a folder of normal images"
        )


def _pair(size: Any) -> tuple[int, int]:
    """``size`` as ``(height, width)`` ints >= 1; else ``ValueError``."""
    try:
        height, width = (operator.index(side) for side in size)
        if any(isinstance(side, bool) for side in size):
            height = width = 0
    except (TypeError, ValueError):
        height = width = 0
    if min(height, width) < 1:
        raise ValueError(f"size must be (height, width) with positive int values, got {size!r}")
    return height, width
