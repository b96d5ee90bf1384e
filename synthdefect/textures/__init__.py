"""Texture sources: the anomaly-source images (DRAEM's "A") that defects are made of.

* :class:`ProceduralSource` (the default): colourful patterns rendered from an index;
* :class:`FolderSource`, :class:`PathSource`: image files, with a bounded LRU cache;
* :class:`ArraySource`: images already in memory;
* :class:`SelfSource`: the sample's own normal image;
* :func:`parse_textures`, :func:`as_texture_source`: a short specification parsed once into
  a :class:`TextureInput`, and the source it names.
* :mod:`synthdefect.textures.bank`: the device texture bank of the batch path (it imports
  torch, so it is not imported here).

See ``docs/textures.md``.
"""

from synthdefect.files.paths import NoImagesError, NoReadableImagesError
from synthdefect.textures.arrays import ArraySource
from synthdefect.textures.base import DEFAULT_CACHE_BYTES, SelfSource, StoredSource, TextureSource
from synthdefect.textures.files import FileSource, FolderSource, PathSource
from synthdefect.textures.fit import crop_texture
from synthdefect.textures.procedural import PROCEDURAL_KINDS, ProceduralSource, render_procedural
from synthdefect.textures.spec import TextureInput, TextureSpec, as_texture_source, parse_textures

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "PROCEDURAL_KINDS",
    "ArraySource",
    "FileSource",
    "FolderSource",
    "NoImagesError",
    "NoReadableImagesError",
    "PathSource",
    "ProceduralSource",
    "SelfSource",
    "StoredSource",
    "TextureInput",
    "TextureSource",
    "TextureSpec",
    "as_texture_source",
    "crop_texture",
    "parse_textures",
    "render_procedural",
]
