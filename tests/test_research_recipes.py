"""The research presets: replay, label/mask agreement, and their parameter distributions
against the source papers' and released code's ranges (>= 500 draws each)."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.recipes import PRESETS, make_recipe
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.foreground import Foreground
from synthdefect.transforms.records import find_step, walk_records

RESEARCH = ["cutpaste", "cutpaste-scar", "nsa", "memseg", "glass", "destseg"]
N = 500


@pytest.fixture(scope="module")
def object_image() -> np.ndarray:
    """A 96x128 dark textured object (an ellipse) on a bright background."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:96, 0:128]
    inside = ((yy - 48) / 36) ** 2 + ((xx - 64) / 50) ** 2 <= 1
    grey = np.where(inside, 70 + 30 * np.sin(xx / 3.0), 235) + rng.normal(0, 6, inside.shape)
    rgb = np.stack([grey, grey * 0.9, grey * 0.8], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def draws(transform, n=N, shape=(256, 256, 3), foreground=None):
    sample = Sample.from_image(np.zeros(shape, np.uint8)).evolve(foreground=foreground)
    return [transform.make_params(sample_rng(1, i), sample)["params"] for i in range(n)]


def test_every_research_preset_is_registered():
    assert set(RESEARCH) <= set(PRESETS)
    assert {"draem-code", "paper"} <= set(PRESETS)


@pytest.mark.parametrize("name", RESEARCH)
@pytest.mark.parametrize("foreground", [None, "auto"])
def test_replay_is_exact_and_labels_match_masks(name, foreground, object_image):
    recipe = make_recipe(name, foreground=foreground, p_anomaly=0.7)
    labels = []
    for index in range(12):
        result = recipe(object_image, seed=3, index=index)
        again = recipe.replay(object_image, result.params)
        assert np.array_equal(again.image, result.image)
        assert np.array_equal(again.mask, result.mask)
        assert result.label == int(result.mask.any())
        changed = np.any(result.image != object_image, axis=2)
        assert not (changed & (result.mask == 0)).any()  # pixels change only under the mask
        labels.append(result.label)
    assert 0 < sum(labels) < 12


@pytest.mark.parametrize("name", RESEARCH)
def test_anomalies_always_have_a_defect_inside_the_foreground(name, object_image):
    recipe = make_recipe(name, foreground="auto", p_anomaly=1.0)
    foreground = recipe.foreground_of(object_image)
    for index in range(30):
        result = recipe(object_image, seed=5, index=index)
        assert result.label == 1 and result.mask.any()
        assert not (result.mask * (1 - foreground)).any()
        attempts = [
            r["params"]["attempts"]
            for _, r in walk_records(result.params)
            if "attempts" in r.get("params", {})
        ]
        assert all(1 <= a <= 10 for a in attempts)


@pytest.mark.parametrize("name", RESEARCH)
def test_p_anomaly(name):
    recipe = make_recipe(name, p_anomaly=0.5)
    sample = Sample.from_image(np.zeros((32, 32, 3), np.uint8))
    applied = [
        recipe.make_params(sample_rng(2, i), sample)["steps"]["anomaly"]["params"]["applied"]
        for i in range(N)
    ]
    assert 0.44 < np.mean(applied) < 0.56


def patch_steps(name):
    return make_recipe(name)["anomaly"].transform["patch"]


def test_cutpaste_areas_and_aspect_ratios():
    patches = [p["patches"][0] for p in draws(patch_steps("cutpaste"))]
    h, w = np.array([p["size"] for p in patches]).T
    area, aspect = h * w / 256**2, w / h
    assert area.min() >= 0.02 * 0.9 and area.max() <= 0.15  # whole pixels round down
    assert 0.07 < area.mean() < 0.09  # uniform on [0.02, 0.15]
    assert aspect.min() >= 0.3 * 0.9 and aspect.max() <= 3.3 * 1.1
    assert 0.42 < np.mean(aspect < 1) < 0.58  # (0.3, 1) or (1, 3.3), equal chances
    assert all(p["angle"] == 0 and p["scale"] == 1 for p in patches)
    for p in patches:  # source and target lie inside the image
        for centre in (p["source"], p["target"]):
            assert centre[0] - (p["size"][0] - 1) / 2 >= 0
            assert centre[0] + (p["size"][0] - 1) / 2 <= 255


def test_scar_sizes_and_rotation():
    patches = [p["patches"][0] for p in draws(patch_steps("cutpaste-scar"))]
    h, w = np.array([p["size"] for p in patches]).T
    angle = np.array([p["angle"] for p in patches])
    assert set(w) == set(range(2, 17)) and set(h) == set(range(10, 26))
    assert angle.min() >= -45 and angle.max() <= 45
    assert abs(angle.mean()) < 4 and 23 < angle.std() < 29  # uniform: std 45 / sqrt(3) = 26


def test_nsa_patch_counts_sizes_and_resizing():
    records = draws(patch_steps("nsa"))
    counts = np.bincount([len(r["patches"]) for r in records], minlength=4)[1:] / N
    np.testing.assert_allclose(counts, [0.25, 0.5, 0.25], atol=0.06)  # 1 + two coin flips
    patches = [p for r in records for p in r["patches"]]
    half = np.array([p["size"] for p in patches]).ravel() / 2 / 256
    assert half.min() >= 0.03 - 1 / 256 and half.max() <= 0.4
    assert 0.11 < half.mean() < 0.15  # 0.03 + Gamma(2, 0.05): mean 0.13
    scale = np.array([p["scale"] for p in patches])
    assert scale.min() >= 0.7 and scale.max() <= 1.3
    at_bounds = np.mean((scale == 0.7) | (scale == 1.3))
    assert 0.48 < at_bounds < 0.62  # P(|N(0, 0.5)| > 0.3) = 0.55


def test_nsa_ellipses_option_stays_inside_the_patch():
    from synthdefect.transforms.patch import NSAPatches

    transform = NSAPatches(ellipses=4)
    sample = Sample.from_image(np.zeros((128, 128, 3), np.uint8))
    for i in range(20):
        record = transform.make_params(sample_rng(4, i), sample)
        patches = record["params"]["patches"]
        assert all(len(p["ellipses"]) == 4 for p in patches)
        mask = transform.apply(sample, record).mask
        boxes = sum(transform.patch_mask(128, 128, {**p, "ellipses": None}) for p in patches)
        assert mask.any() and not (mask * (boxes == 0)).any()


def test_memseg_sources_and_transparency():
    steps = make_recipe("memseg")["anomaly"].transform
    choices = [r["choice"] for r in draws(steps["source"], shape=(64, 64, 3))]
    assert 0.44 < np.mean([c == "structure" for c in choices]) < 0.56
    betas = np.array([r["beta"] for r in draws(steps["blend"])])
    assert betas.min() >= 0.15 and betas.max() <= 1.0 and 0.55 < betas.mean() < 0.6
    masks = draws(steps["mask"], shape=(64, 64, 3))
    assert {m["threshold"] for m in masks} == {0.5}
    assert {r for m in masks for r in m["res"]} == {1, 2, 4, 8, 16, 32}


def test_memseg_structure_is_the_shuffled_image(object_image):
    steps = make_recipe("memseg", p_anomaly=1.0)["anomaly"].transform
    structure = steps["source"].options[1][1]
    sample = Sample.from_image(object_image)
    record = structure.make_params(sample_rng(0, 0), sample)
    texture = structure.apply(sample, record).texture
    order = find_step(record, "shuffle")["params"]["order"]
    assert sorted(order) == list(range(64)) and order != list(range(64))
    assert texture.shape == object_image.shape


def test_glass_mask_combinations_and_blend_factor():
    steps = make_recipe("glass")["anomaly"].transform
    hows = [r["how"] for r in draws(steps["mask"], shape=(64, 64, 3))]
    for how in ("union", "intersection", "first"):
        assert abs(hows.count(how) / N - 1 / 3) < 0.06
    betas = np.array([r["beta"] for r in draws(steps["blend"])])
    assert betas.min() >= 0.2 and betas.max() <= 0.8
    assert abs(betas.mean() - 0.5) < 0.02 and 0.085 < betas.std() < 0.11


def test_glass_union_and_intersection_masks():
    steps = make_recipe("glass")["anomaly"].transform
    mask_step = steps["mask"]
    sample = Sample.from_image(np.zeros((64, 64, 3), np.uint8))
    seen = set()
    for i in range(40):
        record = mask_step.make_params(sample_rng(6, i), sample)
        draws_ = record["params"]
        first = mask_step.build(64, 64, draws_["first"]) > 0
        second = mask_step.build(64, 64, draws_["second"]) > 0
        mask = mask_step.apply(sample, record).mask > 0
        expected = {"union": first | second, "intersection": first & second, "first": first}
        assert np.array_equal(mask, expected[draws_["how"]])
        seen.add(draws_["how"])
    assert seen == {"union", "intersection", "first"}


def test_destseg_opacity_and_no_texture_ops():
    steps = make_recipe("destseg")["anomaly"].transform
    assert [name for name, _ in steps.steps] == ["mask", "texture", "blend"]
    betas = np.array([r["beta"] for r in draws(steps["blend"])])
    assert betas.min() > 0.2 and betas.max() <= 1.0 and abs(betas.mean() - 0.6) < 0.03


def test_cutpaste_takes_no_textures():
    with pytest.raises(ValueError, match="takes no textures"):
        make_recipe("cutpaste", textures="some/folder")
    make_recipe("cutpaste-scar", textures="procedural")  # the command line's default


def test_nsa_takes_the_patch_from_another_image(object_image):
    other = np.full_like(object_image, 10)
    steps = make_recipe("nsa", textures=[other])["anomaly"].transform
    sample = Sample.from_image(object_image)
    record = steps.make_params(sample_rng(0, 0), sample)["steps"]
    sample = steps["texture"].apply(sample, record["texture"])
    sample = steps["patch"].apply(sample, record["patch"])
    assert sample.mask.any() and (sample.texture[sample.mask > 0] == 10).all()


@pytest.mark.parametrize("name", ["cutpaste", "cutpaste-scar", "nsa"])
def test_patches_are_cut_from_the_object_of_their_source(name, object_image):
    """With a foreground, a patch is also cut from the object (NSA checks its source patches
    against the object too): every source centre lies on the foreground, here for nsa that of
    another normal image of the same, aligned object."""
    other = np.ascontiguousarray(object_image[:, ::-1])  # mirrored: the same place, other pixels
    recipe = make_recipe(
        name, textures=[other] if name == "nsa" else None, foreground="auto", p_anomaly=1.0
    )
    foreground = recipe.foreground_of(object_image)
    assert 0.2 < foreground.mean() < 0.8
    for index in range(40):
        result = recipe(object_image, seed=2, index=index)
        for patch in find_step(result.params, "patch")["params"]["patches"]:
            y, x = (round(v) for v in patch["source"])
            assert foreground[y, x] > 0, (index, patch)


def test_foreground_record_and_replay_checks(object_image):
    recipe = make_recipe("cutpaste", foreground="auto", p_anomaly=1.0)
    assert isinstance(recipe, Foreground)
    result = recipe(object_image, seed=0, index=1)
    assert result.params["type"] == "Foreground"
    assert result.params["settings"]["source"] == "auto"
    area = result.params["params"]["area"]
    assert 0.4 < area < 0.7
    smaller = object_image.copy()
    smaller[:, 64:] = object_image[0, 0]  # half the object painted over with the background
    with pytest.raises(ValueError, match="foreground covers"):
        recipe.replay(smaller, result.params)
    with pytest.raises(ValueError, match="finds no object"):
        recipe.replay(np.full_like(object_image, 128), result.params)


def test_foreground_callable(object_image):
    left = np.zeros(object_image.shape[:2])
    left[:, :30] = 1
    recipe = make_recipe("paper", foreground=lambda image: left, p_anomaly=1.0)
    for index in range(10):
        result = recipe(object_image, seed=1, index=index)
        assert result.mask.any() and not result.mask[:, 30:].any()
    assert recipe.settings()["source"] == "callable"
    with pytest.raises(ValueError, match="shape"):
        make_recipe("paper", foreground=lambda image: left[:10])(object_image, seed=0)
    with pytest.raises(ValueError, match="auto"):
        make_recipe("paper", foreground="everywhere")


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (2.0, r"values in \[2, 2\]: a float mask holds values in \[0, 1\]"),
        (-1.0, r"values in \[-1, -1\]"),
        (float("nan"), "values in \\[nan, nan\\]"),
    ],
)
def test_a_foreground_callable_out_of_range_is_refused(object_image, mask, message):
    recipe = make_recipe("paper", foreground=lambda image: np.full(image.shape[:2], mask))
    with pytest.raises(ValueError, match=f"the foreground callable returned {message}"):
        recipe(object_image, seed=0)


