"""The data that flows between transforms, and what a call returns to the user.

Conventions used throughout synthdefect:

* **image**: numpy ``(H, W, C)`` (HWC), ``C`` in {1, 3}, either ``uint8`` in [0, 255] or
  ``float32`` in [0, 1]. Transforms keep the dtype they are given.
* **texture**: numpy ``(H, W, C)`` ``uint8``, same ``H, W, C`` as the image it will be blended into.
* **mask**: numpy ``(H, W)`` ``float32`` in [0, 1]; 1 marks anomalous pixels. Hard masks are
  0/1; a soft mask (``fpi``) holds a target in between, which every output keeps: mask files
  store ``round(255 * m)`` (:func:`synthdefect.functional.masks.mask_levels`), the Dataset and
  the torch/torchvision results the float values. Where a binary reading is needed (areas,
  evaluation's ground truth, integer masks) a pixel is anomalous when its value is >= 0.5
  (>= 128 in an 8-bit mask file): the one threshold,
  :func:`synthdefect.functional.masks.anomalous_pixels`.
* **label**: 1 when the mask marks any pixel (its 8-bit level is > 0,
  :func:`synthdefect.functional.masks.marked_pixels`), else 0: so a label-1 sample's mask file
  is never empty, and a label-0 sample's is. For hard masks this is "any anomalous pixel".
* **params**: a JSON-serialisable dict recording every random draw; giving it back replays the
  sample exactly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from synthdefect.functional.masks import marked_pixels

__all__ = ["AnomalyResult", "Sample", "SampleError", "source_names"]


class SampleError(ValueError):
    """A sample could not be made (a mask file that fails to decode, a foreground callable's
    mask of the wrong shape, ...): the message names the sample, its normal image and why."""

    @classmethod
    def naming(cls, index: int, source: str | os.PathLike | None, error: Exception) -> SampleError:
        return cls(f"sample {index} (normal image {source}): {error}")


@dataclass
class Sample:
    """Working state of one sample inside a transform pipeline (numpy only, see module doc).

    ``normal`` is the defect-free image after any geometric augmentation (the reconstruction
    target), ``image`` the image with the simulated anomaly. ``foreground`` (``(H, W)`` float32
    in {0, 1}, or ``None`` for the whole image) is where defects may go: set by
    :class:`~synthdefect.transforms.foreground.Foreground`, honoured by the mask transforms.
    ``source`` is the normal image's file path or name when known (``None`` otherwise), for
    lookups by name such as a :class:`~synthdefect.files.MaskFolder` of foreground masks.
    """

    image: np.ndarray
    normal: np.ndarray
    mask: np.ndarray
    texture: np.ndarray | None = None
    foreground: np.ndarray | None = None
    source: str | None = None

    @classmethod
    def from_image(cls, image: np.ndarray, source: str | os.PathLike | None = None) -> Sample:
        """A sample with no anomaly yet: ``image`` and ``normal`` are both ``image``;
        ``source`` the image's file path or name, if known."""
        mask = np.zeros(image.shape[:2], dtype=np.float32)
        name = None if source is None else os.fspath(source)
        return cls(image=image, normal=image, mask=mask, source=name)

    @property
    def label(self) -> int:
        return int(marked_pixels(self.mask).any())

    def within_foreground(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` cut to the foreground (float32), or ``mask`` itself when there is none."""
        if self.foreground is None:
            return mask
        return (mask * self.foreground).astype(np.float32, copy=False)

    def evolve(self, **changes: Any) -> Sample:
        """A copy with the given fields replaced (arrays are shared, not copied)."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"Sample has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(type(self))  # dataclasses.replace, without its __init__ call
        copy.__dict__.update(self.__dict__, **changes)
        return copy


_FIELDS = frozenset(field.name for field in fields(Sample))


class AnomalyResult(NamedTuple):
    """What a transform call returns, converted back to the caller's input type.

    * numpy input: ``image`` HWC (input dtype), ``mask`` ``(H, W)`` float32, ``label`` int.
    * torch CHW input: ``image`` CHW (input dtype), ``mask`` ``(1, H, W)`` float32, ``label`` int.
    * torch batch ``(B, C, H, W)``: ``mask`` ``(B, 1, H, W)``, ``label`` int64 ``(B,)``,
      ``params`` a list of B records.
    * PIL input: ``image`` PIL (input mode), ``mask`` PIL mode ``"L"`` (``round(255 * m)``: 0 or
      255 for hard masks), ``label`` int.

    ``normal`` is the defect-free image in the same type as ``image`` (differs from the input
    only when a geometric augmentation such as the ``draem-code`` rotation was applied).
    """

    image: Any
    mask: Any
    label: Any
    params: Any
    normal: Any


def source_names(
    source: str | os.PathLike | Sequence[str | os.PathLike] | None, n: int
) -> list[str | os.PathLike | None]:
    """One source name per image of a call (``None`` for none): ``source`` itself for one
    image, else a sequence of ``n`` names."""
    if source is None:
        return [None] * n
    if isinstance(source, (str, os.PathLike)):
        if n != 1:
            raise ValueError(f"got one source name for {n} images: pass one name per image")
        return [source]
    if isinstance(source, bytes) or not isinstance(source, Sequence):
        raise TypeError(
            f"source must be a file name (str or path) or a sequence of them, got "
            f"{type(source).__name__} {source!r}"
        )
    names = list(source)
    if len(names) != n:
        raise ValueError(f"got {len(names)} source names for {n} images")
    named = (str, os.PathLike, type(None))
    wrong = [name for name in names if not isinstance(name, named)]
    if wrong:
        raise TypeError(f"source names must be str or paths, got {wrong[0]!r} among {names!r}")
    return names
