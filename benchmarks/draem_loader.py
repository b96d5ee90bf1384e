"""Does the training loader keep up? Steady-state epoch time of ``synthdefect train`` vs compute.

    PYTHONPATH=. python benchmarks/draem_loader.py DATA TEXTURES [--images 64] [--workers 2]

* epoch: the wall time of ``synthdefect train --epochs E2`` minus that of ``--epochs E1``,
  divided by ``E2 - E1`` (start-up, first decodes and the last checkpoint cancel out). The CLI
  runs in a subprocess with this process's ``PYTHONPATH``, so pointing ``PYTHONPATH`` at an
  older checkout measures that checkout's trainer the same way.
* compute: the same model's training steps (forward, loss, backward, Adam) for one epoch's
  worth of steps, on one batch already in memory (no loader at all).

Prints both, and epoch / compute (the loader's overhead: 1.0 = fully hidden).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

CLI = "from synthdefect.cli import main; main(prog_name='synthdefect')"


def run_seconds(args: list[str]) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", CLI, *args], check=True, capture_output=True)
    return time.monotonic() - start


def compute_seconds(size: int, widths: tuple[int, int], batch: int, steps: int) -> float:
    """Seconds for ``steps`` training steps of the model on one in-memory batch."""
    from reference_model.config import ModelConfig
    from reference_model.losses import draem_loss
    from reference_model.model import DraemModel

    torch.manual_seed(0)
    model = DraemModel(ModelConfig(recon_width=widths[0], disc_width=widths[1], size=size))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    clean = torch.rand(batch, 3, size, size)
    augmented = clean.clone()
    augmented[:, :, : size // 4, : size // 4] = 0.5
    mask = torch.zeros(batch, 1, size, size)
    mask[:, :, : size // 4, : size // 4] = 1.0

    def step() -> None:
        output = model(augmented)
        loss = draem_loss(output[0], clean, output[1], mask).total
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.monotonic()
    for _ in range(steps):
        step()
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder of normal training images")
    parser.add_argument("textures", type=Path)
    parser.add_argument("--images", type=int, default=64, help="first N images of DATA")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--widths", type=int, nargs=2, default=(16, 16))
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--epochs", type=int, nargs=2, default=(2, 8), metavar=("E1", "E2"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "images"
        subset.mkdir()
        files = sorted(p for p in args.data.iterdir() if p.suffix.lower() in {".png", ".jpg"})
        for path in files[: args.images]:
            (subset / path.name).symlink_to(path.resolve())
        common = ["train", "--data", str(subset), "--textures", str(args.textures),
                  "--size", str(args.size), "--recon-width", str(args.widths[0]),
                  "--disc-width", str(args.widths[1]), "--batch", str(args.batch),
                  "--workers", str(args.workers), "--device", "cpu",
                  "--save-every", "100000"]  # fmt: skip
        walls = [
            run_seconds([*common, "--epochs", str(e), "--out", f"{tmp}/run{e}"])
            for e in args.epochs
        ]
    epoch = (walls[1] - walls[0]) / (args.epochs[1] - args.epochs[0])
    steps = -(-args.images // args.batch)
    compute = compute_seconds(args.size, tuple(args.widths), args.batch, steps)
    print(
        f"{args.images} images, batch {args.batch}, {args.size} px, widths {args.widths}, "
        f"{args.workers} workers, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}"
    )
    print(f"runs of {args.epochs[0]}, {args.epochs[1]} epochs: {walls[0]:.1f} s, {walls[1]:.1f} s")
    print(f"steady-state epoch {epoch:.3f} s, compute {compute:.3f} s ({steps} steps), "
          f"epoch / compute = {epoch / compute:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
