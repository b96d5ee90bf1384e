"""Worker processes that end when the main process ends, however it ends (SIGKILL included).

On Linux a worker asks the kernel to send it SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread checks every :data:`POLL_S` seconds
whether the parent is still the one that started it. A worker whose parent died before it got
this far exits at once. Workers also ignore Ctrl-C (SIGINT, sent to the whole foreground
process group): the main process handles it and shuts them down.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["POLL_S", "end_with_parent"]

POLL_S = 1.0
"""Seconds between two parent checks where the kernel cannot signal a parent's death."""

_PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int) -> None:
    """Make this worker process end when the process ``parent_pid`` (its parent) ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _kernel_kills_orphan():
        threading.Thread(target=_watch, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _kernel_kills_orphan() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_S)
    os._exit(1)
