"""Conversion at the edge: user inputs (numpy, torch, PIL, batches) to the numpy HWC working
format of :mod:`synthdefect.sample`, and back to the caller's type.

Accepted inputs (checked by :mod:`synthdefect.image_checks`, which says what is refused):

* numpy ``(H, W, C)`` or ``(H, W)``, ``uint8``, ``uint16`` or float in [0, 1];
* torch ``(C, H, W)`` or a batch ``(B, C, H, W)``, ``uint8``, ``uint16`` or float in [0, 1];
* PIL images: modes ``L`` and ``RGB``; ``I;16`` (16-bit grey) and ``F`` (float in [0, 1]);
  mode ``I`` (32-bit integers of no fixed range) is refused; other modes are converted to
  ``RGB``.

16-bit images (``uint16``, ``I;16``) are worked on as float in [0, 1] (value / 65535) and
returned at 16 bits (rounded), so their full depth takes part in the blend.

Results come back in the input's type and dtype (float64 stays float64). A float image must
hold finite values in [0, 1]: a float image in [0, 255], or one normalised to [-1, 1] or with
ImageNet statistics, would be blended at the wrong scale, so it raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from synthdefect.functional.masks import mask_levels
from synthdefect.image_checks import check_dense, check_pixel_type, check_shape, check_unit_range
from synthdefect.sample import AnomalyResult, Sample

if TYPE_CHECKING:
    import torch

__all__ = ["IMAGE_DTYPES", "Converted", "from_user", "image_to_tensor", "to_hwc"]


def to_hwc(array: np.ndarray) -> np.ndarray:
    """View a numpy image as HWC: ``(H, W)`` becomes ``(H, W, 1)``; floats become float32, and
    ``uint16`` (either byte order) float32 in [0, 1] (value / 65535).

    Refuses what :mod:`synthdefect.image_checks` refuses (``ValueError``, ``TypeError``).
    """
    check_shape("image", array.shape, "numpy")
    floating = np.issubdtype(array.dtype, np.floating)
    check_pixel_type("image", "float" if floating else array.dtype.name)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.dtype == np.uint8:
        return array
    if not floating:  # uint16
        return array.astype(np.float32) / 65535.0
    low, high = float(array.min()), float(array.max())  # NaN propagates into both
    check_unit_range("image", low, high)
    return array.astype(np.float32, copy=False)


def _16_bit_from_unit(array: np.ndarray) -> np.ndarray:
    """A float image in [0, 1] as ``uint16`` (rounded)."""
    return np.round(array * 65535.0).astype(np.uint16)


#: ``image_to_tensor`` dtypes: float32 in [0, 1], or uint8 in [0, 255] (4x fewer bytes to move).
IMAGE_DTYPES = ("float32", "uint8")


def image_to_tensor(image: np.ndarray, dtype: str = "float32") -> torch.Tensor:
    """HWC ``uint8`` image -> new torch ``(C, H, W)`` tensor: ``float32`` in [0, 1] (value / 255),
    or with ``dtype="uint8"`` the values themselves."""
    import torch

    if image.dtype != np.uint8 or image.ndim != 3:
        raise TypeError(f"expected an (H, W, C) uint8 image, got {image.dtype} {image.shape}")
    if dtype not in IMAGE_DTYPES:
        raise ValueError(f"dtype must be one of {IMAGE_DTYPES}, got {dtype!r}")
    tensor = torch.from_numpy(np.array(image.transpose(2, 0, 1), order="C"))  # always a copy
    return tensor if dtype == "uint8" else tensor.float().div_(255.0)


@dataclass
class Converted:
    """Numpy HWC images taken from one user input, and how to convert results back."""

    images: list[np.ndarray]
    restore: Callable[[list[Sample], list[dict]], AnomalyResult]


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch") or hasattr(x, "as_subclass")


def from_user(image: Any) -> Converted:
    """Convert ``image`` (see module doc) to numpy HWC images and a ``restore`` callback."""
    if isinstance(image, Image.Image):
        return _from_pil(image)
    if isinstance(image, np.ndarray):
        deep = image.dtype.name == "uint16"  # either byte order
        hwc = to_hwc(image)
        squeeze = image.ndim == 2

        def restore_numpy(samples: list[Sample], params: list[dict]) -> AnomalyResult:
            s = samples[0]

            def back(a: np.ndarray) -> np.ndarray:
                a = a[:, :, 0] if squeeze else a
                return _16_bit_from_unit(a) if deep else a.astype(image.dtype, copy=False)

            return AnomalyResult(back(s.image), s.mask, s.label, params[0], back(s.normal))

        return Converted([hwc], restore_numpy)
    if _is_torch(image):
        return _from_torch(image)
    raise TypeError(
        f"unsupported image type {type(image).__name__}: "
        "expected a numpy array, a torch tensor or a PIL image"
    )


_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


def _from_pil(image: Image.Image) -> Converted:
    mode = image.mode
    encode: Callable[[np.ndarray], Image.Image]
    if mode == "I":
        raise ValueError(
            "PIL mode 'I' (32-bit integers) has no fixed value range: convert it to 'I;16', "
            "'L' or 'RGB', or pass a float array in [0, 1]"
        )
    if mode not in ("L", "RGB", "F", *_SIXTEEN_BIT_MODES):
        raise ValueError(
            f"PIL mode {mode!r} is not one of L, RGB, F or I;16: convert the image first "
            "(image.convert('RGB'); an alpha channel is then dropped)"
        )
    if mode in _SIXTEEN_BIT_MODES:
        array = np.asarray(image)

        def encode(a: np.ndarray) -> Image.Image:
            return Image.fromarray(_16_bit_from_unit(a[:, :, 0]))

    elif mode == "F":
        array = np.asarray(image)

        def encode(a: np.ndarray) -> Image.Image:
            return Image.fromarray(a[:, :, 0].astype(np.float32), mode="F")

    else:  # L or RGB
        array = np.asarray(image)

        def encode(a: np.ndarray) -> Image.Image:
            return Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a)

    hwc = to_hwc(array)

    def restore_pil(samples: list[Sample], params: list[dict]) -> AnomalyResult:
        s = samples[0]
        mask = Image.fromarray(mask_levels(s.mask), mode="L")
        return AnomalyResult(encode(s.image), mask, s.label, params[0], encode(s.normal))

    return Converted([hwc], restore_pil)


def _from_torch(tensor: Any) -> Converted:
    import torch

    check_dense("image", tensor)
    check_shape("image", tuple(tensor.shape), "torch")
    floating = tensor.dtype.is_floating_point
    check_pixel_type("image", "float" if floating else str(tensor.dtype).removeprefix("torch."))
    batched = tensor.ndim == 4
    batch = tensor if batched else tensor[None]
    deep = batch.dtype == torch.uint16
    dtype, device = batch.dtype, batch.device
    cpu = batch.detach().to("cpu")
    if cpu.dtype.is_floating_point:
        cpu = cpu.float()
    images = [to_hwc(np.ascontiguousarray(t.permute(1, 2, 0).numpy())) for t in cpu]

    def back(arrays: Sequence[np.ndarray]) -> Any:
        stacked = np.stack([_16_bit_from_unit(a) for a in arrays] if deep else arrays)
        return torch.from_numpy(stacked).permute(0, 3, 1, 2).to(device=device, dtype=dtype)

    def restore_torch(samples: list[Sample], params: list[dict]) -> AnomalyResult:
        image = back([s.image for s in samples])
        normal = back([s.normal for s in samples])
        mask = torch.from_numpy(np.stack([s.mask for s in samples]))[:, None].to(device)
        labels = [s.label for s in samples]
        if batched:
            label = torch.tensor(labels, dtype=torch.int64, device=device)
            return AnomalyResult(image, mask, label, params, normal)
        return AnomalyResult(image[0], mask[0], labels[0], params[0], normal[0])

    return Converted(images, restore_torch)
