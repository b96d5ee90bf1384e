"""A PyTorch ``Dataset`` of synthetic anomaly samples made on the fly from normal images.

Sample ``i`` of epoch ``e`` draws all its randomness from ``sample_rng(seed, e * len(ds) + i)``:
it is the same whatever the DataLoader's worker count, start method or order, and differs from
every other index (unlike loaders that reuse numpy's global state in every worker).

No ``worker_init_fn`` is needed: the numba kernels are single-threaded (fork-safe) and PyTorch
already gives each worker one torch thread. Do not call ``cv2.setNumThreads`` inside a *forked*
worker: it can deadlock on the thread pool inherited from the parent.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from synthdefect.convert import image_to_tensor
from synthdefect.images import NormalImages, PathSpec
from synthdefect.presets import DEFAULT_PRESET
from synthdefect.recipes import load_recipe
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.base import Transform

__all__ = ["SyntheticAnomalyDataset"]


class SyntheticAnomalyDataset:
    """Normal images turned into training samples by ``transform`` (a torch ``Dataset``).

    Args:
        images: folder (recursive), glob, file list, or a :class:`~synthdefect.images.NormalImages`.
        transform: the recipe: a Transform, or a preset name, recipe file or ``module:attribute``
            (see :func:`synthdefect.load_recipe`); default the ``draem-code`` preset with
            procedural textures.
        size: (height, width) every image is resized to, or ``None`` to keep file sizes.
        seed: the run's seed (int >= 0).
        length: number of samples per epoch; default one per normal image (image ``i % n``).

    Each item is a dict with the keys of :class:`~synthdefect.sample.AnomalyResult`: ``image``
    (with the anomaly) and ``normal`` (the clean target), float32 ``(C, H, W)`` in [0, 1];
    ``mask`` float32 ``(1, H, W)``; ``label`` int64 0-dim tensor; ``params`` the record as a
    JSON string (replay with ``transform.replay``); ``index`` the sample index; ``source`` the
    normal image's path.
    """

    def __init__(
        self,
        images: PathSpec | NormalImages,
        transform: Transform | str | None = None,
        size: tuple[int, int] | None = (256, 256),
        seed: int = 0,
        length: int | None = None,
    ) -> None:
        self.images = images if isinstance(images, NormalImages) else NormalImages(images, size)
        self.transform = load_recipe(DEFAULT_PRESET if transform is None else transform)
        self.seed = int(seed)
        self.length = len(self.images) if length is None else int(length)
        if self.length < 1:
            raise ValueError(f"length must be >= 1, got {length}")
        self.epoch = 0

    def __len__(self) -> int:
        return self.length

    def set_epoch(self, epoch: int) -> None:
        """Move to ``epoch``: sample indices become ``epoch * len(self) + i``."""
        if epoch < 0:
            raise ValueError(f"epoch must be >= 0, got {epoch}")
        self.epoch = int(epoch)

    def sample_index(self, i: int) -> int:
        return self.epoch * self.length + i

    def __getitem__(self, i: int) -> dict[str, Any]:
        import torch

        if not 0 <= i < self.length:
            raise IndexError(f"index {i} out of range for {self.length} samples")
        index = self.sample_index(i)
        image, path = self.images.load(i % len(self.images))
        sample, record = self.transform.forward(
            Sample.from_image(image), sample_rng(self.seed, index)
        )

        return {
            "index": index,
            "image": image_to_tensor(sample.image),
            "normal": image_to_tensor(sample.normal),
            "mask": torch.from_numpy(np.ascontiguousarray(sample.mask))[None],
            "label": torch.tensor(sample.label, dtype=torch.int64),
            "params": json.dumps(record),
            "source": str(path),
        }
