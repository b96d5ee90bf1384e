"""``synthdefect.generate``: output files, manifest, layouts, determinism across workers and shards.

Also holds small helpers that the other ``test_generate_*`` modules import.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthdefect import SyntheticAnomaly
from synthdefect.data.make_default_images import render_all
from synthdefect.files.normal_images import NormalImages
from synthdefect.generate import (
    GenerateConfig,
    GenerateError,
    Shard,
    default_images,
    generate,
    merge_shards,
)
from synthdefect.transforms import without_rotation

# Files whose content legitimately differs between two runs with the same settings.
TIMING_FILES = frozenset({"summary.json"})


def tree_bytes(root: Path, ignore: frozenset[str] = TIMING_FILES) -> dict[str, bytes]:
    """Relative POSIX path -> content of every file under ``root``, except ``ignore`` names."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ignore
    }


def make_image_folder(folder: Path, count: int, shape: tuple[int, int] = (40, 56)) -> Path:
    """Write ``count`` distinct structured RGB PNGs of ``shape`` (H, W) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    for i in range(count):
        image = np.stack([yy * 4 + 20 * i, xx * 3, yy + xx + 30 * i], axis=-1) % 256
        cv2.imwrite(str(folder / f"part_{i}.png"), image.astype(np.uint8))
    return folder


def manifest(out: Path, name: str = "manifest.jsonl") -> list[dict]:
    return [json.loads(line) for line in (out / name).read_text().splitlines()]


def small(out: Path, **changes) -> GenerateConfig:
    """A quick config: 64x64 images, built-in normal images, procedural textures."""
    settings = {"n": 24, "out": out, "size": (64, 64), "p_anomaly": 0.6, "seed": 3}
    return GenerateConfig(**{**settings, **changes})


def test_default_images_are_small_rgb_pngs():
    paths = default_images()
    assert 6 <= len(paths) <= 10
    assert sum(p.stat().st_size for p in paths) < 500_000
    for path in paths:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert image.shape == (256, 256, 3) and image.dtype == np.uint8
        assert image.std() > 3, f"{path.name} is flat"


def test_default_images_script_reproduces_the_committed_files(tmp_path):
    rendered = render_all(tmp_path)
    committed = {p.name: p.read_bytes() for p in default_images()}
    assert {p.name: p.read_bytes() for p in rendered} == committed


def test_flat_layout_files_and_manifest(tmp_path):
    config = small(tmp_path / "out")
    report = generate(config, workers=1)
    records = manifest(config.out)
    assert [r["index"] for r in records] == list(range(24))
    assert report.samples == 24 and report.anomalous == sum(r["label"] for r in records)
    assert 0 < report.anomalous < 24
    names = {p.name for p in default_images()}
    for record in records:
        files = record["files"]
        assert files == {
            "image": f"images/{record['index']:06d}.png",
            "mask": f"masks/{record['index']:06d}.png",
        }
        mask = cv2.imread(str(config.out / files["mask"]), cv2.IMREAD_UNCHANGED)
        image = cv2.imread(str(config.out / files["image"]), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (64, 64) and mask.dtype == np.uint8 and image.shape == (64, 64, 3)
        assert set(np.unique(mask)) <= {0, 255}
        assert record["label"] == int(mask.any())
        assert record["anomalous_area"] == pytest.approx((mask > 0).mean(), abs=1e-6)
        assert record["source"].removeprefix("builtin/") in names
        assert (record["texture"] is not None) == bool(record["label"])
        assert isinstance(record["params"], dict)
    summary = json.loads((config.out / "summary.json").read_text())
    assert summary["counts"] == {
        "samples": 24,
        "anomalous": report.anomalous,
        "normal": 24 - report.anomalous,
        "skipped_inputs": 0,
    }
    assert summary["config"] == json.loads((config.out / "config.json").read_text())
    assert summary["seed"] == 3 and summary["wall_time_s"] > 0


def test_manifest_params_replay_the_written_sample(tmp_path):
    config = small(tmp_path / "out", n=6, p_anomaly=1.0, with_normal=True)
    generate(config, workers=1)
    # generate switches the normal-image rotation off (test sets hold unaltered normal images)
    anomaly = without_rotation(
        SyntheticAnomaly(preset="draem-code", textures="procedural", p_anomaly=1.0)
    )
    images = NormalImages(default_images(), size=(64, 64))
    for record in manifest(config.out):
        replayed = anomaly.replay(images[record["index"]], record["params"])
        written = cv2.imread(str(config.out / record["files"]["image"]))
        normal = cv2.imread(str(config.out / record["files"]["normal"]))
        np.testing.assert_array_equal(written[:, :, ::-1], replayed.image)
        np.testing.assert_array_equal(normal[:, :, ::-1], replayed.normal)


def test_same_output_for_one_and_two_workers(tmp_path):
    one = generate(small(tmp_path / "one", n=40), workers=1)
    two = generate(small(tmp_path / "two", n=40), workers=2)
    assert one.anomalous == two.anomalous
    first, second = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert len(first) == 2 * 40 + 2  # images, masks, manifest, config
    assert first == second


def test_other_seed_gives_other_samples(tmp_path):
    generate(small(tmp_path / "a", n=4, p_anomaly=1.0), workers=1)
    generate(small(tmp_path / "b", n=4, p_anomaly=1.0, seed=4), workers=1)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a["images/000000.png"] != b["images/000000.png"]


def test_union_of_shards_equals_single_run(tmp_path):
    single = small(tmp_path / "single", n=30)
    generate(single, workers=1)
    sharded = tmp_path / "sharded"
    blocks = []
    for i in (2, 0, 1):  # any order, one folder
        config = small(sharded, n=30, shard=Shard(i, 3))
        generate(config, workers=1)
        blocks.append([r["index"] for r in manifest(sharded, f"manifest.shard-{i}-of-3.jsonl")])
    assert sorted(blocks) == [list(range(0, 10)), list(range(10, 20)), list(range(20, 30))]
    report = merge_shards(sharded)
    assert report.samples == 30
    merged = tree_bytes(sharded)
    expected = tree_bytes(tmp_path / "single")
    assert {k: merged[k] for k in expected} == expected
    catted = b"".join(merged[f"manifest.shard-{i}-of-3.jsonl"] for i in range(3))
    assert catted == expected["manifest.jsonl"]
    summary = json.loads((sharded / "summary.json").read_text())
    assert summary["counts"]["samples"] == 30


def test_more_shards_than_samples_merge_into_the_single_run(tmp_path):
    """An array job of 6 tasks for 4 samples: two shards are empty, and all 6 merge."""
    generate(small(tmp_path / "single", n=4), workers=1)
    sharded = tmp_path / "sharded"
    for i in range(6):
        report = generate(small(sharded, n=4, shard=Shard(i, 6)), workers=1)
        assert report.samples == len(Shard(i, 6).indices(4))
    assert merge_shards(sharded).samples == 4
    single, merged = tree_bytes(tmp_path / "single"), tree_bytes(sharded)
    assert {k: merged[k] for k in single if k != "summary.json"} == {
        k: v for k, v in single.items() if k != "summary.json"
    }


def test_merge_refuses_a_missing_or_unfinished_shard(tmp_path):
    out = tmp_path / "out"
    generate(small(out, n=10, shard=Shard(0, 2)), workers=1)
    with pytest.raises(GenerateError, match=r"0\.\.1 of 2"):
        merge_shards(out)
    generate(small(out, n=10, shard=Shard(1, 2)), workers=1)
    lines = (out / "manifest.shard-1-of-2.jsonl").read_text().splitlines(keepends=True)
    (out / "manifest.shard-1-of-2.jsonl").write_text("".join(lines[:-1]))
    with pytest.raises(GenerateError, match="unfinished"):
        merge_shards(out)


def test_shard_blocks_cover_every_index_once():
    for n in (1, 7, 100):
        for count in (1, 3, 8):
            blocks = [Shard(i, count).indices(n) for i in range(count)]
            assert [i for block in blocks for i in block] == list(range(n))


def test_mvtec_layout_pairs_images_with_masks(tmp_path):
    config = small(tmp_path / "out", n=20, layout="mvtec")
    generate(config, workers=1)
    out = config.out
    records = manifest(out)
    defective = sorted(p.name for p in (out / "test/synthetic").iterdir())
    good = sorted(p.name for p in (out / "test/good").iterdir())
    assert len(defective) == sum(r["label"] for r in records) > 0
    assert len(good) == 20 - len(defective) > 0
    for name in defective:
        mask = cv2.imread(str(out / "ground_truth/synthetic" / f"{Path(name).stem}_mask.png"), 0)
        assert mask is not None and mask.shape == (64, 64) and mask.max() == 255
    assert not (out / "ground_truth/good").exists()
    assert len(list((out / "ground_truth/synthetic").iterdir())) == len(defective)
    # train/good: each built-in normal image once, as read (resized)
    train = sorted((out / "train/good").iterdir())
    assert len(train) == len(default_images())
    images = NormalImages(default_images(), size=(64, 64))
    for i, path in enumerate(train):
        np.testing.assert_array_equal(cv2.imread(str(path))[:, :, ::-1], images[i])


def test_jpg_images_png_masks_and_keep_size(tmp_path):
    folder = make_image_folder(tmp_path / "normal", 3, shape=(40, 56))
    config = small(tmp_path / "out", n=4, images=str(folder), size=None, image_format="jpg")
    generate(config, workers=1)
    record = manifest(config.out)[0]
    assert record["files"]["image"].endswith(".jpg") and record["files"]["mask"].endswith(".png")
    assert record["source"] == "part_0.png"
    assert cv2.imread(str(config.out / record["files"]["image"])).shape == (40, 56, 3)


def test_corrupt_inputs_are_skipped_and_counted(tmp_path):
    folder = make_image_folder(tmp_path / "normal", 3)
    (folder / "part_1.png").write_bytes(b"not a png")
    config = small(tmp_path / "out", n=6, images=str(folder))
    with pytest.warns(UserWarning, match="part_1"):
        report = generate(config, workers=1)
    assert report.samples == 6
    sources = {r["source"] for r in manifest(config.out)}
    assert sources == {"part_0.png", "part_2.png"}
    summary = json.loads((config.out / "summary.json").read_text())
    assert summary["counts"]["skipped_inputs"] == 1
    assert summary["skipped_inputs"][0].endswith("part_1.png")


def test_refuses_non_empty_output_without_resume_or_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(GenerateError, match="not empty"):
        generate(small(out), workers=1)
    generate(small(out, n=3), workers=1, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"  # overwrite removes only run files
    with pytest.raises(GenerateError, match="--resume"):
        generate(small(out, n=3), workers=1)


def test_overwrite_replaces_an_earlier_run(tmp_path):
    generate(small(tmp_path / "fresh", n=5), workers=1)
    generate(small(tmp_path / "out", n=12, seed=9), workers=1)
    generate(small(tmp_path / "out", n=5), workers=1, overwrite=True)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "fresh")


def test_resume_refuses_other_settings(tmp_path):
    generate(small(tmp_path / "out", n=5), workers=1)
    with pytest.raises(GenerateError, match="seed: 3 -> 4"):
        generate(small(tmp_path / "out", n=5, seed=4), workers=1, resume=True)
    report = generate(small(tmp_path / "out", n=5), workers=1, resume=True)
    assert report.samples == 5 and report.made == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n": 0}, "--n must be at least 1"),
        ({"p_anomaly": 1.5}, "--p-anomaly"),
        ({"seed": -1}, "--seed"),
        ({"layout": "mvtec", "with_normal": True}, "--with-normal"),
    ],
)
def test_config_rejects_bad_values(tmp_path, changes, message):
    with pytest.raises(GenerateError, match=message):
        small(tmp_path, **changes)


@pytest.mark.parametrize("text", ["1/1", "-1/2", "a/b", "2", "0/0", "1/2/3"])
def test_malformed_shards_are_rejected(text):
    with pytest.raises(GenerateError, match="shard"):
        Shard.parse(text)


@pytest.mark.data
def test_bottle_with_dtd_textures(tmp_path, bottle_train_dir, dtd_dir):
    config = small(
        tmp_path / "out", n=8, images=str(bottle_train_dir), textures=str(dtd_dir), p_anomaly=1.0
    )
    generate(config, workers=1)
    records = manifest(config.out)
    assert all(r["source"].endswith(".png") and "/" not in r["source"] for r in records)
    assert sum(r["label"] for r in records) >= 6
    assert all(r["texture"] for r in records if r["label"])
