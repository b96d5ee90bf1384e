"""Foreground from a folder of the user's masks, matched to each normal image by file name."""

from __future__ import annotations

import json
import os
import pickle

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

import synthdefect
from synthdefect import MaskFolder, SyntheticAnomalyDataset, make_recipe
from synthdefect.cli import main
from synthdefect.recipes import recipe_from_record
from synthdefect.transforms.records import RecordError

SIZE = 64


def _band(column: int, width: int = 20, size: int = SIZE) -> np.ndarray:
    """An 8-bit mask (0/255) whose foreground is a vertical band starting at ``column``."""
    mask = np.zeros((size, size), np.uint8)
    mask[:, column : column + width] = 255
    return mask


@pytest.fixture
def folders(tmp_path):
    """Three grey normal images and their masks: ``part_0.png`` and ``part_1_mask.png`` (MVTec
    style) at the image size, ``part_2.png`` at half size (resized on lookup)."""
    normal, masks = tmp_path / "normal", tmp_path / "masks"
    normal.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        image = rng.integers(60, 200, (SIZE, SIZE, 3), dtype=np.uint8)
        cv2.imwrite(str(normal / f"part_{i}.png"), image)
    cv2.imwrite(str(masks / "part_0.png"), _band(4))
    cv2.imwrite(str(masks / "part_1_mask.png"), _band(40))
    half = _band(10, 10, SIZE // 2)
    cv2.imwrite(str(masks / "part_2.png"), half)
    return normal, masks


def _expected(masks, i: int) -> np.ndarray:
    name = {0: "part_0.png", 1: "part_1_mask.png", 2: "part_2.png"}[i]
    pixels = cv2.imread(str(masks / name), cv2.IMREAD_GRAYSCALE)
    return cv2.resize(pixels, (SIZE, SIZE), interpolation=cv2.INTER_NEAREST) >= 128


def test_api_places_defects_inside_the_named_mask_and_replays(folders):
    normal, masks = folders
    recipe = make_recipe("paper", foreground=MaskFolder(masks), p_anomaly=1.0)
    image = cv2.imread(str(normal / "part_1.png"))[:, :, ::-1].copy()
    for index in range(8):
        result = recipe(image, seed=3, index=index, source=normal / "part_1.png")
        assert result.mask.any() and not (result.mask * ~_expected(masks, 1)).any()
        assert result.params["settings"] == {"source": "masks", "folder": str(masks)}
        assert result.params["params"]["mask"] == "part_1_mask.png"
        again = recipe.replay(image, result.params, source="part_1.png")
        assert np.array_equal(again.image, result.image)
        assert np.array_equal(again.mask, result.mask)
        rebuilt = recipe_from_record(result.params)
        assert np.array_equal(
            rebuilt.replay(image, result.params, "part_1.png").image, result.image
        )
    with pytest.raises(RecordError, match=r"part_1_mask\.png"):
        recipe.replay(image, result.params, source="part_0.png")


def test_a_batch_takes_one_source_name_per_image(folders):
    import torch

    _normal, masks = folders
    recipe = make_recipe("paper", foreground=MaskFolder(masks), p_anomaly=1.0)
    batch = torch.rand(2, 3, SIZE, SIZE)
    result = recipe(batch, seed=0, source=["part_0.png", "part_1.png"])
    for b in range(2):
        inside = torch.from_numpy(_expected(masks, b))
        assert result.mask[b, 0].any() and not result.mask[b, 0][~inside].any()
    with pytest.raises(ValueError, match="one name per image"):
        recipe(batch, seed=0, source="part_0.png")
    with pytest.raises(ValueError, match="1 source names for 2 images"):
        recipe(batch, seed=0, source=["part_0.png"])


def test_resized_mask_and_pickled_recipe(folders):
    _normal, masks = folders
    recipe = pickle.loads(pickle.dumps(make_recipe("cutpaste", foreground=MaskFolder(masks))))
    image = np.full((SIZE, SIZE, 3), 128, np.uint8)
    assert np.array_equal(recipe.foreground_of(image, "x/part_2.jpg") > 0, _expected(masks, 2))


def test_missing_or_ambiguous_mask_is_a_clear_error(folders, tmp_path):
    _normal, masks = folders
    recipe = make_recipe("paper", foreground=MaskFolder(masks), p_anomaly=1.0)
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    with pytest.raises(ValueError, match=r"no mask for other\.png"):
        recipe(image, seed=0, source="other.png")
    with pytest.raises(ValueError, match="source="):
        recipe(image, seed=0)
    cv2.imwrite(str(masks / "part_0_mask.png"), _band(8))
    with pytest.raises(ValueError, match="several masks"):
        MaskFolder(masks).lookup("part_0.png")
    with pytest.raises(ValueError, match="no such mask folder"):
        MaskFolder(tmp_path / "absent")


def test_dataset_looks_masks_up_by_its_image_paths(folders):
    normal, masks = folders
    recipe = make_recipe("paper", foreground=MaskFolder(masks), p_anomaly=1.0)
    ds = SyntheticAnomalyDataset(normal, recipe, size=(SIZE, SIZE), seed=1)
    for i in range(len(ds)):
        item = ds[i]
        mask = item["mask"][0].numpy()
        assert mask.any() and not (mask * ~_expected(masks, i)).any()
        assert json.loads(item["params"])["params"]["mask"].startswith(f"part_{i}")


def _generate(normal, masks, out, workers: int, *more: str):
    args = ["--n", "9", "--out", str(out), "--images", str(normal), "--size", str(SIZE)]
    args += ["--p-anomaly", "1", "--foreground", str(masks), "--workers", str(workers)]
    return CliRunner().invoke(main, ["generate", *args, *more, "--quiet"], catch_exceptions=False)


def test_generate_with_a_mask_folder(folders, tmp_path):
    normal, masks = folders
    outs = [tmp_path / "one", tmp_path / "two"]
    for out, workers in zip(outs, (1, 2), strict=True):
        result = _generate(normal, masks, out, workers)
        assert result.exit_code == 0, result.output
    manifest = (outs[0] / "manifest.jsonl").read_text()
    assert manifest == (outs[1] / "manifest.jsonl").read_text()
    for line in manifest.splitlines():
        entry = json.loads(line)
        i = int(entry["source"][len("part_")])
        mask = cv2.imread(str(outs[0] / entry["files"]["mask"]), cv2.IMREAD_GRAYSCALE) >= 128
        assert mask.any() and not (mask & ~_expected(masks, i)).any()
        for out in outs[1:]:
            assert (out / entry["files"]["image"]).read_bytes() == (
                outs[0] / entry["files"]["image"]
            ).read_bytes()
    config = json.loads((outs[0] / "config.json").read_text())
    assert config["recipe"]["settings"] == {"source": "masks", "folder": str(masks)}


def test_a_manifest_line_replays_with_its_source_name(folders, tmp_path):
    normal, masks = folders
    out = tmp_path / "out"
    assert _generate(normal, masks, out, 1).exit_code == 0
    for line in (out / "manifest.jsonl").read_text().splitlines()[:3]:
        entry = json.loads(line)
        image = cv2.imread(str(normal / entry["source"]))[:, :, ::-1].copy()
        made = cv2.imread(str(out / entry["files"]["image"]))[:, :, ::-1]
        assert np.array_equal(synthdefect.replay(image, line).image, made)
        other = f"part_{(int(entry['source'][len('part_')]) + 1) % 3}.png"
        with pytest.raises(RecordError, match="the record's foreground is the mask"):
            synthdefect.replay(image, entry["params"], source=other)


def test_resume_refuses_changed_masks(folders, tmp_path):
    normal, masks = folders
    out = tmp_path / "out"
    assert _generate(normal, masks, out, 1).exit_code == 0
    config = json.loads((out / "config.json").read_text())
    assert config["inputs"]["foreground"]["count"] == 3
    os.utime(masks / "part_0.png", (0, 0))
    result = _generate(normal, masks, out, 1, "--resume")
    assert result.exit_code == 2 and "--foreground: files modified" in result.output, result.output


def test_generate_refuses_an_image_without_a_mask(folders, tmp_path):
    normal, masks = folders
    (masks / "part_2.png").unlink()
    result = _generate(normal, masks, tmp_path / "out", 1)
    assert result.exit_code == 2, result.output
    assert "no mask for" in result.output and "part_2" in result.output
    result = CliRunner().invoke(
        main,
        [
            "preview",
            "--images",
            str(normal),
            "--foreground",
            str(masks),
            "--out",
            str(tmp_path / "p.png"),
        ],
    )
    assert result.exit_code == 2 and "part_2" in result.output, result.output


def test_dataset_refuses_an_image_without_a_mask(folders):
    normal, masks = folders
    (masks / "part_0.png").unlink()
    recipe = make_recipe("paper", foreground=MaskFolder(masks))
    with pytest.raises(ValueError, match=r"no mask for .*part_0\.png"):
        SyntheticAnomalyDataset(normal, recipe, size=(SIZE, SIZE))


def test_generate_refuses_an_output_inside_the_mask_folder(folders):
    normal, masks = folders
    result = _generate(normal, masks, masks / "out", 1)
    assert result.exit_code == 2 and "inside --foreground" in result.output, result.output


def test_train_takes_a_mask_folder(folders, tmp_path):
    normal, masks = folders
    tiny = "--size 32 --recon-width 8 --disc-width 8 --batch 2 --workers 0 --device cpu --steps 1"
    args = ["train", "--data", str(normal), "--foreground", str(masks), *tiny.split()]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    (masks / "part_1_mask.png").unlink()
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "run2")])
    assert result.exit_code == 2 and "no mask for" in result.output, result.output


