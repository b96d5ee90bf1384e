"""ExternalAnomaly: an anomaly made elsewhere, drawn from a folder of (image, mask) pairs
(:class:`~synthdefect.files.anomaly_pairs.AnomalyPairs`: the MVTec AD layout or pairs by name).

The drawn pair replaces the sample: ``image`` and ``normal`` become the pair's image and
``mask`` its mask, resized together to the sample's size, in its channels and dtype (float32
images in [0, 1]). The pair's own normal image is unknown, so the reconstruction target is the
anomalous image itself: such samples teach a detector's segmentation, not its reconstruction.
A foreground does not apply (the pair's mask is kept as made).

Settings: ``{"folder": str}``; record params: ``{"index": int, "name": str, "digest": str}``,
the pair drawn uniformly, its image's path relative to the folder and the content hash of both
files (:meth:`~synthdefect.files.anomaly_pairs.AnomalyPairs.digest`). A replay whose folder
holds another file under that index, or the same file with other bytes, raises
:class:`~synthdefect.transforms.records.RecordError`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from synthdefect.files.anomaly_pairs import AnomalyPairs
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    RecordError,
    Schema,
    integer,
    register_transform,
    string,
)

__all__ = ["ExternalAnomaly"]


@register_transform
class ExternalAnomaly(Transform):
    """Replace the sample by a pair of ``folder`` (a path or :class:`AnomalyPairs`; see module
    doc). ``ValueError`` in one line for a folder without pairs, a missing mask or image, or a
    mask of another size than its image."""

    settings_fields = ("folder",)

    def __init__(self, folder: str | os.PathLike | AnomalyPairs) -> None:
        self.pairs = folder if isinstance(folder, AnomalyPairs) else AnomalyPairs(folder)
        self.folder = str(self.pairs.root)

    def params_schema(self) -> Schema:
        return {"index": integer(0, len(self.pairs) - 1), "name": string, "digest": string}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        index = int(rng.integers(len(self.pairs)))
        return self.record(
            index=index, name=self.pairs.name(index), digest=self.pairs.digest(index)
        )

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        index = draws["index"]
        found = (self.pairs.name(index), self.pairs.digest(index))
        if found != (draws["name"], draws["digest"]):
            raise RecordError(
                f"record names the pair {draws['name']!r} (digest {draws['digest']}) but index "
                f"{index} of {self.folder} is {found[0]!r} (digest {found[1]}): replay with the "
                "folder the record was made with"
            )
        height, width, channels = sample.image.shape
        image, mask = self.pairs.load(index, height, width, channels)
        if sample.image.dtype != np.uint8:
            image = image.astype(np.float32) / np.float32(255.0)
        return sample.evolve(image=image, normal=image, mask=mask, texture=None)
