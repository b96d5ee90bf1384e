"""A run killed with SIGKILL at any moment and resumed ends identical to an uninterrupted run.

Each test starts ``synthdefect generate`` in its own process group, kills the whole group with
SIGKILL (workers included, as a scheduler pre-empting a job would), resumes, and compares every
file byte for byte with a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_generate import small, tree_bytes

from synthdefect.generate import generate

N = 120
ARGS = ["--n", str(N), "--size", "48", "--p-anomaly", "0.7", "--seed", "3", "--quiet"]
LAUNCH = "import sys; from synthdefect.cli import main; sys.exit(main())"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "out"
    generate(small(out, n=N, size=(48, 48), p_anomaly=0.7), workers=1)
    return tree_bytes(out)


def manifest_lines(out: Path) -> int:
    path = out / "manifest.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def start(out: Path, workers: int, resume: bool) -> subprocess.Popen:
    command = [sys.executable, "-c", LAUNCH, "generate", "--out", str(out), *ARGS]
    command += ["--workers", str(workers)] + (["--resume"] if resume else [])
    return subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE)


def kill_when(process: subprocess.Popen, out: Path, lines: int | None, delay_s: float) -> bool:
    """SIGKILL the process group once the manifest has ``lines`` lines (``None``: at once),
    after a further ``delay_s`` seconds; returns False if the process had already finished."""
    deadline = time.monotonic() + 60
    while lines is not None and manifest_lines(out) < lines and process.poll() is None:
        assert time.monotonic() < deadline, "generation made no progress"
        time.sleep(0.005)
    time.sleep(delay_s)
    running = process.poll() is None
    if running:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return running


def finish(out: Path, workers: int) -> None:
    process = start(out, workers, resume=True)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr.decode()


@pytest.mark.parametrize(
    ("workers", "kill_points"),
    [
        # (manifest lines to wait for, extra delay): before anything, then mid-run twice
        (1, [(None, 0.0), (16, 0.01), (48, 0.05)]),
        # near the end, right after a batch, and on the first lines of a resumed attempt
        (1, [(N - 16, 0.0), (None, 0.6)]),
        (2, [(None, 0.3), (32, 0.02), (80, 0.0)]),
    ],
)
def test_killed_and_resumed_run_equals_uninterrupted(tmp_path, reference, workers, kill_points):
    out = tmp_path / "out"
    killed = [kill_when(start(out, workers, True), out, *point) for point in kill_points]
    assert sum(killed) >= len(kill_points) - 1, f"runs ended before the kill: {killed}"
    finish(out, workers)
    assert tree_bytes(out) == reference
    assert not list(out.rglob("*.tmp"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["samples"] == N


def test_torn_manifest_line_is_cut_on_resume(tmp_path, reference):
    out = tmp_path / "out"
    generate(small(out, n=N, size=(48, 48), p_anomaly=0.7), workers=1)
    manifest = out / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(lines[:50]) + lines[50][:37])  # killed mid-line
    (out / "images" / ".000051.png.abc123.tmp").write_bytes(b"half a png")
    report = generate(small(out, n=N, size=(48, 48), p_anomaly=0.7), workers=1, resume=True)
    assert report.made == N - 50
    assert tree_bytes(out) == reference


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    out = tmp_path / "out"
    long_run = ["--n", "100000", "--size", "32", "--quiet", "--workers", "1", "--out", str(out)]
    first = subprocess.Popen([sys.executable, "-c", LAUNCH, "generate", *long_run])
    try:
        deadline = time.monotonic() + 60
        while manifest_lines(out) == 0:
            assert first.poll() is None and time.monotonic() < deadline, "first run made nothing"
            time.sleep(0.005)
        second = subprocess.run(
            [sys.executable, "-c", LAUNCH, "generate", *long_run, "--resume"],
            capture_output=True,
            timeout=60,
        )
        assert first.poll() is None, "the first run ended before the second started"
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 2
    assert second.stderr.decode().strip().startswith("Error: another synthdefect run is writing")
