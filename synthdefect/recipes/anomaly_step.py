"""The shape every recipe but DRAEM's shares: ``Compose([("anomaly", RandomApply(steps,
p=p_anomaly))], name=...)``, and the refusal of textures by a recipe that takes none."""

from __future__ import annotations

from synthdefect.textures import TextureSpec, parse_textures
from synthdefect.transforms.base import Compose, RandomApply, Transform
from synthdefect.transforms.ranges import number_setting

__all__ = ["DEFAULT_P_ANOMALY", "anomaly_recipe", "refuse_textures"]

DEFAULT_P_ANOMALY = 0.5
"""Probability that a sample gets a defect, for every preset (DRAEM's 0.5)."""


def anomaly_recipe(
    name: str, steps: list[tuple[str, Transform]], p_anomaly: float | None
) -> Compose:
    """The recipe ``name`` making an anomaly with ``steps`` with probability ``p_anomaly`` in
    [0, 1] (``None``: :data:`DEFAULT_P_ANOMALY`); ``ValueError`` otherwise (a bool or a string
    too)."""
    p_anomaly = (
        DEFAULT_P_ANOMALY if p_anomaly is None else number_setting("p_anomaly", p_anomaly, 0, 1)
    )
    return Compose([("anomaly", RandomApply(Compose(steps), p=p_anomaly))], name=name)


def refuse_textures(name: str, textures: TextureSpec, reason: str) -> None:
    """``ValueError`` for textures given to the recipe ``name``, which ``reason`` (e.g. "cuts
    its patches from the image itself") and takes none; the default is no choice."""
    if not parse_textures(textures).default:
        raise ValueError(f"the {name} recipe {reason} and takes no textures")
