"""Mixtures of presets: the spec, the weights, the record naming the branch, the command line."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from test_generate_cli import assert_input_problem, run

import synthdefect as sd
from synthdefect.recipes import PRESETS, RecipeOptions, parse_mixture
from synthdefect.transforms import find_step


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(40, 200, size=(48, 56, 3), dtype=np.uint8)


def _branch(params: dict) -> str:
    return find_step(params, "choice")["params"]["choice"]


def test_a_mixture_spec_gives_presets_and_normalised_weights():
    known = PRESETS.__contains__
    assert parse_mixture("draem-code+cutpaste", known) == [("draem-code", 0.5), ("cutpaste", 0.5)]
    assert parse_mixture(" paper:3 + nsa:1 ", known) == [("paper", 0.75), ("nsa", 0.25)]
    for bad, words in [
        ("draem-code+nope", "unknown preset 'nope'"),
        ("paper+paper", "two or more different presets"),
        ("paper:0+nsa", "weights must be > 0"),
        ("paper:x+nsa", "is not a number"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_mixture(bad, known)
    assert sd.is_preset("paper+nsa") and sd.is_preset("mix") and not sd.is_preset("paper+nope")
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        RecipeOptions(preset="paper+nope")


def test_each_sample_comes_from_one_branch_with_the_given_weights_and_replays():
    image = _image()
    recipe = sd.make_recipe("paper:3+cutout:1", p_anomaly=1.0)
    assert recipe.name == "paper:3+cutout:1"
    branches = Counter()
    for index in range(200):
        result = recipe(image, seed=2, index=index)
        branches[_branch(result.params)] += 1
        if index < 20:
            assert np.array_equal(sd.replay(image, result.params).image, result.image)
    assert set(branches) == {"paper", "cutout"}
    assert 0.65 < branches["paper"] / 200 < 0.85  # 0.75 expected; 200 draws keep it within


def test_the_mix_preset_gives_textures_only_to_branches_that_take_them():
    recipe = sd.make_recipe("mix", textures="procedural:cracks", p_anomaly=1.0)
    assert recipe.name == "mix"
    choice = find_step(recipe.describe(), "choice")
    assert choice["settings"]["names"] == ["draem-code", "cutpaste", "nsa"]
    seen = {_branch(recipe(_image(), seed=0, index=i).params) for i in range(30)}
    assert seen == {"draem-code", "cutpaste", "nsa"}


def test_a_mixture_gives_its_textures_to_texture_branches_not_to_those_of_another_image():
    # nsa and fpi take the *normal images* as --textures; a mixture's --textures is a texture
    # folder such as DTD, so those branches keep their own source (nsa: the image itself)
    recipe = sd.make_recipe("mix", textures="procedural:cracks", p_anomaly=1.0)
    branches = find_step(recipe.describe(), "choice")["steps"]
    assert find_step(branches["draem-code"], "texture")["settings"]["source"] == "procedural:cracks"
    assert find_step(branches["nsa"], "texture")["settings"]["source"] == "self"
    assert not sd.PRESETS["draem-code"].normal_source and sd.PRESETS["nsa"].normal_source
    assert sd.PRESETS["fpi"].normal_source


def test_generate_takes_a_mixture_and_refuses_a_bad_one(tmp_path):
    out = tmp_path / "mixed"
    result = run(
        "generate",
        "--n",
        "6",
        "--size",
        "40",
        "--preset",
        "paper+cutout",
        "--p-anomaly",
        "1",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(t) for t in (out / "manifest.jsonl").read_text().splitlines()]
    assert {_branch(line["params"]) for line in lines} <= {"paper", "cutout"}
    assert json.loads((out / "config.json").read_text())["preset"] == "paper+cutout"
    bad = run("generate", "--n", "2", "--preset", "paper+nope", "--out", str(tmp_path / "x"))
    assert_input_problem(bad, "unknown preset 'nope'")
