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


TINY_TRAIN = "--size 64 --recon-width 8 --disc-width 8 --batch 2 --workers 0 --device cpu"


def train(data, out, *args: str):
    """A one- or two-step training run of a tiny model; returns the click result."""
    return run("train", "--data", str(data), "--out", str(out), *args, *TINY_TRAIN.split())


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
    result = train(images, tmp_path / "run", "--preset", "cutpaste-scar", "--steps", "2")
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


def object_images(folder, count=3):
    """Dark discs on a bright background, 64x64 PNGs."""
    import cv2
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:64, 0:64]
    for i in range(count):
        disc = (yy - 32) ** 2 + (xx - 30 - i) ** 2 <= 20**2
        image = np.where(disc[..., None], 50 + 10 * i, 235).astype(np.uint8).repeat(3, axis=2)
        cv2.imwrite(str(folder / f"part_{i}.png"), image)
    return folder


@pytest.mark.parametrize("preset", ["paper", "cutpaste"])
def test_generate_with_foreground_auto(tmp_path, preset):
    import cv2

    images = object_images(tmp_path / "normal")
    out = tmp_path / "out"
    args = ["--n", "6", "--out", str(out), "--preset", preset, "--p-anomaly", "1"]
    result = run(
        "generate",
        *args,
        "--images",
        str(images),
        "--size",
        "64",
        "--workers",
        "1",
        "--quiet",
        "--foreground",
        "auto",
    )
    assert result.exit_code == 0, result.output
    for line in (out / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        assert entry["label"] == 1 and entry["params"]["type"] == "Foreground"
        mask = cv2.imread(str(out / entry["files"]["mask"]), cv2.IMREAD_GRAYSCALE) > 127
        source = cv2.imread(str(images / entry["source"]), cv2.IMREAD_GRAYSCALE)
        assert mask.any() and not (mask & (source > 200)).any()
    config = json.loads((out / "config.json").read_text())
    assert config["recipe"]["type"] == "Foreground"


def test_foreground_option_errors(tmp_path):
    result = run(
        "generate", "--n", "2", "--out", str(tmp_path / "o"), "--foreground", "bright", "--quiet"
    )
    assert result.exit_code == 2 and "--foreground" in result.output
    result = run("preview", "--foreground", "os:sep", "--out", str(tmp_path / "p.png"))
    assert result.exit_code == 2 and "not callable" in result.output


def test_preview_and_train_take_foreground(tmp_path):
    images = object_images(tmp_path / "normal", 4)
    sheet = tmp_path / "sheet.png"
    result = run(
        "preview",
        "--images",
        str(images),
        "--foreground",
        "auto",
        "--grid",
        "2x1",
        "--cell",
        "32",
        "--out",
        str(sheet),
    )
    assert result.exit_code == 0 and sheet.is_file(), result.output
    result = train(
        images, tmp_path / "run", "--preset", "nsa", "--foreground", "auto", "--steps", "1"
    )
    assert result.exit_code == 0, result.output


def test_foreground_callable_from_a_python_file(tmp_path):
    import cv2

    lookup = tmp_path / "left_half.py"
    lookup.write_text(
        "import numpy as np\n\n\n"
        "def left(image):\n"
        "    mask = np.zeros(image.shape[:2], bool)\n"
        "    mask[:, : image.shape[1] // 2] = True\n"
        "    return mask\n"
    )
    out = tmp_path / "out"
    args = ["--n", "4", "--out", str(out), "--p-anomaly", "1", "--size", "48", "--quiet"]
    result = run("generate", *args, "--foreground", f"{lookup}:left", "--workers", "1")
    assert result.exit_code == 0, result.output
    for line in (out / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        settings = entry["params"]["settings"]
        assert settings["source"] == "callable" and settings["name"].endswith(":left")
        mask = cv2.imread(str(out / entry["files"]["mask"]), cv2.IMREAD_GRAYSCALE)
        assert mask.any() and not mask[:, 24:].any()
