"""Anomalies made elsewhere (AnomalyDiffusion, RealNet, ... outputs) as a recipe, to mix with
synthdefect's families and evaluate like them.

``Compose([("anomaly", RandomApply(Compose([pairs]), p=p_anomaly))], name="external")``, with
``pairs`` an :class:`~synthdefect.transforms.external.ExternalAnomaly` over the folder: a sample
with an anomaly is a pair of the folder (image and mask resized to the normal image's size), the
others are the normal image. From the command line: ``--recipe
synthdefect.recipes.external:external_recipe --textures FOLDER``.
"""

from __future__ import annotations

from synthdefect.recipes.anomaly_step import anomaly_recipe
from synthdefect.textures import TextureSpec, parse_textures
from synthdefect.transforms.base import Compose
from synthdefect.transforms.external import ExternalAnomaly

__all__ = ["external_recipe"]


def external_recipe(textures: TextureSpec = None, *, p_anomaly: float | None = None) -> Compose:
    """The recipe of the pairs in the folder ``textures`` (see module doc; the MVTec AD layout or
    pairs by name, :class:`~synthdefect.files.anomaly_pairs.AnomalyPairs`) making an anomaly
    with probability ``p_anomaly`` (default 0.5, as every preset). ``ValueError`` in one line
    when ``textures`` is no folder, or for a folder whose pairs are incomplete or mismatched."""
    given = parse_textures(textures)
    if given.kind != "folder":
        raise ValueError(
            "the external recipe draws (image, mask) pairs from a folder: give the folder "
            "(--textures DIR)"
        )
    return anomaly_recipe("external", [("pairs", ExternalAnomaly(given.value))], p_anomaly)
