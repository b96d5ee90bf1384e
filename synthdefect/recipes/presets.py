"""The preset registry: every named recipe, as a factory (see ``docs/building-recipes.md``).

A preset is a name, a one-line summary and a factory ``build(textures=None, **overrides)`` that
returns a fresh :class:`~synthdefect.transforms.Transform` (usually a
:class:`~synthdefect.transforms.Compose` with named steps). Overrides left as ``None`` take the
preset's own value; every factory accepts ``textures`` (the anomaly source, see
:func:`~synthdefect.textures.as_texture_source`) and ``p_anomaly`` (probability in [0, 1] that a
sample gets a defect). ``generate``, ``preview``, ``train`` and their ``--preset`` options read
this registry; :func:`register_preset` adds to it.

* ``draem-code`` (default): DRAEM's released training code;
* ``paper``: DRAEM's ICCV 2021 paper (see :data:`~synthdefect.recipes.draem.DRAEM_VARIANTS`);
* ``cutpaste``, ``cutpaste-scar``, ``nsa``, ``nsa-logistic``, ``memseg``, ``glass``,
  ``destseg``: the research recipes of :mod:`synthdefect.recipes.research` (sources in
  ``docs/research-recipes.md``);
* ``cutout`` (:mod:`synthdefect.recipes.cutout`), ``intensity-disc``
  (:mod:`synthdefect.recipes.intensity_disc`): the simple shape families ASBench compares;
* ``fractal`` (:mod:`synthdefect.recipes.fractal`): FractalAD's fractal-shaped patches.
* ``fpi`` (:mod:`synthdefect.recipes.fpi`): Foreign Patch Interpolation, with a soft target.

Each preset belongs to a *family*, the kind of defect it makes (see :func:`family_table`): presets
of one family differ in details, presets of two families in what the defect looks like. A
mixture's families are its parts' (:func:`preset_families`); synthetic validation scores a
model on families it did not train on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from synthdefect.recipes.cutout import cutout_recipe
from synthdefect.recipes.draem import SyntheticAnomaly
from synthdefect.recipes.foreground import restricted
from synthdefect.recipes.fpi import fpi_recipe
from synthdefect.recipes.fractal import fractal_recipe
from synthdefect.recipes.intensity_disc import intensity_disc_recipe
from synthdefect.recipes.mixture import (
    MIX_SEPARATOR,
    WEIGHT_SEPARATOR,
    is_mixture,
    mixture_recipe,
    parse_mixture,
)
from synthdefect.recipes.research import research_recipe
from synthdefect.textures import TextureSpec
from synthdefect.transforms.base import Transform

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "Preset",
    "family_preset",
    "family_table",
    "get_preset",
    "is_preset",
    "make_recipe",
    "preset_families",
    "register_preset",
]

DEFAULT_PRESET = "draem-code"


@dataclass(frozen=True)
class Preset:
    """A named recipe: ``build(textures=None, **overrides)`` makes it (see module doc);
    ``takes_textures`` is false for a recipe that refuses textures (it makes its own);
    ``normal_source`` is true for one whose ``textures`` are the other normal images (nsa,
    fpi: a patch of another normal image), not a texture folder such as DTD;
    ``families``: the kinds of defect it makes (see :func:`preset_families`; empty for a
    mixture spec, whose families are its parts')."""

    name: str
    build: Callable[..., Transform]
    summary: str
    takes_textures: bool = True
    families: tuple[str, ...] = ()
    normal_source: bool = False


PRESETS: dict[str, Preset] = {}
"""Preset name -> :class:`Preset`, in registration order."""


def register_preset(
    name: str,
    build: Callable[..., Transform],
    summary: str,
    takes_textures: bool = True,
    family: str | None = None,
    normal_source: bool = False,
) -> Preset:
    """Add a preset, in ``family`` (default: a family of its own, named ``name``); ``ValueError``
    if ``name`` is taken or holds the mixture signs ``+``, ``:``. ``takes_textures`` and
    ``normal_source``: see :class:`Preset`."""
    family = name if family is None else family
    return _register(Preset(name, build, summary, takes_textures, (family,), normal_source))


def _register(preset: Preset) -> Preset:
    name = preset.name
    if not isinstance(name, str) or not name or MIX_SEPARATOR in name or WEIGHT_SEPARATOR in name:
        raise ValueError(f"a preset name must be a non-empty string without + or :, got {name!r}")
    if name in PRESETS:
        raise ValueError(f"preset {name!r} is already registered")
    PRESETS[name] = preset
    return preset


def preset_families(spec: str) -> tuple[str, ...]:
    """The families of a preset (one; a registered mixture such as ``mix``: its parts') or of a
    mixture spec (its parts', each once, in order); ``ValueError`` for an unknown name."""
    if is_mixture(spec):
        names = [name for name, _ in parse_mixture(spec, PRESETS.__contains__)]
    else:
        names = [get_preset(spec).name]
    return tuple(dict.fromkeys(family for name in names for family in PRESETS[name].families))


def family_table() -> dict[str, list[str]]:
    """Family name -> the presets of that family alone, in registration order (a registered
    mixture such as ``mix`` is in none)."""
    table: dict[str, list[str]] = {}
    for preset in PRESETS.values():
        if len(preset.families) == 1:
            table.setdefault(preset.families[0], []).append(preset.name)
    return table


def family_preset(family: str) -> str:
    """The preset that stands for ``family`` (its first registered); ``ValueError`` if unknown."""
    table = family_table()
    try:
        return table[family][0]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; choose one of {sorted(table)}") from None


def is_preset(name: object) -> bool:
    """Whether ``name`` is a registered preset or a mixture of them (``"a+b"``, ``"a:2+b"``)."""
    if not is_mixture(name):
        return isinstance(name, str) and name in PRESETS
    try:
        parse_mixture(name, PRESETS.__contains__)
    except ValueError:
        return False
    return True


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (or the mixture it spells, see
    :mod:`synthdefect.recipes.mixture`); ``ValueError`` listing the choices otherwise."""
    if is_mixture(name):
        parse_mixture(name, PRESETS.__contains__)  # its own one-line error
        return Preset(name, partial(_mixture, name), f"mixture {name}")
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None


def _branch(name: str, textures: TextureSpec) -> Transform:
    """Preset ``name``'s recipe as a mixture's branch: every sample anomalous; the mixture's
    ``textures`` (a texture folder) only for a branch that takes one, the others keep their
    own source (nsa: the image itself; fpi: the procedural textures)."""
    preset = PRESETS[name]
    texture_folder = preset.takes_textures and not preset.normal_source
    return preset.build(textures=textures if texture_folder else None, p_anomaly=1.0)


def _mixture(spec: str, textures: TextureSpec = None, **overrides: Any) -> Transform:
    return mixture_recipe(spec, _branch, PRESETS.__contains__, textures, **overrides)


def make_recipe(
    preset: str = DEFAULT_PRESET,
    textures: TextureSpec = None,
    foreground: Any = None,
    **overrides: Any,
) -> Transform:
    """A fresh recipe of ``preset``; keyword overrides as its factory accepts them.

    ``foreground``: ``None`` (defects anywhere), or what
    :func:`~synthdefect.recipes.foreground.load_foreground` accepts (``"auto"``, a folder of
    masks, a callable ``fn(image) -> mask``): wraps the recipe in
    :class:`~synthdefect.transforms.foreground.Foreground`.
    """
    build = get_preset(preset).build
    try:
        recipe = build(textures=textures, **overrides)
    except TypeError as err:
        unknown = re.search(r"unexpected keyword argument '(\w+)'", str(err))
        if unknown is None or unknown[1] not in overrides:  # not the caller's setting
            raise
        raise ValueError(f"preset {preset!r} has no setting {unknown[1]!r}") from None
    return restricted(recipe, foreground)


def _draem(variant: str) -> Callable[..., Transform]:
    def build(textures: TextureSpec = None, **overrides: Any) -> Transform:
        return SyntheticAnomaly(variant, textures, **overrides)

    return build


#: The families of the built-in presets: Perlin-shaped masks filled with a texture, patches of
#: the image moved, patches of another image Poisson-blended, solid-colour rectangles, discs
#: made brighter or darker.
PERLIN, PATCH, POISSON = "perlin-texture", "patch", "poisson-patch"

register_preset(
    "draem-code", _draem("draem-code"), "DRAEM, as its released training code", family=PERLIN
)
register_preset(
    "paper", _draem("paper"), "DRAEM, as its ICCV 2021 paper describes it", family=PERLIN
)


def _research(name: str) -> Callable[..., Transform]:
    def build(textures: TextureSpec = None, **overrides: Any) -> Transform:
        return research_recipe(name, textures, **overrides)

    return build


register_preset(
    "cutpaste",
    _research("cutpaste"),
    "CutPaste: a jittered patch of the image moved",
    False,
    family=PATCH,
)
register_preset(
    "cutpaste-scar",
    _research("cutpaste-scar"),
    "CutPaste-Scar: a thin turned patch moved",
    False,
    family=PATCH,
)
register_preset(
    "nsa",
    _research("nsa"),
    "NSA: resized patches, Poisson-blended",
    family=POISSON,
    normal_source=True,
)
register_preset(
    "nsa-logistic",
    _research("nsa-logistic"),
    "NSA with its logistic-intensity targets: soft, by how much each pixel changed",
    family=POISSON,
    normal_source=True,
)
register_preset(
    "memseg", _research("memseg"), "MemSeg: texture or shuffled-image anomalies", family=PERLIN
)
register_preset(
    "glass", _research("glass"), "GLASS (image level): Perlin union/intersection", family=PERLIN
)
register_preset(
    "destseg", _research("destseg"), "DeSTSeg: DRAEM's masks, no texture ops", family=PERLIN
)
register_preset("cutout", cutout_recipe, "CutOut: a rectangle filled with one colour", False)
register_preset(
    "intensity-disc",
    intensity_disc_recipe,
    "a disc made brighter or darker (ASBench's FPI)",
    False,
)
register_preset(
    "fractal", fractal_recipe, "FractalAD: a patch of the image cut out by a fractal", False
)
register_preset(
    "fpi",
    fpi_recipe,
    "FPI: a patch of another image interpolated, soft target (alpha)",
    normal_source=True,
)
_MIX = "draem-code+cutpaste+nsa"
_register(
    Preset(
        "mix",
        partial(_mixture, _MIX, name="mix"),
        "a third each of draem-code, cutpaste and nsa",
        families=preset_families(_MIX),
    )
)
