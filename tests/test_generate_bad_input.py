"""Bad inputs to ``synthdefect generate`` and ``preview``: each gets exit status 2 and one line.

:data:`CASES` is the single source of the command-line table in ``docs/generate.md`` ("Bad
input"; the API's table is ``test_convert``'s): ``test_docs_tables_are_current`` fails when the
table differs from its rows, and ``python tests/test_generate_bad_input.py`` rewrites it. Every
case also checks that the input folders are left byte-identical.
Placeholders in a case: ``{X}`` a work folder, ``{images}`` = ``{X}/images`` with 3 normal
images, ``{tex}`` 2 textures, ``{out}`` a fresh output folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bad_input_cases import Case, rewrite_tables, run_one_line, shown, stale_tables
from test_generate import make_image_folder, tree_bytes

from synthdefect.files.codec import write_image
from synthdefect.generate import GenerateConfig, Shard, generate
from synthdefect.generate.lock import output_lock

QUICK = {"generate": ("--size", "32", "--workers", "1", "--quiet"), "preview": ("--size", "32")}
DOC = Path(__file__).resolve().parents[1] / "docs" / "generate.md"


def step(kind: str, **settings: Any) -> str:
    """A recipe file's text: one step of type ``kind`` with ``settings``."""
    return json.dumps({"type": kind, "version": 1, "settings": settings})


