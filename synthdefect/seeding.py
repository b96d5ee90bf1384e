"""The one place where random generators are made.

Every random draw in synthdefect comes from a :class:`numpy.random.Generator` derived from
``(seed, index)``: the same pair always gives the same stream, whatever the process, worker
count, shard or order in which samples are made, and different indices give independent streams.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

__all__ = ["as_int", "epoch_rng", "fresh_seed", "sample_rng"]

# A fixed tag that keeps synthdefect's streams apart from a user's own SeedSequence([seed, index]).
_STREAM_TAG = 0x5D1EFEC7
# Another tag for the data order, so that orders and samples never share a stream.
_ORDER_TAG = 0x0D0E5EED


def as_int(name: str, value: Any, minimum: int = 0) -> int:
    """``value`` (an int, or anything with ``__index__``: numpy and 0-d torch integers) as an
    int of at least ``minimum``: the check of every seed, index, epoch and length the API takes.
    ``TypeError`` for a non-integer (a float, a string), ``ValueError`` for a smaller value;
    both name ``name``. A bool (Python, numpy or torch) is not an int here."""
    boolean = (
        isinstance(value, (bool, np.bool_)) or str(getattr(value, "dtype", "")) == "torch.bool"
    )
    if boolean or getattr(value, "ndim", 0) != 0:  # a bool, or a 1-element tensor [3]
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {number}")
    return number


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """Generator for sample ``index`` of a run seeded with ``seed`` (both ints >= 0)."""
    key = [_STREAM_TAG, as_int("seed", seed), as_int("index", index)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """Generator for the data order of ``epoch`` in a run seeded with ``seed`` (ints >= 0)."""
    key = [_ORDER_TAG, as_int("seed", seed), as_int("epoch", epoch)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, for calls made without one."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
