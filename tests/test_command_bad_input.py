"""Bad inputs and unsafe outputs of ``train``, ``evaluate``, ``predict``, ``preview`` and ``bench``.

Every case gets exit status 2 and one line, and leaves the whole work folder (inputs, the
checkpoint, anything a link points to) byte-identical: nothing overwritten that the command did
not make, nothing written outside its output, nothing read while another run writes it.
:data:`CASES` is the single source of the per-command tables in ``docs/outputs.md``,
:data:`CHECKPOINT_CASES` (bad checkpoints) of the table in ``docs/reference-model.md``:
``test_docs_tables_are_current`` fails when a table differs from its rows, and ``python
tests/test_command_bad_input.py`` rewrites them. Placeholders in a case: ``{X}`` the work
folder, ``{cat}`` an MVTec AD category in it, ``{good}`` its ``train/good``, ``{run}`` a training
run folder with its ``{ckpt}`` checkpoint, ``{imgs}`` a folder of 3 images, ``{out}`` a fresh
output path.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from bad_input_cases import Case, rewrite_tables, run_one_line, shown, stale_tables
from click.testing import CliRunner

from synthdefect.cli import main
from synthdefect.files.codec import write_image
from synthdefect.outputs import folder_lock

DOC = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"
CHECKPOINT_DOC = DOC.with_name("reference-model.md")
SIDE = 40
TINY = ("--size", "32", "--batch", "2", "--recon-width", "4", "--disc-width", "4")
QUICK = {
    "train": (*TINY, "--steps", "1", "--device", "cpu", "--workers", "0"),
    "evaluate": ("--device", "cpu", "--workers", "0"),
    "predict": ("--device", "cpu", "--workers", "0"),
    "preview": ("--size", "32", "--grid", "1x1"),
    "bench": ("--size", "32"),
}
UNWRITABLE = "/proc/synthdefect-test"
"""A place no process can create anything in, not even root (CI runs as root)."""


def _junk_images(places: dict[str, Path]) -> None:
    """``{X}/junk``: two .png files that are not images."""
    (places["X"] / "junk").mkdir()
    for name in ("a.png", "b.png"):
        (places["X"] / "junk" / name).write_bytes(b"not a png")


def _only_good(places: dict[str, Path]) -> None:
    """Remove the category's defects: test/spot and its masks."""
    for folder in ("test", "ground_truth"):
        shutil.rmtree(places["cat"] / folder / "spot")


def _folder(name: str) -> Callable[[dict[str, Path]], None]:
    """Make the empty folder ``{X}/name``."""
    return lambda places: (places["X"] / name).mkdir()


def _image(value: int) -> np.ndarray:
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    return np.stack([yy * 3 + value, xx * 3, yy + xx], axis=-1).astype(np.uint8)


def write_category(root: Path) -> Path:
    """train/good (3), test/good (2), test/spot (2) with ground_truth/spot/NNN_mask.png."""
    for folder, count in (("train/good", 3), ("test/good", 2), ("test/spot", 2)):
        (root / folder).mkdir(parents=True)
        for i in range(count):
            write_image(root / folder / f"{i:03d}.png", _image(40 * i))
    (root / "ground_truth/spot").mkdir(parents=True)
    for i in range(2):
        mask = np.zeros((SIDE, SIDE, 1), np.uint8)
        mask[10:20, 10 + 5 * i : 20 + 5 * i] = 255
        write_image(root / f"ground_truth/spot/{i:03d}_mask.png", mask)
    return root


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A tiny model trained for one step (its bytes are copied into every workspace)."""
    root = tmp_path_factory.mktemp("trained")
    category = write_category(root / "cat")
    args = ["train", "--data", category / "train/good", "--out", root / "run", *QUICK["train"]]
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "run" / "checkpoint.pt"


def workspace(tmp: Path, checkpoint: Path) -> dict[str, Path]:
    x = tmp / "X"
    places = {"X": x, "cat": write_category(x / "cat"), "run": x / "run", "imgs": x / "imgs"}
    places["good"] = places["cat"] / "train/good"
    places["ckpt"] = places["run"] / "checkpoint.pt"
    places["out"] = x / "out"
    places["run"].mkdir()
    shutil.copyfile(checkpoint, places["ckpt"])
    places["imgs"].mkdir()
    for i in range(3):
        write_image(places["imgs"] / f"p{i}.png", _image(30 * i))
    return places


def tree(root: Path) -> dict[str, bytes | str]:
    """Relative path -> file bytes, or ``"-> target"`` for a symbolic link, under ``root``."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


