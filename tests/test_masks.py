"""Perlin masks (functional) and the PerlinMask transform."""

from __future__ import annotations

import json

import numpy as np
import pytest
from perlin_oracle import oracle_mask, oracle_noise

from synthdefect.files.codec import encode_mask, read_image
from synthdefect.functional.geometry import rotate
from synthdefect.functional.masks import anomalous_pixels, mask_area, mask_levels, perlin_mask
from synthdefect.functional.perlin import fractal_perlin_noise, perlin_gradients
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.mask import PerlinMask


def test_mask_is_binary_float32() -> None:
    mask = perlin_mask(60, 90, 4, 8, seed=1, angle=30.0, threshold=0.2)
    assert mask.dtype == np.float32
    assert mask.shape == (60, 90)
    assert set(np.unique(mask)) == {0.0, 1.0}


def test_angle_zero_is_unrotated_threshold() -> None:
    noise = fractal_perlin_noise(64, 48, 4, 2, 5)
    np.testing.assert_array_equal(perlin_mask(64, 48, 4, 2, 5), (noise > 0.5).astype(np.float32))
    np.testing.assert_array_equal(
        perlin_mask(64, 48, 4, 2, 5, angle=0.0, threshold=-0.1), (noise > -0.1).astype(np.float32)
    )


@pytest.mark.parametrize(("angle", "threshold"), [(0.0, 0.5), (37.5, 0.5), (-90.0, 0.1)])
def test_mask_matches_oracle_path(angle: float, threshold: float) -> None:
    mask = perlin_mask(71, 96, 8, 4, 12, angle=angle, threshold=threshold)
    expected = oracle_mask(71, 96, 8, 4, 12, angle=angle, threshold=threshold)
    differ = mask != expected
    rotated = rotate(
        oracle_noise(71, 96, 8, 4, perlin_gradients(12, 8, 4)).astype(np.float32), angle
    )
    # float32 rounding can only flip pixels whose value sits on the threshold
    assert np.all(np.abs(rotated[differ] - threshold) < 1e-5)
    assert differ.mean() < 1e-3


def test_rotation_turns_the_mask() -> None:
    flat = perlin_mask(128, 128, 1, 8, 3, threshold=0.3)
    turned = perlin_mask(128, 128, 1, 8, 3, angle=90.0, threshold=0.3)
    assert not np.array_equal(flat, turned)
    # a 90 degree turn of a square image maps the centre region onto itself, rotated
    np.testing.assert_array_equal(turned[16:-16, 16:-16], np.rot90(flat)[16:-16, 16:-16])


def test_corners_are_zero_filled_after_rotation() -> None:
    """Pixels rotated in from outside the image have noise 0, so they are 1 iff 0 > threshold."""
    for threshold in (-0.3, 0.3):
        mask = perlin_mask(64, 64, 2, 2, 0, angle=45.0, threshold=threshold)
        corners = mask[[0, 0, -1, -1], [0, -1, 0, -1]]
        np.testing.assert_array_equal(corners, float(threshold < 0))


def test_threshold_controls_area() -> None:
    areas = [mask_area(perlin_mask(64, 64, 4, 4, 9, threshold=t)) for t in (-0.5, 0.0, 0.3, 0.6)]
    assert areas == sorted(areas, reverse=True)
    assert areas[0] > 0.8
    assert mask_area(perlin_mask(64, 64, 4, 4, 9, threshold=1.0)) == 0.0


def test_mask_area() -> None:
    mask = np.zeros((10, 20), np.float32)
    mask[:5, :4] = 1.0
    assert mask_area(mask) == pytest.approx(0.1)
    assert mask_area(np.full((3, 3), 255, np.uint8)) == 1.0
    assert mask_area(np.full((3, 3), 0.4, np.float32)) == 0.0
    with pytest.raises(ValueError):
        mask_area(np.zeros((0, 4)))


