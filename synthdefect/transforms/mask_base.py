"""``MaskTransform``: the base of mask generators, with bounded redraws in ``make_params``.

A mask generator draws the parameters of one candidate mask (:meth:`MaskTransform.draw`, from
the generator and the sample's shape) and builds it (:meth:`MaskTransform.build_mask`,
deterministic); the mask is cut to ``sample.foreground`` when the sample has one.
``make_params`` redraws until that mask covers at least ``min_area`` of the image and, with
``redraw_empty`` (the default), is not empty, at most ``max_retries`` draws in all (10, as
anomalib's generator); the last draw is kept when none succeeds (an empty mask then gives the
sample label 0). The record params are the kept draw plus ``"attempts"``, the number of draws.
The kept mask rides beside the record (``Record.derived``) until ``apply`` takes it, so a sample
builds it once; a record read back from JSON, or applied again, builds it again in ``apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from synthdefect.functional.masks import mask_area
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.ranges import flag_setting, int_setting, number_setting
from synthdefect.transforms.records import Record, Schema, derived, integer

__all__ = ["MAX_RETRIES", "MaskTransform"]

MAX_RETRIES = 1000
"""Most draws of the redraw loop of a mask step (a mask that can never cover ``min_area``, or a
threshold no noise reaches, is redrawn every time)."""


class MaskTransform(Transform):
    """Write a generated binary mask into ``sample.mask`` (see module doc).

    Subclasses implement :meth:`draw`, :meth:`build_mask` and :meth:`draw_schema`, and end
    their ``settings_fields`` with :attr:`redraw_fields`.
    """

    redraw_fields: ClassVar[tuple[str, ...]] = ("min_area", "redraw_empty", "max_retries")
    settings_fields = redraw_fields

    def __init__(
        self, min_area: float = 0.0, redraw_empty: bool = True, max_retries: int = 10
    ) -> None:
        self.min_area = number_setting("min_area", min_area, 0, 1)
        self.redraw_empty = flag_setting("redraw_empty", redraw_empty)
        self.max_retries = int_setting("max_retries", max_retries, 1, MAX_RETRIES)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """The parameters of one candidate mask (JSON values; not ``"attempts"``)."""
        raise NotImplementedError

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        """The mask of ``draws``: float32 ``(height, width)`` in {0, 1}; deterministic."""
        raise NotImplementedError

    def draw_schema(self) -> Schema:
        """The schema of one candidate's draws (what :meth:`draw` returns)."""
        return {}

    def params_schema(self) -> Schema:
        return {**self.draw_schema(), "attempts": integer(1, self.max_retries)}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        height, width = sample.image.shape[:2]
        attempts = 0
        while True:
            attempts += 1
            draws = self.draw(rng, sample)
            mask = self.build_mask(height, width, draws)
            if not self.redraw_empty and self.min_area <= 0.0:  # any mask will do
                break
            area = mask_area(sample.within_foreground(mask))
            wanted = area >= self.min_area and (area > 0.0 or not self.redraw_empty)
            if wanted or attempts == self.max_retries:
                break
        record = self.record(**draws, attempts=attempts)
        record.derived["mask"] = mask
        return record

    def apply(self, sample: Sample, params: Record) -> Sample:
        draws = self.unpack(params)
        height, width = sample.image.shape[:2]
        mask = derived(params).pop("mask", None)  # used once: a second apply builds it again
        if mask is None or mask.shape != (height, width):
            mask = self.build_mask(height, width, draws)
        return sample.evolve(mask=sample.within_foreground(mask))

    def generate(
        self, height: int, width: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw a mask of ``(height, width)`` (float32 {0, 1}) and its record."""
        sample, record = self.forward(
            Sample.from_image(np.empty((height, width, 1), np.uint8)), rng
        )
        return sample.mask, record
