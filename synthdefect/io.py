"""Image files: decoding to the working format and atomic writing.

Decoded images are numpy ``(H, W, C)`` ``uint8`` RGB (``C`` = 3) or grey (``C`` = 1). 16-bit
files are scaled to 8 bits, alpha is dropped, BGR (OpenCV's order) is converted to RGB once here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageReadError",
    "encode_image",
    "find_images",
    "match_channels",
    "read_image",
    "to_uint8",
    "write_atomic",
    "write_image",
]

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)


class ImageReadError(OSError):
    """A file that exists but cannot be decoded as an image."""


def find_images(root: str | os.PathLike, recursive: bool = True) -> list[Path]:
    """Image files under ``root`` (by suffix, case-insensitive), sorted for a stable order."""
    root = Path(root)
    pattern = root.rglob("*") if recursive else root.glob("*")
    return sorted(p for p in pattern if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


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
    raise ImageReadError(f"unsupported pixel type {image.dtype}")


def read_image(path: str | os.PathLike, channels: int | None = 3) -> np.ndarray:
    """Decode ``path`` to HWC ``uint8`` RGB/grey; ``channels=None`` keeps the file's (1 or 3).

    Raises ``FileNotFoundError`` for a missing file and :class:`ImageReadError` for one that
    cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise ImageReadError(f"cannot decode image: {path}")
    image = to_uint8(image)
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.shape[2] == 2:  # grey + alpha
        image = image[:, :, :1]
    return image if channels is None else match_channels(np.ascontiguousarray(image), channels)


def _file_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less this process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    Readers never see a partial file; the file gets the usual permissions (0o666 less the umask).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def encode_image(image: np.ndarray, suffix: str, jpeg_quality: int = 95) -> bytes:
    """Encode an HWC ``uint8`` RGB/grey image (or an ``(H, W)`` mask) to PNG/JPEG bytes."""
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params: Iterable[int] = []
    if suffix.lower() in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
    ok, buf = cv2.imencode(suffix, image, list(params))
    if not ok:
        raise ValueError(f"cannot encode image as {suffix}")
    return buf.tobytes()


def write_image(path: str | os.PathLike, image: np.ndarray, jpeg_quality: int = 95) -> None:
    """Encode by suffix and write atomically (see :func:`encode_image`, :func:`write_atomic`)."""
    path = Path(path)
    write_atomic(path, encode_image(image, path.suffix, jpeg_quality))
