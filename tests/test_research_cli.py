"""The research presets through the command line: generate, preview, train."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from synthdefect.cli import main
from synthdefect.generate.maker import texture_name

RESEARCH = ["cutpaste", "cutpaste-scar", "nsa", "memseg", "glass", "destseg"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def generate(out, preset: str, n: int):
    args = ["--n", str(n), "--out", str(out), "--preset", preset, "--p-anomaly", "1"]
    result = run("generate", *args, "--size", "64", "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("preset", RESEARCH)
def test_generate_and_preview(tmp_path, preset):
    lines = generate(tmp_path / "out", preset, 6)
    assert len(lines) == 6 and all(line["label"] == 1 for line in lines)
    assert all(line["anomalous_area"] > 0 for line in lines)
    sheet = tmp_path / "sheet.png"
    args = ["--preset", preset, "--grid", "2x1", "--cell", "32", "--out", str(sheet)]
    result = run("preview", *args)
    assert result.exit_code == 0 and sheet.stat().st_size > 0, result.output


def test_manifest_names_memseg_textures(tmp_path):
    lines = generate(tmp_path / "out", "memseg", 8)
    assert all(texture_name(line["params"]) for line in lines)


def test_textureless_recipe_refuses_textures(tmp_path):
    result = run(
        "generate",
        "--n",
        "2",
        "--out",
        str(tmp_path / "o"),
        "--preset",
        "cutpaste",
        "--textures",
        "self",
        "--quiet",
    )
    assert result.exit_code == 2 and "takes no textures" in result.output


@pytest.mark.slow
def test_train_with_a_research_preset(tmp_path):
    from test_generate import make_image_folder

    images = make_image_folder(tmp_path / "normal", 4, shape=(64, 64))
    result = run(
        "train",
        "--data",
        str(images),
        "--preset",
        "cutpaste-scar",
        "--out",
        str(tmp_path / "run"),
        "--steps",
        "2",
        "--size",
        "64",
        "--recon-width",
        "8",
        "--disc-width",
        "8",
        "--batch",
        "2",
        "--workers",
        "0",
        "--device",
        "cpu",
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "checkpoint.pt").is_file()


def test_bench_preset_reports_a_rate():
    result = run("bench", "--preset", "cutpaste", "--seconds", "0.2", "--size", "64")
    assert result.exit_code == 0, result.output
    name, rate = result.output.split()[:2]
    assert name == "cutpaste" and float(rate) > 0


def test_bench_preset_refuses_textures_it_cannot_use(tmp_path):
    result = run("bench", "--preset", "cutpaste", "--textures", str(tmp_path), "--seconds", "0.1")
    assert result.exit_code == 2 and "takes no textures" in result.output
