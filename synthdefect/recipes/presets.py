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
* ``cutpaste``, ``cutpaste-scar``, ``nsa``, ``memseg``, ``glass``, ``destseg``: the research
  recipes of :mod:`synthdefect.recipes.research` (sources in ``docs/research-recipes.md``);
* ``cutout`` (:mod:`synthdefect.recipes.cutout`), ``intensity-disc``
  (:mod:`synthdefect.recipes.intensity_disc`): the simple shape families ASBench compares;
* ``fractal`` (:mod:`synthdefect.recipes.fractal`): FractalAD's fractal-shaped patches.
* ``fpi`` (:mod:`synthdefect.recipes.fpi`): Foreign Patch Interpolation, with a soft target.
"""

from __future__ import annotations

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
from synthdefect.recipes.mixture import MIX_SEPARATOR, is_mixture, mixture_recipe, parse_mixture
from synthdefect.recipes.research import research_recipe
from synthdefect.textures import TextureSpec
from synthdefect.transforms.base import Transform

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "Preset",
    "get_preset",
    "is_preset",
    "make_recipe",
    "register_preset",
]

DEFAULT_PRESET = "draem-code"


@dataclass(frozen=True)
class Preset:
    """A named recipe: ``build(textures=None, **overrides)`` makes it (see module doc);
    ``takes_textures`` is false for a recipe that refuses textures (it makes its own)."""

    name: str
    build: Callable[..., Transform]
    summary: str
    takes_textures: bool = True


PRESETS: dict[str, Preset] = {}
"""Preset name -> :class:`Preset`, in registration order."""


def register_preset(
    name: str, build: Callable[..., Transform], summary: str, takes_textures: bool = True
) -> Preset:
    """Add a preset; ``ValueError`` if ``name`` is taken or holds the mixture signs ``+``, ``:``."""
    if not isinstance(name, str) or not name or MIX_SEPARATOR in name or ":" in name:
        raise ValueError(f"a preset name must be a non-empty string without + or :, got {name!r}")
    if name in PRESETS:
        raise ValueError(f"preset {name!r} is already registered")
    PRESETS[name] = Preset(name, build, summary, takes_textures)
    return PRESETS[name]


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
    """Preset ``name``'s recipe as a mixture's branch: every sample anomalous."""
    preset = PRESETS[name]
    return preset.build(textures=textures if preset.takes_textures else None, p_anomaly=1.0)


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
    return restricted(get_preset(preset).build(textures=textures, **overrides), foreground)


def _draem(variant: str) -> Callable[..., Transform]:
    def build(textures: TextureSpec = None, **overrides: Any) -> Transform:
        return SyntheticAnomaly(variant, textures, **overrides)

    return build


register_preset("draem-code", _draem("draem-code"), "DRAEM, as its released training code")
register_preset("paper", _draem("paper"), "DRAEM, as its ICCV 2021 paper describes it")


def _research(name: str) -> Callable[..., Transform]:
    def build(textures: TextureSpec = None, **overrides: Any) -> Transform:
        return research_recipe(name, textures, **overrides)

    return build


register_preset(
    "cutpaste", _research("cutpaste"), "CutPaste: a jittered patch of the image moved", False
)
register_preset(
    "cutpaste-scar", _research("cutpaste-scar"), "CutPaste-Scar: a thin turned patch moved", False
)
register_preset("nsa", _research("nsa"), "NSA: resized patches, Poisson-blended")
register_preset("memseg", _research("memseg"), "MemSeg: texture or shuffled-image anomalies")
register_preset("glass", _research("glass"), "GLASS (image level): Perlin union/intersection")
register_preset("destseg", _research("destseg"), "DeSTSeg: DRAEM's masks, no texture ops")
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
    "fpi", fpi_recipe, "FPI: a patch of another image interpolated, soft target (alpha)"
)
register_preset(
    "mix",
    partial(_mixture, "draem-code+cutpaste+nsa", name="mix"),
    "a third each of draem-code, cutpaste and nsa",
)