# --- setups -------------------------------------------------------------------------------------


def _held(folder_key: str) -> Callable[[dict[str, Path]], AbstractContextManager[Any]]:
    """Hold a folder's writer lock as a running synthdefect command does."""
    return lambda p: folder_lock(p[folder_key])


def _write(relative: str, data: bytes) -> Callable[[dict[str, Path]], None]:
    def setup(places: dict[str, Path]) -> None:
        path = places["X"] / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return setup


def _link(relative: str, target: str, folder: bool) -> Callable[[dict[str, Path]], None]:
    """``{X}/relative`` a symbolic link to ``{X}/target`` (a folder or a file, created)."""

    def setup(places: dict[str, Path]) -> None:
        goal = places["X"] / target
        if folder:
            goal.mkdir(parents=True, exist_ok=True)
        else:
            goal.write_bytes(b"a file of the user's")
        (places["X"] / relative).parent.mkdir(parents=True, exist_ok=True)
        (places["X"] / relative).symlink_to(goal)

    return setup


def _grey_mask(value: int, dtype: type = np.uint8) -> Callable[[dict[str, Path]], None]:
    """Rewrite both ground-truth masks with ``value`` for their defect pixels (0/1 masks),
    in ``dtype`` (``uint16``: a 16-bit PNG)."""

    def setup(places: dict[str, Path]) -> None:
        for mask in (places["cat"] / "ground_truth/spot").iterdir():
            pixels = np.zeros((SIDE, SIDE), dtype)
            pixels[5:15, 5:15] = value
            cv2.imwrite(str(mask), pixels)

    return setup


def _twin_image(places: dict[str, Path]) -> None:
    """test/spot/000.jpg beside test/spot/000.png: both would use 000_mask.png."""
    write_image(places["cat"] / "test/spot/000.jpg", _image(7))