def test_two_normal_images_of_one_name_are_refused(folders):
    """Masks are matched by file name, so ``a/part_0.png`` and ``b/part_0.png`` would share one
    mask: refused before any work, naming both."""
    normal, masks = folders
    (normal / "more").mkdir()
    cv2.imwrite(str(normal / "more/part_0.png"), np.zeros((SIZE, SIZE, 3), np.uint8))
    recipe = make_recipe("paper", foreground=MaskFolder(masks))
    with pytest.raises(ValueError, match=r"images .*part_0\.png and .*part_0\.png would share one"):
        SyntheticAnomalyDataset(normal, transform=recipe, size=(SIZE, SIZE))


def test_a_run_stopped_by_a_broken_mask_leaves_nothing_and_runs_once_mended(folders, tmp_path):
    """A mask that fails to decode stops the run at its sample, before any sample is recorded:
    the files other samples (other workers) already wrote go too, so the same command runs
    once the mask is mended."""
    normal, masks = folders
    good = (masks / "part_2.png").read_bytes()
    (masks / "part_2.png").write_bytes(good[:40])
    out = tmp_path / "out"
    result = _generate(normal, masks, out, 2, "--n", "80")
    assert result.exit_code == 2, result.output
    assert "sample 2 (normal image part_2.png): foreground mask" in result.output
    assert not out.exists()
    (masks / "part_2.png").write_bytes(good)
    result = _generate(normal, masks, out, 2, "--n", "80")
    assert result.exit_code == 0, result.output


