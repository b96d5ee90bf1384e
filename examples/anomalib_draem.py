"""Train anomalib's Draem with synthdefect's anomalies and test it on a generated MVTec-layout set.

    python examples/anomalib_draem.py [--images DIR] [--textures DIR|procedural] [--out DIR]
                                      [--size PX] [--steps N] [--datamodule folder|mvtecad]

Needs anomalib 2.x in the environment (``make test-anomalib`` builds one; see docs/anomalib.md).
Steps: ``synthdefect generate --layout mvtec`` writes ``--out/synthetic`` (train/good, test/good,
test/synthetic, ground_truth/synthetic); anomalib's ``Folder`` (or ``MVTecAD``) datamodule loads
it; Draem's ``PerlinAnomalyGenerator`` is replaced by ``to_v2(SyntheticAnomaly(...))``; the
Engine trains ``--steps`` steps and tests. Prints the datamodule's sizes, the augmenter in use and
the test metrics.

The test images are made from the training images (``train/good`` holds the normal sources), which
is enough to show the pipeline; for an honest evaluation generate the test set from normal images
the model does not train on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from anomalib.callbacks import ModelCheckpoint
from anomalib.data import Folder, MVTecAD
from anomalib.engine import Engine
from anomalib.models import Draem

from synthdefect import SyntheticAnomaly
from synthdefect.generate import GenerateConfig, generate
from synthdefect.torchvision_interop import to_v2

SET_NAME = "synthetic"


def make_test_set(images: str | None, textures: str, out: Path, size: int, n: int) -> Path:
    """Generate an MVTec-layout set (PNG; no rotated normal images) into ``out/synthetic``."""
    config = GenerateConfig(
        n=n, out=out / SET_NAME, images=images, textures=textures, size=(size, size),
        layout="mvtec", seed=0,
    )  # fmt: skip
    print(generate(config, workers=1, overwrite=True).line())
    return config.out


def datamodule(root: Path, kind: str, batch: int) -> Folder | MVTecAD:
    """anomalib's datamodule for a generated set: ``Folder`` (explicit folders) or ``MVTecAD``."""
    common = {"train_batch_size": batch, "eval_batch_size": batch, "num_workers": 0}
    if kind == "mvtecad":  # MVTecAD reads root/category/{train,test,ground_truth}
        return MVTecAD(root=root.parent, category=root.name, **common)
    return Folder(
        name=SET_NAME,
        root=root,
        normal_dir="train/good",
        abnormal_dir=f"test/{SET_NAME}",
        normal_test_dir="test/good",
        mask_dir=f"ground_truth/{SET_NAME}",  # 000042.png pairs with 000042_mask.png
        val_split_mode="same_as_test",
        **common,
    )


def draem(textures: str, dtd_dir: Path, size: int) -> Draem:
    """Draem whose anomaly generator is synthdefect's ``SyntheticAnomaly``.

    ``dtd_dir`` must be an existing folder: Draem downloads DTD (~600 MB) into a missing one even
    though its generator is replaced. ``to_v2`` switches off the normal-image rotation of the
    ``draem-code`` preset: Draem reconstructs the batch it passed to the augmenter.
    """
    model = Draem(dtd_dir=dtd_dir, pre_processor=Draem.configure_pre_processor((size, size)))
    model.augmenter = to_v2(SyntheticAnomaly(preset="draem-code", textures=textures))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=None, help="normal images (default: built-in)")
    parser.add_argument("--textures", default="procedural", help="texture folder or procedural")
    parser.add_argument("--out", default="out/anomalib_draem", type=Path)
    parser.add_argument("--size", type=int, default=256, help="image size in pixels")
    parser.add_argument("--n", type=int, default=64, help="generated test samples")
    parser.add_argument("--steps", type=int, default=20, help="training steps")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--datamodule", choices=("folder", "mvtecad"), default="folder")
    parser.add_argument(
        "--save-weights", action="store_true", help="keep the checkpoint (about 1.1 GB)"
    )
    args = parser.parse_args()

    root = make_test_set(args.images, args.textures, args.out, args.size, args.n)
    data = datamodule(root, args.datamodule, args.batch)
    data.setup()
    print(f"datamodule {type(data).__name__}: {len(data.train_data)} train, "
          f"{len(data.test_data)} test images")  # fmt: skip

    # An existing folder stops Draem's DTD download: the texture folder, or an empty one.
    dtd_dir = Path(args.textures) if Path(args.textures).is_dir() else args.out / "no-dtd"
    dtd_dir.mkdir(parents=True, exist_ok=True)
    model = draem(args.textures, dtd_dir, args.size)
    print(f"augmenter {type(model.augmenter).__name__}({type(model.augmenter.synth).__name__})")

    results = args.out / "results"
    # save_top_k=0: no checkpoint file (the weights and optimiser state take about 1.1 GB).
    weights = ModelCheckpoint(
        dirpath=results / "weights", save_top_k=-1 if args.save_weights else 0
    )
    engine = Engine(
        max_steps=args.steps, accelerator="auto", devices=1, logger=False,
        default_root_dir=results, enable_progress_bar=False, callbacks=[weights],
    )  # fmt: skip
    engine.fit(model=model, datamodule=data)
    for name, value in sorted(engine.test(model=model, datamodule=data, verbose=False)[0].items()):
        print(f"{name} {value:.4f}")


if __name__ == "__main__":
    main()
