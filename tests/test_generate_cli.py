"""``synthdefect generate`` / ``preview`` command line: options, final line, bad input -> exit 2."""

from __future__ import annotations

import errno
import json
import os
import warnings

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from test_generate import make_image_folder, tree_bytes

import synthdefect.generate as api
import synthdefect.generate.maker as maker
from synthdefect.cli import main
from synthdefect.recipes import PRESETS

QUICK = ["--size", "48", "--workers", "1", "--quiet"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_input_problem(result, *words: str) -> None:
    """Exit status 2 and one ``Error: ...`` line naming the problem."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("command", [[], ["generate"], ["preview"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_generate_prints_one_summary_line(tmp_path):
    out = tmp_path / "out"
    result = run("generate", "--n", "5", "--out", str(out), "--p-anomaly", "1", *QUICK)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("generated 5 samples (")
    assert "anomalous) in " in result.output and f"samples/s) -> {out}" in result.output
    config = json.loads((out / "config.json").read_text())
    assert config["size"] == [48, 48] and config["p_anomaly"] == 1.0
    assert config["textures"] == "procedural" and config["preset"] == "draem-code"
    assert len(list((out / "images").iterdir())) == 5


def test_shards_and_merge_from_the_command_line(tmp_path):
    common = ["--n", "9", *QUICK]
    assert run("generate", "--out", str(tmp_path / "one"), *common).exit_code == 0
    for shard in ("0/2", "1/2"):
        result = run("generate", "--out", str(tmp_path / "two"), "--shard", shard, *common)
        assert result.exit_code == 0, result.output
    result = run("generate", "--merge", "--out", str(tmp_path / "two"))
    assert result.exit_code == 0 and result.output.startswith("generated 9 samples")
    single, merged = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert {k: merged[k] for k in single} == single


def test_missing_images_folder(tmp_path):
    result = run("generate", "--n", "2", "--out", str(tmp_path / "o"), "--images", "/nope/x")
    assert_input_problem(result, "--images", "/nope/x")
    assert not (tmp_path / "o").exists()


def test_empty_images_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run(
        "generate", "--n", "2", "--out", str(tmp_path / "o"), "--images", str(tmp_path / "empty")
    )
    assert_input_problem(result, "no image files")


def test_no_readable_image(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"garbage")
    (folder / "b.jpg").write_bytes(b"")
    result = run(
        "generate", "--n", "2", "--out", str(tmp_path / "o"), "--images", str(folder), *QUICK
    )
    assert_input_problem(result, "readable", "a.png: not an image file")


def test_missing_textures_folder(tmp_path):
    result = run("generate", "--n", "2", "--out", str(tmp_path / "o"), "--textures", "/nope/tex")
    assert_input_problem(result, "--textures", "/nope/tex")


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", "--n", "2", "--out", str(blocker / "out"), *QUICK)
    assert_input_problem(result, "cannot write", str(blocker))
    result = run("generate", "--n", "2", "--out", str(blocker), *QUICK)
    assert_input_problem(result, "not a folder")


@pytest.mark.parametrize("n", ["0", "-3"])
def test_n_below_one(tmp_path, n):
    assert_input_problem(run("generate", "--n", n, "--out", str(tmp_path / "o")), "--n")


def test_n_missing(tmp_path):
    assert_input_problem(run("generate", "--out", str(tmp_path / "o")), "--n is required")


@pytest.mark.parametrize("shard", ["4/4", "x/2", "1", "0/0"])
def test_malformed_shard(tmp_path, shard):
    result = run("generate", "--n", "4", "--out", str(tmp_path / "o"), "--shard", shard)
    assert_input_problem(result, "shard")


def test_malformed_size(tmp_path):
    result = run("generate", "--n", "4", "--out", str(tmp_path / "o"), "--size", "big")
    assert_input_problem(result, "size")


def test_non_empty_output_and_resume_with_other_settings(tmp_path):
    out = tmp_path / "o"
    assert run("generate", "--n", "3", "--out", str(out), *QUICK).exit_code == 0
    assert_input_problem(run("generate", "--n", "3", "--out", str(out), *QUICK), "--resume")
    result = run("generate", "--n", "4", "--out", str(out), "--resume", *QUICK)
    assert_input_problem(result, "settings differ", "n: 3 -> 4")
    assert run("generate", "--n", "3", "--out", str(out), "--resume", *QUICK).exit_code == 0


def test_disk_full_is_reported_and_resumable(tmp_path, monkeypatch):
    out = tmp_path / "o"
    reference = tmp_path / "ref"
    assert run("generate", "--n", "40", "--out", str(reference), *QUICK).exit_code == 0
    real_write = maker.write_atomic
    calls = []

    def fill_up(path, data):
        calls.append(path)
        if len(calls) > 50:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(maker, "write_atomic", fill_up)
    result = run("generate", "--n", "40", "--out", str(out), *QUICK)
    assert_input_problem(result, "disk full", str(out))
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert 0 < len(lines) < 40
    for record in map(json.loads, lines):
        assert all((out / f).is_file() for f in record["files"].values())
    monkeypatch.setattr(maker, "write_atomic", real_write)
    assert run("generate", "--n", "40", "--out", str(out), "--resume", *QUICK).exit_code == 0
    assert tree_bytes(out) == tree_bytes(reference)


def test_preview_command_writes_a_sheet(tmp_path):
    folder = make_image_folder(tmp_path / "normal", 2)
    out = tmp_path / "sheet.png"
    result = run(
        "preview", "--images", str(folder), "--grid", "3x2", "--cell", "32", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and "6 samples" in result.output


@pytest.mark.parametrize("grid", ["4", "0x2", "axb"])
def test_preview_malformed_grid(tmp_path, grid):
    assert_input_problem(run("preview", "--grid", grid, "--out", str(tmp_path / "p.png")), "grid")


def _grey_folder(folder):
    folder.mkdir()
    yy, xx = np.mgrid[0:40, 0:56]
    for i in range(3):
        cv2.imwrite(str(folder / f"g{i}.png"), ((yy * 5 + xx * (i + 2)) % 256).astype(np.uint8))
    return folder


@pytest.mark.parametrize("preset", list(PRESETS))
def test_grey_images_give_grey_samples_with_channels_1(tmp_path, preset):
    grey = _grey_folder(tmp_path / "grey")
    textures = ["--textures", str(grey)] if preset == "nsa" else []
    common = ["--n", "4", "--images", str(grey), *textures, "--preset", preset, *QUICK]
    result = run("generate", *common, "--out", str(tmp_path / "g"), "--channels", "1")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "g/config.json").read_text())["channels"] == 1
    files = sorted((tmp_path / "g/images").iterdir())
    assert len(files) == 4
    assert all(cv2.imread(str(f), cv2.IMREAD_UNCHANGED).ndim == 2 for f in files)
    result = run("generate", *common, "--out", str(tmp_path / "rgb"))  # the default: RGB
    assert result.exit_code == 0, result.output
    assert cv2.imread(str(tmp_path / "rgb/images/000000.png"), cv2.IMREAD_UNCHANGED).ndim == 3


@pytest.mark.parametrize("preset", list(PRESETS))
def test_keep_size_with_very_thin_images(tmp_path, preset):
    """8x2000 and 2000x8 images with --keep-size: every preset makes samples of the file's own
    size (some without a defect, as the masks hardly fit, which the warning says)."""
    thin = tmp_path / "thin"
    thin.mkdir()
    rng = np.random.default_rng(0)
    for name, shape in (("wide.png", (8, 2000, 3)), ("tall.png", (2000, 8, 3))):
        cv2.imwrite(str(thin / name), rng.integers(0, 256, shape, dtype=np.uint8))
    textures = ["--textures", str(thin)] if preset == "nsa" else []
    args = ["--n", "4", "--images", str(thin), *textures, "--preset", preset, "--keep-size"]
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # samples without a defect
        result = run("generate", *args, "--p-anomaly", "1", "--out", str(out), *QUICK[2:])
    assert result.exit_code == 0, result.output
    for line in (out / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        made = cv2.imread(str(out / entry["files"]["image"]))
        assert made.shape == cv2.imread(str(thin / entry["source"])).shape


def test_preview_of_grey_samples(tmp_path):
    grey = _grey_folder(tmp_path / "grey")
    sheet = tmp_path / "sheet.png"
    result = run("preview", "--images", str(grey), "--channels", "1", "--grid", "2x1",
                 "--out", str(sheet), "--preset", "paper", "--size", "48")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert cv2.imread(str(sheet), cv2.IMREAD_UNCHANGED).ndim == 3  # the outline is green


def test_a_dead_worker_ends_the_process_at_once(tmp_path, monkeypatch):
    """After a worker died, interpreter exit can hang joining the process pool's thread (it
    waits forever for the rest of a result the worker was sending, CPython 3.11): the command
    prints its one line and ends the process at once, as on Ctrl-C."""

    def dead_worker(*args, **kwargs):
        raise api.WorkerDiedError("a worker process died (killed, or out of memory?)")

    class Ended(BaseException):
        pass

    def exit_now(status):
        raise Ended(status)

    monkeypatch.setattr(api, "generate", dead_worker)
    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(Ended) as ended:
        CliRunner().invoke(main, ["generate", "--n", "4", "--out", str(tmp_path / "o"), *QUICK],
                           catch_exceptions=False)  # fmt: skip
    assert ended.value.args == (2,)
