"""TextureSample: pick the anomaly-source texture for a sample (DRAEM's "A").

Record: ``{"index": int, "name": str, "crop": [fy, fx] | None}``. ``index`` is uniform over the
source, ``name`` is the source's id for it (checked again on replay, so that a record replayed
against different textures fails loudly), ``crop`` the window offsets of the crop policy.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from synthdefect.io import to_uint8
from synthdefect.sample import Sample
from synthdefect.textures import SelfSource, TextureSpec, as_texture_source
from synthdefect.transforms.base import Transform

__all__ = ["TextureSample"]

ResizePolicy = Literal["resize", "crop"]


class TextureSample(Transform):
    """Set ``sample.texture``: an HWC ``uint8`` texture of the sample image's size and channels.

    ``source`` is anything :func:`~synthdefect.textures.as_texture_source` accepts (default:
    procedural textures). ``resize`` is the policy for file/array textures: ``"resize"`` (DRAEM:
    whole image resized, aspect ignored) or ``"crop"`` (a random window, see
    :mod:`synthdefect.textures.fit`). With ``source="self"`` the texture is the sample's normal
    image (floats in [0, 1] scaled by 255 and rounded).
    """

    def __init__(self, source: TextureSpec = None, resize: ResizePolicy = "resize") -> None:
        if resize not in ("resize", "crop"):
            raise ValueError(f"resize must be 'resize' or 'crop', got {resize!r}")
        self.source = as_texture_source(source)
        self.resize = resize

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        if isinstance(self.source, SelfSource):
            return {"index": 0, "name": "self", "crop": None}
        index = int(rng.integers(len(self.source)))
        crop = [float(rng.random()), float(rng.random())] if self.resize == "crop" else None
        return {"index": index, "name": self.source.name(index), "crop": crop}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        height, width, channels = sample.image.shape
        if isinstance(self.source, SelfSource):
            return sample.evolve(texture=to_uint8(sample.normal).copy())
        index = params["index"]
        name = self.source.name(index)
        if name != params["name"]:
            raise ValueError(
                f"record names texture {params['name']!r} but index {index} of this source is "
                f"{name!r}: replay with the texture source the record was made with"
            )
        crop = None if params["crop"] is None else tuple(params["crop"])
        texture = self.source.load(index, height, width, channels, crop=crop)
        return sample.evolve(texture=texture)
