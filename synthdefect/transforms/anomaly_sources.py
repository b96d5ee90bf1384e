"""Anomaly-source steps that make ``sample.texture`` without texture files.

* :class:`GridShuffle`: shuffle ``sample.texture`` in grid cells (MemSeg's "structure" anomaly:
  a ``TextureSample("self")`` and a ``TextureAugment`` before it give the augmented image);
* :class:`SolidColor`: one colour, random (DRAEM's uniform-colour ablation), black or the image
  mean (CutOut);
* :class:`IntensityShift`: the texture brighter or darker by one amount (intensity discs);
* :class:`GaussianNoise`: Gaussian noise added to the texture under the mask (Fractal).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthdefect.functional.anomaly_sources import gaussian_noise, grid_shuffle, solid_color
from synthdefect.pixels import to_uint8
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.ranges import float_range, int_setting, number_setting
from synthdefect.transforms.records import (
    RecordError,
    Schema,
    integer,
    list_of,
    register_transform,
)

__all__ = ["FILL_MODES", "GaussianNoise", "GridShuffle", "IntensityShift", "SolidColor"]

MAX_GRID = 1024
"""Most cells per side of a :class:`GridShuffle` grid: a finer grid has cells under a pixel on
any image of at most :data:`~synthdefect.limits.MAX_SIDE` pixels, and its permutation alone
would take gigabytes."""


@register_transform
class GridShuffle(Transform):
    """Cut ``sample.texture`` into ``grid`` = (rows, cols) cells and put them back in a uniformly
    random order (see :func:`~synthdefect.functional.anomaly_sources.grid_shuffle`); MemSeg uses
    an 8x8 grid. A texture with fewer pixels than the grid has cells on a side is shuffled in
    one-pixel cells along it (the record's order restricted to the cells that remain). Record
    params: ``{"order": [int, ...]}`` (cell k of the result is cell
    order[k])."""

    settings_fields = ("grid",)

    def __init__(self, grid: tuple[int, int] = (8, 8)) -> None:
        try:
            rows, cols = grid
        except (TypeError, ValueError):
            raise ValueError(f"grid must be two integers (rows, cols), got {grid!r}") from None
        self.grid = (
            int_setting("grid rows", rows, 1, MAX_GRID),
            int_setting("grid cols", cols, 1, MAX_GRID),
        )

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        rows, cols = self.grid
        return self.record(order=[int(i) for i in rng.permutation(rows * cols)])

    def params_schema(self) -> Schema:
        return {"order": self._check_order}

    def _check_order(self, order: Any, where: str) -> None:
        n = self.grid[0] * self.grid[1]
        if (
            not isinstance(order, list)
            or not all(type(i) is int for i in order)
            or sorted(order) != list(range(n))
        ):
            raise RecordError(f"{where} must be a permutation of 0..{n - 1}")

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        order = self.unpack(params)["order"]
        if sample.texture is None:
            raise ValueError("GridShuffle needs sample.texture: put a texture step before it")
        grid, order = _fitted(self.grid, order, *sample.texture.shape[:2])
        return sample.evolve(texture=grid_shuffle(sample.texture, *grid, order))


def _fitted(
    grid: tuple[int, int], order: list[int], height: int, width: int
) -> tuple[tuple[int, int], list[int]]:
    """The grid and order that shuffle a ``height`` x ``width`` texture: ``grid`` and ``order``
    where the grid fits, else the grid cut to one cell per pixel on the short side(s) (a 6x6
    texture gets a 6x6 grid of 8x8), its cells (the full grid's first rows and columns) in the
    order in which ``order`` names them: a uniformly random order where ``order`` is one."""
    rows, cols = grid
    fit_rows, fit_cols = min(rows, height), min(cols, width)
    if (fit_rows, fit_cols) == grid:
        return grid, order
    cells = [row * cols + col for row in range(fit_rows) for col in range(fit_cols)]
    kept = {cell: position for position, cell in enumerate(cells)}
    return (fit_rows, fit_cols), [kept[cell] for cell in order if cell in kept]


FILL_MODES = ("random", "black", "mean")
"""How :class:`SolidColor` picks its colour."""


@register_transform
class SolidColor(Transform):
    """Set ``sample.texture`` to one colour: ``mode="random"`` (default; each channel uniform in
    0..255, DRAEM's uniform-colour ablation), ``"black"`` (0) or ``"mean"`` (the image's mean
    per channel, rounded: this draw reads the pixels). Record params:
    ``{"color": [int, ...]}`` (one value per image channel)."""

    settings_fields = ("mode",)

    def __init__(self, mode: str = "random") -> None:
        if mode not in FILL_MODES:
            raise ValueError(f"mode must be one of {FILL_MODES}, got {mode!r}")
        self.mode = mode

    @property
    def draws_from_pixels(self) -> bool:
        return self.mode == "mean"

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        channels = sample.image.shape[2]
        if self.mode == "black":
            color = [0] * channels
        elif self.mode == "mean":
            means = to_uint8(sample.image).reshape(-1, channels).mean(axis=0)
            color = [int(v + 0.5) for v in means]
        else:
            color = [int(v) for v in rng.integers(0, 256, size=channels)]
        return self.record(color=color)

    def params_schema(self) -> Schema:
        return {"color": list_of(integer(0, 255), 1, 3)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        color = self.unpack(params)["color"]
        height, width, channels = sample.image.shape
        if len(color) != channels:
            raise RecordError(f"SolidColor record has {len(color)} channels, the image {channels}")
        return sample.evolve(texture=solid_color(height, width, color))


@register_transform
class IntensityShift(Transform):
    """Shift every pixel of ``sample.texture`` by one signed amount: ``amount`` (a fraction of
    the 0..255 range, uniform) up or down with equal chance, clipped to 0..255 (no wrap-around).
    Record params: ``{"shift": int}`` (grey levels, signed)."""

    settings_fields = ("amount",)

    def __init__(self, amount: tuple[float, float] = (0.2, 0.3)) -> None:
        self.amount = float_range("amount", amount, 0.0, 1.0)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        magnitude = rng.uniform(*self.amount) * 255.0
        sign = 1 if rng.random() < 0.5 else -1
        return self.record(shift=sign * int(magnitude + 0.5))

    def params_schema(self) -> Schema:
        limit = int(self.amount[1] * 255.0 + 0.5)
        return {"shift": integer(-limit, limit)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        if sample.texture is None:
            raise ValueError("IntensityShift needs sample.texture (put a TextureSample first)")
        shift = self.unpack(params)["shift"]
        shifted = np.clip(sample.texture.astype(np.int16) + shift, 0, 255).astype(np.uint8)
        return sample.evolve(texture=shifted)


@register_transform
class GaussianNoise(Transform):
    """Add Gaussian noise of standard deviation ``sigma`` grey levels (default 10, FractalAD's)
    to ``sample.texture`` within the bounding box of ``sample.mask`` (the only pixels a blend
    takes), rounded and clipped (see
    :func:`~synthdefect.functional.anomaly_sources.gaussian_noise`). Record params:
    ``{"seed": int}``, the seed of the noise."""

    settings_fields = ("sigma",)

    def __init__(self, sigma: float = 10.0) -> None:
        self.sigma = number_setting("sigma", sigma, 0)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return self.record(seed=int(rng.integers(0, 2**63)))

    def params_schema(self) -> Schema:
        return {"seed": integer(0, 2**63 - 1)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        seed = self.unpack(params)["seed"]
        if sample.texture is None:
            raise ValueError(
                "GaussianNoise needs sample.texture: put a texture or patch step first"
            )
        rows, cols = (
            np.flatnonzero(sample.mask.any(axis=1)),
            np.flatnonzero(sample.mask.any(axis=0)),
        )
        if rows.size == 0:
            return sample
        box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
        texture = to_uint8(sample.texture).copy()
        texture[box] = gaussian_noise(texture[box], self.sigma, seed)
        return sample.evolve(texture=texture)
