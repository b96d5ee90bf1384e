"""Generated MVTec-layout sets in the real anomalib's ``Folder`` and ``MVTecAD`` datamodules.

Run by ``make test-anomalib`` (its own environment, see docs/anomalib.md); skipped elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

pytest.importorskip("anomalib")

from synthdefect import SyntheticAnomaly
from synthdefect.files.normal_images import NormalImages
from synthdefect.generate import GenerateConfig, default_images, generate
from synthdefect.torchvision_interop import to_v2

SIZE = 64
N = 48


def make_set(out: Path, **changes) -> tuple[Path, list[dict]]:
    """A ``draem-code`` (default preset) MVTec-layout set and its manifest records."""
    settings = {"n": N, "out": out, "size": (SIZE, SIZE), "layout": "mvtec", "seed": 7}
    generate(GenerateConfig(**{**settings, **changes}), workers=1)
    lines = (out / "manifest.jsonl").read_text().splitlines()
    return out, [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, list[dict]]:
    return make_set(tmp_path_factory.mktemp("anomalib") / "synthetic")


def folder_datamodule(root: Path, **options):
    from anomalib.data import Folder

    return Folder(
        name=root.name, root=root, normal_dir="train/good", abnormal_dir="test/synthetic",
        normal_test_dir="test/good", mask_dir="ground_truth/synthetic",
        val_split_mode="same_as_test", num_workers=0, **options,
    )  # fmt: skip


def mvtecad_datamodule(root: Path):
    from anomalib.data import MVTecAD

    return MVTecAD(root=root.parent, category=root.name, num_workers=0)


def pixels(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_COLOR_RGB)


def check_test_split(dataset, root: Path, records: list[dict]) -> None:
    """Every sample once, with its label, its paired mask's exact pixels and its image's."""
    by_name = {Path(r["files"]["image"]).name: r for r in records}
    normals = NormalImages(default_images(), size=(SIZE, SIZE))
    seen = []
    for i in range(len(dataset)):
        item = dataset[i]
        record = by_name[Path(item.image_path).name]
        seen.append(record["index"])
        image = (item.image * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        assert np.array_equal(image, pixels(root / record["files"]["image"]))
        assert int(item.gt_label) == record["label"]
        if record["label"]:
            mask_file = root / record["files"]["mask"]
            assert Path(item.mask_path) == mask_file
            assert Path(item.mask_path).name == f"{record['index']:06d}_mask.png"
            expected = torch.from_numpy(cv2.imread(str(mask_file), cv2.IMREAD_GRAYSCALE) > 0)
            assert torch.equal(item.gt_mask.bool(), expected) and bool(expected.any())
        else:
            assert not item.gt_mask.any()
        # No altered normal image in a test split: outside the mask every pixel is the source's.
        outside = np.ones((SIZE, SIZE), bool) if not record["label"] else ~expected.numpy()
        source = normals[record["index"] % len(normals)]
        assert np.array_equal(image[outside], source[outside]), record["params"]["rotate"]
    assert sorted(seen) == list(range(N))


@pytest.mark.parametrize("make_datamodule", [folder_datamodule, mvtecad_datamodule])
def test_datamodule_loads_the_generated_set(generated, make_datamodule):
    root, records = generated
    data = make_datamodule(root)
    data.setup()
    assert len(data.train_data) == len(default_images())
    check_test_split(data.test_data, root, records)


def test_every_sample_is_anomalous_with_p_anomaly_one(tmp_path):
    """Label 1 never comes with an empty mask, so p_anomaly=1 fills only test/synthetic.

    (With no test/good images anomalib moves a few train/good images into the test split.)
    """
    root, records = make_set(tmp_path / "synthetic", p_anomaly=1.0)
    assert all(r["label"] == 1 for r in records)
    assert not any((root / "test" / "good").iterdir())
    data = mvtecad_datamodule(root)
    data.setup()
    synthetic = 0
    for i in range(len(data.test_data)):
        item = data.test_data[i]
        if Path(item.image_path).parent.name == "synthetic":
            synthetic += 1
            assert bool(item.gt_label) and bool(item.gt_mask.any())
        else:
            assert Path(item.image_path).parts[-3:-1] == ("train", "good")
    assert synthetic == N


def test_train_augmentations_warn_that_gt_label_stays_normal(generated):
    """anomalib sets gt_label from the folder after its augmentations: to_v2 says so."""
    root, _ = generated
    augment = to_v2(SyntheticAnomaly(p_anomaly=1.0, min_area=0.02))
    data = folder_datamodule(root, train_augmentations=augment)
    data.setup()
    with pytest.warns(UserWarning, match="cannot set the label"):
        item = data.train_data[0]
    assert bool(item.gt_mask.any()) and not bool(item.gt_label)
