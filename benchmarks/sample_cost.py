"""Milliseconds per draem-code sample through the public call, for comparing revisions.

    OMP_NUM_THREADS=1 PYTHONPATH=TREE python benchmarks/sample_cost.py [--like-bd9c610] [--cold]

Run it from two trees in turns (old, new, old, new) and compare the medians. Samples are
made with ``SyntheticAnomaly("draem-code", textures=DTD, p_anomaly=1)(image, seed=0,
index=i)`` on MVTec AD bottle at ``SIZE`` px, every texture decoded once beforehand (a warm
cache).
``--like-bd9c610`` switches off, where the tree has them, the two behaviours added to the
preset since bd9c610 (the rotation's mirrored border, ``border="reflect"``, and the redraw of
empty Perlin masks, ``redraw_empty``), so that what is left of the difference is the cost of
the record machinery. ``--cold`` decodes every texture on each sample instead (a
``FolderSource`` with ``cache_bytes=0``, as ``generate`` meets a texture it has not used).
Environment: ``DATA`` (default ../shared/data), ``SIZE`` (default 256), ``SAMPLES`` per round
(default 1000), ``ROUNDS`` (default 5).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from synthdefect import FolderSource, SyntheticAnomaly


def _like_bd9c610(anomaly: SyntheticAnomaly) -> None:
    if not hasattr(anomaly, "walk"):  # bd9c610 itself: it has neither
        return
    for _, step in anomaly.walk():
        if hasattr(step, "border"):
            step.border = "zero"
        if hasattr(step, "redraw_empty"):
            step.redraw_empty = False


def main() -> None:
    data = Path(os.environ.get("DATA", "../shared/data"))
    samples = int(os.environ.get("SAMPLES", "1000"))
    rounds = int(os.environ.get("ROUNDS", "5"))
    folder = data / "mvtec_ad/bottle/train/good"
    files = sorted(folder.glob("*.png"))[:16]
    if not files:
        sys.exit(f"no MVTec AD bottle images under {folder}")
    size = int(os.environ.get("SIZE", "256"))
    images = [np.asarray(Image.open(f).convert("RGB").resize((size, size))) for f in files]
    cold = "--cold" in sys.argv[1:]
    textures = str(data / "dtd_subset/images")
    source = FolderSource(textures, cache_bytes=0) if cold else textures
    anomaly = SyntheticAnomaly("draem-code", textures=source, p_anomaly=1.0)
    if "--like-bd9c610" in sys.argv[1:]:
        _like_bd9c610(anomaly)
    for i in range(200 if cold else 3000):  # warm: every texture decoded once, unless cold
        anomaly(images[i % len(images)], seed=0, index=i)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(samples):
            anomaly(images[i % len(images)], seed=0, index=i)
        times.append(1000 * (time.perf_counter() - start) / samples)
    print(f"{statistics.median(times):.3f} ms per sample (median of {rounds} rounds of {samples}; "
          f"min {min(times):.3f}, max {max(times):.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
