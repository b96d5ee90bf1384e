"""Mixtures: each anomalous sample made by one of several presets, picked with given weights.

A mixture spec names presets joined by ``+``, each with an optional weight after ``:``:
``"draem-code+cutpaste+nsa"`` (equal chances), ``"draem-code:2+cutpaste:1"`` (two to one). It is
accepted wherever a preset name is (``--preset``, ``make_recipe``, a recipe file's ``"preset"``).
The recipe is ``Compose([("anomaly", RandomApply(Compose([("choice", RandomChoice(branches,
p=weights))]), p=p_anomaly))], name=spec)``: each branch is its preset's whole recipe built with
``p_anomaly=1`` (and the textures, for a preset that takes them), so a sample's record names the
branch that made it (``params.choice`` of the ``RandomChoice``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from synthdefect.recipes.anomaly_step import anomaly_recipe
from synthdefect.textures import TextureSpec
from synthdefect.transforms.base import Compose, Transform
from synthdefect.transforms.choice import RandomChoice

__all__ = ["MIX_SEPARATOR", "is_mixture", "mixture_recipe", "parse_mixture"]

MIX_SEPARATOR = "+"
WEIGHT_SEPARATOR = ":"


def is_mixture(spec: object) -> bool:
    """Whether ``spec`` is written as a mixture (holds ``+``); see :func:`parse_mixture`."""
    return isinstance(spec, str) and MIX_SEPARATOR in spec


def parse_mixture(spec: str, known: Callable[[str], bool]) -> list[tuple[str, float]]:
    """``[(preset, probability), ...]`` of a mixture spec (see module doc), probabilities
    summing to 1; ``ValueError`` in one line for an unknown or repeated preset (``known`` tells
    the registered names), a malformed or non-positive weight, or fewer than two parts."""
    parts: list[tuple[str, float]] = []
    for part in spec.split(MIX_SEPARATOR):
        name, _, weight_text = part.strip().partition(WEIGHT_SEPARATOR)
        name = name.strip()
        try:
            weight = float(weight_text) if weight_text else 1.0
        except ValueError:
            raise ValueError(f"mixture {spec!r}: weight {weight_text!r} is not a number") from None
        if not (math.isfinite(weight) and weight > 0):
            raise ValueError(f"mixture {spec!r}: weights must be > 0, got {weight_text!r}")
        if not known(name):
            raise ValueError(f"mixture {spec!r}: unknown preset {name!r}")
        parts.append((name, weight))
    names = [name for name, _ in parts]
    if len(parts) < 2 or len(set(names)) != len(names):
        raise ValueError(f"mixture {spec!r}: name two or more different presets, e.g. a+b")
    total = sum(weight for _, weight in parts)
    if not math.isfinite(total) or min(w for _, w in parts) / total == 0.0:
        raise ValueError(
            f"mixture {spec!r}: weights too far apart (or too large) to make probabilities"
        )
    return [(name, weight / total) for name, weight in parts]


def mixture_recipe(
    spec: str,
    branches: Callable[[str, TextureSpec], Transform],
    known: Callable[[str], bool],
    textures: TextureSpec = None,
    *,
    p_anomaly: float | None = None,
    name: str | None = None,
) -> Compose:
    """The mixture ``spec`` (see module doc), called ``name`` (default: ``spec``);
    ``branches(name, textures)`` builds a preset's whole recipe with every sample anomalous."""
    parts = parse_mixture(spec, known)
    choice = RandomChoice(
        [(name, branches(name, textures)) for name, _ in parts], p=[p for _, p in parts]
    )
    return anomaly_recipe(name or spec, [("choice", choice)], p_anomaly)
