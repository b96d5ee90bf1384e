"""SyntheticAnomalyDataset: the same index gives the same sample with any loader setup."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from synthdefect.dataset import SyntheticAnomalyDataset
from synthdefect.files.codec import write_image
from synthdefect.recipes import SyntheticAnomaly
from synthdefect.sampler import EpochSampler
from synthdefect.transforms.records import find_step


@pytest.fixture(scope="module")
def normal_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("normal")
    rng = np.random.default_rng(0)
    for i in range(5):
        write_image(folder / f"{i}.png", rng.integers(0, 256, (40, 48, 3), dtype=np.uint8))
    return folder


def make_dataset(normal_dir, **kwargs) -> SyntheticAnomalyDataset:
    anomaly = SyntheticAnomaly("draem-code", textures="procedural", p_anomaly=0.8)
    return SyntheticAnomalyDataset(normal_dir, transform=anomaly, size=(32, 32), seed=7, **kwargs)


def collect(loader) -> dict[int, dict]:
    out = {}
    for batch in loader:
        for b, index in enumerate(batch["index"].tolist()):
            out[index] = {k: v[b] for k, v in batch.items()}
    return out


def test_item_layout(normal_dir):
    item = make_dataset(normal_dir)[0]
    assert item["image"].shape == (3, 32, 32) and item["image"].dtype == torch.float32
    assert item["normal"].shape == (3, 32, 32) and item["normal"].dtype == torch.float32
    assert item["mask"].shape == (1, 32, 32) and item["label"].dtype == torch.int64
    assert 0.0 <= float(item["normal"].min()) and float(item["normal"].max()) <= 1.0
    assert item["label"].item() == int(item["mask"].any())
    record = json.loads(item["params"])
    assert record["settings"]["name"] == "draem-code"
    outside = item["mask"].expand(3, -1, -1) == 0
    if record["steps"]["rotate"]["params"]["applied"] is False:
        assert torch.equal(item["normal"][outside], item["image"][outside])


def test_grey_items_with_channels_1(normal_dir):
    item = make_dataset(normal_dir, channels=1)[0]
    assert item["image"].shape == item["normal"].shape == (1, 32, 32)
    with pytest.raises(ValueError, match="channels must be 1"):
        make_dataset(normal_dir, channels=2)


@pytest.mark.parametrize(
    ("workers", "context"), [(0, None), (1, "fork"), (2, "fork"), (2, "spawn")]
)
def test_same_samples_whatever_the_loader(normal_dir, workers, context):
    reference = make_dataset(normal_dir, length=12)
    expected = {i: reference[i] for i in range(12)}
    loader = DataLoader(
        make_dataset(normal_dir, length=12),
        batch_size=3,
        shuffle=True,
        generator=torch.Generator().manual_seed(workers),
        num_workers=workers,
        multiprocessing_context=context,
    )
    got = collect(loader)
    assert sorted(got) == list(range(12))
    for i, item in expected.items():
        assert torch.equal(got[i]["image"], item["image"])
        assert torch.equal(got[i]["mask"], item["mask"])
        assert got[i]["params"] == item["params"]


def test_indices_and_epochs_differ(normal_dir):
    ds = make_dataset(normal_dir, length=20)
    first = [ds[i]["params"] for i in range(20)]
    anomalous = [p for p in first if json.loads(p)["steps"]["anomaly"]["params"]["applied"]]
    assert len(anomalous) >= 10 and len(set(anomalous)) == len(anomalous)
    second = [ds[1, i]["params"] for i in range(20)]
    assert ds[1, 0]["index"] == 20 and not set(anomalous) & set(second)
    assert [ds[0, i]["params"] for i in range(20)] == first
    with pytest.raises(ValueError, match="epoch"):
        ds[-1, 0]


def _epoch_params(loader, epochs: int) -> list[dict[int, str]]:
    """Per epoch: global index -> params, from a plain ``for epoch: for batch`` loop."""
    seen = []
    for _ in range(epochs):
        params = {}
        for batch in loader:
            params.update(zip(batch["index"].tolist(), batch["params"], strict=True))
        seen.append(params)
    return seen


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_epoch_sampler_gives_fresh_anomalies_with_persistent_workers(normal_dir, context):
    ds = make_dataset(normal_dir, length=6)
    loader = DataLoader(
        ds,
        batch_size=4,
        sampler=EpochSampler(ds, seed=3),
        num_workers=2,
        persistent_workers=True,
        multiprocessing_context=context,
    )
    epochs = _epoch_params(loader, 3)
    all_params = [p for params in epochs for p in params.values()]
    for epoch, params in enumerate(epochs):
        assert sorted(params) == [epoch * 6 + i for i in range(6)]
        assert params == {epoch * 6 + i: ds[epoch, i]["params"] for i in range(6)}
    applied = [json.loads(p)["steps"]["anomaly"]["params"]["applied"] for p in all_params]
    anomalies = [p for p, hit in zip(all_params, applied, strict=True) if hit]
    assert len(anomalies) >= 9 and len(set(anomalies)) == len(anomalies)


def test_epoch_sampler_orders(normal_dir):
    sampler = EpochSampler(10, seed=1)
    first, second = list(sampler), list(sampler)
    assert sampler.epoch == 2
    assert sorted(first) == [(0, i) for i in range(10)]
    assert sorted(second) == [(1, i) for i in range(10)]
    assert [i for _, i in first] != [i for _, i in second]
    sampler.set_epoch(1)
    assert list(sampler) == second == sampler.keys(1)
    assert list(EpochSampler(4, shuffle=False, epoch=5)) == [(5, i) for i in range(4)]
    shards = [EpochSampler(10, seed=1, num_replicas=3, rank=r).keys(0) for r in range(3)]
    assert [len(shard) for shard in shards] == [4, 4, 4]
    assert {key for shard in shards for key in shard} == set(first)
    with pytest.raises(ValueError):
        EpochSampler(0)
    with pytest.raises(ValueError):
        EpochSampler(4, num_replicas=2, rank=2)


def test_uint8_images(normal_dir):
    as_float = make_dataset(normal_dir)[1, 2]
    as_bytes = make_dataset(normal_dir, image_dtype="uint8")[1, 2]
    for name in ("image", "normal"):
        assert as_bytes[name].dtype == torch.uint8
        assert torch.equal(as_bytes[name].float() / 255.0, as_float[name])
    assert torch.equal(as_bytes["mask"], as_float["mask"])
    with pytest.raises(ValueError, match="image_dtype"):
        make_dataset(normal_dir, image_dtype="float16")


def test_replay_from_dataset_record(normal_dir):
    ds = make_dataset(normal_dir)
    item = ds[3]
    image = ds.images[3]
    again = ds.transform.replay(image, json.loads(item["params"]))
    assert np.array_equal(again.mask, item["mask"][0].numpy())
    restored = torch.from_numpy(again.image).permute(2, 0, 1).float() / 255.0
    assert torch.equal(restored, item["image"])


def test_bad_arguments(normal_dir, tmp_path):
    with pytest.raises(ValueError):
        make_dataset(normal_dir, length=0)
    with pytest.raises(IndexError):
        make_dataset(normal_dir)[5]
    with pytest.raises(ValueError, match="no image files"):
        SyntheticAnomalyDataset(tmp_path)


def test_real_bottle_images(bottle_train_dir, dtd_dir):
    anomaly = SyntheticAnomaly("draem-code", textures=dtd_dir, p_anomaly=1.0)
    ds = SyntheticAnomalyDataset(bottle_train_dir, transform=anomaly, size=(64, 64), length=8)
    items = [ds[i] for i in range(8)]
    assert sum(int(it["label"]) for it in items) >= 6  # p_anomaly 1: only empty masks give 0
    names = {find_step(json.loads(it["params"]), "texture")["params"]["name"] for it in items}
    assert len(names) == 8 and all(n.endswith(".jpg") for n in names)


@pytest.mark.parametrize("image_dtype", ["uint8", "float32"])
def test_device_synthesis_makes_the_host_samples_from_the_same_keys(normal_dir, image_dtype):
    """``synthesis="device"``: items hold the normal image; ``synthesize`` makes the batch
    with ``Transform.batch`` from the keys the host items use (docs/batch.md's tolerance)."""
    from torch.utils.data import default_collate

    host = make_dataset(normal_dir, image_dtype=image_dtype)
    device = make_dataset(normal_dir, image_dtype=image_dtype, synthesis="device")
    keys = [(e, i) for e in range(8) for i in range(5)]
    loaded = default_collate([device[k] for k in keys])
    assert set(loaded) == {"index", "normal", "source"} and loaded["normal"].dtype == torch.uint8
    made = device.synthesize(loaded, torch.device("cpu"))
    want = default_collate([host[k] for k in keys])
    assert set(made) == set(want)
    assert made["params"] == want["params"] and made["source"] == want["source"]
    assert torch.equal(made["index"], want["index"])
    for name in ("image", "normal", "mask", "label"):
        assert made[name].dtype == want[name].dtype and made[name].shape == want[name].shape
    ties = made["mask"] != want["mask"]
    assert int(ties.sum()) <= ties.numel() // 10_000  # threshold ties: at most 0.01 %
    scale = 1.0 if image_dtype == "uint8" else 255.0
    agree = ~ties.expand_as(made["image"])
    for name in ("image", "normal"):
        gap = (made[name].double() - want[name].double()).abs() * scale
        assert float(gap[agree].max()) <= 1.0 + 1e-6
    assert int(want["label"].sum()) > 0


def test_device_synthesis_is_refused_where_it_cannot_apply(normal_dir):
    with pytest.raises(ValueError, match="synthesis must be one of"):
        make_dataset(normal_dir, synthesis="gpu")
    with pytest.raises(ValueError, match="synthesis='device'"):
        make_dataset(normal_dir).synthesize({"normal": torch.zeros(1, 3, 32, 32)}, None)
