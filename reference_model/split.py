"""The held-out split: normal images kept out of training to score a run on synthetic defects.

A run trained with ``--validate`` keeps some of its normal images apart. Which ones depends only
on the run's seed and the files' names relative to the data folder: each name is ranked by
``sha256("<seed>/<name>")`` and the first ``k`` are held out, so the split is the same on every
machine and in every listing order, and a resumed run finds the same one. The split is
recorded in the run folder as :data:`SPLIT_NAME` (JSON: ``data``, ``seed``, ``amount``,
``held_out`` and ``training``, names relative to ``data``), which ``evaluate --synthetic`` reads.
Unreadable files take part in the split as any other (the training set skips them later).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reference_model.data import DataError
from synthdefect import NoImagesError, NormalImages
from synthdefect.model_api import MIN_TRAINING_SAMPLES

__all__ = ["SPLIT_NAME", "Split", "parse_amount", "read_split", "split_folder", "split_images"]

#: The split's file inside a run folder.
SPLIT_NAME = "split.json"


def parse_amount(text: str | float | int) -> float | int:
    """A held-out amount: a fraction in (0, 1) (``"0.2"``) or a count >= 1 (``"5"``);
    ``ValueError`` in one line otherwise."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"--validate takes a fraction in (0, 1) or a count, got {text!r}"
        ) from None
    if 0 < value < 1:
        return value
    if math.isfinite(value) and value >= 1 and value == int(value):
        return int(value)
    raise ValueError(f"--validate takes a fraction in (0, 1) or a count >= 1, got {text!r}")


@dataclass(frozen=True)
class Split:
    """Which normal images of ``data`` train and which are held out (names relative to
    ``data``, POSIX separators, sorted)."""

    data: str
    seed: int
    amount: float | int
    held_out: tuple[str, ...]
    training: tuple[str, ...]

    def held_out_paths(self) -> list[Path]:
        return [Path(self.data) / name for name in self.held_out]

    def training_paths(self) -> list[Path]:
        return [Path(self.data) / name for name in self.training]

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=1) + "\n").encode()

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Split:
        return cls(
            data=record["data"],
            seed=int(record["seed"]),
            amount=record["amount"],
            held_out=tuple(record["held_out"]),
            training=tuple(record["training"]),
        )


def _rank(seed: int, name: str) -> str:
    return hashlib.sha256(f"{seed}/{name}".encode()).hexdigest()


def split_folder(data: str | os.PathLike, amount: float | int, seed: int) -> Split:
    """:func:`split_images` of every image file under ``data``; :class:`DataError` in one line
    when there is none or too few."""
    try:
        paths = NormalImages(data, size=None).paths
    except NoImagesError as error:
        raise DataError(f"the training set is empty: {error} ({data})") from None
    try:
        return split_images(data, paths, amount, seed)
    except ValueError as error:
        raise DataError(str(error)) from None


def split_images(
    data: str | os.PathLike, paths: list[Path], amount: float | int, seed: int
) -> Split:
    """Hold out ``amount`` of the images ``paths`` under ``data`` (a fraction: ``round(fraction *
    n)``, at least 1; or a count). ``ValueError`` in one line when fewer than
    ``MIN_TRAINING_SAMPLES`` images would be left to train on."""
    root = Path(data).resolve()
    names = sorted(Path(os.path.relpath(Path(p).resolve(), root)).as_posix() for p in paths)
    count = max(1, round(amount * len(names))) if isinstance(amount, float) else amount
    if len(names) - count < MIN_TRAINING_SAMPLES:
        raise ValueError(
            f"too few normal images for --validate {amount}: {len(names)} found, {count} to "
            f"hold out and at least {MIN_TRAINING_SAMPLES} to train on"
        )
    held_out = set(sorted(names, key=lambda name: _rank(seed, name))[:count])
    return Split(
        data=str(root),
        seed=seed,
        amount=amount,
        held_out=tuple(name for name in names if name in held_out),
        training=tuple(name for name in names if name not in held_out),
    )


def read_split(run_dir: str | os.PathLike) -> Split | None:
    """The split recorded in ``run_dir`` (``None`` if the run has none); ``ValueError`` for a
    garbled file."""
    path = Path(run_dir) / SPLIT_NAME
    if not path.is_file():
        return None
    try:
        return Split.from_dict(json.loads(path.read_bytes()))
    except (ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path} is not a held-out split: {error}") from None
