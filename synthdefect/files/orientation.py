"""The EXIF orientation of an encoded image file, for every format that carries one.

The orientation (tag ``0x0112`` = 274, values 1..8; 1: stored upright) lives in the first IFD
of a TIFF structure: the file itself for a TIFF (classic or BigTIFF), the EXIF block of a JPEG
(``APP1``), a PNG (``eXIf``) or a WebP (``EXIF`` chunk). :func:`find_orientation` finds it by
walking headers only (a few microseconds), with one IFD reader for all four;
:func:`without_orientation` hides it from the decoder (OpenCV's TIFF decoder turns TIFFs
itself, its JPEG, PNG and WebP decoders do not), so that every decoder gives the stored pixels
and :func:`upright` turns them the one way. BMP, PPM and PGM files carry no orientation.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Orientation", "find_orientation", "upright", "without_orientation"]

ORIENTATION_TAG = 0x0112
_SHORT = 3
"""The TIFF field type of the orientation: an unsigned 16-bit integer."""
_PNG_TAIL_BYTES = 1 << 14
"""Bytes at the end of a PNG searched for an ``eXIf`` chunk written after the pixels."""

_UPRIGHT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, -1)[::-1],
    8: lambda a: np.rot90(a, 1),
}
"""EXIF orientation 2..8 -> the turn or flip that shows the stored pixels upright."""


class Orientation(NamedTuple):
    """An orientation ``value`` (2..8) and the byte offset in the file of its 16-bit field,
    stored with the byte ``order`` (``"<"`` or ``">"``) of its TIFF structure."""

    value: int
    offset: int
    order: str


def find_orientation(data: np.ndarray | memoryview) -> Orientation | None:
    """The orientation of an encoded file's bytes (a JPEG, PNG, WebP or TIFF), or ``None``
    where it has none, 1, an invalid value, or a header that cannot be walked."""
    view = memoryview(data).cast("B")
    start = _tiff_start(view)
    if start is None:
        return None
    try:
        return _ifd_orientation(view, start)
    except (struct.error, IndexError, ValueError):  # a cut or damaged EXIF block
        return None


def without_orientation(data: np.ndarray, orientation: Orientation | None) -> np.ndarray:
    """``data`` (a file's bytes, ``uint8``), or a copy with ``orientation`` set to 1 so that no
    decoder turns the pixels itself."""
    if orientation is None:
        return data
    stored = data.copy()
    stored[orientation.offset : orientation.offset + 2] = np.frombuffer(
        struct.pack(orientation.order + "H", 1), np.uint8
    )
    return stored


def upright(image: np.ndarray, orientation: Orientation | None) -> np.ndarray:
    """``image`` (HW or HWC, as stored) turned as ``orientation`` says, contiguous."""
    if orientation is None:
        return image
    return np.ascontiguousarray(_UPRIGHT[orientation.value](image))


def _tiff_start(data: memoryview) -> int | None:
    """The offset of the TIFF structure that holds the file's orientation, or ``None``."""
    size = len(data)
    head = data[:12].tobytes()
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return 0
    if head[:2] == b"\xff\xd8":  # JPEG: the EXIF APP1 among the leading APPn/COM segments
        pos = 2
        while (
            pos + 10 <= size
            and data[pos] == 0xFF
            and (0xE0 <= data[pos + 1] <= 0xEF or data[pos + 1] == 0xFE)
        ):
            if data[pos + 1] == 0xE1 and data[pos + 4 : pos + 10].tobytes() == b"Exif\x00\x00":
                return pos + 10
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":  # eXIf before the pixels, or near the end
        pos = 8
        while pos + 8 <= size:
            kind = data[pos + 4 : pos + 8].tobytes()
            if kind == b"eXIf":
                return pos + 8
            if kind == b"IDAT":
                tail = max(size - _PNG_TAIL_BYTES, pos)
                found = data[tail:].tobytes().rfind(b"eXIf")
                return None if found < 0 else tail + found + 4
            pos += 12 + int.from_bytes(data[pos : pos + 4], "big")
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # the EXIF chunk of an extended WebP
        pos = 12
        while pos + 8 <= size:
            length = int.from_bytes(data[pos + 4 : pos + 8], "little")
            if data[pos : pos + 4].tobytes() == b"EXIF":
                exif = pos + 8
                return exif + 6 if data[exif : exif + 6].tobytes() == b"Exif\x00\x00" else exif
            pos += 8 + length + (length & 1)
    return None


_LAYOUTS = {42: ("I", "H", 12, 4), 43: ("Q", "Q", 20, 8)}
"""TIFF version (42 classic, 43 BigTIFF) -> (offset format, entry count format, entry bytes,
where the first IFD's offset is stored)."""


def _ifd_orientation(data: memoryview, start: int) -> Orientation | None:
    """The orientation entry of the first IFD of the TIFF structure at ``start`` (offsets in it
    count from ``start``); classic TIFF (12-byte entries) or BigTIFF (20-byte entries)."""
    order = {b"II": "<", b"MM": ">"}.get(data[start : start + 2].tobytes())
    if order is None:
        return None
    (version,) = struct.unpack_from(order + "H", data, start + 2)
    layout = _LAYOUTS.get(version)
    if layout is None:
        return None
    pointer, count, entry, pointer_at = layout
    (ifd,) = struct.unpack_from(order + pointer, data, start + pointer_at)
    (entries,) = struct.unpack_from(order + count, data, start + ifd)
    first = start + ifd + struct.calcsize(count)
    for pos in range(first, first + entry * min(entries, 4096), entry):
        tag, kind = struct.unpack_from(order + "HH", data, pos)
        if tag == ORIENTATION_TAG:
            value_at = pos + entry - struct.calcsize(pointer)
            (value,) = struct.unpack_from(order + "H", data, value_at)
            if kind != _SHORT or value not in _UPRIGHT:
                return None
            return Orientation(value, value_at, order)
    return None
