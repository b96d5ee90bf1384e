"""Soft masks (targets in [0, 1]) end to end: 8-bit levels in mask files and back, labels, the
Dataset, PIL results, the reference trainer's data and focal loss, and evaluation's 0.5 cut;
hard masks unchanged."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch
from PIL import Image

import synthdefect as sd
from reference_model.data import GeneratedFolder, list_test_images
from reference_model.data import TestSet as EvaluationSet
from reference_model.losses import focal_loss
from synthdefect.files.codec import (
    SOFT_MASK_NOTE,
    MaskValuesError,
    encode_image,
    encode_mask,
    image_note,
    read_mask,
)
from synthdefect.functional.masks import anomalous_pixels, marked_pixels, mask_levels
from synthdefect.generate import GenerateConfig, generate
from synthdefect.sample import Sample


def _soft(alpha: float = 0.3) -> np.ndarray:
    mask = np.zeros((16, 20), np.float32)
    mask[3:9, 4:15] = alpha
    return mask


def test_mask_levels_round_half_up_and_mark_every_level_above_zero():
    values = np.array([0.0, 0.5 / 255, 0.4 / 255, 0.3, 0.5, 127.5 / 255, 1.0], np.float32)
    assert mask_levels(values).tolist() == [0, 1, 0, 77, 128, 128, 255]
    assert marked_pixels(values).tolist() == [False, True, False, True, True, True, True]
    hard = (np.random.default_rng(0).random((8, 8)) > 0.5).astype(np.float32)
    assert np.array_equal(marked_pixels(hard), anomalous_pixels(hard))


def test_label_is_one_when_the_mask_marks_any_pixel():
    sample = Sample.from_image(np.zeros((16, 20, 3), np.uint8))
    assert sample.evolve(mask=_soft(0.1)).label == 1
    assert sample.evolve(mask=_soft(0.4 / 255)).label == 0
    assert sample.label == 0


def test_a_hard_mask_file_is_unchanged(tmp_path):
    hard = (_soft() > 0).astype(np.float32)
    data = encode_mask(hard)
    assert data == encode_image(anomalous_pixels(hard).astype(np.uint8) * 255, ".png")
    path = tmp_path / "hard.png"
    path.write_bytes(data)
    assert image_note(path) is None
    assert np.array_equal(read_mask(path), (hard * 255).astype(np.uint8))


@pytest.mark.parametrize("alpha", [0.3, 0.77])
def test_a_soft_mask_round_trips_through_its_file(tmp_path, alpha):
    path = tmp_path / "soft.png"
    path.write_bytes(encode_mask(_soft(alpha)))
    assert image_note(path) == SOFT_MASK_NOTE
    levels = read_mask(path)
    assert np.array_equal(levels, mask_levels(_soft(alpha)))
    assert np.abs(levels / 255.0 - _soft(alpha)).max() <= 0.5 / 255


def test_a_low_mask_without_the_soft_note_is_still_refused(tmp_path):
    path = tmp_path / "ones.png"
    path.write_bytes(encode_image((_soft() > 0).astype(np.uint8), ".png"))
    with pytest.raises(MaskValuesError, match="none >= 128"):
        read_mask(path)


def test_pil_results_carry_the_mask_levels():
    image = Image.fromarray(np.full((64, 80, 3), 120, np.uint8))
    others = [np.full((64, 80, 3), v, np.uint8) for v in (0, 255)]
    result = sd.make_recipe("fpi", textures=others, p_anomaly=1.0)(image, seed=0, index=1)
    levels = np.asarray(result.mask)
    alpha = sd.find_step(result.params, "blend")["params"]["beta"]
    assert result.mask.mode == "L"
    assert set(np.unique(levels)) == {0, int(np.floor(255 * np.float32(alpha) + 0.5))}


def _normal_folder(root, count=3, size=(32, 40)):
    root.mkdir()
    rng = np.random.default_rng(1)
    for i in range(count):
        image = rng.integers(30, 220, (*size, 3), np.uint8)
        Image.fromarray(image).save(root / f"n{i}.png")
    return root


def test_generate_writes_soft_levels_and_the_trainer_reads_them_back(tmp_path):
    normals = _normal_folder(tmp_path / "normal")
    out = tmp_path / "run"
    config = GenerateConfig(
        out=out,
        n=6,
        size=(32, 40),
        images=normals,
        preset="fpi",
        textures=normals,
        p_anomaly=1.0,
        with_normal=True,
        seed=3,
    )
    generate(config, workers=1)
    lines = [json.loads(t) for t in (out / "manifest.jsonl").read_text().splitlines()]
    folder = GeneratedFolder(out, size=32)
    for i, line in enumerate(lines):
        alpha = sd.find_step(line["params"], "blend")["params"]["beta"]
        level = int(np.floor(255 * np.float32(alpha) + 0.5))
        levels = read_mask(out / line["files"]["mask"])
        assert set(np.unique(levels)) == {0, level} and line["label"] == 1
        mask = folder[i]["mask"]
        assert mask.dtype == torch.float32
        assert torch.unique(mask).tolist() == pytest.approx([0.0, level / 255])


def test_the_dataset_yields_soft_float_masks(tmp_path):
    normals = _normal_folder(tmp_path / "normal")
    recipe = sd.make_recipe("fpi", textures=normals, p_anomaly=1.0)
    dataset = sd.SyntheticAnomalyDataset(normals, transform=recipe, size=(32, 40), seed=2)
    for i in range(len(dataset)):
        item = dataset[i]
        alpha = sd.find_step(json.loads(item["params"]), "blend")["params"]["beta"]
        assert item["mask"].dtype == torch.float32 and item["mask"].shape == (1, 32, 40)
        assert torch.unique(item["mask"]).tolist() == pytest.approx([0.0, alpha])


def test_evaluation_thresholds_soft_ground_truth_at_one_half(tmp_path):
    category = tmp_path / "category"
    for name, alpha in (("low", 0.3), ("high", 0.7)):
        (category / "test" / "soft").mkdir(parents=True, exist_ok=True)
        (category / "ground_truth" / "soft").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((16, 20, 3), np.uint8)).save(
            category / "test/soft" / f"{name}.png"
        )
        mask_file = category / "ground_truth/soft" / f"{name}_mask.png"
        mask_file.write_bytes(encode_mask(_soft(alpha)))
    test_set = EvaluationSet(list_test_images(category), size=32)
    by_name = {item.path.stem: test_set[i] for i, item in enumerate(test_set.images)}
    assert by_name["low"][3] == "" and not by_name["low"][1].any()
    assert by_name["high"][3] == "" and by_name["high"][1].any()


def test_the_focal_loss_learns_soft_targets():
    mask = torch.full((1, 1, 4, 4), 0.3)
    logits = [
        torch.cat((torch.zeros_like(mask), torch.full_like(mask, s)), 1) for s in range(-4, 5)
    ]
    losses = [focal_loss(x, mask, smooth=0.0).item() for x in logits]
    # p_t = 0.7 p0 + 0.3 p1 falls as the anomalous logit s rises, so the loss rises.
    assert all(a < b for a, b in itertools.pairwise(losses))
    hard = (torch.rand(2, 1, 8, 8) > 0.5).float()
    noisy = torch.randn(2, 2, 8, 8)
    one_hot_p = torch.softmax(noisy, 1).gather(1, hard.long())
    expected = (-((1 - one_hot_p) ** 2) * one_hot_p.log()).mean()
    assert focal_loss(noisy, hard, smooth=0.0).item() == pytest.approx(expected.item(), rel=1e-6)
    soft_p = 0.7 * torch.softmax(noisy, 1)[:, :1] + 0.3 * torch.softmax(noisy, 1)[:, 1:]
    expected = (-((1 - soft_p) ** 2) * soft_p.log()).mean()
    got = focal_loss(noisy, torch.full((2, 1, 8, 8), 0.3), smooth=0.0)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_preview_outlines_a_soft_mask_below_one_half():
    from synthdefect.generate.preview import _cell

    image = np.full((16, 20, 3), 100, np.uint8)
    cell = _cell(image, image, _soft(0.3), 0, (20, 16))
    hard = _cell(image, image, (_soft(0.3) > 0).astype(np.float32), 0, (20, 16))
    body = slice(cell.shape[0] - 16, None)
    assert np.array_equal(cell[body], hard[body])  # the same outline as the hard mask's
    assert (cell[body, -20:] != 100).any()  # drawn over the image


def test_marked_pixels_are_exactly_those_whose_8_bit_level_is_above_zero():
    # every float32 from a quarter to four times 0.5 / 255 (where the level turns from 0 to 1),
    # then values of the whole range, in float32, float64, uint8 and bool masks
    low, high = np.float32(0.5 / 255 / 4), np.float32(4 * 0.5 / 255)
    bits = np.arange(low.view(np.int32), high.view(np.int32) + 1, dtype=np.int32)
    near = bits.view(np.float32).reshape(1, -1)
    rng = np.random.default_rng(0)
    wide = rng.uniform(-0.5, 1.5, (64, 64)).astype(np.float32)
    wide[0, :4] = [np.inf, -np.inf, 0.0, 1.0]
    for mask in (near, wide, wide.astype(np.float64), rng.uniform(0, 0.004, (64, 64)),
                 (wide > 0.5).astype(np.uint8), wide > 0.5):  # fmt: skip
        assert np.array_equal(marked_pixels(mask), mask_levels(mask) > 0)
    assert marked_pixels(near).any() and not marked_pixels(near).all()
