"""What an image given to the API may hold, checked here once for every entry point: a
transform's call and ``replay`` (through :mod:`synthdefect.convert`, which ``to_v2`` calls too)
and ``Transform.batch`` (through :mod:`synthdefect.sample_batch`), before any kernel runs.

Accepted: numpy ``(H, W)`` (grey), ``(H, W, 1)`` or ``(H, W, 3)``; torch ``(C, H, W)`` or
``(B, C, H, W)`` with ``C`` 1 or 3 (``batch``: ``(B, C, H, W)``); at least one image and one
pixel per side; pixels ``uint8``, ``uint16`` or float with finite values in [0, 1]; torch
tensors dense (not sparse or nested) and not on the ``meta`` device.

Each check raises one line naming the argument (``name``) and what is accepted: ``ValueError``
for a shape or values, ``TypeError`` for a dtype.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "LAYOUTS",
    "PIXEL_TYPES",
    "check_dense",
    "check_pixel_type",
    "check_shape",
    "check_unit_range",
]

#: Layout name -> (the shapes it accepts, in words; their numbers of dimensions; whether the
#: channels come last).
LAYOUTS: dict[str, tuple[str, tuple[int, ...], bool]] = {
    "numpy": ("(H, W), (H, W, 1) or (H, W, 3)", (2, 3), True),
    "torch": ("(C, H, W) or (B, C, H, W) with C 1 or 3", (3, 4), False),
    "batch": ("(B, C, H, W) with C 1 or 3", (4,), False),
}

#: Pixel types: ``"float"`` stands for every floating-point dtype.
PIXEL_TYPES = ("uint8", "uint16", "float")


def check_dense(name: str, tensor: Any) -> None:
    """Refuse a torch tensor whose values cannot be read as one dense array: a sparse or
    nested one, or one on the ``meta`` device (no values at all). Before any shape check: a
    nested tensor has no shape to check."""
    if tensor.is_nested:
        raise ValueError(f"{name} is a nested tensor: pass a dense (B, C, H, W) tensor")
    layout = str(tensor.layout).removeprefix("torch.")
    if layout != "strided":
        raise ValueError(f"{name} is a {layout} tensor: pass a dense one (tensor.to_dense())")
    if tensor.device.type == "meta":
        raise ValueError(f"{name} is on the meta device, which holds no values")


def check_shape(name: str, shape: tuple[int, ...], layout: str) -> None:
    """Refuse a ``shape`` that ``layout`` (a key of :data:`LAYOUTS`) does not accept, or one
    with an axis of length 0."""
    accepted, ndims, channels_last = LAYOUTS[layout]
    problem = _shape_problem(tuple(shape), ndims, channels_last)
    if problem is not None:
        raise ValueError(f"{name} of shape {tuple(shape)}: {problem}; accepted: {accepted}")


def _shape_problem(
    shape: tuple[int, ...], ndims: tuple[int, ...], channels_last: bool
) -> str | None:
    if len(shape) not in ndims:
        if len(shape) == 2 and 3 in ndims and not channels_last:
            return "no channel axis (for a grey tensor pass image[None])"
        return f"{len(shape)} dimension{'' if len(shape) == 1 else 's'}"
    if 0 in shape:
        return "holds no pixels (an axis of length 0)"
    if len(shape) == 2:
        return None
    channels, other_end = (shape[-1], shape[-3]) if channels_last else (shape[-3], shape[-1])
    if channels in (1, 3):
        return None
    if other_end in (1, 3):
        if channels_last:
            return "numpy images are channel-last: for a (C, H, W) array pass a.transpose(1, 2, 0)"
        turn = "permute(2, 0, 1)" if len(shape) == 3 else "permute(0, 3, 1, 2)"
        return f"torch images are channel-first: for a channel-last tensor pass t.{turn}"
    if channels == 4:
        return "4 channels (RGBA or CMYK): convert it to RGB first"
    return f"{channels} channels"


def check_pixel_type(name: str, kind: str) -> None:
    """Refuse a pixel type other than :data:`PIXEL_TYPES`; ``kind`` is ``"float"`` for any
    floating-point dtype, else the dtype's name (``"bool"``, ``"int32"``, ...)."""
    if kind not in PIXEL_TYPES:
        raise TypeError(f"{name}: pixels must be uint8, uint16 or float in [0, 1], got {kind}")


def check_unit_range(name: str, low: float, high: float) -> None:
    """Refuse float pixels outside [0, 1] or not finite; ``low`` and ``high`` are the image's
    minimum and maximum (NaN propagates into both)."""
    if math.isfinite(low) and math.isfinite(high) and 0.0 <= low and high <= 1.0:
        return
    raise ValueError(
        f"{name}: float images must hold finite values in [0, 1], got values in "
        f"[{_shown(low, 0.0)}, {_shown(high, 1.0)}]: pass uint8 for 0-255 data, undo any "
        "mean/std normalisation, clamp overshoot"
    )


def _shown(value: float, bound: float) -> str:
    """``value`` with 4 significant digits, or as many as it takes to differ from ``bound``
    (an overshoot of 1e-7 must not read as 1)."""
    for digits in (4, 8, 12, 17):
        text = f"{value:.{digits}g}"
        if float(text) != bound or value == bound:
            return text
    return repr(value)
