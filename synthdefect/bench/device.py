"""Samples/s of a recipe on the host path beside its batch path on a torch device.

The host path makes one sample at a time with the numpy/numba kernels in this process
(``recipe.forward`` on HWC ``uint8`` images); the batch path makes a whole ``(B, C, H, W)``
``uint8`` batch with :meth:`~synthdefect.transforms.base.Transform.batch` on ``device``. Both
draw from ``sample_rng(0, i)`` with fresh indices ``i``, so they make the same records. The
draws alone (``make_params``, which the batch path runs on the host, one sample at a time,
before any kernel) bound the batch path on any device: it cannot make more samples/s in one
process than the host draws their records. Used by
``synthdefect bench --device`` and ``benchmarks/device_synthesis.py``; figures are printed,
never asserted. Importing this module imports torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms import Transform

__all__ = [
    "DeviceRates",
    "batch_step",
    "device_rates",
    "draw_step",
    "host_step",
    "synchronizer",
    "timed_rate",
]


@dataclass(frozen=True)
class DeviceRates:
    """``host`` and ``batch`` samples/s; ``draws``: records drawn per second on the host
    alone, the most the batch path can make in one process; ``fallbacks``: the steps
    (``Transform.walk`` paths) that ran on the host per sample inside the batch path."""

    host: float
    batch: float
    draws: float
    fallbacks: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.batch / self.host if self.host else float("inf")


def synchronizer(device: torch.device) -> Callable[[], None]:
    """A call that waits until ``device`` has done its queued work (nothing to wait for on CPU)."""
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def timed_rate(
    step: Callable[[], object], items: int, seconds: float, sync: Callable[[], None]
) -> float:
    """Items per second of ``step`` (``items`` per call), over whole calls lasting at least
    ``seconds`` in all, after one warm-up call."""
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


def host_step(recipe: Transform, images: np.ndarray) -> Callable[[], None]:
    """One call makes a sample of each HWC image of ``images`` on the host, fresh indices."""
    return _per_image(recipe.forward, images)


def draw_step(recipe: Transform, images: np.ndarray) -> Callable[[], None]:
    """One call draws the record of a sample of each HWC image of ``images`` and applies
    nothing (the host's share of the batch path), fresh indices."""
    return _per_image(lambda sample, rng: recipe.make_params(rng, sample), images)


def _per_image(
    call: Callable[[Sample, np.random.Generator], object], images: np.ndarray
) -> Callable[[], None]:
    index = iter(range(2**62))

    def step() -> None:
        for image in images:
            call(Sample.from_image(image), sample_rng(0, next(index)))

    return step


def batch_step(recipe: Transform, batch: torch.Tensor) -> Callable[[], None]:
    """One call makes the whole ``(B, C, H, W)`` batch with ``recipe.batch``, fresh indices."""
    n = batch.shape[0]
    starts = iter(range(0, 2**62, n))

    def step() -> None:
        start = next(starts)
        recipe.batch(batch, seed=0, indices=range(start, start + n))

    return step


def device_rates(
    recipe: Transform, images: np.ndarray, device: torch.device, seconds: float
) -> DeviceRates:
    """Host and batch samples/s of ``recipe`` on ``images`` (``(B, H, W, C)`` ``uint8``: one
    host call makes B samples, the batch path one batch of B on ``device``)."""
    host = timed_rate(host_step(recipe, images), len(images), seconds, lambda: None)
    batch = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().to(device)
    sync = synchronizer(device)
    rate = timed_rate(batch_step(recipe, batch), len(images), seconds, sync)
    draws = timed_rate(draw_step(recipe, images), len(images), seconds, lambda: None)
    fallbacks = recipe.batch(batch, seed=0).fallbacks
    return DeviceRates(host, rate, draws, fallbacks)
