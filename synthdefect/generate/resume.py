"""Starting, refusing, overwriting or resuming a run in an output folder.

A run records its settings in ``config.json`` (``config.shard-I-of-K.json`` for a shard) before
making anything. ``--resume`` continues only a run with identical settings: it cuts a torn last
manifest line, deletes this run's leftover temporary files and carries on after the last sample
the manifest names. Because every sample depends only on ``(seed, index)``, the result is the
same as an uninterrupted run.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthdefect.generate.config import GenerateConfig, GenerateError
from synthdefect.generate.inputs import input_changes, without_mtimes
from synthdefect.generate.layout import LAYOUT_ENTRIES, layout_folders, run_file, sample_files
from synthdefect.generate.manifest import ManifestError, read_manifest
from synthdefect.generate.writer import write_json

__all__ = ["Recovered", "discard_if_empty", "prepare_output", "read_record"]

_RUN_FILE = re.compile(r"(config|manifest|summary)(\.shard-\d+-of-\d+)?\.jsonl?")
_SHARD_LOCK = re.compile(r"\.shard-\d+-of-\d+\.lock")
_SAMPLE_TEMP = re.compile(r"\.(\d+)[^/]*\.tmp")


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
        elif own_config.exists():
            if not resume:
                raise GenerateError(
                    f"{out} already holds this run's {own_config.name}; "
                    "pass --resume to continue it or --overwrite to start again"
                )
            _check_same_run(record, own_config)
            return _recover(config)
        else:
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
    differ = [
        f"{k}: {stored.get(k)!r} -> {wanted[k]!r}"
        for k in wanted
        if k != "inputs" and stored.get(k) != wanted[k]
    ]
    if differ:
        raise GenerateError(
            f"--resume: settings differ from {stored_path} ({'; '.join(differ)}); "
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
    """``--overwrite``: a single run clears every earlier run's files (and nothing else); a
    shard drops only its own records, its sample files are rewritten in place."""
    out = config.out
    if not out.is_dir():
        return
    for entry in out.iterdir():
        if config.shard is None and entry.name in LAYOUT_ENTRIES and entry.is_dir():
            shutil.rmtree(entry)
        elif config.shard is None and (
            _RUN_FILE.fullmatch(entry.name) or _SHARD_LOCK.fullmatch(entry.name)
        ):
            entry.unlink()  # no shard is running: this run holds the folder's exclusive lock
    if config.shard is not None:
        for stem, extension in (("config", ".json"), ("manifest", ".jsonl"), ("summary", ".json")):
            (out / run_file(stem, extension, config.shard)).unlink(missing_ok=True)


def _recover(config: GenerateConfig) -> Recovered:
    """Cut the manifest to its complete lines, check them, delete this run's temporary files."""
    manifest = config.out / run_file("manifest", ".jsonl", config.shard)
    if not manifest.exists():
        manifest.write_bytes(b"")
    try:
        records = read_manifest(manifest, torn_tail=True)
    except ManifestError as err:
        raise GenerateError(f"--resume: {err}; use --overwrite to start again") from err
    indices = config.indices
    if [r.get("index") for r in records] != list(indices[: len(records)]):
        raise GenerateError(
            f"{manifest} does not list this run's samples in order; use --overwrite"
        )
    kept = sum(
        len(line) for line in manifest.read_bytes().splitlines(keepends=True)[: len(records)]
    )
    with open(manifest, "r+b") as f:
        f.truncate(kept)
    _remove_sample_temps(config)
    return Recovered(len(records), sum(int(r["label"]) for r in records))


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
    unrecorded (a sibling shard's files are left alone)."""
    for index in config.indices:
        for label in (0, 1):
            for relative in sample_files(config, index, label, with_train=True).values():
                (config.out / relative).unlink(missing_ok=True)
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
