"""Anomaly-source kernels (transplant, grid shuffle, solid colour) and colour jitter."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from synthdefect.functional.anomaly_sources import grid_shuffle, solid_color, transplant
from synthdefect.functional.shapes import rectangle_mask
from synthdefect.functional.texture_ops import color_jitter, contrast


def test_transplant_integer_shift_copies_exactly(rgb_image):
    out = transplant(rgb_image, 64, 80, source_center=(10, 20), target_center=(30, 50))
    # target pixel (y, x) holds source pixel (y - 20, x - 30)
    assert np.array_equal(out[25:40, 40:60], rgb_image[5:20, 10:30])
    assert out.shape == rgb_image.shape and out.dtype == np.uint8


def test_transplant_quarter_turn_is_rot90(rgb_image):
    out = transplant(rgb_image, 64, 80, source_center=(20, 20), target_center=(40, 50), angle=90)
    patch = rgb_image[15:26, 15:26]
    assert np.array_equal(out[35:46, 45:56], np.rot90(patch))  # counter-clockwise on screen


def test_transplant_output_size_and_border_fill(rgb_image):
    out = transplant(rgb_image, 30, 100, source_center=(0, 0), target_center=(15, 50))
    assert out.shape == (30, 100, 3)
    assert out.min() > 0 or rgb_image.min() == 0  # mirrored border, no black fill
    grey = rgb_image[:, :, :1]
    assert transplant(grey, 10, 10, (5, 5), (5, 5)).shape == (10, 10, 1)


@pytest.mark.parametrize(("angle", "scale"), [(30.0, 1.5), (-45.0, 0.7), (0.0, 1.3)])
def test_transplant_agrees_with_the_rectangle_mask(angle, scale):
    """A patch moved with transplant lands where rectangle_mask draws the same placement."""
    source = (rectangle_mask(120, 120, 40.5, 50.5, 20, 30) * 255).astype(np.uint8)[:, :, None]
    moved = transplant(source, 150, 160, (40.5, 50.5), (80, 70), angle=angle, scale=scale)
    expected = rectangle_mask(150, 160, 80, 70, 20 * scale, 30 * scale, angle=angle)
    near = (slice(50, 110), slice(40, 100))  # away from the mirrored copies beyond the source
    got, expected = moved[near][:, :, 0] > 127, expected[near] > 0
    overlap = (got & expected).sum() / (got | expected).sum()
    assert overlap > 0.9


def test_transplant_rejects_bad_input(rgb_image):
    with pytest.raises(ValueError, match="scale"):
        transplant(rgb_image, 10, 10, (0, 0), (0, 0), scale=0)
    with pytest.raises(ValueError, match="uint8"):
        transplant(rgb_image.astype(np.float32), 10, 10, (0, 0), (0, 0))


def test_grid_shuffle_moves_whole_cells(rgb_image):
    image = rgb_image[:63, :79]  # not a multiple of the grid: 3 rows and 3 columns left over
    out = grid_shuffle(image, 4, 4, [15, *range(1, 15), 0])
    assert np.array_equal(out[:15, :19], image[45:60, 57:76])  # cell 0 <- cell 15
    assert np.array_equal(out[45:60, 57:76], image[:15, :19])
    assert np.array_equal(out[15:45], image[15:45])
    assert np.array_equal(out[60:], image[60:]) and np.array_equal(out[:, 76:], image[:, 76:])


def test_grid_shuffle_identity_and_inverse(rgb_image, rng):
    assert np.array_equal(grid_shuffle(rgb_image, 8, 8, range(64)), rgb_image)
    order = rng.permutation(32)
    shuffled = grid_shuffle(rgb_image, 4, 8, order)
    assert not np.array_equal(shuffled, rgb_image)
    assert np.array_equal(grid_shuffle(shuffled, 4, 8, np.argsort(order)), rgb_image)
    with pytest.raises(ValueError, match="permutation"):
        grid_shuffle(rgb_image, 2, 2, [0, 0, 1, 2])
    with pytest.raises(ValueError, match="does not fit"):
        grid_shuffle(rgb_image, 100, 2, range(200))


def test_solid_color():
    out = solid_color(5, 7, (10, 20, 30))
    assert out.shape == (5, 7, 3) and out.dtype == np.uint8
    assert (out.reshape(-1, 3) == [10, 20, 30]).all()
    assert solid_color(2, 2, [200]).shape == (2, 2, 1)
    for bad in [(1, 2), (256, 0, 0), (1.5, 0, 0)]:
        with pytest.raises(ValueError, match="color"):
            solid_color(2, 2, bad)


@pytest.mark.parametrize("factor", [0.0, 0.5, 0.9, 1.1, 2.0])
def test_contrast_matches_pillow(rgb_image, factor):
    expected = np.asarray(ImageEnhance.Contrast(Image.fromarray(rgb_image)).enhance(factor))
    diff = np.abs(contrast(rgb_image, factor).astype(int) - expected.astype(int))
    assert diff.max() <= 1


def test_color_jitter_identity_and_hue_turn(rgb_image):
    assert np.array_equal(color_jitter(rgb_image), rgb_image)
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    assert color_jitter(red, hue_shift=1 / 3)[0, 0].tolist() == [0, 255, 0]
    assert color_jitter(red, hue_shift=-1 / 3)[0, 0].tolist() == [0, 0, 255]


def test_color_jitter_composes_the_ops(rgb_image):
    from synthdefect.functional.texture_ops import brightness, color

    expected = color(contrast(brightness(rgb_image, 1.1), 0.9), 1.05)
    assert np.array_equal(color_jitter(rgb_image, 1.1, 0.9, 1.05), expected)
    grey = rgb_image[:, :, :1]
    assert np.array_equal(
        color_jitter(grey, 1.1, 0.9, 0.5, 0.2), contrast(brightness(grey, 1.1), 0.9)
    )
    with pytest.raises(ValueError, match="hue"):
        color_jitter(rgb_image, hue_shift=0.7)
    with pytest.raises(ValueError, match="saturation"):
        color_jitter(grey, saturation_factor=-1)
