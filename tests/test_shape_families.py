"""The CutOut and intensity-disc families: their shapes, fills, shifts, refusals and replay."""

from __future__ import annotations

import numpy as np
import pytest

import synthdefect as sd
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms import DiscMask, IntensityShift, RectangleMask, SolidColor


def _image(height: int = 64, width: int = 80, channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(40, 200, size=(height, width, channels), dtype=np.uint8)


def test_rectangle_mask_is_one_axis_aligned_rectangle_of_the_drawn_area():
    transform = RectangleMask(area=(0.05, 0.1))
    for index in range(20):
        mask, record = transform.generate(64, 80, sample_rng(1, index))
        (top, left), (h, w) = record["params"]["top_left"], record["params"]["size"]
        expected = np.zeros((64, 80), np.float32)
        expected[top : top + h, left : left + w] = 1.0
        assert np.array_equal(mask, expected)
        assert 0.03 <= mask.mean() <= 0.12


def test_disc_mask_lies_in_the_central_half_with_the_drawn_radius():
    transform = DiscMask(radius=(0.05, 0.1))
    for index in range(20):
        mask, record = transform.generate(100, 100, sample_rng(2, index))
        cy, cx = record["params"]["center"]
        assert 25 <= cy < 75 and 25 <= cx < 75
        assert 5.0 <= record["params"]["radius"] <= 10.0
        assert mask[int(cy), int(cx)] == 1.0 and mask.sum() > 50


@pytest.mark.parametrize("channels", [1, 3])
def test_solid_color_fills_black_the_image_mean_or_a_random_colour(channels):
    image = _image(channels=channels)
    sample = Sample.from_image(image)
    black = SolidColor("black").forward(sample, sample_rng(0, 0))[0].texture
    mean = SolidColor("mean").forward(sample, sample_rng(0, 0))[0].texture
    assert black.shape == image.shape and not black.any()
    expected = np.floor(image.reshape(-1, channels).mean(axis=0) + 0.5).astype(np.uint8)
    assert (mean == expected).all()
    with pytest.raises(ValueError, match="mode must be one of"):
        SolidColor("grey")


def test_intensity_shift_clips_instead_of_wrapping():
    shift = IntensityShift((0.25, 0.25))  # 64 grey levels
    cases = {(250, 64): 255, (250, -64): 186, (10, 64): 74, (10, -64): 0}
    for (level, amount), expected in cases.items():
        sample = Sample.from_image(np.full((8, 8, 1), level, np.uint8))
        sample = sample.evolve(texture=sample.image.copy())
        record = shift.forward(sample, sample_rng(0, 0))[1]
        assert abs(record["params"]["shift"]) == 64
        record["params"]["shift"] = amount
        assert (shift.apply(sample, record).texture == expected).all()


@pytest.mark.parametrize("preset", ["cutout", "intensity-disc"])
@pytest.mark.parametrize("channels", [1, 3])
def test_the_families_make_replayable_defects_in_grey_and_colour(preset, channels):
    image = _image(channels=channels)
    recipe = sd.make_recipe(preset, p_anomaly=1.0)
    for index in range(10):
        result = recipe(image, seed=4, index=index)
        assert result.label == 1 and result.image.shape == image.shape
        changed = (result.image != image).any(axis=2)
        assert not changed[result.mask == 0].any()
        assert np.array_equal(sd.replay(image, result.params).image, result.image)


@pytest.mark.parametrize("preset", ["cutout", "intensity-disc"])
def test_the_families_stay_on_the_foreground_and_take_no_textures(preset):
    image = _image()
    foreground = np.zeros(image.shape[:2], np.float32)
    foreground[10:40, 20:60] = 1.0
    recipe = sd.make_recipe(preset, p_anomaly=1.0, foreground=lambda _image: foreground)
    for index in range(10):
        result = recipe(image, seed=5, index=index)
        assert result.label == 1 and not result.mask[foreground == 0].any()
    with pytest.raises(ValueError, match="takes no textures"):
        sd.make_recipe(preset, textures="self")
