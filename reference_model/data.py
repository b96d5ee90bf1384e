"""Reading data: the MVTec AD test layout, plain image folders and generated training folders.

MVTec AD category layout::

    <category>/test/<type>/*.png              # <type> "good" = defect-free
    <category>/ground_truth/<type>/<stem>_mask.png   # one per defective image, 0 / 255

Images are resized to the model's square input side as the training set resizes them
(:func:`synthdefect.functional.geometry.resize`: area interpolation when shrinking); masks
are resized with nearest-neighbour and binarised at 128
(:func:`synthdefect.functional.masks.anomalous_pixels`: the evaluation's ground truth is the mask
thresholded at 0.5, soft masks included), so every metric is computed at the model's resolution.
Training masks keep their soft values (:class:`GeneratedFolder`). Images reach the model as
float32 ``(3, S, S)`` in [0, 1], RGB, with no normalisation.

A folder written by ``synthdefect generate --layout flat --with-normal`` (``manifest.jsonl``
with ``images/``, ``masks/``, ``normal/``) is a fixed training set: :class:`GeneratedFolder`;
normal images with a recipe are one made on the fly: :func:`anomaly_training_set`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from synthdefect import NoImagesError, NormalImages, RecipeOptions, SyntheticAnomalyDataset
from synthdefect.model_api import (
    IMAGE_DTYPES,
    MANIFEST_NAME,
    ManifestError,
    OutputError,
    anomalous_pixels,
    distinct_names,
    find_images,
    folders_fingerprint,
    image_to_tensor,
    parse_key,
    read_image,
    read_manifest,
    read_mask,
    resize,
)

__all__ = [
    "GOOD",
    "MANIFEST_NAME",
    "DataError",
    "GeneratedFolder",
    "ImageFolder",
    "TestImage",
    "TestSet",
    "anomaly_training_set",
    "list_test_images",
]

#: The folder name of defect-free test images.
GOOD = "good"


class DataError(ValueError):
    """A data folder that does not follow the expected layout (message names the file)."""


@dataclass(frozen=True)
class TestImage:
    """One test image: ``defect_type`` is its folder name, ``mask`` is ``None`` for good ones."""

    path: Path
    defect_type: str
    mask: Path | None

    @property
    def label(self) -> int:
        return int(self.defect_type != GOOD)


def list_test_images(category: str | os.PathLike) -> list[TestImage]:
    """Every test image of an MVTec AD category, sorted by type then file name.

    Raises :class:`DataError` when ``test/`` is missing or empty or holds no defective image, a
    defective image has no mask,
    or two defective images would share one mask (``000.png`` and ``000.jpg``).
    """
    category = Path(category)
    test_dir = category / "test"
    if not test_dir.is_dir():
        raise DataError(f"no test folder: {test_dir}")
    images = []
    for type_dir in sorted(p for p in test_dir.iterdir() if p.is_dir()):
        for path in find_images(type_dir, recursive=False):
            mask = None
            if type_dir.name != GOOD:
                mask = category / "ground_truth" / type_dir.name / f"{path.stem}_mask.png"
                if not mask.is_file():
                    raise DataError(
                        f"defective test image without a mask: {path} (expected {mask})"
                    )
            images.append(TestImage(path, type_dir.name, mask))
    if not images:
        raise DataError(f"no test images under {test_dir}")
    if not any(item.label for item in images):
        raise DataError(
            f"no defective test images under {test_dir} (only {GOOD}/): the metrics need "
            "defects to score"
        )
    masks = {str(item.path): str(item.mask) for item in images if item.mask is not None}
    try:
        distinct_names(masks, f"test images of {category}", clash="would both use the mask")
    except OutputError as error:
        raise DataError(str(error)) from None
    return images


def _blank(size: int) -> torch.Tensor:
    return torch.zeros((3, size, size), dtype=torch.float32)


class TestSet(Dataset):
    """Test images at the model's side ``size``: ``(image, mask, label, error)``.

    ``image``: float32 ``(3, size, size)`` in [0, 1]; ``mask``: bool ``(size, size)`` (all False for
    good images); ``label``: int 0/1; ``error``: ``""``, or why the item is unusable (an
    unreadable file, a mask whose size differs from its image's; image and mask are then
    blank). Errors travel as values so that a DataLoader worker reports them in one line.
    """

    def __init__(self, images: list[TestImage], size: int) -> None:
        self.images = images
        self.size = size

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int, str]:
        item = self.images[index]
        mask = np.zeros((self.size, self.size), dtype=bool)
        try:
            image = read_image(item.path, channels=3)
            if item.mask is not None:
                full_mask = read_mask(item.mask)
                if full_mask.shape != image.shape[:2]:
                    raise DataError(
                        f"mask {item.mask} is {full_mask.shape[1]}x{full_mask.shape[0]} but "
                        f"image {item.path} is {image.shape[1]}x{image.shape[0]}"
                    )
                size = (self.size, self.size)
                resized = cv2.resize(full_mask, size, interpolation=cv2.INTER_NEAREST)
                mask = anomalous_pixels(resized)
        except (OSError, DataError) as error:
            return _blank(self.size), torch.from_numpy(mask), item.label, str(error)
        return (
            image_to_tensor(resize(image, self.size, self.size)),
            torch.from_numpy(mask),
            item.label,
            "",
        )


class ImageFolder(Dataset):
    """Images of a folder (recursively) at the model's side: ``(image, index, error)``.

    ``image``: float32 ``(3, size, size)`` in [0, 1]; ``index`` into :attr:`paths`; ``error``:
    ``""``, or why the file cannot be read (the image is then blank).
    """

    def __init__(self, root: str | os.PathLike, size: int) -> None:
        self.root = Path(root)
        self.paths = find_images(self.root)
        if not self.paths:
            raise DataError(f"no images under {self.root}")
        self.size = size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, str]:
        try:
            image = read_image(self.paths[index], channels=3)
        except OSError as error:
            return _blank(self.size), index, str(error)
        return image_to_tensor(resize(image, self.size, self.size)), index, ""


class GeneratedFolder(Dataset):
    """Training samples written by ``synthdefect generate --layout flat --with-normal``.

        Yields the same dict as :class:`synthdefect.SyntheticAnomalyDataset`: ``image`` (the
        ``images/`` file, with the anomaly) and ``normal`` (the clean ``normal/`` file) float32
        ``(3, size, size)`` in [0, 1], ``mask`` float32 ``(1, size, size)`` in [0, 1] (the file's
    levels / 255: 0/1 for hard masks, a soft mask's target kept), ``label`` int64,
        ``params`` (JSON string), ``index``, ``source``. The samples are fixed: every epoch sees the
        same anomalies (keys ``(epoch, i)`` are accepted; the epoch is ignored). ``image_dtype``
        ``"uint8"`` gives images in [0, 255] instead.

        A garbled manifest line or a file it names that does not exist raises :class:`DataError`
        here, before any training.
    """

    def __init__(self, root: str | os.PathLike, size: int, image_dtype: str = "float32") -> None:
        self.root = Path(root)
        manifest = self.root / MANIFEST_NAME
        if not manifest.is_file():
            raise DataError(f"no {MANIFEST_NAME} in {self.root}")
        try:
            self.records = read_manifest(manifest)
        except ManifestError as err:
            raise DataError(str(err)) from err
        if not self.records:
            raise DataError(f"the training set is empty: {manifest} lists no samples")
        for record in self.records:
            if "normal" not in record["files"]:
                raise DataError(f"{self.root} has no clean targets: generate it with --with-normal")
            for name in ("image", "mask", "normal"):
                path = self.root / record["files"].get(name, "")
                if not path.is_file():
                    raise DataError(f"{manifest} names a missing file: {path}")
        if image_dtype not in IMAGE_DTYPES:
            raise ValueError(f"image_dtype must be one of {IMAGE_DTYPES}, got {image_dtype!r}")
        self.size = size
        self.image_dtype = image_dtype

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: int | tuple[int, int]) -> dict:
        record = self.records[parse_key(key, len(self.records))[1]]
        files = record["files"]
        side = (self.size, self.size)

        def load(name: str, channels: int) -> np.ndarray:
            return resize(read_image(self.root / files[name], channels=channels), *side)

        mask = read_mask(self.root / files["mask"])
        mask = cv2.resize(mask, side, interpolation=cv2.INTER_NEAREST)
        return {
            "index": record["index"],
            "image": image_to_tensor(load("image", 3), self.image_dtype),
            "normal": image_to_tensor(load("normal", 3), self.image_dtype),
            "mask": torch.from_numpy(mask.astype(np.float32) / np.float32(255.0))[None],
            "label": torch.tensor(record["label"], dtype=torch.int64),
            "params": json.dumps(record["params"]),
            "source": record["source"],
        }


def anomaly_training_set(
    data: Path,
    recipe: RecipeOptions,
    size: int,
    seed: int,
    images: list[Path] | None = None,
    extra: str = "",
    synthesis: str = "host",
) -> tuple[SyntheticAnomalyDataset, str]:
    """The training set of the normal images under ``data`` (or the files ``images`` of it)
    with ``recipe``'s anomalies at side ``size`` (uint8 images), made where ``synthesis``
    says (:class:`synthdefect.SyntheticAnomalyDataset`), and its data fingerprint.

    The fingerprint covers ``data``'s files, a texture or mask folder's files, the recipe's
    description and ``extra`` (what else picks the training images). :class:`DataError` in one
    line before any training: no image, none readable, a recipe that cannot be made.
    """
    try:
        normal = NormalImages(data if images is None else images, (size, size))
        normal.check_readable()
    except NoImagesError as error:
        raise DataError(f"the training set is empty: {error} ({data})") from error
    try:
        anomaly = recipe.build(normal.paths)
    except ValueError as error:
        raise DataError(str(error)) from error
    dataset = SyntheticAnomalyDataset(
        normal, transform=anomaly, size=(size, size), seed=seed, image_dtype="uint8",
        synthesis=synthesis,
    )  # fmt: skip
    inputs = (recipe.textures, recipe.foreground)
    folders = [data, *(Path(p) for p in inputs if isinstance(p, str | Path) and Path(p).is_dir())]
    description = json.dumps(anomaly.describe(), sort_keys=True, default=str) + extra
    return dataset, folders_fingerprint(*folders, extra=description)