def test_one_threshold_for_float_eight_bit_and_bool_masks() -> None:
    values = np.array([0.0, 0.25, 0.499, 0.5, 0.75, 1.0], np.float32)
    assert anomalous_pixels(values).tolist() == [False, False, False, True, True, True]
    assert anomalous_pixels(np.array([0, 127, 128, 255], np.uint8)).tolist() == [0, 0, 1, 1]
    flags = np.array([True, False])
    assert anomalous_pixels(flags) is flags
    with pytest.raises(TypeError, match="int64"):
        anomalous_pixels(np.array([0, 1]))


@pytest.mark.parametrize(
    ("peak", "label"), [(0.0, 0), (0.4 / 255, 0), (0.3, 1), (0.5, 1), (1.0, 1)]
)
def test_label_agrees_with_the_written_mask_file(tmp_path, peak, label) -> None:
    mask = np.zeros((8, 8), np.float32)
    mask[2:5, 3:6] = peak
    mask[6, 6] = peak / 2
    (tmp_path / "mask.png").write_bytes(encode_mask(mask))
    written = read_image(tmp_path / "mask.png", channels=1)[:, :, 0]
    assert Sample.from_image(np.zeros((8, 8, 3), np.uint8)).evolve(mask=mask).label == label
    assert int(written.any()) == label  # a label-1 sample's mask file is never empty
    assert np.array_equal(written, mask_levels(mask))  # soft values kept as 8-bit levels
    assert np.array_equal(anomalous_pixels(written), anomalous_pixels(mask))


def test_perlin_mask_record_is_plain_json_and_replays() -> None:
    transform = PerlinMask()
    mask, record = transform.generate(96, 80, sample_rng(3, 7))
    assert set(record["params"]) == {"res", "seed", "angle", "threshold", "attempts"}
    assert json.loads(json.dumps(record)) == record
    assert record["type"] == "PerlinMask" and record["settings"] == transform.settings()
    record = record["params"]
    assert all(type(r) is int for r in record["res"])
    assert type(record["seed"]) is int and type(record["attempts"]) is int
    assert type(record["angle"]) is float and type(record["threshold"]) is float
    np.testing.assert_array_equal(mask, transform.build(96, 80, json.loads(json.dumps(record))))


def test_transform_call_and_replay(rgb_image: np.ndarray) -> None:
    transform = PerlinMask(threshold=0.2, min_area=0.01)
    result = transform(rgb_image, seed=4)
    assert result.mask.shape == rgb_image.shape[:2]
    assert result.label == 1
    np.testing.assert_array_equal(result.image, rgb_image)
    replayed = transform.replay(rgb_image, result.params)
    np.testing.assert_array_equal(replayed.mask, result.mask)
    applied = transform.apply(Sample.from_image(rgb_image), result.params)
    np.testing.assert_array_equal(applied.mask, result.mask)


def test_same_rng_seed_same_mask_different_seeds_differ() -> None:
    transform = PerlinMask(threshold=0.2)
    first, rec1 = transform.generate(64, 64, sample_rng(0, 1))
    again, rec2 = transform.generate(64, 64, sample_rng(0, 1))
    assert rec1 == rec2
    np.testing.assert_array_equal(first, again)
    others = [transform.generate(64, 64, sample_rng(0, i))[0] for i in range(2, 6)]
    assert all(not np.array_equal(first, other) for other in others)


def test_draws_stay_in_configured_ranges() -> None:
    transform = PerlinMask(scale_exponents=(1, 3), angle=(-10, 20), threshold=(0.1, 0.4))
    rng = np.random.default_rng(0)
    records = [transform.generate(32, 32, rng)[1]["params"] for _ in range(200)]
    res = {r for rec in records for r in rec["res"]}
    assert res == {2, 4, 8}
    assert all(-10 <= rec["angle"] <= 20 for rec in records)
    assert all(0.1 <= rec["threshold"] <= 0.4 for rec in records)
    assert any(rec["res"][0] != rec["res"][1] for rec in records)  # axes drawn independently


def test_no_rotation_options() -> None:
    rng = np.random.default_rng(1)
    for angle in (None, 0, 0.0, (0, 0)):
        assert PerlinMask(angle=angle).generate(16, 16, rng)[1]["params"]["angle"] == 0.0
    assert PerlinMask(angle=30).angle == (-30.0, 30.0)


