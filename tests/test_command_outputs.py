"""What train, evaluate, predict and preview do with outputs they made before, with names that
would collide, with failures half-way, and with the processes they start.

The refusals themselves are the rows of ``test_command_bad_input.CASES``.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_command_bad_input import (  # noqa: F401 (checkpoint: a fixture)
    QUICK,
    TINY,
    checkpoint,
    tree,
    workspace,
    write_category,
)

import reference_model.predict as predict_module
from synthdefect.cli import main
from synthdefect.files.codec import image_note, write_image

SYNTHDEFECT = [
    sys.executable,
    "-c",
    "import sys; from synthdefect.cli import main; sys.exit(main())",
]
DEADLINE_S = 60.0
"""Generous bound on waiting for a process state: the test never depends on how fast it comes."""


def invoke(*args: object):
    command = [str(a) for a in args]
    return CliRunner().invoke(main, [command[0], *QUICK[command[0]], *command[1:]])


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def places(tmp_path, checkpoint) -> dict[str, Path]:  # noqa: F811
    return workspace(tmp_path, checkpoint)


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate_replaces_its_own_metrics_and_a_foreign_file_only_with_overwrite(places):
    ckpt, cat = places["ckpt"], places["cat"]
    assert invoke("evaluate", "--checkpoint", ckpt, "--data", cat).exit_code == 0
    metrics = places["run"] / "metrics.json"
    first = metrics.read_bytes()
    metrics.write_bytes(first.replace(b'"size"', b'"size_before"'))
    assert invoke("evaluate", "--checkpoint", ckpt, "--data", cat).exit_code == 0
    assert metrics.read_bytes() == first

    notes = places["X"] / "notes.json"
    notes.write_text('{"mine": 1}\n')
    result = invoke("evaluate", "--checkpoint", ckpt, "--data", cat, "--out", notes, "--overwrite")
    assert result.exit_code == 0, result.output
    assert notes.read_bytes() == first


def test_empty_ground_truth_masks_are_one_warning_line(places):
    for mask in (places["cat"] / "ground_truth/spot").iterdir():
        write_image(mask, np.zeros((40, 40, 1), np.uint8))
    command = [*SYNTHDEFECT, "evaluate", "--checkpoint", places["ckpt"], "--data", places["cat"]]
    done = subprocess.run(
        [str(c) for c in [*command, *QUICK["evaluate"]]], capture_output=True, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Warning: 2 defective test images (spot) have masks that mark no pixel at the model's "
        f"size, e.g. {places['cat'] / 'ground_truth/spot/000_mask.png'}: their pixels count as "
        "normal"
    ]


# --- predict ------------------------------------------------------------------------------------


def scores(out: Path) -> dict[str, str]:
    with open(out / "scores.csv", newline="") as f:
        return {row["file"]: row["score"] for row in csv.DictReader(f)}


def overlays(out: Path) -> list[str]:
    return sorted(
        p.relative_to(out / "overlays").as_posix() for p in (out / "overlays").rglob("*.png")
    )


def test_predict_rerun_replaces_its_own_outputs_entirely(places):
    imgs, out = places["imgs"], places["X"] / "res"
    assert (
        invoke("predict", "--checkpoint", places["ckpt"], "--images", imgs, "--out", out).exit_code
        == 0
    )
    assert overlays(out) == ["p0.png", "p1.png", "p2.png"]
    (imgs / "p2.png").unlink()
    result = invoke("predict", "--checkpoint", places["ckpt"], "--images", imgs, "--out", out)
    assert result.exit_code == 0, result.output
    assert overlays(out) == ["p0.png", "p1.png"]  # no stale overlay of the removed image
    assert sorted(scores(out)) == ["p0.png", "p1.png"]
    assert sorted(p.name for p in out.iterdir()) == ["overlays", "scores.csv"]


def test_two_images_of_one_stem_get_distinct_overlays(places):
    imgs, out = places["imgs"], places["X"] / "res"
    write_image(imgs / "p0.jpg", np.full((40, 40, 3), 90, np.uint8))
    result = invoke("predict", "--checkpoint", places["ckpt"], "--images", imgs, "--out", out)
    assert result.exit_code == 0, result.output
    assert overlays(out) == ["p0.jpg.png", "p0.png.png", "p1.png", "p2.png"]
    assert sorted(scores(out)) == ["p0.jpg", "p0.png", "p1.png", "p2.png"]


def test_a_predict_that_fails_half_way_keeps_the_earlier_outputs(places, monkeypatch):
    imgs, out = places["imgs"], places["X"] / "res"
    assert (
        invoke("predict", "--checkpoint", places["ckpt"], "--images", imgs, "--out", out).exit_code
        == 0
    )
    before = tree(out)
    written = []

    def disk_fills_up(path, image, *args, **kwargs):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)

    monkeypatch.setattr(predict_module, "write_image", disk_fills_up)
    result = invoke("predict", "--checkpoint", places["ckpt"], "--images", imgs, "--out", out)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "disk full" in lines[0], result.output
    assert tree(out) == before  # the earlier run's outputs, and no staging folder


# --- preview ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sheet.png", "sheet.jpg"])
def test_preview_replaces_its_own_sheet_and_a_foreign_image_only_with_overwrite(places, name):
    sheet = places["X"] / name
    assert invoke("preview", "--out", sheet).exit_code == 0
    assert image_note(sheet) == "synthdefect preview"
    assert invoke("preview", "--out", sheet, "--seed", "1").exit_code == 0

    photo = places["imgs"] / "p0.png"
    assert image_note(photo) is None
    assert invoke("preview", "--out", photo).exit_code == 2
    result = invoke("preview", "--out", places["X"] / "p.png", "--images", places["X"] / "cat/test")
    assert result.exit_code == 0, result.output
    result = invoke("preview", "--out", photo, "--overwrite", "--images", places["good"])
    assert result.exit_code == 0, result.output
    assert image_note(photo) == "synthdefect preview"


# --- processes ----------------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(x) for x in text.split())
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_train_loader_workers_end_with_the_main_process(places, how):
    command = [
        *SYNTHDEFECT, "train", "--data", places["good"], "--out", places["X"] / "r",
        *TINY, "--device", "cpu", "--workers", "2", "--steps", "100000",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([str(c) for c in command], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (places["X"] / "r" / "train_log.jsonl").exists(), "training to start")
        wait_for(lambda: len(children(process.pid)) >= 2, "two loader workers")
        workers = children(process.pid)
        process.send_signal(how)
        process.wait(timeout=DEADLINE_S)
        wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to end")
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
def test_a_refusal_names_the_process_that_holds_the_folder(places):
    out = places["X"] / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from synthdefect.outputs import folder_lock\n"
         "with folder_lock(Path(sys.argv[1])):\n print('held', flush=True); sys.stdin.read()",
         str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        result = invoke("train", "--data", places["good"], "--out", out)
        assert result.exit_code == 2, result.output
        assert f"(pid {holder.pid}: " in result.output, result.output
    finally:
        holder.stdin.close()
        holder.wait(timeout=DEADLINE_S)


def test_a_file_size_limit_ends_train_with_one_line(places):
    out = places["X"] / "r"
    command = [*SYNTHDEFECT, "train", "--data", places["good"], "--out", out, *QUICK["train"]]

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [str(c) for c in command], preexec_fn=small_files, capture_output=True, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: ") and "file size limit" in lines[-1], done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "checkpoint.pt").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


# --- foreground masks ---------------------------------------------------------------------------


def test_foreground_masks_stored_as_zero_one_are_refused(tmp_path):
    images = write_category(tmp_path / "cat") / "train/good"
    masks = tmp_path / "masks"
    masks.mkdir()
    for image in images.iterdir():
        write_image(masks / image.name, np.ones((40, 40, 1), np.uint8))
    result = CliRunner().invoke(main, [
        "generate", "--n", "2", "--images", str(images), "--foreground", str(masks),
        "--out", str(tmp_path / "out"), "--size", "32", "--workers", "1", "--quiet",
    ])  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "values 0..1" in lines[0], result.output


# --- train --resume -----------------------------------------------------------------------------


def test_resume_cuts_the_log_to_its_checkpoint(places):
    run = places["X"] / "r"
    args = ("train", "--data", places["good"], "--out", run, "--steps", "4", "--save-every", "2")
    assert invoke(*args, "--stop-at", "2").exit_code == 0
    log = run / "train_log.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    assert [json.loads(line)["step"] for line in lines] == [1, 2]
    # A run killed after logging step 3 (not checkpointed) while writing step 4's line:
    log.write_text("".join(lines) + lines[1].replace('"step": 2', '"step": 3') + '{"step": 4, "l2')
    result = invoke(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [1, 2, 3, 4]
