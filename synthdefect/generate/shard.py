"""Merging the shards of a run into the files a single run writes.

Shard ``I/K`` of an ``n``-sample run makes the contiguous block ``[I*n//K, (I+1)*n//K)``, names
its sample files by global index and records ``config.shard-I-of-K.json``,
``manifest.shard-I-of-K.jsonl`` and ``summary.shard-I-of-K.json``. When all ``K`` shards have
finished in one folder, :func:`merge_shards` writes ``manifest.jsonl`` (the shard manifests
concatenated in shard order, byte-identical to a single run's), ``config.json`` and
``summary.json``. The same manifest is ``cat manifest.shard-{0..K-1}-of-K.jsonl``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from synthdefect.files.atomic import write_json
from synthdefect.generate.config import GenerateError, Shard
from synthdefect.generate.inputs import without_mtimes
from synthdefect.generate.layout import run_file
from synthdefect.generate.lock import as_generate_error, output_lock
from synthdefect.generate.manifest import ManifestError, iter_manifest
from synthdefect.generate.resume import RECORDS, missing_file, read_record
from synthdefect.generate.summary import RunReport
from synthdefect.outputs import refuse_links
from synthdefect.transforms.records import first_mismatch

__all__ = ["merge_shards"]

_SHARD_CONFIG = re.compile(r"config\.shard-(\d+)-of-(\d+)\.json")


def merge_shards(out: str | Path) -> RunReport:
    """Merge the finished shards in ``out`` (see module doc); :class:`GenerateError` if a shard
    is missing, unfinished or from a run with other settings."""
    out = Path(out)
    if not out.is_dir():
        raise GenerateError(f"no shard records (config.shard-I-of-K.json) in {out}")
    with output_lock(out):
        return _merge(out)


def _merge(out: Path) -> RunReport:
    found = sorted(
        (int(m[2]), int(m[1]))
        for p in out.glob("config.shard-*.json")
        if (m := _SHARD_CONFIG.fullmatch(p.name))
    )
    if not found:
        raise GenerateError(f"no shard records (config.shard-I-of-K.json) in {out}")
    count = found[0][0]
    if found != [(count, i) for i in range(count)]:
        have = ", ".join(f"{i}/{k}" for k, i in found)
        raise GenerateError(f"{out} needs exactly the shards 0..{count - 1} of {count}; has {have}")
    shards = [Shard(i, count) for i in range(count)]
    records = [run_file(stem, ext, s) for s in (None, *shards) for stem, ext in RECORDS]
    with as_generate_error():
        refuse_links(out, records)
    configs = [read_record(out / run_file("config", ".json", s)) for s in shards]
    merged = {**configs[0], "shard": None}
    for shard, config in zip(shards, configs, strict=True):
        found = first_mismatch(without_mtimes({**config, "shard": None}), without_mtimes(merged))
        if found is not None:
            where, theirs, first = found
            raise GenerateError(
                f"the shards in {out} were made with different settings: "
                f"{where} is {theirs!r} in {run_file('config', '.json', shard)}, {first!r} in "
                f"{run_file('config', '.json', shards[0])}"
            )
    manifests = [out / run_file("manifest", ".jsonl", s) for s in shards]
    anomalous = sum(
        _check_complete(out, path, shard, merged["n"])
        for shard, path in zip(shards, manifests, strict=True)
    )
    _concatenate(manifests, out / "manifest.jsonl")
    write_json(out / "config.json", merged)
    summaries = [out / run_file("summary", ".json", s) for s in shards]
    skipped = {
        s for p in summaries if p.exists() for s in json.loads(p.read_text())["skipped_inputs"]
    }
    report = RunReport(
        out=out,
        config=merged,
        samples=merged["n"],
        anomalous=anomalous,
        made=merged["n"],
        wall_s=sum(json.loads(p.read_text())["wall_time_s"] for p in summaries if p.exists()),
        skipped=tuple(sorted(skipped)),
    )
    write_json(out / "summary.json", report.to_json())
    return report


def _check_complete(out: Path, manifest: Path, shard: Shard, n: int) -> int:
    """Check, streaming, that ``manifest`` lists exactly the shard's indices and that the files
    it records are there; return how many samples have label 1."""
    indices = shard.indices(n)
    done = anomalous = 0
    try:
        records = iter_manifest(manifest, torn_tail=True) if manifest.exists() else iter(())
        for record in records:
            if done >= len(indices) or record["index"] != indices[done]:
                raise GenerateError(
                    f"cannot merge: {manifest} does not list the samples of shard "
                    f"{shard.index}/{shard.count} in order; rerun it with --overwrite"
                )
            gone = missing_file(out, record)
            if gone is not None:
                raise GenerateError(
                    f"cannot merge: {gone} of sample {record['index']} (shard "
                    f"{shard.index}/{shard.count}) is missing or empty; rerun that shard with "
                    "--resume, which makes it again"
                )
            done, anomalous = done + 1, anomalous + int(record["label"])
    except ManifestError as err:
        raise GenerateError(f"cannot merge: {err}") from err
    if done != len(indices):
        raise GenerateError(
            f"{manifest} is unfinished ({done} of {len(indices)} samples); "
            "rerun that shard with --resume"
        )
    return anomalous


def _concatenate(parts: list[Path], target: Path) -> None:
    """Write the concatenation of ``parts`` to ``target`` atomically, streaming."""
    temp = target.with_name(f".{target.name}.merge.tmp")
    with open(temp, "wb") as sink:
        for part in parts:
            with open(part, "rb") as source:
                shutil.copyfileobj(source, sink)
    temp.replace(target)