def written(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text or bytes) to the file ``path`` (a ``:attribute`` cut off)."""
    path = path.with_name(path.name.split(":")[0])
    path.write_bytes(content.encode() if isinstance(content, str) else content)


MASKED = (
    "generate",
    "--n",
    "4",
    "--foreground",
    "{X}/masks",
    "--images",
    "{images}",
    "--out",
    "{out}",
)
"""A run whose foreground masks are ``{X}/masks``."""

CASES = [
    Case(
        "`--images` inside `--out`, with `--overwrite`",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{X}", "--overwrite"),
        "is inside --out",
    ),
    Case(
        "`--out` inside `--images` (would pick up its own images)",
        ("generate", "--n", "4", "--images", "{images}", "--out", "{images}/out"),
        "is inside --images",
    ),
    Case(
        "`--out` equal to `--images`",
        ("generate", "--n", "4", "--images", "{images}", "--out", "{images}", "--overwrite"),
        "is --images",
    ),
    Case(
        "`--out` inside `--textures`",
        ("generate", "--n", "4", "--textures", "{tex}", "--out", "{tex}/out", "--overwrite"),
        "is inside --textures",
    ),
    Case(
        "`--textures` inside `--out`",
        ("generate", "--n", "4", "--textures", "{X}/tex", "--out", "{X}", "--overwrite"),
        "is inside --out",
        lambda p: make_image_folder(p["X"] / "tex", 2) and None,
    ),
    Case(
        "an image file of `--images` inside `--out`",
        ("generate", "--n", "4", "--images", "{images}/part_0.png", "--out", "{X}", "--resume"),
        "is inside --out",
    ),
    Case(
        "`preview --out` onto an input image",
        ("preview", "--images", "{images}", "--out", "{images}/part_0.png"),
        "is inside --images",
    ),
    Case(
        "a second run into an `--out` that a running run holds",
        ("generate", "--n", "4", "--out", "{out}", "--resume"),
        "another synthdefect run is writing to",
        lambda p: output_lock(p["out"]),
    ),
    Case(
        "the same shard twice at once",
        ("generate", "--n", "4", "--out", "{out}", "--shard", "1/2", "--resume"),
        "another synthdefect run is writing to",
        lambda p: output_lock(p["out"], Shard(1, 2)),
    ),
    Case(
        "`--merge` while a shard runs",
        ("generate", "--merge", "--out", "{out}"),
        "another synthdefect run is writing to",
        lambda p: output_lock(p["out"], Shard(0, 2)),
    ),
    Case(
        "`--resume` after an image was added to `--images`",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{out}", "--resume"),
        "--images has 4 files, had 3",
        lambda p: interrupted(
            p, lambda: make_image_folder(p["X"] / "more", 1).rename(p["images"] / "more")
        ),
    ),
    Case(
        "`--resume` after an image of `--images` was rewritten",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{out}", "--resume"),
        "--images: files modified",
        lambda p: interrupted(p, lambda: os.utime(p["images"] / "part_1.png", (0, 0))),
    ),
    Case(
        "`--resume` after a texture was removed from `--textures`",
        ("generate", "--n", "12", "--textures", "{tex}", "--out", "{out}", "--resume"),
        "--textures has 1 files, had 2",
        lambda p: interrupted(p, (p["tex"] / "part_0.png").unlink, textures=str(p["tex"])),
    ),
    Case(
        "`--resume` after the content of the `--recipe` file changed (same path)",
        ("generate", "--n", "12", "--recipe", "{X}/paper.json", "--out", "{out}", "--resume"),
        "settings differ from the run's (recipe.steps.anomaly.settings.p: 1.0 -> 0.5) in",
        lambda p: edited_recipe(p, {"preset": "paper", "p_anomaly": 1.0}, {"p_anomaly": 0.5}),
    ),
    Case(
        "`--resume` into a non-empty folder that holds no run",
        ("generate", "--n", "4", "--out", "{X}", "--resume"),
        "holds no config.json to resume; pass --overwrite",
    ),
    Case(
        "`--resume` with a damaged `config.json`",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{out}", "--resume"),
        "config.json is damaged",
        lambda p: interrupted(p, lambda: (p["out"] / "config.json").write_text('{"n": 1')),
    ),
    Case(
        "`--resume` after `images/` was replaced by a symbolic link to another folder",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{out}", "--resume"),
        "images is a symbolic link; synthdefect writes nothing through links",
        lambda p: interrupted(p, lambda: linked_away(p["out"] / "images")),
    ),
    Case(
        "`--resume` with a manifest line whose file path leaves `--out` (`../x.png`)",
        ("generate", "--n", "12", "--images", "{images}", "--out", "{out}", "--resume"),
        "manifest.jsonl line 2 is not a manifest record: files.image '../x.png' leaves the run",
        lambda p: interrupted(p, lambda: leaving_path(p["out"] / "manifest.jsonl", line=2)),
    ),
    Case(
        "every texture file truncated after a valid header",
        ("generate", "--n", "4", "--textures", "{tex}", "--out", "{out}"),
        "--textures: none of the 2 texture files can be decoded",
        lambda p: truncate_all(p["tex"]),
    ),
    Case(
        "`--size 100000` (a 30 GB allocation per image)",
        ("generate", "--n", "4", "--out", "{out}", "--size", "100000"),
        "at most 8192 pixels",
    ),
    Case(
        "`--channels 2` (samples are grey, 1, or RGB, 3)",
        ("preview", "--out", "{X}/sheet.png", "--channels", "2"),
        "--channels must be 1 (grey) or 3 (RGB)",
    ),
    Case(
        "`--keep-size` together with `--size`",
        ("generate", "--n", "4", "--out", "{out}", "--keep-size", "--size", "64"),
        "--keep-size and --size exclude each other",
    ),
    *(
        Case(
            f"`--shard {text}`",
            ("generate", "--n", "4", "--out", "{out}", "--shard", text),
            message,
        )
        for text, message in [
            ("0/0", "bad shard 0/0: need 0 <= I < K"),
            ("3/2", "bad shard 3/2: need 0 <= I < K"),
            ("a/b", "malformed shard 'a/b': expected I/K such as 0/4"),
        ]
    ),
    Case(
        "`--merge` with a shard missing",
        ("generate", "--merge", "--out", "{out}"),
        "needs exactly the shards 0..1 of 2; has 0/2",
        lambda p: made_shards(p["out"], (0, 2, 0)),
    ),
    Case(
        "`--merge` with a shard of another run copied in (another `--seed`)",
        ("generate", "--merge", "--out", "{out}"),
        "made with different settings: seed is 5 in config.shard-1-of-2.json, 0 in "
        "config.shard-0-of-2.json",
        lambda p: made_shards(p["out"], (0, 2, 0), (1, 2, 5)),
    ),
    Case(
        "`--merge` with shards of two splits (0/2 beside 1/3 and 2/3)",
        ("generate", "--merge", "--out", "{out}"),
        "needs exactly the shards 0..1 of 2; has 0/2, 1/3, 2/3",
        lambda p: made_shards(p["out"], (0, 2, 0), (1, 3, 0), (2, 3, 0)),
    ),
    Case(
        "`--merge` of a folder without shards",
        ("generate", "--merge", "--out", "{X}"),
        "no shard records (config.shard-I-of-K.json) in",
    ),
    Case(
        "`--merge` with `--n`",
        ("generate", "--merge", "--n", "4", "--out", "{out}"),
        "--merge takes no --n",
    ),
    Case(
        "`preview --grid 1000x1000`",
        ("preview", "--grid", "1000x1000", "--out", "{out}/p.png"),
        "at most 256 samples",
    ),
    Case(
        "a foreground mask that cannot be decoded (`part_2.png` truncated)",
        MASKED,
        "sample 2 (normal image part_2.png): foreground mask",
        setup=lambda places: masks_for(places, broken="part_2.png"),
    ),
    Case(
        "the same in `preview`",
        ("preview", "--foreground", "{X}/masks", "--images", "{images}", "--out", "{out}/p.png"),
        "sample 2 (normal image part_2.png): foreground mask",
        setup=lambda places: masks_for(places, broken="part_2.png"),
    ),
    Case(
        "a `--foreground` folder that does not exist",
        ("generate", "--n", "4", "--foreground", "{X}/masks", "--out", "{out}"),
        "--foreground: no such mask folder",
    ),
    Case(
        "`--foreground` masks that are all zero (no room for a defect)",
        MASKED,
        "sample 0 (normal image part_0.png): the foreground mask part_0.png is empty",
        setup=lambda places: masks_for(places, value=0),
    ),
    Case(
        "a `--foreground` mask of another shape than its image (16x8 for 56x40)",
        MASKED,
        "--foreground: the mask part_1.png is 16x8 pixels, its image part_1.png 56x40: not the "
        "image's shape",
        setup=lambda places: masks_for(places, wrong="part_1.png"),
    ),
    *(
        Case(
            f"`--foreground auto` on {what} images (no object: no room for a defect)",
            (
                "generate",
                "--n",
                "4",
                "--foreground",
                "auto",
                "--images",
                "{images}",
                "--out",
                "{out}",
            ),
            "sample 0 (normal image part_0.png): the auto foreground finds no object",
            setup=lambda places, value=value, side=side: uniform(places, value, side),
        )
        for what, value, side in [
            ("uniform grey", 128, 40),
            ("all-white", 255, 40),
            ("8x8 uniform", 30, 8),
        ]
    ),
    Case(
        "a run of a billion samples that fails at its first (its clean-up reads the files "
        "written, not every index)",
        (
            "generate",
            "--n",
            "1000000000",
            "--foreground",
            "auto",
            "--images",
            "{images}",
            "--out",
            "{out}",
        ),
        "sample 0 (normal image part_0.png): the auto foreground finds no object",
        setup=lambda places: uniform(places, 128, 40),
    ),
    *(
        Case(
            f"{option} a loop of symbolic links",
            ("generate", "--n", "3", *args),
            "cannot follow its symbolic links",
            setup=lambda places: _link_loop(places["X"]),
        )
        for option, args in [
            ("`--out`", ("--out", "{X}/loop1")),
            ("`--images`", ("--images", "{X}/loop1", "--out", "{out}")),
            ("`--textures`", ("--textures", "{X}/loop1", "--out", "{out}")),
        ]
    ),
    Case(
        "`--images` the output of unmerged `--shard` runs (samples and masks, not normal images)",
        ("generate", "--n", "3", "--images", "{X}/sharded", "--out", "{out}"),
        "holds unmerged generate --shard runs",
        setup=lambda places: _sharded(places),
    ),
    Case(
        "`--n` past a billion",
        ("generate", "--n", "99999999999999999999", "--images", "{images}", "--out", "{out}"),
        "--n must be at most 1000000000, got 99999999999999999999",
    ),
    *(
        Case(
            f"a `--foreground` callable that {what}",
            ("generate", "--n", "4", "--foreground", spec, "--out", "{out}"),
            message,
        )
        for what, spec, message in [
            (
                "raises",
                "test_generate_bad_input:raising_foreground",
                "the foreground callable raised RuntimeError: boom",
            ),
            (
                "calls sys.exit",
                "test_generate_bad_input:exiting_foreground",
                "the foreground callable called sys.exit(3)",
            ),
            (
                "takes no image (`os:getcwd`)",
                "os:getcwd",
                "the foreground callable raised TypeError",
            ),
        ]
    ),
    Case(
        "a `--foreground` callable that marks no pixel",
        (
            "generate",
            "--n",
            "4",
            "--foreground",
            "test_generate_bad_input:no_foreground",
            "--out",
            "{out}",
        ),
        "sample 0 (normal image builtin/",
    ),
    Case(
        "a `--foreground` callable whose mask has the wrong shape",
        (
            "generate",
            "--n",
            "4",
            "--foreground",
            "test_generate_bad_input:tiny_foreground",
            "--out",
            "{out}",
        ),
        "sample 0 (normal image builtin/",
    ),
    *(
        Case(
            what,
            ("generate", "--n", "4", "--recipe", f"{{X}}/{name}", "--out", "{out}"),
            message,
            lambda p, name=name, content=content: written(p["X"] / name, content),
        )
        for what, name, content, message in [
            (
                "a recipe file that is not JSON",
                "bad.json",
                "{not json",
                "bad.json: not a valid recipe file",
            ),
            (
                "a recipe file that is not TOML",
                "bad.toml",
                "type = \n",
                "bad.toml: not a valid recipe file",
            ),
            (
                "a recipe file that is not UTF-8 text",
                "latin.json",
                b"\xff\xfe{}",
                "latin.json: not a valid recipe file: not UTF-8 text",
            ),
            (
                "a recipe file holding a list, not a record",
                "list.json",
                "[1, 2]",
                "a record must be a dict or its JSON, got [1, 2]",
            ),
            (
                "a recipe file naming an unknown step type",
                "unknown.json",
                step("NoSuchStep"),
                "unknown transform type 'NoSuchStep'",
            ),
            (
                'a recipe file whose setting has the wrong type (`"octaves": "six"`)',
                "octaves.json",
                step("PerlinMask", octaves="six"),
                "cannot rebuild PerlinMask",
            ),
            (
                'a recipe file with a bool for an integer (`"octaves": true`)',
                "octaves_true.json",
                step("PerlinMask", octaves=True),
                "octaves must be an integer, got True (bool)",
            ),
            (
                'a recipe file with a number written as a string (`"persistence": "0.5"`)',
                "persistence.json",
                step("PerlinMask", persistence="0.5"),
                "persistence must be a number, got '0.5' (str)",
            ),
            (
                "a recipe file with a bool for a number the constructor does not check itself "
                '(`"degrees": [true, 90]`)',
                "degrees.json",
                json.dumps(
                    {"type": "RandomRotate", "version": 2, "settings": {"degrees": [True, 90]}}
                ),
                "RandomRotate setting degrees[0] must be a number, got True (bool)",
            ),
            (
                'a recipe file whose texture op range holds a bool (`"bits": [true, 8]`)',
                "bits.json",
                step(
                    "TextureAugment",
                    ops=["posterize"],
                    k=1,
                    ranges={"posterize": {"bits": [True, 8]}},
                ),
                "range posterize.bits must be an integer, got True (bool)",
            ),
            (
                'a recipe file whose setting is out of range (`"threshold": [5, 9]`)',
                "range.json",
                step("PerlinMask", threshold=[5, 9]),
                "threshold must be finite with -1.0 <= lo <= hi <= 1.0",
            ),
            (
                "a recipe file asking for a billion Perlin octaves (gigabytes)",
                "octaves_e9.json",
                step("PerlinMask", octaves=10**9),
                "octaves must be an integer in 1..16",
            ),
            (
                "a recipe file asking for Perlin lattices of 2**70 cells (a hang)",
                "lattice.json",
                step("PerlinMask", scale_exponents=[0, 70]),
                "lattice cells per side, more than 1024",
            ),
            (
                "a recipe file asking for a million redraws of a mask",
                "retries.json",
                step("PerlinMask", max_retries=10**6),
                "max_retries must be in [1, 1000]",
            ),
            (
                "a recipe file whose TextureAugment ranges are not a dict",
                "ranges.json",
                step("TextureAugment", ops=["gamma"], k=1, ranges={"gamma": 2}),
                "ranges of op 'gamma' must be a dict",
            ),
            (
                "a recipe file holding an empty Compose",
                "empty.json",
                json.dumps({"type": "Compose", "version": 1, "settings": {}, "steps": {}}),
                "Compose record needs a non-empty 'steps' dict",
            ),
            (
                "a preset file with a value out of range",
                "paper.json",
                json.dumps({"preset": "paper", "p_anomaly": 7}),
                "paper.json: preset 'paper' with {'p_anomaly': 7}: p_anomaly must be in [0, 1]",
            ),
            (
                "a preset file with a value of the wrong type",
                "paper_x.json",
                json.dumps({"preset": "paper", "p_anomaly": "x"}),
                "paper_x.json: preset 'paper' with {'p_anomaly': 'x'}: p_anomaly must be a "
                "number, got 'x' (str)",
            ),
            (
                'a preset file with a number written as a string (`"p_anomaly": "1"`)',
                "paper_1.json",
                json.dumps({"preset": "paper", "p_anomaly": "1"}),
                "p_anomaly must be a number, got '1' (str)",
            ),
            (
                'a preset file with a bool for a number (`"p_anomaly": true`)',
                "paper_true.json",
                json.dumps({"preset": "paper", "p_anomaly": True}),
                "p_anomaly must be a number, got True (bool)",
            ),
            (
                'a preset file with a float for an integer (`"k": 2.5`)',
                "paper_k.json",
                json.dumps({"preset": "paper", "k": 2.5}),
                "k must be an integer, got 2.5 (float)",
            ),
            (
                'a preset file with a string for a flag (`"mixed": "yes"`)',
                "nsa_mixed.json",
                json.dumps({"preset": "nsa", "mixed": "yes"}),
                "mixed must be true or false, got 'yes' (str)",
            ),
            (
                "a preset file with an unknown setting",
                "paper_nope.json",
                json.dumps({"preset": "paper", "nope": 1}),
                "paper_nope.json: preset 'paper' with {'nope': 1}: preset 'paper' has no setting"
                " 'nope'",
            ),
            (
                "a preset file naming no preset",
                "nope.json",
                json.dumps({"preset": "nope"}),
                "nope.json: preset 'nope' with {}: unknown preset 'nope'",
            ),
            (
                "a recipe module that raises on import",
                "raising_recipe.py:recipe",
                "raise RuntimeError('boom')\n",
                "importing ",
            ),
            (
                "a recipe module that calls `sys.exit(3)` on import",
                "exiting_recipe.py:recipe",
                "import sys\nsys.exit(3)\n",
                "raised SystemExit: 3",
            ),
        ]
    ),
    Case(
        "`preview --out` an existing folder",
        ("preview", "--out", "{X}"),
        "must be a .png or .jpg file",
    ),
    Case(
        "`preview --out` a name without an extension",
        ("preview", "--out", "{out}/sheet"),
        "must be a .png or .jpg file",
    ),
]


def tiny_foreground(image):
    """A foreground callable that returns a mask of the wrong shape."""
    return [[1, 1], [1, 1]]


def raising_foreground(image):
    raise RuntimeError("boom")


def exiting_foreground(image):
    raise SystemExit(3)


def no_foreground(image):
    """A foreground callable that marks no pixel."""
    return np.zeros(image.shape[:2], np.uint8)


def masks_for(
    places: dict[str, Path], broken: str | None = None, value: int = 255, wrong: str | None = None
) -> None:
    """``{X}/masks``: a foreground mask of ``value`` per normal image (at half its size),
    ``broken`` (if given) cut after its header, ``wrong`` 8x16 pixels."""
    masks = places["X"] / "masks"
    masks.mkdir()
    for image in sorted(places["images"].iterdir()):
        shape = (8, 16) if image.name == wrong else (20, 28)
        write_image(masks / image.name, np.full((*shape, 1), value, np.uint8))
    if broken is not None:
        (masks / broken).write_bytes((masks / broken).read_bytes()[:40])


def _sharded(places: dict[str, Path]) -> None:
    """``{X}/sharded``: the first of two shards of a small run, not merged."""
    out = places["X"] / "sharded"
    config = GenerateConfig(
        n=4, out=out, size=(32, 32), shard=Shard(0, 2), images=str(places["images"])
    )
    generate(config, workers=1, progress=False)


def _link_loop(folder: Path) -> None:
    """``folder/loop1 -> loop2 -> loop1``."""
    (folder / "loop2").symlink_to("loop1")
    (folder / "loop1").symlink_to("loop2")


def uniform(places: dict[str, Path], value: int, side: int) -> None:
    """Rewrite every normal image as a ``side`` x ``side`` image of the one grey ``value``."""
    for image in places["images"].iterdir():
        write_image(image, np.full((side, side, 3), value, np.uint8))


def truncate_all(folder: Path) -> None:
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes()[:40])  # the PNG signature and header survive


def interrupted(places: dict[str, Path], change: Callable[[], Any], **settings: Any) -> None:
    """Leave a 12-sample run of 32x32 samples in ``{out}`` with 4 samples made, then ``change``
    its inputs (``--images {images}`` unless ``settings`` names textures instead)."""
    settings = settings or {"images": str(places["images"])}
    config = GenerateConfig(n=12, out=places["out"], size=(32, 32), **settings)
    generate(config, workers=1)
    manifest = places["out"] / "manifest.jsonl"
    manifest.write_text("".join(manifest.read_text().splitlines(keepends=True)[:4]))
    change()


def edited_recipe(places: dict[str, Path], recipe: dict[str, Any], edit: dict[str, Any]) -> None:
    """Interrupt a run of the recipe file ``{X}/paper.json`` holding ``recipe``, then update
    the file's content with ``edit``."""
    path = places["X"] / "paper.json"
    path.write_text(json.dumps(recipe))
    interrupted(places, lambda: path.write_text(json.dumps({**recipe, **edit})), recipe=str(path))


