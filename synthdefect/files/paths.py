"""Which files a user's path spec names: image suffixes and signatures, folders, globs, lists.

* :func:`resolve_image_paths` turns a folder (searched recursively), a glob pattern, one file
  or a list of files into paths; it raises :class:`NoImagesError` when they name no image file;
* :func:`find_images` lists a folder's image files; :func:`looks_like_image` checks a file's
  first bytes against the signatures of the formats OpenCV decodes (:func:`image_file_problem`
  says why a file fails);
* :func:`fixed_root` is the folder a spec starts from (a glob's non-magic prefix).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from synthdefect.outputs import resolved

__all__ = [
    "IMAGE_SUFFIXES",
    "NoImagesError",
    "NoReadableImagesError",
    "PathSpec",
    "find_images",
    "fixed_root",
    "image_file_problem",
    "looks_like_image",
    "resolve_image_paths",
]

PathSpec = str | os.PathLike | Sequence[str | os.PathLike]

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")


class NoImagesError(ValueError):
    """No image file: a missing folder or file, a folder without image files, a glob that
    matches none, an empty list, a list naming missing files, or (the subclass
    :class:`NoReadableImagesError`) files of which none is readable."""


class NoReadableImagesError(NoImagesError):
    """Image files were found, but none of them can be decoded."""


def find_images(root: str | os.PathLike, recursive: bool = True) -> list[Path]:
    """Image files under ``root`` (by suffix, case-insensitive), sorted for a stable order."""
    root = Path(root)
    pattern = root.rglob("*") if recursive else root.glob("*")
    return sorted(p for p in pattern if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def resolve_image_paths(spec: PathSpec, recursive: bool = True) -> list[Path]:
    """The image paths named by ``spec``: a folder (sorted, sub-folders too when
    ``recursive``), a glob pattern (sorted image files), one file, or a list of files (as given).

    Raises :class:`NoImagesError` when they name no image file or a listed file is missing.
    """
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        path = Path(text)
        if path.is_dir():
            paths = find_images(path, recursive=recursive)
            if not paths:
                raise NoImagesError(f"no image files in folder: {path}")
            return paths
        if path.is_file():
            return [path]
        if glob.has_magic(text):
            paths = sorted(
                Path(p)
                for p in glob.glob(text, recursive=True)
                if Path(p).suffix.lower() in IMAGE_SUFFIXES and os.path.isfile(p)
            )
            if not paths:
                raise NoImagesError(f"no image files match: {text}")
            return paths
        raise NoImagesError(f"no such folder or file: {path}")
    items = list(spec) if isinstance(spec, Iterable) else [spec]
    odd = next((p for p in items if not isinstance(p, str | os.PathLike)), None)
    if odd is not None:
        held = "" if odd is spec else f" holding {type(odd).__name__}"
        raise TypeError(
            "image paths must be a folder, a glob, a file or a list of file paths, got "
            f"{type(spec).__name__}{held} (images in memory: call the recipe on each one)"
        )
    paths = [Path(p) for p in items]
    if not paths:
        raise NoImagesError("the list of image files is empty")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise NoImagesError(f"missing image files: {', '.join(missing[:5])}")
    return paths


def looks_like_image(path: str | os.PathLike) -> bool:
    """Whether the file starts with the signature of an image format OpenCV decodes."""
    return image_file_problem(path) is None


def image_file_problem(path: str | os.PathLike) -> str | None:
    """Why the file cannot be an image OpenCV decodes, from its first bytes: ``"cannot be read:
    <reason>"`` (permissions, I/O error), ``"not an image file"``, or ``None`` when its signature
    is an image format's."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if head.startswith(_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return None
    netpbm = len(head) > 2 and head[0:1] == b"P" and head[1:2] in b"123456"
    return None if netpbm and head[2:3].isspace() else "not an image file"


def fixed_root(spec: str) -> Path:
    """The folder a spec starts from: itself, a file's parent, or a glob's non-magic prefix."""
    path = Path(spec)
    if path.is_dir():
        return resolved(path)
    if path.is_file():
        return resolved(path.parent)
    fixed: list[str] = []
    for part in path.parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return resolved(Path(*fixed) if fixed else Path(os.curdir))
