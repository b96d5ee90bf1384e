"""One run at a time in an output folder (:func:`synthdefect.outputs.folder_lock`).

A single run or a merge holds an exclusive lock on the output folder itself (no lock file is
left behind). A shard holds a shared lock on the folder, so that sibling shards can run side by
side, plus an exclusive lock on its own hidden ``.shard-I-of-K.lock`` file. The kernel drops the
locks when the process ends, however it ends, so a run killed with SIGKILL leaves no stale lock.
Where ``fcntl`` is missing (Windows) runs are not locked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synthdefect.generate.config import GenerateError, Shard
from synthdefect.outputs import OutputError, folder_lock

__all__ = ["as_generate_error", "lock_name", "output_lock"]


def lock_name(shard: Shard) -> str:
    """The hidden lock file of a shard in the output folder, e.g. ``.shard-0-of-4.lock``."""
    return f".{shard.tag}.lock"


@contextmanager
def as_generate_error() -> Iterator[None]:
    """Raise the shared output rules' :class:`~synthdefect.outputs.OutputError` as the
    :class:`GenerateError` that generate's callers catch."""
    try:
        yield
    except OutputError as err:
        if isinstance(err, GenerateError):
            raise
        raise GenerateError(str(err)) from err


@contextmanager
def output_lock(out: Path, shard: Shard | None = None) -> Iterator[None]:
    """Create ``out`` if needed and hold its lock (see module doc) for the ``with`` block.

    Raises :class:`GenerateError` when another run holds it or ``out`` cannot be a folder.
    """
    also = None if shard is None else out / lock_name(shard)
    with as_generate_error(), folder_lock(out, shared=shard is not None, also=also):
        yield