def _huge_image(places: dict[str, Path]) -> None:
    """test/good/001.png: a valid PNG header announcing 40000x40000 pixels (1.6 G)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 80))
    (places["cat"] / "test/good/001.png").write_bytes(png + chunk(b"IEND", b""))


def _one_image(places: dict[str, Path]) -> None:
    for extra in ("001.png", "002.png"):
        (places["good"] / extra).unlink()


def _float_tiff(places: dict[str, Path]) -> None:
    """A float32 TIFF test image holding 0..255 (not the [0, 1] float images are read as)."""
    import cv2

    cv2.imwrite(str(places["cat"] / "test/good/000.tiff"), _image(0).astype(np.float32))
    (places["cat"] / "test/good/000.png").unlink()


CASES = [
    # evaluate
    Case(
        "`--data` whose test images are all good (nothing to score)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "no defective test images under",
        _only_good,
    ),
    Case(
        "`--out` the checkpoint itself (would replace the model with the metrics)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{ckpt}"),
        "is --checkpoint",
    ),
    Case(
        "`--out` inside `--data`",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{cat}/m.json"),
        "is inside --data",
    ),
    Case(
        "`--out` a file evaluate did not write",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{X}/notes.json"),
        "was not written by this command",
        _write("notes.json", b'{"mine": 1}\n'),
    ),
    Case(
        "`--out` a symbolic link",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{X}/m.json"),
        "is a symbolic link",
        _link("m.json", "elsewhere.json", folder=False),
    ),
    Case(
        "`--out` where nothing can be written (checked before evaluating)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", UNWRITABLE + "/m.json"),
        "cannot write",
    ),
    Case(
        "`--data` still being written by another run",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "is still being written",
        _held("cat"),
    ),
    Case(
        "ground-truth masks stored as 0/1 instead of 0/255",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "values 0..1",
        _grey_mask(1),
    ),
    Case(
        "16-bit ground-truth masks stored as 0/1 (they read as 0 at 8 bits)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "holds 16-bit values 0..1, which read as 0",
        _grey_mask(1, np.uint16),
    ),
    Case(
        "two test images that share one mask (`000.png`, `000.jpg`)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "would both",
        _twin_image,
    ),
    Case(
        "a test image of more pixels than the decoder reads (40000x40000)",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "over the decoder's limit",
        _huge_image,
    ),
    Case(
        "a float TIFF test image holding 0..255",
        ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json"),
        "float image",
        _float_tiff,
    ),
    # predict
    Case(
        "`--images` whose every file is unreadable",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{X}/junk", "--out", "{out}"),
        "none of the 2 files under",
        _junk_images,
    ),
    Case(
        "`--out` inside `--images` (a second run would score the overlays)",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{imgs}/scored"),
        "is inside --images",
    ),
    Case(
        "`--out` the run folder holding `--checkpoint`",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{run}"),
        "is inside --out",
    ),
    Case(
        "`--out` holding a `scores.csv` predict did not write",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{X}/res"),
        "was not written by this command",
        _write("res/scores.csv", b"name,grade\nbolt,A\n"),
    ),
    Case(
        "`--out/overlays` a symbolic link to another folder",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{X}/res"),
        "is a symbolic link",
        _link("res/overlays", "photos", folder=True),
    ),
    Case(
        "a second predict into an `--out` that a running one holds",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{out}"),
        "another synthdefect run is writing to",
        _held("out"),
    ),
    Case(
        "`--images` still being written by another run",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{out}"),
        "is still being written",
        _held("imgs"),
    ),
    Case(
        "`--out` where nothing can be written (checked before scoring)",
        ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", UNWRITABLE),
        "cannot write",
    ),
    # train
    Case(
        "`--data` an MVTec AD category root (its test/ and ground_truth/ hold defects)",
        ("train", "--data", "{cat}", "--out", "{out}"),
        "is an MVTec AD category",
    ),
    Case(
        "`--time-limit nan`",
        ("train", "--data", "{good}", "--out", "{out}", "--time-limit", "nan"),
        "nan is not a number",
    ),
    Case(
        "`--batch 1 --size 32` (BatchNorm at a 1x1 bottleneck)",
        ("train", "--data", "{good}", "--out", "{out}", "--batch", "1"),
        "batch 1 at size 32 leaves BatchNorm one value per channel",
    ),
    Case(
        "`--out` inside `--data`",
        ("train", "--data", "{good}", "--out", "{good}/run"),
        "is inside --data",
    ),
    Case(
        "`--data` inside `--out`",
        ("train", "--data", "{good}", "--out", "{cat}", "--overwrite"),
        "is inside --out",
    ),
    Case(
        "`--out` inside `--textures`",
        ("train", "--data", "{good}", "--textures", "{imgs}", "--out", "{imgs}/run"),
        "is inside --textures",
    ),
    Case(
        "a second train into an `--out` that a running one holds",
        ("train", "--data", "{good}", "--out", "{out}"),
        "another synthdefect run is writing to",
        _held("out"),
    ),
    Case(
        "`--data` still being written by another run",
        ("train", "--data", "{good}", "--out", "{out}"),
        "is still being written",
        _held("good"),
    ),
    Case(
        "`--data` with a single image",
        ("train", "--data", "{good}", "--out", "{out}"),
        "at least 2 training images",
        _one_image,
    ),
    Case(
        "`train_log.jsonl` in `--out` a symbolic link",
        ("train", "--data", "{good}", "--out", "{X}/r2"),
        "is a symbolic link",
        _link("r2/train_log.jsonl", "diary.txt", folder=False),
    ),
    Case(
        "`--out` where nothing can be written (checked before training)",
        ("train", "--data", "{good}", "--out", UNWRITABLE),
        "cannot write",
    ),
    Case(
        "`--size 100000`",
        ("train", "--data", "{good}", "--out", "{out}", "--size", "100000"),
        "at most 8192",
    ),
    # preview
    Case(
        "`--out` an existing image preview did not write",
        ("preview", "--out", "{imgs}/p0.png"),
        "was not written by this command",
    ),
    Case(
        "`--out` a symbolic link",
        ("preview", "--out", "{X}/sheet.png"),
        "is a symbolic link",
        _link("sheet.png", "photo.png", folder=False),
    ),
    # bench
    Case("`--seconds 0` (nothing to measure)", ("bench", "--seconds", "0"), "--seconds"),
    Case("`--size 100000`", ("bench", "--size", "100000"), "at most 8192"),
    Case("`--seconds inf` (never ends)", ("bench", "--seconds", "inf"), "--seconds"),
    Case("`--seconds nan`", ("bench", "--seconds", "nan"), "--seconds"),
    Case(
        "`--images` an empty folder",
        ("bench", "--images", "{X}/empty"),
        "no image files",
        _folder("empty"),
    ),
    Case(
        "`--textures` a single image file",
        ("bench", "--textures", "{imgs}/p0.png"),
        "is a file",
    ),
    *(
        Case(
            f"`--device {name}` (not cpu or cuda)",
            ("bench", "--device", name),
            "only cpu and cuda devices are supported",
        )
        for name in ("mps", "meta")
    ),
    Case(
        "`train --device xpu`",
        ("train", "--data", "{good}", "--out", "{out}", "--device", "xpu"),
        "only cpu and cuda devices are supported",
    ),
]


# --- checkpoints --------------------------------------------------------------------------------


def _checkpoint_bytes(make: Callable[[bytes], bytes]) -> Callable[[dict[str, Path]], None]:
    """Replace ``{ckpt}`` by ``make(its bytes)``."""

    def setup(places: dict[str, Path]) -> None:
        places["ckpt"].write_bytes(make(places["ckpt"].read_bytes()))

    return setup


def _png_bytes(_: bytes) -> bytes:
    """A PNG image's bytes (a picture renamed ``checkpoint.pt``)."""
    import cv2

    return cv2.imencode(".png", _image(0))[1].tobytes()


