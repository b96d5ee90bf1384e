"""The inputs of a run: the fingerprint ``--resume`` checks, skipped files, images too small,
more workers than CPUs; and a run that fails before making anything."""

from __future__ import annotations

import errno
import json
import os

import pytest
from test_generate import make_image_folder, small

import synthdefect.generate.maker as maker
from synthdefect.generate import GenerateError, Shard, default_workers, generate, merge_shards
from synthdefect.generate.inputs import folders_fingerprint


def test_config_records_the_inputs_and_shards_on_copied_inputs_still_merge(tmp_path):
    images = make_image_folder(tmp_path / "images", 3)
    textures = make_image_folder(tmp_path / "tex", 2)
    settings = {"n": 6, "images": str(images), "textures": str(textures), "size": (32, 32)}
    generate(small(tmp_path / "out", shard=Shard(0, 2), **settings), workers=1)
    inputs = json.loads((tmp_path / "out" / "config.shard-0-of-2.json").read_text())["inputs"]
    assert inputs["images"]["count"] == 3 and inputs["textures"]["count"] == 2
    assert inputs["images"]["bytes"] == sum(p.stat().st_size for p in images.iterdir())
    # the other shard runs on a copy of the inputs: same names and sizes, other mtimes
    for path in [*images.iterdir(), *textures.iterdir()]:
        os.utime(path, (1, 1))
    generate(small(tmp_path / "out", shard=Shard(1, 2), **settings), workers=1)
    assert merge_shards(tmp_path / "out").samples == 6


def test_training_fingerprint_keeps_its_digest(tmp_path):
    """A training checkpoint stores this digest and ``train --resume`` compares it: runs made
    before a change must still resume, so the value is pinned."""
    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"abc")
    (tmp_path / "a" / "sub" / "y.png").write_bytes(b"12345")
    (tmp_path / "b" / "t.jpg").write_bytes(b"z")
    assert folders_fingerprint(tmp_path / "a") == "ed774e6f9e9cb93c"
    pair = folders_fingerprint(tmp_path / "a", tmp_path / "b", extra='{"r": 1}')
    assert pair == "283d43799cc3054e"


def test_builtin_images_and_procedural_textures_have_no_fingerprint(tmp_path):
    generate(small(tmp_path / "out", n=2), workers=1)
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["inputs"] == {"images": None, "textures": None, "foreground": None}


def test_skipped_texture_files_are_listed_in_the_summary(tmp_path):
    textures = make_image_folder(tmp_path / "tex", 2)
    (textures / "notes.png").write_text("not an image")
    with pytest.warns(UserWarning, match="notes.png"):
        generate(small(tmp_path / "out", n=4, textures=str(textures)), workers=1)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["skipped_inputs"] == [str(textures / "notes.png")]
    assert summary["counts"]["skipped_inputs"] == 1


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.filterwarnings("ignore::synthdefect.UnreadableImageWarning")
def test_textures_found_broken_while_making_samples_are_listed_in_the_summary(tmp_path, workers):
    textures = make_image_folder(tmp_path / "tex", 2)
    good = (textures / "part_0.png").read_bytes()
    (textures / "z_broken.png").write_bytes(good[:40])  # valid header, decodes to nothing
    config = small(tmp_path / "out", n=40, textures=str(textures), p_anomaly=1.0)
    generate(config, workers=workers)  # z_broken.png is first decoded while making a sample
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["skipped_inputs"] == [str(textures / "z_broken.png")]


def test_more_workers_than_cpus_get_a_warning(tmp_path):
    with pytest.warns(UserWarning, match=f"more than the {default_workers()} CPUs available"):
        generate(small(tmp_path / "out", n=4), workers=default_workers() + 8)


def test_images_too_small_for_a_defect_are_reported(tmp_path):
    images = make_image_folder(tmp_path / "images", 2, shape=(2, 2))
    config = small(tmp_path / "out", n=8, images=str(images), size=None, p_anomaly=1.0)
    with pytest.warns(UserWarning, match="have no defect although --p-anomaly is 1"):
        report = generate(config, workers=1)
    assert report.anomalous < 8


def test_a_run_that_fails_before_making_anything_leaves_no_records(tmp_path, monkeypatch):
    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(maker, "write_atomic", disk_full)
    with pytest.raises(GenerateError, match="disk full"):
        generate(small(tmp_path / "out", n=4), workers=1)
    assert not (tmp_path / "out").exists()  # the run created it
    (tmp_path / "mine").mkdir()
    with pytest.raises(GenerateError, match="disk full"):
        generate(small(tmp_path / "mine", n=4), workers=1)
    assert list((tmp_path / "mine").iterdir()) == []  # the user's folder stays
