"""``generate --resume``, ``--overwrite`` and ``--merge`` trust nothing they find in ``--out``:
links are not followed, recorded files are checked, manifest paths stay inside the folder, the
manifest is read as a stream, and a file-size limit is one line."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_generate import small, tree_bytes

from synthdefect.cli import main
from synthdefect.generate import GenerateConfig, GenerateError, Shard, generate, merge_shards
from synthdefect.generate import manifest as manifest_module
from synthdefect.generate.manifest import ManifestError, read_manifest

N = 40
LAUNCH = "import sys; from synthdefect.cli import main; sys.exit(main())"


def config(out: Path, **changes) -> GenerateConfig:
    return small(out, **{"n": N, "size": (32, 32), **changes})


def interrupted(out: Path, done: int = 10, **changes) -> None:
    """A run of :data:`N` samples that stopped after ``done`` recorded samples."""
    generate(config(out, **changes), workers=1)
    manifest = out / "manifest.jsonl"
    manifest.write_text("".join(manifest.read_text().splitlines(keepends=True)[:done]))
    (out / "summary.json").unlink()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "out"
    generate(config(out), workers=1)
    return tree_bytes(out)


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], lines


QUICK = ("--n", str(N), "--size", "32", "--p-anomaly", "0.6", "--seed", "3", "--workers", "1",
         "--quiet")  # fmt: skip


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["images", "masks", "manifest.jsonl", "config.json"])
def test_resume_refuses_a_link_inside_out_and_writes_nothing_through_it(tmp_path, entry):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    interrupted(out)
    moved = out / entry
    moved.rename(elsewhere)
    moved.symlink_to(elsewhere, target_is_directory=elsewhere.is_dir())
    before = tree_bytes(tmp_path)
    result = cli("generate", "--out", out, *QUICK, "--resume")
    one_line(result, "is a symbolic link")
    assert entry in result.output
    assert tree_bytes(tmp_path) == before


def test_overwrite_removes_a_link_not_what_it_points_to(tmp_path, reference):
    out, photos = tmp_path / "out", tmp_path / "photos"
    interrupted(out)
    photos.mkdir()
    (photos / "holiday.png").write_bytes(b"the user's own file")
    (out / "images").rename(tmp_path / "old-images")
    (out / "images").symlink_to(photos, target_is_directory=True)
    result = cli("generate", "--out", out, *QUICK, "--overwrite")
    assert result.exit_code == 0, result.output
    assert (photos / "holiday.png").read_bytes() == b"the user's own file"
    assert not (out / "images").is_symlink()
    assert tree_bytes(out) == reference  # summary.json (timings) aside


@pytest.mark.parametrize("entry", ["test", "test/good", "ground_truth"])
def test_a_fresh_mvtec_shard_refuses_a_link_among_the_nested_layout_folders(tmp_path, entry):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / entry).parent.mkdir(parents=True, exist_ok=True)
    (out / entry).symlink_to(elsewhere, target_is_directory=True)
    result = cli("generate", "--out", out, *QUICK, "--layout", "mvtec", "--shard", "0/2")
    one_line(result, f"{entry} is a symbolic link")
    assert not any(elsewhere.iterdir())


def test_merge_refuses_a_link_among_the_records(tmp_path):
    out = tmp_path / "out"
    for index in range(2):
        generate(config(out, shard=Shard(index, 2)), workers=1)
    (tmp_path / "kept.json").write_text("{}")
    (out / "summary.json").symlink_to(tmp_path / "kept.json")
    result = cli("generate", "--merge", "--out", out)
    one_line(result, "summary.json is a symbolic link")
    assert (tmp_path / "kept.json").read_text() == "{}"
    assert not (out / "manifest.jsonl").exists()


def test_a_shard_refuses_a_link_inside_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "masks").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = cli("generate", "--out", out, *QUICK, "--shard", "0/2")
    one_line(result, "is a symbolic link")
    assert not any((tmp_path / "elsewhere").iterdir())


# --- recorded files -----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["deleted", "emptied", "linked"])
def test_resume_makes_again_the_recorded_files_that_are_gone(tmp_path, reference, damage):
    out = tmp_path / "out"
    interrupted(out, done=20)
    victim = out / "images" / "000007.png"
    if damage == "deleted":
        victim.unlink()
    elif damage == "emptied":
        victim.write_bytes(b"")
    else:
        (tmp_path / "stand-in.png").write_bytes(victim.read_bytes())
        victim.unlink()
        victim.symlink_to(tmp_path / "stand-in.png")
    with pytest.warns(UserWarning, match=r"000007\.png .*sample 7 and those recorded after"):
        report = generate(config(out), workers=1, resume=True)
    assert report.samples == N and report.made == N - 7
    assert tree_bytes(out) == reference  # summary.json (timings) aside
    assert not victim.is_symlink()


def test_merge_refuses_a_shard_whose_recorded_file_is_gone(tmp_path):
    out = tmp_path / "out"
    for index in range(2):
        generate(config(out, shard=Shard(index, 2)), workers=1)
    (out / "masks" / "000031.png").unlink()
    with pytest.raises(GenerateError, match=r"000031\.png.*shard 1/2|shard-1-of-2.*000031"):
        merge_shards(out)
    assert not (out / "manifest.jsonl").exists()


# --- manifest paths and streaming ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["../elsewhere.png", "/etc/passwd", "images/../../x.png", "images\\x.png", ""]
)
def test_a_manifest_path_that_leaves_the_folder_is_refused(tmp_path, path):
    out = tmp_path / "out"
    generate(config(out, n=4), workers=1)
    manifest = out / "manifest.jsonl"
    lines = manifest.read_text().splitlines(keepends=True)
    record = json.loads(lines[2])
    record["files"]["image"] = path
    manifest.write_text("".join([*lines[:2], json.dumps(record) + "\n", *lines[3:]]))
    with pytest.raises(ManifestError, match=r"line 3 .*leaves"):
        read_manifest(manifest)


def test_the_manifest_is_read_as_a_stream(tmp_path):
    out = tmp_path / "out"
    generate(config(out, n=6), workers=1)
    records = manifest_module.iter_manifest(out / "manifest.jsonl")
    assert not isinstance(records, list)
    first = next(records)
    assert first["index"] == 0
    assert [r["index"] for r in records] == [1, 2, 3, 4, 5]


# --- operating-system limits --------------------------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_file_size_limit_is_one_line_and_resume_then_finishes(tmp_path, reference, workers):
    out = tmp_path / "out"
    command = [sys.executable, "-c", LAUNCH, "generate", "--out", str(out), *QUICK[:-3]]
    command += ["--workers", workers, "--quiet"]

    def small_files() -> None:
        # Room for config.json and the first samples' files (32x32 PNGs, about 3 kB each), not
        # for a manifest of 40 lines with every draw recorded.
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command, preexec_fn=small_files, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "file size limit" in lines[0], done.stderr
    finished = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, env=env, timeout=600
    )
    assert finished.returncode == 0, finished.stderr
    assert tree_bytes(out) == reference  # summary.json (timings) aside


def test_a_worker_meeting_a_file_size_limit_reports_it_instead_of_dying(tmp_path):
    """Through the API (no command line): a pool worker that meets the limit while writing a
    sample file reports it as a write error naming the limit, not a worker death (CPython
    ignores SIGXFSZ from start-up, so the write fails with EFBIG)."""
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'tests')\n"
        "from test_generate import small\n"
        "from synthdefect.generate import GenerateError, generate\n"
        "try:\n"
        f"    generate(small(Path({str(tmp_path / 'out')!r}), size=(128, 128)), workers=2)\n"
        "except GenerateError as err:\n"
        "    sys.exit(f'{type(err).__name__}: {err}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000)),
        capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"},
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("GenerateError: cannot write to "), done.stderr
    assert "file size limit reached" in done.stderr, done.stderr
