"""Targets from what a defect visibly changed: NSA's intensity labels.

A pasted or blended patch can leave parts of its rectangle unchanged (a patch of the same
surface, a seamless Poisson clone); a hard mask still calls those pixels anomalous and teaches
the detector to fire on normal-looking surface. NSA (Schlüter et al., 2022, "Natural Synthetic
Anomalies", its ``patch_ex`` labels) labels a pixel by the change instead:

* **changed**: inside the mask, the mean over channels of ``|image - normal|`` (grey levels,
  0-255) is above ``tol``; a 5 x 5 median filter then removes the grain of that cut.
* **logistic** (NSA's "logistic-intensity" mode): the changed pixels get
  ``1 / (1 + exp(-k * (level - x0)))``, ``level`` the change median-filtered over the changed
  pixels (zero elsewhere), so a faint change is a faint target and a strong one nearly 1. NSA
  filters with a disk of radius 5; here an 11 x 11 square (OpenCV's ``medianBlur``, on the
  change rounded to whole grey levels).
"""

from __future__ import annotations

import cv2
import numpy as np

from synthdefect.functional.masks import anomalous_pixels

__all__ = ["NSA_LOGISTIC", "intensity_target"]

NSA_LOGISTIC = (1.0 / 6.0, 20.0)
"""NSA's default ``(k, x0)`` of the logistic label (``patch_ex``; per MVTec AD class it uses
(1/12, 24) for bottle and (1/3, 7) for the texture classes): half a target at a change of 20
grey levels, 0.97 at 40."""


def intensity_target(
    image: np.ndarray,
    normal: np.ndarray,
    mask: np.ndarray,
    tol: float = 1.0,
    logistic: tuple[float, float] | None = NSA_LOGISTIC,
) -> np.ndarray:
    """The target of a defect by how much it changed each pixel (see module doc).

    ``image`` and ``normal`` are HWC of one dtype, ``uint8`` in [0, 255] or ``float32`` in
    [0, 1] (its change is read in grey levels, x 255); ``mask`` is ``(H, W)`` (where the defect
    may have changed the image: its anomalous pixels, ``>= 0.5``); ``tol`` is in grey levels,
    ``logistic`` is ``(k, x0)`` (``k`` per grey level, ``x0`` in grey levels) or ``None`` for
    a hard target (the changed pixels). Returns ``(H, W)`` ``float32`` in [0, 1], zero outside
    the mask.
    """
    scale = 1.0 if image.dtype == np.uint8 else 255.0
    change = np.abs(image.astype(np.float32) - normal.astype(np.float32)).mean(axis=2) * scale
    changed = cv2.medianBlur(((change > tol) & anomalous_pixels(mask)).astype(np.uint8), 5)
    if logistic is None:
        return changed.astype(np.float32)
    k, x0 = logistic
    levels = np.rint(np.minimum(change, 255.0) * changed).astype(np.uint8)
    level = cv2.medianBlur(levels, 11).astype(np.float64)
    exponent = np.minimum(-k * (level - x0), 700.0)  # exp(700) is still finite in float64
    return (changed / (1.0 + np.exp(exponent))).astype(np.float32)
