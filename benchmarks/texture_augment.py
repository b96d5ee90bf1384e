"""Microseconds per texture of ``TextureAugment.apply`` beside its kernels called one by one.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/texture_augment.py [--preset P] [--size S]

Both replay the same drawn records on the same textures in one process, taking turns
(``apply``, one by one, ``apply``, ...), and the medians are printed. ``apply`` runs
consecutive point ops as one table lookup (``synthdefect.functional.point_ops``); "one by one"
calls each record's kernel on the result of the one before, which is what ``apply`` did before
and what it must equal. Textures: the first 32 images of DIR (default the DTD subset under
``DATA``, ../shared/data) resized to ``--size``, or random ones when there is no such folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.texture_ops import TEXTURE_OPS, TextureAugment


def _textures(folder: Path, size: int) -> list[np.ndarray]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".png"})[:32]
    if files:
        return [np.asarray(Image.open(f).convert("RGB").resize((size, size))) for f in files]
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(32)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("DATA", "../shared/data")) / "dtd_subset/images"
    parser.add_argument("--preset", default="draem-code", help="TextureAugment ops preset")
    parser.add_argument("--textures", type=Path, default=default)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    augment = TextureAugment(args.preset)
    samples = [
        Sample.from_image(np.zeros_like(t)).evolve(texture=t)
        for t in _textures(args.textures, args.size)
    ]
    picked = [samples[i % len(samples)] for i in range(args.records)]
    drawn = [(s, augment.make_params(sample_rng(0, i), s)) for i, s in enumerate(picked)]

    def applied() -> None:
        for sample, record in drawn:
            augment.apply(sample, record)

    def one_by_one() -> None:
        for sample, record in drawn:
            texture = sample.texture
            for op in record["params"]["ops"]:
                kwargs = dict(op)
                texture = TEXTURE_OPS[kwargs.pop("op")].kernel(texture, **kwargs)

    times: dict[str, list[float]] = {"apply": [], "one by one": []}
    applied(), one_by_one()  # warm-up (numba's cache, allocator)
    for _ in range(args.rounds):
        for name, run in (("apply", applied), ("one by one", one_by_one)):
            start = time.perf_counter()
            run()
            times[name].append(1e6 * (time.perf_counter() - start) / len(drawn))
    for name, values in times.items():
        print(f"{args.preset} {name}: {statistics.median(values):.1f} us per texture "
              f"(median of {args.rounds} rounds of {len(drawn)})")  # fmt: skip


if __name__ == "__main__":
    main()
