"""NSA's intensity targets: the kernel against the rule written out, the step, the
``nsa-logistic`` preset (records, replay, float images, grey, mixtures) and bad settings."""

from __future__ import annotations

import json
import warnings

import cv2
import numpy as np
import pytest

import synthdefect as sd
from synthdefect.functional.targets import NSA_LOGISTIC, intensity_target
from synthdefect.sample import Sample


def _changed_square(change: int, size: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    normal = np.full((size, size, 3), 100, np.uint8)
    image = normal.copy()
    image[10:30, 10:30] += np.uint8(change)
    mask = np.zeros((size, size), np.float32)
    mask[5:35, 5:35] = 1.0  # the patch's rectangle: wider than what changed
    return image, normal, mask


def test_only_the_changed_pixels_of_the_mask_are_a_target():
    image, normal, mask = _changed_square(60)
    hard = intensity_target(image, normal, mask, logistic=None)
    assert hard.dtype == np.float32 and hard.shape == mask.shape
    square = np.zeros(mask.shape, np.uint8)
    square[10:30, 10:30] = 1  # less its corners, which the 5 x 5 median takes off
    assert np.array_equal(hard, cv2.medianBlur(square, 5).astype(np.float32))
    assert hard[10:30, 10:30].sum() == 400 - 4 * 3
    outside = mask.copy()
    outside[10:30, 10:30] = 0.0  # a change outside the mask is no target
    assert not intensity_target(image, normal, outside, logistic=None).any()


@pytest.mark.parametrize("change", [0, 1, 2, 10, 20, 30, 60])
def test_the_logistic_target_follows_the_change(change):
    image, normal, mask = _changed_square(change)
    soft = intensity_target(image, normal, mask)
    k, x0 = NSA_LOGISTIC
    centre = soft[15:25, 15:25]  # where the 11 x 11 median sees the change only
    if change <= 1:  # the tolerance: not changed
        assert not soft.any()
    else:
        assert np.allclose(centre, 1 / (1 + np.exp(-k * (change - x0))), atol=1e-6)
    assert not soft[mask == 0].any() and soft.max() <= 1.0


def test_the_kernel_equals_nsas_rule_written_out():
    rng = np.random.default_rng(3)
    normal = rng.integers(0, 256, (48, 56, 3), dtype=np.uint8)
    image = normal.copy()
    image[8:40, 6:50] = np.clip(normal[8:40, 6:50] + rng.integers(-40, 40, (32, 44, 3)), 0, 255)
    mask = np.zeros((48, 56), np.float32)
    mask[4:44, 4:52] = 1.0
    change = np.abs(image.astype(float) - normal).mean(axis=2)
    changed = cv2.medianBlur(((change > 1.0) & (mask >= 0.5)).astype(np.uint8), 5)
    level = cv2.medianBlur(np.rint(change * changed).astype(np.uint8), 11)
    expected = changed / (1 + np.exp(-(level - 20.0) / 6.0))
    assert np.allclose(intensity_target(image, normal, mask), expected, atol=1e-6)
    as_float = intensity_target(image / np.float32(255), normal / np.float32(255), mask)
    assert np.allclose(as_float, expected, atol=1e-6)


def test_nsa_logistic_is_nsa_then_its_target():
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    soft = sd.make_recipe("nsa-logistic", p_anomaly=1.0)
    hard = sd.make_recipe("nsa", p_anomaly=1.0)
    seen_soft = 0
    for index in range(12):
        a, b = soft(image, seed=1, index=index), hard(image, seed=1, index=index)
        assert np.array_equal(a.image, b.image)  # the same defect
        expected = intensity_target(b.image, b.normal, b.mask)
        assert np.array_equal(a.mask, expected)
        assert a.label == int((a.mask * 255 >= 0.5).any())
        seen_soft += bool(((a.mask > 0) & (a.mask < 0.99)).any())
        replayed = sd.replay(image, json.loads(json.dumps(a.params)))
        assert np.array_equal(replayed.mask, a.mask) and np.array_equal(replayed.image, a.image)
    assert seen_soft > 0
    assert sd.preset_families("nsa-logistic") == sd.preset_families("nsa")


@pytest.mark.parametrize("shape", [(32, 40, 1), (8, 200, 3)])
def test_nsa_logistic_on_grey_thin_and_float_images(shape):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    recipe = sd.make_recipe("nsa-logistic", p_anomaly=1.0)
    out = recipe(image, seed=0, index=2)
    assert out.mask.shape == shape[:2] and 0.0 <= out.mask.min() <= out.mask.max() <= 1.0
    as_float = recipe(image.astype(np.float32) / 255, seed=0, index=2)
    assert as_float.mask.shape == shape[:2] and as_float.image.dtype == np.float32


def test_a_defect_that_changed_nothing_leaves_a_normal_sample():
    sample = Sample.from_image(np.full((24, 24, 3), 90, np.uint8))
    mask = np.ones((24, 24), np.float32)
    out, record = sd.IntensityTarget().forward(sample.evolve(mask=mask), np.random.default_rng())
    assert out.label == 0 and not out.mask.any()
    assert record["settings"] == {"tol": 1.0, "logistic": [1 / 6, 20.0]}


def test_a_mixture_branch_keeps_its_target():
    image = np.random.default_rng(2).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    mixture = sd.make_recipe("fractal+nsa-logistic", p_anomaly=1.0)
    soft = {}
    for index in range(16):
        out = mixture(image, seed=0, index=index)
        choice = out.params["steps"]["anomaly"]["transform"]["steps"]["choice"]
        branch = choice["params"]["choice"]
        soft.setdefault(branch, []).append(bool(((out.mask > 0) & (out.mask < 1)).any()))
    assert set(soft) == {"fractal", "nsa-logistic"}
    assert not any(soft["fractal"]) and any(soft["nsa-logistic"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"tol": -1}, "tol must be in [0, 255]"),
        ({"tol": "1"}, "tol must be a number"),
        ({"logistic": 3}, "logistic must be None or a pair (k, x0)"),
        ({"logistic": (0, 20)}, "logistic k must be in [1e-06, 100]"),
        ({"logistic": (1e308, 1e308)}, "logistic k must be in [1e-06, 100]"),  # overflowed
        ({"logistic": (0.1, 1e308)}, "logistic x0 must be in [-255, 255]"),
        ({"logistic": (0.1, float("nan"))}, "logistic x0 must be"),
    ],
)
def test_bad_settings_are_refused_in_one_line(settings, message):
    with pytest.raises(ValueError) as caught:
        sd.IntensityTarget(**settings)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_steep_logistic_gives_no_overflow_warning():
    image, normal, mask = _changed_square(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steep = intensity_target(image, normal, mask, logistic=(1e6, 200.0))
    assert steep.max() == 0.0 and np.isfinite(steep).all()


def test_the_batch_path_runs_the_target_on_the_host_and_equals_the_host_path():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (6, 40, 48, 3), dtype=np.uint8)
    recipe = sd.make_recipe("nsa-logistic", p_anomaly=1.0)
    result = recipe.batch(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), seed=2)
    assert "steps.anomaly.transform.steps.target" in result.fallbacks
    for b, image in enumerate(images):
        host = recipe(image, seed=2, index=b)
        assert result.params[b] == host.params
        assert np.array_equal(result.mask[b, 0].numpy(), host.mask)
        assert np.array_equal(result.image[b].permute(1, 2, 0).numpy(), host.image)


