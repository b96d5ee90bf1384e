"""The texture-source interface and the parts shared by sources of stored images.

A texture source is an indexed collection of anomaly-source images (DRAEM's "A"). ``load``
returns HWC ``uint8`` arrays of exactly the requested ``(height, width, channels)``, fitted by
the resize or crop policy of :mod:`synthdefect.textures.fit`; a JPEG file larger than the target
may be decoded at reduced size first (``reduce``, see :meth:`TextureSource.reduction`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from synthdefect.files.cache import ArrayCache
from synthdefect.functional.geometry import resize
from synthdefect.pixels import match_channels
from synthdefect.textures.fit import check_request, crop_texture

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "SelfSource",
    "StoredSource",
    "TextureSource",
]

DEFAULT_CACHE_BYTES = 256 * 2**20


class TextureSource(ABC):
    """An indexed collection of texture images (see module doc)."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of valid indices (``0 <= index < len``)."""

    @abstractmethod
    def name(self, index: int) -> str:
        """A stable, human-readable id of the texture that ``load(index, ...)`` returns."""

    def entry_name(self, index: int) -> str:
        """The id of entry ``index`` without loading anything (may differ from :meth:`name`
        where a source replaces unreadable entries)."""
        return self.name(index)

    def load(
        self,
        index: int,
        height: int,
        width: int,
        channels: int = 3,
        crop: tuple[float, float] | None = None,
        reduce: int = 1,
    ) -> np.ndarray:
        """Texture ``index`` as a new ``(height, width, channels)`` ``uint8`` array.

        ``channels`` is 1 (grey) or 3 (RGB). ``crop=None`` resizes the whole image to the
        target (aspect ignored); ``crop=(fy, fx)``, fractions in [0, 1), cuts a window instead
        (see :mod:`synthdefect.textures.fit`). ``reduce`` (1, 2, 4 or 8; resize policy only):
        a JPEG file is decoded at up to ``1/reduce`` of its size, never below the target, before
        it is resized (:meth:`reduction` gives the factor for an entry). Raises ``IndexError``
        for an index outside ``range(len(self))`` and ``ValueError`` for an invalid size,
        channel count, crop or reduction.
        """
        index = self._check_index(index)
        crop = check_request(height, width, channels, crop, reduce)
        texture = self._fit(index, height, width, crop, reduce)
        converted = match_channels(texture, channels)
        return converted.copy() if converted is texture else np.ascontiguousarray(converted)

    def reduction(self, index: int, height: int, width: int) -> int:
        """The largest ``reduce`` (1, 2, 4 or 8) at which entry ``index`` is decoded at least
        ``height x width``: a JPEG file's by libjpeg's DCT scaling, read from its header
        (:mod:`synthdefect.files.jpeg`); 1 for every other entry (the default here)."""
        self._check_index(index)
        return 1

    @abstractmethod
    def _fit(
        self, index: int, height: int, width: int, crop: tuple[float, float] | None, reduce: int
    ) -> np.ndarray:
        """Texture ``index`` fitted to ``(height, width)``: HWC ``uint8``, 1 or 3 channels.

        Arguments are already validated. The result may be shared (cached): never modified.
        """

    def _check_index(self, index: int) -> int:
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"texture index {index} out of range for {len(self)} textures")
        return index


class SelfSource(TextureSource):
    """Marker: use the sample's own normal image as the texture (it has no images itself).

    :class:`~synthdefect.transforms.texture.TextureSample` recognises it and takes
    ``sample.normal``; calling :meth:`load` is an error.
    """

    def __len__(self) -> int:
        return 1

    def name(self, index: int) -> str:
        self._check_index(index)
        return "self"

    def _fit(
        self, index: int, height: int, width: int, crop: tuple[float, float] | None, reduce: int
    ) -> np.ndarray:
        raise TypeError(
            "SelfSource has no images of its own: TextureSample uses the sample's normal image "
            "as the texture; pick another source to load textures directly"
        )

    def __repr__(self) -> str:
        return "SelfSource()"


class StoredSource(TextureSource):
    """A source of stored images (files, arrays) with a bounded cache of fitted textures.

    Subclasses provide :meth:`_source_image`. Textures fitted by the resize policy are cached
    at the size they are used, under ``(index, height, width, reduce)``, in the source image's
    own channels (the conversion to the requested channels is cheap and done on every load);
    crop windows are not cached (their offsets are continuous random draws and would almost
    never be asked for twice).
    """

    def __init__(self, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.cache = ArrayCache(cache_bytes)

    @abstractmethod
    def _source_image(
        self, index: int, reuse: bool, reduce: int = 1, at_least: tuple[int, int] = (1, 1)
    ) -> np.ndarray:
        """The image behind ``index``: HWC ``uint8``, 1 or 3 channels; not to be modified.

        ``reuse`` says whether more fits of it are expected (crop policy), i.e. whether it is
        worth keeping in a cache. ``reduce`` > 1: a JPEG file may be decoded at up to
        ``1/reduce`` of its size, keeping it at least ``at_least = (height, width)``
        (:func:`~synthdefect.files.read_image`); other images are whole.
        """

    def _fit(
        self, index: int, height: int, width: int, crop: tuple[float, float] | None, reduce: int
    ) -> np.ndarray:
        if crop is not None:
            return crop_texture(self._source_image(index, reuse=True), height, width, crop)
        key = (index, height, width, reduce)
        texture = self.cache.get(key)
        if texture is None:
            image = self._source_image(index, False, reduce, (height, width))
            texture = resize(image, height, width)
            self.cache.put(key, texture)
        return texture