def test_grey_level_masks_mark_the_pixels_at_128_and_above(folders):
    """A mask of many grey levels (not 0/255) is cut at 128, the project's one threshold."""
    _normal, masks = folders
    ramp = np.tile(np.arange(SIZE, dtype=np.uint8) * 4, (SIZE, 1))  # 0..252 across the columns
    cv2.imwrite(str(masks / "part_0.png"), ramp)
    recipe = make_recipe("paper", foreground=MaskFolder(masks), p_anomaly=1.0)
    image = np.full((SIZE, SIZE, 3), 128, np.uint8)
    assert np.array_equal(recipe.foreground_of(image, "part_0.png") > 0, ramp >= 128)
    for index in range(6):
        mask = recipe(image, seed=0, index=index, source="part_0.png").mask
        assert mask.any() and not mask[:, : SIZE // 2].any()


def test_a_foreground_too_small_for_the_masks_says_so(folders, tmp_path):
    """A foreground of one pixel leaves most samples without a defect: the warning names the
    foreground as the reason."""
    normal, masks = folders
    for name in ("part_0.png", "part_1_mask.png", "part_2.png"):
        dot = np.zeros((SIZE, SIZE), np.uint8)
        dot[SIZE // 2, SIZE // 2] = 255
        cv2.imwrite(str(masks / name), dot)
    with pytest.warns(UserWarning, match="have no defect although --p-anomaly is 1") as caught:
        result = _generate(normal, masks, tmp_path / "out", 1)
    assert result.exit_code == 0, result.output
    assert "or their --foreground, are too small" in str(caught[0].message)
