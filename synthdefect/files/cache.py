"""A small least-recently-used cache of arrays, bounded by their total size in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["ArrayCache", "Buffer"]


class Buffer(Protocol):
    """What the cache stores: anything that says its size, as numpy arrays and torch tensors do."""

    @property
    def nbytes(self) -> int: ...


B = TypeVar("B", bound=Buffer)


class ArrayCache(Generic[B]):
    """Thread-safe LRU mapping ``key -> array`` holding at most ``max_bytes`` of array data.

    The arrays are numpy arrays (host caches) or torch tensors (the device texture bank,
    :mod:`synthdefect.textures.bank`), sized by their ``nbytes``. Arrays are stored as given
    (not copied): callers must not modify them. An array larger than the whole bound is not
    stored. A pickled cache comes back empty (worker processes start with a cold cache) but
    keeps its bound.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self._entries: OrderedDict[Hashable, B] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes of array data held now (always <= ``max_bytes``)."""
        return self._bytes

    def get(self, key: Hashable) -> B | None:
        """The array stored under ``key`` (marked most recently used), or ``None``."""
        with self._lock:
            array = self._entries.get(key)
            if array is not None:
                self._entries.move_to_end(key)
            return array

    def pop(self, key: Hashable) -> B | None:
        """Remove and return the array under ``key``, or ``None``."""
        with self._lock:
            array = self._entries.pop(key, None)
            if array is not None:
                self._bytes -= array.nbytes
            return array

    def put(self, key: Hashable, array: B) -> None:
        """Store ``array`` under ``key``, evicting least recently used entries to fit."""
        if array.nbytes > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            while self._entries and self._bytes + array.nbytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.nbytes
            self._entries[key] = array
            self._bytes += array.nbytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"max_bytes": self.max_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_bytes"])
