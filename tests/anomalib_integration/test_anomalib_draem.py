"""anomalib's Draem trained with synthdefect's anomalies (``model.augmenter = to_v2(...)``).

Run by ``make test-anomalib`` (its own environment, see docs/anomalib.md); skipped elsewhere.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("anomalib")

from synthdefect import SyntheticAnomaly
from synthdefect.generate import GenerateConfig, generate
from synthdefect.torchvision_interop import to_v2

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "anomalib_draem.py"
SIZE = 64


class Recorder(torch.nn.Module):
    """Calls ``augmenter`` and keeps what went in and came out, for the checks."""

    def __init__(self, augmenter: torch.nn.Module) -> None:
        super().__init__()
        self.augmenter = augmenter
        self.calls: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def forward(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        augmented, mask = self.augmenter(batch)
        self.calls.append((batch.detach().clone(), augmented.detach().clone(), mask.clone()))
        return augmented, mask


def test_draem_trains_with_our_augmenter(tmp_path):
    from anomalib.callbacks import ModelCheckpoint
    from anomalib.data import MVTecAD
    from anomalib.engine import Engine
    from anomalib.models import Draem

    torch.manual_seed(0)  # to_v2 draws its seeds from torch's generator
    root = tmp_path / "synthetic"
    generate(GenerateConfig(n=8, out=root, size=(SIZE, SIZE), layout="mvtec"), workers=1)
    data = MVTecAD(root=tmp_path, category="synthetic", train_batch_size=4, num_workers=0)
    dtd_dir = tmp_path / "no-dtd"
    dtd_dir.mkdir()  # an existing folder: Draem does not download DTD
    model = Draem(dtd_dir=dtd_dir, pre_processor=Draem.configure_pre_processor((SIZE, SIZE)))
    # rotate_p=1: every sample would be rotated if to_v2 did not switch the rotation off
    recorder = Recorder(to_v2(SyntheticAnomaly(p_anomaly=1.0, rotate_p=1.0, min_area=0.02)))
    model.augmenter = recorder
    engine = Engine(
        max_steps=3, accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
        default_root_dir=tmp_path / "results",
        callbacks=[ModelCheckpoint(dirpath=tmp_path / "weights", save_top_k=0)],
    )  # fmt: skip
    engine.fit(model=model, datamodule=data)

    assert engine.trainer.global_step == 3 and len(recorder.calls) == 3
    assert torch.isfinite(engine.trainer.callback_metrics["train_loss_step"])
    assert list(dtd_dir.iterdir()) == []
    for batch, augmented, mask in recorder.calls:
        assert augmented.shape == batch.shape == (4, 3, SIZE, SIZE)
        assert mask.shape == (4, 1, SIZE, SIZE) and bool(mask.flatten(1).any(1).all())
        # Draem's loss compares the reconstruction with `batch`: the defect is the only change.
        outside = (mask == 0).expand_as(batch)
        assert torch.equal(augmented.as_subclass(torch.Tensor)[outside], batch[outside])
        assert bool((augmented != batch).any())


def test_example_trains_and_tests(tmp_path):
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path), "--size", str(SIZE), "--n", "12",
         "--steps", "2", "--batch", "4", "--datamodule", "mvtecad"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].startswith("generated 12 samples")
    assert "datamodule MVTecAD: 8 train, 12 test images" in lines
    assert "augmenter SynthDefectV2(SyntheticAnomaly)" in lines
    metrics = dict(line.split() for line in lines if line.startswith(("image_", "pixel_")))
    assert {"image_AUROC", "pixel_AUROC"} <= metrics.keys()
    assert all(0.0 <= float(v) <= 1.0 for v in metrics.values())
    assert not any(p.suffix == ".ckpt" for p in tmp_path.rglob("*"))
