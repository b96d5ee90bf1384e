"""Runs of point ops applied as one table lookup per channel.

A *point op* maps every channel value through a lookup table of that channel: posterize,
solarize, invert, brightness, gamma, scale_channels, and equalize and autocontrast, whose
tables depend on the image only through its per-channel histograms. Consecutive point ops
compose into one table per channel, and the histograms of an image put through tables follow
from the image's own, so :class:`PointChain` applies a run of them with one pass over the pixels
(and at most one histogram pass) instead of one or two per op. The result is identical, byte
for byte, to calling the kernels one after another: table lookups compose exactly, and the
histograms are counts.

Images are HWC ``uint8`` with 1 or 3 channels, as in :mod:`synthdefect.functional.texture_ops`;
tables are ``uint8`` ``(N, 256)`` with ``N`` 1 (every channel) or ``C``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthdefect.functional import texture_ops as F

__all__ = ["POINT_OPS", "PointChain", "PointOp", "compose_tables", "histograms_through"]


@dataclass(frozen=True)
class PointOp:
    """The lookup-table form of a point-op kernel.

    ``tables(hist, channels, **params)`` returns the ``(N, 256)`` (or ``(256,)``) ``uint8``
    tables that ``kernel(image, **params)`` applies to a ``channels``-channel image; ``hist`` is
    the image's ``(C, 256)`` int64 histograms when ``uses_histogram``, else ``None``. It raises
    what the kernel raises for invalid ``params``.
    """

    tables: Callable[..., np.ndarray]
    uses_histogram: bool = False


def _posterize(hist: None, channels: int, bits: int) -> np.ndarray:
    return F.posterize_table(bits)


def _solarize(hist: None, channels: int, threshold: int = 128) -> np.ndarray:
    return F.solarize_table(threshold)


def _invert(hist: None, channels: int) -> np.ndarray:
    return F.invert_table()


def _brightness(hist: None, channels: int, factor: float, add: float = 0.0) -> np.ndarray:
    return F.brightness_table(factor, add)


def _gamma(hist: None, channels: int, gamma: Any) -> np.ndarray:
    return F.gamma_tables(gamma, channels)


def _scale_channels(hist: None, channels: int, factors: Any) -> np.ndarray:
    return F.scale_channels_tables(factors, channels)


def _equalize(hist: np.ndarray, channels: int) -> np.ndarray:
    return F.equalize_tables(hist)


def _autocontrast(hist: np.ndarray, channels: int, cutoff: float = 0.0) -> np.ndarray:
    return F.autocontrast_tables(hist, F.check_cutoff(cutoff))


POINT_OPS: dict[Callable[..., np.ndarray], PointOp] = {
    F.posterize: PointOp(_posterize),
    F.solarize: PointOp(_solarize),
    F.invert: PointOp(_invert),
    F.brightness: PointOp(_brightness),
    F.gamma: PointOp(_gamma),
    F.scale_channels: PointOp(_scale_channels),
    F.equalize: PointOp(_equalize, uses_histogram=True),
    F.autocontrast: PointOp(_autocontrast, uses_histogram=True),
}
"""The kernels of :mod:`~synthdefect.functional.texture_ops` that are point ops, by kernel."""


def compose_tables(first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """The tables of ``first`` followed by ``then`` (each ``(256,)`` or ``(N, 256)``; a one-row
    table serves every channel, otherwise both have the same ``N``): ``(N, 256)`` ``uint8``."""
    first, then = F.table_rows(first), F.table_rows(then)
    if 1 not in (len(first), len(then)) and len(first) != len(then):
        raise ValueError(f"tables for {len(first)} and {len(then)} channels do not compose")
    channels = max(len(first), len(then))
    return np.stack([then[c % len(then)][first[c % len(first)]] for c in range(channels)])


def histograms_through(hist: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """The ``(C, 256)`` int64 histograms of an image after ``tables`` (``(256,)``, ``(1, 256)``
    or ``(C, 256)``), from its own ``hist``."""
    tables = F.table_rows(tables, len(hist))
    return np.stack(
        [
            np.bincount(tables[c % len(tables)], weights=counts, minlength=256).astype(np.int64)
            for c, counts in enumerate(hist)
        ]
    )


class PointChain:
    """Point ops applied to ``image`` one after another, as one lookup when the image is asked
    for (see module doc).

    ``then(kernel, **params)`` adds ``kernel`` (a key of :data:`POINT_OPS`), raising at once
    for invalid params; :meth:`image` returns the result, ``image`` itself when no op was
    added. ``image`` is never modified.
    """

    def __init__(self, image: np.ndarray) -> None:
        self._image = image
        self._tables: np.ndarray | None = None
        self._own_histograms: np.ndarray | None = None

    def then(self, kernel: Callable[..., np.ndarray], **params: Any) -> None:
        op = POINT_OPS[kernel]
        hist = self._histograms() if op.uses_histogram else None
        tables = op.tables(hist, self._image.shape[2], **params)
        self._tables = tables if self._tables is None else compose_tables(self._tables, tables)

    def image(self) -> np.ndarray:
        if self._tables is None:
            return self._image
        return F.apply_tables(self._image, self._tables)

    def _histograms(self) -> np.ndarray:
        if self._own_histograms is None:
            self._own_histograms = F.histograms(self._image)
        if self._tables is None:
            return self._own_histograms
        return histograms_through(self._own_histograms, self._tables)