def _edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Path]], None]:
    """Rewrite ``{ckpt}`` after ``edit`` changed its state dict in place."""

    def setup(places: dict[str, Path]) -> None:
        import torch

        state = torch.load(places["ckpt"], map_location="cpu", weights_only=True)
        edit(state)
        torch.save(state, places["ckpt"])

    return setup


def _wider_config(state: dict[str, Any]) -> None:
    state["config"]["model"]["recon_width"] = 8  # the weights stay of width 4


def _shrunk_weight(state: dict[str, Any]) -> None:
    import torch

    first = next(iter(state["model"]))
    state["model"][first] = torch.zeros(1)


def _nan_weights(state: dict[str, Any]) -> None:
    for weights in state["model"].values():
        if weights.is_floating_point():
            weights.fill_(float("nan"))


def _foreign_optimizer(state: dict[str, Any]) -> None:
    state["optimizer"]["param_groups"][0]["params"] = [0]  # one parameter, not the model's


def _bad_config(state: dict[str, Any]) -> None:
    state["config"] = {"size": 32}


def _weights_only(state: dict[str, Any]) -> None:
    for name in [k for k in state if k not in ("model", "config", "step")]:
        del state[name]


def _no_checkpoint(places: dict[str, Path]) -> None:
    """A run folder whose checkpoint was deleted (its log is still there)."""
    (places["run"] / "train_log.jsonl").write_text('{"step": 1}\n')
    places["ckpt"].unlink()


