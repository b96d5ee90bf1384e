"""Starting, refusing, overwriting or resuming a run in an output folder.

A run records its settings in ``config.json`` (``config.shard-I-of-K.json`` for a shard) before
making anything. ``--resume`` continues only a run with identical settings and trusts nothing
else it finds: it reads the manifest as a stream (memory does not grow with it), cuts a torn
last line, cuts it again before the first sample whose recorded files are missing, empty or not
plain files (those samples are made again), deletes this run's leftover temporary files and
carries on. Because every sample depends only on ``(seed, index)``, the result is the same as
an uninterrupted run. No run writes through a symbolic link inside its output folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthdefect.files.atomic import write_json
from synthdefect.generate.config import GenerateConfig, GenerateError
from synthdefect.generate.inputs import input_changes, without_mtimes
from synthdefect.generate.layout import LAYOUT_ENTRIES, layout_folders, run_file, sample_files
from synthdefect.generate.lock import as_generate_error
from synthdefect.generate.manifest import ManifestError, iter_lines
from synthdefect.outputs import refuse_links
from synthdefect.transforms.records import first_mismatch

__all__ = [
    "RECORDS",
    "Recovered",
    "discard_if_empty",
    "missing_file",
    "prepare_output",
    "read_record",
    "refuse_output_links",
]

RECORDS = (("config", ".json"), ("manifest", ".jsonl"), ("summary", ".json"))
"""The record files of a run (stem, extension; see :func:`~.layout.run_file`)."""
_RUN_FILE = re.compile(r"(config|manifest|summary)(\.shard-\d+-of-\d+)?\.jsonl?")
_SHARD_LOCK = re.compile(r"\.shard-\d+-of-\d+\.lock")
_SAMPLE_TEMP = re.compile(r"\.(\d+)[^/]*\.tmp")
_SAMPLE_NAME = re.compile(r"(\d+)(?:_mask)?\.[^.]+")  # a sample file: 000012.png, 000012_mask.png


@dataclass(frozen=True)
class Recovered:
    """Samples already made by an earlier attempt of this run: ``done`` lines, ``anomalous``
    of them with label 1 (both 0 for a fresh run)."""

    done: int
    anomalous: int


def prepare_output(
    config: GenerateConfig, record: dict[str, Any], resume: bool, overwrite: bool
) -> Recovered:
    """Make ``config.out`` ready for this run and return what an earlier attempt already made.

    ``record`` is what ``config.json`` holds: ``config.record()`` plus ``"inputs"``, the
    :func:`~synthdefect.generate.inputs.fingerprint` of the input files. Raises
    :class:`GenerateError` for a folder holding other work (without ``overwrite``), a resume
    with other settings or inputs, or an output folder that cannot be written.
    """
    if resume and overwrite:
        raise GenerateError("pass either --resume or --overwrite, not both")
    out = config.out
    own_config = out / run_file("config", ".json", config.shard)
    try:
        _remove_record_temps(config)
        if overwrite:
            _remove_previous(config)
        refuse_output_links(config)
        if not overwrite and own_config.exists():
            if not resume:
                raise GenerateError(
                    f"{out} already holds this run's {own_config.name}; "
                    "pass --resume to continue it or --overwrite to start again"
                )
            _check_same_run(record, own_config)
            return _recover(config)
        if not overwrite:
            _check_no_other_work(config, record, resume)
        out.mkdir(parents=True, exist_ok=True)
        write_json(own_config, record)
        (out / run_file("manifest", ".jsonl", config.shard)).write_bytes(b"")
    except OSError as err:
        raise GenerateError(f"cannot write to output folder {out}: {err.strerror or err}") from err
    return Recovered(0, 0)


def discard_if_empty(config: GenerateConfig) -> None:
    """Remove this run's ``config``/``manifest`` records, the sample files its workers wrote
    and its emptied layout folders when the manifest names no sample: a run that failed before
    recording anything leaves no trace."""
    manifest = config.out / run_file("manifest", ".jsonl", config.shard)
    if not manifest.is_file() or manifest.stat().st_size > 0:
        return
    manifest.unlink()
    (config.out / run_file("config", ".json", config.shard)).unlink(missing_ok=True)
    _remove_samples(config)
    for folder in sorted(layout_folders(config), key=len, reverse=True):  # children first
        for path in (config.out / folder, (config.out / folder).parent):
            if path != config.out and path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def refuse_output_links(config: GenerateConfig) -> None:
    """:class:`GenerateError` when a folder or record file this run writes in ``config.out`` is
    a symbolic link (``--out`` itself may be one)."""
    records = [run_file(stem, ext, config.shard) for stem, ext in RECORDS]
    with as_generate_error():
        refuse_links(config.out, [*layout_folders(config), *records])


def missing_file(out: Path, record: dict[str, Any]) -> str | None:
    """The first file a manifest ``record`` names that is not a non-empty plain file in
    ``out`` (relative path), or ``None`` when all are there. One ``lstat`` per file."""
    for relative in record["files"].values():
        try:
            info = os.lstat(out / relative)
        except OSError:
            return relative
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return relative
    return None


def read_record(path: Path) -> dict[str, Any]:
    """A run's ``config*.json``; :class:`GenerateError` when it is not a JSON object."""
    try:
        record = json.loads(path.read_bytes())
    except ValueError as err:
        raise GenerateError(f"{path} is damaged ({err}); use --overwrite to start again") from err
    if not isinstance(record, dict):
        raise GenerateError(f"{path} is damaged (not a JSON object); use --overwrite")
    return record


