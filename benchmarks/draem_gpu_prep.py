"""256x256 copies of MVTec AD bottle and a DTD subset, to carry to a GPU machine.

    PYTHONPATH=. python benchmarks/draem_gpu_prep.py BOTTLE DTD [OUT] [--textures 600]

OUT (default ``runs/draem_data``, git-ignored) receives ``bottle/`` (train/good, test/<type>,
ground_truth/<type>, as PNG) and ``dtd/`` (every k-th texture, in name order, so that all
classes are represented; JPEG quality 95). Images are resized with synthdefect's resize
(area interpolation when shrinking, as the trainer does); masks with nearest-neighbour.
Then: ``benchmarks/draem_gpu.sh OUT/bottle OUT/dtd``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2

from synthdefect.files.codec import read_image, write_image
from synthdefect.files.paths import find_images
from synthdefect.functional.geometry import resize

SIDE = 256


def copy_resized(source: Path, target: Path, mask: bool = False) -> None:
    image = read_image(source, channels=1 if mask else 3)
    if mask:
        image = cv2.resize(image, (SIDE, SIDE), interpolation=cv2.INTER_NEAREST)[..., None]
    else:
        image = resize(image, SIDE, SIDE)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_image(target, image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bottle", type=Path, help="MVTec AD bottle folder")
    parser.add_argument("dtd", type=Path, help="folder of DTD texture images (recursive)")
    parser.add_argument("out", type=Path, nargs="?", default=Path("runs/draem_data"))
    parser.add_argument("--textures", type=int, default=600, help="number of textures to copy")
    args = parser.parse_args()

    images = 0
    for folder in ("train", "test", "ground_truth"):
        for path in find_images(args.bottle / folder):
            relative = path.relative_to(args.bottle)
            copy_resized(path, args.out / "bottle" / relative, mask=folder == "ground_truth")
            images += 1
    textures = find_images(args.dtd)
    step = max(1, len(textures) // max(1, args.textures))
    chosen = textures[::step][: args.textures]
    for path in chosen:
        relative = path.relative_to(args.dtd).with_suffix(".jpg")
        copy_resized(path, args.out / "dtd" / relative)
    print(f"{images} bottle files and {len(chosen)} textures at {SIDE}x{SIDE} in {args.out}")


if __name__ == "__main__":
    main()
