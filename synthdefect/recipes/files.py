"""Recipes as specs and files: :func:`load_recipe` turns a recipe spec into a recipe,
:func:`save_recipe` writes one as a file that :func:`load_recipe` reads back.

A *recipe spec* (what ``--recipe``, ``--preset`` and the Dataset's ``transform=`` accept) is a
preset name, a recipe file (JSON, or TOML on Python 3.11+) holding a recipe's description
(``recipe.describe()``, as :func:`save_recipe` writes it) or a preset with overrides
(``{"preset": "paper", "p_anomaly": 1.0}``), ``module:attribute`` or
``path/to/file.py:attribute`` naming a :class:`~synthdefect.transforms.Transform` (or a factory
``f(textures=None)`` returning one), or a Transform itself.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from synthdefect.outputs import OutputError, inside
from synthdefect.recipes.imports import named_attribute
from synthdefect.recipes.mixture import is_mixture
from synthdefect.recipes.presets import PRESETS, is_preset, make_recipe
from synthdefect.recipes.replay import recipe_from_record
from synthdefect.textures import TextureSpec, parse_textures
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import RecordError, walk_records
from synthdefect.transforms.texture import USER_TEXTURES

__all__ = ["RECIPE_SUFFIXES", "RecipeSpec", "load_recipe", "save_recipe"]

RecipeSpec = Transform | str | os.PathLike
"""A preset name, a recipe file, ``module:attribute``, or a Transform (see module doc)."""

RECIPE_SUFFIXES = (".json", ".toml")


def load_recipe(spec: RecipeSpec, textures: TextureSpec = None) -> Transform:
    """The recipe ``spec`` names (see module doc); ``ValueError`` in one line when it cannot.

    ``textures`` is the texture input: given to presets and factories, and to the user-texture
    steps of recipe files (``"source": "textures"``). A ready Transform chooses its own textures,
    so ``textures`` must name the default (``None`` or ``"procedural"``) with one.
    """
    if isinstance(spec, Transform):
        return _ready(spec, textures, repr(type(spec).__name__))
    if isinstance(spec, os.PathLike) or (
        isinstance(spec, str) and spec.lower().endswith(RECIPE_SUFFIXES)
    ):
        return _from_file(Path(spec), textures)
    if not isinstance(spec, str):
        raise TypeError(f"a recipe is a preset name, file, module:attribute or Transform: {spec!r}")
    if is_preset(spec) or is_mixture(spec):  # a bad mixture's own error, not an import's
        return make_recipe(spec, textures=textures)
    if ":" in spec:
        return _from_attribute(spec, textures)
    raise ValueError(
        f"unknown recipe {spec!r}: expected a preset ({', '.join(PRESETS)}), a .json/.toml "
        "recipe file or module:attribute"
    )


def save_recipe(recipe: Transform, path: str | os.PathLike) -> Path:
    """Write ``recipe``'s description as a JSON recipe file that :func:`load_recipe` reads.

    A folder the recipe names (a ``Foreground``'s masks, an ``ExternalAnomaly``'s pairs) is
    written relative to the file's folder; ``ValueError`` when it lies outside (pass such masks
    with ``foreground=`` / ``--foreground`` instead), since recipe files never name paths outside
    their folder. The name must end in ``.json`` (TOML recipe files are read, not written).
    """
    if not isinstance(recipe, Transform):
        raise TypeError(f"save_recipe needs a Transform, got {type(recipe).__name__} {recipe!r}")
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise ValueError(
            f"save_recipe writes JSON: name the file .json, got {path.name!r} (TOML recipe "
            "files are read, not written)"
        )
    description = recipe.describe()
    for where, record, key, value in _folder_paths(description):
        folder = Path(value).resolve()
        if not folder.is_relative_to(path.parent.resolve()):
            raise ValueError(
                f"{where or 'recipe'}: the folder {value} lies outside {path.parent}, and a recipe "
                "file names no path outside its folder: give it with --foreground instead"
            )
        record["settings"][key] = folder.relative_to(path.parent.resolve()).as_posix()
    path.write_text(json.dumps(description, indent=2) + "\n")
    return path


def _ready(recipe: Transform, textures: TextureSpec, what: str) -> Transform:
    if not parse_textures(textures).default:
        raise ValueError(
            f"the recipe {what} is a ready transform with its own textures; textures= "
            "applies to presets, recipe files and factories"
        )
    return recipe


def _from_file(path: Path, textures: TextureSpec) -> Transform:
    if not path.is_file():
        raise ValueError(f"recipe file not found: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}: not a valid recipe file: not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None
    try:
        if path.suffix.lower() == ".toml":
            if sys.version_info < (3, 11):
                raise ValueError(
                    f"{path}: TOML recipe files need Python 3.11+ (tomllib); use JSON here"
                )
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path}: not a valid recipe file: {err}") from None
    except RecursionError:
        raise ValueError(f"{path}: not a valid recipe file: nested too deeply") from None
    if isinstance(data, Mapping) and "preset" in data and "type" not in data:
        overrides = {k: v for k, v in data.items() if k != "preset"}
        if "textures" in overrides:
            raise ValueError(
                f"{path}: a recipe file names no textures: give them with --textures "
                "(textures= in the API)"
            )
        try:
            return make_recipe(data["preset"], textures=textures, **overrides)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: preset {data['preset']!r} with {overrides}: {err}") from None
    try:
        return recipe_from_record(_paths_within(data, path), textures)
    except (RecordError, OutputError) as err:
        raise ValueError(f"{path}: {err}") from None
    except RecursionError:
        raise ValueError(f"{path}: a recipe nested too deeply to rebuild") from None


def _paths_within(description: Any, path: Path) -> Any:
    """A copy of a recipe file's ``description`` whose folder paths (a ``TextureSample``'s
    source folder, a ``Foreground``'s mask folder, an ``ExternalAnomaly``'s pairs) are relative
    to the recipe file's folder; :class:`OutputError` for one that leaves it (absolute, ``..``):
    inputs from outside come from the command line (``--textures``, ``--foreground``), so a
    recipe file moves with its folder."""
    description = copy.deepcopy(description)
    for where, record, key, value in _folder_paths(description):
        where = f"{where or 'recipe'}.settings.{key}"
        record["settings"][key] = str(inside(path.parent, value, where))
    return description


def _folder_paths(description: Any) -> Iterator[tuple[str, dict[str, Any], str, str]]:
    """``(where, record, key, path)`` of every folder path a recipe description holds: a
    ``TextureSample``'s source (unless a keyword), a ``Foreground``'s mask folder and an
    ``ExternalAnomaly``'s folder of pairs."""
    for where, record in walk_records(description):
        settings = record.get("settings")
        if not isinstance(settings, dict):
            continue
        if record.get("type") == "TextureSample":
            key = "source"
        elif (
            record.get("type") == "Foreground" and settings.get("source") == "masks"
        ) or record.get("type") == "ExternalAnomaly":
            key = "folder"
        else:
            continue
        value = settings.get(key)
        if not isinstance(value, str):
            continue
        if key == "source" and (value == USER_TEXTURES or parse_textures(value).generated):
            continue
        yield where, record, key, value


def _from_attribute(spec: str, textures: TextureSpec) -> Transform:
    value = named_attribute(spec, "recipe")
    if isinstance(value, Transform):
        return _ready(value, textures, spec)
    if callable(value):
        try:
            recipe = value(textures=textures) if parse_textures(textures).given else value()
        except (Exception, SystemExit) as err:  # user code
            raise ValueError(
                f"recipe {spec!r}: the factory raised {type(err).__name__}: {err}"
            ) from None
        if isinstance(recipe, Transform):
            return recipe
    raise ValueError(f"recipe {spec!r} is neither a Transform nor a factory returning one")
