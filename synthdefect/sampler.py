"""A DataLoader sampler whose indices carry the epoch: ``(epoch, i)`` keys.

A dataset's epoch set from the main process never reaches persistent DataLoader workers (each
holds its own copy of the dataset), so an epoch counter kept on the dataset silently repeats
the same anomalies every epoch. The sampler, in contrast, always runs in the main process: it
yields keys ``(epoch, i)`` and :class:`~synthdefect.dataset.SyntheticAnomalyDataset` makes the
sample from the key alone. One DataLoader, with persistent workers or not, then gives fresh
anomalies every epoch, and any sample can be remade from its key.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

from synthdefect.seeding import as_int, epoch_rng

__all__ = ["EpochSampler"]

#: What :class:`EpochSampler` yields: ``(epoch, i)`` with ``0 <= i < length``.
Key = tuple[int, int]


class EpochSampler:
    """Keys ``(epoch, i)`` for a map-style dataset of ``length`` samples per epoch.

    Every iteration yields one epoch's keys, then moves on to the next epoch, so a plain
    ``for epoch in range(n): for batch in loader:`` loop sees a new order and new anomalies
    each epoch. :meth:`set_epoch` chooses the epoch of the next iteration (to resume, or to
    pin an epoch as with ``DistributedSampler.set_epoch``).

    Args:
        data: the dataset (its ``len``) or the number of samples per epoch (>= 1).
        seed: the order of epoch ``e`` is a permutation drawn from ``epoch_rng(seed, e)``.
        shuffle: ``False`` keeps ``i`` in order (the epoch still changes the samples).
        epoch: the epoch of the first iteration (>= 0).
        num_replicas, rank: DDP sharding as ``DistributedSampler`` does it: the order is padded
            (by wrapping around) to a multiple of ``num_replicas`` and ``rank`` takes every
            ``num_replicas``-th key from position ``rank``.
    """

    def __init__(
        self,
        data: Sized | int,
        *,
        seed: int = 0,
        shuffle: bool = True,
        epoch: int = 0,
        num_replicas: int = 1,
        rank: int = 0,
    ) -> None:
        self.length = data if isinstance(data, int) else len(data)
        if self.length < 1:
            raise ValueError(f"the sampler needs at least one sample, got length {self.length}")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        num_replicas = as_int("num_replicas", num_replicas, 1)
        rank = as_int("rank", rank)
        if not rank < num_replicas:
            raise ValueError(
                f"need num_replicas >= 1 and 0 <= rank < num_replicas, got {num_replicas}, {rank}"
            )
        self.seed = as_int("seed", seed)
        self.shuffle = shuffle
        self.num_replicas = num_replicas
        self.rank = rank
        self.set_epoch(epoch)

    def __len__(self) -> int:
        """Keys per epoch for this replica."""
        return math.ceil(self.length / self.num_replicas)

    def set_epoch(self, epoch: int) -> None:
        """Make ``epoch`` (>= 0) the epoch of the next iteration."""
        self.epoch = as_int("epoch", epoch)

    def keys(self, epoch: int) -> list[Key]:
        """This replica's keys of ``epoch``, in order (does not change :attr:`epoch`)."""
        if self.shuffle:
            order = epoch_rng(self.seed, epoch).permutation(self.length).tolist()
        else:
            order = list(range(self.length))
        total = len(self) * self.num_replicas
        order = (order * math.ceil(total / self.length))[:total]
        return [(epoch, i) for i in order[self.rank :: self.num_replicas]]

    def __iter__(self) -> Iterator[Key]:
        keys = self.keys(self.epoch)
        self.epoch += 1
        return iter(keys)