def test_nsa_logistic_takes_its_logistic_as_a_preset_setting(tmp_path):
    """``{"preset": "nsa-logistic", "logistic": [k, x0]}`` (or ``make_recipe(...,
    logistic=...)``) is the preset with that target; ``null`` gives hard labels of the changed
    pixels; the same samples as the steps written out."""
    image = np.random.default_rng(5).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    path = tmp_path / "nsa-k3-x7.json"
    path.write_text(json.dumps({"preset": "nsa-logistic", "p_anomaly": 1, "logistic": [1 / 3, 7]}))
    tuned = sd.load_recipe(path)
    written_out = sd.Compose(
        [
            (
                "anomaly",
                sd.RandomApply(
                    sd.Compose(
                        [
                            ("texture", sd.TextureSample("self")),
                            ("patch", sd.NSAPatches()),
                            ("blend", sd.PoissonBlend()),
                            ("target", sd.IntensityTarget(logistic=(1 / 3, 7))),
                        ]
                    ),
                    p=1.0,
                ),
            )
        ],
        name="nsa-logistic",
    )
    default = sd.make_recipe("nsa-logistic", p_anomaly=1.0)
    differs = 0
    for index in range(6):
        a, b = tuned(image, seed=0, index=index), written_out(image, seed=0, index=index)
        assert np.array_equal(a.mask, b.mask) and np.array_equal(a.image, b.image)
        differs += not np.array_equal(a.mask, default(image, seed=0, index=index).mask)
    assert differs > 0
    targets = [t for _, t in sd.make_recipe("nsa-logistic", logistic=None).walk()]
    assert [t.logistic for t in targets if isinstance(t, sd.IntensityTarget)] == [None]


@pytest.mark.parametrize(
    ("preset", "value", "message"),
    [
        ("nsa-logistic", 3, "logistic must be None or a pair (k, x0)"),
        ("nsa-logistic", [0, 20], "logistic k must be in [1e-06, 100]"),
        ("nsa", [1 / 3, 7], "preset 'nsa' has no setting 'logistic'"),
    ],
)
def test_a_bad_logistic_setting_is_one_line(tmp_path, preset, value, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"preset": preset, "logistic": value}))
    with pytest.raises(ValueError) as caught:
        sd.load_recipe(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
