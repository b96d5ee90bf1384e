"""The device texture bank: fitted textures kept on a torch device for the batch path.

:meth:`TextureSample.apply_batch <synthdefect.transforms.texture.TextureSample.apply_batch>`
loads a texture on the host (decode, fit) the first time a batch uses it, and keeps it on the
batch's device as a ``(C, H, W)`` ``uint8`` tensor under the key of what it was fitted to,
:data:`BankKey` ``(index, height, width, channels, reduce)``; a later batch naming the same
key gathers it there, with no host work and no host-to-device copy.

What is banked: textures of a :class:`~synthdefect.textures.StoredSource` (files, arrays)
fitted by the resize policy, which are a pure function of that key (the host cache keeps the
same ones, :class:`~synthdefect.textures.StoredSource`). Not banked: crop windows (continuous
random offsets, almost never asked for twice), procedural textures (an index drawn out of
``2**31`` almost never comes back, and rendering them is the host work anyway), ``"self"``
(the sample's own image, already on the device) and any other :class:`TextureSource`
subclass (nothing says its textures are a pure function of the key).

Bound: one bank per (source, device), a least-recently-used
:class:`~synthdefect.files.ArrayCache` of at most the source's host cache bound
(``cache_bytes``, default :data:`~synthdefect.textures.DEFAULT_CACHE_BYTES`, 256 MiB) of
device memory; ``cache_bytes=0`` turns both off. The banks live in a process-local map that
holds its sources weakly: a source pickled into a DataLoader worker is a new object there
with its own, empty banks; threads of one process share a source's banks (the cache is
thread-safe). Importing this module imports torch.
"""

from __future__ import annotations

import threading
import weakref

import torch

from synthdefect.files.cache import ArrayCache
from synthdefect.textures.base import StoredSource, TextureSource

__all__ = ["BankKey", "texture_bank"]

BankKey = tuple[int, int, int, int, int]
"""``(index, height, width, channels, reduce)`` of a fitted texture, as ``load`` takes them."""

_banks: weakref.WeakKeyDictionary[TextureSource, dict[torch.device, ArrayCache[torch.Tensor]]]
_banks = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def texture_bank(source: TextureSource, device: torch.device) -> ArrayCache[torch.Tensor] | None:
    """The bank of ``source``'s textures on ``device`` (made empty on first use), or ``None``
    where its textures are not banked (see module doc)."""
    if not isinstance(source, StoredSource) or source.cache.max_bytes == 0:
        return None
    device = torch.device(device)
    with _lock:
        banks = _banks.setdefault(source, {})
        if device not in banks:
            banks[device] = ArrayCache(source.cache.max_bytes)
        return banks[device]
