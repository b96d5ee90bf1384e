"""Poisson (seamless) blending kernel."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.functional.blend import poisson_blend
from synthdefect.functional.shapes import rectangle_mask


@pytest.fixture
def stripes() -> np.ndarray:
    """64x80 RGB vertical stripes (strong horizontal gradients)."""
    row = np.where((np.arange(80) // 4) % 2 == 0, 60, 200).astype(np.uint8)
    return np.repeat(np.repeat(row[None, :, None], 64, axis=0), 3, axis=2)


def test_outside_the_mask_is_the_image(rgb_image, stripes):
    mask = rectangle_mask(64, 80, 30, 40, 30, 40)
    for mixed in (False, True):
        out = poisson_blend(rgb_image, stripes, mask, mixed=mixed)
        assert out.dtype == np.uint8 and out.shape == rgb_image.shape
        assert np.array_equal(out[mask == 0], rgb_image[mask == 0])


def test_normal_clone_keeps_the_texture_gradients_and_fits_the_colour(stripes):
    flat = np.full((64, 80, 3), 120, np.uint8)
    mask = rectangle_mask(64, 80, 32, 40, 30, 40)
    out = poisson_blend(flat, stripes, mask)
    inner = out[25:40, 30:50, 0].astype(int)
    assert inner.std() > 30  # the stripes came through
    assert abs(inner.mean() - 120) < 25  # at the image's level, not the texture's mean of 130 +- 70
    shifted = np.clip(flat.astype(int) + 60, 0, 255).astype(np.uint8)  # same gradients, brighter
    same = poisson_blend(flat, shifted, mask)
    assert np.abs(same.astype(int) - flat.astype(int)).max() <= 2  # seamless: no visible patch


def test_mixed_clone_keeps_the_stronger_image_gradients(stripes):
    flat_texture = np.full((64, 80, 3), 30, np.uint8)
    mask = rectangle_mask(64, 80, 32, 40, 30, 40)
    mixed = poisson_blend(stripes, flat_texture, mask, mixed=True)
    normal = poisson_blend(stripes, flat_texture, mask, mixed=False)

    def edges(out):
        return np.abs(np.diff(out[25:40, 30:50, 0].astype(int), axis=1)).mean()

    assert edges(mixed) > 20  # the image's stripes survive
    assert edges(normal) < 5  # replaced by the flat texture (a smooth fit to the boundary)


@pytest.mark.parametrize("where", ["top-left", "bottom-right", "whole"])
def test_masks_touching_the_border(rgb_image, stripes, where):
    mask = np.zeros((64, 80), np.float32)
    if where == "top-left":
        mask[:20, :25] = 1
    elif where == "bottom-right":
        mask[40:, 50:] = 1
    else:
        mask[:] = 1
    out = poisson_blend(rgb_image, stripes, mask)
    inside = out[mask == 1].astype(int) - rgb_image[mask == 1].astype(int)
    assert np.abs(inside).mean() > 5  # the texture was cloned in, not dropped
    assert np.array_equal(out[mask == 0], rgb_image[mask == 0])


def test_grey_images_empty_mask_and_errors(rgb_image, stripes):
    grey, grey_texture = rgb_image[:, :, :1].copy(), stripes[:, :, :1].copy()
    mask = rectangle_mask(64, 80, 30, 40, 20, 20)
    out = poisson_blend(grey, grey_texture, mask)
    assert out.shape == grey.shape and out[20:40, 30:50].std() > 10
    empty = np.zeros((64, 80), np.float32)
    assert np.array_equal(poisson_blend(rgb_image, stripes, empty), rgb_image)
    with pytest.raises(ValueError, match="texture"):
        poisson_blend(rgb_image, grey_texture, mask)
    with pytest.raises(ValueError, match="mask"):
        poisson_blend(rgb_image, stripes, mask[:10])


@pytest.mark.parametrize(("h", "w"), [(1, 1), (1, 5), (2, 9), (7, 2)])
def test_regions_too_thin_to_solve_are_pasted(rgb_image, stripes, h, w):
    """OpenCV's solver fails on regions under 3 pixels across (seen with foreground-cut
    patches); such regions take the texture as it is, next to a normally cloned region."""
    mask = rectangle_mask(64, 80, 40, 50, 16, 20)
    mask[2 : 2 + h, 3 : 3 + w] = 1
    out = poisson_blend(rgb_image, stripes, mask)
    assert np.array_equal(out[2 : 2 + h, 3 : 3 + w], stripes[2 : 2 + h, 3 : 3 + w])
    assert np.array_equal(out[mask == 0], rgb_image[mask == 0])
