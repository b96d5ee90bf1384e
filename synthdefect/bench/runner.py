"""Measure masks/s, samples/s and first-sample latency for synthdefect and its numpy baseline.

Every figure is at 256x256 (configurable): per thread (this process, one thread) and for all
threads (one process per core, each running the same loop; the rates are summed). Texture files
are decoded and fitted before timing, except for the "textures cold" line (texture files given):
there the source caches nothing, so every sample decodes and fits its texture, as a ``generate``
run does for each texture it has not used yet. The baseline
is the project's own numpy implementation of the same algorithm
(:mod:`synthdefect.bench.baseline`), replaying the very records synthdefect drew, so both do the
same work.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from synthdefect.bench import baseline
from synthdefect.files.normal_images import NormalImages
from synthdefect.recipes import RecipeOptions, SyntheticAnomaly
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.textures import FolderSource, StoredSource
from synthdefect.transforms import PerlinMask, TextureSample, Transform

__all__ = ["BenchResult", "preset_inputs", "preset_rate", "run_benchmarks"]


@dataclass
class BenchResult:
    """One benchmark line: synthdefect's figure, the numpy baseline's and their ratio."""

    name: str
    unit: str
    ours: float
    numpy: float

    @property
    def ratio(self) -> float:
        if self.unit == "s":  # latency: lower is better
            return self.numpy / self.ours if self.ours else float("inf")
        return self.ours / self.numpy if self.numpy else float("inf")


def _rate(step: Callable[[int], object], seconds: float) -> float:
    """Calls of ``step(i)`` per second over about ``seconds``, after one warm-up call."""
    step(0)
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        step(n + 1)
        n += 1
    return n / elapsed


@dataclass(frozen=True)
class _Setup:
    size: int
    images: str | None
    textures: str | None
    cold_textures: bool = False
    """Texture files decoded on every sample (a source without cache) instead of beforehand."""

    def anomaly(self) -> SyntheticAnomaly:
        textures: object = self.textures
        if self.cold_textures:
            textures = FolderSource(self.textures, cache_bytes=0)
        return SyntheticAnomaly("draem-code", textures=textures, p_anomaly=1.0)

    def normal_images(self) -> list[np.ndarray]:
        if self.images is None:
            from synthdefect.generate import default_images

            source: object = default_images()
        else:
            source = self.images
        normals = NormalImages(source, size=(self.size, self.size))
        return [normals[i] for i in range(min(len(normals), 16))]


def _mask_step(setup: _Setup, impl: str) -> Callable[[int], object]:
    masks = PerlinMask(redraw_empty=False)  # one mask per draw, the same draws at any size

    def ours(i: int) -> object:
        return masks.generate(setup.size, setup.size, sample_rng(0, i))

    def numpy_ref(i: int) -> object:
        record = masks.generate(1, 1, sample_rng(0, i))[1]  # the same draws, built at 1x1
        return baseline.perlin_mask(setup.size, setup.size, record["params"])

    return ours if impl == "ours" else numpy_ref


def _warm_textures(recipe: Transform, size: int) -> None:
    """Decode and fit every stored texture once, as samples of ``size`` ask for them (decoded
    reduced where their records say so), so that timing sees cached inputs."""
    for _, step in recipe.walk():
        if isinstance(step, TextureSample) and isinstance(step.source, StoredSource):
            for index in range(len(step.source)):
                resized = step.resize == "resize"
                reduce = step.source.reduction(index, size, size) if resized else 1
                step.source.load(index, size, size, 3, reduce=reduce)


def _sample_step(setup: _Setup, impl: str) -> Callable[[int], object]:
    anomaly = setup.anomaly()
    twin = baseline.baseline_recipe(anomaly)
    normals = setup.normal_images()
    if not setup.cold_textures:
        _warm_textures(anomaly, setup.size)
    records = []
    for i in range(64):  # the records the baseline replays
        image = normals[i % len(normals)]
        records.append(anomaly.forward(Sample.from_image(image), sample_rng(0, i))[1])
        twin.apply(Sample.from_image(image), records[-1])

    def ours(i: int) -> object:
        image = normals[i % len(normals)]
        return anomaly.forward(Sample.from_image(image), sample_rng(0, i))

    def numpy_ref(i: int) -> object:
        image = Sample.from_image(normals[i % len(normals)])
        return twin.apply(image, records[i % len(records)])

    return ours if impl == "ours" else numpy_ref


_STEPS = {"masks": _mask_step, "samples": _sample_step}


def preset_inputs(
    preset: str,
    size: int = 256,
    images: str | os.PathLike | None = None,
    textures: str | os.PathLike | None = None,
) -> tuple[Transform, list[np.ndarray]]:
    """``preset``'s recipe (every sample anomalous), its textures decoded, and up to 16 normal
    images (HWC ``uint8``, ``size`` square): ``images`` default to the built-in normal images,
    ``textures`` to the preset's default."""
    setup = _Setup(size=size, images=None if images is None else str(Path(images)), textures=None)
    given = None if textures is None else str(textures)
    recipe = RecipeOptions(preset, textures=given, p_anomaly=1.0).build()
    _warm_textures(recipe, size)
    return recipe, setup.normal_images()


