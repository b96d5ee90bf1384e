"""The batch path (``Transform.batch``) on CPU torch against the numpy/numba host path."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthdefect import PRESETS, SyntheticAnomaly, make_recipe, replay
from synthdefect.sample import Sample
from synthdefect.sample_batch import SampleBatch, hard_masks_to
from synthdefect.seeding import sample_rng
from synthdefect.transforms.base import Compose
from synthdefect.transforms.mask import PerlinMask, PerlinPairMask
from synthdefect.transforms.texture import TextureSample
from synthdefect.transforms.texture_ops import TEXTURE_OPS, TextureAugment


def _images(n: int, channels: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    smooth = rng.integers(0, 256, (n, channels, height // 4 + 1, width // 4 + 1))
    coarse = np.repeat(np.repeat(smooth, 4, axis=2), 4, axis=3)[:, :, :height, :width]
    noise = rng.integers(-20, 21, coarse.shape)
    return np.clip(coarse + noise, 0, 255).astype(np.uint8)


def _compare(
    recipe, images: np.ndarray, seed: int, tensor: torch.Tensor, replayed: bool = False
) -> tuple[int, int]:
    """Batch vs host for every image: (largest grey-level difference outside mask
    disagreements, count of mask pixels that differ). ``replayed``: the batch replays its
    records read back from JSON, so the device builds every mask (a fresh draw hands over the
    masks the host draw built)."""
    result = recipe.batch(tensor, seed=seed)
    if replayed:
        records = json.loads(json.dumps(result.params))
        result = recipe.batch(tensor, params=records)
    assert result.fallbacks == ()
    worst, ties = 0, 0
    for b, image in enumerate(images):
        host_input = image.transpose(1, 2, 0)
        if tensor.dtype.is_floating_point:
            host_input = host_input.astype(np.float32) / 255.0
        host = recipe(np.ascontiguousarray(host_input), seed=seed, index=b)
        assert result.params[b] == host.params
        mask = result.mask[b, 0].numpy()
        differs = mask != host.mask
        ties += int(differs.sum())
        got = result.image[b].permute(1, 2, 0).numpy().astype(np.float64)
        want = host.image.astype(np.float64)
        if tensor.dtype.is_floating_point:
            got, want = got * 255.0, want * 255.0
        worst = max(worst, float(np.abs(got - want)[~differs].max()))
        assert int(result.label[b]) == host.label or differs.any()
        np.testing.assert_allclose(
            result.normal[b].permute(1, 2, 0).numpy().astype(np.float64),
            host.normal.astype(np.float64),
            atol=1.0 if tensor.dtype == torch.uint8 else 1e-5,
        )
    return worst, ties


@pytest.mark.parametrize("preset", ["draem-code", "paper"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("replayed", [False, True])
def test_batch_equals_host_within_one_grey_level(preset, channels, replayed):
    recipe = SyntheticAnomaly(preset, p_anomaly=0.8, rotate_p=0.5)
    images = _images(80, channels, 32, 40, seed=channels)
    worst, ties = _compare(recipe, images, 11, torch.from_numpy(images), replayed)
    assert worst <= 1.0
    assert ties <= images.shape[0] * 32 * 40 // 10_000  # threshold ties: at most 0.01 %


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_draws_the_host_records_in_batch(preset):
    """Draws that read the pixels (a cutout's mean colour, a foreground estimate) see the
    batch's images, not a placeholder of their shape."""
    recipe = make_recipe(preset, p_anomaly=1.0)
    images = _images(6, 3, 48, 40, seed=9)
    result = recipe.batch(torch.from_numpy(images), seed=2)
    for b, image in enumerate(images):
        host = recipe(np.ascontiguousarray(image.transpose(1, 2, 0)), seed=2, index=b)
        assert result.params[b] == host.params


def test_float_batch_equals_host():
    recipe = SyntheticAnomaly("draem-code", p_anomaly=0.8, rotate_p=0.5)
    images = _images(40, 3, 33, 31, seed=5)
    tensor = torch.from_numpy(images.astype(np.float32) / 255.0)
    worst, ties = _compare(recipe, images, 3, tensor)
    assert worst <= 1.0 and ties <= 1
    assert recipe.batch(tensor.double(), seed=3).image.dtype == torch.float64


def test_replay_of_a_record_through_the_batch_path():
    recipe = SyntheticAnomaly("draem-code", p_anomaly=1.0)
    images = torch.from_numpy(_images(6, 3, 32, 32))
    first = recipe.batch(images, seed=4, indices=range(100, 106))
    records = [dict(r) for r in first.params]  # plain dicts, as read back from a manifest
    again = recipe.batch(images, params=records)
    assert torch.equal(again.image, first.image) and torch.equal(again.mask, first.mask)
    host = replay(np.ascontiguousarray(images[2].permute(1, 2, 0).numpy()), records[2])
    assert np.abs(host.image.astype(int) - again.image[2].permute(1, 2, 0).numpy()).max() <= 1


@pytest.mark.parametrize("kind", [PerlinMask, PerlinPairMask])
def test_masks_kept_by_the_draw_are_used_and_the_missing_ones_built_on_the_device(kind):
    transform = kind(threshold=(0.0, 0.6))
    sample = Sample.from_image(np.zeros((32, 40, 1), np.uint8))
    records = [transform.make_params(sample_rng(2, i), sample) for i in range(6)]
    kept = [r.derived["mask"].copy() for r in records]
    for b in (1, 4):
        records[b] = json.loads(json.dumps(records[b]))  # read back: no mask beside it
    kept[5] = records[5].derived["mask"] = np.ones((32, 40), np.float32)  # taken as it is
    result = transform.batch(torch.zeros((6, 1, 32, 40), dtype=torch.uint8), params=records)
    assert all("mask" not in r.derived for b, r in enumerate(records) if b not in (1, 4))
    for b in range(6):
        np.testing.assert_array_equal(result.mask[b, 0].numpy(), kept[b])


@pytest.mark.parametrize(("n", "height", "width"), [(3, 256, 256), (50, 48, 64), (7, 1, 9)])
@pytest.mark.parametrize(("octaves", "persistence", "lacunarity"), [(1, 0.5, 2.0), (3, 0.6, 1.5)])
def test_batched_noise_equals_the_numba_noise_bit_for_bit(
    n, height, width, octaves, persistence, lacunarity
):
    """Whatever the pieces a CPU batch is worked in (one sample each at 256 px, 21 samples of
    48 x 64, the whole batch of 1 x 9) and whatever each sample's lattice."""
    from synthdefect.functional.batched.perlin import fractal_perlin_noise as batched
    from synthdefect.functional.perlin import fractal_perlin_noise

    rng = np.random.default_rng(n)
    draws = [(int(2 ** rng.integers(0, 6)), int(2 ** rng.integers(0, 6)), int(s))
             for s in rng.integers(0, 2**31, n)]  # fmt: skip
    got = batched(height, width, draws, octaves, persistence, lacunarity).numpy()
    for b, (res_y, res_x, seed) in enumerate(draws):
        want = fractal_perlin_noise(
            height, width, res_y, res_x, seed, octaves, persistence, lacunarity
        )
        np.testing.assert_array_equal(got[b].view(np.int32), want.view(np.int32))


@pytest.mark.parametrize("compact", [None, False, True])
def test_hard_masks_reach_the_device_as_the_same_float32_bits(compact):
    rng = np.random.default_rng(3)
    masks = [(rng.random((32, 40)) > p).astype(np.float32) for p in (0.0, 0.5, 1.0, 0.9)]
    got = hard_masks_to(masks, torch.device("cpu"), compact=compact)
    assert got.dtype == torch.float32 and got.shape == (4, 32, 40)
    assert got.is_contiguous()
    np.testing.assert_array_equal(got.numpy().view(np.int32), np.stack(masks).view(np.int32))


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [(19, 23), (64, 48)])
def test_texture_ops_in_batch_equal_the_host_ones_exactly(channels, size):
    """Every op but the rotation (within one grey level of OpenCV's, tested on its own), point-op
    runs composed per sample (histograms counted on the device), groups of several samples
    (small images share a CPU piece) and one per piece."""
    augment = TextureAugment(tuple(op for op in TEXTURE_OPS if op != "rotate_texture"), k=4)
    images = _images(24, channels, *size, seed=4)
    images[0] = 7  # one level only
    images[1, :, :, :3] = 255
    textures = torch.from_numpy(images)
    samples = [Sample.from_image(np.ascontiguousarray(i.transpose(1, 2, 0))) for i in images]
    samples = [s.evolve(texture=s.image) for s in samples]
    records = [augment.make_params(sample_rng(5, b), s) for b, s in enumerate(samples)]
    mask = torch.zeros((len(images), *size))
    batch = SampleBatch(image=textures, normal=textures, mask=mask, texture=textures)
    got = augment.apply_batch(batch, records).texture.numpy()
    for b, (sample, record) in enumerate(zip(samples, records, strict=True)):
        want = augment.apply(sample, record).texture
        np.testing.assert_array_equal(got[b].transpose(1, 2, 0), want, str(record["params"]))


