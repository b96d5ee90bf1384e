"""Samples/s of draem-code on the host path (``recipe(image, ...)`` per sample, numpy/numba)
and on the batch path (``recipe.batch(images, ...)``) on CPU torch and, where CUDA is present,
on the GPU, beside anomalib's ``PerlinAnomalyGenerator`` on the same device when anomalib is
installed (it says so otherwise). Procedural textures, uint8 images, p_anomaly = 1::

    PYTHONPATH=. python benchmarks/device_synthesis.py  # batches 8/64/256 x sizes 256/512/1024
    PYTHONPATH=. python benchmarks/device_synthesis.py --sizes 64 --batches 4 --seconds 0.2

Each figure runs whole batches for at least ``--seconds`` (after one warm-up batch) and ends by
itself; one row per (device, size, batch) with the ratio to the host path.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

import numpy as np
import torch

from synthdefect import SyntheticAnomaly


def _rate(
    step: Callable[[], object], items: int, seconds: float, sync: Callable[[], None]
) -> float:
    """Items per second of ``step`` (``items`` per call), timed over at least ``seconds``."""
    step()
    sync()
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * items / elapsed


def _anomalib(device: torch.device) -> Callable[[torch.Tensor], object] | None:
    try:
        from anomalib.data.utils.generators.perlin import PerlinAnomalyGenerator
    except ImportError:
        return None
    generator = PerlinAnomalyGenerator(anomaly_source_path=None, blend_factor=(0.2, 1.0))
    return lambda batch: generator(batch.float().div(255.0).to(device))


def _host_step(recipe: SyntheticAnomaly, images: np.ndarray) -> Callable[[], None]:
    """One call makes a sample of each image on the host, with fresh indices."""
    index = iter(range(10**12))

    def step() -> None:
        for image in images:
            recipe(image, seed=0, index=next(index))

    return step


def _batch_step(recipe: SyntheticAnomaly, batch: torch.Tensor) -> Callable[[], None]:
    """One call makes the whole batch with ``recipe.batch``, with fresh indices."""
    n = batch.shape[0]
    starts = iter(range(0, 10**12, n))

    def step() -> None:
        start = next(starts)
        recipe.batch(batch, seed=0, indices=range(start, start + n))

    return step


def _row(recipe: SyntheticAnomaly, images: np.ndarray, devices: list, seconds: float) -> None:
    n, size = images.shape[0], images.shape[1]
    host_rate = _rate(_host_step(recipe, images), n, seconds, lambda: None)
    chw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    for device in devices:
        batch = chw.to(device)
        sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        rate = _rate(_batch_step(recipe, batch), n, seconds, sync)
        theirs = _anomalib(device)
        other, ratio = "-", "-"
        if theirs is not None:
            other_rate = _rate(functools.partial(theirs, batch), n, seconds, sync)
            other, ratio = f"{other_rate:.0f}", f"{rate / other_rate:.2f}"
        print(
            f"{device.type:6}  {size:4}  {n:5}  {host_rate:6.0f}  {rate:7.0f}  "
            f"{rate / host_rate:10.2f}  {other:>10}  {ratio:>14}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 64, 256])
    parser.add_argument("--seconds", type=float, default=1.0, help="per figure")
    args = parser.parse_args()
    recipe = SyntheticAnomaly("draem-code", p_anomaly=1.0)
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    if _anomalib(torch.device("cpu")) is None:
        print("anomalib is not installed: no PerlinAnomalyGenerator column")
    print("device  size  batch  host/s  batch/s  batch/host  anomalib/s  batch/anomalib")
    rng = np.random.default_rng(0)
    for size in args.sizes:
        for n in args.batches:
            images = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
            _row(recipe, images, devices, args.seconds)


if __name__ == "__main__":
    main()
