"""Use synthdefect transforms inside ``torchvision.transforms.v2`` pipelines.

:func:`to_v2` wraps a transform in a ``v2.Transform`` that honours torchvision's types:

* a single image (``tv_tensors.Image``, plain tensor or PIL) becomes ``(image, Mask)``, so that
  geometric v2 transforms placed after it move the anomaly mask with the image;
* in a tuple or list, the first image is made defective and every ``tv_tensors.Mask`` is replaced
  by the anomaly mask (same dtype: float in [0, 1], or integer 0/1);
* in a dict, ``"image"`` is made defective and ``"mask"`` (``tv_tensors.Mask``), ``"label"``
  (int64 tensor), ``"normal"`` (the clean image) and ``"params"`` (the record) are set.

Randomness follows torchvision's convention: each call draws a seed from torch's global generator,
so ``torch.manual_seed`` and DataLoader worker seeding control it; the record in ``"params"``
replays the sample with ``transform.replay``.
"""

from __future__ import annotations

from typing import Any

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from synthdefect.transforms.base import Transform

__all__ = ["SynthDefectV2", "to_v2"]


def _is_image(x: Any) -> bool:
    from PIL import Image

    if isinstance(x, tv_tensors.Image | Image.Image):
        return True
    return type(x) is torch.Tensor


class SynthDefectV2(v2.Transform):
    """A ``torchvision.transforms.v2.Transform`` running a synthdefect ``Transform``."""

    def __init__(self, transform: Transform) -> None:
        super().__init__()
        self.synth = transform

    def _run(self, image: Any):
        seed = int(torch.randint(0, 2**62, (1,)).item())
        plain = image.as_subclass(torch.Tensor) if isinstance(image, torch.Tensor) else image
        result = self.synth(plain, seed=seed)
        wrap = isinstance(image, tv_tensors.Image) or type(image) is torch.Tensor
        out = tv_tensors.Image(result.image) if wrap else result.image
        normal = tv_tensors.Image(result.normal) if wrap else result.normal
        mask = result.mask
        if not isinstance(mask, torch.Tensor):  # PIL input: an "L" image with 0/255
            mask = v2.functional.pil_to_tensor(mask).float() / 255.0
        return out, tv_tensors.Mask(mask), result.label, result.params, normal

    def forward(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        if isinstance(sample, dict):
            if "image" not in sample:
                raise KeyError("dict inputs need an 'image' entry")
            image, mask, label, params, normal = self._run(sample["image"])
            out = dict(sample)
            out.update(image=image, mask=mask, normal=normal, params=params)
            out["label"] = torch.as_tensor(label, dtype=torch.int64)
            return out
        if isinstance(sample, tuple | list):
            position = next((i for i, x in enumerate(sample) if _is_image(x)), None)
            if position is None:
                raise TypeError("no image found among the inputs")
            image, mask, *_ = self._run(sample[position])
            items = list(sample)
            items[position] = image
            for i, x in enumerate(items):
                if isinstance(x, tv_tensors.Mask):
                    fits = mask.numel() == x.numel()
                    items[i] = tv_tensors.Mask(
                        (mask.reshape(x.shape) if fits else mask).to(x.dtype)
                    )
            return type(sample)(items)
        if not _is_image(sample):
            raise TypeError(f"unsupported input {type(sample).__name__}")
        image, mask, *_ = self._run(sample)
        return image, mask


def to_v2(transform: Transform) -> SynthDefectV2:
    """Wrap ``transform`` for use in ``torchvision.transforms.v2.Compose`` (see module doc)."""
    return SynthDefectV2(transform)
