"""A folder of (anomalous image, mask) pairs made by another generator (AnomalyDiffusion,
RealNet, ...), so that its anomalies can be mixed with synthdefect's families.

Two layouts, told apart by a ``test`` folder at the root:

* MVTec AD: ``<root>/test/<kind>/<stem>.<ext>`` with ``<root>/ground_truth/<kind>/<stem>_mask.png``
  for every kind but ``good`` (which holds no anomalies and is skipped);
* pairs by name: every image ``<stem>.<ext>`` under ``<root>`` (sub-folders too) whose name does
  not end in ``_mask`` comes with ``<stem>_mask.<ext2>`` beside it.

Opening a folder checks every pair from the files' headers (nothing is decoded) and refuses, in
one line (``ValueError``), a folder without pairs, an image without its mask, a mask without its
image and a mask of another size than its image. A pair's :meth:`AnomalyPairs.name` is its
image's path relative to the root (POSIX separators); its :meth:`AnomalyPairs.digest` the first
16 hex digits of the SHA-256 of both files' bytes, read when first asked for.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import cv2
import numpy as np

from synthdefect.files.codec import image_size, read_image, read_mask
from synthdefect.files.paths import find_images
from synthdefect.functional.geometry import resize

__all__ = ["AnomalyPairs"]

_MASK_SUFFIX = "_mask"
_GOOD = "good"


class AnomalyPairs:
    """The (image, mask) pairs of ``root`` (see module doc), sorted by image path.

    :meth:`load` gives pair ``i`` at a size and channel count: the image ``uint8`` HWC resized as
    normal images are (:func:`~synthdefect.functional.geometry.resize`), the mask float32
    ``(H, W)`` in [0, 1] (its 8-bit levels / 255, resized with nearest-neighbour).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"no such folder of anomaly pairs: {self.root}")
        test = self.root / "test"
        self.pairs = _mvtec_pairs(self.root, test) if test.is_dir() else _named_pairs(self.root)
        if not self.pairs:
            raise ValueError(f"no (image, mask) pairs in {self.root}")
        for image, mask in self.pairs:
            image_size, mask_size = _size(image), _size(mask)
            if image_size != mask_size:
                raise ValueError(
                    f"mask {mask} is {mask_size[0]}x{mask_size[1]} but its image {image} is "
                    f"{image_size[0]}x{image_size[1]}"
                )
        self._digests: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.pairs)

    def name(self, index: int) -> str:
        """Pair ``index``'s image path relative to the root."""
        return self.pairs[index][0].relative_to(self.root).as_posix()

    def digest(self, index: int) -> str:
        """16 hex digits of the SHA-256 of pair ``index``'s image and mask bytes."""
        if index not in self._digests:
            hashed = hashlib.sha256()
            for path in self.pairs[index]:
                hashed.update(hashlib.sha256(path.read_bytes()).digest())
            self._digests[index] = hashed.hexdigest()[:16]
        return self._digests[index]

    def load(
        self, index: int, height: int, width: int, channels: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pair ``index`` at ``(height, width)`` with ``channels`` (1 or 3): ``(image, mask)``."""
        image_path, mask_path = self.pairs[index]
        image = resize(read_image(image_path, channels=channels), height, width)
        try:
            levels = read_mask(mask_path)
        except OSError as error:
            raise ValueError(f"anomaly pair {self.name(index)}: {error}") from error
        levels = cv2.resize(levels, (width, height), interpolation=cv2.INTER_NEAREST)
        return image, levels.astype(np.float32) / np.float32(255.0)

    def __repr__(self) -> str:
        return f"AnomalyPairs({str(self.root)!r})"


def _size(path: Path) -> tuple[int, int]:
    """``(width, height)`` from the file's header, as decoded (EXIF orientation applied)."""
    try:
        return image_size(path)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the size of {path}: {error}") from None


def _mvtec_pairs(root: Path, test: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for kind in sorted(p for p in test.iterdir() if p.is_dir() and p.name != _GOOD):
        for image in find_images(kind, recursive=False):
            mask = root / "ground_truth" / kind.name / f"{image.stem}{_MASK_SUFFIX}.png"
            if not mask.is_file():
                raise ValueError(f"anomalous image {image} has no mask (expected {mask})")
            pairs.append((image, mask))
    return pairs


def _named_pairs(root: Path) -> list[tuple[Path, Path]]:
    files = find_images(root)
    masks = {(p.parent, p.stem[: -len(_MASK_SUFFIX)]): p for p in files if _is_mask(p)}
    images = [p for p in files if not _is_mask(p)]
    pairs = []
    for image in images:
        mask = masks.pop((image.parent, image.stem), None)
        if mask is None:
            raise ValueError(
                f"image {image} has no mask (expected {image.stem}{_MASK_SUFFIX}.* beside it)"
            )
        pairs.append((image, mask))
    if masks:
        mask = sorted(masks.values())[0]
        raise ValueError(f"mask {mask} has no image beside it")
    return pairs


def _is_mask(path: Path) -> bool:
    return path.stem.endswith(_MASK_SUFFIX)
