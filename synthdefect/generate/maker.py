"""Making one sample: run the anomaly, write its files, return its manifest line.

A :class:`SampleMaker` lives in each worker process (or in the main process with one worker).
What it returns to the main process is small: manifest lines and a few counts, never pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthdefect.files.atomic import write_atomic
from synthdefect.files.codec import encode_image, encode_mask
from synthdefect.files.normal_images import NormalImages
from synthdefect.functional.masks import mask_area
from synthdefect.generate.config import GenerateConfig
from synthdefect.generate.layout import layout_folders, sample_files
from synthdefect.generate.manifest import manifest_line
from synthdefect.generate.samples import make_anomaly, make_sample, open_images, source_name
from synthdefect.recipes import skipped_textures
from synthdefect.transforms.records import walk_records

if TYPE_CHECKING:
    from synthdefect.transforms import Transform

__all__ = ["ChunkResult", "SampleMaker", "texture_name"]


@dataclass(frozen=True)
class ChunkResult:
    """What making a block of consecutive samples returns to the main process.

    ``lines``: the manifest lines in index order; ``anomalous``: how many have label 1;
    ``skipped``: unreadable normal-image and texture files this process has met so far (paths
    as text).
    """

    lines: list[str]
    anomalous: int
    skipped: list[str]


def texture_name(params: dict[str, Any]) -> str | None:
    """The texture a sample's record drew (the first applied ``TextureSample`` anywhere in
    the recipe's record tree), else ``None``."""
    for _, record in walk_records(params):
        draws = record.get("params")
        if record["type"] == "TextureSample" and isinstance(draws, dict):
            return draws.get("name")
    return None


class SampleMaker:
    """Makes samples of ``config`` by global index; builds its inputs once (see module doc)."""

    def __init__(
        self,
        config: GenerateConfig,
        images: NormalImages | None = None,
        anomaly: Transform | None = None,
    ) -> None:
        self.config = config
        self.images = open_images(config) if images is None else images
        self.anomaly = make_anomaly(config, self.images) if anomaly is None else anomaly
        self._files_of_images = self.images.paths
        for folder in layout_folders(config):
            (config.out / folder).mkdir(parents=True, exist_ok=True)

    def make(self, index: int) -> tuple[str, int]:
        """Write sample ``index``'s files and return ``(manifest line, label)``."""
        config = self.config
        image, path = self.images.load(index)
        result = make_sample(config, self.anomaly, image, index, path)
        label = int(result.label)
        # mvtec's train/good gets each normal file once, from the sample of the same index.
        with_train = index < len(self._files_of_images) and path == self._files_of_images[index]
        files = sample_files(config, index, label, with_train=with_train)
        contents = {
            "image": lambda: encode_image(result.image, config.suffix),
            "mask": lambda: encode_mask(result.mask),
            "normal": lambda: encode_image(result.normal, config.suffix),
            "train": lambda: encode_image(image, config.suffix),
        }
        for role, relative in files.items():
            write_atomic(config.out / relative, contents[role]())
        record = {
            "index": index,
            "label": label,
            "anomalous_area": round(mask_area(result.mask), 6),
            "source": source_name(config, path),
            "texture": texture_name(result.params) if label else None,
            "files": files,
            "params": result.params,
        }
        return manifest_line(record), label

    def make_chunk(self, indices: Sequence[int]) -> ChunkResult:
        """Make the samples ``indices`` in order (see :class:`ChunkResult`)."""
        lines, anomalous = [], 0
        for index in indices:
            line, label = self.make(index)
            lines.append(line)
            anomalous += label
        skipped = [str(p) for p in self.images.skipped] + skipped_textures(self.anomaly)
        return ChunkResult(lines, anomalous, skipped)
