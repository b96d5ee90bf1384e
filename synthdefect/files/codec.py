"""Image and mask files: decoding to the working format, encoding, writing.

Decoded images are numpy ``(H, W, C)`` ``uint8`` RGB (``C`` = 3) or grey (``C`` = 1). 16-bit
files are scaled to 8 bits, alpha is dropped, BGR (OpenCV's order) is converted to RGB once here,
and the EXIF orientation of a JPEG, PNG, WebP or TIFF is applied, images and masks alike
(:mod:`synthdefect.files.orientation`). A JPEG larger than needed can be decoded at reduced
size (:mod:`synthdefect.files.jpeg`).
Masks are written as 8-bit grey PNG, ``round(255 * m)`` per pixel
(:func:`~synthdefect.functional.masks.mask_levels`): 0 / 255 for hard masks; a soft mask's file
(any other level) carries the note :data:`SOFT_MASK_NOTE`, so that :func:`read_mask` takes its
low levels as meant. Writes are atomic (:mod:`synthdefect.files.atomic`).
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, TiffImagePlugin

from synthdefect.files.atomic import write_atomic
from synthdefect.files.jpeg import (
    HEADER_BYTES,
    JpegFrame,
    jpeg_frame,
    reduced_flags,
    reduction,
)
from synthdefect.files.orientation import (
    Orientation,
    find_orientation,
    upright,
    without_orientation,
)
from synthdefect.functional.masks import mask_levels
from synthdefect.limits import MAX_IMAGE_PIXELS
from synthdefect.pixels import match_channels, to_uint8

__all__ = [
    "SOFT_MASK_NOTE",
    "ImageReadError",
    "MaskValuesError",
    "encode_image",
    "encode_mask",
    "image_note",
    "image_size",
    "read_frame",
    "read_image",
    "read_mask",
    "upright_frame",
    "write_image",
]


SOFT_MASK_NOTE = "synthdefect soft mask"
"""The note (PNG ``Software`` chunk) of a mask file with levels other than 0 and 255."""


class ImageReadError(OSError):
    """A file that exists but cannot be decoded as an image."""


class MaskValuesError(ImageReadError):
    """A mask file whose marked pixels are all below 128 (e.g. stored as 0/1)."""


def read_image(
    path: str | os.PathLike,
    channels: int | None = 3,
    reduce: int = 1,
    at_least: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Decode ``path`` to HWC ``uint8`` RGB/grey; ``channels=None`` keeps the file's (1 or 3).

    ``reduce`` > 1 decodes a JPEG that allows it at ``1/k`` of its size, ``k`` the largest of
    2, 4, 8 up to ``reduce`` that keeps it, upright, at least ``at_least = (height, width)``
    (:func:`upright_frame`); other files, and JPEGs no factor fits, decode in full.
    Raises ``FileNotFoundError`` for a missing file and :class:`ImageReadError` for one that
    cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    data = np.fromfile(path, dtype=np.uint8)
    orientation = find_orientation(data)
    flags = cv2.IMREAD_UNCHANGED
    if reduce > 1:
        frame = upright_frame(data)
        factor = reduction(frame, *at_least, limit=reduce)
        if factor > 1:
            flags = reduced_flags(frame, factor)
    try:
        image = cv2.imdecode(without_orientation(data, orientation), flags) if data.size else None
    except cv2.error as error:  # e.g. more pixels than the decoder reads
        reason = _too_large(path) or str(error).strip().splitlines()[-1]
        raise ImageReadError(f"cannot decode image: {path} ({reason})") from None
    if image is None:
        raise ImageReadError(f"cannot decode image: {path}")
    image = upright(image, orientation)
    if np.issubdtype(image.dtype, np.floating) and not (
        np.isfinite(image).all() and 0.0 <= image.min() and image.max() <= 1.0
    ):
        raise ImageReadError(
            f"float image {path} holds values outside [0, 1] (up to {float(np.nanmax(image)):g}): "
            "float files are read as [0, 1]; store it as 8 or 16-bit integers"
        )
    try:
        image = to_uint8(image)
    except ValueError as error:
        raise ImageReadError(f"cannot decode image: {path} ({error})") from None
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.shape[2] == 2:  # grey + alpha
        image = image[:, :, :1]
    return image if channels is None else match_channels(np.ascontiguousarray(image), channels)


def upright_frame(data: np.ndarray) -> JpegFrame | None:
    """The frame of a JPEG that can be decoded reduced (:func:`~synthdefect.files.jpeg.jpeg_frame`),
    from the first :data:`~synthdefect.files.jpeg.HEADER_BYTES` of a file's bytes, with its sides
    as :func:`read_image` gives them (swapped where the EXIF orientation turns the image)."""
    head = data[:HEADER_BYTES]
    frame = jpeg_frame(head.tobytes())
    if frame is not None and _turns(find_orientation(head)):
        return frame._replace(height=frame.width, width=frame.height)
    return frame


def read_frame(path: str | os.PathLike) -> JpegFrame | None:
    """:func:`upright_frame` of the file at ``path``; ``None`` also where it cannot be read."""
    try:
        with open(path, "rb") as file:
            return upright_frame(np.frombuffer(file.read(HEADER_BYTES), np.uint8))
    except OSError:
        return None


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """``(width, height)`` of the image file as :func:`read_image` decodes it (EXIF orientation
    applied), from its headers; ``OSError`` or ``ValueError`` when it cannot be read."""
    with Image.open(path) as image:
        width, height = image.size
        if isinstance(image, TiffImagePlugin.TiffImageFile):  # Pillow >= 11: turned already
            width, height = image.tag_v2[256], image.tag_v2[257]
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        turned = _turns(find_orientation(memoryview(data)))
    return (height, width) if turned else (width, height)


def _turns(orientation: Orientation | None) -> bool:
    """Whether ``orientation`` swaps the stored height and width (EXIF 5..8)."""
    return orientation is not None and orientation.value >= 5


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
    """Decode a mask file to ``(H, W)`` ``uint8``, anomalous (or foreground) pixels >= 128; a
    soft mask written by :func:`encode_mask` reads back as its levels ``round(255 * m)``.

    Raises :class:`MaskValuesError` for a mask whose marked pixels are all below 128 (a mask
    stored as 0/1, or 0..k, would otherwise be read as empty) unless it is such a soft mask
    (:data:`SOFT_MASK_NOTE`), besides :func:`read_image`'s errors.
    """
    mask = read_image(path, channels=1)[:, :, 0]
    top = int(mask.max())
    if top == 0:  # a 16-bit file of 0/1 reads as 8-bit zeros: check its own levels
        raw = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
        if raw is not None and raw.dtype == np.uint16 and raw.max() > 0:
            raise MaskValuesError(
                f"mask {path} holds 16-bit values 0..{int(raw.max())}, which read as 0: a "
                "16-bit mask marks pixels with 65535 (store 0/1 masks multiplied by 65535)"
            )
    if 0 < top < 128 and image_note(path) != SOFT_MASK_NOTE:
        raise MaskValuesError(
            f"mask {path} holds values 0..{top}, none >= 128: an 8-bit mask marks pixels with "
            "255 (store 0/1 masks multiplied by 255)"
        )
    return mask


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


def encode_mask(mask: np.ndarray) -> bytes:
    """``(H, W)`` float mask in [0, 1] -> 8-bit grey PNG bytes of its levels ``round(255 * m)``
    (a hard mask: 255 at the anomalous pixels, else 0; a soft one with :data:`SOFT_MASK_NOTE`)."""
    levels = mask_levels(mask)
    soft = bool(np.any((levels != 0) & (levels != 255)))
    return encode_image(levels, ".png", note=SOFT_MASK_NOTE if soft else None)
