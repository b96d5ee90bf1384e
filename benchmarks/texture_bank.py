"""Time TextureSample's batch form with the device texture bank against loading every texture.

    python benchmarks/texture_bank.py --textures FOLDER [--device cpu] [--size 256] [--batch 32]

Prints microseconds per texture of ``apply_batch`` on ``(batch, 3, size, size)`` batches of
``--device``, for the same records three ways: ``host`` (loaded on the host and copied, as
without a bank: ``TextureSample._upload``), ``hit`` (the bank holding every texture) and
``miss`` (the bank emptied before each batch). The host cache is warm in all three (no decoding
timed). Ends by itself after ``--batches`` batches per figure and ``--repeats`` rounds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

from synthdefect.sample import Sample
from synthdefect.sample_batch import SampleBatch
from synthdefect.textures import FolderSource
from synthdefect.textures.bank import texture_bank
from synthdefect.transforms.texture import TextureSample


def _per_texture(run: Callable[[list], object], records: list[list], device: torch.device) -> float:
    """Median microseconds per texture of ``run`` over the batches of ``records``."""
    times = []
    for batch_records in records:
        start = time.perf_counter()
        run(batch_records)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) / len(records[0]) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--textures", required=True, help="a folder of texture images")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    step = TextureSample(FolderSource(args.textures))
    size, n = args.size, args.batch
    image = torch.zeros((n, 3, size, size), dtype=torch.uint8, device=device)
    batch = SampleBatch(image=image, normal=image, mask=torch.zeros((n, size, size), device=device))
    blank = np.zeros((size, size, 3), np.uint8)
    sample = Sample(image=blank, normal=blank, mask=np.zeros((size, size), np.float32))
    rng = np.random.default_rng(0)
    records = [[step.make_params(rng, sample) for _ in range(n)] for _ in range(args.batches)]
    bank = texture_bank(step.source, device)

    def miss(batch_records: list) -> object:
        bank.clear()
        return step.apply_batch(batch, batch_records)

    ways = {
        "host": lambda r: step._upload([step.unpack(record) for record in r], batch),
        "hit": lambda r: step.apply_batch(batch, r),
        "miss": miss,
    }
    print(f"us per texture, {n} x 3 x {size} x {size} uint8 on {device}")
    for _ in range(args.repeats):
        for batch_records in records:  # warm the host cache and the bank
            step.apply_batch(batch, batch_records)
        rates = {name: _per_texture(run, records, device) for name, run in ways.items()}
        print("  ".join(f"{name} {rate:7.1f}" for name, rate in rates.items()))


if __name__ == "__main__":
    main()
