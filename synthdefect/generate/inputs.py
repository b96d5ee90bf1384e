"""The files a run reads, checked against the files it writes.

* :func:`check_apart` refuses an output that overlaps an input (``--out`` inside ``--images``
  or ``--textures``, or an input inside ``--out``) before anything is written: ``--overwrite``
  would delete the inputs, and a recursive input folder would pick up the run's own images.
* :func:`fingerprint` describes the input files (count, bytes, names and sizes, modification
  times); ``config.json`` stores it and ``--resume`` refuses to continue with other inputs.
  :func:`folders_fingerprint` is the one-string form a training checkpoint stores (its
  ``data``) for ``train --resume``. The two are stored by runs already made, so each keeps
  its exact digest.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from synthdefect import outputs
from synthdefect.files.paths import fixed_root
from synthdefect.generate.config import GenerateConfig
from synthdefect.generate.lock import as_generate_error
from synthdefect.recipes import mask_folders, texture_sources
from synthdefect.textures import parse_textures

__all__ = [
    "check_apart",
    "fingerprint",
    "folders_fingerprint",
    "input_changes",
    "input_roots",
    "without_mtimes",
]


def input_roots(config: GenerateConfig) -> list[tuple[str, Path]]:
    """``(option, path)`` of each user input: the ``--images`` file or folder (a glob's fixed
    folder), the ``--textures`` folder and a ``--foreground`` folder of masks, resolved. The
    built-in images are not listed."""
    roots = []
    if config.images is not None:
        path = Path(config.images)
        roots.append(("--images", path.resolve() if path.is_file() else fixed_root(config.images)))
    if not parse_textures(config.textures).generated:
        roots.append(("--textures", fixed_root(config.textures)))
    if isinstance(config.foreground, (str, os.PathLike)) and Path(config.foreground).is_dir():
        roots.append(("--foreground", Path(config.foreground).resolve()))
    return roots


def check_apart(config: GenerateConfig, out: Path) -> None:
    """Raise :class:`GenerateError` if ``out`` (an output folder or file) and an input lie inside
    one another, or are the same (:func:`synthdefect.outputs.check_apart`). Reads nothing,
    writes nothing."""
    with as_generate_error():
        outputs.check_apart({"--out": out}, dict(input_roots(config)))


def fingerprint(config: GenerateConfig, image_paths: list[Path]) -> dict[str, Any]:
    """What the run's input files are: per input (``"images"``, ``"textures"``: the files of
    every texture source of the recipe, ``"foreground"``: those of its folders of masks) the
    file ``count``, total ``bytes``, a digest of the relative names and sizes (``listing``) and
    one of the modification times (``mtimes``). Built-in images, procedural textures and no
    mask folder: ``None``."""
    files = [path for source in texture_sources(config.anomaly) for path in source.files.paths]
    textures = None
    if files:
        textures = _describe(files, Path(os.path.commonpath([p.resolve().parent for p in files])))
    images = None
    if config.images is not None:
        images = _describe(image_paths, fixed_root(config.images))
    masks = [path for folder in mask_folders(config.anomaly) for path in folder.paths]
    foreground = None
    if masks:
        foreground = _describe(masks, Path(os.path.commonpath([p.parent for p in masks])))
    return {"images": images, "textures": textures, "foreground": foreground}


def folders_fingerprint(*folders: str | os.PathLike, extra: str = "") -> str:
    """A short hex digest of the files under ``folders`` (relative paths and sizes, in order)
    and of ``extra`` (e.g. the anomaly recipe's description).

    A resumed run compares it with its checkpoint's, so that it continues on the same images,
    textures and recipe (moving or copying the folders keeps it; adding, removing, renaming or
    rewriting a file to another size changes it).
    """
    digest = hashlib.sha256(extra.encode())
    for folder in folders:
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(root).as_posix()}\t{path.stat().st_size}\n".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _describe(paths: list[Path], root: Path) -> dict[str, Any]:
    listing, mtimes, total = hashlib.sha256(), hashlib.sha256(), 0
    for path in paths:
        stat = path.stat()
        name = os.path.relpath(path.resolve(), root.resolve())
        listing.update(f"{name}\0{stat.st_size}\n".encode())
        mtimes.update(f"{stat.st_mtime_ns}\n".encode())
        total += stat.st_size
    return {
        "count": len(paths),
        "bytes": total,
        "listing": listing.hexdigest()[:16],
        "mtimes": mtimes.hexdigest()[:16],
    }


def without_mtimes(record: dict[str, Any]) -> dict[str, Any]:
    """A run record without the inputs' modification times, for comparing the records of shards
    that may have run on other machines (copies of the inputs keep names and sizes only)."""
    inputs = record.get("inputs") or {}
    kept = {k: v and {f: x for f, x in v.items() if f != "mtimes"} for k, v in inputs.items()}
    return {**record, "inputs": kept}


def input_changes(stored: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """What differs between a stored :func:`fingerprint` and the current one, in words
    (empty when the same; a record from before fingerprints, ``None``, is not checked)."""
    if stored is None:
        return []
    changes = []
    for name in ("images", "textures", "foreground"):
        old, new = stored.get(name), current.get(name)
        if old == new:
            continue
        if old is None or new is None:
            changes.append(f"--{name} changed source")
        elif old["count"] != new["count"]:
            changes.append(f"--{name} has {new['count']} files, had {old['count']}")
        elif old["listing"] != new["listing"]:
            changes.append(f"--{name}: files renamed or resized")
        else:
            changes.append(f"--{name}: files modified (new modification times)")
    return changes
