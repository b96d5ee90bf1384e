"""The fpi family (Foreign Patch Interpolation): a patch of another image interpolated with a
factor alpha, the mask alpha inside the patch; replay, foreground, grey and colour, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

import synthdefect as sd
from synthdefect.recipes import recipe_from_record
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms import SoftBetaBlend, find_step


def _image(height: int = 64, width: int = 80, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(40, 200, size=(height, width, channels), dtype=np.uint8)


def _others(channels: int = 3) -> list[np.ndarray]:
    """Three other "normal images" of the same size as :func:`_image`."""
    return [_image(channels=channels, seed=10 + i) for i in range(3)]


def _alpha(params: dict) -> float:
    return find_step(params, "blend")["params"]["beta"]


@pytest.mark.parametrize("channels", [1, 3])
def test_fpi_interpolates_the_same_place_of_another_image_with_a_soft_target(channels):
    image, others = _image(channels=channels), _others(channels)
    recipe = sd.make_recipe("fpi", textures=others, p_anomaly=1.0)
    for index in range(10):
        result = recipe(image, seed=4, index=index)
        alpha = _alpha(result.params)
        other = others[find_step(result.params, "texture")["params"]["index"]]
        inside = result.mask > 0
        assert result.mask.dtype == np.float32 and result.image.shape == image.shape
        assert np.array_equal(np.unique(result.mask), [0.0, np.float32(alpha)])
        expected = (1 - alpha) * image.astype(np.float64) + alpha * other
        assert np.abs(result.image[inside] - expected[inside]).max() <= 0.5 + 1e-6
        assert np.array_equal(result.image[~inside], image[~inside])
        assert result.label == 1


def test_fpi_alpha_is_uniform_in_0_1_and_the_patch_1_to_16_percent():
    recipe = sd.make_recipe("fpi", textures=_others(), p_anomaly=1.0)
    image = _image()
    results = [recipe(image, seed=1, index=i) for i in range(200)]
    alphas = np.array([_alpha(r.params) for r in results])
    areas = np.array([(r.mask > 0).mean() for r in results])
    assert 0.0 <= alphas.min() < 0.1 and 0.9 < alphas.max() < 1.0
    assert 0.4 < alphas.mean() < 0.6
    assert 0.005 <= areas.min() and areas.max() <= 0.17


@pytest.mark.parametrize("textures", [None, "others"])
def test_fpi_records_replay_byte_identically(textures, rgb_image):
    others = _others() if textures else None
    recipe = sd.make_recipe("fpi", textures=others)
    for index in range(8):
        made = recipe(rgb_image, seed=2, index=index)
        again = sd.replay(rgb_image, json.dumps(made.params), textures=others)
        assert np.array_equal(again.image, made.image)
        assert np.array_equal(again.mask, made.mask) and again.label == made.label
    rebuilt = recipe_from_record(recipe.describe(), textures=others)
    assert rebuilt.describe() == recipe.describe()


def test_fpi_stays_on_the_foreground():
    image = _image()
    foreground = np.zeros(image.shape[:2], np.float32)
    foreground[10:40, 20:60] = 1.0
    recipe = sd.make_recipe(
        "fpi", textures=_others(), p_anomaly=1.0, foreground=lambda _image: foreground
    )
    for index in range(10):
        result = recipe(image, seed=5, index=index)
        assert result.label == 1 and not result.mask[foreground == 0].any()
        assert np.array_equal(result.image[foreground == 0], image[foreground == 0])


def test_fpi_works_on_float_images():
    image = _image().astype(np.float32) / 255
    result = sd.make_recipe("fpi", textures=_others(), p_anomaly=1.0)(image, seed=0, index=0)
    assert result.image.dtype == np.float32 and 0 < result.mask.max() < 1


def test_fpi_refuses_self_and_bad_alpha():
    with pytest.raises(ValueError, match="fpi recipe interpolates a patch of another image"):
        sd.make_recipe("fpi", textures="self")
    with pytest.raises(ValueError, match=r"alpha must be finite with 0 <= lo <= hi <= 1"):
        sd.make_recipe("fpi", alpha=(0.5, 1.5))
    with pytest.raises(ValueError, match="p_anomaly must be in"):
        sd.make_recipe("fpi", p_anomaly=2.0)


def test_soft_beta_blend_scales_the_mask_by_its_beta():
    sample = Sample.from_image(_image())
    mask = np.zeros(sample.image.shape[:2], np.float32)
    mask[5:20, 5:30] = 1.0
    sample = sample.evolve(mask=mask, texture=_others()[0])
    blended, record = SoftBetaBlend((0.3, 0.3)).forward(sample, sample_rng(0, 0))
    assert record["params"]["beta"] == pytest.approx(0.3)
    assert np.array_equal(blended.mask, mask * np.float32(0.3)) and blended.texture is None