def test_min_area_redraws_until_covered() -> None:
    transform = PerlinMask(min_area=0.05, max_retries=50)
    results = [transform.generate(64, 64, sample_rng(1, i)) for i in range(30)]
    assert all(mask_area(mask) >= 0.05 for mask, _ in results)
    assert any(record["params"]["attempts"] > 1 for _, record in results)
    # the record describes the kept (final) draw
    for mask, record in results:
        np.testing.assert_array_equal(mask, transform.build(64, 64, record["params"]))


def test_impossible_min_area_keeps_last_draw() -> None:
    transform = PerlinMask(min_area=1.0, max_retries=4)
    mask, record = transform.generate(32, 32, sample_rng(0, 0))
    assert record["params"]["attempts"] == 4
    assert mask_area(mask) < 1.0
    np.testing.assert_array_equal(mask, transform.build(32, 32, record["params"]))
    assert PerlinMask().generate(32, 32, sample_rng(0, 0))[1]["params"]["attempts"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale_exponents": (3, 1)}, "scale_exponents"),
        ({"scale_exponents": (-1, 2)}, "scale_exponents"),
        ({"scale_exponents": (0.5, 2)}, "scale_exponents"),
        ({"scale_exponents": 3}, "scale_exponents"),
        ({"angle": (10, -10)}, "angle"),
        ({"angle": (0, float("nan"))}, "angle"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": (0.6, 0.2)}, "threshold"),
        ({"threshold": "high"}, "threshold"),
        ({"octaves": 0}, "octaves"),
        ({"persistence": 0.0}, "persistence"),
        ({"lacunarity": 0.5}, "lacunarity"),
        ({"min_area": 1.5}, "min_area"),
        ({"max_retries": 0}, "max_retries"),
        # settings whose cost grows without bound: refused when built, not met as a hang or a
        # MemoryError at the first sample
        ({"octaves": 16}, r"2\*\*5 \* 2\.0\*\*15 = 1048576 lattice cells"),
        ({"scale_exponents": (20, 20)}, "lattice cells per side"),
        ({"scale_exponents": (0, 70)}, "lattice cells per side"),
        ({"lacunarity": 1e6, "octaves": 4}, "lattice cells per side"),
        ({"lacunarity": 1e300, "octaves": 3}, "lattice cells per side"),
        ({"max_retries": 10**6}, r"max_retries must be in \[1, 1000\]"),
        ({"angle": (-1e308, 1e308)}, r"angle must be finite with -360\.0 <= lo <= hi <= 360\.0"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PerlinMask(**kwargs)


def test_the_lattice_bound_admits_what_the_presets_use() -> None:
    PerlinMask(scale_exponents=(0, 10))  # 1024 cells per side
    PerlinMask(octaves=6)  # 2**5 * 2**5
    PerlinMask(octaves=16, lacunarity=1.0)
    PerlinMask(max_retries=1000, angle=360)


def test_a_record_edited_to_a_huge_lattice_is_refused_not_run(rgb_image: np.ndarray) -> None:
    from synthdefect import RecordError, find_step, make_recipe, replay

    recipe = make_recipe("destseg", p_anomaly=1.0)
    record = json.loads(json.dumps(recipe(rgb_image, seed=0, index=0).params))
    find_step(record, "mask")["settings"]["scale_exponents"] = [0, 70]
    with pytest.raises(RecordError, match="lattice cells per side"):
        replay(rgb_image, record)


def test_draem_code_settings_area_statistics() -> None:
    """DRAEM code settings at 256x256: mean area about 5 %, about 5 % empty (see docs/masks.md)."""
    transform = PerlinMask()  # k in {0..5} per axis, angle in [-90, 90], threshold 0.5
    areas = np.array(
        [mask_area(transform.generate(256, 256, sample_rng(0, i))[0]) for i in range(1000)]
    )
    assert 0.03 <= areas.mean() <= 0.08
    assert (areas == 0).mean() < 0.10