_EVALUATE = ("evaluate", "--checkpoint", "{ckpt}", "--data", "{cat}", "--out", "{out}/m.json")
_PREDICT = ("predict", "--checkpoint", "{ckpt}", "--images", "{imgs}", "--out", "{out}")
_RESUME = ("train", "--data", "{good}", "--out", "{run}", "--resume")
_TRUNCATED = _checkpoint_bytes(lambda data: data[: len(data) // 2])
_EMPTY = _checkpoint_bytes(lambda data: b"")
_PNG = _checkpoint_bytes(_png_bytes)
_TEXT = _checkpoint_bytes(lambda data: b"epochs: 3\n")
_FOREIGN = _edited(lambda state: [state.clear(), state.update(something=1)])
_MISMATCHED = _edited(_wider_config)

CHECKPOINT_CASES = [
    Case(
        "a missing `--checkpoint` file",
        ("evaluate", "--checkpoint", "{X}/nope.pt", "--data", "{cat}", "--out", "{out}/m.json"),
        "does not exist",
    ),
    Case(
        "`--checkpoint` a named pipe (a read would wait forever)",
        ("evaluate", "--checkpoint", "{X}/pipe.pt", "--data", "{cat}", "--out", "{out}/m.json"),
        "not a regular file",
        lambda places: os.mkfifo(places["X"] / "pipe.pt"),
    ),
    Case(
        "`--checkpoint` a folder (the run folder)",
        ("evaluate", "--checkpoint", "{run}", "--data", "{cat}", "--out", "{out}/m.json"),
        "is a directory",
    ),
    Case(
        "a truncated checkpoint (half its bytes)", _EVALUATE, "cannot read checkpoint", _TRUNCATED
    ),
    Case("an empty checkpoint file", _EVALUATE, "cannot read checkpoint", _EMPTY),
    Case("a PNG renamed `checkpoint.pt`", _EVALUATE, "cannot read checkpoint", _PNG),
    Case(
        "a text file renamed `checkpoint.pt` (torch said only `101`)",
        _EVALUATE,
        "not a file torch.save writes",
        _TEXT,
    ),
    Case(
        "a torch file that is no checkpoint",
        _EVALUATE,
        "is not a reference-model checkpoint",
        _FOREIGN,
    ),
    Case(
        "a checkpoint whose weights are not of its configuration (recon_width 8, weights 4)",
        _EVALUATE,
        "model state does not match its configuration",
        _MISMATCHED,
    ),
    Case(
        "a checkpoint whose `config` is no training configuration",
        _EVALUATE,
        "records no valid configuration",
        _edited(_bad_config),
    ),
    Case(
        "a missing `--checkpoint` file",
        ("predict", "--checkpoint", "{X}/nope.pt", "--images", "{imgs}", "--out", "{out}"),
        "does not exist",
    ),
    Case("a truncated checkpoint (half its bytes)", _PREDICT, "cannot read checkpoint", _TRUNCATED),
    Case("a PNG renamed `checkpoint.pt`", _PREDICT, "cannot read checkpoint", _PNG),
    Case(
        "a torch file that is no checkpoint",
        _PREDICT,
        "is not a reference-model checkpoint",
        _FOREIGN,
    ),
    Case(
        "a checkpoint whose weights are not of its configuration (recon_width 8, weights 4)",
        _PREDICT,
        "model state does not match its configuration",
        _MISMATCHED,
    ),
    Case(
        "`--resume` of a run whose checkpoint is missing",
        _RESUME,
        "nothing to resume",
        _no_checkpoint,
    ),
    Case("`--resume` from a truncated checkpoint", _RESUME, "cannot read checkpoint", _TRUNCATED),
    Case("`--resume` from an empty checkpoint file", _RESUME, "cannot read checkpoint", _EMPTY),
    Case("`--resume` from a PNG renamed `checkpoint.pt`", _RESUME, "cannot read checkpoint", _PNG),
    Case(
        "`--resume` from a torch file that is no checkpoint",
        _RESUME,
        "is not a reference-model checkpoint",
        _FOREIGN,
    ),
    Case(
        "`--resume` from a checkpoint holding only the model (no optimiser or generator states)",
        _RESUME,
        "cannot be resumed",
        _edited(_weights_only),
    ),
    *(
        Case(
            "a checkpoint whose weights hold NaN (a diverged run)",
            command,
            "anomaly maps that are not finite",
            _edited(_nan_weights),
        )
        for command in (_EVALUATE, _PREDICT)
    ),
    Case(
        "`--resume` from a checkpoint whose weights are not of its configuration",
        _RESUME,
        "model state does not match its configuration",
        _edited(_shrunk_weight),
    ),
    Case(
        "`--resume` from a checkpoint whose optimiser state is of another model",
        _RESUME,
        "optimizer state does not match its configuration",
        _edited(_foreign_optimizer),
    ),
    Case(
        "`--resume` with another `--recon-width`",
        (*_RESUME, "--recon-width", "8"),
        "another configuration: model=",
    ),
    Case(
        "`--resume` with another `--size`",
        (*_RESUME, "--size", "64"),
        "another configuration: model=",
    ),
]
"""Bad checkpoints given to ``evaluate``, ``predict`` and ``train --resume``: the source of the
table in docs/reference-model.md. Each leaves the work folder byte-identical: a refused resume
neither rewrites nor deletes the checkpoint (nor its log)."""


@pytest.mark.parametrize(
    "case", CHECKPOINT_CASES, ids=[f"{c.args[0]}: {c.what}" for c in CHECKPOINT_CASES]
)
def test_bad_checkpoints_get_one_line_and_exit_2_and_are_kept(tmp_path, checkpoint, case):
    places = workspace(tmp_path, checkpoint)
    run_one_line(case, places, QUICK, unchanged=lambda: tree(tmp_path))


def test_the_workspace_checkpoint_resumes(tmp_path, checkpoint):
    """The control for the ``--resume`` cases: unchanged, the checkpoint resumes."""
    places = workspace(tmp_path, checkpoint)
    args = [a.format(**places) for a in _RESUME]
    result = CliRunner().invoke(main, [args[0], *QUICK["train"], *args[1:]])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", CASES, ids=[f"{c.args[0]}: {c.what}" for c in CASES])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, checkpoint, case):
    places = workspace(tmp_path, checkpoint)
    run_one_line(case, places, QUICK, unchanged=lambda: tree(tmp_path))


_SHOWN_PLACES = {
    "X": "X", "cat": "X/cat", "good": "X/cat/train/good", "run": "X/run",
    "ckpt": "X/run/checkpoint.pt", "imgs": "X/imgs", "out": "out",
}  # fmt: skip
_HEADER = ["| case | command | what happens |", "| --- | --- | --- |"]


def _row(case: Case) -> str:
    return (
        f"| {case.what} | `{shown(case, _SHOWN_PLACES)}` | exit 2, `Error: ...{case.message}...` |"
    )


def render_tables(cases: list[Case]) -> dict[str, str]:
    """Command -> the markdown table of its ``cases``."""
    tables: dict[str, list[str]] = {}
    for case in cases:
        tables.setdefault(case.args[0], list(_HEADER)).append(_row(case))
    return {name: "\n".join(rows) for name, rows in tables.items()}


def checkpoint_table() -> dict[str, str]:
    """Marker name in docs/reference-model.md -> the table of :data:`CHECKPOINT_CASES`."""
    return {"checkpoint": "\n".join([*_HEADER, *map(_row, CHECKPOINT_CASES)])}


def test_docs_tables_are_current():
    stale = stale_tables(DOC, render_tables(CASES)) + stale_tables(
        CHECKPOINT_DOC, checkpoint_table()
    )
    assert not stale, "run: python tests/test_command_bad_input.py"


if __name__ == "__main__":
    rewrite_tables(DOC, render_tables(CASES))
    rewrite_tables(CHECKPOINT_DOC, checkpoint_table())