def _check_same_run(wanted: dict[str, Any], stored_path: Path) -> None:
    stored = read_record(stored_path)
    mismatches = [first_mismatch(stored.get(k), wanted[k], f"{k}.") for k in wanted]
    differ = [
        f"{where}: {was!r} -> {now!r}"
        for where, was, now in filter(None, mismatches)
        if where.split(".")[0] != "inputs"
    ]
    if differ:
        raise GenerateError(
            f"--resume: settings differ from the run's ({'; '.join(differ)}) in {stored_path}; "
            "use the same settings, or --overwrite"
        )
    changes = input_changes(stored.get("inputs"), wanted["inputs"])
    if changes:
        raise GenerateError(
            f"--resume: the inputs changed since the run started ({'; '.join(changes)}); "
            "restore them, or start again with --overwrite"
        )


def _check_no_other_work(config: GenerateConfig, mine: dict[str, Any], resume: bool) -> None:
    """A single run needs an empty folder; a shard tolerates its sibling shards' files."""
    out = config.out
    if not out.is_dir():
        return
    entries = [p.name for p in out.iterdir()]
    foreign = [n for n in entries if config.shard is None or not _is_run_entry(n)]
    if foreign:
        hint = (
            f"it holds no {run_file('config', '.json', config.shard)} to resume; "
            "pass --overwrite to replace its runs or choose another --out"
            if resume
            else "pass --resume to continue a run or --overwrite to replace it"
        )
        raise GenerateError(f"output folder {out} is not empty ({foreign[0]}, ...); {hint}")
    for name in entries:
        if name.startswith("config.shard-"):
            theirs = read_record(out / name)
            if without_mtimes({**theirs, "shard": None}) != without_mtimes({**mine, "shard": None}):
                raise GenerateError(f"{out / name} belongs to a run with other settings")


def _is_run_entry(name: str) -> bool:
    return (
        name in LAYOUT_ENTRIES
        or _RUN_FILE.fullmatch(name) is not None
        or _SHARD_LOCK.fullmatch(name) is not None
        or name.endswith(".tmp")
    )


def _remove_previous(config: GenerateConfig) -> None:
    """``--overwrite``: a single run clears every earlier run's files (and nothing else; a
    symbolic link among them is removed itself, never what it points to); a shard drops only
    its own records, its sample files are rewritten in place."""
    out = config.out
    if not out.is_dir():
        return
    for entry in out.iterdir():
        if config.shard is None and entry.name in LAYOUT_ENTRIES and entry.is_symlink():
            entry.unlink()
        elif config.shard is None and entry.name in LAYOUT_ENTRIES and entry.is_dir():
            shutil.rmtree(entry)
        elif config.shard is None and (
            _RUN_FILE.fullmatch(entry.name) or _SHARD_LOCK.fullmatch(entry.name)
        ):
            entry.unlink()  # no shard is running: this run holds the folder's exclusive lock
    if config.shard is not None:
        for stem, extension in RECORDS:
            (out / run_file(stem, extension, config.shard)).unlink(missing_ok=True)


def _recover(config: GenerateConfig) -> Recovered:
    """Cut the manifest to its complete lines whose files are all there (streaming it), check
    their order, delete this run's temporary files."""
    manifest = config.out / run_file("manifest", ".jsonl", config.shard)
    if not manifest.exists():
        manifest.write_bytes(b"")
    indices = config.indices
    done = anomalous = kept = 0
    try:
        for record, end in iter_lines(manifest, torn_tail=True):
            if done >= len(indices) or record["index"] != indices[done]:
                raise GenerateError(
                    f"{manifest} does not list this run's samples in order; use --overwrite"
                )
            gone = missing_file(config.out, record)
            if gone is not None:
                warnings.warn(
                    f"--resume: {gone} is missing, empty or not a regular file; sample "
                    f"{record['index']} and those recorded after it are made again",
                    stacklevel=4,
                )
                break
            done, anomalous, kept = done + 1, anomalous + int(record["label"]), end
    except ManifestError as err:
        raise GenerateError(f"--resume: {err}; use --overwrite to start again") from err
    with open(manifest, "r+b") as f:
        f.truncate(kept)
    _remove_sample_temps(config)
    return Recovered(done, anomalous)


def _remove_record_temps(config: GenerateConfig) -> None:
    """Delete this run's half-written ``config``/``summary`` files left by a killed attempt."""
    if not config.out.is_dir():
        return
    own_prefixes = tuple(f".{run_file(s, '.json', config.shard)}." for s in ("config", "summary"))
    for temp in config.out.glob(".*.tmp"):
        if temp.name.startswith(own_prefixes):
            temp.unlink(missing_ok=True)


def _remove_samples(config: GenerateConfig) -> None:
    """Delete the sample files of this run's indices that workers wrote before the run failed
    unrecorded (a sibling shard's files are left alone). The layout folders are read, not
    every index tried: a run of a billion samples that fails at its first leaves none."""
    indices = config.indices
    for folder in layout_folders(config):
        directory = config.out / folder
        if not directory.is_dir():
            continue
        for entry in os.scandir(directory):
            match = _SAMPLE_NAME.fullmatch(entry.name)
            if match is None or int(match[1]) not in indices:
                continue
            relative = f"{folder}/{entry.name}"
            index = int(match[1])
            if any(
                relative in sample_files(config, index, label, True).values() for label in (0, 1)
            ):
                os.unlink(entry.path)
    _remove_sample_temps(config)


def _remove_sample_temps(config: GenerateConfig) -> None:
    """Delete half-written sample files of this run's indices left by a killed attempt (a
    sibling shard's temporary files are left alone)."""
    indices = config.indices
    for folder in layout_folders(config):
        for temp in (config.out / folder).glob(".*.tmp"):
            match = _SAMPLE_TEMP.fullmatch(temp.name)
            if match and int(match[1]) in indices:
                temp.unlink(missing_ok=True)
