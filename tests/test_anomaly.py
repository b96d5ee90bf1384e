"""SyntheticAnomaly: presets, records, replay, input types, and the released code's statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from synthdefect.files.normal_images import NormalImages
from synthdefect.recipes import DRAEM_VARIANTS, PRESETS, SyntheticAnomaly
from synthdefect.transforms.records import find_step


def applied(record, step):
    """Whether the RandomApply step ``step`` ("rotate" or "anomaly") was applied."""
    return record["steps"][step]["params"]["applied"]


def draws(record, step):
    """The draws of the step called ``step`` ("mask", "texture", "augment", "blend")."""
    return find_step(record, step)["params"]


@pytest.fixture(scope="module")
def bottle_images(bottle_train_dir):
    images = NormalImages(bottle_train_dir, size=(128, 128))
    return [images[i] for i in range(6)]


def test_records_are_json_and_replay_exactly(rgb_image):
    anomaly = SyntheticAnomaly("draem-code", p_anomaly=1.0, rotate_p=1.0)
    for index in range(10):
        res = anomaly(rgb_image, seed=1, index=index)
        record = json.loads(json.dumps(res.params))
        assert applied(record, "anomaly") and applied(record, "rotate")
        again = anomaly.replay(rgb_image, record)
        assert np.array_equal(again.image, res.image)
        assert np.array_equal(again.mask, res.mask) and np.array_equal(again.normal, res.normal)
        assert again.label == res.label == int(res.mask.any())


def test_anomaly_changes_only_masked_pixels(rgb_image):
    anomaly = SyntheticAnomaly("paper", p_anomaly=1.0)
    changed = 0
    for index in range(10):
        res = anomaly(rgb_image, seed=0, index=index)
        outside = res.mask == 0
        assert np.array_equal(res.image[outside], rgb_image[outside])
        changed += int((res.image != rgb_image).any())
    assert changed >= 8


def test_no_anomaly_samples_are_unchanged(rgb_image):
    res = SyntheticAnomaly("paper", p_anomaly=0.0)(rgb_image, seed=0)
    assert applied(res.params, "anomaly") is False and res.label == 0
    assert np.array_equal(res.image, rgb_image) and not res.mask.any()


def test_p_anomaly_rate_and_rotation_rate(rgb_image):
    anomaly = SyntheticAnomaly("draem-code")
    records = [anomaly(rgb_image, seed=2, index=i).params for i in range(400)]
    anomalous = np.mean([applied(r, "anomaly") for r in records])
    rotated = np.mean([applied(r, "rotate") for r in records])
    assert 0.42 < anomalous < 0.58 and 0.23 < rotated < 0.37


def test_presets_differ_as_specified(rgb_image):
    code, paper = DRAEM_VARIANTS["draem-code"], DRAEM_VARIANTS["paper"]
    assert code.threshold == 0.5 and isinstance(paper.threshold, tuple)
    assert code.rotate_p == 0.3 and paper.rotate_p == 0.0
    assert {"draem-code", "paper"} <= set(PRESETS)
    anomaly = SyntheticAnomaly("paper", p_anomaly=1.0)
    records = [anomaly(rgb_image, seed=3, index=i).params for i in range(200)]
    assert all(0.1 <= draws(r, "blend")["beta"] <= 1.0 for r in records)
    thresholds = {draws(r, "mask")["threshold"] for r in records}
    assert len(thresholds) == 200
    paper_ops = {"posterize", "sharpness", "solarize", "equalize", "brightness", "color"}
    paper_ops |= {"autocontrast"}
    used = {op["op"] for r in records for op in draws(r, "augment")["ops"]}
    assert used <= paper_ops
    assert all(len(draws(r, "augment")["ops"]) == 3 for r in records)
    with pytest.raises(ValueError, match="unknown preset"):
        SyntheticAnomaly("nope")
    with pytest.raises(ValueError):
        SyntheticAnomaly(p_anomaly=2.0)


def test_draem_code_mask_statistics():
    """Released-code settings at 256x256: mean area 3-8 %, under 10 % empty (1,000 masks)."""
    anomaly = SyntheticAnomaly("draem-code", textures=[np.zeros((8, 8, 3), np.uint8)])
    image = np.zeros((256, 256, 3), np.uint8)
    areas = []
    for index in range(1000):
        res = anomaly(image, seed=0, index=index, params=None)
        if applied(res.params, "anomaly"):
            areas.append(float(res.mask.mean()))
    areas = np.array(areas)
    assert len(areas) > 400
    assert 0.03 <= areas.mean() <= 0.08
    assert (areas == 0).mean() < 0.10


@pytest.mark.parametrize("textures", ["procedural", "self"])
def test_texture_choices_work(rgb_image, textures):
    res = SyntheticAnomaly(textures=textures, p_anomaly=1.0, min_area=0.01)(rgb_image, seed=5)
    assert res.label == 1 and res.mask.mean() >= 0.01


def test_input_types_give_the_same_sample(rgb_image):
    anomaly = SyntheticAnomaly(p_anomaly=1.0)
    ref = anomaly(rgb_image, seed=4)
    tensor = anomaly(torch.from_numpy(rgb_image).permute(2, 0, 1), seed=4)
    assert torch.equal(tensor.image.permute(1, 2, 0), torch.from_numpy(ref.image))
    pil = anomaly(Image.fromarray(rgb_image), seed=4)
    assert np.array_equal(np.asarray(pil.image), ref.image)
    floats = anomaly(rgb_image.astype(np.float32) / 255.0, seed=4)
    assert floats.image.dtype == np.float32
    assert np.abs(floats.image * 255.0 - ref.image).max() <= 1.0


def test_callable_augment_replaces_ops(rgb_image):
    calls = []

    def invert(image):
        calls.append(image.shape)
        return 255 - image

    anomaly = SyntheticAnomaly(augment=invert, p_anomaly=1.0, beta=(1.0, 1.0))
    res = anomaly(rgb_image, seed=0)
    assert calls and "ops" not in draws(res.params, "augment")


def test_real_images_and_dtd(bottle_images, dtd_dir):
    anomaly = SyntheticAnomaly("draem-code", textures=dtd_dir, p_anomaly=1.0)
    names = set()
    for index, image in enumerate(bottle_images):
        res = anomaly(image, seed=0, index=index)
        names.add(draws(res.params, "texture")["name"])
        assert res.image.shape == image.shape
        assert np.array_equal(anomaly.replay(image, res.params).image, res.image)
    assert len(names) == len(bottle_images)


def test_odd_sizes(rng):
    image = rng.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    res = SyntheticAnomaly(p_anomaly=1.0)(image, seed=0)
    assert res.image.shape == image.shape and res.mask.shape == (97, 131)
