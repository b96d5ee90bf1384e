"""Anomaly-source steps that make ``sample.texture`` without texture files.

* :class:`GridShuffle`: shuffle ``sample.texture`` in grid cells (MemSeg's "structure" anomaly:
  a ``TextureSample("self")`` and a ``TextureAugment`` before it give the augmented image);
* :class:`SolidColor`: one random colour (DRAEM's uniform-colour ablation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthdefect.functional.anomaly_sources import grid_shuffle, solid_color
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    RecordError,
    Schema,
    integer,
    list_of,
    register_transform,
)

__all__ = ["GridShuffle", "SolidColor"]


@register_transform
class GridShuffle(Transform):
    """Cut ``sample.texture`` into ``grid`` = (rows, cols) cells and put them back in a uniformly
    random order (see :func:`~synthdefect.functional.anomaly_sources.grid_shuffle`); MemSeg uses
    an 8x8 grid. Record params: ``{"order": [int, ...]}`` (cell k of the result is cell
    order[k])."""

    settings_fields = ("grid",)

    def __init__(self, grid: tuple[int, int] = (8, 8)) -> None:
        rows, cols = grid
        if int(rows) != rows or int(cols) != cols or rows < 1 or cols < 1:
            raise ValueError(f"grid must be two positive integers, got {grid!r}")
        self.grid = (int(rows), int(cols))

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        rows, cols = self.grid
        return self.record(order=[int(i) for i in rng.permutation(rows * cols)])

    def params_schema(self) -> Schema:
        return {"order": self._check_order}

    def _check_order(self, order: Any, where: str) -> None:
        n = self.grid[0] * self.grid[1]
        if not isinstance(order, list) or sorted(order) != list(range(n)):
            raise RecordError(f"{where} must be a permutation of 0..{n - 1}")

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        order = self.unpack(params)["order"]
        if sample.texture is None:
            raise ValueError("GridShuffle needs sample.texture: put a texture step before it")
        return sample.evolve(texture=grid_shuffle(sample.texture, *self.grid, order))


@register_transform
class SolidColor(Transform):
    """Set ``sample.texture`` to one colour, each channel uniform in 0..255.
    Record params: ``{"color": [int, ...]}`` (one value per image channel)."""

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        channels = sample.image.shape[2]
        return self.record(color=[int(v) for v in rng.integers(0, 256, size=channels)])

    def params_schema(self) -> Schema:
        return {"color": list_of(integer(0, 255), 1, 3)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        color = self.unpack(params)["color"]
        height, width, channels = sample.image.shape
        if len(color) != channels:
            raise RecordError(f"SolidColor record has {len(color)} channels, the image {channels}")
        return sample.evolve(texture=solid_color(height, width, color))
