"""Recipes as files, objects and records: load a recipe, save it, replay a sample from its
record alone.

A *recipe spec* (what ``--recipe``, ``--preset`` and the Dataset's ``transform=`` accept, see
:func:`load_recipe`) is a preset name, a recipe file (JSON, or TOML on Python 3.11+) holding a
recipe's description (``recipe.describe()``, as :func:`save_recipe` writes it) or a preset with
overrides (``{"preset": "paper", "p_anomaly": 1.0}``), ``module:attribute`` or
``path/to/file.py:attribute`` naming a :class:`~synthdefect.transforms.Transform` (or a factory
``f(textures=None)`` returning one), or a Transform itself.

A record (``AnomalyResult.params``, a Dataset item's ``params`` or the ``params`` of a manifest
line) names every transform of its recipe with its settings (see
:mod:`synthdefect.transforms.records`), so it rebuilds the recipe without the code that made it.
What a record names but does not hold, such as the user's texture files, is passed again as an
input (``textures=``); a different texture set fails loudly on the first texture name that
differs.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from synthdefect.mask_folder import MaskFolder
from synthdefect.outputs import OutputError, inside
from synthdefect.presets import DEFAULT_PRESET, PRESETS, make_recipe
from synthdefect.sample import AnomalyResult
from synthdefect.transforms.base import Transform
from synthdefect.transforms.foreground import Foreground
from synthdefect.transforms.records import RecordError, transform_from_record, walk_records
from synthdefect.transforms.texture import USER_TEXTURES

__all__ = [
    "RecipeSpec",
    "choose_recipe",
    "load_foreground",
    "load_recipe",
    "recipe_from_record",
    "replay",
    "save_recipe",
]

RecipeSpec = Transform | str | os.PathLike
"""A preset name, a recipe file, ``module:attribute``, or a Transform (see module doc)."""

RECIPE_SUFFIXES = (".json", ".toml")


def _loaded(record: Any) -> Any:
    """``record`` itself, or parsed when it is JSON text."""
    if not isinstance(record, (str, bytes)):
        return record
    try:
        return json.loads(record)
    except ValueError as err:
        raise RecordError(f"not a JSON record: {err}") from None


def _as_record(record: Any) -> Any:
    """A record from a record, a JSON string, or a manifest line (dict or JSON) holding one."""
    record = _loaded(record)
    if isinstance(record, Mapping) and "type" not in record and "params" in record:
        return record["params"]  # a manifest line
    if not isinstance(record, Mapping):
        raise RecordError(f"a record must be a dict or its JSON, got {record!r}")
    return record


def recipe_from_record(record: Any, textures: Any = None, **inputs: Any) -> Transform:
    """The recipe that made ``record`` (a record, its JSON or a manifest line).

    ``textures``: the texture source the record's user-texture steps drew from (a folder,
    glob, list or arrays); not needed for procedural or ``"self"`` textures. ``inputs``: further
    inputs that custom transforms name. Raises :class:`RecordError` (a ``ValueError``).
    """
    return transform_from_record(_as_record(record), {"textures": textures, **inputs})


def replay(
    record: Any, image: Any, textures: Any = None, source: str | None = None, **inputs: Any
) -> AnomalyResult:
    """Re-make the sample ``record`` describes from its normal ``image`` (numpy, torch or PIL).

    Same as ``recipe_from_record(record, textures, **inputs).replay(image, record, source)``;
    ``source`` (the image's file name, for a foreground from a folder of masks) defaults to a
    manifest line's ``source``.
    """
    line = _loaded(record)
    if source is None and isinstance(line, Mapping) and "type" not in line:
        source = line.get("source")
    record = _as_record(line)
    return recipe_from_record(record, textures, **inputs).replay(image, record, source)


def load_recipe(spec: RecipeSpec, textures: Any = None) -> Transform:
    """The recipe ``spec`` names (see module doc); ``ValueError`` in one line when it cannot.

    ``textures`` is the texture input: given to presets and factories, and to the user-texture
    steps of recipe files (``"source": "textures"``). A ready Transform chooses its own textures,
    so ``textures`` must be ``None`` (or ``"procedural"``, the default) with one.
    """
    if isinstance(spec, Transform):
        return _ready(spec, textures, repr(type(spec).__name__))
    if isinstance(spec, os.PathLike) or (
        isinstance(spec, str) and spec.lower().endswith(RECIPE_SUFFIXES)
    ):
        return _from_file(Path(spec), textures)
    if not isinstance(spec, str):
        raise TypeError(f"a recipe is a preset name, file, module:attribute or Transform: {spec!r}")
    if spec in PRESETS:
        return make_recipe(spec, textures=textures)
    if ":" in spec:
        return _from_attribute(spec, textures)
    raise ValueError(
        f"unknown recipe {spec!r}: expected a preset ({', '.join(PRESETS)}), a .json/.toml "
        "recipe file or module:attribute"
    )


def choose_recipe(
    preset: str | None = None,
    recipe: RecipeSpec | None = None,
    textures: Any = "procedural",
    p_anomaly: float | None = None,
    foreground: Any = None,
) -> Transform:
    """The recipe of the shared options ``--preset``, ``--recipe``, ``--textures``,
    ``--foreground`` (and ``--p-anomaly``): ``recipe`` if given (then ``preset`` and
    ``p_anomaly`` must be ``None``), else ``preset`` (default ``draem-code``), restricted to
    ``foreground`` when given (see :func:`load_foreground`). ``ValueError`` in one line
    otherwise."""
    if recipe is not None:
        if preset is not None:
            raise ValueError("give a preset or a recipe, not both")
        if p_anomaly is not None:
            raise ValueError("p_anomaly applies to presets; a recipe sets its own probabilities")
        chosen = load_recipe(recipe, textures)
    else:
        chosen = make_recipe(preset or DEFAULT_PRESET, textures=textures, p_anomaly=p_anomaly)
    if foreground is None:
        return chosen
    return Foreground(chosen, load_foreground(foreground))


def load_foreground(spec: Any) -> Any:
    """A foreground source for :class:`~synthdefect.transforms.foreground.Foreground`:
    ``"auto"``, a :class:`~synthdefect.mask_folder.MaskFolder` or a callable as they are, a
    folder path (a folder of masks, one per normal image), ``"module:attribute"`` /
    ``"file.py:attribute"`` naming a callable ``fn(image) -> mask``. ``ValueError`` otherwise."""
    if spec == "auto" or callable(spec) or isinstance(spec, MaskFolder):
        return spec
    if isinstance(spec, (str, os.PathLike)) and Path(spec).is_dir():
        return MaskFolder(spec)
    if isinstance(spec, str) and ":" in spec:
        value = _attribute(spec, "foreground")
        if callable(value):
            return value
        raise ValueError(f"foreground {spec!r} is not callable")
    raise ValueError(
        f"foreground must be 'auto', a folder of masks or module:attribute of a callable, got "
        f"{spec!r}"
    )


def save_recipe(recipe: Transform, path: str | os.PathLike) -> Path:
    """Write ``recipe``'s description as a JSON recipe file that :func:`load_recipe` reads.

    A folder the recipe names (a ``Foreground``'s masks) is written relative to the file's
    folder; ``ValueError`` when it lies outside (pass such masks with ``foreground=`` /
    ``--foreground`` instead), since recipe files never name paths outside their folder.
    """
    path = Path(path)
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


def _ready(recipe: Transform, textures: Any, what: str) -> Transform:
    if textures not in (None, "procedural"):
        raise ValueError(
            f"the recipe {what} is a ready transform with its own textures; textures= "
            "applies to presets, recipe files and factories"
        )
    return recipe


def _from_file(path: Path, textures: Any) -> Transform:
    if not path.is_file():
        raise ValueError(f"recipe file not found: {path}")
    text = path.read_text()
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
    if isinstance(data, Mapping) and "preset" in data and "type" not in data:
        overrides = {k: v for k, v in data.items() if k != "preset"}
        try:
            return make_recipe(data["preset"], textures=textures, **overrides)
        except TypeError as err:
            raise ValueError(f"{path}: {err}") from None
    try:
        return recipe_from_record(_paths_within(data, path), textures)
    except (RecordError, OutputError) as err:
        raise ValueError(f"{path}: {err}") from None


def _paths_within(description: Any, path: Path) -> Any:
    """A copy of a recipe file's ``description`` whose folder paths (a ``TextureSample``'s
    source folder, a ``Foreground``'s mask folder) are relative to the recipe file's folder;
    :class:`OutputError` for one that leaves it (absolute, ``..``): inputs from outside come from
    the command line (``--textures``, ``--foreground``), so a recipe file moves with its folder."""
    description = copy.deepcopy(description)
    for where, record, key, value in _folder_paths(description):
        where = f"{where or 'recipe'}.settings.{key}"
        record["settings"][key] = str(inside(path.parent, value, where))
    return description


def _folder_paths(description: Any) -> Iterator[tuple[str, dict[str, Any], str, str]]:
    """``(where, record, key, path)`` of every folder path a recipe description holds: a
    ``TextureSample``'s source (unless a keyword) and a ``Foreground``'s mask folder."""
    for where, record in walk_records(description):
        settings = record.get("settings")
        if not isinstance(settings, dict):
            continue
        if record.get("type") == "TextureSample":
            key = "source"
        elif record.get("type") == "Foreground" and settings.get("source") == "masks":
            key = "folder"
        else:
            continue
        value = settings.get(key)
        keyword = value in ("procedural", "self", USER_TEXTURES) or str(value).startswith(
            "procedural:"
        )
        if isinstance(value, str) and not (key == "source" and keyword):
            yield where, record, key, value


def _attribute(spec: str, what: str) -> Any:
    """The object ``module:attribute`` or ``file.py:attribute`` names; ``ValueError`` if none."""
    module_name, _, attribute = spec.rpartition(":")
    try:
        if module_name.endswith(".py"):
            module = _module_from_file(Path(module_name))
        else:
            module = importlib.import_module(module_name)
    except (ImportError, OSError) as err:
        raise ValueError(f"{what} {spec!r}: cannot import {module_name}: {err}") from None
    except Exception as err:  # user code: whatever it raises is the user's problem to see
        raise ValueError(
            f"{what} {spec!r}: importing {module_name} raised {type(err).__name__}: {err}"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"{what} {spec!r}: {module_name} has no attribute {attribute!r}") from None


def _from_attribute(spec: str, textures: Any) -> Transform:
    value = _attribute(spec, "recipe")
    if isinstance(value, Transform):
        return _ready(value, textures, spec)
    if callable(value):
        try:
            recipe = value() if textures is None else value(textures=textures)
        except Exception as err:  # user code
            raise ValueError(
                f"recipe {spec!r}: the factory raised {type(err).__name__}: {err}"
            ) from None
        if isinstance(recipe, Transform):
            return recipe
    raise ValueError(f"recipe {spec!r} is neither a Transform nor a factory returning one")


def _module_from_file(path: Path) -> Any:
    """Import a Python file as the module named after it.

    Its folder is appended to ``sys.path``, which worker processes inherit: they can then
    unpickle a recipe made of classes defined in the file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.stem.isidentifier():
        raise ImportError(f"{path.name} is not an importable module name")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)
    module = importlib.import_module(path.stem)
    if Path(module.__file__ or "").resolve() != path.resolve():
        raise ImportError(
            f"another module called {path.stem!r} comes first ({module.__file__}); rename the file"
        )
    return module
