"""Texture op kernels: Pillow equivalence on real and synthetic images, and their own contracts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from synthdefect.files.codec import read_image
from synthdefect.files.paths import find_images
from synthdefect.functional import texture_ops as F
from synthdefect.functional.geometry import rotate

TEXTURE_SIZE = 128  # real images are resized so that the comparisons stay fast


def _real_images(dtd_dir: Path, bottle_train_dir: Path) -> list[np.ndarray]:
    textures = find_images(dtd_dir)[::240]  # one per class pair, spread over the classes
    bottles = find_images(bottle_train_dir)[:2]
    images = [read_image(p) for p in textures + bottles]
    images = [
        cv2.resize(im, (TEXTURE_SIZE, TEXTURE_SIZE), interpolation=cv2.INTER_AREA) for im in images
    ]
    images.append(read_image(textures[0], channels=1)[:96, :80])  # a real grey texture
    return images


def _synthetic_images() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    ramp = np.tile(np.arange(256, dtype=np.uint8), (3, 1))[:, :, None].repeat(3, axis=2)
    return [
        rng.integers(0, 256, (31, 45, 3), dtype=np.uint8),  # full range noise
        rng.integers(0, 256, (20, 17, 1), dtype=np.uint8),  # grey
        rng.integers(100, 140, (24, 24, 3), dtype=np.uint8),  # low contrast
        ramp,  # every level once per row
        np.full((9, 11, 3), 77, np.uint8),  # constant
        np.zeros((8, 8, 3), np.uint8),  # edge values
        np.full((8, 8, 1), 255, np.uint8),
        np.array([[[0, 255, 128], [255, 0, 1]], [[254, 1, 0], [3, 200, 255]]], np.uint8),  # 2x2
    ]


@pytest.fixture(scope="module")
def real_images(dtd_dir: Path, bottle_train_dir: Path) -> list[np.ndarray]:
    return _real_images(dtd_dir, bottle_train_dir)


@pytest.fixture(scope="module")
def synthetic_images() -> list[np.ndarray]:
    return _synthetic_images()


@pytest.fixture(params=["real_images", "synthetic_images"])
def images(request: pytest.FixtureRequest) -> list[np.ndarray]:
    """Real images (skipped without ../shared/data), then synthetic ones (always)."""
    return request.getfixturevalue(request.param)


def _pillow(image: np.ndarray, op: Callable[[Image.Image], Image.Image]) -> np.ndarray:
    pil = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
    return np.asarray(op(pil)).reshape(image.shape)


PILLOW_CASES = (
    [
        (f"posterize{b}", lambda a, b=b: F.posterize(a, b), lambda p, b=b: ImageOps.posterize(p, b))
        for b in range(1, 9)
    ]
    + [
        (f"solarize{t}", lambda a, t=t: F.solarize(a, t), lambda p, t=t: ImageOps.solarize(p, t))
        for t in (0, 1, 32, 128, 255, 256)
    ]
    + [("equalize", F.equalize, ImageOps.equalize)]
    + [
        (
            f"autocontrast{c}",
            lambda a, c=c: F.autocontrast(a, c),
            lambda p, c=c: ImageOps.autocontrast(p, c),
        )
        for c in (0, 1, 2.5, 10, 20, 45)
    ]
    + [
        (
            f"sharpness{f}",
            lambda a, f=f: F.sharpness(a, f),
            lambda p, f=f: ImageEnhance.Sharpness(p).enhance(f),
        )
        for f in (0.0, 0.5, 1.0, 2.0, 1.37)
    ]
    + [
        (
            f"brightness{f}",
            lambda a, f=f: F.brightness(a, f),
            lambda p, f=f: ImageEnhance.Brightness(p).enhance(f),
        )
        for f in (0.0, 0.5, 0.8, 1.0, 1.2, 2.0)
    ]
    + [
        (f"color{f}", lambda a, f=f: F.color(a, f), lambda p, f=f: ImageEnhance.Color(p).enhance(f))
        for f in (0.0, 0.5, 1.0, 2.0, 3.0)
    ]
)


@pytest.mark.parametrize(
    ("name", "ours", "pillows"), PILLOW_CASES, ids=[c[0] for c in PILLOW_CASES]
)
def test_matches_pillow_within_one_level(name, ours, pillows, images) -> None:
    for image in images:
        expected = _pillow(image, pillows)
        got = ours(image)
        assert got.shape == image.shape and got.dtype == np.uint8
        diff = np.abs(got.astype(np.int16) - expected.astype(np.int16)).max()
        assert diff <= 1, f"{name} on {image.shape}: max diff {diff}"


@pytest.mark.parametrize("name", ["posterize", "solarize", "equalize", "autocontrast", "sharpness"])
def test_lut_and_filter_ops_match_pillow_exactly(name, images) -> None:
    ours, pillows = {
        "posterize": (lambda a: F.posterize(a, 3), lambda p: ImageOps.posterize(p, 3)),
        "solarize": (lambda a: F.solarize(a, 100), lambda p: ImageOps.solarize(p, 100)),
        "equalize": (F.equalize, ImageOps.equalize),
        "autocontrast": (lambda a: F.autocontrast(a, 7.5), lambda p: ImageOps.autocontrast(p, 7.5)),
        "sharpness": (
            lambda a: F.sharpness(a, 0.0),
            lambda p: ImageEnhance.Sharpness(p).enhance(0.0),
        ),
    }[name]
    for image in images:
        np.testing.assert_array_equal(ours(image), _pillow(image, pillows))


ALL_OPS: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
    ("posterize", lambda a: F.posterize(a, 2)),
    ("sharpness", lambda a: F.sharpness(a, 1.8)),
    ("solarize", lambda a: F.solarize(a, 64)),
    ("equalize", F.equalize),
    ("brightness", lambda a: F.brightness(a, 1.1, -20)),
    ("color", lambda a: F.color(a, 0.3)),
    ("hue_saturation", lambda a: F.hue_saturation(a, 40, 30)),
    ("autocontrast", lambda a: F.autocontrast(a, 5)),
    ("gamma", lambda a: F.gamma(a, 0.6)),
    ("invert", F.invert),
    ("rotate_texture", lambda a: F.rotate_texture(a, 30.0)),
]


@pytest.mark.parametrize(("name", "op"), ALL_OPS, ids=[n for n, _ in ALL_OPS])
@pytest.mark.parametrize("channels", [1, 3])
def test_shape_dtype_kept_and_input_untouched(name, op, channels, rgb_image) -> None:
    image = rgb_image if channels == 3 else rgb_image[:, :, :1].copy()
    before = image.copy()
    out = op(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.shares_memory(out, image)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(("name", "op"), ALL_OPS, ids=[n for n, _ in ALL_OPS])
def test_non_contiguous_input(name, op, rgb_image) -> None:
    view = rgb_image[::2, ::-1]
    np.testing.assert_array_equal(op(view), op(np.ascontiguousarray(view)))


def test_gamma_curve_and_per_channel(rgb_image) -> None:
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    np.testing.assert_array_equal(F.gamma(levels, 1.0), levels)
    bright = F.gamma(levels, 0.5).astype(int)
    assert bright[0, 0, 0] == 0 and bright[-1, -1, 0] == 255
    assert np.all(bright >= levels) and np.all(np.diff(bright.ravel()) >= 0)
    assert bright.ravel()[64] == round(255 * (64 / 255) ** 0.5)
    per_channel = F.gamma(rgb_image, [0.5, 1.0, 2.0])
    for c, g in enumerate([0.5, 1.0, 2.0]):
        np.testing.assert_array_equal(
            per_channel[:, :, c], F.gamma(rgb_image[:, :, c : c + 1], g)[:, :, 0]
        )


def test_invert_and_solarize_extremes(rgb_image) -> None:
    np.testing.assert_array_equal(F.invert(rgb_image), 255 - rgb_image.astype(int))
    np.testing.assert_array_equal(F.solarize(rgb_image, 0), F.invert(rgb_image))
    np.testing.assert_array_equal(F.solarize(rgb_image, 256), rgb_image)


def test_brightness_add(rgb_image) -> None:
    expected = np.clip(rgb_image.astype(float) * 0.9 + 25, 0, 255)
    assert np.abs(F.brightness(rgb_image, 0.9, 25) - expected).max() <= 0.5
    assert F.brightness(rgb_image, 1.0, -300).max() == 0


def test_rotate_texture_uses_geometry_rotate(rgb_image) -> None:
    np.testing.assert_array_equal(F.rotate_texture(rgb_image, 33.0), rotate(rgb_image, 33.0))
    np.testing.assert_array_equal(F.rotate_texture(rgb_image, 0.0), rgb_image)
    square = rgb_image[:64, :64]
    np.testing.assert_array_equal(F.rotate_texture(square, 90.0), np.rot90(square))
    assert F.rotate_texture(rgb_image, 45.0)[0, 0].max() == 0  # corners come from outside


def test_hue_saturation_identity_and_wrap(rgb_image) -> None:
    noise = np.random.default_rng(3).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    for image in (rgb_image, noise):
        np.testing.assert_array_equal(F.hue_saturation(image, 0, 0), image)
        full_turn = F.hue_saturation(image, 255, 0)
        assert np.abs(full_turn.astype(int) - image).max() <= 1
        np.testing.assert_array_equal(
            F.hue_saturation(image, 100, 20), F.hue_saturation(image, 100 - 255, 20)
        )
        np.testing.assert_array_equal(F.hue_saturation(image, -255, 0), full_turn)


def test_hue_saturation_semantics() -> None:
    red = np.array([[[200, 0, 0]]], np.uint8)
    # a third of a turn (85 of 255) takes pure red to pure green, and V is kept
    np.testing.assert_array_equal(F.hue_saturation(red, 85, 0), [[[0, 200, 0]]])
    noise = np.random.default_rng(4).integers(0, 256, (30, 30, 3), dtype=np.uint8)
    grey = F.hue_saturation(noise, 37, -255)
    np.testing.assert_array_equal(grey, np.repeat(noise.max(axis=2, keepdims=True), 3, axis=2))
    hsv_in = cv2.cvtColor(noise, cv2.COLOR_RGB2HSV).astype(int)
    hsv_out = cv2.cvtColor(F.hue_saturation(noise, 0, 40), cv2.COLOR_RGB2HSV).astype(int)
    saturated = hsv_in[:, :, 1] < 200
    assert np.all(hsv_out[:, :, 1][saturated] >= hsv_in[:, :, 1][saturated] + 35)
    # opencv's hue (0..180) moves by hue * 180 / 255 for coloured pixels, wrapping around
    coloured = (hsv_in[:, :, 1] > 80) & (hsv_in[:, :, 2] > 80)
    for hue in (51, 128, 200, -100, -230):
        hsv_out = cv2.cvtColor(F.hue_saturation(noise, hue, 0), cv2.COLOR_RGB2HSV).astype(int)
        shift = (hsv_out[:, :, 0] - hsv_in[:, :, 0] - hue * 180 / 255) % 180
        assert np.all(np.minimum(shift, 180 - shift)[coloured] <= 2), hue
        np.testing.assert_array_equal(hsv_out[:, :, 2], hsv_in[:, :, 2])
    grey_image = noise[:, :, :1]
    np.testing.assert_array_equal(F.hue_saturation(grey_image, 100, 100), grey_image)


def test_color_grey_image_unchanged_and_factor_zero_is_luma(rgb_image) -> None:
    grey = rgb_image[:, :, 1:2].copy()
    np.testing.assert_array_equal(F.color(grey, 0.0), grey)
    luma = F.color(rgb_image, 0.0)
    assert np.all(luma[:, :, 0] == luma[:, :, 1]) and np.all(luma[:, :, 1] == luma[:, :, 2])
    np.testing.assert_array_equal(F.color(rgb_image, 1.0), rgb_image)


def test_equalize_and_autocontrast_constant_image_unchanged() -> None:
    flat = np.full((10, 12, 3), 90, np.uint8)
    np.testing.assert_array_equal(F.equalize(flat), flat)
    np.testing.assert_array_equal(F.autocontrast(flat, 10), flat)


def test_autocontrast_stretches_to_full_range() -> None:
    image = np.random.default_rng(5).integers(60, 181, (50, 50, 3), dtype=np.uint8)
    out = F.autocontrast(image)
    assert out.min() == 0 and out.max() == 255


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: F.posterize(a, 0), "bits"),
        (lambda a: F.posterize(a, 9), "bits"),
        (lambda a: F.posterize(a, 2.5), "bits"),
        (lambda a: F.solarize(a, 257), "threshold"),
        (lambda a: F.solarize(a, -1), "threshold"),
        (lambda a: F.autocontrast(a, 50), "cutoff"),
        (lambda a: F.autocontrast(a, -1), "cutoff"),
        (lambda a: F.sharpness(a, -0.1), "sharpness factor"),
        (lambda a: F.brightness(a, -1.0), "brightness factor"),
        (lambda a: F.brightness(a, 1.0, float("nan")), "brightness add"),
        (lambda a: F.color(a, -1.0), "color factor"),
        (lambda a: F.gamma(a, 0.0), "gamma"),
        (lambda a: F.gamma(a, [1.0, 2.0]), "gamma"),
        (lambda a: F.hue_saturation(a, 256, 0), "hue"),
        (lambda a: F.hue_saturation(a, 0, -300), "saturation"),
        (lambda a: F.rotate_texture(a, float("inf")), "angle"),
        (lambda a: F.invert(a.astype(np.float32)), "uint8"),
        (lambda a: F.equalize(a[:, :, :2]), "C in"),
        (lambda a: F.equalize(a[:, :, 0]), "C in"),
    ],
)
def test_invalid_parameters_raise(call, message, rgb_image) -> None:
    with pytest.raises(ValueError, match=message):
        call(rgb_image)
