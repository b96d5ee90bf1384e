"""The inputs of a run: normal images (built-in default or the user's) and the anomaly maker."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from synthdefect.files.normal_images import NormalImages
from synthdefect.files.paths import NoImagesError, fixed_root
from synthdefect.generate.config import GenerateConfig, GenerateError
from synthdefect.recipes import check_inputs
from synthdefect.sample import AnomalyResult, SampleError

if TYPE_CHECKING:
    import numpy as np

    from synthdefect.transforms import Transform

__all__ = [
    "BUILTIN_PREFIX",
    "default_images",
    "make_anomaly",
    "make_sample",
    "open_images",
    "source_name",
]

BUILTIN_PREFIX = "builtin/"
"""Manifest prefix of the built-in default images (their install path differs per machine)."""

IMAGE_CACHE_BYTES = 256 << 20
"""Bound of each process's cache of decoded, resized normal images, in bytes."""


def default_images() -> list[Path]:
    """The built-in normal images in ``synthdefect/data/normal`` (256x256 RGB PNG), sorted."""
    folder = resources.files("synthdefect.data") / "normal"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".png"))


def open_images(config: GenerateConfig) -> NormalImages:
    """The run's normal images, resized to ``config.size``, with ``config.channels``;
    :class:`GenerateError` for a missing or empty folder, a glob matching nothing, or no
    readable image."""
    spec = default_images() if config.images is None else config.images
    try:
        images = NormalImages(
            spec, size=config.size, channels=config.channels, cache_bytes=IMAGE_CACHE_BYTES
        )
        images.check_readable()
    except NoImagesError as err:
        raise GenerateError(f"--images: {err}") from err
    return images


def make_anomaly(config: GenerateConfig, images: NormalImages) -> Transform:
    """The run's recipe (:attr:`GenerateConfig.anomaly`) for its normal ``images``
    (:func:`open_images`), checked against them (:func:`synthdefect.recipes.check_inputs`);
    :class:`GenerateError` for bad recipes or textures (none of whose files decodes), or a
    normal image that a folder of foreground masks lacks."""
    anomaly = config.anomaly
    try:
        check_inputs(anomaly, images.paths)
    except ValueError as err:
        raise GenerateError(str(err)) from err
    return anomaly


def make_sample(
    config: GenerateConfig, anomaly: Transform, image: np.ndarray, index: int, path: Path
) -> AnomalyResult:
    """Sample ``index`` of the run from its normal ``image`` (file ``path``);
    :class:`GenerateError` naming the sample when it cannot be made (a foreground mask that fails
    to decode, a foreground callable's mask of the wrong shape, ...)."""
    try:
        return anomaly(image, seed=config.seed, index=index, source=path)
    except ValueError as error:
        raise GenerateError(
            str(SampleError.naming(index, source_name(config, path), error))
        ) from error


def source_name(config: GenerateConfig, path: Path) -> str:
    """How the manifest names a normal image: relative to the ``--images`` folder (or the fixed
    part of a glob), or ``builtin/<file>`` for the default images; POSIX separators."""
    if config.images is None:
        return BUILTIN_PREFIX + path.name
    root = fixed_root(config.images)
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
