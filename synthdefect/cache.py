"""A least-recently-used cache bounded by the bytes of the numpy arrays it holds."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

__all__ = ["ArrayLRU"]


class ArrayLRU:
    """Maps keys to numpy arrays, evicting the least recently used beyond ``max_bytes``.

    An array larger than ``max_bytes`` is returned but not kept. Safe to share between Python
    threads. Pickles empty, so worker processes start with a cold cache of the same bound.
    """

    def __init__(self, max_bytes: int = 256 << 20) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get_or_create(self, key: Hashable, create: Callable[[], np.ndarray]) -> np.ndarray:
        """The cached array for ``key``, creating (and caching) it on a miss."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        value = create()
        with self._lock:
            if value.nbytes <= self.max_bytes and key not in self._items:
                self._items[key] = value
                self._bytes += value.nbytes
                while self._bytes > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= old.nbytes
        return value

    def __getstate__(self) -> dict:
        return {"max_bytes": self.max_bytes}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["max_bytes"])
