"""The scripts in examples/ run (small settings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_dataloader_example():
    out = run("dataloader.py", "--workers", "2", "--epochs", "2", "--size", "64")
    lines = out.splitlines()
    assert len(lines) == 4 and all("images (4, 3, 64, 64)" in line for line in lines)

    def indices(line: str) -> list[int]:
        return [int(i) for i in line.split("samples [")[1].split("]")[0].split(", ")]

    assert sorted(indices(lines[0]) + indices(lines[1])) == list(range(8))
    assert sorted(indices(lines[2]) + indices(lines[3])) == list(range(8, 16))


def test_custom_recipe_example(tmp_path):
    out = run("custom_recipe.py", "--out", str(tmp_path), "--n", "3")
    assert "replays exactly" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "records.jsonl",
        "sample_0.png",
        "sample_1.png",
        "sample_2.png",
    ]
