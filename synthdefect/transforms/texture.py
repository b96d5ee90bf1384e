"""TextureSample: pick the anomaly-source texture for a sample (DRAEM's "A").

Record params: ``{"index": int, "name": str, "crop": [fy, fx] | None}``, plus ``"reduce": k``
(2, 4 or 8) where the texture is decoded at ``1/k`` of its size. ``index`` is uniform over the
source, ``name`` is the source's id for that entry (checked again on replay, so that a record
replayed against different textures fails loudly), ``crop`` the window offsets of the crop
policy. ``reduce`` is what :meth:`~synthdefect.textures.TextureSource.reduction` says for the
entry at the image's size (resize policy: a JPEG file at least twice the image on both axes,
read from its header); records without it (all records before reduced decoding, and those of
textures decoded in full) decode in full, so they replay to the same bytes as before. Drawing
decodes no file: an unreadable file is replaced at load time by the next readable one (see
:mod:`synthdefect.textures.files`), while the record keeps the drawn entry.

The settings name the source without holding it: ``"procedural"`` (or
``"procedural:noise,cracks"``) and ``"self"`` rebuild from the record alone, ``"textures"`` means
user textures (a folder, glob, list or arrays), which a rebuild takes from its ``textures`` input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from synthdefect.files.jpeg import REDUCTIONS
from synthdefect.pixels import to_uint8
from synthdefect.sample import Sample
from synthdefect.textures import SelfSource, TextureSpec, as_texture_source
from synthdefect.textures.procedural import PROCEDURAL_KINDS, ProceduralSource
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    Rebuilder,
    RecordError,
    Schema,
    integer,
    null,
    number,
    one_of,
    optional,
    pair,
    register_transform,
    string,
)

if TYPE_CHECKING:
    from synthdefect.textures.bank import BankKey

__all__ = ["USER_TEXTURES", "TextureSample"]

ResizePolicy = Literal["resize", "crop"]

USER_TEXTURES = "textures"
"""The ``source`` setting of a TextureSample over user textures (given again to rebuild it)."""


def _source_setting(source: Any) -> str:
    if isinstance(source, SelfSource):
        return "self"
    if isinstance(source, ProceduralSource):
        kinds = source.kinds
        return "procedural" if kinds == PROCEDURAL_KINDS else "procedural:" + ",".join(kinds)
    return USER_TEXTURES


@register_transform
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
        if isinstance(source, str) and source == USER_TEXTURES:
            raise ValueError(
                f"source {USER_TEXTURES!r} stands for user textures in records: give the folder, "
                "glob, list or arrays (or rebuild with textures=...)"
            )
        self.source = as_texture_source(source)
        self.resize = resize

    def settings(self) -> dict[str, Any]:
        return {"source": _source_setting(self.source), "resize": self.resize}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        if isinstance(self.source, SelfSource):
            return self.record(index=0, name="self", crop=None)
        index = int(rng.integers(len(self.source)))
        name = self.source.entry_name(index)
        if self.resize == "crop":
            crop = [float(rng.random()), float(rng.random())]
            return self.record(index=index, name=name, crop=crop)
        height, width = sample.image.shape[:2]
        reduce = self.source.reduction(index, height, width)
        if reduce == 1:
            return self.record(index=index, name=name, crop=None)
        return self.record(index=index, name=name, crop=None, reduce=reduce)

    def params_schema(self) -> Schema:
        draws = {"index": integer(0, len(self.source) - 1), "name": string, "crop": null}
        if isinstance(self.source, SelfSource):
            return draws
        if self.resize == "crop":
            return {**draws, "crop": pair(number(0.0, 1.0))}
        return {**draws, "reduce": optional(one_of(*REDUCTIONS))}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        height, width, channels = sample.image.shape
        if isinstance(self.source, SelfSource):
            return sample.evolve(texture=to_uint8(sample.normal).copy())
        return sample.evolve(texture=self._load(draws, height, width, channels))

    def _load(self, draws: Any, height: int, width: int, channels: int) -> np.ndarray:
        """The texture that ``draws`` name, fitted to the image (HWC ``uint8``)."""
        index, _, _, _, reduce = self._key(draws, height, width, channels)
        crop = None if draws["crop"] is None else tuple(draws["crop"])
        return self.source.load(index, height, width, channels, crop=crop, reduce=reduce)

    def _key(self, draws: Any, height: int, width: int, channels: int) -> BankKey:
        """``(index, height, width, channels, reduce)`` of the texture ``draws`` name, once its
        name is checked against the source's."""
        index = draws["index"]
        name = self.source.entry_name(index)
        if name != draws["name"]:
            raise RecordError(
                f"record names texture {draws['name']!r} but index {index} of this source is "
                f"{name!r}: replay with the texture source the record was made with"
            )
        return index, height, width, channels, draws.get("reduce", 1)

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        """Textures of files and arrays fitted by the resize policy come from the device bank
        (:mod:`synthdefect.textures.bank`), loaded on the host the first time only; the others
        are loaded (decoded, fitted) on the host for every batch. What the host loads moves to
        the device in one copy; ``"self"`` converts the normal images on the device."""
        import torch

        from synthdefect.textures.bank import texture_bank

        if isinstance(self.source, SelfSource):
            for record in records:
                self.unpack(record)
            normal = batch.normal
            if normal.dtype != torch.uint8:
                normal = (normal.clamp(0.0, 1.0) * 255.0 + 0.5).to(torch.uint8)
            return batch.evolve(texture=normal.clone())
        channels, height, width = batch.image.shape[1:]
        draws = [self.unpack(record) for record in records]
        bank = None if self.resize == "crop" else texture_bank(self.source, batch.device)
        if bank is None:
            return batch.evolve(texture=self._upload(draws, batch))
        keys = [self._key(drawn, height, width, channels) for drawn in draws]
        textures = [bank.get(key) for key in keys]
        missing = {k: d for k, d, got in zip(keys, draws, textures, strict=True) if got is None}
        if missing:
            loaded = dict(
                zip(missing, self._own_textures(list(missing.values()), batch), strict=True)
            )
            for key, texture in loaded.items():
                bank.put(key, texture)
            textures = [loaded.get(key, got) for key, got in zip(keys, textures, strict=True)]
        return batch.evolve(texture=torch.stack(textures))

    def _upload(self, draws: list[Any], batch: Any) -> Any:
        """The textures ``draws`` name, loaded on the host and moved to ``batch``'s device in
        one copy: ``(len(draws), C, H, W)`` ``uint8``."""
        import torch

        channels, height, width = batch.image.shape[1:]
        stacked = np.empty((len(draws), channels, height, width), np.uint8)
        for b, drawn in enumerate(draws):  # HWC to CHW on the host, one texture at a time
            stacked[b] = self._load(drawn, height, width, channels).transpose(2, 0, 1)
        return torch.from_numpy(stacked).to(batch.device)

    def _own_textures(self, draws: list[Any], batch: Any) -> list[Any]:
        """The textures ``draws`` name, each a ``(C, H, W)`` ``uint8`` tensor in storage of its
        own on ``batch``'s device (for the bank: evicting one frees it)."""
        import torch

        if batch.device.type != "cpu":  # one host-to-device copy, split on the device
            return [row.clone() for row in self._upload(draws, batch)]
        channels, height, width = batch.image.shape[1:]
        return [
            torch.from_numpy(
                np.ascontiguousarray(self._load(drawn, height, width, channels).transpose(2, 0, 1))
            )
            for drawn in draws
        ]

    @classmethod
    def from_parts(
        cls, settings: dict[str, Any], children: dict[str, Transform], rebuild: Rebuilder
    ) -> Any:
        if settings.get("source") == USER_TEXTURES:
            if rebuild.inputs.get("textures") is None:
                raise RecordError(
                    "this TextureSample drew from user textures: pass textures= (the folder, "
                    "glob, list or arrays it was made with)"
                )
            settings["source"] = rebuild.inputs["textures"]
        return cls(**settings)