def made_shards(out: Path, *shards: tuple[int, int, int]) -> None:
    """Make each shard ``(I, K, seed)`` of a 4-sample run in a folder of its own, then copy them
    all into ``out`` (as shards made on several machines are)."""
    for index, count, seed in shards:
        made = out.parent / f"shard-{index}-{count}-{seed}"
        config = GenerateConfig(n=4, out=made, size=(32, 32), seed=seed, shard=Shard(index, count))
        generate(config, workers=1)
        shutil.copytree(made, out, dirs_exist_ok=True)


def linked_away(path: Path) -> None:
    """Move ``path`` beside its folder and leave a symbolic link to it in its place."""
    moved = path.parent.parent / f"moved-{path.name}"
    path.rename(moved)
    path.symlink_to(moved, target_is_directory=moved.is_dir())


def leaving_path(manifest: Path, line: int) -> None:
    """Make the image path of the manifest's ``line`` (from 1) climb out of its folder."""
    lines = manifest.read_text().splitlines(keepends=True)
    record = json.loads(lines[line - 1])
    record["files"]["image"] = "../x.png"
    lines[line - 1] = json.dumps(record) + "\n"
    manifest.write_text("".join(lines))


def workspace(tmp: Path) -> dict[str, Path]:
    places = {
        "X": tmp / "X",
        "images": tmp / "X" / "images",
        "tex": tmp / "tex",
        "out": tmp / "out",
    }
    make_image_folder(places["images"], 3)
    make_image_folder(places["tex"], 2)
    return places


def inputs(places: dict[str, Path]) -> dict[str, bytes]:
    found = {}
    for name in ("images", "tex"):
        found.update({f"{name}/{k}": v for k, v in tree_bytes(places[name]).items()})
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, case):
    places = workspace(tmp_path)
    args = run_one_line(case, places, QUICK, unchanged=lambda: inputs(places))
    assert not places["out"].exists() or args[-1] == "--resume" or case.setup is not None


def render_table(cases: list[Case]) -> str:
    """The markdown table of the command-line ``cases``."""
    places = {"X": "X", "images": "X/images", "tex": "tex", "out": "out"}
    rows = ["| bad input | command | exit status and message |", "| --- | --- | --- |"]
    for case in cases:
        rows.append(f"| {case.what} | `{shown(case, places)}` | 2, `Error: ...{case.message}...` |")
    return "\n".join(rows)


def tables() -> dict[str, str]:
    """Marker name in docs/generate.md -> the table generated for it."""
    return {"bad-input": render_table(CASES)}


def test_docs_tables_are_current():
    assert not stale_tables(DOC, tables()), "run: python tests/test_generate_bad_input.py"


if __name__ == "__main__":
    rewrite_tables(DOC, tables())
