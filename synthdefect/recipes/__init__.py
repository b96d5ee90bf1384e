"""Everything about recipes: the presets, the DRAEM and research recipes, recipe specs and files,
rebuilding a recipe from a record, and :class:`RecipeOptions`, the one builder that
``generate``, ``preview``, ``train`` and the Dataset call (see ``docs/research-recipes.md``).

* :mod:`~synthdefect.recipes.presets`: the registry of named recipes (``PRESETS``);
* :mod:`~synthdefect.recipes.draem`: DRAEM's recipe, :class:`SyntheticAnomaly`;
* :mod:`~synthdefect.recipes.research`: CutPaste, NSA, MemSeg, GLASS, DeSTSeg;
* :mod:`~synthdefect.recipes.cutout`, :mod:`~synthdefect.recipes.intensity_disc`: shape families;
* :mod:`~synthdefect.recipes.fractal`: FractalAD's fractal patches;
* :mod:`~synthdefect.recipes.fpi`: Foreign Patch Interpolation (a soft target);
* :mod:`~synthdefect.recipes.external`: anomalies made elsewhere, from a folder of pairs;
* :mod:`~synthdefect.recipes.mixture`: presets mixed with weights (``"a+b"``, ``"a:2+b"``);
* :mod:`~synthdefect.recipes.files`: recipe specs and files (:func:`load_recipe`,
  :func:`save_recipe`), with :mod:`~synthdefect.recipes.imports` for ``module:attribute``;
* :mod:`~synthdefect.recipes.replay`: :func:`recipe_from_record`, :func:`replay`;
* :mod:`~synthdefect.recipes.foreground`: :func:`load_foreground`, :func:`restricted`;
* :mod:`~synthdefect.recipes.inputs`: the files a recipe reads, checked before a run;
* :mod:`~synthdefect.recipes.builder`: :class:`RecipeOptions`.
"""

from synthdefect.recipes.builder import RecipeOptions
from synthdefect.recipes.draem import DRAEM_VARIANTS, DraemVariant, SyntheticAnomaly
from synthdefect.recipes.external import external_recipe
from synthdefect.recipes.files import RECIPE_SUFFIXES, RecipeSpec, load_recipe, save_recipe
from synthdefect.recipes.foreground import load_foreground, restricted
from synthdefect.recipes.inputs import check_inputs, mask_folders, skipped_textures, texture_sources
from synthdefect.recipes.mixture import mixture_recipe, parse_mixture
from synthdefect.recipes.presets import (
    DEFAULT_PRESET,
    PRESETS,
    Preset,
    family_preset,
    family_table,
    get_preset,
    is_preset,
    make_recipe,
    preset_families,
    register_preset,
)
from synthdefect.recipes.replay import recipe_from_record, replay
from synthdefect.recipes.research import GLASS_OPS, RECIPES, research_recipe

__all__ = [
    "DEFAULT_PRESET",
    "DRAEM_VARIANTS",
    "GLASS_OPS",
    "PRESETS",
    "RECIPES",
    "RECIPE_SUFFIXES",
    "DraemVariant",
    "Preset",
    "RecipeOptions",
    "RecipeSpec",
    "SyntheticAnomaly",
    "check_inputs",
    "external_recipe",
    "family_preset",
    "family_table",
    "get_preset",
    "is_preset",
    "load_foreground",
    "load_recipe",
    "make_recipe",
    "mask_folders",
    "mixture_recipe",
    "parse_mixture",
    "preset_families",
    "recipe_from_record",
    "register_preset",
    "replay",
    "research_recipe",
    "restricted",
    "save_recipe",
    "skipped_textures",
    "texture_sources",
]
