"""Foreground estimation: objects on a bright or dark background."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from synthdefect.functional.foreground import estimate_foreground
from synthdefect.functional.shapes import ellipses_mask


def disc_scene(rng, object_level: int, background_level: int) -> tuple[np.ndarray, np.ndarray]:
    disc = ellipses_mask(96, 128, [(50, 60, 30, 40, 20)])
    grey = np.where(disc > 0, object_level, background_level) + rng.normal(0, 8, disc.shape)
    image = np.clip(np.repeat(grey[:, :, None], 3, axis=2), 0, 255).astype(np.uint8)
    return image, disc


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    return float((a & b).sum()) / float((a | b).sum())


@pytest.mark.parametrize(("obj", "bg", "background"), [(60, 230, "bright"), (200, 20, "dark")])
@pytest.mark.parametrize("auto", [True, False])
def test_object_on_plain_background(rng, obj, bg, background, auto):
    image, disc = disc_scene(rng, obj, bg)
    fg = estimate_foreground(image, background="auto" if auto else background)
    assert fg.dtype == np.float32 and set(np.unique(fg)) <= {0.0, 1.0}
    assert iou(fg, disc) > 0.95


def test_wrong_polarity_gives_the_background(rng):
    image, disc = disc_scene(rng, 60, 230)
    assert iou(estimate_foreground(image, background="dark"), 1 - disc) > 0.95


def test_fixed_threshold_and_grey_input(rng):
    image, disc = disc_scene(rng, 60, 230)
    fg = estimate_foreground(image[:, :, :1], threshold=150, background="bright")
    assert iou(fg, disc) > 0.95
    assert not estimate_foreground(image, threshold=0, background="bright").any()


def test_morphology_removes_specks(rng):
    image = np.full((40, 40, 3), 220, np.uint8)
    image[10:30, 10:30] = 50
    image[2, 35] = 0  # one dark speck in the background
    image[20, 20] = 255  # one bright speck in the object
    clean = estimate_foreground(image, blur_sigma=0, radius=2, background="bright")
    raw = estimate_foreground(image, blur_sigma=0, radius=0, background="bright")
    assert raw[2, 35] == 1 and raw[20, 20] == 0
    assert clean[2, 35] == 0 and clean[20, 20] == 1


def test_deterministic_and_input_untouched(rng):
    image, _ = disc_scene(rng, 60, 230)
    before = image.copy()
    assert np.array_equal(estimate_foreground(image), estimate_foreground(image))
    assert np.array_equal(image, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"background": "grey"}, "background"),
        ({"threshold": 300}, "threshold"),
        ({"radius": -1}, "radius"),
    ],
)
def test_bad_settings(rng, kwargs, match):
    image, _ = disc_scene(rng, 60, 230)
    with pytest.raises(ValueError, match=match):
        estimate_foreground(image, **kwargs)


@pytest.mark.data
def test_bottle_foreground_excludes_the_bright_background(bottle_train_dir):
    """On MVTec AD bottle the estimate holds almost no bright-background pixels (grey > 200)
    and most of the dark bottle."""
    for path in sorted(bottle_train_dir.glob("*.png"))[:10]:
        image = np.asarray(Image.open(path).convert("RGB").resize((256, 256), Image.BILINEAR))
        grey = image.astype(np.float64) @ [0.299, 0.587, 0.114]
        fg = estimate_foreground(image) > 0
        assert (grey[fg] > 200).mean() < 0.01
        assert (fg & (grey < 100)).sum() > 0.9 * (grey < 100).sum()