@pytest.mark.parametrize("name", ["draem-code", "paper", "cutpaste"])
def test_a_foreground_callable_never_writes_into_the_callers_image(object_image, name):
    def writes(image):
        mask = (image[:, :, 0] > 0).astype(np.float32)
        image[:] = 0  # a careless callable
        return np.ones_like(mask)

    given = object_image.copy()
    make_recipe(name, foreground=writes, p_anomaly=1.0)(given, seed=0)
    np.testing.assert_array_equal(given, object_image)


@pytest.mark.data
@pytest.mark.parametrize("name", ["paper", "cutpaste", "nsa"])
def test_bottle_defects_stay_off_the_bright_background(name, bottle_train_dir):
    """Defect pixels on the background (grey > 200 in the source image) over 40 samples on
    MVTec AD bottle: well over 2 % without a foreground, under 2 % with ``auto``."""
    from PIL import Image

    paths = sorted(bottle_train_dir.glob("*.png"))[:8]
    images = [np.asarray(Image.open(p).convert("RGB").resize((256, 256))) for p in paths]

    def background_share(foreground):
        recipe = make_recipe(name, foreground=foreground, p_anomaly=1.0)
        on_background = total = 0
        for index in range(40):
            image = images[index % len(images)]
            mask = recipe(image, seed=0, index=index).mask > 0.5
            bright = image.astype(np.float64) @ [0.299, 0.587, 0.114] > 200
            on_background += (mask & bright).sum()
            total += mask.sum()
        return on_background / total

    assert background_share(None) > 0.05
    assert background_share("auto") < 0.02


