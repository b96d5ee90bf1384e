"""Writing a run's sample files and JSON records so that none is ever seen half-written.

Sample files and JSON records go through :func:`synthdefect.io.write_atomic` (temporary name,
then ``os.replace``). The manifest has its own module, :mod:`synthdefect.generate.manifest`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from synthdefect.functional.masks import anomalous_pixels
from synthdefect.io import encode_image, write_atomic

__all__ = ["encode_mask", "write_json"]


def encode_mask(mask: np.ndarray) -> bytes:
    """``(H, W)`` float mask in [0, 1] -> 8-bit grey PNG bytes: 255 at the anomalous pixels
    (:func:`~synthdefect.functional.masks.anomalous_pixels`), else 0."""
    return encode_image(anomalous_pixels(mask).astype(np.uint8) * 255, ".png")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_atomic(path, (json.dumps(data, indent=2) + "\n").encode())
