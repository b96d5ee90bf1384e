"""A PyTorch ``Dataset`` of synthetic anomaly samples made on the fly from normal images.

An item is addressed by a key ``(epoch, i)`` (a plain ``i`` means ``(0, i)``) and draws all its
randomness from ``sample_rng(seed, epoch * len(ds) + i)``: it is the same whatever the
DataLoader's worker count, start method, persistence or order, and differs from every other
key. The dataset holds no epoch state: :class:`~synthdefect.sampler.EpochSampler` yields the
keys, in the main process, so one DataLoader with persistent workers gives fresh anomalies
every epoch.

Two backends make the anomalies (``synthesis=``, see docs/batch.md): ``"host"`` (default) makes
each item in ``__getitem__`` with the numpy/numba kernels, in the DataLoader's workers;
``"device"`` leaves the items as the normal images and their keys, and
:meth:`SyntheticAnomalyDataset.synthesize` makes a collated batch of them on the training device
(:meth:`~synthdefect.transforms.base.Transform.batch`), from the same keys, so with the same
records and, within docs/batch.md's tolerance, the same pixels.

No ``worker_init_fn`` is needed: the numba kernels are single-threaded (fork-safe) and PyTorch
already gives each worker one torch thread. Do not call ``cv2.setNumThreads`` inside a *forked*
worker: it can deadlock on the thread pool inherited from the parent.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.convert import IMAGE_DTYPES, image_to_tensor
from synthdefect.files.normal_images import NormalImages
from synthdefect.files.paths import PathSpec
from synthdefect.recipes import RecipeOptions
from synthdefect.sample import Sample, SampleError
from synthdefect.seeding import as_int, sample_rng
from synthdefect.transforms.base import Transform

__all__ = ["SYNTHESIS_BACKENDS", "SyntheticAnomalyDataset", "parse_key"]

#: Where :class:`SyntheticAnomalyDataset` makes its anomalies (see the module doc).
SYNTHESIS_BACKENDS = ("host", "device")
MAX_LENGTH = 2**62
"""Most samples per epoch of a :class:`SyntheticAnomalyDataset`."""


def _device(name: Any) -> Any:
    """``name`` as a torch device this machine has; ``ValueError`` in one line otherwise."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device {name!r} is not a torch device: {error}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: this machine has no CUDA device")
    return device


def parse_key(key: Any, length: int) -> tuple[int, int]:
    """``(epoch, i)`` from a dataset key: ``(epoch, i)`` or a plain ``i`` (epoch 0).

    Raises ``TypeError`` for another key, ``IndexError`` unless ``0 <= i < length``,
    ``ValueError`` for a negative epoch.
    """
    parts = key if isinstance(key, tuple) else (0, key)
    try:
        epoch, i = (operator.index(part) for part in parts)
    except (TypeError, ValueError):
        raise TypeError(f"a dataset key is i or (epoch, i), ints, got {key!r}") from None
    if not 0 <= i < length:
        raise IndexError(f"index {i} out of range for {length} samples")
    return as_int("epoch", epoch), i


