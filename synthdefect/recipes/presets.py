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
  (:mod:`synthdefect.recipes.intensity_disc`): the simple shape families ASBench compares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthdefect.recipes.cutout import cutout_recipe
from synthdefect.recipes.draem import SyntheticAnomaly
from synthdefect.recipes.foreground import restricted
from synthdefect.recipes.intensity_disc import intensity_disc_recipe
from synthdefect.recipes.research import research_recipe
from synthdefect.textures import TextureSpec
from synthdefect.transforms.base import Transform

__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "get_preset", "make_recipe", "register_preset"]

DEFAULT_PRESET = "draem-code"


@dataclass(frozen=True)
class Preset:
    """A named recipe: ``build(textures=None, **overrides)`` makes it (see module doc)."""

    name: str
    build: Callable[..., Transform]
    summary: str


PRESETS: dict[str, Preset] = {}
"""Preset name -> :class:`Preset`, in registration order."""


def register_preset(name: str, build: Callable[..., Transform], summary: str) -> Preset:
    """Add a preset; ``ValueError`` if ``name`` is taken."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a preset name must be a non-empty string, got {name!r}")
    if name in PRESETS:
        raise ValueError(f"preset {name!r} is already registered")
    PRESETS[name] = Preset(name, build, summary)
    return PRESETS[name]


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ValueError`` listing the choices otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None


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


register_preset("cutpaste", _research("cutpaste"), "CutPaste: a jittered patch of the image moved")
register_preset(
    "cutpaste-scar", _research("cutpaste-scar"), "CutPaste-Scar: a thin turned patch moved"
)
register_preset("nsa", _research("nsa"), "NSA: resized patches, Poisson-blended")
register_preset("memseg", _research("memseg"), "MemSeg: texture or shuffled-image anomalies")
register_preset("glass", _research("glass"), "GLASS (image level): Perlin union/intersection")
register_preset("destseg", _research("destseg"), "DeSTSeg: DRAEM's masks, no texture ops")
register_preset("cutout", cutout_recipe, "CutOut: a rectangle filled with one colour")
register_preset(
    "intensity-disc", intensity_disc_recipe, "a disc made brighter or darker (ASBench's FPI)"
)
