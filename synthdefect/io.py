"""Image files: decoding to the working format and atomic writing.

Decoded images are numpy ``(H, W, C)`` ``uint8`` RGB (``C`` = 3) or grey (``C`` = 1). 16-bit
files are scaled to 8 bits, alpha is dropped, BGR (OpenCV's order) is converted to RGB once here.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from synthdefect.limits import MAX_IMAGE_PIXELS

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageReadError",
    "MaskValuesError",
    "encode_image",
    "find_images",
    "image_note",
    "match_channels",
    "read_image",
    "read_mask",
    "to_uint8",
    "write_atomic",
    "write_image",
]

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)


class ImageReadError(OSError):
    """A file that exists but cannot be decoded as an image."""


class MaskValuesError(ImageReadError):
    """A mask file whose marked pixels are all below 128 (e.g. stored as 0/1)."""


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
    try:
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except cv2.error as error:  # e.g. more pixels than the decoder reads
        reason = _too_large(path) or str(error).strip().splitlines()[-1]
        raise ImageReadError(f"cannot decode image: {path} ({reason})") from None
    if image is None:
        raise ImageReadError(f"cannot decode image: {path}")
    if np.issubdtype(image.dtype, np.floating) and not (
        np.isfinite(image).all() and 0.0 <= image.min() and image.max() <= 1.0
    ):
        raise ImageReadError(
            f"float image {path} holds values outside [0, 1] (up to {float(np.nanmax(image)):g}): "
            "float files are read as [0, 1]; store it as 8 or 16-bit integers"
        )
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


def _too_large(path: Path) -> str | None:
    """Why the image at ``path`` is too large to decode (from its header), or ``None``."""
    limit = f"over the decoder's limit of {MAX_IMAGE_PIXELS} pixels"
    try:
        with Image.open(path) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own, lower, limit: larger still
        return limit
    except (OSError, ValueError):
        return None
    return f"{width}x{height} pixels, {limit}" if width * height > MAX_IMAGE_PIXELS else None


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """Decode a mask file to ``(H, W)`` ``uint8``, anomalous (or foreground) pixels >= 128.

    Raises :class:`MaskValuesError` for a mask whose marked pixels are all below 128 (a mask
    stored as 0/1, or 0..k, would otherwise be read as empty), besides :func:`read_image`'s
    errors.
    """
    mask = read_image(path, channels=1)[:, :, 0]
    top = int(mask.max())
    if 0 < top < 128:
        raise MaskValuesError(
            f"mask {path} holds values 0..{top}, none >= 128: an 8-bit mask marks pixels with "
            "255 (store 0/1 masks multiplied by 255)"
        )
    return mask


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


def encode_image(
    image: np.ndarray, suffix: str, jpeg_quality: int = 95, note: str | None = None
) -> bytes:
    """Encode an HWC ``uint8`` RGB/grey image (or an ``(H, W)`` mask) to PNG/JPEG bytes.

    ``note`` (ASCII): stored as the PNG ``Software`` text chunk or the JPEG comment, read back
    by :func:`image_note`.
    """
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params: Iterable[int] = []
    if suffix.lower() in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
    ok, buf = cv2.imencode(suffix, image, list(params))
    if not ok:
        raise ValueError(f"cannot encode image as {suffix}")
    data = buf.tobytes()
    return data if note is None else _with_note(data, note.encode("ascii"))


def _with_note(data: bytes, note: bytes) -> bytes:
    if data.startswith(b"\x89PNG"):  # after the signature (8 bytes) and IHDR (25 bytes)
        body = b"tEXt" + b"Software\0" + note
        chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
        return data[:33] + chunk + data[33:]
    segment = b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note  # JPEG COM, after SOI
    return data[:2] + segment + data[2:]


def image_note(path: str | os.PathLike) -> str | None:
    """The ``note`` :func:`encode_image` stored in a PNG or JPEG file, else ``None`` (also for a
    file that is missing or no image)."""
    try:
        with Image.open(path) as image:
            note = image.info.get("Software", image.info.get("comment"))
    except (OSError, ValueError):
        return None
    if isinstance(note, bytes):
        note = note.decode("ascii", errors="replace")
    return note if isinstance(note, str) else None


def write_image(
    path: str | os.PathLike, image: np.ndarray, jpeg_quality: int = 95, note: str | None = None
) -> None:
    """Encode by suffix and write atomically (see :func:`encode_image`, :func:`write_atomic`)."""
    path = Path(path)
    write_atomic(path, encode_image(image, path.suffix, jpeg_quality, note))
