"""The manifest of a run: one JSON line per sample, its schema, writer and reader.

A line is one compact JSON object, keys in the order they are given, newline-terminated. It
holds at least :data:`FIELDS`: ``index`` (int >= 0), ``label`` (0 or 1), ``anomalous_area``
(fraction in [0, 1]), ``source`` (str), ``texture`` (str or null), ``files`` (role -> path
relative to the run folder, never leaving it: no ``..``, not absolute) and ``params`` (the
sample's record).

Durability: the file is append-only; a line is appended only after the files it names exist,
flushed after every batch and ``fsync``-ed at least every :data:`FSYNC_INTERVAL_S` seconds, so a
killed run leaves at worst one torn last line (one without its newline). The readers
(:func:`iter_lines`, :func:`iter_manifest`, :func:`read_manifest`) refuse anything else that is
not a complete record, naming the file and line: a garbled line is never silently dropped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from synthdefect.outputs import leaves_folder

__all__ = [
    "FIELDS",
    "FSYNC_INTERVAL_S",
    "MANIFEST_NAME",
    "ManifestError",
    "ManifestWriter",
    "iter_lines",
    "iter_manifest",
    "manifest_line",
    "read_manifest",
]

MANIFEST_NAME = "manifest.jsonl"
"""The manifest of a single (or merged) run; a shard writes ``manifest.shard-I-of-K.jsonl``."""

FSYNC_INTERVAL_S = 1.0
"""Most seconds between two ``fsync`` calls of the manifest (flushes happen every batch)."""

FIELDS: dict[str, tuple[type, ...]] = {
    "index": (int,),
    "label": (int,),
    "anomalous_area": (int, float),
    "source": (str,),
    "texture": (str, type(None)),
    "files": (dict,),
    "params": (dict,),
}
"""The keys every line holds, with the JSON types their values may have."""


class ManifestError(ValueError):
    """A manifest line that is not a complete record (the message names the file and line)."""


def _problem(record: Any) -> str | None:
    """What is wrong with ``record`` as a manifest record, or ``None``."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__}"
    for key, types in FIELDS.items():
        if key not in record:
            return f"no {key!r}"
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, types):
            return (
                f"{key!r} is {type(value).__name__}, not {' or '.join(t.__name__ for t in types)}"
            )
    if record["index"] < 0 or record["label"] not in (0, 1):
        return f"index {record['index']} / label {record['label']} out of range"
    for role, relative in record["files"].items():
        if not isinstance(relative, str) or leaves_folder(relative):
            return f"files.{role} {relative!r} leaves the run folder"
    return None


def manifest_line(record: dict[str, Any]) -> str:
    """``record`` as one manifest line; ``ValueError`` when it lacks a field of the schema."""
    problem = _problem(record)
    if problem is not None:
        raise ValueError(f"not a manifest record: {problem}")
    return json.dumps(record, separators=(",", ":")) + "\n"


def iter_lines(path: str | os.PathLike, torn_tail: bool = False) -> Iterator[tuple[dict, int]]:
    """``(record, end)`` for each line of the manifest at ``path``, in file order, read as a
    stream (memory does not grow with the file): ``end`` is the byte offset just after the
    line, where a resumed run may cut the file.

    Raises :class:`ManifestError`, naming the file and line, for a line that is not a complete
    record. ``torn_tail=True`` ignores instead an incomplete last line (text after the last
    newline), which is what a run killed while appending leaves; ``--resume`` cuts it off.
    """
    path = Path(path)
    end = 0
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.endswith(b"\n"):
                if torn_tail:
                    return
                raise ManifestError(
                    f"{path} line {number} is incomplete (no newline at its end): the run "
                    "that wrote it was interrupted; finish it with generate --resume"
                )
            try:
                record = json.loads(line)
            except ValueError as err:
                raise ManifestError(f"{path} line {number} is not valid JSON ({err})") from err
            problem = _problem(record)
            if problem is not None:
                raise ManifestError(f"{path} line {number} is not a manifest record: {problem}")
            end += len(line)
            yield record, end


def iter_manifest(path: str | os.PathLike, torn_tail: bool = False) -> Iterator[dict[str, Any]]:
    """The records of the manifest at ``path``, streamed (see :func:`iter_lines`)."""
    return (record for record, _ in iter_lines(path, torn_tail))


def read_manifest(path: str | os.PathLike, torn_tail: bool = False) -> list[dict[str, Any]]:
    """The records of the manifest at ``path``, in file order, as a list (see
    :func:`iter_lines` for the errors and ``torn_tail``; :func:`iter_manifest` streams)."""
    return list(iter_manifest(path, torn_tail))


class ManifestWriter:
    """Appends lines to a manifest; see the module doc for the durability rule."""

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