@pytest.mark.parametrize("name", RESEARCH)
def test_replay_from_the_record_alone(name, object_image):
    import json

    from synthdefect.recipes import replay

    recipe = make_recipe(name, foreground="auto", p_anomaly=1.0)
    result = recipe(object_image, seed=0, index=2)
    again = replay(object_image, json.dumps(result.params))
    assert np.array_equal(again.image, result.image) and np.array_equal(again.mask, result.mask)


def test_record_walks_reach_inside_foreground_and_choice(object_image):
    recipe = make_recipe("memseg", foreground="auto", p_anomaly=1.0)
    kinds = set()
    for index in range(12):
        record = recipe(object_image, seed=0, index=index).params
        choice = find_step(record, "source")
        assert choice is not None and choice["type"] == "RandomChoice"
        kinds.add(choice["params"]["choice"])
        names = [
            sub.get("params", {}).get("name")
            for _, sub in walk_records(record)
            if sub["type"] == "TextureSample"
        ]
        assert any(names)  # the drawn texture (or "self") is found
    assert kinds == {"texture", "structure"}


def test_dataset_with_a_research_recipe(tmp_path, object_image):
    import cv2

    from synthdefect.dataset import SyntheticAnomalyDataset

    for i in range(2):
        cv2.imwrite(str(tmp_path / f"part_{i}.png"), object_image[:, :, ::-1])
    recipe = make_recipe("cutpaste-scar", foreground="auto", p_anomaly=1.0)
    dataset = SyntheticAnomalyDataset(tmp_path, transform=recipe, size=(96, 128), seed=0)
    item = dataset[1]
    assert item["label"] == 1 and item["mask"].sum() > 0
    again = dataset[1]
    assert (again["image"] == item["image"]).all()
