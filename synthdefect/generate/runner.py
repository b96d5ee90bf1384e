"""Running a generation: split the indices, make samples in workers, record them in order.

The indices are cut into chunks of :data:`CHUNK_SIZE` consecutive samples. With one worker the
main process makes them itself. Otherwise each of ``W`` worker processes (``spawn``, safe with
numba and OpenCV) builds its :class:`~synthdefect.generate.maker.SampleMaker` once, and blocks
of ``W`` chunks are shared out by normal image: worker ``w`` makes the samples whose image
``i % n_images`` is ``w`` modulo ``W``, so that each worker decodes only its share of the images.
At most two blocks are in flight and each block's lines are merged back into index order, so
the main process appends the manifest in index order and its memory does not grow with ``n``.
Output does not depend on the worker count: sample ``i`` depends only on ``(seed, i)``.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import time
import warnings
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
from tqdm import tqdm

from synthdefect.files.atomic import write_json
from synthdefect.files.normal_images import NormalImages
from synthdefect.generate.config import GenerateConfig, GenerateError, WorkerDiedError
from synthdefect.generate.inputs import check_apart, fingerprint
from synthdefect.generate.layout import run_file
from synthdefect.generate.lifetime import end_with_parent
from synthdefect.generate.lock import output_lock
from synthdefect.generate.maker import ChunkResult, SampleMaker
from synthdefect.generate.manifest import ManifestWriter
from synthdefect.generate.resume import Recovered, discard_if_empty, prepare_output
from synthdefect.generate.samples import make_anomaly, open_images
from synthdefect.generate.summary import RunReport
from synthdefect.limits import default_workers
from synthdefect.outputs import os_error
from synthdefect.recipes import skipped_textures

if TYPE_CHECKING:
    from synthdefect.transforms import Transform

__all__ = ["CHUNK_SIZE", "HOLD_ENV", "generate"]

CHUNK_SIZE = 16
"""Samples per unit of work sent to a worker (also the manifest's flush batch)."""

HOLD_ENV = "SYNTHDEFECT_TEST_HOLD"
"""For tests only: ``LINES:PATH`` makes a run, once its manifest holds at least ``LINES``
lines, wait for the file ``PATH`` to exist before it takes further results and before it
finishes, so that a test can signal or kill a run that is provably mid-way."""

_worker_maker: SampleMaker | None = None


def generate(
    config: GenerateConfig,
    *,
    workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
) -> RunReport:
    """Generate ``config``'s samples into ``config.out`` and return the :class:`RunReport`.

    ``workers``: processes making samples (default: every CPU available,
    :func:`~synthdefect.limits.default_workers`); ``resume``: continue an interrupted run with
    the same settings; ``overwrite``: replace an earlier run; ``progress``: show a progress bar
    on stderr. Raises :class:`GenerateError` for bad inputs, an output folder holding other
    work, or a failed write (disk full included), and its subclass :class:`WorkerDiedError`
    when a worker process dies; samples recorded before a failure are kept and ``resume``
    continues after them.
    """
    started = time.perf_counter()
    check_apart(config, config.out)
    workers = _worker_count(workers)
    images = open_images(config)
    anomaly = make_anomaly(config, images)
    skipped = skipped_textures(anomaly)  # found by make_anomaly's texture check
    record = {**config.record(), "inputs": fingerprint(config, images.paths)}
    with _removed_if_left_empty(config.out), output_lock(config.out, config.shard):
        recovered = prepare_output(config, record, resume=resume, overwrite=overwrite)
        try:
            tally = _make_samples(config, recovered, images, anomaly, workers, progress)
            tally.skipped.update(skipped)
            report = RunReport(
                out=config.out,
                config=record,
                samples=tally.samples,
                anomalous=tally.anomalous,
                made=tally.samples - recovered.done,
                wall_s=time.perf_counter() - started,
                skipped=tuple(sorted(tally.skipped)),
            )
            write_json(config.out / run_file("summary", ".json", config.shard), report.to_json())
        except OSError as err:
            raise _write_error(config, err) from err
        except BrokenProcessPool as err:
            raise WorkerDiedError(
                "a worker process died (killed, or out of memory?); the samples recorded so far "
                "are kept: rerun with --resume to continue"
            ) from err
    if config.p_anomaly == 1.0 and report.anomalous < report.samples:
        room = "the images" if config.foreground is None else "the images, or their --foreground,"
        warnings.warn(
            f"{report.samples - report.anomalous} of {report.samples} samples have no defect "
            f"although --p-anomaly is 1: {room} are too small for the recipe's masks",
            stacklevel=2,
        )
    return report


@contextmanager
def _removed_if_left_empty(folder: Path) -> Iterator[None]:
    """When the ``with`` block creates ``folder`` and then fails leaving it empty (nothing was
    made), remove it again: a failed run leaves no trace."""
    created = not folder.exists()
    try:
        yield
    except BaseException:
        if created:
            with suppress(OSError):
                folder.rmdir()  # fails, and keeps the folder, unless it is empty
        raise


def _worker_count(workers: int | None) -> int:
    """``workers``, or the CPUs available when ``None``. More than the CPUs is allowed (the user
    may know better, e.g. in a container) but warned about: the extra processes only compete for
    the same CPUs and add memory."""
    available = default_workers()
    if workers is None:
        return available
    if workers < 1:
        raise GenerateError(f"--workers must be at least 1, got {workers}")
    if workers > available:
        warnings.warn(
            f"--workers {workers} is more than the {available} CPUs available: the extra "
            "processes only compete for them and add memory",
            stacklevel=3,
        )
    return workers


@dataclass
class _Tally:
    """Samples in the manifest so far, ``anomalous`` of them, unreadable inputs met."""

    samples: int
    anomalous: int
    skipped: set[str] = field(default_factory=set)


def _make_samples(
    config: GenerateConfig,
    recovered: Recovered,
    images: NormalImages,
    anomaly: Transform,
    workers: int,
    progress: bool,
) -> _Tally:
    """Make the samples after ``recovered`` and append their lines to the manifest (removing
    the run's records again if it fails before recording a sample)."""
    todo = config.indices[recovered.done :]
    tally = _Tally(recovered.done, recovered.anomalous)
    manifest_path = config.out / run_file("manifest", ".jsonl", config.shard)
    total, initial = len(config.indices), recovered.done
    try:
        with (
            tqdm(
                total=total,
                initial=initial,
                unit="sample",
                disable=not progress,
                dynamic_ncols=True,
            ) as bar,
            ManifestWriter(manifest_path) as manifest,
            ExitStack() as stack,
        ):
            if workers == 1 or len(todo) <= CHUNK_SIZE:
                maker = SampleMaker(config, images, anomaly)
                chunks = (todo[i : i + CHUNK_SIZE] for i in range(0, len(todo), CHUNK_SIZE))
                results: Iterator[ChunkResult] = map(maker.make_chunk, chunks)
            else:  # closed (the pools shut down) on the way out, also when interrupted
                pooled = _pooled(config, anomaly, todo, workers, len(images))
                results = stack.enter_context(closing(pooled))
            for result in results:
                manifest.append(result.lines)
                tally.samples += len(result.lines)
                tally.anomalous += result.anomalous
                tally.skipped.update(result.skipped)
                bar.update(len(result.lines))
                _hold_for_tests(tally.samples)
            _hold_for_tests(tally.samples)
    except BaseException:  # also Ctrl-C: a run that made nothing leaves no records
        discard_if_empty(config)
        raise
    return tally


def _hold_for_tests(samples: int) -> None:
    """Wait as :data:`HOLD_ENV` asks when the manifest holds ``samples`` lines (else return)."""
    spec = os.environ.get(HOLD_ENV)
    if not spec:
        return
    lines, _, path = spec.partition(":")
    while samples >= int(lines) and not os.path.exists(path):
        time.sleep(0.01)


def _write_error(config: GenerateConfig, err: OSError) -> GenerateError:
    if err.errno == errno.ENOSPC:
        return GenerateError(
            f"disk full while writing to {config.out}; free space and rerun with --resume"
        )
    return GenerateError(str(os_error(err, config.out, "rerun with --resume once it is mended")))


def _owners(block: range, n_images: int, workers: int) -> dict[int, list[int]]:
    """The indices of ``block`` each worker makes: by image ``i % n_images`` modulo ``workers``
    (by ``i`` itself when there are fewer images than workers)."""
    owned: dict[int, list[int]] = {}
    for index in block:
        key = index % n_images if n_images >= workers else index
        owned.setdefault(key % workers, []).append(index)
    return owned


def _merged(parts: list[tuple[list[int], Future[ChunkResult]]]) -> ChunkResult:
    """One block's results from its workers, lines back in index order."""
    results = [(indices, future.result()) for indices, future in parts]
    lines = sorted(
        (index, line)
        for indices, r in results
        for index, line in zip(indices, r.lines, strict=True)
    )
    skipped = sorted({path for _, r in results for path in r.skipped})
    return ChunkResult([line for _, line in lines], sum(r.anomalous for _, r in results), skipped)


def _pooled(
    config: GenerateConfig, anomaly: Transform, todo: range, workers: int, n_images: int
) -> Generator[ChunkResult, None, None]:
    """Block results in index order from ``workers`` processes, at most two blocks in flight.

    Each worker receives the recipe itself (pickled), not the settings to rebuild it from.
    """
    context = multiprocessing.get_context("spawn")
    initargs = (config, anomaly, os.getpid())
    pools = [
        ProcessPoolExecutor(1, context, initializer=_init_worker, initargs=initargs)
        for _ in range(workers)
    ]
    pending: deque[list[tuple[list[int], Future[ChunkResult]]]] = deque()
    step = CHUNK_SIZE * workers
    try:
        for start in range(todo.start, todo.stop, step):
            block = range(start, min(start + step, todo.stop))
            if len(pending) >= 2:
                yield _merged(pending.popleft())
            owned = _owners(block, n_images, workers)
            pending.append([(ids, pools[w].submit(_run_chunk, ids)) for w, ids in owned.items()])
        while pending:
            yield _merged(pending.popleft())
    except BaseException:  # interrupted or failed: drop the chunks in flight
        _stop(pools)
        raise
    for pool in pools:
        pool.shutdown(wait=True)


def _stop(pools: list[ProcessPoolExecutor]) -> None:
    """Cancel the chunks not started, kill the workers and wait until they are gone, so that
    none writes a file after the caller has cleaned up (a failed run removes what it wrote).

    The pools are not joined: a worker killed while sending its result leaves its pool's
    thread waiting for the rest of the message, forever (CPython 3.11), so joining it could
    hang; the worker processes themselves are waited for (``ProcessPoolExecutor`` keeps them
    in ``_processes``, the only handle it offers).
    """
    processes = [p for pool in pools for p in (getattr(pool, "_processes", None) or {}).values()]
    for pool in pools:
        pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join()


def _init_worker(config: GenerateConfig, anomaly: Transform, parent_pid: int) -> None:
    global _worker_maker
    end_with_parent(parent_pid)
    cv2.setNumThreads(1)  # the pool already uses every CPU; OpenCV threads would compete
    _worker_maker = SampleMaker(config, anomaly=anomaly)


def _run_chunk(indices: Sequence[int]) -> ChunkResult:
    assert _worker_maker is not None, "worker used without its initializer"
    return _worker_maker.make_chunk(indices)
