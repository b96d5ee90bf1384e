"""The limits every command and the API share, stated once.

Sizes are in pixels per image side; counts are numbers of samples or cells.
"""

from __future__ import annotations

import os

__all__ = [
    "MAX_CELL",
    "MAX_IMAGE_PIXELS",
    "MAX_SAMPLES",
    "MAX_SHEET_SAMPLES",
    "MAX_SIDE",
    "MIN_CELL",
    "MIN_SIDE",
    "MIN_TRAINING_SAMPLES",
    "default_workers",
    "side_problem",
]

MIN_SIDE, MAX_SIDE = 8, 8192
"""Bounds of a working image side (``generate``/``preview --size``, ``train --size``, ``bench
--size``): smaller images leave no room for a defect, larger ones need gigabytes per image
(float32 working copies of an 8192x8192 RGB image take 800 MB)."""


def side_problem(sides: tuple[int, ...], option: str = "--size") -> str | None:
    """Why image ``sides`` (pixels) break :data:`MIN_SIDE`..:data:`MAX_SIDE`, or ``None``."""
    if MIN_SIDE <= min(sides) <= max(sides) <= MAX_SIDE:
        return None
    shown = sides[0] if len(sides) == 1 else sides
    return (
        f"{option} must be {MIN_SIDE} to {MAX_SIDE} pixels per side (at most {MAX_SIDE} "
        f"pixels keeps an image's working copies below a few GB), got {shown}"
    )


MAX_IMAGE_PIXELS = 1 << 30
"""Most pixels (width x height) of an image file the decoder reads (OpenCV's own limit)."""

MAX_SAMPLES = 10**9
"""Most samples of one ``generate`` run (file names hold the index; a billion files already
fill most file systems)."""

MAX_SHEET_SAMPLES = 256
"""Most samples on one ``preview`` sheet: 16x16 cells at 160-pixel panels are 8000 pixels wide."""

MIN_CELL, MAX_CELL = 16, 1024
"""Bounds of a ``preview`` panel's height."""

MIN_TRAINING_SAMPLES = 2
"""Fewest training samples per process: a batch of one cannot be normalised by BatchNorm at the
model's 1x1 bottleneck."""


def default_workers(cap: int | None = None) -> int:
    """Default number of worker processes: the CPUs this process may run on, at most ``cap``.

    ``generate`` uses every CPU (no cap); ``train``, ``evaluate`` and ``predict`` use ``cap=8``
    DataLoader workers, enough to keep a GPU fed.
    """
    available = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    return available if cap is None else min(cap, available)
