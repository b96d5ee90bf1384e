"""Running a generation: split the indices, make samples in workers, record them in order.

The indices are cut into chunks of :data:`CHUNK_SIZE` consecutive samples. With one worker the
main process makes them itself; otherwise a ``spawn`` process pool (safe with numba and OpenCV)
does, each worker building its :class:`~synthdefect.generate.maker.SampleMaker` once in an
initializer. At most ``2 * workers`` chunks are in flight, and results are taken in submission
order, so the main process appends the manifest in index order and its memory does not grow
with ``n``. Output does not depend on the worker count: sample ``i`` depends only on
``(seed, i)``.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import cv2
from tqdm import tqdm

from synthdefect.generate.config import GenerateConfig, GenerateError
from synthdefect.generate.layout import run_file
from synthdefect.generate.maker import ChunkResult, SampleMaker
from synthdefect.generate.resume import prepare_output
from synthdefect.generate.sources import make_anomaly, open_images
from synthdefect.generate.summary import RunReport
from synthdefect.generate.writer import ManifestWriter, write_json

__all__ = ["CHUNK_SIZE", "default_workers", "generate"]

CHUNK_SIZE = 16
"""Samples per unit of work sent to a worker (also the manifest's flush batch)."""

_worker_maker: SampleMaker | None = None


def default_workers() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def generate(
    config: GenerateConfig,
    *,
    workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
) -> RunReport:
    """Generate ``config``'s samples into ``config.out`` and return the :class:`RunReport`.

    ``workers``: processes making samples (default: :func:`default_workers`); ``resume``:
    continue an interrupted run with the same settings; ``overwrite``: replace an earlier run;
    ``progress``: show a progress bar on stderr. Raises :class:`GenerateError` for bad inputs,
    an output folder holding other work, or a failed write (disk full included); samples
    recorded before a failure are kept and ``resume`` continues after them.
    """
    started = time.perf_counter()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise GenerateError(f"--workers must be at least 1, got {workers}")
    images = open_images(config)
    anomaly = make_anomaly(config)
    recovered = prepare_output(config, resume=resume, overwrite=overwrite)
    todo = config.indices[recovered.done :]
    chunks = [todo[i : i + CHUNK_SIZE] for i in range(0, len(todo), CHUNK_SIZE)]
    samples, anomalous, skipped = recovered.done, recovered.anomalous, set()
    manifest_path = config.out / run_file("manifest", ".jsonl", config.shard)
    bar = tqdm(
        total=len(config.indices),
        initial=recovered.done,
        unit="sample",
        disable=not progress,
        dynamic_ncols=True,
    )
    try:
        with ManifestWriter(manifest_path) as manifest:
            if workers == 1 or len(chunks) <= 1:
                maker = SampleMaker(config, images, anomaly)
                results: Iterator[ChunkResult] = map(maker.make_chunk, chunks)
            else:
                results = _pooled(config, chunks, min(workers, len(chunks)))
            for result in results:
                manifest.append(result.lines)
                samples += len(result.lines)
                anomalous += result.anomalous
                skipped.update(result.skipped)
                bar.update(len(result.lines))
        report = RunReport(
            out=config.out,
            config=config.record(),
            samples=samples,
            anomalous=anomalous,
            made=samples - recovered.done,
            wall_s=time.perf_counter() - started,
            skipped=tuple(sorted(skipped)),
        )
        write_json(config.out / run_file("summary", ".json", config.shard), report.to_json())
    except OSError as err:
        raise _write_error(config, err) from err
    finally:
        bar.close()
    return report


def _write_error(config: GenerateConfig, err: OSError) -> GenerateError:
    if err.errno == errno.ENOSPC:
        return GenerateError(
            f"disk full while writing to {config.out}; free space and rerun with --resume"
        )
    return GenerateError(f"cannot write to {config.out}: {err}")


def _pooled(config: GenerateConfig, chunks: Sequence[range], workers: int) -> Iterator[ChunkResult]:
    """Chunk results in order from a spawn pool, at most ``2 * workers`` chunks in flight."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(config,),
    )
    pending: deque[Future[ChunkResult]] = deque()
    try:
        for chunk in chunks:
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
            pending.append(pool.submit(_run_chunk, chunk))
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _init_worker(config: GenerateConfig) -> None:
    global _worker_maker
    cv2.setNumThreads(1)  # the pool already uses every CPU; OpenCV threads would compete
    _worker_maker = SampleMaker(config)


def _run_chunk(indices: range) -> ChunkResult:
    assert _worker_maker is not None, "worker used without its initializer"
    return _worker_maker.make_chunk(indices)
