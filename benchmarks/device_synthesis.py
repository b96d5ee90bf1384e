"""Samples/s of draem-code on the host path (one sample at a time, numpy/numba)
and on the batch path (``recipe.batch(images, ...)``) on CPU torch and, where CUDA is present,
on the GPU, beside anomalib's ``PerlinAnomalyGenerator`` on the same device when anomalib is
installed (it says so otherwise). Procedural textures, uint8 images, p_anomaly = 1::

    PYTHONPATH=. python benchmarks/device_synthesis.py  # batches 8/64/256 x sizes 256/512/1024
    PYTHONPATH=. python benchmarks/device_synthesis.py --sizes 64 --batches 4 --seconds 0.2

Each figure runs whole batches for at least ``--seconds`` (after one warm-up batch) and ends by
itself; one row per (device, size, batch) with the ratio to the host path and the records the
host draws per second alone (``draws/s``: the batch path's ceiling in one process). The timing is
:mod:`synthdefect.bench.device`'s, as ``synthdefect bench --device`` times it.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable

import numpy as np
import torch

from synthdefect import SyntheticAnomaly
from synthdefect.bench.device import batch_step, draw_step, host_step, synchronizer, timed_rate


def _anomalib(device: torch.device) -> Callable[[torch.Tensor], object] | None:
    try:
        from anomalib.data.utils.generators.perlin import PerlinAnomalyGenerator
    except ImportError:
        return None
    generator = PerlinAnomalyGenerator(anomaly_source_path=None, blend_factor=(0.2, 1.0))
    return lambda batch: generator(batch.float().div(255.0).to(device))


def _row(recipe: SyntheticAnomaly, images: np.ndarray, devices: list, seconds: float) -> None:
    n, size = images.shape[0], images.shape[1]
    host_rate = timed_rate(host_step(recipe, images), n, seconds, lambda: None)
    draw_rate = timed_rate(draw_step(recipe, images), n, seconds, lambda: None)
    chw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    for device in devices:
        batch = chw.to(device)
        sync = synchronizer(device)
        rate = timed_rate(batch_step(recipe, batch), n, seconds, sync)
        theirs = _anomalib(device)
        other, ratio = "-", "-"
        if theirs is not None:
            other_rate = timed_rate(functools.partial(theirs, batch), n, seconds, sync)
            other, ratio = f"{other_rate:.0f}", f"{rate / other_rate:.2f}"
        print(
            f"{device.type:6}  {size:4}  {n:5}  {host_rate:6.0f}  {rate:7.0f}  "
            f"{rate / host_rate:10.2f}  {draw_rate:7.0f}  {other:>10}  {ratio:>14}"
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
    print("device  size  batch  host/s  batch/s  batch/host  draws/s  anomalib/s  batch/anomalib")
    rng = np.random.default_rng(0)
    for size in args.sizes:
        for n in args.batches:
            images = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
            _row(recipe, images, devices, args.seconds)


if __name__ == "__main__":
    main()
