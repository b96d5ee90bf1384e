"""The batch counterpart of :class:`~synthdefect.sample.Sample`: torch tensors on one device.

Conventions (those of :mod:`synthdefect.sample`, batch first, channels before pixels):
``image`` and ``normal`` ``(B, C, H, W)`` ``uint8`` [0, 255] or ``float32`` [0, 1]; ``mask``
``(B, H, W)`` ``float32`` in [0, 1]; ``texture`` ``(B, C, H, W)`` ``uint8`` or ``None``;
``foreground`` ``(B, H, W)`` ``float32`` or ``None``. Importing this module imports torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import torch

from synthdefect.image_checks import check_dense, check_pixel_type, check_shape, check_unit_range
from synthdefect.sample import Sample, source_names
from synthdefect.seeding import as_int, fresh_seed, sample_rng

__all__ = ["BatchResult", "SampleBatch"]


def _hwc(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.permute(1, 2, 0).cpu().numpy())


def _chw(arrays: list[np.ndarray], device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous().to(device)


def hard_masks_to(
    masks: list[np.ndarray], device: torch.device, compact: bool | None = None
) -> torch.Tensor:
    """Host masks (float32 ``(H, W)``, every value 0 or 1) as one ``(B, H, W)`` float32
    tensor on ``device``, the same bits. ``compact`` (default: on any device but CPU): they
    travel as ``uint8``, a quarter of the bytes (64 -> 16 MB for 256 masks of 256 x 256),
    stacked with the cast in the stack's one pass and turned float32 on the device; on CPU,
    where nothing travels, that would be one pass more."""
    if device.type != "cpu" if compact is None else compact:
        levels = np.stack(masks, dtype=np.uint8, casting="unsafe")
        return torch.from_numpy(levels).to(device).float()
    return torch.from_numpy(np.stack(masks)).to(device)


@dataclass
class SampleBatch:
    """Working state of a batch inside :meth:`~synthdefect.transforms.base.Transform.batch`
    (see module doc). ``fell_back`` collects the transforms that ran on the host."""

    image: torch.Tensor
    normal: torch.Tensor
    mask: torch.Tensor
    texture: torch.Tensor | None = None
    foreground: torch.Tensor | None = None
    sources: list[str | None] = field(default_factory=list)
    fell_back: list[Any] = field(default_factory=list)

    @property
    def device(self) -> torch.device:
        return self.image.device

    def __len__(self) -> int:
        return self.image.shape[0]

    def evolve(self, **changes: Any) -> SampleBatch:
        """A copy with the given fields replaced (tensors are shared, not copied)."""
        return replace(self, **changes)

    def samples(self) -> list[Sample]:
        """The batch as host samples (numpy HWC), for a transform without a batch form."""
        out = []
        for b in range(len(self)):
            image = _hwc(self.image[b])
            normal = image if self.normal is self.image else _hwc(self.normal[b])
            out.append(
                Sample(
                    image=image,
                    normal=normal,
                    mask=self.mask[b].cpu().numpy(),
                    texture=None if self.texture is None else _hwc(self.texture[b]),
                    foreground=None
                    if self.foreground is None
                    else self.foreground[b].cpu().numpy(),
                    source=self.sources[b],
                )
            )
        return out

    def from_samples(self, samples: list[Sample]) -> SampleBatch:
        """This batch with the host ``samples`` (one per item) moved back to its device."""
        device = self.device
        image = _chw([s.image for s in samples], device)
        same = all(s.normal is s.image for s in samples)
        textures = [s.texture for s in samples]
        grounds = [s.foreground for s in samples]
        return self.evolve(
            image=image,
            normal=image if same else _chw([s.normal for s in samples], device),
            mask=torch.from_numpy(np.stack([s.mask for s in samples])).to(device),
            texture=None if any(t is None for t in textures) else _chw(textures, device),
            foreground=None
            if any(f is None for f in grounds)
            else torch.from_numpy(np.stack(grounds)).to(device),
        )

    def select(self, index: torch.Tensor) -> SampleBatch:
        """The items at ``index`` (int64 on the batch's device), as a batch of their own."""

        def pick(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.index_select(0, index)  # on CPU: not t[index], slow

        image = self.image.index_select(0, index)
        return self.evolve(
            image=image,
            normal=image if self.normal is self.image else pick(self.normal),
            mask=pick(self.mask),
            texture=pick(self.texture),
            foreground=pick(self.foreground),
            sources=[self.sources[i] for i in index.tolist()],
            fell_back=self.fell_back,
        )

    def merge(
        self, index: torch.Tensor, part: SampleBatch, selected: SampleBatch | None = None
    ) -> SampleBatch:
        """This batch with the items at ``index`` replaced by ``part``'s; a texture or
        foreground that only one side holds is dropped. ``selected``: the batch
        ``select(index)`` gave, from which ``part`` was made; a field ``part`` still holds as
        it was selected keeps this batch's tensor (no copy)."""
        source = torch.arange(len(self), device=index.device)  # item b: whole's b or piece's j
        source[index] = torch.arange(len(self), len(self) + len(index), device=index.device)

        def put(name: str) -> torch.Tensor | None:
            whole, piece = getattr(self, name), getattr(part, name)
            if whole is None or piece is None:
                return None
            if selected is not None and piece is getattr(selected, name):
                return whole
            return torch.cat([whole, piece]).index_select(0, source)

        image = put("image")
        same = self.normal is self.image and part.normal is part.image
        return self.evolve(
            image=image,
            normal=image if same else put("normal"),
            mask=put("mask"),
            texture=put("texture"),
            foreground=put("foreground"),
        )


class BatchResult(NamedTuple):
    """What :meth:`~synthdefect.transforms.base.Transform.batch` returns, on the input's
    device: ``image`` and ``normal`` ``(B, C, H, W)`` in the input's dtype, ``mask``
    ``(B, 1, H, W)`` float32, ``label`` int64 ``(B,)``, ``params`` the B records, and
    ``fallbacks`` the step paths (``Transform.walk`` paths) that ran on the host."""

    image: torch.Tensor
    mask: torch.Tensor
    label: torch.Tensor
    params: list[dict]
    normal: torch.Tensor
    fallbacks: tuple[str, ...]


def _working(images: Any) -> tuple[torch.Tensor, torch.dtype]:
    """``images`` as the working batch: ``uint8`` as it is, float (checked to be in [0, 1]) as
    ``float32``, ``uint16`` as ``float32`` in [0, 1] (value / 65535); and the input's dtype."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: batch() takes a torch tensor, got {type(images).__name__}")
    check_dense("images", images)
    check_shape("images", tuple(images.shape), "batch")
    floating = images.dtype.is_floating_point
    check_pixel_type("images", "float" if floating else str(images.dtype).removeprefix("torch."))
    if images.dtype == torch.uint8:
        return images, images.dtype
    if not floating:  # uint16
        return images.to(torch.float32).div_(65535.0), images.dtype
    work = images.detach().float()
    check_unit_range("images", float(work.min()), float(work.max()))
    return work, images.dtype


def _restore(work: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """A working batch back in the input's ``dtype`` (``uint16``: rounded from [0, 1])."""
    if dtype == torch.uint16:
        return work.mul(65535.0).round_().to(dtype)
    return work.to(dtype)


def run_recipe_batch(
    transform: Any,
    images: Any,
    seed: int | None,
    indices: Any,
    params: Any,
    source: Any,
) -> BatchResult:
    """The body of ``Transform.batch`` (see there): draw on the host, apply on the device."""
    work, dtype = _working(images)
    n, channels, height, width = work.shape
    sources = [None if s is None else os.fspath(s) for s in source_names(source, n)]
    if params is not None:
        records = list(params)
        if len(records) != n:
            raise ValueError(f"got {len(records)} parameter records for {n} images")
    else:
        given = range(n) if indices is None else indices
        if isinstance(given, (str, bytes, set, frozenset)) or not hasattr(given, "__len__"):
            raise TypeError(
                f"indices must be a sequence of ints, got {type(given).__name__} {given!r}"
            )
        keys = [as_int(f"indices[{b}]", i) for b, i in enumerate(given)]
        if len(keys) != n:
            raise ValueError(f"got {len(keys)} indices for {n} images")
        seed = fresh_seed() if seed is None else seed
        pixels = any(t.draws_from_pixels for _, t in transform.walk())
        host = work.cpu() if pixels else None
        records = []
        for b, key in enumerate(keys):
            if host is not None:
                image = np.ascontiguousarray(host[b].permute(1, 2, 0).numpy())
            else:
                placeholder = np.zeros((), np.uint8 if dtype == torch.uint8 else np.float32)
                image = np.broadcast_to(placeholder, (height, width, channels))
            sample = Sample.from_image(image, sources[b])
            records.append(transform.make_params(sample_rng(seed, key), sample))
    mask = torch.zeros((n, height, width), dtype=torch.float32, device=work.device)
    batch = SampleBatch(image=work, normal=work, mask=mask, sources=sources)
    out = transform.run_batch(batch, records)
    fell_back = {id(t) for t in out.fell_back}
    fallbacks = tuple(path or "." for path, t in transform.walk() if id(t) in fell_back)
    # a sample is 1 where its mask marks a pixel, 8-bit level round(255 m) > 0: the level only
    # grows with m, so the largest value of each mask decides
    top = out.mask.flatten(1).amax(1)
    label = ((top * 255.0 + 0.5).floor() > 0).to(torch.int64)
    return BatchResult(
        image=_restore(out.image, dtype),
        mask=out.mask[:, None],
        label=label,
        params=records,
        normal=_restore(out.normal, dtype),
        fallbacks=fallbacks,
    )
