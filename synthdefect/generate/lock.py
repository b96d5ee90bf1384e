"""One run at a time in an output folder: an advisory ``flock`` held while a run writes.

A single run or a merge holds an exclusive lock on the output folder itself (no lock file is
left behind). A shard holds a shared lock on the folder, so that sibling shards can run side by
side, plus an exclusive lock on its own hidden ``.shard-I-of-K.lock`` file. The kernel drops the
locks when the process ends, however it ends, so a run killed with SIGKILL leaves no stale lock.
Where ``fcntl`` is missing (Windows) runs are not locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from synthdefect.generate.config import GenerateError, Shard

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["lock_name", "output_lock"]


def lock_name(shard: Shard) -> str:
    """The hidden lock file of a shard in the output folder, e.g. ``.shard-0-of-4.lock``."""
    return f".{shard.tag}.lock"


@contextmanager
def output_lock(out: Path, shard: Shard | None = None) -> Iterator[None]:
    """Create ``out`` if needed and hold its lock (see module doc) for the ``with`` block.

    Raises :class:`GenerateError` when another run holds it or ``out`` cannot be a folder.
    """
    if out.exists() and not out.is_dir():
        raise GenerateError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GenerateError(f"cannot write to output folder {out}: {err.strerror or err}") from err
    if fcntl is None:
        yield
        return
    with ExitStack() as held:
        _hold(held, out, os.O_RDONLY, fcntl.LOCK_EX if shard is None else fcntl.LOCK_SH, out)
        if shard is not None:
            _hold(held, out / lock_name(shard), os.O_RDWR | os.O_CREAT, fcntl.LOCK_EX, out)
        yield


def _hold(held: ExitStack, path: Path, flags: int, operation: int, out: Path) -> None:
    fd = os.open(path, flags, 0o644)
    held.callback(os.close, fd)
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        raise GenerateError(
            f"another synthdefect run is writing to {out}; "
            "wait for it to end or choose another --out"
        ) from None
