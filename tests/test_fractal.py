"""The Fractal family: the IFS kernel, its draws, the patch, the noise and the preset."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import synthdefect as sd
from synthdefect.cli import main
from synthdefect.functional import (
    dilate_mask,
    gaussian_noise,
    ifs_raster,
    scale_channels,
    singular_values,
    transplant,
)
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms import FractalPatch, GaussianNoise, RecordError, find_step
from synthdefect.transforms.fractal import CHECK_POINTS, CHECK_SIZE

SIERPINSKI = np.array([[0.5, 0, 0, 0.5, 0, 0], [0.5, 0, 0, 0.5, 0.5, 0], [0.5, 0, 0, 0.5, 0, 0.5]])
"""The right-angled Sierpinski triangle on the unit square: x + y <= 1, middle removed."""


def _image(height: int = 64, width: int = 80, channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(40, 200, size=(height, width, channels), dtype=np.uint8)


def test_ifs_raster_draws_the_attractor_deterministically():
    raster = ifs_raster(SIERPINSKI, 64, 100_000, seed=3)
    assert raster.dtype == np.float32 and raster.shape == (64, 64)
    assert set(np.unique(raster)) == {0.0, 1.0}
    assert raster[0, 0] == raster[0, 63] == raster[63, 0] == 1.0  # the triangle's corners
    assert not raster[40:, 40:].any()  # x + y > 1
    assert not raster[22:29, 22:29].any()  # the removed middle triangle
    assert np.array_equal(raster, ifs_raster(SIERPINSKI, 64, 100_000, seed=3))
    assert not np.array_equal(
        ifs_raster(SIERPINSKI, 64, 2_000, seed=3), ifs_raster(SIERPINSKI, 64, 2_000, seed=4)
    )


def test_ifs_raster_of_one_point_sets_the_centre_pixel():
    shrink = np.array([[0.5, 0, 0, 0.5, 0, 0]])  # the chaos game stays at its start, 0
    raster = ifs_raster(shrink, 9, 1_000)
    assert raster[4, 4] == 1.0 and raster.sum() == 1.0


@pytest.mark.parametrize(
    ("maps", "size", "points", "seed", "message"),
    [
        (np.zeros((2, 5)), 8, 10, 0, "rows"),
        (np.full((1, 6), np.nan), 8, 10, 0, "finite"),
        (np.array([[1.2, 0, 0, 0.5, 0, 0]]), 8, 10, 0, "contractive"),
        (SIERPINSKI, 0, 10, 0, "positive"),
        (SIERPINSKI, 8, 0, 0, "positive"),
        (SIERPINSKI, 8, 10, -1, "seed"),
        (SIERPINSKI, 8, 10, 2**64, "seed"),
    ],
)
def test_ifs_raster_refuses_bad_systems(maps, size, points, seed, message):
    with pytest.raises(ValueError, match=message):
        ifs_raster(maps, size, points, seed)


def test_singular_values_match_numpy():
    maps = np.random.default_rng(1).uniform(-1, 1, size=(20, 6))
    expected = [np.linalg.svd(m[:4].reshape(2, 2), compute_uv=False) for m in maps]
    assert np.allclose(singular_values(maps), expected)


def test_transplant_mirrors_about_the_source_centre_before_turning():
    image = _image(31, 31)
    left_right = transplant(image, 31, 31, (15, 15), (15, 15), flip=(False, True))
    top_bottom = transplant(image, 31, 31, (15, 15), (15, 15), flip=(True, False))
    assert np.array_equal(left_right, image[:, ::-1])
    assert np.array_equal(top_bottom, image[::-1])
    both = transplant(image, 31, 31, (15, 15), (15, 15), angle=90.0, flip=(True, False))
    assert np.array_equal(both, np.rot90(image[::-1]))  # mirrored first, then turned


def test_dilate_mask_grows_by_one_pixel_per_iteration():
    mask = np.zeros((15, 15), np.float32)
    mask[7, 7] = 1.0
    grown = dilate_mask(mask, 3)
    expected = np.zeros_like(mask)
    expected[4:11, 4:11] = 1.0
    assert grown.dtype == np.float32 and np.array_equal(grown, expected)
    assert np.array_equal(dilate_mask(mask, 0), mask)
    with pytest.raises(ValueError, match="iterations"):
        dilate_mask(mask, -1)


def test_scale_channels_multiplies_each_channel_by_its_factor():
    image = np.full((2, 2, 3), 100, np.uint8)
    assert (scale_channels(image, [0.0, 1.0, 1.96]) == [0, 100, 196]).all()
    assert (scale_channels(image, [1.0, 3.0, 1.0])[..., 1] == 255).all()  # clipped
    assert (scale_channels(image[..., :1], [0.5]) == 50).all()
    with pytest.raises(ValueError, match="one factor per channel"):
        scale_channels(image, [1.0, 1.0])


def test_gaussian_noise_is_seeded_and_clipped():
    image = np.full((64, 64, 1), 128, np.uint8)
    noisy = gaussian_noise(image, 10.0, seed=5)
    assert np.array_equal(noisy, gaussian_noise(image, 10.0, seed=5))
    assert 9.0 < noisy.astype(float).std() < 11.0 and abs(noisy.mean() - 128) < 1.0
    assert np.array_equal(gaussian_noise(image, 0.0, seed=5), image)
    assert gaussian_noise(np.full((8, 8, 3), 255, np.uint8), 50.0, 1).max() == 255
    with pytest.raises(ValueError, match="sigma"):
        gaussian_noise(image, -1.0, 0)


def test_gaussian_noise_step_changes_only_the_box_of_the_mask():
    image = np.full((40, 40, 3), 120, np.uint8)
    mask = np.zeros((40, 40), np.float32)
    mask[10:20, 5:15] = 1.0
    sample = Sample.from_image(image).evolve(mask=mask, texture=image)
    out, record = GaussianNoise(10.0).forward(sample, sample_rng(0, 0))
    changed = (out.texture != image).any(axis=2)
    assert changed[10:20, 5:15].mean() > 0.8 and not changed[mask == 0].any()
    assert np.array_equal(GaussianNoise(10.0).apply(sample, record).texture, out.texture)
    with pytest.raises(ValueError, match=r"needs sample\.texture"):
        GaussianNoise().apply(Sample.from_image(image), record)


def test_drawn_systems_are_contractive_and_neither_dots_nor_squares():
    transform = FractalPatch()
    for index in range(30):
        ifs = transform.draw_ifs(sample_rng(6, index))
        maps = np.array(ifs["maps"])
        sigmas = singular_values(maps)
        assert ((sigmas > 0.2 - 1e-9) & (sigmas < 0.95 + 1e-9)).all()
        assert 3.5 - 1e-9 <= (sigmas[:, 0] + 2 * sigmas[:, 1]).sum() <= 4.0 + 1e-9
        coverage = ifs_raster(maps, CHECK_SIZE, CHECK_POINTS, ifs["seed"]).mean()
        assert 0.1 <= coverage <= 0.5
        assert ifs == transform.draw_ifs(sample_rng(6, index))


def test_a_system_no_draw_accepts_is_the_last_one_drawn():
    transform = FractalPatch(coverage=(0.99, 1.0), max_draws=5)
    ifs = transform.draw_ifs(sample_rng(0, 0))
    assert ifs["draws"] == 5 and ifs == transform.draw_ifs(sample_rng(0, 0))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"side": (0.0, 0.5)}, "side"),
        ({"singular": (0.2, 1.0)}, "singular"),
        ({"coverage": (0.5, 0.1)}, "coverage"),
        ({"points": 0}, "points"),
        ({"max_draws": 1.5}, "max_draws"),
        ({"dilation": -1}, "dilation"),
    ],
)
def test_fractal_patch_refuses_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        FractalPatch(**settings)


def test_fractal_patch_pastes_the_fractal_and_masks_it_dilated():
    image = _image(96, 96)
    sample = Sample.from_image(image).evolve(texture=255 - image)
    for index in range(10):
        out, record = FractalPatch(dilation=0).forward(sample, sample_rng(7, index))
        (patch,) = record["params"]["patches"]
        side = patch["size"][0]
        assert side % 2 == 1 and 9 <= side <= 48 and 15 <= patch["angle"] <= 75
        pasted = (out.texture != image).any(axis=2)
        assert not pasted[out.mask == 0].any() and pasted[out.mask == 1].mean() > 0.5
        grown = FractalPatch(dilation=3)
        dilated = grown.apply(sample, {**record, "settings": grown.settings()})
        assert np.array_equal(dilated.mask, dilate_mask(out.mask, 3))


@pytest.mark.parametrize("channels", [1, 3])
def test_the_fractal_preset_makes_replayable_defects_in_grey_and_colour(channels):
    image = _image(channels=channels)
    recipe = sd.make_recipe("fractal", p_anomaly=1.0)
    colours, noisy = set(), 0
    for index in range(24):
        result = recipe(image, seed=4, index=index)
        assert result.label == 1 and result.image.shape == image.shape
        changed = (result.image != image).any(axis=2)
        assert not changed[result.mask == 0].any()
        assert np.array_equal(sd.replay(image, result.params).image, result.image)
        assert np.array_equal(sd.replay(image, json.dumps(result.params)).mask, result.mask)
        colours.add(find_step(result.params, "color")["params"]["choice"])
        noisy += find_step(result.params, "noise")["params"]["applied"]
    assert colours == {"jitter", "brightness-contrast", "channels"} and 4 <= noisy <= 20


def test_the_fractal_preset_stays_on_the_foreground_and_takes_no_textures():
    image = _image()
    foreground = np.zeros(image.shape[:2], np.float32)
    foreground[10:50, 20:70] = 1.0
    recipe = sd.make_recipe("fractal", p_anomaly=1.0, foreground=lambda _image: foreground)
    for index in range(10):
        result = recipe(image, seed=5, index=index)
        assert result.label == 1 and not result.mask[foreground == 0].any()
        (patch,) = find_step(result.params, "patch")["params"]["patches"]
        for y, x in (patch["source"], patch["target"]):
            assert foreground[int(y), int(x)] == 1.0
    with pytest.raises(ValueError, match="takes no textures"):
        sd.make_recipe("fractal", textures="self")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda patch: patch.update(size=[10.0, 10.0]), "odd square"),
        (lambda patch: patch.update(scale=1.5), "scale"),
        (lambda patch: patch["ifs"].update(maps=patch["ifs"]["maps"][:1]), "maps"),
        (lambda patch: patch.update(flip=[1, 0]), "flip"),
    ],
)
def test_fractal_patch_refuses_edited_records(change, message):
    sample = Sample.from_image(_image())
    record = FractalPatch().make_params(sample_rng(0, 1), sample)
    record = json.loads(json.dumps(record))
    change(record["params"]["patches"][0])
    with pytest.raises(RecordError, match=message):
        FractalPatch().apply(sample, record)


def test_the_command_line_generates_and_benches_the_fractal_preset(tmp_path):
    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    out = tmp_path / "run"
    args = ["--n", "4", "--out", str(out), "--preset", "fractal", "--p-anomaly", "1"]
    result = run("generate", *args, "--size", "48", "--channels", "1", "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["label"] == 1 for line in lines)
    result = run("bench", "--preset", "fractal", "--seconds", "0.2", "--size", "64")
    assert result.exit_code == 0, result.output
    assert result.output.split()[0] == "fractal" and float(result.output.split()[1]) > 0
