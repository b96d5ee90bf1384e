"""Outputs stay byte-identical across refactors: a stored digest for every kind of run.

``tests/data/output_digests.json`` holds the SHA-256 of every file ``generate`` writes (except
``summary.json``, whose timings vary) for each preset with and without a foreground, with 1 and
2 workers, with texture files, with each layout and format option, and for the first samples of
the default ``make run`` set. ``tests/data/manifest_lines.jsonl`` holds manifest lines written
before a change, each with the digest of the sample it replays to. A change that alters an
output on purpose says why in its commit and rewrites both with ``python
tests/test_outputs_unchanged.py``; a refactor never does.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_generate import tree_bytes

from synthdefect import replay
from synthdefect.files.codec import write_image
from synthdefect.files.normal_images import NormalImages
from synthdefect.generate import GenerateConfig, default_images, generate
from synthdefect.recipes import PRESETS

DATA = Path(__file__).resolve().parent / "data"
DIGESTS = DATA / "output_digests.json"
LINES = DATA / "manifest_lines.jsonl"
SIZE = (40, 48)
TEXTURES = "{textures}"
"""Placeholder for a folder of texture files the test writes."""


def _run(preset: str, **settings: Any) -> dict[str, Any]:
    return {"n": 8, "size": SIZE, "preset": preset, "seed": 3, **settings}


CASES: dict[str, tuple[dict[str, Any], int]] = {
    **{
        f"{preset} foreground={fg} workers={workers}": (_run(preset, foreground=fg), workers)
        for preset in PRESETS
        for fg in (None, "auto")
        for workers in (1, 2)
    },
    "draem-code texture files": (_run("draem-code", textures=TEXTURES), 1),
    "memseg texture files": (_run("memseg", textures=TEXTURES), 1),
    "fpi texture files": (_run("fpi", textures=TEXTURES), 1),
    "paper textures=self": (_run("paper", textures="self"), 1),
    "draem-code procedural:cracks": (_run("draem-code", textures="procedural:cracks"), 1),
    "draem-code grey": (_run("draem-code", channels=1), 1),
    "draem-code jpg": (_run("draem-code", image_format="jpg"), 1),
    "draem-code mvtec": (_run("draem-code", layout="mvtec"), 1),
    "draem-code with rotated normal": (
        _run("draem-code", with_normal=True, rotate_normal=True),
        1,
    ),
    "draem-code p_anomaly=1": (_run("draem-code", p_anomaly=1.0), 1),
    "make run (first 12 samples)": ({"n": 12}, 2),
}
"""Case name -> (GenerateConfig settings, workers)."""


def _textures(root: Path) -> Path:
    """Three texture files with fixed content and times."""
    folder = root / "textures"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    for i in range(3):
        path = folder / f"t{i}.png"
        write_image(path, rng.integers(0, 256, (30 + 10 * i, 50, 3), np.uint8))
        os.utime(path, (1_700_000_000, 1_700_000_000))  # config.json records input mtimes
    return folder


def _digest_run(root: Path, name: str) -> str:
    settings, workers = CASES[name]
    textures = str(_textures(root))
    out = root / "runs" / name.replace(" ", "_")
    settings = {k: textures if v == TEXTURES else v for k, v in settings.items()}
    generate(GenerateConfig(out=out, **settings), workers=workers)
    digest = hashlib.sha256()
    for relative, content in tree_bytes(out).items():
        if relative.endswith((".json", ".jsonl")):  # records name the texture folder
            content = content.replace(json.dumps(textures)[1:-1].encode(), b"<textures>")
        digest.update(relative.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def _replayed(line: dict[str, Any]) -> str:
    """Digest of the image and mask the manifest ``line`` replays to, from its built-in
    normal image at :data:`SIZE`."""
    names = {f"builtin/{p.name}": i for i, p in enumerate(default_images())}
    normal = NormalImages(default_images(), size=SIZE)[names[line["source"]]]
    result = replay(normal, line)
    digest = hashlib.sha256(np.ascontiguousarray(result.image).tobytes())
    digest.update(np.ascontiguousarray(result.mask).tobytes())
    return digest.hexdigest()


def _lines(root: Path) -> list[dict[str, Any]]:
    """Three manifest lines of each preset's run with and without a foreground."""
    lines = []
    for preset in PRESETS:
        for fg in (None, "auto"):
            out = root / f"lines-{preset}-{fg}"
            generate(GenerateConfig(out=out, **_run(preset, foreground=fg)), workers=1)
            manifest = (out / "manifest.jsonl").read_text().splitlines()
            lines += [json.loads(text) for text in manifest[:3]]
    return lines


@pytest.mark.parametrize("name", list(CASES))
def test_generate_writes_the_stored_bytes(tmp_path, name):
    stored = json.loads(DIGESTS.read_text())
    assert _digest_run(tmp_path, name) == stored[name], (
        f"{name}: generate's output changed; a refactor keeps it byte-identical"
    )


def test_manifest_lines_written_before_replay_to_the_same_bytes():
    records = [json.loads(text) for text in LINES.read_text().splitlines()]
    assert len(records) == 3 * 2 * len(PRESETS)
    for record in records:
        assert _replayed(record["line"]) == record["replayed"], record["line"]["params"]["type"]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        DATA.mkdir(exist_ok=True)
        digests = {name: _digest_run(Path(temp), name) for name in CASES}
        DIGESTS.write_text(json.dumps(digests, indent=2) + "\n")
        with open(LINES, "w") as f:
            for line in _lines(Path(temp)):
                f.write(json.dumps({"line": line, "replayed": _replayed(line)}) + "\n")
    sys.exit(0)
