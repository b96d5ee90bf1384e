"""Normal-image rotation: never blanks part of a (non-square) image; the filled share is known."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.functional.geometry import rotate, rotation_fill


def test_rotation_fill_is_the_share_of_pixels_from_outside():
    assert rotation_fill(64, 64, 0.0) == 0.0
    assert rotation_fill(64, 64, 90.0) == 0.0  # a square onto itself
    # a 45-degree square keeps the central octagon: 2 * (sqrt(2) - 1) of its area
    assert rotation_fill(200, 200, 45.0) == pytest.approx(1 - 2 * (np.sqrt(2) - 1), abs=0.01)
    # 230x565 by 90 degrees: only the central 230x230 square stays inside
    assert rotation_fill(230, 565, 90.0) == pytest.approx(1 - 230 / 565, abs=0.01)


def test_reflect_border_leaves_no_blank_pixel(rng):
    wide = rng.integers(1, 256, size=(46, 113, 3), dtype=np.uint8)  # no zero pixel
    zero_fill = rotate(wide, 90.0)
    reflected = rotate(wide, 90.0, border="reflect")
    assert (zero_fill == 0).all(axis=2).mean() == pytest.approx(
        rotation_fill(46, 113, 90.0), abs=0.02
    )
    assert not (reflected == 0).all(axis=2).any()
    centre = (slice(None), slice(40, 73))  # inside the rotated footprint both agree
    assert np.array_equal(reflected[centre], zero_fill[centre])


def test_unknown_border_is_refused(rgb_image):
    with pytest.raises(ValueError, match="border"):
        rotate(rgb_image, 10.0, border="wrap")
