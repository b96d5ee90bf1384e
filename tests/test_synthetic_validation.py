"""Synthetic validation: the held-out split (``train --validate``), the synthetic test set and
``evaluate --synthetic``, on the tiny category of test_reference_pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_reference_pipeline import (
    _assert_usage_error,
    _invoke,
    _tiny_args,
    _write_generated,
)

import synthdefect as sd
from reference_model.checkpoint import load_model
from reference_model.data import DataError, anomaly_training_set
from reference_model.evaluate import METRIC_NAMES
from reference_model.split import SPLIT_NAME, parse_amount, read_split, split_folder, split_images
from reference_model.synthetic import (
    NORMAL,
    build_synthetic_set,
    default_validation_recipes,
    evaluate_synthetic,
    parse_recipes,
    recipe_options,
)
from reference_model.train import VALIDATION_LOG_NAME


@pytest.fixture(scope="module")
def trained(category, tmp_path_factory) -> Path:
    """A tiny model trained a few steps without --validate."""
    run = tmp_path_factory.mktemp("run")
    result = _invoke("train", "--data", category / "train/good", "--out", run, "--steps", 4,
                     *_tiny_args())  # fmt: skip
    assert result.exit_code == 0, result.output
    return run


def test_families_group_the_presets_and_a_mixture_has_its_parts_families():
    assert sd.preset_families("paper") == ("perlin-texture",)
    assert sd.preset_families("cutpaste-scar") == sd.preset_families("cutpaste") == ("patch",)
    assert sd.preset_families("mix") == ("perlin-texture", "patch", "poisson-patch")
    assert sd.preset_families("nsa:2+memseg+glass") == ("poisson-patch", "perlin-texture")
    assert sd.family_preset("perlin-texture") == "draem-code"
    assert sd.family_table() == {
        "perlin-texture": ["draem-code", "paper", "memseg", "glass", "destseg"],
        "patch": ["cutpaste", "cutpaste-scar"], "poisson-patch": ["nsa", "nsa-logistic"],
        "cutout": ["cutout"],
        "intensity-disc": ["intensity-disc"], "fractal": ["fractal"], "fpi": ["fpi"],
    }  # fmt: skip
    with pytest.raises(ValueError, match="unknown preset"):
        sd.preset_families("nope")


def test_the_default_validation_recipes_are_the_families_not_trained_on():
    everything = ["draem-code", "cutpaste", "nsa", "cutout", "intensity-disc", "fractal", "fpi"]
    assert default_validation_recipes(None) == everything
    assert default_validation_recipes("my-recipe.json") == everything
    assert default_validation_recipes("memseg") == everything[1:]
    assert default_validation_recipes("mix") == ["cutout", "intensity-disc", "fractal", "fpi"]
    assert default_validation_recipes("mix+cutout+intensity-disc+fractal+fpi") == []


def _names(count: int) -> list[Path]:
    return [Path(f"/data/{i:03d}.png") for i in range(count)]


def test_the_split_depends_on_the_seed_and_names_only_and_is_disjoint():
    paths = _names(20)
    split = split_images("/data", paths, 0.25, seed=3)
    assert len(split.held_out) == 5 and len(split.training) == 15
    assert set(split.held_out).isdisjoint(split.training)
    assert sorted(split.held_out + split.training) == [p.name for p in paths]
    assert split_images("/data", paths[::-1], 0.25, seed=3) == split
    assert split_images("/data", paths, 0.25, seed=4).held_out != split.held_out
    assert len(split_images("/data", paths, 3, seed=3).held_out) == 3
    assert len(split_images("/data", _names(3), 0.01, seed=0).held_out) == 1  # at least one
    with pytest.raises(ValueError, match="too few normal images"):
        split_images("/data", _names(3), 2, seed=0)


@pytest.mark.parametrize("text", ["0", "1.5", "-1", "abc", "nan", "inf"])
def test_a_bad_held_out_amount_is_refused(text):
    with pytest.raises(ValueError, match="--validate"):
        parse_amount(text)


def test_recipe_lists_are_parsed_and_checked():
    assert parse_recipes("nsa, draem-code+cutpaste ,x.json") == ["nsa", "draem-code+cutpaste",
                                                                 "x.json"]  # fmt: skip
    for bad in ("nsa,,cutout", "nsa,nsa", "normal"):
        with pytest.raises(ValueError):
            parse_recipes(bad)


def test_the_training_set_of_a_split_never_holds_a_held_out_image(category):
    data = category / "train/good"
    split = split_folder(data, 3, seed=1)
    recipe = sd.RecipeOptions(preset="cutpaste")
    dataset, _ = anomaly_training_set(data, recipe, 32, 1, split.training_paths())
    assert {p.name for p in dataset.images.paths} == set(split.training)
    assert {Path(dataset[i]["source"]).name for i in range(len(dataset))}.isdisjoint(split.held_out)
    assert len(anomaly_training_set(data, recipe, 32, 1)[0]) == 8


def _held_out(category: Path) -> list[Path]:
    return sorted((category / "train/good").iterdir())[:3]


def test_the_synthetic_set_is_the_same_whatever_else_is_listed(category):
    images = _held_out(category)
    both = build_synthetic_set(images, ["cutout", "nsa"], 32, samples=4)
    alone = build_synthetic_set(images, ["nsa"], 32, samples=4)
    again = build_synthetic_set(images, ["cutout", "nsa"], 32, samples=4, workers=2)
    assert list(both.groups) == [NORMAL] * 3 + ["cutout"] * 4 + ["nsa"] * 4
    assert torch.equal(both.images, again.images) and torch.equal(both.masks, again.masks)
    assert torch.equal(both.images[both.groups == "nsa"], alone.images[alone.groups == "nsa"])
    assert torch.equal(both.subset(["nsa"]).images, alone.images)
    # the normal images are the held-out ones as they are: unaltered, label 0, empty masks
    assert not both.labels[:3].any() and not both.masks[:3].any()
    assert both.labels[3:].all() and both.masks[3:].flatten(1).any(1).all()
    with pytest.raises(ValueError, match="synthetic recipe 'bogus'"):
        build_synthetic_set(images, ["nsa", "bogus"], 32, samples=4)
    # a texture folder goes to the recipes that take textures only (cutpaste refuses them)
    textured = build_synthetic_set(
        images, ["cutpaste", "draem-code"], 32, samples=2, textures=category / "test/spot"
    )
    assert textured.recipes == ("cutpaste", "draem-code") and textured.labels[3:].all()


def test_recipes_of_another_normal_image_take_the_normal_images_not_the_texture_folder(category):
    images = _held_out(category)
    folder = category / "test/spot"
    options = recipe_options("nsa", folder, None, normal_images=images)
    assert options.textures == tuple(images)
    assert recipe_options("fpi", folder, None, normal_images=images).textures == tuple(images)
    assert recipe_options("draem-code", folder, None, normal_images=images).textures == folder
    assert recipe_options("nsa", folder, None).textures == folder  # no normal images known
    # the synthetic set's nsa and fpi patches come from the held-out images, whatever --textures
    plain = build_synthetic_set(images, ["nsa", "fpi"], 32, samples=3)
    textured = build_synthetic_set(images, ["nsa", "fpi"], 32, samples=3, textures=folder)
    assert torch.equal(plain.images, textured.images)


def test_evaluate_synthetic_gives_the_four_metrics_overall_and_per_recipe(trained, category):
    model, _ = load_model(trained / "checkpoint.pt")
    synthetic = build_synthetic_set(_held_out(category), ["cutout", "nsa"], 32, samples=4)
    result = evaluate_synthetic(model, synthetic, torch.device("cpu"), batch=3)
    assert result["images"] == {NORMAL: 3, "cutout": 4, "nsa": 4}
    assert set(result["metrics"]) == {"overall", "cutout", "nsa"}
    for values in result["metrics"].values():
        assert set(values) == set(METRIC_NAMES)
        assert all(0.0 <= v <= 1.0 for v in values.values())
    assert evaluate_synthetic(model, synthetic, torch.device("cpu"), batch=8) == result


def _validated_run(category: Path, run: Path, *extra: object):
    return _invoke("train", "--data", category / "train/good", "--out", run, "--steps", 6,
                   "--save-every", 3, *_tiny_args(), "--synthetic-samples", 4,
                   "--validate", 2, "--preset", "cutpaste", *extra)  # fmt: skip


def test_train_validate_records_the_split_scores_checkpoints_and_resumes(category, tmp_path):
    run = tmp_path / "run"
    result = _validated_run(category, run, "--stop-at", 3)
    assert result.exit_code == 0, result.output
    assert "step 3: synthetic validation image_auroc" in result.output
    recorded = (run / SPLIT_NAME).read_bytes()
    split = read_split(run)
    assert len(split.held_out) == 2 and len(split.training) == 6
    assert set(split.held_out).isdisjoint(split.training)
    assert split == split_folder(category / "train/good", 2, seed=0)

    result = _validated_run(category, run, "--resume")
    assert result.exit_code == 0, result.output
    assert (run / SPLIT_NAME).read_bytes() == recorded
    lines = [json.loads(x) for x in (run / VALIDATION_LOG_NAME).read_text().splitlines()]
    assert [line["step"] for line in lines] == [3, 6]
    # cutpaste trains the patch family: the others score it
    assert set(lines[0]["metrics"]) == {"overall", "draem-code", "nsa", "cutout",
                                        "intensity-disc", "fractal", "fpi"}  # fmt: skip

    # another split is other data: refused, the recorded split kept
    result = _validated_run(category, run, "--resume", "--validate", 3)
    _assert_usage_error(result, "other data")
    assert (run / SPLIT_NAME).read_bytes() == recorded

    # evaluate finds the split and scores the same set as the last checkpoint's validation
    result = _invoke("evaluate", "--checkpoint", run / "checkpoint.pt", "--synthetic", "auto",
                     "--synthetic-samples", 4)  # fmt: skip
    assert result.exit_code == 0, result.output
    scores = json.loads((run / "synthetic_metrics.json").read_text())
    assert scores["metrics"] == lines[-1]["metrics"]
    assert "intensity-disc" in result.output and "pixel_auroc" in result.output


def test_validation_refusals(category, trained, tmp_path):
    data = category / "train/good"
    run = ["--out", tmp_path / "run", *_tiny_args()]
    for value, words in (("0", "fraction"), ("7", "too few normal images"),
                         ("x", "fraction")):  # fmt: skip
        _assert_usage_error(_invoke("train", "--data", data, *run, "--validate", value), words)
    result = _invoke("train", "--data", data, *run, "--validate-with", "nsa")
    _assert_usage_error(result, "--validate-with needs --validate")
    result = _invoke("train", "--data", data, *run, "--validate", "--validate-with", "nsa,bogus")
    _assert_usage_error(result, "synthetic recipe 'bogus'")
    result = _invoke("train", "--data", data, *run, "--validate", "--preset",
                     "mix+cutout+intensity-disc+fractal+fpi")  # fmt: skip
    _assert_usage_error(result, "holds every family", "--validate-with")
    generated = _write_generated(tmp_path / "generated")
    result = _invoke("train", "--data", generated, *run, "--validate")
    _assert_usage_error(result, "--validate needs a folder of normal images")
    assert not (tmp_path / "run").exists()

    checkpoint = trained / "checkpoint.pt"
    result = _invoke("evaluate", "--checkpoint", checkpoint, "--synthetic", "nsa")
    _assert_usage_error(result, "records no held-out split", "--validate")
    result = _invoke("evaluate", "--checkpoint", checkpoint, "--synthetic", "nsa,bogus",
                     "--data", data, "--out", tmp_path / "m.json")  # fmt: skip
    _assert_usage_error(result, "synthetic recipe 'bogus'")
    _assert_usage_error(_invoke("evaluate", "--checkpoint", checkpoint), "--data")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="the training set is empty"):
        split_folder(tmp_path / "empty", 1, seed=0)


def test_evaluate_synthetic_on_a_folder_of_normal_images(trained, category, tmp_path):
    out = tmp_path / "scores.json"
    args = ["evaluate", "--checkpoint", trained / "checkpoint.pt", "--data",
            category / "test/good", "--synthetic", "cutout,draem-code+nsa",
            "--synthetic-samples", 3, "--out", out]  # fmt: skip
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text())
    assert first["images"] == {NORMAL: 3, "cutout": 3, "draem-code+nsa": 3}
    assert first["synthetic"]["recipes"] == ["cutout", "draem-code+nsa"]
    assert _invoke(*args).exit_code == 0  # replaces its own earlier output
    assert json.loads(out.read_text()) == first
    assert np.isfinite(first["metrics"]["overall"]["pixel_auroc"])
