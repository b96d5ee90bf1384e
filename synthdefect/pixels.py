"""Pixel conversions of HWC images: to ``uint8`` and to 1 or 3 channels."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["match_channels", "to_uint8"]


def match_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """Convert an HWC ``uint8`` image to 1 (grey) or 3 (RGB) channels."""
    have = image.shape[2]
    if have == channels:
        return image
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[:, :, None]
    if channels == 3:
        return np.repeat(image, 3, axis=2)
    raise ValueError(f"channels must be 1 or 3, got {channels}")


def to_uint8(image: np.ndarray) -> np.ndarray:
    """``uint8`` as is; ``uint16`` scaled to 8 bits; float in [0, 1] scaled by 255 and rounded."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image.astype(np.uint32) * 255 // 65535).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    raise ValueError(f"unsupported pixel type {image.dtype}")
