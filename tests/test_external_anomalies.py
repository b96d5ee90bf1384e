"""Anomalies made elsewhere: (image, mask) pairs from a folder in the MVTec AD layout or by name,
resized with the image, recorded by file and content hash, refused when incomplete."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import synthdefect as sd
from synthdefect.cli import main
from synthdefect.files.codec import write_image
from synthdefect.transforms.records import RecordError


def _pair(image_path: Path, mask_path: Path, size=(24, 30), seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    image_path.parent.mkdir(parents=True, exist_ok=True)
    mask_path.parent.mkdir(parents=True, exist_ok=True)
    write_image(image_path, rng.integers(0, 256, (*size, 3), np.uint8))
    mask = np.zeros(size, np.uint8)
    mask[4:12, 6 + seed : 18 + seed] = 255
    write_image(mask_path, mask)


def _mvtec(root: Path) -> Path:
    for i, kind in enumerate(("crack", "crack", "scratch")):
        stem = f"{i:03d}"
        _pair(
            root / "test" / kind / f"{stem}.png",
            root / "ground_truth" / kind / f"{stem}_mask.png",
            seed=i,
        )
    (root / "test" / "good").mkdir()
    write_image(root / "test" / "good" / "009.png", np.zeros((24, 30, 3), np.uint8))
    return root


def _named(root: Path) -> Path:
    for i in range(2):
        _pair(root / f"gen_{i}.png", root / f"gen_{i}_mask.png", seed=i)
    return root


def test_an_mvtec_folder_gives_its_defective_pairs_sorted(tmp_path):
    pairs = sd.AnomalyPairs(_mvtec(tmp_path / "made"))
    assert [pairs.name(i) for i in range(len(pairs))] == [
        "test/crack/000.png",
        "test/crack/001.png",
        "test/scratch/002.png",
    ]
    assert len({pairs.digest(i) for i in range(3)}) == 3


def test_pairs_by_name(tmp_path):
    pairs = sd.AnomalyPairs(_named(tmp_path / "made"))
    assert [pairs.name(i) for i in range(len(pairs))] == ["gen_0.png", "gen_1.png"]


@pytest.mark.parametrize("channels", [1, 3])
def test_a_pair_replaces_the_sample_resized_with_the_image(tmp_path, channels):
    folder = _named(tmp_path / "made")
    recipe = sd.external_recipe(folder, p_anomaly=1.0)
    normal = np.full((48, 60, channels), 128, np.uint8)
    result = recipe(normal, seed=0, index=0)
    index = sd.find_step(result.params, "pairs")["params"]["index"]
    source = sd.files.read_image(folder / f"gen_{index}.png", channels=channels)
    assert result.image.shape == normal.shape and result.mask.shape == (48, 60)
    assert np.array_equal(result.image, sd.functional.geometry.resize(source, 48, 60))
    assert np.array_equal(result.normal, result.image)
    expected = np.zeros((48, 60), np.float32)
    expected[8:24, 12 + 2 * index : 36 + 2 * index] = 1.0
    assert np.array_equal(result.mask, expected) and result.label == 1


def test_records_name_the_file_and_its_hash_and_replay_byte_identically(tmp_path, rgb_image):
    folder = _mvtec(tmp_path / "made")
    recipe = sd.external_recipe(folder)
    made = [recipe(rgb_image, seed=1, index=i) for i in range(8)]
    assert {m.label for m in made} == {0, 1}
    for result in made:
        again = sd.replay(rgb_image, json.dumps(result.params))
        assert np.array_equal(again.image, result.image)
        assert np.array_equal(again.mask, result.mask)
    drawn = next(m for m in made if m.label)
    step = sd.find_step(drawn.params, "pairs")["params"]
    assert step["name"].startswith("test/") and len(step["digest"]) == 16
    changed = folder / step["name"]
    write_image(changed, np.zeros((24, 30, 3), np.uint8))
    with pytest.raises(RecordError, match="replay with the folder the record was made with"):
        sd.replay(rgb_image, drawn.params)


def test_float_images_get_float_pairs(tmp_path):
    recipe = sd.external_recipe(_named(tmp_path / "made"), p_anomaly=1.0)
    result = recipe(np.zeros((24, 30, 3), np.float32), seed=0, index=0)
    assert (
        result.image.dtype == np.float32 and 0.0 <= result.image.min() <= result.image.max() <= 1.0
    )


def test_a_missing_or_mismatched_pair_is_refused_in_one_line(tmp_path):
    mvtec = _mvtec(tmp_path / "mvtec")
    (mvtec / "ground_truth" / "scratch" / "002_mask.png").unlink()
    with pytest.raises(ValueError, match=r"002.png has no mask \(expected .*002_mask.png\)"):
        sd.AnomalyPairs(mvtec)
    named = _named(tmp_path / "named")
    (named / "gen_1_mask.png").unlink()
    with pytest.raises(ValueError, match=r"gen_1\.png has no mask"):
        sd.external_recipe(named)
    lonely = _named(tmp_path / "lonely")
    (lonely / "gen_0.png").unlink()
    with pytest.raises(ValueError, match=r"gen_0_mask\.png has no image"):
        sd.AnomalyPairs(lonely)
    sizes = _named(tmp_path / "sizes")
    write_image(sizes / "gen_0_mask.png", np.zeros((12, 30), np.uint8))
    with pytest.raises(ValueError, match=r"is 30x12 but its image .* is 30x24"):
        sd.AnomalyPairs(sizes)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no \\(image, mask\\) pairs"):
        sd.AnomalyPairs(tmp_path / "empty")
    with pytest.raises(ValueError, match="draws \\(image, mask\\) pairs from a folder"):
        sd.external_recipe(None)


def test_the_command_line_generates_from_a_folder_of_pairs(tmp_path):
    folder = _named(tmp_path / "made")
    out = tmp_path / "run"
    args = ["generate", "--n", "4", "--size", "32x40", "--out", str(out), "--textures", str(folder)]
    args += ["--recipe", "synthdefect.recipes.external:external_recipe"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(t) for t in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and any(line["label"] for line in lines)
    for line in lines:
        if line["label"]:
            assert sd.find_step(line["params"], "pairs")["params"]["name"].startswith("gen_")
    (folder / "gen_1_mask.png").unlink()
    result = CliRunner().invoke(main, [*args[:6], str(tmp_path / "again"), *args[7:]])
    assert result.exit_code == 2 and "gen_1.png has no mask" in result.output


def test_pairs_mix_with_a_preset_and_replay(tmp_path, rgb_image):
    elsewhere = sd.external_recipe(_named(tmp_path / "made"), p_anomaly=1.0)
    choice = sd.RandomChoice(
        [("ours", sd.make_recipe("cutpaste", p_anomaly=1.0)), ("elsewhere", elsewhere)]
    )
    anomaly = sd.RandomApply(sd.Compose([("choice", choice)]), p=1.0)
    mixed = sd.Compose([("anomaly", anomaly)], name="ours+elsewhere")
    made = [mixed(rgb_image, seed=3, index=i) for i in range(12)]
    branches = {sd.find_step(m.params, "choice")["params"]["choice"] for m in made}
    assert branches == {"ours", "elsewhere"}
    for result in made:
        again = sd.replay(rgb_image, result.params)
        assert np.array_equal(again.image, result.image)
        assert np.array_equal(again.mask, result.mask)


def test_a_recipe_file_names_its_pairs_folder_relative_to_itself(tmp_path, rgb_image):
    project = tmp_path / "project"
    recipe = sd.external_recipe(_named(project / "made"), p_anomaly=1.0)
    sd.save_recipe(recipe, project / "pairs.json")
    saved = json.loads((project / "pairs.json").read_text())
    assert sd.find_step(saved, "pairs")["settings"]["folder"] == "made"
    made = sd.load_recipe(project / "pairs.json")(rgb_image, seed=0, index=0)
    assert np.array_equal(made.image, recipe(rgb_image, seed=0, index=0).image)
    with pytest.raises(ValueError, match="lies outside"):
        sd.save_recipe(recipe, tmp_path / "elsewhere" / "pairs.json")
