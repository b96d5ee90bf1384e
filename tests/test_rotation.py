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


def _wide(rng) -> np.ndarray:
    """A 46x113 image (the aspect of bsdata's 230x565) without a single black pixel."""
    return rng.integers(1, 256, size=(46, 113, 3), dtype=np.uint8)


def test_random_rotate_reflects_and_records_the_filled_share(rng):
    from synthdefect.transforms import RandomRotate

    wide = _wide(rng)
    rotate_step = RandomRotate((80.0, 90.0))
    result = rotate_step(wide, seed=1)
    record = result.params
    assert record["settings"] == {"degrees": [80.0, 90.0], "border": "reflect"}
    angle, filled = record["params"]["angle"], record["params"]["filled"]
    assert filled == pytest.approx(rotation_fill(46, 113, angle), abs=1e-6) and filled > 0.4
    assert not (result.normal == 0).all(axis=2).any()  # nothing blanked
    assert np.array_equal(rotate_step.replay(wide, record).normal, result.normal)
    black = RandomRotate((80.0, 90.0), border="zero")(wide, seed=1)
    assert (black.normal == 0).all(axis=2).mean() == pytest.approx(filled, abs=0.02)


def test_random_rotate_refuses_bad_borders_and_records(rng):
    from synthdefect.transforms import RandomRotate, RecordError

    with pytest.raises(ValueError, match="border"):
        RandomRotate(border="wrap")
    step = RandomRotate()
    record = step(_wide(rng), seed=2).params
    record["params"]["filled"] = 1.5
    with pytest.raises(RecordError, match="filled"):
        step.replay(_wide(rng), record)


def test_draem_code_rotation_never_blanks_a_non_square_image(rng):
    """bsdata-like images rotated by the draem-code preset keep every pixel (issue 11)."""
    from synthdefect import SyntheticAnomaly

    wide = _wide(rng)
    anomaly = SyntheticAnomaly("draem-code", rotate_p=1.0, p_anomaly=0.0)
    for seed in range(8):
        result = anomaly(wide, seed=seed)
        assert not (result.normal == 0).all(axis=2).any()
        assert result.params["steps"]["rotate"]["transform"]["params"]["filled"] >= 0.0


def test_without_rotation_switches_every_rotation_off(rng):
    from synthdefect import SyntheticAnomaly
    from synthdefect.transforms import Compose, RandomRotate, without_rotation

    wide = _wide(rng)
    rotating = SyntheticAnomaly(p_anomaly=1.0, rotate_p=1.0)
    fixed = without_rotation(rotating)
    assert isinstance(fixed, SyntheticAnomaly) and fixed["anomaly"] is rotating["anomaly"]
    assert rotating["rotate"].p == 1.0  # the original is untouched
    for seed in range(4):
        result = fixed(wide, seed=seed)
        assert result.params["steps"]["rotate"]["params"] == {"applied": False}
        assert np.array_equal(result.normal, wide) and result.label == 1
    bare = without_rotation(Compose([("turn", RandomRotate())]))
    assert np.array_equal(bare(wide, seed=0).normal, wide)
    assert without_rotation(fixed["anomaly"]) is fixed["anomaly"]