def preset_rate(
    preset: str,
    size: int = 256,
    images: str | os.PathLike | None = None,
    textures: str | os.PathLike | None = None,
    seconds: float = 3.0,
) -> float:
    """Anomaly samples/s of ``preset`` (every sample anomalous) on one thread, inputs cached
    (:func:`preset_inputs`)."""
    recipe, normals = preset_inputs(preset, size, images, textures)

    def step(i: int) -> object:
        return recipe.forward(Sample.from_image(normals[i % len(normals)]), sample_rng(0, i))

    return _rate(step, seconds)


def _worker_rate(args: tuple[str, str, _Setup, float]) -> float:
    kind, impl, setup, seconds = args
    import cv2

    cv2.setNumThreads(1)
    return _rate(_STEPS[kind](setup, impl), seconds)


def _all_threads(kind: str, impl: str, setup: _Setup, seconds: float, workers: int) -> float:
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers) as pool:
        return sum(pool.map(_worker_rate, [(kind, impl, setup, seconds)] * workers))


_FIRST_SAMPLE = """
import time, numpy as np
t0 = time.perf_counter()
from synthdefect.bench import baseline
from synthdefect.recipes import SyntheticAnomaly
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.textures import StoredSource
image = np.full(({size}, {size}, 3), 128, np.uint8)
anomaly = SyntheticAnomaly("draem-code", textures={textures!r}, p_anomaly=1.0)
sample, record = anomaly.forward(Sample.from_image(image), sample_rng(0, 0))
if {impl!r} == "numpy":
    baseline.baseline_recipe(anomaly).apply(Sample.from_image(image), record)
print(time.perf_counter() - t0)
"""


def _first_sample_seconds(setup: _Setup, impl: str) -> float:
    """Wall time from starting a fresh interpreter to its first sample (numba cache warm)."""
    code = _FIRST_SAMPLE.format(size=setup.size, textures=setup.textures, impl=impl)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _check_inputs(
    size: int, images: str | os.PathLike | None, textures: str | os.PathLike | None
) -> None:
    """Read the normal images and make one sample with the textures, so that inputs that
    cannot be read fail (``NoImagesError``) before any figure is printed."""
    setup = _Setup(size, None if images is None else str(images), textures and str(textures))
    setup.normal_images()
    setup.anomaly()(np.zeros((size, size, 3), np.uint8), seed=0)


def run_benchmarks(
    size: int = 256,
    images: str | os.PathLike | None = None,
    textures: str | os.PathLike | None = None,
    seconds: float = 3.0,
    workers: int | None = None,
    report: Callable[[BenchResult], None] | None = None,
) -> list[BenchResult]:
    """Run every benchmark; ``report`` is called with each result as soon as it is known.

    ``images``/``textures`` default to the built-in normal images and procedural textures;
    ``workers`` defaults to the number of CPUs.
    """
    setup = _Setup(
        size=size,
        images=None if images is None else str(Path(images)),
        textures=None if textures is None else str(Path(textures)),
    )
    workers = workers or os.cpu_count() or 1
    _check_inputs(size, images, textures)
    results = []

    def add(result: BenchResult) -> None:
        results.append(result)
        if report is not None:
            report(result)

    for kind in _STEPS:
        rates = {impl: _rate(_STEPS[kind](setup, impl), seconds) for impl in ("ours", "numpy")}
        add(BenchResult(f"{kind}/s, 1 thread", "1/s", rates["ours"], rates["numpy"]))
        rates = {
            impl: _all_threads(kind, impl, setup, seconds, workers) for impl in ("ours", "numpy")
        }
        add(BenchResult(f"{kind}/s, {workers} processes", "1/s", rates["ours"], rates["numpy"]))
    if setup.textures is not None:
        cold = replace(setup, cold_textures=True)
        rates = {impl: _rate(_sample_step(cold, impl), seconds) for impl in ("ours", "numpy")}
        add(BenchResult("samples/s, 1 thread, textures cold", "1/s", rates["ours"], rates["numpy"]))
    latency = {impl: _first_sample_seconds(setup, impl) for impl in ("ours", "numpy")}
    add(BenchResult("first sample, fresh process", "s", latency["ours"], latency["numpy"]))
    return results
