"""Mask shape kernels (rectangles, ellipses, union/intersection) against simple oracles."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from synthdefect.functional.geometry import rotate
from synthdefect.functional.shapes import combine_masks, ellipses_mask, rectangle_mask


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    return float((a & b).sum()) / float((a | b).sum())


@pytest.mark.parametrize(("top", "left", "h", "w"), [(3, 5, 10, 7), (0, 0, 1, 1), (20, 1, 4, 30)])
def test_axis_aligned_rectangle_is_the_pixel_block(top, left, h, w):
    mask = rectangle_mask(40, 50, top + (h - 1) / 2, left + (w - 1) / 2, h, w)
    expected = np.zeros((40, 50), np.float32)
    expected[top : top + h, left : left + w] = 1
    assert mask.dtype == np.float32
    assert np.array_equal(mask, expected)


def test_rectangle_quarter_turn_swaps_sides():
    mask = rectangle_mask(40, 50, 20 + 4.5, 10 + 2.5, 10, 6, angle=90)
    ys, xs = np.nonzero(mask)
    assert (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) == (6, 10)
    assert mask.sum() == 60


@pytest.mark.parametrize("angle", [-45.0, 17.0, 30.0])
def test_rotated_rectangle_matches_rotating_the_upright_one(angle):
    upright = rectangle_mask(201, 201, 100, 100, 40, 120)
    turned = rectangle_mask(201, 201, 100, 100, 40, 120, angle=angle)
    assert iou(turned, rotate(upright, angle) > 0.5) > 0.95
    assert iou(turned, rotate(upright, -angle) > 0.5) < 0.5  # the sense of rotation
    assert abs(turned.sum() - 40 * 120) < 0.03 * 40 * 120


def test_rectangle_is_cut_at_the_border_and_may_lie_outside():
    mask = rectangle_mask(30, 30, 0, 0, 10, 10)  # centred on the corner pixel: |dy|, |dx| <= 5
    assert mask[:6, :6].all() and mask.sum() == 36
    assert not rectangle_mask(30, 30, -50, -50, 10, 10).any()


@pytest.mark.parametrize("args", [(0, 10, 5, 5, 3, 3), (10, 10, 5, 5, 0, 3), (10, 10, 5, 5, 3, -1)])
def test_rectangle_rejects_bad_sizes(args):
    with pytest.raises(ValueError):
        rectangle_mask(*args)


def test_ellipse_matches_opencv_drawing():
    mask = ellipses_mask(100, 120, [(50, 60, 20, 35, 30)])
    drawn = np.zeros((100, 120), np.uint8)
    # OpenCV: centre (x, y), axes (along x, along y) before rotation, angle clockwise on screen
    cv2.ellipse(drawn, (60, 50), (35, 20), -30, 0, 360, 1, thickness=-1)
    assert iou(mask, drawn) > 0.95
    assert abs(mask.sum() - math.pi * 20 * 35) < 0.03 * math.pi * 20 * 35


def test_ellipses_union_and_empty():
    one = ellipses_mask(60, 60, [(20, 20, 8, 12, 0)])
    two = ellipses_mask(60, 60, [(40, 35, 10, 5, 60)])
    both = ellipses_mask(60, 60, [(20, 20, 8, 12, 0), (40, 35, 10, 5, 60)])
    assert np.array_equal(both, np.maximum(one, two))
    assert not ellipses_mask(60, 60, []).any()
    with pytest.raises(ValueError, match="semi-axes"):
        ellipses_mask(10, 10, [(5, 5, 0, 2, 0)])
    with pytest.raises(ValueError, match="center_y"):
        ellipses_mask(10, 10, [(5, 5, 2)])


def test_combine_masks_truth_table():
    a = np.array([[0, 0, 1, 1]], np.float32)
    b = np.array([[0, 1, 0, 1]], bool)
    assert combine_masks(a, b, "union").tolist() == [[0, 1, 1, 1]]
    assert combine_masks(a, b, "intersection").tolist() == [[0, 0, 0, 1]]
    assert combine_masks(a, b, "union").dtype == np.float32
    with pytest.raises(ValueError, match="union"):
        combine_masks(a, b, "xor")
    with pytest.raises(ValueError, match="same shape"):
        combine_masks(a, b.T, "union")
