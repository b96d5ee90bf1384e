"""The transforms behind the research recipes: records, replay and misuse."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.functional.anomaly_sources import grid_shuffle
from synthdefect.functional.texture_ops import grayscale, hflip, vflip
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.anomaly_sources import GridShuffle, SolidColor
from synthdefect.transforms.base import Compose
from synthdefect.transforms.blend import GaussianBetaBlend, PoissonBlend
from synthdefect.transforms.choice import RandomChoice
from synthdefect.transforms.patch import CutPastePatch, ScarPatch
from synthdefect.transforms.records import RecordError, transform_from_record
from synthdefect.transforms.texture import TextureSample


def test_flip_and_grayscale_kernels(rgb_image):
    assert np.array_equal(hflip(rgb_image), rgb_image[:, ::-1])
    assert np.array_equal(vflip(rgb_image), rgb_image[::-1])
    grey = grayscale(rgb_image)
    assert grey.shape == rgb_image.shape
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    from PIL import Image

    expected = np.asarray(Image.fromarray(rgb_image).convert("L"))
    assert np.array_equal(grey[..., 0], expected)


def test_solid_color_then_paste(rgb_image):
    from synthdefect.transforms.blend import BetaBlend

    recipe = Compose(
        [("texture", SolidColor()), ("patch", CutPastePatch()), ("blend", BetaBlend((1.0, 1.0)))]
    )
    result = recipe(rgb_image, seed=0)
    color = result.params["steps"]["texture"]["params"]["color"]
    inside = result.image[result.mask > 0]
    assert len(color) == 3 and (inside == color).all()
    assert np.array_equal(recipe.replay(rgb_image, result.params).image, result.image)


def test_random_choice_records_and_rebuild(rgb_image):
    choice = RandomChoice([("colour", SolidColor()), ("self", TextureSample("self"))], p=[0.3, 0.7])
    sample = Sample.from_image(rgb_image)
    picks = [choice.make_params(sample_rng(0, i), sample)["params"]["choice"] for i in range(400)]
    assert 0.6 < picks.count("self") / 400 < 0.8
    record = choice.make_params(sample_rng(0, 1), sample)
    rebuilt = transform_from_record(record)
    assert np.array_equal(
        rebuilt.apply(sample, record).texture, choice.apply(sample, record).texture
    )
    bad = {**record, "params": {"choice": "paint"}}
    with pytest.raises(RecordError, match="paint"):
        choice.apply(sample, bad)
    with pytest.raises(ValueError, match="sum"):
        RandomChoice([("a", SolidColor())], p=[0.5])


def test_grid_shuffle_record_checks(rgb_image):
    shuffle = GridShuffle((2, 4))
    sample = Sample.from_image(rgb_image).evolve(texture=rgb_image)
    record = shuffle.make_params(sample_rng(0, 0), sample)
    assert sorted(record["params"]["order"]) == list(range(8))
    with pytest.raises(RecordError, match="permutation"):
        shuffle.apply(sample, {**record, "params": {"order": [0] * 8}})
    with pytest.raises(ValueError, match="texture"):
        shuffle.apply(Sample.from_image(rgb_image), record)


@pytest.mark.parametrize("shape", [(6, 6), (3, 20), (1, 1)])
def test_grid_shuffle_cuts_its_grid_to_one_pixel_cells_on_a_texture_smaller_than_it(
    rgb_image, shape
):
    """An 8x8 grid on a 6x6 texture shuffles its 36 pixels (a 6x6 grid) in the order the
    record's 64 cells give them; on a 3x20 texture 3x8 cells of 1x2 pixels, the last four
    columns in place. The record keeps its 64-cell order, so it replays."""
    texture = rgb_image[: shape[0], : shape[1]]
    sample = Sample.from_image(texture).evolve(texture=texture)
    shuffle = GridShuffle((8, 8))
    record = shuffle.make_params(sample_rng(0, 3), sample)
    order = record["params"]["order"]
    assert sorted(order) == list(range(64))
    out = shuffle.apply(sample, record).texture
    rows, cols = min(8, shape[0]), min(8, shape[1])
    kept = [r * 8 + c for r in range(rows) for c in range(cols)]
    fitted = [kept.index(cell) for cell in order if cell in kept]
    assert np.array_equal(out, grid_shuffle(texture, rows, cols, fitted))
    assert np.array_equal(out, shuffle.apply(sample, record).texture)
    pixels = np.sort(texture.reshape(-1, 3), axis=0)
    assert np.array_equal(np.sort(out.reshape(-1, 3), axis=0), pixels)  # moved, not made
    core = cols * (shape[1] // cols)
    assert np.array_equal(out[:, core:], texture[:, core:])  # the columns left over stay
    assert shape == (1, 1) or not np.array_equal(out, texture)


def test_gaussian_beta_blend_and_poisson_blend_need_a_texture(rgb_image):
    sample = Sample.from_image(rgb_image)
    for blend in (GaussianBetaBlend(), PoissonBlend()):
        record = blend.make_params(sample_rng(0, 0), sample)
        with pytest.raises(ValueError, match="texture"):
            blend.apply(sample, record)
    with pytest.raises(ValueError, match="clip"):
        GaussianBetaBlend(clip=(0.5, 1.5))


def test_patch_records_are_validated(rgb_image):
    scar = ScarPatch()
    sample = Sample.from_image(rgb_image)
    record = scar.make_params(sample_rng(0, 0), sample)
    patch = record["params"]["patches"][0]
    broken = {**record, "params": {**record["params"], "patches": [{**patch, "size": [0, 3]}]}}
    with pytest.raises(RecordError, match="size"):
        scar.apply(sample, broken)
    with pytest.raises(RecordError, match="settings"):
        ScarPatch(width=(3, 4)).apply(sample, record)
    assert np.array_equal(
        transform_from_record(record).apply(sample, record).mask, scar.apply(sample, record).mask
    )


def test_poisson_blend_transform_takes_float_images(rgb_image):
    """float32 images in [0, 1] (torch input) are cloned in 8 bits; other pixels stay exact."""
    from synthdefect.functional.blend import poisson_blend
    from synthdefect.functional.shapes import rectangle_mask

    image = rgb_image.astype(np.float32) / 255.0
    texture = np.flipud(rgb_image).copy()
    mask = rectangle_mask(64, 80, 30, 40, 20, 30)
    sample = Sample.from_image(image).evolve(texture=texture, mask=mask)
    blend = PoissonBlend()
    out = blend.apply(sample, blend.make_params(sample_rng(0, 0), sample)).image
    assert out.dtype == np.float32
    assert np.array_equal(out[mask == 0], image[mask == 0])
    expected = poisson_blend(rgb_image, texture, mask)[mask > 0] / 255.0
    np.testing.assert_allclose(out[mask > 0], expected, atol=1e-6)
