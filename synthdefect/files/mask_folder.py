"""A folder of the user's foreground masks, one per normal image, matched by file name.

The mask of a normal image ``<dir>/<stem>.<ext>`` is ``<stem>.<ext2>`` or ``<stem>_mask.<ext2>``
in the folder (any image extension; MVTec AD's ``000_mask.png`` style included), an 8-bit
image whose foreground pixels are >= 128 (the project's one threshold,
:func:`~synthdefect.functional.masks.anomalous_pixels`). A mask of another size than the image
is resized to it with nearest-neighbour interpolation; one of another shape (aspect ratio) is
refused (:meth:`MaskFolder.shape_problem`).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import cv2
import numpy as np

from synthdefect.files.cache import ArrayCache
from synthdefect.files.codec import MaskValuesError, image_size, read_mask
from synthdefect.files.paths import find_images
from synthdefect.functional.masks import anomalous_pixels

__all__ = ["MaskFolder"]

_MASK_SUFFIX = "_mask"
MASK_CACHE_BYTES = 64 << 20
"""Bound of each process's cache of decoded foreground masks, in bytes."""


class MaskFolder:
    """The masks in ``folder`` (not searched recursively), looked up by normal-image name.

    :meth:`lookup` gives the mask file of a name; :meth:`mask` the foreground, float32
    ``(H, W)`` in {0, 1}. Decoded masks are cached (at most ``cache_bytes``). Picklable: a
    pickled folder comes back with an empty cache.
    """

    def __init__(self, folder: str | os.PathLike, cache_bytes: int = MASK_CACHE_BYTES) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ValueError(f"no such mask folder: {self.folder}")
        self._files: dict[str, list[Path]] = {}
        for path in find_images(self.folder, recursive=False):
            self._files.setdefault(path.stem, []).append(path)
        if not self._files:
            raise ValueError(f"no mask images in {self.folder}")
        self._cache = ArrayCache(cache_bytes)

    @property
    def paths(self) -> list[Path]:
        """The mask files of the folder, sorted."""
        return sorted(path for paths in self._files.values() for path in paths)

    def lookup(self, name: str | os.PathLike) -> Path:
        """The mask file of the normal image ``name`` (a path or file name); ``ValueError``
        when none or several match."""
        stem = PurePath(name).stem
        found = self._files.get(stem, []) + self._files.get(stem + _MASK_SUFFIX, [])
        if not found:
            raise ValueError(
                f"no mask for {name} in {self.folder} (looked for {stem}.* and "
                f"{stem}{_MASK_SUFFIX}.*)"
            )
        if len(found) > 1:
            names = ", ".join(sorted(p.name for p in found))
            raise ValueError(f"several masks for {name} in {self.folder}: {names}")
        return found[0]

    def shape_problem(self, image: str | os.PathLike) -> str | None:
        """Why the mask of the image file ``image`` does not fit it (from both files' headers):
        a mask is the image's shape at any scale (resized to it by :meth:`mask`), within a
        pixel of rounding; ``None`` when it fits or a header cannot be read (decoding reports
        that)."""
        mask = self.lookup(image)
        try:
            (image_w, image_h), (mask_w, mask_h) = image_size(image), image_size(mask)
        except (OSError, ValueError):
            return None
        if (
            abs(mask_h - image_h * mask_w / image_w) <= 1
            and abs(mask_w - image_w * mask_h / image_h) <= 1
        ):
            return None
        return (
            f"the mask {mask.name} is {mask_w}x{mask_h} pixels, its image {PurePath(image).name} "
            f"{image_w}x{image_h}: not the image's shape at any scale (another image's mask?)"
        )

    def mask(self, name: str | os.PathLike, shape: tuple[int, int]) -> tuple[np.ndarray, str]:
        """The foreground of the normal image ``name`` at ``shape`` ``(H, W)`` (float32 in
        {0, 1}) and its mask file's name."""
        path = self.lookup(name)
        key = (path.name, tuple(shape))
        mask = self._cache.get(key)
        if mask is None:
            try:
                pixels = read_mask(path)
            except MaskValuesError as error:
                raise ValueError(f"foreground {error}") from error
            except OSError as error:
                raise ValueError(f"foreground mask {path} cannot be decoded") from error
            if pixels.shape != tuple(shape):
                height, width = shape
                pixels = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_NEAREST)
            mask = anomalous_pixels(pixels).astype(np.float32)
            self._cache.put(key, mask)
        return mask, path.name

    def __repr__(self) -> str:
        return f"MaskFolder({str(self.folder)!r})"
