"""Textures held in memory: :class:`ArraySource`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synthdefect.pixels import to_uint8
from synthdefect.textures.base import DEFAULT_CACHE_BYTES, StoredSource

__all__ = ["ArraySource", "as_texture_array"]


def as_texture_array(array: np.ndarray) -> np.ndarray:
    """Convert one image array to HWC ``uint8`` with 1 or 3 channels.

    Accepts ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1..4 (a 2nd / 4th channel is taken as
    alpha and dropped), dtype ``uint8``, ``uint16`` (scaled by 255/65535) or float in [0, 1]
    (values outside are clipped).
    """
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or not 1 <= array.shape[2] <= 4 or 0 in array.shape:
        raise ValueError(f"texture arrays must be (H, W) or (H, W, C<=4), got shape {array.shape}")
    if array.dtype not in (np.uint8, np.uint16) and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"texture arrays must be uint8, uint16 or float, got {array.dtype}")
    array = to_uint8(array)
    channels = 1 if array.shape[2] <= 2 else 3
    return np.ascontiguousarray(array[:, :, :channels])


class ArraySource(StoredSource):
    """Textures from in-memory images: a sequence of arrays or one ``(N, H, W, C)`` array.

    Each image is converted once by :func:`as_texture_array` (the source keeps its own
    copies). Names are ``"array:<index>"``.
    """

    def __init__(
        self, arrays: Sequence[np.ndarray] | np.ndarray, cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        super().__init__(cache_bytes)
        if isinstance(arrays, np.ndarray) and arrays.ndim != 4:
            raise ValueError(f"a single array must be (N, H, W, C), got shape {arrays.shape}")
        if len(arrays) == 0:
            raise ValueError("ArraySource needs at least one array")
        self.images = [as_texture_array(a).copy() for a in arrays]

    def __len__(self) -> int:
        return len(self.images)

    def name(self, index: int) -> str:
        return f"array:{self._check_index(index)}"

    def _source_image(
        self, index: int, reuse: bool, reduce: int = 1, at_least: tuple[int, int] = (1, 1)
    ) -> np.ndarray:
        return self.images[index]

    def __repr__(self) -> str:
        return f"ArraySource({len(self)} images)"