class SyntheticAnomalyDataset:
    """Normal images turned into training samples by ``transform`` (a torch ``Dataset``).

    Args:
        images: folder (recursive), glob, file list, or a :class:`~synthdefect.files.NormalImages`.
        transform: the recipe: a Transform, or a preset name, recipe file or ``module:attribute``
            (see :func:`synthdefect.load_recipe`); default the ``draem-code`` preset with
            procedural textures.
        size: (height, width) every image is resized to, or ``None`` to keep file sizes.
        channels: 3 (RGB; grey files are converted) or 1 (grey; colour files are converted).
        seed: the run's seed (int >= 0).
        length: number of samples per epoch (int >= 1); default one per normal image (image
            ``i % n``).
        image_dtype: ``"float32"`` (images in [0, 1]) or ``"uint8"`` (in [0, 255], for loaders
            that convert on the GPU).
        synthesis: ``"host"`` (items are whole samples) or ``"device"`` (items are the normal
            images; :meth:`synthesize` makes the samples of a batch on a torch device).

    Each item is a dict with the keys of :class:`~synthdefect.sample.AnomalyResult`: ``image``
    (with the anomaly) and ``normal`` (the clean target), ``(C, H, W)`` of ``image_dtype``;
    ``mask`` float32 ``(1, H, W)`` in [0, 1]; ``label`` int64 0-dim tensor; ``params`` the record
    as a JSON string (replay with ``transform.replay``); ``index`` the sample's global index
    ``epoch * len(ds) + i``; ``source`` the normal image's path.

    With ``synthesis="device"`` an item holds only ``index``, ``source`` and ``normal``: the normal
    image, ``uint8`` ``(C, H, W)`` before any anomaly; a DataLoader's collated batch of them goes
    to :meth:`synthesize`.

    A sample that cannot be made raises :class:`~synthdefect.sample.SampleError` naming it.

    Keys: ``ds[i]`` is sample ``i`` of epoch 0, ``ds[epoch, i]`` sample ``i`` of ``epoch``. For
    a new order and new anomalies every epoch, give the DataLoader an
    :class:`~synthdefect.sampler.EpochSampler` (``shuffle=True`` alone repeats epoch 0's
    anomalies every epoch).
    """

    def __init__(
        self,
        images: PathSpec | NormalImages,
        transform: Transform | str | None = None,
        size: tuple[int, int] | None = (256, 256),
        seed: int = 0,
        length: int | None = None,
        image_dtype: str = "float32",
        channels: int = 3,
        synthesis: str = "host",
    ) -> None:
        self.images = (
            images if isinstance(images, NormalImages) else NormalImages(images, size, channels)
        )
        self.transform = RecipeOptions(recipe=transform).build(self.images.paths)
        self.seed = as_int("seed", seed)
        self.length = len(self.images) if length is None else as_int("length", length, 1)
        if self.length > MAX_LENGTH:  # len() of a dataset must fit a C ssize_t
            raise ValueError(f"length must be an int in [1, 2**62], got {self.length}")
        if image_dtype not in IMAGE_DTYPES:
            raise ValueError(f"image_dtype must be one of {IMAGE_DTYPES}, got {image_dtype!r}")
        self.image_dtype = image_dtype
        if synthesis not in SYNTHESIS_BACKENDS:
            raise ValueError(f"synthesis must be one of {SYNTHESIS_BACKENDS}, got {synthesis!r}")
        self.synthesis = synthesis

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, Any]:
        import torch

        epoch, i = parse_key(key, self.length)
        index = epoch * self.length + i
        image, path = self.images.load(i % len(self.images))
        if self.synthesis == "device":
            return {"index": index, "normal": image_to_tensor(image, "uint8"), "source": str(path)}
        try:
            sample, record = self.transform.forward(
                Sample.from_image(image, path), sample_rng(self.seed, index)
            )
        except ValueError as error:
            raise SampleError.naming(index, path, error) from error
        return {
            "index": index,
            "image": image_to_tensor(sample.image, self.image_dtype),
            "normal": image_to_tensor(sample.normal, self.image_dtype),
            "mask": torch.from_numpy(np.ascontiguousarray(sample.mask))[None],
            "label": torch.tensor(sample.label, dtype=torch.int64),
            "params": json.dumps(record),
            "source": str(path),
        }

    def synthesize(self, batch: Mapping[str, Any], device: Any = None) -> dict[str, Any]:
        """The samples of a collated batch of ``synthesis="device"`` items, made on ``device``
        (a torch device; ``None``: where ``batch["normal"]`` is) by the recipe's batch path.

        Returns the collated form of the host items: ``image`` and ``normal``
        ``(B, C, H, W)`` of ``image_dtype``, ``mask`` float32 ``(B, 1, H, W)``, ``label`` int64
        ``(B,)``, all on ``device``; ``params`` (JSON strings), ``index`` and ``source`` as given.
        Item ``b`` draws from ``sample_rng(seed, index[b])``, as on the host.
        """
        if self.synthesis != "device":
            raise ValueError("synthesize() needs a dataset made with synthesis='device'")
        missing = [k for k in ("index", "normal", "source") if k not in batch]
        if missing:
            raise ValueError(
                f"synthesize() takes a collated batch of this dataset's items (keys index, "
                f"normal, source); this one lacks {missing}"
            )
        normal = batch["normal"] if device is None else batch["normal"].to(_device(device))
        indices = [int(i) for i in batch["index"]]
        sources = list(batch["source"])
        try:
            made = self.transform.batch(normal, seed=self.seed, indices=indices, source=sources)
        except ValueError as error:
            raise SampleError(f"samples {indices} (normal images {sources}): {error}") from error

        def typed(images: Any) -> Any:
            return images if self.image_dtype == "uint8" else images.float().div_(255.0)

        return {
            "index": batch["index"],
            "image": typed(made.image),
            "normal": typed(made.normal),
            "mask": made.mask,
            "label": made.label,
            "params": [json.dumps(record) for record in made.params],
            "source": sources,
        }
