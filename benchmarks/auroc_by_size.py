"""Image AUROC overall and per image size: does a detector find the defects, or the sizes?

    PYTHONPATH=. python benchmarks/auroc_by_size.py SCORES_CSV TEST_DIR

SCORES_CSV is ``synthdefect predict --images TEST_DIR``'s ``scores.csv`` (``file,score``, files
relative to TEST_DIR, whose ``good/`` folder holds the normal images). The trainer resizes every
image to a square, so when normal and defective test images come in other sizes (BSData: 97 %
of test/good is 565x230, 42 % of test/pitting), a model can score the stretch instead of the
defect. Prints the image AUROC (percent) over all images and within each size that has at least
``MIN_PER_CLASS`` normal and as many defective images: a figure within one size cannot come from
the size.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from PIL import Image
from sklearn.metrics import roc_auc_score

MIN_PER_CLASS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scores", type=Path, help="scores.csv written by synthdefect predict")
    parser.add_argument("test_dir", type=Path, help="the --images folder given to predict")
    args = parser.parse_args()
    with args.scores.open(newline="") as f:
        rows = list(csv.DictReader(f))
    labels = [int(Path(row["file"]).parts[0] != "good") for row in rows]
    scores = [float(row["score"]) for row in rows]
    sizes = []
    for row in rows:
        with Image.open(args.test_dir / row["file"]) as image:
            sizes.append(image.size)
    print(f"all sizes: image AUROC {100 * roc_auc_score(labels, scores):.1f} ({len(rows)} images)")
    for size, count in Counter(sizes).most_common():
        group = [i for i, s in enumerate(sizes) if s == size]
        defective = sum(labels[i] for i in group)
        if min(defective, count - defective) >= MIN_PER_CLASS:
            auroc = roc_auc_score([labels[i] for i in group], [scores[i] for i in group])
            print(
                f"{size[0]}x{size[1]}: image AUROC {100 * auroc:.1f} ({count} images, "
                f"{defective} defective)"
            )


if __name__ == "__main__":
    main()
