"""``Foreground``: keep any recipe's defects on the object.

``Foreground(recipe, "auto")`` works out where the object is (the *foreground*, ``(H, W)`` float32
in {0, 1}) and hands it to ``recipe`` as ``sample.foreground``; the mask transforms cut their
masks to it and redraw masks left empty by the cut, so defects land only on the object. The
foreground comes from:

* ``"auto"``: :func:`~synthdefect.functional.foreground.estimate_foreground` of the normal image
  (Otsu's threshold on the blurred grey image; ``background``, ``threshold``, ``blur_sigma`` and
  ``radius`` tune it). It suits objects on a plain background (MVTec AD bottle, screw, ...),
  not textures that fill the frame;
* a callable ``fn(image) -> mask``: ``image`` the normal HWC ``uint8`` image, ``mask`` an
  ``(H, W)`` array marking the foreground (e.g. a lookup of your own mask files or a
  segmentation model), read as every mask is
  (:func:`~synthdefect.functional.masks.anomalous_pixels`: float >= 0.5, ``uint8`` >= 128, bool).
  It must be deterministic given the image;
* a :class:`~synthdefect.files.MaskFolder`: the user's mask of the image, looked up by
  the sample's ``source`` name (``<stem>.*`` or ``<stem>_mask.*`` in the folder; pass
  ``source=`` when calling the transform on an image; the Dataset, ``generate`` and ``preview``
  pass the file's path).

The foreground is a function of the image (and its name), never drawn: ``make_params`` reads the
image (or the mask file) to compute it, the one transform whose drawing looks at pixels (see
:mod:`synthdefect.transforms.base`), and keeps it beside the record for ``apply``; a replay from
JSON computes it again. Record::

    {"type": "Foreground", "version": 1,
     "settings": {"source": "auto" | "callable" | "masks", ...},
     "params": {"area": fraction of the image in the foreground (, "mask": mask file name)},
     "steps": {"recipe": <the recipe's record>}}

A replay whose foreground area or mask file differs from the record's (another image, mask or
estimator) fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from synthdefect.files.mask_folder import MaskFolder
from synthdefect.functional.foreground import estimate_foreground
from synthdefect.functional.masks import anomalous_pixels
from synthdefect.pixels import to_uint8
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import (
    Rebuilder,
    Record,
    RecordError,
    Schema,
    check_keys,
    derived,
    number,
    qualified_name,
    register_transform,
    string,
)

__all__ = ["Foreground", "ForegroundSource"]

ForegroundSource = str | MaskFolder | Callable[[np.ndarray], Any]

_AREA_DECIMALS = 6


def _recorded(foreground: np.ndarray, mask_name: str | None) -> dict[str, Any]:
    """What a record keeps of a foreground: its area (and mask file)."""
    kept: dict[str, Any] = {"area": round(float(foreground.mean()), _AREA_DECIMALS)}
    if mask_name is not None:
        kept["mask"] = mask_name
    return kept


@register_transform
class Foreground(Transform):
    """Restrict ``transform``'s defects to the foreground of each image (see module doc).

    Args:
        transform: the recipe (any transform whose masks come from the built-in mask transforms).
        source: ``"auto"``, a :class:`~synthdefect.files.MaskFolder` or a callable
            ``fn(image) -> mask``.
        background, threshold, blur_sigma, radius: settings of ``"auto"`` (see
            :func:`~synthdefect.functional.foreground.estimate_foreground`).
    """

    draws_from_pixels = True

    settings_fields = ("background", "threshold", "blur_sigma", "radius")
    children_key = "steps"

    def __init__(
        self,
        transform: Transform,
        source: ForegroundSource = "auto",
        *,
        background: str = "auto",
        threshold: float | None = None,
        blur_sigma: float = 2.0,
        radius: int = 2,
    ) -> None:
        if not isinstance(transform, Transform):
            raise TypeError(f"Foreground needs a Transform, got {transform!r}")
        if not (isinstance(source, MaskFolder) or source == "auto" or callable(source)):
            raise ValueError(
                f"foreground source must be 'auto', a MaskFolder or a callable, got {source!r}"
            )
        self.transform = transform
        self.source = source
        self.background = background
        self.threshold = None if threshold is None else float(threshold)
        self.blur_sigma = float(blur_sigma)
        self.radius = int(radius)
        estimate_foreground(  # validate the settings now rather than on the first sample
            np.zeros((3, 3, 1), np.uint8),
            background=background,
            threshold=threshold,
            blur_sigma=blur_sigma,
            radius=radius,
        )

    def settings(self) -> dict[str, Any]:
        if isinstance(self.source, MaskFolder):
            return {"source": "masks", "folder": str(self.source.folder)}
        if callable(self.source):
            return {"source": "callable", "name": qualified_name(self.source)}
        return {"source": "auto", **super().settings()}

    def params_schema(self) -> Schema:
        masks = isinstance(self.source, MaskFolder)
        return {"area": number(0.0, 1.0), **({"mask": string} if masks else {})}

    def children(self) -> dict[str, Transform]:
        return {"recipe": self.transform}

    def foreground_of(self, image: np.ndarray, source: str | None = None) -> np.ndarray:
        """The foreground of an HWC image (float32 ``(H, W)`` in {0, 1}) whose file is
        ``source`` (needed by a mask folder); deterministic."""
        return self._foreground(image, source)[0]

    def _foreground(self, image: np.ndarray, source: str | None) -> tuple[np.ndarray, str | None]:
        """The foreground and, from a mask folder, the mask file's name."""
        mask_name = None
        if isinstance(self.source, MaskFolder):
            if source is None:
                raise ValueError(
                    f"the foreground masks of {self.source.folder} are looked up by image "
                    "name: pass the image's file name as source="
                )
            mask, mask_name = self.source.mask(source, image.shape[:2])
        elif callable(self.source):
            found = np.asarray(self._call_source(to_uint8(image).copy()))  # not the caller's
            if found.shape != image.shape[:2]:
                raise ValueError(
                    f"the foreground callable returned shape {found.shape} for an image of "
                    f"{image.shape[:2]}"
                )
            if np.issubdtype(found.dtype, np.floating) and found.size:
                low, high = float(found.min()), float(found.max())
                if not 0.0 <= low <= high <= 1.0:  # NaN fails too
                    raise ValueError(
                        f"the foreground callable returned values in [{low:.4g}, {high:.4g}]: "
                        "a float mask holds values in [0, 1] (or return uint8 0/255 or bool)"
                    )
            mask = anomalous_pixels(found).astype(np.float32)
        else:
            mask = estimate_foreground(
                to_uint8(image),
                background=self.background,  # type: ignore[arg-type]
                threshold=self.threshold,
                blur_sigma=self.blur_sigma,
                radius=self.radius,
            )
        if not mask.any():
            raise ValueError(self._empty(mask_name))
        return mask, mask_name

    def _call_source(self, image: np.ndarray) -> Any:
        """The callable's mask of ``image``; what it raises (``sys.exit`` included) becomes a
        one-line ``ValueError``."""
        try:
            return self.source(image)  # type: ignore[operator]
        except SystemExit as error:
            raise ValueError(f"the foreground callable called sys.exit({error.code})") from None
        except Exception as error:
            raise ValueError(
                f"the foreground callable raised {type(error).__name__}: {error}"
            ) from error

    def _empty(self, mask_name: str | None) -> str:
        """The error of an empty foreground from this source."""
        if isinstance(self.source, MaskFolder):
            return (
                f"the foreground mask {mask_name} is empty (no pixel >= 128): no room for a defect"
            )
        if callable(self.source):
            return "the foreground callable marked no pixel: no room for a defect"
        return (
            "the auto foreground finds no object (a uniform image, or one the object fills): no "
            "room for a defect; pass a folder of masks, or no foreground"
        )

    def _found(self, sample: Sample, record: Any) -> tuple[np.ndarray, str | None]:
        """:meth:`_foreground` of the sample, or the one kept beside ``record`` when that was
        drawn for this very image."""
        kept = derived(record)
        if kept.get("image") is sample.normal and kept.get("source") == sample.source:
            return kept["foreground"], kept["mask_name"]
        return self._foreground(sample.normal, sample.source)

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        foreground, mask_name = self._foreground(sample.normal, sample.source)
        inner = self.transform.make_params(rng, sample.evolve(foreground=foreground))
        record = self.composite_record({"recipe": inner}, **_recorded(foreground, mask_name))
        record.derived.update(
            image=sample.normal, source=sample.source, foreground=foreground, mask_name=mask_name
        )
        return record

    def apply(self, sample: Sample, params: Record) -> Sample:
        recorded, records = self.unpack_children(params)
        foreground, mask_name = self._found(sample, params)
        found = _recorded(foreground, mask_name)
        if found.get("mask") != recorded.get("mask"):
            raise RecordError(
                f"the record's foreground is the mask {recorded['mask']!r}, this image's "
                f"{found['mask']!r}: replay with the image (source) it was made with"
            )
        if not math.isclose(found["area"], recorded["area"], abs_tol=10.0**-_AREA_DECIMALS):
            raise RecordError(
                f"the record's foreground covers {recorded['area']} of the image, this image's "
                f"{found['area']}: replay with the image and foreground settings it was made with"
            )
        return self.apply_child("recipe", sample.evolve(foreground=foreground), records["recipe"])

    @classmethod
    def from_parts(
        cls, settings: dict[str, Any], children: dict[str, Transform], rebuild: Rebuilder
    ) -> Any:
        child = check_keys(children, ("recipe",), "Foreground steps")["recipe"]
        kind = settings.pop("source")
        if kind == "masks":
            return cls(child, MaskFolder(settings["folder"]))
        if kind == "callable":
            source = rebuild.inputs.get("foreground")
            if not callable(source):
                raise RecordError(
                    f"this Foreground used the callable {settings.get('name')!r}: pass it "
                    "again as foreground="
                )
            return cls(child, source)
        return cls(child, "auto", **settings)
