"""Decoding JPEG files at reduced size: libjpeg's DCT scaling (``cv2.IMREAD_REDUCED_*``).

A JPEG decoded at ``1/k`` (``k`` in 2, 4, 8) is ``ceil(H / k) x ceil(W / k)``: the decoder
skips the high frequencies instead of making every pixel and averaging them away later, which
costs a fraction of a full decode. Only frames libjpeg scales directly qualify: 8-bit baseline,
extended or progressive Huffman frames (``SOF0``-``SOF2``) with 1 (grey) or 3 (colour)
components. Other files and frames (PNG, CMYK, 12-bit, lossless, arithmetic coded) decode in
full. The frame header is looked for in the file's first :data:`HEADER_BYTES` bytes, so whether
a file is reduced is a function of its bytes alone.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2

__all__ = [
    "HEADER_BYTES",
    "REDUCTIONS",
    "JpegFrame",
    "jpeg_frame",
    "reduced_flags",
    "reduction",
]

HEADER_BYTES = 1 << 16
"""How far into a file the frame header is looked for (64 KiB: past the largest APP segment)."""

REDUCTIONS = (2, 4, 8)
"""The factors libjpeg decodes at without resampling afterwards."""

_FRAME_MARKERS = (0xC0, 0xC1, 0xC2)  # SOF0 baseline, SOF1 extended, SOF2 progressive
_STANDALONE = (0x01, *range(0xD0, 0xD8))  # TEM, RST0-7: no length field
_FLAGS = {
    (1, 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
    (1, 4): cv2.IMREAD_REDUCED_GRAYSCALE_4,
    (1, 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
    (3, 2): cv2.IMREAD_REDUCED_COLOR_2,
    (3, 4): cv2.IMREAD_REDUCED_COLOR_4,
    (3, 8): cv2.IMREAD_REDUCED_COLOR_8,
}


class JpegFrame(NamedTuple):
    """A JPEG's frame header: its full size in pixels and its components (1 or 3)."""

    height: int
    width: int
    channels: int


def jpeg_frame(data: bytes) -> JpegFrame | None:
    """The frame of a JPEG that can be decoded reduced, from the file's first bytes; ``None``
    for anything else (see module doc). Reads at most :data:`HEADER_BYTES` of ``data``."""
    data = data[:HEADER_BYTES]
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte before the marker
            at += 1
        elif marker in _STANDALONE:
            at += 2
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header
            body = data[at + 4 : at + 10]
            if marker not in _FRAME_MARKERS or len(body) < 6 or body[0] != 8:
                return None
            height, width = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big")
            channels = body[5]
            return JpegFrame(height, width, channels) if height and width else None
        elif marker in (0xD9, 0xDA):  # end of image, or scan data before any frame
            return None
        else:
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return None


def reduction(frame: JpegFrame | None, height: int, width: int, limit: int = 8) -> int:
    """The largest factor ``k`` in 1, 2, 4, 8 (at most ``limit``) at which ``frame`` decodes to
    at least ``height x width`` (``ceil(H / k) >= height`` and ``ceil(W / k) >= width``); 1 for
    ``None`` and for frames with other than 1 or 3 components."""
    if frame is None or frame.channels not in (1, 3):
        return 1
    fits = [
        k
        for k in REDUCTIONS
        if k <= limit and -(-frame.height // k) >= height and -(-frame.width // k) >= width
    ]
    return max(fits, default=1)


def reduced_flags(frame: JpegFrame, factor: int) -> int:
    """The ``cv2.imdecode`` flags that decode ``frame`` at ``1/factor`` (``factor`` > 1) in its
    own channels (grey or BGR), stored as it is (EXIF orientation ignored, as
    ``cv2.IMREAD_UNCHANGED`` does; :func:`~synthdefect.files.read_image` turns it)."""
    return _FLAGS[frame.channels, factor] | cv2.IMREAD_IGNORE_ORIENTATION
