"""Writing a run's files so that none is ever seen half-written.

Sample files and JSON records go through :func:`synthdefect.io.write_atomic` (temporary name,
then ``os.replace``). The manifest is append-only: a line is appended only after the files it
names exist, flushed after every batch and ``fsync``-ed at least every
:data:`FSYNC_INTERVAL_S` seconds, so a killed run leaves at worst one torn last line, which
:mod:`synthdefect.generate.resume` cuts off.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from synthdefect.functional.masks import anomalous_pixels
from synthdefect.io import encode_image, write_atomic

__all__ = ["FSYNC_INTERVAL_S", "ManifestWriter", "encode_mask", "manifest_line", "write_json"]

FSYNC_INTERVAL_S = 1.0
"""Most seconds between two ``fsync`` calls of the manifest (flushes happen every batch)."""


def encode_mask(mask: np.ndarray) -> bytes:
    """``(H, W)`` float mask in [0, 1] -> 8-bit grey PNG bytes: 255 at the anomalous pixels
    (:func:`~synthdefect.functional.masks.anomalous_pixels`), else 0."""
    return encode_image(anomalous_pixels(mask).astype(np.uint8) * 255, ".png")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_atomic(path, (json.dumps(data, indent=2) + "\n").encode())


def manifest_line(record: dict[str, Any]) -> str:
    """One manifest line (compact JSON, key order kept, newline-terminated)."""
    return json.dumps(record, separators=(",", ":")) + "\n"


class ManifestWriter:
    """Appends lines to a JSON-lines manifest; see the module doc for the durability rule."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "ab")  # noqa: SIM115 - closed by close() / the context manager
        self._synced_at = time.monotonic()

    def append(self, lines: Iterable[str]) -> None:
        """Append complete lines (each ending in a newline), flush, and fsync if due."""
        self._file.write("".join(lines).encode())
        self._file.flush()
        if time.monotonic() - self._synced_at >= FSYNC_INTERVAL_S:
            self._sync()

    def _sync(self) -> None:
        os.fsync(self._file.fileno())
        self._synced_at = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            self._sync()
            self._file.close()

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
