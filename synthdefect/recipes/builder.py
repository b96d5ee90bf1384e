"""The one way to build a recipe from the shared options: :class:`RecipeOptions`.

``generate``, ``preview``, ``train``, ``bench`` and :class:`~synthdefect.SyntheticAnomalyDataset`
all hold their anomaly options as a ``RecipeOptions`` and call :meth:`RecipeOptions.build`;
every refusal of a bad combination and every probe of the inputs lives here once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from synthdefect.recipes.files import RecipeSpec, load_recipe
from synthdefect.recipes.foreground import load_foreground
from synthdefect.recipes.inputs import check_inputs
from synthdefect.recipes.presets import DEFAULT_PRESET, get_preset, make_recipe
from synthdefect.textures import TextureInput, TextureSpec, parse_textures
from synthdefect.transforms.base import Transform
from synthdefect.transforms.foreground import Foreground
from synthdefect.transforms.ranges import number_setting

__all__ = ["RecipeOptions"]


@dataclass(frozen=True)
class RecipeOptions:
    """The anomaly options ``--preset``, ``--recipe``, ``--textures``, ``--p-anomaly`` and
    ``--foreground`` (or the same keyword arguments).

    * ``preset``: a preset name or a mixture of presets such as ``"draem-code+cutpaste"`` (see
      :mod:`~synthdefect.recipes.mixture`; default ``draem-code`` when no ``recipe`` is given);
    * ``recipe``: a recipe spec (a file, ``module:attribute``, a preset name or a Transform; see
      :func:`~synthdefect.recipes.files.load_recipe`), not with ``preset`` or ``p_anomaly``;
    * ``textures``: the texture input of presets and recipe files (see
      :func:`~synthdefect.textures.parse_textures`; ``None``: the built-in procedural ones);
    * ``p_anomaly``: probability in [0, 1] that a sample gets a defect (presets only; ``None``:
      the preset's own);
    * ``foreground``: ``None`` (defects anywhere) or what
      :func:`~synthdefect.recipes.foreground.load_foreground` accepts.

    Construction checks what needs no file and raises ``ValueError`` in one line; every
    message of this class names the option as the command line spells it.
    """

    preset: str | None = None
    recipe: RecipeSpec | None = None
    textures: TextureSpec = None
    p_anomaly: float | None = None
    foreground: Any = None

    def __post_init__(self) -> None:
        if self.recipe is not None and self.preset is not None:
            raise ValueError("give --preset or --recipe, not both")
        if self.recipe is not None and self.p_anomaly is not None:
            raise ValueError("--p-anomaly applies to presets; a recipe sets its own probabilities")
        if self.preset is not None:
            get_preset(self.preset)  # a one-line ValueError for an unknown preset or mixture
        if self.p_anomaly is not None:
            number_setting("--p-anomaly", self.p_anomaly, 0, 1)
        try:
            parse_textures(self.textures)
        except TypeError as err:
            raise ValueError(f"--textures: {err}") from None

    @property
    def texture_input(self) -> TextureInput:
        """``textures``, parsed."""
        return parse_textures(self.textures)

    @property
    def preset_name(self) -> str | None:
        """The preset in use; ``None`` with a recipe."""
        if self.recipe is not None:
            return None
        return DEFAULT_PRESET if self.preset is None else self.preset

    @property
    def given(self) -> bool:
        """Whether any option differs from its default (a folder of ready samples takes none)."""
        return not (
            self.preset is None
            and self.recipe is None
            and self.texture_input.default
            and self.p_anomaly is None
            and self.foreground is None
        )

    def build(self, image_paths: Iterable[str | os.PathLike] | None = None) -> Transform:
        """The recipe, restricted to ``foreground`` when given; with ``image_paths`` (the normal
        images it will see), also checked against them by
        :func:`~synthdefect.recipes.inputs.check_inputs` (a texture that decodes, a mask for
        each image). ``ValueError`` in one line naming the option (``--recipe: ``,
        ``--textures: ``, ``--foreground: ``)."""
        try:
            foreground = None if self.foreground is None else load_foreground(self.foreground)
        except ValueError as err:
            raise ValueError(f"--foreground: {err}") from None
        try:
            if self.recipe is not None:
                recipe = load_recipe(self.recipe, self.textures)
            else:
                recipe = make_recipe(
                    self.preset_name, textures=self.textures, p_anomaly=self.p_anomaly
                )
        except (ValueError, TypeError, OSError) as err:
            option = "--recipe" if self.recipe is not None else "--textures"
            raise ValueError(f"{option}: {err}") from None
        if foreground is not None:
            recipe = Foreground(recipe, foreground)
        if image_paths is not None:
            check_inputs(recipe, image_paths)
        return recipe
