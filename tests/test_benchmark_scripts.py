"""The benchmark scripts end to end in tiny CPU configurations: draem_gpu.sh and its data
preparation, and recipes.sh."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from synthdefect.files.codec import read_image, write_image

ROOT = Path(__file__).resolve().parents[1]


def _write_bottle_like(root: Path) -> Path:
    """train/good (10), test/good (2), test/spot (2) + masks, 64x64 files."""
    rng = np.random.default_rng(0)
    (root / "ground_truth/spot").mkdir(parents=True)
    for folder, count in (("train/good", 10), ("test/good", 2), ("test/spot", 2)):
        (root / folder).mkdir(parents=True)
        for i in range(count):
            image = rng.integers(90, 110, (64, 64, 3), dtype=np.uint8)
            if folder == "test/spot":
                mask = np.zeros((64, 64, 1), dtype=np.uint8)
                mask[10 + 20 * i : 30 + 20 * i, 20:40] = 255
                image[mask[..., 0] > 0] = (250, 0, 250)
                write_image(root / f"ground_truth/spot/{i:03d}_mask.png", mask)
            write_image(root / folder / f"{i:03d}.png", image)
    return root


def test_gpu_benchmark_runs_end_to_end_in_a_tiny_cpu_configuration(tmp_path):
    bottle = _write_bottle_like(tmp_path / "bottle")
    prepared = tmp_path / "prepared"
    subprocess.run(
        [sys.executable, "benchmarks/draem_gpu_prep.py", bottle, bottle / "test", prepared,
         "--textures", "3"],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert read_image(prepared / "bottle/train/good/000.png").shape == (256, 256, 3)
    assert read_image(prepared / "bottle/ground_truth/spot/001_mask.png", 1).shape[:2] == (256, 256)
    assert len(list((prepared / "dtd").rglob("*.jpg"))) == 3

    tiny = {"TOTAL_MINUTES": "0.3", "EVAL_RESERVE": "5", "PROBE_STEPS": "6", "SIZE": "32",
            "RECON_WIDTH": "4", "DISC_WIDTH": "4", "BATCH": "4", "WORKERS": "0",
            "DEVICE": "cpu", "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}  # fmt: skip
    result = subprocess.run(
        ["benchmarks/draem_gpu.sh", prepared / "bottle", prepared / "dtd", tmp_path / "run"],
        cwd=ROOT, env={**os.environ, **tiny}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r"full-model probe: average [\d.]+ steps/s, steady state [\d.]+", result.stdout
    )
    row = result.stdout.strip().splitlines()[-2]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == 7 and cells[2].endswith("min")
    assert all(0.0 <= float(value) <= 100.0 for value in cells[3:])
    assert (tmp_path / "run/metrics.json").is_file()


def _write_textures(folder: Path) -> None:
    """Three flat 40x40 textures in ``folder``, as DTD stands in the data folder."""
    folder.mkdir(parents=True)
    for i in range(3):
        write_image(folder / f"t{i}.png", np.full((40, 40, 3), 60 * i, np.uint8))


def test_recipe_benchmark_prints_one_row_per_run_and_continues_where_it_stopped(tmp_path):
    data = tmp_path / "data"
    _write_bottle_like(data / "mvtec_ad/bottle")
    _write_bottle_like(data / "bsdata")
    _write_textures(data / "dtd_subset/images")
    cli = str(Path(sys.executable).parent / "synthdefect")
    tiny = {"DATA": str(data), "STEPS": "2", "SEED": "3", "SIZE": "32", "PRESETS": "nsa",
            "DATASETS": "bottle-fg bsdata", "SYNTHDEFECT": cli, "PYTHON": sys.executable,
            "PYTHONPATH": str(ROOT)}  # fmt: skip

    def run() -> list[str]:
        result = subprocess.run(
            ["benchmarks/recipes.sh", tmp_path / "runs"],
            cwd=ROOT, env={**os.environ, **tiny}, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.splitlines()

    first = run()
    assert "STEPS=2, SEED=3, SIZE=32" in first[0]
    assert [line.split(":")[0] for line in first if ": train " in line] == [
        "bottle-fg nsa", "bsdata nsa"
    ]  # fmt: skip
    rows = [line.split() for line in first if line.startswith(("bottle-fg ", "bsdata "))]
    rows = [row for row in rows if len(row) == 6]  # the table, not the per-run timings
    assert [row[:2] for row in rows] == [["bottle-fg", "nsa"], ["bsdata", "nsa"]]
    assert all(0.0 <= float(cell) <= 100.0 for row in rows for cell in row[2:])

    (tmp_path / "runs/bsdata/nsa/metrics.json").unlink()  # as if stopped before evaluating
    again = run()
    assert [line.split(":")[0] for line in again if ": train " in line] == ["bsdata nsa"]


def test_recipe_benchmark_trains_a_recipe_file_under_its_own_name(tmp_path):
    data = tmp_path / "data"
    _write_bottle_like(data / "bsdata")
    recipe = tmp_path / "my-nsa.json"
    recipe.write_text(json.dumps({"preset": "nsa-logistic", "p_anomaly": 1.0}))
    cli = str(Path(sys.executable).parent / "synthdefect")
    tiny = {"DATA": str(data), "STEPS": "2", "SIZE": "32", "PRESETS": f"cutout {recipe}",
            "DATASETS": "bsdata", "SYNTHDEFECT": cli, "PYTHON": sys.executable,
            "PYTHONPATH": str(ROOT)}  # fmt: skip
    result = subprocess.run(
        ["benchmarks/recipes.sh", tmp_path / "runs"],
        cwd=ROOT, env={**os.environ, **tiny}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("bsdata ")]
    assert [row[1] for row in rows if len(row) == 6] == ["cutout", "my-nsa"]
    checkpoint = torch.load(tmp_path / "runs/bsdata/my-nsa/checkpoint.pt", weights_only=False)
    assert checkpoint["config"]["recipe"] == str(recipe) and checkpoint["config"]["preset"] is None


def test_auroc_by_size_reports_each_size_with_both_classes(tmp_path):
    """Scores that follow the size, not the defect: overall the defective images of another
    size lift the AUROC to 50, within the shared size it is 0; the size without normal images
    gets no row."""
    rows = ["file,score"]
    for folder, count, size, score in (("good", 10, (20, 10), 0.5), ("pit", 10, (20, 10), 0.3),
                                       ("pit", 10, (30, 10), 0.9)):  # fmt: skip
        (tmp_path / folder).mkdir(exist_ok=True)
        for i in range(count):
            name = f"{folder}/{size[0]}_{i}.png"
            write_image(tmp_path / name, np.zeros((size[1], size[0], 3), np.uint8))
            rows.append(f"{name},{score + (0.01 * i if folder == 'good' else 0.0)}")
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n")
    result = subprocess.run(
        [sys.executable, "benchmarks/auroc_by_size.py", tmp_path / "scores.csv", tmp_path],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0] == "all sizes: image AUROC 50.0 (30 images)"
    assert lines[1:] == ["20x10: image AUROC 0.0 (20 images, 10 defective)"]


def test_resume_benchmark_resumes_a_fabricated_run_and_reports_time_and_memory(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/resume_manifest.py", "300", "--folder", tmp_path / "run"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(
        r"N=300: generate --resume remade 1 sample in [\d.]+ s wall, peak RSS [\d.]+ MiB\n",
        result.stdout,
    ), result.stdout
    manifest = (tmp_path / "run/manifest.jsonl").read_bytes().splitlines()
    assert len(manifest) == 300 and b'"index":299,' in manifest[-1]
    assert (tmp_path / "run/images/000299.png").stat().st_size > 0


def test_choose_benchmark_prints_synthetic_beside_real_scores_with_spearman_and_regret(tmp_path):
    data = tmp_path / "data"
    _write_bottle_like(data / "bsdata")
    _write_textures(data / "dtd_subset/images")
    cli = str(Path(sys.executable).parent / "synthdefect")
    tiny = {"DATA": str(data), "STEPS": "2", "SIZE": "32", "WIDTH": "4", "DATASETS": "bsdata",
            "CANDIDATES": "cutpaste,nsa,cutout", "SYNTHDEFECT": cli, "PYTHONPATH": str(ROOT),
            "OMP_NUM_THREADS": "1"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "benchmarks/choose.py", tmp_path / "runs"],
        cwd=ROOT, env={**os.environ, **tiny}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bsdata: 2 steps per candidate")
    rows = [line.split() for line in lines[2:5]]
    assert [row[0] for row in rows] == ["cutpaste", "nsa", "cutout"]
    assert sum("*" in row for row in rows) == 1  # the recommended one
    assert re.fullmatch(
        r"bsdata: Spearman (-|-?[\d.]+), regret [\d.]+ pixel AUROC, [\d.]+ AUPRO", lines[-1]
    ), lines[-1]
    assert (tmp_path / "runs/bsdata/runs/nsa/metrics.json").is_file()


def test_device_synthesis_benchmark_prints_host_and_batch_rates_and_ends():
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/device_synthesis.py",
            "--sizes",
            "32",
            "--batches",
            "2",
            "--seconds",
            "0.01",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("cpu")]
    assert len(rows) == 1 and rows[0][:3] == ["cpu", "32", "2"]
    assert float(rows[0][3]) > 0 and float(rows[0][4]) > 0
    assert "draws/s" in done.stdout and float(rows[0][6]) > 0
    assert "anomalib" in done.stdout


def test_ab_bench_takes_turns_between_two_revisions_and_prints_medians(tmp_path):
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    env = {**os.environ, "PAIRS": "2", "BENCH_SECONDS": "0.05", "PYTHON": sys.executable}
    result = subprocess.run(
        ["benchmarks/ab_bench.sh", "HEAD", "HEAD", "--size", "32"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"old HEAD \(\w+\), new HEAD \(\w+\): 2 pairs", lines[0]), lines[0]
    rows = {line[:40].strip(): line[40:].split() for line in lines[2:]}
    for figure in ("masks/s, 1 thread", "samples/s, 1 thread", "first sample, fresh process s"):
        old, new, ratio = rows[figure]
        assert float(old) > 0 and float(new) > 0 and float(ratio) > 0
    refused = subprocess.run(["benchmarks/ab_bench.sh", "HEAD"], cwd=ROOT, capture_output=True)
    assert refused.returncode == 2 and b"usage" in refused.stderr


def test_texture_bank_benchmark_prints_host_hit_and_miss_figures_and_ends(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        write_image(tmp_path / f"{i}.png", rng.integers(0, 256, (20 + i, 24, 3), dtype=np.uint8))
    done = subprocess.run(
        [sys.executable, "benchmarks/texture_bank.py", "--textures", tmp_path, "--size", "16",
         "--batch", "4", "--batches", "2", "--repeats", "2"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    assert len(rows) == 2 and all(row[::2] == ["host", "hit", "miss"] for row in rows)
    assert all(float(value) > 0 for row in rows for value in row[1::2])


def test_texture_augment_benchmark_prints_apply_beside_the_kernels_and_ends(tmp_path):
    done = subprocess.run(
        [sys.executable, "benchmarks/texture_augment.py", "--textures", tmp_path, "--size", "16",
         "--records", "10", "--rounds", "2", "--preset", "paper"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["paper apply", "paper one by one"]
    assert all(float(re.search(r": ([\d.]+) us per texture", line)[1]) > 0 for line in lines)


def test_defect_change_benchmark_prints_a_row_per_preset_and_ends(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        write_image(tmp_path / f"{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    done = subprocess.run(
        [sys.executable, "benchmarks/defect_change.py", "--images", tmp_path, "--textures",
         tmp_path, "--size", "24", "--samples", "4", "--preset", "nsa", "--preset", "cutpaste"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    rows = done.stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["nsa", "cutpaste"]
    assert all(0 < float(re.search(r"median +([\d.]+)", row)[1]) <= 255 for row in rows)


@pytest.mark.parametrize("path", sorted((ROOT / "benchmarks/recipe_files").glob("*.json")))
def test_the_benchmark_recipe_files_load_and_make_soft_targets(path, tmp_path):
    import synthdefect as sd

    rng = np.random.default_rng(0)
    for i in range(2):
        write_image(tmp_path / f"{i}.png", rng.integers(0, 256, (48, 48, 3), dtype=np.uint8))
    recipe = sd.load_recipe(path, textures=str(tmp_path))
    stem = path.stem.split("-")  # <recipe>-k<1/k>-x<x0>, the recipe nsa or fractal+nsa
    targets = [t for _, t in recipe.walk() if isinstance(t, sd.IntensityTarget)]
    assert [t.logistic for t in targets] == [(1 / int(stem[1][1:]), float(stem[2][1:]))]
    image = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    labels = [recipe(image, seed=0, index=i).label for i in range(8)]
    assert 0 < sum(labels) < 8  # p_anomaly 0.5, as the presets
