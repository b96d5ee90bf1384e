"""How long ``synthdefect generate --resume`` takes, and how much memory, before it can continue
a run with a long manifest.

Fabricates in ``--folder`` a flat run of N samples whose manifest is complete but whose last
sample's image is gone: a real 32-sample run (32x32, built-in images) gives ``config.json``
(its ``n`` set to N) and the lines, copied with the index and file names changed; every sample's
files are hard links to that run's files (each file at most :data:`LINKS_PER_FILE` times). Then
runs ``synthdefect generate --resume`` in a fresh process, which checks every line and file,
remakes the last sample and ends, and prints its wall time and peak RSS::

    python benchmarks/resume_manifest.py 1000000 --folder /tmp/resume-bench

N=1,000,000 needs about 1.6 GB of disk for the manifest and 2,000,000 directory entries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthdefect.generate import GenerateConfig, generate
from synthdefect.generate.layout import sample_files
from synthdefect.generate.manifest import manifest_line, read_manifest

LAUNCH = "import sys; from synthdefect.cli import main; sys.exit(main())"
"""``synthdefect`` from this checkout, whether installed or not."""

REAL = 32
"""Samples of the real run the fabricated lines and files are copied from."""

LINKS_PER_FILE = 60_000
"""Most hard links made to one real file (ext4 allows 65,000 per file)."""

SETTINGS = ("--size", "32", "--seed", "0", "--workers", "1", "--quiet")
"""The run's settings on the command line; :func:`fabricate` uses the same."""


def fabricate(folder: Path, n: int) -> None:
    """Leave in ``folder`` a run of ``n`` samples (``n > REAL``) whose last image is gone."""
    real = folder.parent / f".{folder.name}-real"
    shutil.rmtree(real, ignore_errors=True)
    config = GenerateConfig(n=REAL, out=real, size=(32, 32), seed=0)
    generate(config, workers=1)
    records = read_manifest(real / "manifest.jsonl")
    folder.mkdir(parents=True)
    stored = json.loads((real / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**stored, "n": n}, indent=2) + "\n")
    for name in ("images", "masks"):
        (folder / name).mkdir()
    sources: set[Path] = set()  # copies of the real files that take the links
    with open(folder / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for index in range(n):
            like = records[index % REAL]
            files = sample_files(config, index, like["label"])
            for role, relative in files.items():
                copy = index // (REAL * LINKS_PER_FILE)
                source = folder / f".source-{copy}-{index % REAL}-{role}"
                if source not in sources:
                    shutil.copyfile(real / like["files"][role], source)
                    sources.add(source)
                os.link(source, folder / relative)
            manifest.write(manifest_line({**like, "index": index, "files": files}))
    for source in sources:
        source.unlink()
    (folder / sample_files(config, n - 1, records[(n - 1) % REAL]["label"])["image"]).unlink()
    shutil.rmtree(real)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help=f"manifest lines (> {REAL})")
    parser.add_argument(
        "--folder", type=Path, help="run folder to create (default: a temporary one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.folder or Path(temp) / "run"
        fabricate(folder, args.n)
        command = [sys.executable, "-c", LAUNCH, "generate", "--n", str(args.n),
                   "--out", str(folder), *SETTINGS, "--resume"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"generate --resume failed ({done.returncode}): {done.stderr.strip()}")
        made = json.loads((folder / "summary.json").read_text())["made_this_attempt"]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB
        print(
            f"N={args.n}: generate --resume remade {made} sample{'s' * (made != 1)} in "
            f"{wall:.1f} s wall, peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
