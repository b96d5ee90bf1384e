"""Steps that set a sample's target from what its defect did to the image.

:class:`IntensityTarget` (NSA's intensity labels): after the blend, the mask becomes the share
of each pixel that visibly changed, so a patch that left the surface as it was is no target.
"""

from __future__ import annotations

from typing import Any

from synthdefect.functional.targets import NSA_LOGISTIC, intensity_target
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.ranges import number_setting
from synthdefect.transforms.records import register_transform

__all__ = ["IntensityTarget"]


@register_transform
class IntensityTarget(Transform):
    """Replace ``sample.mask`` by :func:`~synthdefect.functional.targets.intensity_target` of
    the image against ``sample.normal``: zero where the defect changed a pixel by ``tol`` grey
    levels or less (or outside the mask), elsewhere 1 (``logistic=None``) or
    ``1 / (1 + exp(-k * (change - x0)))`` for ``logistic=(k, x0)`` (default NSA's (1/6, 20)),
    a soft target. Put it after the blend. Draws nothing; a sample none of whose pixels
    changed becomes normal (label 0).
    """

    settings_fields = ("tol", "logistic")

    def __init__(
        self, tol: float = 1.0, logistic: tuple[float, float] | None = NSA_LOGISTIC
    ) -> None:
        self.tol = number_setting("tol", tol, 0.0, 255.0)
        if logistic is None:
            self.logistic = None
        else:
            try:
                k, x0 = logistic
            except (TypeError, ValueError):
                raise ValueError(
                    f"logistic must be None or a pair (k, x0) of numbers, got {logistic!r}"
                ) from None
            self.logistic = (
                number_setting("logistic k", k, 1e-6, 100.0),  # 100: a step already
                number_setting("logistic x0", x0, -255.0, 255.0),  # changes lie in 0..255
            )

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        self.unpack(params)
        mask = intensity_target(sample.image, sample.normal, sample.mask, self.tol, self.logistic)
        return sample.evolve(mask=mask)
