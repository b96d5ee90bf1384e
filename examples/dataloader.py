"""Feed synthetic anomalies to a PyTorch training loop.

    python examples/dataloader.py [--images DIR] [--textures DIR] [--workers 2] [--epochs 2]

Without ``--images`` the built-in normal images are used; without ``--textures`` procedural
textures. The EpochSampler yields keys (epoch, i), so one DataLoader with persistent workers
gives new anomalies every epoch; every sample is reproducible from (seed, epoch * len(ds) + i),
whatever the worker count.
"""

from __future__ import annotations

import argparse

from torch.utils.data import DataLoader

from synthdefect import EpochSampler, SyntheticAnomaly, SyntheticAnomalyDataset
from synthdefect.generate import default_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=None, help="folder of normal images")
    parser.add_argument("--textures", default="procedural", help="texture folder")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    dataset = SyntheticAnomalyDataset(
        args.images or default_images(),
        transform=SyntheticAnomaly("draem-code", textures=args.textures),
        size=(args.size, args.size),
        seed=0,
    )
    loader = DataLoader(
        dataset,
        batch_size=4,
        sampler=EpochSampler(dataset, seed=0),  # a new epoch at every pass over the loader
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
    )
    for epoch in range(args.epochs):
        for batch in loader:
            labels = batch["label"].tolist()
            area = batch["mask"].mean().item()
            print(
                f"epoch {epoch} samples {batch['index'].tolist()} labels {labels} "
                f"images {tuple(batch['image'].shape)} mean mask area {area:.3f}"
            )


if __name__ == "__main__":
    main()
