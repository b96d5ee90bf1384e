"""Use synthdefect transforms inside ``torchvision.transforms.v2`` pipelines (and anomalib).

:func:`to_v2` wraps a transform in a ``v2.Transform`` that honours torchvision's types:

* a single image (``tv_tensors.Image``, plain tensor ``(C, H, W)`` or batch ``(B, C, H, W)``, or
  PIL) becomes ``(image, Mask)``, so that geometric v2 transforms placed after it move the anomaly
  mask with the image; this is also the signature of anomalib's Draem ``augmenter``;
* in a tuple or list, the first image is made defective and every ``tv_tensors.Mask`` is replaced
  by the anomaly mask (same dtype and shape: float in [0, 1], soft values kept, or integer 0/1,
  anomalous at >= 0.5 as :func:`~synthdefect.functional.masks.anomalous_pixels` reads a mask);
* in a dict, ``"image"`` is made defective and ``"normal"`` (the clean target) and ``"params"``
  (the record) are set, plus ``"mask"`` (``tv_tensors.Mask``) and ``"label"`` (int64), or, in an
  anomalib-style dict (one with a ``"gt_mask"`` or ``"gt_label"`` entry), ``"gt_mask"`` and
  ``"gt_label"`` in the dtype and shape of the entries they replace.

The clean target. By default the wrapper switches off every normal-image rotation in the
transform (:func:`~synthdefect.transforms.geometry.without_rotation`; e.g. the ``draem-code``
preset's), so the defective image is always aligned with the input: what trainers that reconstruct
their input need (anomalib's Draem computes its loss against the batch it passed in). With
``keep_rotation=True`` rotations are made as configured; the dict form returns the rotated clean
target as ``"normal"``, and the image and tuple forms, which cannot return it, warn the first
time they drop a clean target that differs from the input.

Labels. The tuple form cannot set a label: a caller that keeps one beside the mask (anomalib's
datasets set ``gt_label`` from the folder after their augmentations) gets a warning the first
time a defect is made; use the dict form, or derive the label from the mask.

Randomness follows torchvision's convention: each call draws one seed ``s`` from torch's global
generator (``torch.randint(0, 2**62, (1,))``), so ``torch.manual_seed`` and DataLoader worker
seeding control it; item ``b`` of a batch (``b = 0`` for one image) is then made from the key
``(s, b)``, on either backend. The record replays the sample with ``wrapper.synth.replay``
(``synth``: the transform that ran).

Backends (``synthesis=``, see docs/batch.md). ``"host"``: every image is made on the host by the
numpy/numba kernels, tensors on a GPU copied there and back (:mod:`synthdefect.convert`).
``"device"``: a ``(B, C, H, W)`` tensor is made by
:meth:`~synthdefect.transforms.base.Transform.batch` on its own device, equal to the host's
within docs/batch.md's tolerance (same records); single images and PIL stay on the host.
``"auto"`` (default): ``"device"`` for such batches on an accelerator (anomalib's Draem on a
GPU), ``"host"`` otherwise (on CPU the numba kernels are the faster, and the results stay those
of the per-sample path byte for byte). :meth:`SynthDefectV2.backend_for` tells which one a call
takes.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from synthdefect.functional.masks import MASK_THRESHOLD
from synthdefect.image_checks import check_dense
from synthdefect.transforms.base import Transform
from synthdefect.transforms.geometry import without_rotation

__all__ = ["SYNTHESIS", "SynthDefectV2", "to_v2"]

_ANOMALIB_KEYS = ("gt_mask", "gt_label")

#: The backends of ``to_v2(synthesis=...)`` (see the module doc).
SYNTHESIS = ("auto", "host", "device")


def _is_image(x: Any) -> bool:
    from PIL import Image

    if isinstance(x, tv_tensors.Image | Image.Image):
        return True
    return type(x) is torch.Tensor


def _as_tensor(image: Any) -> torch.Tensor:
    """A plain float32 tensor of ``image`` (tensor or PIL), for comparing pixel values."""
    if not isinstance(image, torch.Tensor):
        image = v2.functional.pil_to_tensor(image)
    return image.as_subclass(torch.Tensor).to(torch.float32)


def _check_image(sample: Any) -> None:
    if not _is_image(sample):
        raise TypeError(
            "to_v2 takes a torch tensor (C, H, W) or (B, C, H, W), a tv_tensors.Image or a "
            "PIL image, alone, in a tuple or list, or as a dict's 'image', got "
            f"{type(sample).__name__}"
        )


def _fit_mask(mask: torch.Tensor, like: Any) -> tv_tensors.Mask:
    """``mask`` as a ``Mask`` in the dtype and, where the sizes agree, the shape of ``like``
    (an integer or bool ``like`` gets the binary reading, ``mask >= 0.5``)."""
    if not isinstance(like, torch.Tensor):
        return tv_tensors.Mask(mask)
    if not like.dtype.is_floating_point:
        mask = mask >= MASK_THRESHOLD
    fits = mask.numel() == like.numel()
    return tv_tensors.Mask((mask.reshape(like.shape) if fits else mask).to(like.dtype))


def _fit_label(label: Any, like: Any) -> torch.Tensor:
    """``label`` as a tensor in the dtype of ``like`` when it is one, else int64."""
    dtype = like.dtype if isinstance(like, torch.Tensor) else torch.int64
    return torch.as_tensor(label, dtype=dtype)


class SynthDefectV2(v2.Transform):
    """A ``torchvision.transforms.v2.Transform`` running a synthdefect ``Transform``.

    ``synth`` is the transform that runs: ``transform`` itself with ``keep_rotation``, else
    :func:`without_rotation` of it; ``synthesis`` one of :data:`SYNTHESIS` (see the module doc).
    """

    def __init__(
        self, transform: Transform, *, keep_rotation: bool = False, synthesis: str = "auto"
    ) -> None:
        super().__init__()
        if not isinstance(transform, Transform):
            raise TypeError(
                "to_v2 wraps a synthdefect Transform (e.g. synthdefect.make_recipe('paper')), "
                f"got {type(transform).__name__} {transform!r}"
            )
        if not isinstance(keep_rotation, bool):
            raise TypeError(f"keep_rotation must be True or False, got {keep_rotation!r}")
        if synthesis not in SYNTHESIS:
            raise ValueError(f"synthesis must be one of {SYNTHESIS}, got {synthesis!r}")
        self.keep_rotation = keep_rotation
        self.synthesis = synthesis
        self.synth = transform if keep_rotation else without_rotation(transform)
        self._warned: set[str] = set()

    def backend_for(self, image: Any) -> str:
        """``"device"`` when a call with ``image`` runs the batch path on its device, else
        ``"host"`` (see the module doc)."""
        if not isinstance(image, torch.Tensor) or image.ndim != 4 or self.synthesis == "host":
            return "host"
        on_accelerator = image.device.type != "cpu"
        return "device" if self.synthesis == "device" or on_accelerator else "host"

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(message, UserWarning, stacklevel=2)

    def _run(self, image: Any):
        if isinstance(image, torch.Tensor):
            check_dense("image", image)
        seed = int(torch.randint(0, 2**62, (1,)).item())
        plain = image.as_subclass(torch.Tensor) if isinstance(image, torch.Tensor) else image
        if self.backend_for(plain) == "device":
            result = self.synth.batch(plain, seed=seed, indices=range(plain.shape[0]))
        else:
            result = self.synth(plain, seed=seed)
        wrap = isinstance(image, tv_tensors.Image) or type(image) is torch.Tensor
        out = tv_tensors.Image(result.image) if wrap else result.image
        normal = tv_tensors.Image(result.normal) if wrap else result.normal
        mask = result.mask
        if not isinstance(mask, torch.Tensor):  # PIL input: an "L" image with 0/255
            mask = v2.functional.pil_to_tensor(mask).float() / 255.0
        return out, tv_tensors.Mask(mask), result.label, result.params, normal

    def _check_dropped_normal(self, given: Any, normal: Any) -> None:
        """Warn (once) when the image/tuple forms drop a clean target unlike the input."""
        if self.keep_rotation and not torch.equal(_as_tensor(given), _as_tensor(normal)):
            self._warn_once(
                "normal",
                "to_v2(keep_rotation=True) dropped a rotated clean target: the image and tuple "
                "forms return only (image, mask), so a trainer reconstructing its input learns "
                "the wrong target; use keep_rotation=False or the dict form ('normal')",
            )

    def forward(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        if isinstance(sample, dict):
            return self._forward_dict(sample)
        if isinstance(sample, tuple | list):
            return self._forward_sequence(sample)
        _check_image(sample)
        image, mask, _, _, normal = self._run(sample)
        self._check_dropped_normal(sample, normal)
        return image, mask

    def _forward_dict(self, sample: dict[str, Any]) -> dict[str, Any]:
        if "image" not in sample:
            raise ValueError(f"a dict input needs an 'image' entry, got keys {sorted(sample)}")
        _check_image(sample["image"])
        image, mask, label, params, normal = self._run(sample["image"])
        mask_key, label_key = (
            _ANOMALIB_KEYS if any(k in sample for k in _ANOMALIB_KEYS) else ("mask", "label")
        )
        out = dict(sample)
        out.update(image=image, normal=normal, params=params)
        out[mask_key] = _fit_mask(mask, sample.get(mask_key))
        out[label_key] = _fit_label(label, sample.get(label_key))
        return out

    def _forward_sequence(self, sample: tuple | list) -> tuple | list:
        position = next((i for i, x in enumerate(sample) if _is_image(x)), None)
        if position is None:
            raise TypeError("no image found among the inputs")
        given = sample[position]
        image, mask, label, _, normal = self._run(given)
        self._check_dropped_normal(given, normal)
        items = list(sample)
        items[position] = image
        replaced = False
        for i, x in enumerate(items):
            if isinstance(x, tv_tensors.Mask):
                items[i] = _fit_mask(mask, x)
                replaced = True
        if replaced and torch.as_tensor(label).any():
            self._warn_once(
                "label",
                "to_v2 replaced a Mask in a tuple but cannot set the label kept beside it "
                "(anomalib's datasets set gt_label from the folder, so it stays 0): pass a "
                "dict sample with 'gt_mask'/'gt_label' or derive the label from the mask",
            )
        return type(sample)(items)


def to_v2(
    transform: Transform, *, keep_rotation: bool = False, synthesis: str = "auto"
) -> SynthDefectV2:
    """Wrap ``transform`` for ``torchvision.transforms.v2.Compose`` or anomalib (see module doc).

    ``keep_rotation=False`` (default) switches off normal-image rotations so that the input stays
    the clean target; ``True`` keeps them (the dict form returns the rotated target).
    ``synthesis``: ``"auto"`` (default), ``"host"`` or ``"device"``: where batches are made.
    """
    return SynthDefectV2(transform, keep_rotation=keep_rotation, synthesis=synthesis)
