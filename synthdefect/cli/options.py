"""Options shared by commands, declared once.

:func:`recipe_options` adds ``--preset``, ``--recipe``, ``--textures`` and ``--foreground``
(what :class:`synthdefect.recipes.RecipeOptions` holds); ``generate``, ``preview`` and ``train``
use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from synthdefect.recipes import DEFAULT_PRESET, PRESETS, get_preset

__all__ = ["PresetName", "not_nan", "recipe_options"]


def not_nan(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Option callback refusing NaN, which passes every ``click.FloatRange`` comparison."""
    if value is not None and value != value:
        raise click.BadParameter("nan is not a number", ctx=ctx, param=param)
    return value


class PresetName(click.ParamType):
    """A preset, or a mixture of presets (``a+b``, ``a:2+b``); click's usage error otherwise."""

    name = "preset"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(PRESETS) + "|A+B[:W]...]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            get_preset(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)
        return value


_RECIPE_OPTIONS = [
    click.option(
        "--preset",
        type=PresetName(),
        default=None,
        help=f"Named recipe, or a mixture such as draem-code+cutpaste (weights: draem-code:2+"
        f"cutpaste:1). Default: {DEFAULT_PRESET} (unless --recipe).",
    ),
    click.option(
        "--recipe",
        metavar="FILE|MODULE:ATTR",
        default=None,
        help="A recipe file (.json, .toml) or a Python recipe (module:attribute or "
        "file.py:attribute) instead of --preset. See docs/building-recipes.md.",
    ),
    click.option(
        "--textures",
        default="procedural",
        show_default=True,
        metavar="DIR|GLOB|FILE|procedural[:KINDS]|self",
        help="Anomaly textures of the preset or recipe file: a folder of images (e.g. DTD), a "
        "glob, one image, procedural noise (procedural:noise,cracks for some kinds), or the "
        "normal image itself.",
    ),
    click.option(
        "--foreground",
        metavar="auto|DIR|MODULE:ATTR",
        default=None,
        help="Put defects only on the object: auto (per-image estimate, for objects on a plain "
        "background), a folder of masks (<name>.png or <name>_mask.png per normal image, "
        "foreground >= 128) or a callable fn(image) -> mask (module:attribute or "
        "file.py:attribute). See docs/research-recipes.md.",
    ),
]


def recipe_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the recipe options, passed as ``preset``, ``recipe``, ``textures`` and
    ``foreground``."""
    for option in reversed(_RECIPE_OPTIONS):
        command = option(command)
    return command