def test_steps_without_a_batch_form_fall_back_and_are_named():
    ops = TextureAugment(ops=["color_jitter", "invert"], k=2)
    recipe = Compose([("texture", TextureSample()), ("augment", ops)])
    images = torch.from_numpy(_images(4, 3, 16, 16))
    result = recipe.batch(images, seed=1)
    assert result.fallbacks == ("steps.augment",)


def test_bad_batches_are_refused_in_one_line():
    recipe = SyntheticAnomaly()
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        recipe.batch(torch.zeros(3, 8, 8, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        recipe.batch(torch.full((1, 3, 8, 8), 2.0))
    with pytest.raises(TypeError, match="uint8, uint16 or float"):
        recipe.batch(torch.zeros(1, 3, 8, 8, dtype=torch.int32))
    with pytest.raises(ValueError, match="indices"):
        recipe.batch(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), seed=0, indices=[1])


def test_a_16_bit_batch_keeps_its_dtype_and_matches_the_host_path_within_one_level_in_256():
    """uint16 is worked on as value / 65535, as the host path does, and rounded back."""
    recipe = SyntheticAnomaly("paper", p_anomaly=1.0)
    deep = torch.from_numpy(_images(4, 3, 32, 40).astype(np.int32) * 257).to(torch.uint16)
    result = recipe.batch(deep, seed=3)
    assert result.image.dtype == result.normal.dtype == torch.uint16
    assert torch.equal(result.normal.int(), deep.int())
    for b in range(len(deep)):
        host = recipe(deep[b], seed=3, index=b)
        assert result.params[b] == host.params
        got, want = result.image[b].int(), host.image.int()
        assert int((got - want).abs().max()) <= 257


def _bench(*args: str):
    from click.testing import CliRunner

    from synthdefect.cli import main

    return CliRunner().invoke(main, ["bench", *args], catch_exceptions=False)


def test_bench_device_prints_host_and_batch_rates_and_the_host_steps():
    result = _bench("--device", "cpu", "--preset", "draem-code", "--preset", "cutpaste",
                    "--size", "32", "--batch", "3", "--seconds", "0.05")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["preset", "size", "batch", "device", "host/s", "batch/s"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"draem-code", "cutpaste"}
    for row in rows.values():
        assert row[1:4] == ["32", "3", "cpu"]
        host, batch, ratio, draws = (float(x) for x in row[4:8])
        assert host > 0 and batch > 0 and ratio == pytest.approx(batch / host, rel=0.02)
        assert draws > 0
    assert lines[0].split()[6:8] == ["batch/host", "draws/s"]
    assert rows["draem-code"][8] == "-"  # no step fell back to the host
    assert rows["cutpaste"][8] != "-"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_bench_device_cuda_without_cuda_is_one_line_exit_2():
    result = _bench("--device", "cuda", "--seconds", "0.05")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "no CUDA" in result.output
