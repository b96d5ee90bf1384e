"""The one place where random generators are made.

Every random draw in synthdefect comes from a :class:`numpy.random.Generator` derived from
``(seed, index)``: the same pair always gives the same stream, whatever the process, worker
count, shard or order in which samples are made, and different indices give independent streams.
"""

from __future__ import annotations

import numpy as np

__all__ = ["epoch_rng", "fresh_seed", "sample_rng"]

# A fixed tag that keeps synthdefect's streams apart from a user's own SeedSequence([seed, index]).
_STREAM_TAG = 0x5D1EFEC7
# Another tag for the data order, so that orders and samples never share a stream.
_ORDER_TAG = 0x0D0E5EED


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """Generator for sample ``index`` of a run seeded with ``seed`` (both non-negative ints)."""
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be >= 0, got seed={seed}, index={index}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([_STREAM_TAG, seed, index])))


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """Generator for the data order of ``epoch`` in a run seeded with ``seed`` (ints >= 0)."""
    if seed < 0 or epoch < 0:
        raise ValueError(f"seed and epoch must be >= 0, got seed={seed}, epoch={epoch}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([_ORDER_TAG, seed, epoch])))


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, for calls made without one."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
