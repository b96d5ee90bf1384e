"""The rules every command keeps for what it writes, in one place.

``generate``, ``preview``, ``train``, ``evaluate``, ``predict`` and ``--merge`` all go through
these functions; each raises :class:`OutputError` (a ``ValueError``) with a one-line message that
names the option and the path, which the command line shows with exit status 2.

* **Apart** (:func:`check_apart`): an output is never an input, never lies inside an input
  folder (a recursive input would read it back, ``--overwrite`` would delete inputs) and never
  holds one.
* **Claimed** (:func:`claim_file`): a file output replaces an existing file only when it is a
  previous output of the same command (the command says how to recognise one) or with
  ``--overwrite``; a symbolic link or a folder in its place is refused.
* **No links** (:func:`refuse_links`): nothing is written through a symbolic link found inside an
  output folder (a link to elsewhere would receive the files); :func:`inside` refuses a path read
  from a record (manifest, recipe) that leaves its folder (``..`` or absolute).
* **One writer** (:func:`folder_lock`): an output folder is held with an advisory ``flock`` while
  a command writes it; a second writer, or a reader of a folder still being written
  (:func:`check_not_being_written`), is refused with a line naming the holder's process. The
  kernel drops the lock when the process ends, however it ends: no stale locks. A forked child
  (a DataLoader worker) closes the lock descriptors it inherits (:func:`close_inherited_locks`).
* **Distinct** (:func:`distinct_names`): two inputs never map to one output file name.
* **Writable, early** (:func:`check_writable`), and operating-system failures met later in one
  line (:func:`os_error`): disk full, file-size limit, read-only file system, no permission.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # Windows: folders are not locked
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "OutputError",
    "check_apart",
    "check_not_being_written",
    "check_writable",
    "claim_file",
    "close_inherited_locks",
    "distinct_names",
    "folder_lock",
    "inside",
    "leaves_folder",
    "os_error",
    "refuse_links",
    "resolved",
]


class OutputError(ValueError):
    """An output that would overwrite, escape, collide or fail; the message is one line."""


def resolved(path: str | os.PathLike) -> Path:
    """``Path(path).resolve()``; a loop of symbolic links is an :class:`OutputError` naming it
    (Python 3.11 raises ``RuntimeError``, later versions ``OSError``)."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as error:
        raise OutputError(f"{path}: cannot follow its symbolic links ({error})") from None


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_apart(outputs: dict[str, Path], inputs: dict[str, Path | None]) -> None:
    """Refuse an output (option -> file or folder) that equals, lies inside or holds an input
    (option -> file or folder; ``None`` entries are skipped). Reads nothing, writes nothing."""
    for out_option, out in outputs.items():
        target = resolved(out)
        for option, given in inputs.items():
            if given is None:
                continue
            root = resolved(given)
            if target == root:
                raise OutputError(
                    f"{out_option} {out} is {option} {given}: choose an output that is not an input"
                )
            if _within(target, root):
                raise OutputError(
                    f"{out_option} {out} is inside {option} {root}: choose an output outside "
                    "the inputs"
                )
            if _within(root, target):
                raise OutputError(
                    f"{option} {root} is inside {out_option} {out}: choose an output outside "
                    "the inputs"
                )


def claim_file(
    path: Path, option: str, ours: Callable[[Path], bool], overwrite: bool = False
) -> None:
    """Refuse to write the file output ``path`` over something this command did not make.

    ``ours(path)`` tells a previous output of the same command (replaced without asking); any
    other existing file needs ``overwrite``. A folder or a symbolic link at ``path`` is always
    refused (writing would replace the link, not what it points to, or fail late).
    """
    if path.is_symlink():
        raise OutputError(
            f"{option} {path} is a symbolic link; synthdefect writes no output through links: "
            "name the file itself"
        )
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; name a file")
    if path.exists() and not overwrite and not ours(path):
        raise OutputError(
            f"{option} {path} already exists and was not written by this command; "
            "pass --overwrite to replace it, or choose another name"
        )


def refuse_links(root: Path, relatives: Iterable[str | os.PathLike], option: str = "--out") -> None:
    """Refuse when an existing part of ``root/relative`` below ``root`` is a symbolic link
    (``root`` itself may be one: the user chose it)."""
    for relative in relatives:
        path = root
        for part in PurePosixPath(relative).parts:
            path = path / part
            if path.is_symlink():
                raise OutputError(
                    f"{option} {root}: {path.relative_to(root).as_posix()} is a symbolic link; "
                    "synthdefect writes nothing through links: remove it (or the run) first"
                )
            if not path.exists():
                break


def leaves_folder(relative: str) -> bool:
    """Whether a relative POSIX path read from a record would leave its folder: empty,
    absolute, climbing with ``..``, or with a backslash (a Windows separator)."""
    pure = PurePosixPath(relative)
    return not relative or pure.is_absolute() or ".." in pure.parts or "\\" in relative


def inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative`` for a path read from a record; :class:`OutputError` when it
    :func:`leaves_folder` (``what`` names the record)."""
    if leaves_folder(relative):
        raise OutputError(f"{what}: path {relative!r} leaves its folder {root}")
    return root / relative


def distinct_names(
    names: dict[str, str], what: str, clash: str = "would both be written as"
) -> None:
    """Refuse when two inputs (key: the input, value: the name it maps to, e.g. its output file)
    share a name; the message reads ``"<what>: A and B <clash> NAME"``."""
    seen: dict[str, str] = {}
    for source, name in names.items():
        if name in seen:
            raise OutputError(f"{what}: {seen[name]} and {source} {clash} {name}; rename one")
        seen[name] = source


def check_writable(folder: Path, option: str = "--out") -> None:
    """Refuse early an output folder that cannot be created or written (a file in the way, no
    permission, a read-only file system) by writing and removing a probe file in the nearest
    folder that exists, so that the failure comes before the long work, not after it."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"{option} {folder}: {blocker} is a file, not a folder")
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".synthdefect-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"{option} {folder}: cannot write there ({_reason(err)})") from err


def _reason(err: OSError) -> str:
    return {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file size limit reached",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }.get(err.errno or 0, err.strerror or str(err))


def os_error(err: OSError, where: Path, resume: str = "") -> OutputError:
    """One line for an operating-system failure met while writing ``where``: what failed and,
    when given, how to continue (``resume``, e.g. ``"free space and rerun with --resume"``)."""
    advice = f"; {resume}" if resume else ""
    return OutputError(f"cannot write to {where}: {_reason(err)}{advice}")


def _holder(path: Path) -> str:
    """``" (pid N: command line)"`` of a process holding a ``flock`` on ``path`` (Linux's
    ``/proc/locks``), or ``""`` where that cannot be told."""
    try:
        info = path.stat()
        wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
        with open("/proc/locks", encoding="ascii") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK" or fields[5] != wanted:
            continue
        pid = fields[4]
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return f" (pid {pid})"
        words = [w.decode(errors="replace") for w in raw.split(b"\0") if w]
        if len(words) > 1 and Path(words[0]).name.startswith("python"):
            words = words[1:]  # python .../synthdefect ... -> synthdefect ...
        command = " ".join([Path(words[0]).name, *words[1:]]) if words else "?"
        return f" (pid {pid}: {command if len(command) <= 120 else command[:117] + '...'})"
    return ""


_HELD: set[int] = set()
"""File descriptors of the locks this process holds (a forked child inherits them)."""


def close_inherited_locks() -> None:
    """Close, in a forked child (e.g. a DataLoader worker), the lock descriptors it inherited:
    the parent's locks then end with the parent, not with the child's last copy."""
    for fd in list(_HELD):
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _release(fd: int) -> None:
    _HELD.discard(fd)
    os.close(fd)


def _try_lock(held: ExitStack, path: Path, flags: int, operation: int) -> bool:
    fd = os.open(path, flags, 0o644)
    _HELD.add(fd)
    held.callback(_release, fd)
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def folder_lock(
    folder: Path, option: str = "--out", shared: bool = False, also: Path | None = None
) -> Iterator[None]:
    """Create ``folder`` if needed and hold its lock for the ``with`` block: exclusive, or
    ``shared`` (several holders, e.g. sibling shards) plus an exclusive lock on the file
    ``also`` (created, left in place) when given.

    :class:`OutputError` when another process holds it (naming that process where the system
    tells) or ``folder`` cannot be a folder.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{option} {folder}: cannot write there ({_reason(err)})") from err
    if fcntl is None:
        yield
        return
    with ExitStack() as held:
        locks = [(folder, os.O_RDONLY, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)]
        if also is not None:
            locks.append((also, os.O_RDWR | os.O_CREAT, fcntl.LOCK_EX))
        for path, flags, operation in locks:
            if not _try_lock(held, path, flags, operation):
                raise OutputError(
                    f"another synthdefect run is writing to {folder}{_holder(path)}; "
                    f"wait for it to end or choose another {option}"
                )
        yield


def check_not_being_written(folder: Path, option: str, shard_locks: str = ".shard-*.lock") -> None:
    """Refuse to read ``folder`` while a command still writes it (it holds the folder's lock,
    or one of its shard lock files ``shard_locks``). Takes no lock itself."""
    if fcntl is None or not folder.is_dir():
        return
    with ExitStack() as held:
        if not _try_lock(held, folder, os.O_RDONLY, fcntl.LOCK_SH):
            busy = folder
        else:
            busy = next(
                (
                    p
                    for p in sorted(folder.glob(shard_locks))
                    if not _try_lock(held, p, os.O_RDONLY, fcntl.LOCK_SH)
                ),
                None,
            )
        if busy is not None:
            raise OutputError(
                f"{option} {folder} is still being written{_holder(busy)}; wait for that run to end"
            )
