"""What a generation run makes: :class:`GenerateConfig`, :class:`Shard` and input errors.

The config holds only what decides the output bytes (plus the output folder). How the work is
run (worker count, progress bar, resume/overwrite) is passed to
:func:`synthdefect.generate.generate` separately, so it never changes ``config.json``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthdefect import __version__
from synthdefect.limits import MAX_SAMPLES, side_problem
from synthdefect.outputs import OutputError
from synthdefect.recipes import RecipeOptions
from synthdefect.textures import parse_textures

if TYPE_CHECKING:
    from synthdefect.transforms import Transform

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "GenerateConfig",
    "GenerateError",
    "Shard",
    "WorkerDiedError",
    "parse_size",
]

FORMATS = ("png", "jpg")
"""Image file formats; masks are always 8-bit PNG."""

LAYOUTS = ("flat", "mvtec")
"""Folder layouts, see :mod:`synthdefect.generate.layout`."""


class GenerateError(OutputError):
    """A problem with the inputs or the output folder, stated in one line for the user (an
    :class:`~synthdefect.outputs.OutputError`, so a ``ValueError``)."""


class WorkerDiedError(GenerateError):
    """A worker process died (killed, or out of memory). The samples recorded before are kept.

    The process pool's thread may then wait forever for the rest of a result that the worker
    was sending (CPython 3.11), so that interpreter exit, which joins it, hangs: a program that
    catches this error should end with ``os._exit`` (the command line does)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``: one contiguous block of the global sample indices."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise GenerateError(f"bad shard {self.index}/{self.count}: need 0 <= I < K")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``"I/K"`` (e.g. ``"0/4"``), raising :class:`GenerateError` when malformed."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if match is None:
            raise GenerateError(f"malformed shard {text!r}: expected I/K such as 0/4")
        return cls(int(match[1]), int(match[2]))

    def indices(self, n: int) -> range:
        """The global sample indices of this shard out of ``n`` (blocks differ by at most 1)."""
        return range(self.index * n // self.count, (self.index + 1) * n // self.count)

    @property
    def tag(self) -> str:
        """File-name infix, e.g. ``"shard-0-of-4"``."""
        return f"shard-{self.index}-of-{self.count}"


def parse_size(text: str) -> tuple[int, int]:
    """``"256"`` -> ``(256, 256)``; ``"240x320"`` -> ``(240, 320)`` (height x width, pixels)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", text)
    if match is None or int(match[1]) < 1 or (match[2] is not None and int(match[2]) < 1):
        raise GenerateError(f"malformed size {text!r}: expected a positive S or HxW such as 256")
    height = int(match[1])
    return height, int(match[2]) if match[2] is not None else height


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that decides a generated dataset.

    * ``n``: total number of samples (>= 1); with ``shard`` this run makes only its block.
    * ``images``: normal images (folder searched recursively, glob, or file); ``None`` uses the
      built-in default images (:func:`synthdefect.generate.default_images`).
    * ``textures``: the texture input of presets and recipe files: ``"procedural"`` (or
      ``"procedural:noise,cracks"``), ``"self"``, a folder, a glob or one image file.
    * ``preset`` / ``recipe``: the recipe, a preset name (default ``draem-code``) or a recipe spec
      (a file, ``module:attribute`` or a Transform; see :func:`synthdefect.load_recipe`), not
      both. :attr:`anomaly` is the built recipe; ``config.json`` records its description.
    * ``size``: ``(height, width)`` in pixels the normal images are resized to, ``None`` keeps
      each file's size.
    * ``channels``: 3 (RGB, the default: grey files are converted) or 1 (grey: colour files are
      converted, and the samples and their textures are grey).
    * ``p_anomaly``: probability in [0, 1] that a sample gets a defect; ``None`` = preset default
      (presets only: a recipe file or object sets its own).
    * ``foreground``: ``None`` (defects anywhere), ``"auto"``, a folder of masks (one per normal
      image, matched by name) or ``module:attribute`` of a callable: the recipe is wrapped in
      :class:`~synthdefect.transforms.Foreground`.
    * ``seed``: non-negative int; sample ``i`` draws from ``sample_rng(seed, i)``.
    * ``image_format``: ``"png"`` or ``"jpg"`` for images (masks are always PNG); ``mvtec``
      needs ``"png"``.
    * ``layout``: ``"flat"`` or ``"mvtec"``; ``with_normal`` (flat only) also writes the clean
      target image of each sample.
    * ``rotate_normal``: keep the recipe's normal-image rotation (``draem-code``: 30 % of samples);
      needs ``with_normal``, the rotated target. Off by default, so that a generated set, which
      may serve as a test set, holds the normal images unaltered.
    """

    n: int
    out: Path = Path("synthdefect-out")
    images: str | None = None
    textures: str = "procedural"
    size: tuple[int, int] | None = (256, 256)
    channels: int = 3
    preset: str | None = None
    recipe: Any = None
    p_anomaly: float | None = None
    foreground: Any = None
    seed: int = 0
    image_format: str = "png"
    layout: str = "flat"
    with_normal: bool = False
    rotate_normal: bool = False
    shard: Shard | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "out", Path(self.out))
        size_problem = None if self.size is None else side_problem(self.size)
        problems = [
            (self.n < 1, f"--n must be at least 1, got {self.n}"),
            (self.n > MAX_SAMPLES, f"--n must be at most {MAX_SAMPLES}, got {self.n}"),
            (self.seed < 0, f"--seed must be >= 0, got {self.seed}"),
            (
                self.channels not in (1, 3),
                f"--channels must be 1 (grey) or 3 (RGB), got {self.channels}",
            ),
            (self.image_format not in FORMATS, f"unknown format {self.image_format!r}"),
            (self.layout not in LAYOUTS, f"unknown layout {self.layout!r}"),
            (size_problem is not None, str(size_problem)),
            (
                self.with_normal and self.layout != "flat",
                "--with-normal needs --layout flat",
            ),
            (
                self.rotate_normal and not self.with_normal,
                "--rotate-normal needs --with-normal (flat layout): a rotated normal image is "
                "a training sample with its rotated clean target, never part of a test set",
            ),
            (
                self.layout == "mvtec" and self.image_format != "png",
                f"--layout mvtec writes PNG (MVTec readers such as anomalib's MVTecAD read only "
                f".png); drop --format {self.image_format}",
            ),
        ]
        for failed, message in problems:
            if failed:
                raise GenerateError(message)
        try:
            options = RecipeOptions(
                self.preset, self.recipe, self.textures, self.p_anomaly, self.foreground
            )
        except ValueError as err:
            raise GenerateError(str(err)) from err
        object.__setattr__(self, "_recipe_options", options)

    @property
    def recipe_options(self) -> RecipeOptions:
        """The anomaly options of the run (``preset``, ``recipe``, ``textures``, ``p_anomaly``,
        ``foreground``), checked."""
        return self._recipe_options  # type: ignore[attr-defined]

    @cached_property
    def anomaly(self) -> Transform:
        """The run's recipe, built once (workers receive it with the config), restricted to
        ``foreground`` when given, with its normal-image rotation switched off unless
        ``rotate_normal``; :class:`GenerateError` for a bad recipe, textures or foreground."""
        from synthdefect.transforms.geometry import without_rotation

        try:
            recipe = self.recipe_options.build()
        except ValueError as err:
            raise GenerateError(str(err)) from err
        return recipe if self.rotate_normal else without_rotation(recipe)

    @property
    def preset_name(self) -> str | None:
        """The preset in use (``None`` with a recipe)."""
        return self.recipe_options.preset_name

    @property
    def indices(self) -> range:
        """The global sample indices this run makes (all ``n``, or the shard's block)."""
        return range(self.n) if self.shard is None else self.shard.indices(self.n)

    @property
    def suffix(self) -> str:
        """File suffix of images, e.g. ``".png"``."""
        return f".{self.image_format}"

    def record(self) -> dict[str, Any]:
        """JSON-able dict of the settings that decide the output (not ``out``).

        Folder and file inputs are made absolute, so a run resumed from another working folder
        still matches; ``resume`` compares this record with the stored ``config.json``.
        """
        return {
            "synthdefect_version": __version__,
            "n": self.n,
            "images": _absolute(self.images),
            "textures": parse_textures(self.textures).spelling(),
            "size": None if self.size is None else list(self.size),
            "channels": self.channels,
            "preset": self.preset_name,
            "recipe": self.anomaly.describe(),
            "p_anomaly": self.p_anomaly,
            "seed": self.seed,
            "format": self.image_format,
            "layout": self.layout,
            "with_normal": self.with_normal,
            "rotate_normal": self.rotate_normal,
            "shard": None if self.shard is None else [self.shard.index, self.shard.count],
        }


def _absolute(spec: str | None) -> str | None:
    """An existing path made absolute; globs and ``None`` unchanged."""
    if spec is None or not os.path.exists(spec):
        return spec
    return str(Path(spec).resolve())
