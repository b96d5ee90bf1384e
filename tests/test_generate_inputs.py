"""``synthdefect.generate.inputs``: the input fingerprint that ``--resume`` checks."""

from __future__ import annotations

import json
import os

from test_generate import make_image_folder, small

from synthdefect.generate import Shard, generate, merge_shards


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


def test_builtin_images_and_procedural_textures_have_no_fingerprint(tmp_path):
    generate(small(tmp_path / "out", n=2), workers=1)
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["inputs"] == {"images": None, "textures": None}
