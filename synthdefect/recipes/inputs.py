"""The files a built recipe reads, and the check that they serve a set of normal images
before any work starts."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

from synthdefect.files.mask_folder import MaskFolder
from synthdefect.files.paths import NoImagesError
from synthdefect.textures import FileSource
from synthdefect.transforms.base import Transform
from synthdefect.transforms.foreground import Foreground

__all__ = ["check_inputs", "mask_folders", "skipped_textures", "texture_sources"]

_Source = TypeVar("_Source")


def _step_sources(recipe: Transform, kind: type[_Source]) -> list[_Source]:
    """The ``source`` of every step of ``recipe`` that has one of type ``kind``."""
    return [
        step.source for _, step in recipe.walk() if isinstance(getattr(step, "source", None), kind)
    ]


def texture_sources(recipe: Transform) -> list[FileSource]:
    """The recipe's texture sources that read files (none for procedural or ``self``)."""
    return _step_sources(recipe, FileSource)


def mask_folders(recipe: Transform) -> list[MaskFolder]:
    """The folders of foreground masks the recipe's :class:`Foreground` steps read."""
    return [
        step.source
        for _, step in recipe.walk()
        if isinstance(step, Foreground) and isinstance(step.source, MaskFolder)
    ]


def skipped_textures(recipe: Transform) -> list[str]:
    """The texture files this process's copy of ``recipe`` has skipped so far: not images, or
    found not to decode (paths as text)."""
    return [str(path) for source in texture_sources(recipe) for path in source.files.skipped]


def check_inputs(recipe: Transform, image_paths: Iterable[str | os.PathLike]) -> None:
    """``ValueError`` in one line, naming the option (``--textures: ``, ``--foreground: ``),
    unless every texture source of ``recipe`` has an image that decodes (decoding from the
    first file until one does), and each normal image of ``image_paths`` has a mask of its own
    in every folder of foreground masks, of its shape (file names and headers only)."""
    for source in texture_sources(recipe):
        try:
            source.files.check_readable()
        except NoImagesError as err:
            raise ValueError(f"--textures: {err}") from err
    names = list(image_paths)
    for folder in mask_folders(recipe):
        taken: dict[str, str | os.PathLike] = {}
        for name in names:
            try:
                mask = folder.lookup(name).name
            except ValueError as err:
                raise ValueError(f"--foreground: {err}") from err
            problem = folder.shape_problem(name) if os.path.isfile(name) else None
            if problem is not None:
                raise ValueError(f"--foreground: {problem}")
            first = taken.setdefault(mask, name)
            if os.fspath(first) != os.fspath(name):
                raise ValueError(
                    f"--foreground: normal images {first} and {name} would share one mask "
                    f"({mask}): masks are matched by file name, so rename one of them"
                )
