"""Beta-blending kernel and BetaBlend transform against the DRAEM formula."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.functional.blend import beta_blend
from synthdefect.sample import Sample
from synthdefect.transforms.blend import BetaBlend


def draem_formula(image01: np.ndarray, texture01: np.ndarray, mask: np.ndarray, beta: float):
    m = mask[:, :, None].astype(np.float64)
    return (1 - m) * image01 + (1 - beta) * (m * image01) + beta * (m * texture01)


@pytest.fixture
def inputs(rng):
    image = rng.integers(0, 256, (37, 51, 3), dtype=np.uint8)
    texture = rng.integers(0, 256, (37, 51, 3), dtype=np.uint8)
    hard = (rng.random((37, 51)) > 0.6).astype(np.float32)
    soft = rng.random((37, 51)).astype(np.float32)
    return image, texture, hard, soft


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.55, 1.0])
@pytest.mark.parametrize("kind", ["hard", "soft"])
def test_uint8_matches_formula_within_rounding(inputs, beta, kind):
    image, texture, hard, soft = inputs
    mask = hard if kind == "hard" else soft
    out = beta_blend(image, texture, mask, beta)
    expected = draem_formula(image / 255.0, texture / 255.0, mask, beta) * 255.0
    assert out.dtype == np.uint8 and out.shape == image.shape
    assert np.abs(out.astype(np.float64) - expected).max() <= 0.5 + 1e-3


@pytest.mark.parametrize("kind", ["hard", "soft"])
def test_float_matches_formula(inputs, kind):
    image, texture, hard, soft = inputs
    mask = hard if kind == "hard" else soft
    image01 = image.astype(np.float32) / 255.0
    out = beta_blend(image01, texture, mask, 0.7)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, draem_formula(image01, texture / 255.0, mask, 0.7), atol=1e-5)


def test_outside_mask_unchanged_and_input_untouched(inputs):
    image, texture, hard, _ = inputs
    before = image.copy()
    out = beta_blend(image, texture, hard, 1.0)
    assert np.array_equal(image, before)
    assert np.array_equal(out[hard == 0], image[hard == 0])
    assert np.array_equal(out[hard == 1], texture[hard == 1])


def test_grey_images(rng):
    image = rng.integers(0, 256, (8, 9, 1), dtype=np.uint8)
    texture = np.full_like(image, 200)
    out = beta_blend(image, texture, np.ones((8, 9), np.float32), 0.5)
    assert np.abs(out.astype(int) - (image.astype(int) + 200) / 2).max() <= 0.5 + 1e-3


@pytest.mark.parametrize(
    ("texture_shape", "mask_shape", "beta"),
    [((4, 5, 3), (4, 4), 0.5), ((4, 4, 1), (4, 4), 0.5), ((4, 4, 3), (4, 4), 1.5)],
)
def test_bad_arguments(texture_shape, mask_shape, beta):
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError):
        beta_blend(image, np.zeros(texture_shape, np.uint8), np.zeros(mask_shape, np.float32), beta)


def test_beta_blend_transform_ranges_and_replay(inputs, rng):
    image, texture, hard, _ = inputs
    sample = Sample.from_image(image).evolve(texture=texture, mask=hard)
    code = BetaBlend((0.2, 1.0), open_low=True)
    betas = [code.make_params(rng, sample)["params"]["beta"] for _ in range(2000)]
    assert min(betas) > 0.2 and max(betas) <= 1.0
    paper = BetaBlend((0.1, 1.0))
    betas = [paper.make_params(rng, sample)["params"]["beta"] for _ in range(2000)]
    assert 0.1 <= min(betas) < 0.15 and 0.95 < max(betas) < 1.0
    out, record = paper.forward(sample, rng)
    assert np.array_equal(paper.apply(sample, record).image, out.image)
    with pytest.raises(ValueError, match="TextureSample"):
        paper.apply(Sample.from_image(image), record)
    with pytest.raises(ValueError):
        BetaBlend((0.5, 0.2))
