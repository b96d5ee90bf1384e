"""``synthdefect train | evaluate | predict`` end to end on tiny data, and their errors.

A synthetic MVTec-AD-layout category (80x80 PNGs, trained at 32x32) keeps these tests running
where ``../shared/data`` is absent; the bottle variants run where it is present.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from reference_model.checkpoint import load_checkpoint, save_checkpoint
from reference_model.config import TrainConfig
from reference_model.data import GeneratedFolder
from reference_model.evaluate import METRIC_NAMES
from reference_model.predict import overlay_heatmap
from reference_model.train import LOG_NAME
from synthdefect.cli import main
from synthdefect.files.codec import read_image, write_image
from synthdefect.generate.manifest import manifest_line

FILE_SIDE = 80
TRAIN_STEPS = 60
BOTTLE_STEPS = 300  # "a few hundred steps" on a bottle subset


def _tiny_args(recon_width: int = 4) -> list[str]:
    """A configuration that trains in seconds on a CPU (lr raised to 1e-3 to learn fast)."""
    return ["--size", "32", "--batch", "4", "--lr", "1e-3", "--workers", "0",
            "--recon-width", str(recon_width), "--disc-width", "4"]  # fmt: skip


def _bottle_like(rng: np.random.Generator) -> np.ndarray:
    """A bright disc on a dark background with mild noise, HWC uint8."""
    yy, xx = np.mgrid[0:FILE_SIDE, 0:FILE_SIDE]
    disc = (yy - 40) ** 2 + (xx - 40) ** 2 < 28**2
    image = np.where(disc[..., None], [150, 140, 120], [20, 20, 25]).astype(np.int32)
    image += rng.integers(-8, 9, size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _write_category(root: Path) -> Path:
    """train/good (8), test/good (3), test/spot (3) with ground_truth/spot/NNN_mask.png."""
    rng = np.random.default_rng(0)
    for folder, count in (("train/good", 8), ("test/good", 3), ("test/spot", 3)):
        (root / folder).mkdir(parents=True)
        for i in range(count):
            image = _bottle_like(rng)
            if folder == "test/spot":
                mask = np.zeros((FILE_SIDE, FILE_SIDE), dtype=np.uint8)
                y, x = 25 + 8 * i, 30
                mask[y : y + 12, x : x + 12] = 255
                image[mask > 0] = [240, 30, 200]
                (root / "ground_truth/spot").mkdir(parents=True, exist_ok=True)
                write_image(root / f"ground_truth/spot/{i:03d}_mask.png", mask[..., None])
            write_image(root / folder / f"{i:03d}.png", image)
    return root


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _losses(run_dir: Path) -> np.ndarray:
    lines = (run_dir / LOG_NAME).read_text().splitlines()
    return np.array([[json.loads(x)[k] for k in ("l2", "ssim", "focal")] for x in lines])


def _assert_losses_fall(run_dir: Path, steps: int = TRAIN_STEPS) -> None:
    losses = _losses(run_dir)
    assert len(losses) == steps
    first, last = losses[:15].mean(axis=0), losses[-15:].mean(axis=0)
    assert last.sum() < 0.7 * first.sum()
    assert last[0] < first[0] and last[1] < first[1]


@pytest.fixture(scope="module")
def trained(category, tmp_path_factory) -> Path:
    """Run folder of a tiny model trained for a few seconds on the synthetic category."""
    run = tmp_path_factory.mktemp("run")
    result = _invoke(
        "train", "--data", category / "train/good", "--out", run, "--steps", TRAIN_STEPS,
        *_tiny_args(), "--device", "cpu", "--seed", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return run


def test_training_on_a_synthetic_folder_lowers_the_losses(trained):
    _assert_losses_fall(trained)
    state = load_checkpoint(trained / "checkpoint.pt")
    assert state["step"] == TRAIN_STEPS
    assert state["config"]["model"] == {
        "recon_width": 4, "disc_width": 4, "size": 32, "sspcab": False,
    }  # fmt: skip


def test_evaluate_writes_metrics_overall_and_per_type(trained, category, tmp_path):
    out = tmp_path / "metrics.json"
    result = _invoke("evaluate", "--checkpoint", trained / "checkpoint.pt", "--data", category,
                     "--out", out, "--batch", "4")  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())
    assert metrics["images"] == {"good": 3, "spot": 3}
    assert metrics["size"] == 32
    assert set(metrics["metrics"]) == {"overall", "spot"}
    for values in metrics["metrics"].values():
        assert set(values) == set(METRIC_NAMES)
        assert all(0.0 <= v <= 1.0 for v in values.values())
    assert "image_auroc" in result.output and "spot" in result.output


def test_predict_writes_scores_and_overlays(trained, category, tmp_path):
    result = _invoke("predict", "--checkpoint", trained / "checkpoint.pt",
                     "--images", category / "test", "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    with open(tmp_path / "scores.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["file"] for r in rows) == sorted(
        f"{kind}/{i:03d}.png" for kind in ("good", "spot") for i in range(3)
    )
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    overlay = read_image(tmp_path / "overlays/spot/000.png")
    original = read_image(category / "test/spot/000.png")
    assert overlay.shape == original.shape
    assert not np.array_equal(overlay, original)


def _write_generated(root: Path, count: int = 8) -> Path:
    """A folder as ``synthdefect generate --layout flat --with-normal`` writes it.

    Format: docs/generate.md (manifest.jsonl, images/, masks/, normal/).
    """
    rng = np.random.default_rng(1)
    for folder in ("images", "masks", "normal"):
        (root / folder).mkdir(parents=True)
    lines = []
    for i in range(count):
        normal = _bottle_like(rng)
        mask = np.zeros((FILE_SIDE, FILE_SIDE, 1), dtype=np.uint8)
        if i % 2:
            mask[20:35, 30:50] = 255
        image = np.where(mask > 0, np.uint8(230), normal)
        files = {key: f"{folder}/{i:06d}.png" for key, folder in
                 (("image", "images"), ("mask", "masks"), ("normal", "normal"))}  # fmt: skip
        for key, array in (("image", image), ("mask", mask), ("normal", normal)):
            write_image(root / files[key], array)
        record = {"index": i, "label": i % 2, "anomalous_area": round(float(mask.mean()) / 255, 6),
                  "source": f"{i:03d}.png", "texture": None, "files": files,
                  "params": {"preset": "draem-code"}}  # fmt: skip
        lines.append(manifest_line(record))
    (root / "manifest.jsonl").write_text("".join(lines))
    return root


def test_training_on_a_generated_folder(category, tmp_path):
    generated = _write_generated(tmp_path / "generated")
    run = tmp_path / "run"
    result = _invoke("train", "--data", generated, "--out", run, "--steps", 4, *_tiny_args())
    assert result.exit_code == 0, result.output
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["step"] == 4
    assert state["config"]["preset"] is None and state["config"]["recipe"] is None
    result = _invoke("train", "--data", generated, "--textures", category, "--out", run)
    _assert_usage_error(result, "do not apply to a generated folder")
    (generated / "manifest.jsonl").write_text("")
    result = _invoke("train", "--data", generated, "--out", tmp_path / "again", *_tiny_args())
    _assert_usage_error(result, "empty")


def test_generated_folder_items_match_the_online_dataset_format(tmp_path):
    dataset = GeneratedFolder(_write_generated(tmp_path / "generated", count=2), size=32)
    item = dataset[1]
    assert item["image"].shape == item["normal"].shape == (3, 32, 32)
    assert item["mask"].shape == (1, 32, 32) and item["mask"].dtype == torch.float32
    assert set(item["mask"].unique().tolist()) == {0.0, 1.0}
    assert item["label"].item() == 1 and item["label"].dtype == torch.int64
    assert json.loads(item["params"]) == {"preset": "draem-code"}
    assert dataset[0]["mask"].sum() == 0


def test_overlay_colours_follow_the_map(rgb_image):
    grey = np.full_like(rgb_image, 128)
    low = overlay_heatmap(grey, np.zeros((8, 8)))
    high = overlay_heatmap(grey, np.ones((8, 8)))
    assert low.shape == grey.shape
    assert low[..., 2].mean() > low[..., 0].mean()  # blue for 0
    assert high[..., 0].mean() > high[..., 2].mean()  # red for 1
    assert np.array_equal(overlay_heatmap(grey, np.ones((8, 8)), alpha=0.0), grey)


def test_training_on_bottle_lowers_the_losses_and_evaluates(bottle_dir, tmp_path):
    subset = tmp_path / "good"
    subset.mkdir()
    for path in sorted((bottle_dir / "train/good").glob("*.png"))[:12]:
        (subset / path.name).symlink_to(path)
    run = tmp_path / "run"
    result = _invoke("train", "--data", subset, "--out", run, "--steps", BOTTLE_STEPS,
                     *_tiny_args(), "--device", "cpu")  # fmt: skip
    assert result.exit_code == 0, result.output
    _assert_losses_fall(run, BOTTLE_STEPS)
    result = _invoke("evaluate", "--checkpoint", run / "checkpoint.pt", "--data", bottle_dir)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["images"] == {
        "broken_large": 20, "broken_small": 22, "contamination": 21, "good": 20,
    }  # fmt: skip
    assert set(metrics["metrics"]) == {"overall", "broken_large", "broken_small", "contamination"}
    assert all(v is not None for v in metrics["metrics"]["overall"].values())


# --- errors: one line, exit code 2 -------------------------------------------------------------


def _assert_usage_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output


def test_missing_folders_are_usage_errors(trained, tmp_path):
    missing = tmp_path / "nope"
    _assert_usage_error(_invoke("train", "--data", missing, "--out", tmp_path), "does not exist")
    _assert_usage_error(
        _invoke("evaluate", "--checkpoint", missing, "--data", tmp_path), "does not exist"
    )
    result = _invoke("evaluate", "--checkpoint", trained / "checkpoint.pt", "--data", tmp_path)
    _assert_usage_error(result, "no test folder")


def test_empty_training_set_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _invoke(
        "train", "--data", tmp_path / "empty", "--out", tmp_path / "run", *_tiny_args()
    )
    _assert_usage_error(result, "empty")


def test_bad_training_options_are_usage_errors(category, tmp_path):
    data = category / "train/good"
    both = _invoke("train", "--data", data, "--out", tmp_path, "--epochs", 1, "--steps", 1)
    _assert_usage_error(both, "not both")
    _assert_usage_error(_invoke("train", "--data", data, "--out", tmp_path, "--size", 48),
                        "multiple of 32")  # fmt: skip


def test_defective_image_without_mask_is_a_usage_error(trained, category, tmp_path):
    broken = _write_category(tmp_path / "widget")
    (broken / "ground_truth/spot/001_mask.png").unlink()
    result = _invoke("evaluate", "--checkpoint", trained / "checkpoint.pt", "--data", broken)
    _assert_usage_error(result, "without a mask", "001.png")


def test_mask_of_another_size_is_a_usage_error(trained, tmp_path):
    broken = _write_category(tmp_path / "widget")
    write_image(broken / "ground_truth/spot/002_mask.png", np.zeros((40, 40, 1), np.uint8))
    result = _invoke("evaluate", "--checkpoint", trained / "checkpoint.pt", "--data", broken)
    _assert_usage_error(result, "40x40", "80x80")


def test_checkpoint_of_another_configuration_is_a_usage_error(trained, category, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes((trained / "checkpoint.pt").read_bytes())
    result = _invoke("train", "--data", category / "train/good", "--out", run,
                     "--steps", TRAIN_STEPS, *_tiny_args(recon_width=8), "--resume")  # fmt: skip
    _assert_usage_error(result, "another configuration", "recon_width")

    state = load_checkpoint(trained / "checkpoint.pt")
    state["config"]["model"]["recon_width"] = 8  # weights still of width 4
    save_checkpoint(tmp_path / "mismatch.pt", state)
    result = _invoke("evaluate", "--checkpoint", tmp_path / "mismatch.pt", "--data", category)
    _assert_usage_error(result, "does not match")

    torch.save({"something": 1}, tmp_path / "other.pt")
    result = _invoke("predict", "--checkpoint", tmp_path / "other.pt",
                     "--images", category, "--out", tmp_path / "p")  # fmt: skip
    _assert_usage_error(result, "not a reference-model checkpoint")


def test_an_existing_run_is_neither_overwritten_nor_appended_to(category, tmp_path):
    data, run = category / "train/good", tmp_path / "run"
    assert (
        _invoke("train", "--data", data, "--out", run, "--steps", 2, *_tiny_args()).exit_code == 0
    )
    before = (run / "checkpoint.pt").read_bytes()
    result = _invoke("train", "--data", data, "--out", run, "--steps", 3, *_tiny_args())
    _assert_usage_error(result, "already holds a run", "--resume", "--overwrite")
    assert (run / "checkpoint.pt").read_bytes() == before
    assert len((run / LOG_NAME).read_text().splitlines()) == 2
    result = _invoke("train", "--data", data, "--out", run, "--steps", 3, *_tiny_args(),
                     "--overwrite")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["step"] for x in (run / LOG_NAME).read_text().splitlines()] == [1, 2, 3]
    both = _invoke("train", "--data", data, "--out", run, "--resume", "--overwrite")
    _assert_usage_error(both, "exclude")


def test_resume_refuses_other_images_or_textures(category, tmp_path):
    data, run = category / "train/good", tmp_path / "run"
    args = ["--out", run, "--steps", 4, *_tiny_args()]
    assert _invoke("train", "--data", data, *args, "--stop-at", 2).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    for path in sorted(data.iterdir())[:5]:
        (other / path.name).write_bytes(path.read_bytes())
    _assert_usage_error(_invoke("train", "--data", other, *args, "--resume"), "other data")
    textures = category / "test/spot"
    result = _invoke("train", "--data", data, "--textures", textures, *args, "--resume")
    _assert_usage_error(result, "other data")
    assert _invoke("train", "--data", data, *args, "--resume").exit_code == 0


def test_a_recipe_run_records_its_recipe_and_resumes_from_an_older_checkpoint(category, tmp_path):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"preset": "paper", "p_anomaly": 1.0}))
    data, run = category / "train/good", tmp_path / "run"
    args = ["--data", data, "--out", run, "--steps", 4, *_tiny_args(), "--recipe", recipe]
    assert _invoke("train", *args, "--stop-at", 2).exit_code == 0
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["config"]["preset"] is None and state["config"]["recipe"] == str(recipe)
    # a checkpoint written before the recipe was recorded: no "recipe", preset "draem-code"
    config = {k: v for k, v in state["config"].items() if k != "recipe"}
    save_checkpoint(run / "checkpoint.pt", {**state, "config": {**config, "preset": "draem-code"}})
    assert TrainConfig.from_dict({**config, "preset": "draem-code"}).recipe is None
    result = _invoke("train", *args, "--resume")
    assert result.exit_code == 0, result.output
    assert load_checkpoint(run / "checkpoint.pt")["step"] == 4


def test_a_garbled_or_incomplete_generated_folder_is_refused_before_training(tmp_path):
    generated = _write_generated(tmp_path / "generated")
    manifest = generated / "manifest.jsonl"
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(lines[:3]) + '{"index": 3, "lab\n' + "".join(lines[4:]))
    result = _invoke("train", "--data", generated, "--out", tmp_path / "a", *_tiny_args())
    _assert_usage_error(result, "manifest.jsonl line 4")
    assert not (tmp_path / "a").exists()
    manifest.write_text("".join(lines))
    (generated / "normal/000005.png").unlink()
    result = _invoke("train", "--data", generated, "--out", tmp_path / "b", *_tiny_args())
    _assert_usage_error(result, "missing file", "000005.png")
    assert not (tmp_path / "b").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_is_a_usage_error(category, tmp_path):
    result = _invoke("train", "--data", category / "train/good", "--out", tmp_path / "run",
                     *_tiny_args(), "--device", "cuda")  # fmt: skip
    _assert_usage_error(result, "no CUDA device")
    assert [line for line in result.output.splitlines() if "Error" in line] == [
        "Error: Invalid value for --device: cuda: no CUDA device on this machine"
    ]


def test_unreadable_training_images_and_textures_are_usage_errors(category, tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    for i in range(3):
        (junk / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    run = ["--out", tmp_path / "run", *_tiny_args()]
    _assert_usage_error(_invoke("train", "--data", junk, *run), "readable")
    data = category / "train/good"
    empty = tmp_path / "empty"
    empty.mkdir()
    _assert_usage_error(_invoke("train", "--data", data, "--textures", empty, *run), "--textures")
    _assert_usage_error(_invoke("train", "--data", data, "--textures", junk, *run), "--textures")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_sample_that_cannot_be_made_is_a_usage_error(category, tmp_path, workers):
    """A foreground mask that fails to decode, found while training (in the main process or a
    DataLoader worker): one line, exit 2."""
    masks = tmp_path / "masks"
    masks.mkdir()
    for image in sorted((category / "train/good").iterdir()):
        write_image(masks / image.name, np.full((8, 8, 1), 255, np.uint8))
    broken = sorted(masks.iterdir())[0]
    broken.write_bytes(broken.read_bytes()[:40])
    result = _invoke("train", "--data", category / "train/good", "--foreground", masks,
                     "--out", tmp_path / "run", "--steps", "2", *_tiny_args(),
                     "--workers", workers)  # fmt: skip
    _assert_usage_error(result, f"foreground mask {broken} cannot be decoded")
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    write_image(broken, np.full((8, 8, 1), 255, np.uint8))  # mended: the same command now runs
    again = _invoke("train", "--data", category / "train/good", "--foreground", masks,
                    "--out", tmp_path / "run", "--steps", "2", *_tiny_args())  # fmt: skip
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize("lr", ["-1", "nan", "0", "inf"])
def test_a_learning_rate_that_is_not_positive_and_finite_is_a_usage_error(category, tmp_path, lr):
    result = _invoke("train", "--data", category / "train/good", "--out", tmp_path / "run",
                     *_tiny_args(), "--lr", lr)  # fmt: skip
    _assert_usage_error(result, "lr must be a finite number > 0")


def test_out_under_a_file_is_a_usage_error(category, tmp_path):
    (tmp_path / "file").write_text("x")
    result = _invoke("train", "--data", category / "train/good",
                     "--out", tmp_path / "file/run", *_tiny_args())  # fmt: skip
    _assert_usage_error(result, "is a file")


def test_a_last_batch_of_one_sample_does_not_break_training(category, tmp_path):
    data = tmp_path / "five"
    data.mkdir()
    for path in sorted((category / "train/good").iterdir())[:5]:
        (data / path.name).write_bytes(path.read_bytes())
    # 5 images, batch 4, 32 px: the 1-image remainder would meet BatchNorm at a 1x1 bottleneck.
    result = _invoke("train", "--data", data, "--out", tmp_path / "run", "--steps", 3,
                     *_tiny_args())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_checkpoint(tmp_path / "run/checkpoint.pt")["step"] == 3


def test_a_corrupt_test_image(trained, tmp_path):
    broken = _write_category(tmp_path / "widget")
    (broken / "test/good/001.png").write_bytes(b"corrupt")
    checkpoint = trained / "checkpoint.pt"
    for workers in ("0", "2"):
        result = _invoke("evaluate", "--checkpoint", checkpoint, "--data", broken,
                         "--workers", workers)  # fmt: skip
        _assert_usage_error(result, "001.png")
        assert "Traceback" not in result.output
    out = tmp_path / "predicted"
    with pytest.warns(UserWarning, match="001.png"):
        result = _invoke("predict", "--checkpoint", checkpoint, "--images", broken / "test",
                         "--out", out, "--workers", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    with open(out / "scores.csv", newline="") as f:
        files = [row["file"] for row in csv.DictReader(f)]
    assert len(files) == 5 and "good/001.png" not in files


def test_commands_have_help():
    for command in ("train", "evaluate", "predict"):
        result = _invoke(command, "--help")
        assert result.exit_code == 0
        assert "--device" in result.output and "--batch" in result.output


def test_device_synthesis_is_recorded_and_resume_refuses_another(category, tmp_path):
    data, run = category / "train/good", tmp_path / "run"
    args = ["--data", data, "--out", run, "--steps", 4, *_tiny_args()]
    result = _invoke("train", *args, "--synthesis", "device", "--stop-at", 2)
    assert result.exit_code == 0, result.output
    assert load_checkpoint(run / "checkpoint.pt")["config"]["synthesis"] == "device"
    refused = _invoke("train", *args, "--resume")  # default: --synthesis host
    _assert_usage_error(refused, "synthesis='device' (this run: 'host')")
    assert len(refused.output.strip().splitlines()) == 1
    result = _invoke("train", *args, "--synthesis", "device", "--resume")
    assert result.exit_code == 0, result.output
    assert load_checkpoint(run / "checkpoint.pt")["step"] == 4
    host = tmp_path / "host"
    assert _invoke("train", *args[:2], "--out", host, "--steps", 1, *_tiny_args()).exit_code == 0
    assert load_checkpoint(host / "checkpoint.pt")["config"]["synthesis"] == "host"


def test_device_synthesis_needs_normal_images(tmp_path):
    generated = _write_generated(tmp_path / "generated")
    result = _invoke("train", "--data", generated, "--out", tmp_path / "run", *_tiny_args(),
                     "--synthesis", "device")  # fmt: skip
    _assert_usage_error(result, "--synthesis device", "normal images")
    result = _invoke("train", "--data", generated, "--out", tmp_path / "run", "--synthesis", "gpu")
    _assert_usage_error(result, "--synthesis")
