"""How much each preset's defects change the pixels they mark, on a folder of normal images.

    PYTHONPATH=. python benchmarks/defect_change.py [--images DIR] [--preset P ...]

For ``--samples`` anomalous samples per preset (seed 0, images resized to ``--size``), prints
the median and 10th percentile over samples of the mean change inside the mask (the mean over
channels of ``|image - normal|``, grey levels), the share of mask pixels NSA's rule still marks
(changed by more than 1 grey level, 5 x 5 median) and the mean of NSA's logistic target
(``synthdefect.functional.targets``) over those samples. ``nsa`` and ``fpi`` take the images
as their textures, the Perlin-texture presets ``--textures`` (default the DTD subset under
``DATA``, ../shared/data). A preset with soft targets is measured where its target is at
least 0.5 (the anomalous pixels), so its figures are not comparable with the hard ones'.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from PIL import Image

from synthdefect import make_recipe
from synthdefect.functional.masks import anomalous_pixels
from synthdefect.functional.targets import intensity_target


def _images(folder: Path, size: int, count: int = 40) -> list[np.ndarray]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".png"})[:count]
    if not files:
        raise SystemExit(f"no .jpg or .png images in {folder}")
    return [np.asarray(Image.open(f).convert("RGB").resize((size, size))) for f in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = Path(os.environ.get("DATA", "../shared/data"))
    parser.add_argument("--images", type=Path, default=data / "mvtec_ad/bottle/train/good")
    parser.add_argument("--textures", type=Path, default=data / "dtd_subset/images")
    parser.add_argument(
        "--preset", action="append", help="default: nsa cutpaste fractal draem-code"
    )
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    images = _images(args.images, args.size)
    print(f"{args.images}: {args.samples} samples per preset at {args.size} px")
    for preset in args.preset or ["nsa", "cutpaste", "fractal", "draem-code"]:
        textures = {"nsa": args.images, "fpi": args.images}.get(preset, args.textures)
        takes = preset not in {"cutpaste", "cutpaste-scar", "cutout", "intensity-disc", "fractal"}
        recipe = make_recipe(preset, textures=str(textures) if takes else None, p_anomaly=1.0)
        means, kept, targets = [], [], []
        for index in range(args.samples):
            out = recipe(images[index % len(images)], seed=0, index=index)
            inside = anomalous_pixels(out.mask)
            if not inside.any():
                continue
            change = np.abs(out.image.astype(np.float32) - out.normal).mean(axis=2)
            means.append(float(change[inside].mean()))
            kept.append(
                float(
                    intensity_target(out.image, out.normal, out.mask, logistic=None)[inside].mean()
                )
            )
            targets.append(float(intensity_target(out.image, out.normal, out.mask)[inside].mean()))
        print(
            f"{preset:14s} change in mask: median {np.median(means):5.1f}, 10th percentile "
            f"{np.percentile(means, 10):5.1f} grey levels; marked by NSA's rule "
            f"{np.mean(kept):.2f}; logistic target {np.mean(targets):.2f}"
        )


if __name__ == "__main__":
    main()
