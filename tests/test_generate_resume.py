"""A run killed at any moment and resumed ends identical to an uninterrupted run.

Each test starts ``synthdefect generate`` in its own process group, kills it with SIGKILL or
SIGTERM (the main process alone, or the whole group as a scheduler pre-empting a job would),
checks that no process of the run is left, resumes, and compares every file byte for byte with
a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_generate import small, tree_bytes

from synthdefect.generate import generate
from synthdefect.generate.runner import CHUNK_SIZE, HOLD_ENV

N = 120
ARGS = ["--n", str(N), "--size", "48", "--p-anomaly", "0.7", "--seed", "3", "--quiet"]
LAUNCH = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from synthdefect.cli import main; sys.exit(main())"
)
"""A run as a terminal starts it: Ctrl-C raises KeyboardInterrupt even where the suite itself
runs in a background job, whose children inherit SIGINT ignored."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "out"
    generate(small(out, n=N, size=(48, 48), p_anomaly=0.7), workers=1)
    return tree_bytes(out)


def manifest_lines(out: Path) -> int:
    path = out / "manifest.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def start(
    out: Path, workers: int, resume: bool, hold: tuple[int, Path] | None = None
) -> subprocess.Popen:
    """Start a run; with ``hold`` ``(lines, flag)`` it waits, once its manifest holds ``lines``
    lines, for the file ``flag`` to exist (``HOLD_ENV``): it cannot end before that."""
    command = [sys.executable, "-c", LAUNCH, "generate", "--out", str(out), *ARGS]
    command += ["--workers", str(workers)] + (["--resume"] if resume else [])
    env = dict(os.environ)
    if hold is not None:
        env[HOLD_ENV] = f"{hold[0]}:{hold[1]}"
    return subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE, env=env)


def held_past(out: Path, lines: int | None, workers: int) -> tuple[int, Path]:
    """A hold two blocks past ``lines``: the run is still running when it has ``lines`` lines,
    possibly writing files, whenever it is killed before the hold's flag exists."""
    return (min((lines or 0) + 2 * CHUNK_SIZE * workers, N), out.parent / "never")


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


def live_processes() -> list[tuple[int, int, int]]:
    """``(pid, parent pid, process group)`` of every live (not zombie) process, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        state, parent, group = text[text.rindex(")") + 2 :].split()[:3]
        if state != "Z":
            found.append((int(stat.parent.name), int(parent), int(group)))
    return found


def processes_in_group(group: int) -> list[int]:
    return [pid for pid, _, g in live_processes() if g == group]


def wait_for_lines(process: subprocess.Popen, out: Path, lines: int) -> None:
    deadline = time.monotonic() + 60
    while manifest_lines(out) < lines:
        assert process.poll() is None and time.monotonic() < deadline, "no progress"
        time.sleep(0.005)


def assert_run_ends(group: int, within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while processes_in_group(group):
        assert time.monotonic() < deadline, f"left running: {processes_in_group(group)}"
        time.sleep(0.05)


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
    killed = [
        kill_when(start(out, workers, True, held_past(out, point[0], workers)), out, *point)
        for point in kill_points
    ]
    assert all(killed), f"runs ended before the kill: {killed}"
    finish(out, workers)
    assert tree_bytes(out) == reference
    assert not list(out.rglob("*.tmp"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["samples"] == N


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes in /proc")
@pytest.mark.parametrize("whole_group", [False, True], ids=["main process", "process group"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_five_times_at_random_moments_leaves_nothing_running(
    tmp_path, reference, sig, whole_group
):
    out = tmp_path / "out"
    moments = random.Random(f"{sig}-{whole_group}")
    killed = 0
    for _ in range(5):
        target = moments.randrange(N)  # manifest lines to wait for, else a moment in start-up
        process = start(out, workers=2, resume=True, hold=held_past(out, target, workers=2))
        deadline = time.monotonic() + 60
        while manifest_lines(out) < target and process.poll() is None:
            assert time.monotonic() < deadline, "generation made no progress"
            time.sleep(0.005)
        time.sleep(moments.uniform(0.0, 0.1 if manifest_lines(out) >= target > 0 else 2.0))
        if process.poll() is None:
            killed += 1
            (os.killpg if whole_group else os.kill)(process.pid, sig)
        _, stderr = process.communicate(timeout=30)
        assert_run_ends(process.pid)
        if process.returncode == 143:  # SIGTERM after the handler was installed
            assert "--resume to continue" in stderr.decode().splitlines()[-1]
        else:
            assert process.returncode in (0, -sig), stderr.decode()
    assert killed == 5, f"only {killed} of 5 runs were still running when killed"
    finish(out, workers=2)
    assert tree_bytes(out) == reference
    assert not list(out.rglob("*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes in /proc")
def test_ctrl_c_exits_130_and_says_how_to_continue(tmp_path, reference):
    out = tmp_path / "out"
    process = start(out, workers=2, resume=True, hold=(16, tmp_path / "never"))
    wait_for_lines(process, out, 16)  # then it waits for the flag: provably mid-way
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to the foreground group
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr.decode().strip().splitlines()[-1].startswith("interrupted (Ctrl-C): ")
    assert "--resume to continue" in stderr.decode()
    assert_run_ends(process.pid)
    finish(out, workers=2)
    assert tree_bytes(out) == reference


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes in /proc")
def test_a_killed_worker_gives_one_line_and_exit_2(tmp_path, reference):
    out, flag = tmp_path / "out", tmp_path / "go"
    process = start(out, workers=2, resume=True, hold=(16, flag))
    wait_for_lines(process, out, 16)  # then it holds, with blocks still to hand out
    for pid, parent, _ in live_processes():  # the workers, not the resource tracker
        if parent == process.pid and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)
    flag.touch()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert lines[-1].startswith("Error: a worker process died"), stderr.decode()
    assert not any(line.startswith("Traceback") for line in lines)
    finish(out, workers=2)
    assert tree_bytes(out) == reference


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
    held = {**os.environ, HOLD_ENV: f"1:{tmp_path / 'never'}"}  # it cannot end meanwhile
    first = subprocess.Popen([sys.executable, "-c", LAUNCH, "generate", *long_run], env=held)
    try:
        wait_for_lines(first, out, 1)
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
