"""synthdefect inside torchvision.transforms.v2 pipelines (the ``torchvision`` extra; the
``tv`` fixture of conftest.py imports it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthdefect.recipes import SyntheticAnomaly


@pytest.fixture
def image(rgb_image):
    return torch.from_numpy(rgb_image).permute(2, 0, 1).contiguous()


def test_single_image_becomes_image_and_mask(tv, image):
    from torchvision import tv_tensors
    from torchvision.transforms import v2

    from synthdefect.torchvision_interop import to_v2

    torch.manual_seed(0)
    pipeline = v2.Compose(
        [to_v2(SyntheticAnomaly(p_anomaly=1.0)), v2.ToDtype(torch.float32, scale=True)]
    )
    out_image, out_mask = pipeline(tv_tensors.Image(image))
    assert isinstance(out_image, tv_tensors.Image) and out_image.dtype == torch.float32
    assert isinstance(out_mask, tv_tensors.Mask) and out_mask.shape == (1, 64, 80)
    torch.manual_seed(0)
    again_image, again_mask = pipeline(tv_tensors.Image(image))
    assert torch.equal(again_image, out_image) and torch.equal(again_mask, out_mask)


def test_geometric_v2_transforms_move_the_mask(tv, image):
    from torchvision import tv_tensors
    from torchvision.transforms import v2

    from synthdefect.torchvision_interop import to_v2

    anomaly = to_v2(SyntheticAnomaly(p_anomaly=1.0, min_area=0.02))
    torch.manual_seed(1)
    plain_image, plain_mask = anomaly(tv_tensors.Image(image))
    torch.manual_seed(1)
    flipped_image, flipped_mask = v2.Compose([anomaly, v2.RandomHorizontalFlip(p=1.0)])(
        tv_tensors.Image(image)
    )
    assert plain_mask.any()
    assert torch.equal(flipped_mask, plain_mask.flip(-1))
    assert torch.equal(flipped_image, plain_image.flip(-1))


def test_tuple_masks_are_replaced_and_dicts_completed(tv, image):
    from torchvision import tv_tensors

    from synthdefect.torchvision_interop import to_v2

    anomaly = SyntheticAnomaly(p_anomaly=1.0, min_area=0.02)
    wrapped = to_v2(anomaly)
    holder = tv_tensors.Mask(torch.zeros(1, 64, 80, dtype=torch.uint8))
    with pytest.warns(UserWarning, match="cannot set the label"):
        out_image, out_mask = wrapped(tv_tensors.Image(image), holder)
    assert isinstance(out_image, tv_tensors.Image)
    assert isinstance(out_mask, tv_tensors.Mask) and out_mask.dtype == torch.uint8
    assert set(out_mask.unique().tolist()) == {0, 1}

    sample = wrapped({"image": tv_tensors.Image(image), "id": 7})
    assert sample["id"] == 7 and int(sample["label"]) == 1
    assert isinstance(sample["mask"], tv_tensors.Mask)
    replayed = wrapped.synth.replay(image, sample["params"])
    assert torch.equal(replayed.image, sample["image"].as_subclass(torch.Tensor))
    assert np.array_equal(replayed.mask.numpy(), sample["mask"].numpy())


def test_errors(tv):
    from synthdefect.torchvision_interop import to_v2

    wrapped = to_v2(SyntheticAnomaly())
    with pytest.raises(ValueError, match="a dict input needs an 'image' entry"):
        wrapped({"picture": torch.zeros(3, 8, 8, dtype=torch.uint8)})
    with pytest.raises(ValueError, match="a dict input needs an 'image' entry"):
        wrapped({})
    with pytest.raises(TypeError, match="to_v2 takes a torch tensor"):
        wrapped("not an image")
    with pytest.raises(TypeError, match=r"to_v2 takes a torch tensor .* got ndarray"):
        wrapped({"image": np.zeros((8, 8, 3), np.uint8)})
    for wrong in (5, "paper", lambda x: x):
        with pytest.raises(TypeError, match="to_v2 wraps a synthdefect Transform"):
            to_v2(wrong)
    with pytest.raises(TypeError, match="keep_rotation must be True or False"):
        to_v2(SyntheticAnomaly(), keep_rotation="yes")


def _rotating(**kwargs):
    return SyntheticAnomaly(p_anomaly=1.0, rotate_p=1.0, min_area=0.02, **kwargs)


@pytest.mark.parametrize("synthesis", ["auto", "device"])
def test_default_keeps_the_input_as_clean_target(tv, image, synthesis):
    """anomalib's Draem reconstructs the batch it passed in: no rotation may move the image."""
    import warnings

    from synthdefect.torchvision_interop import to_v2

    batch = torch.stack([image, image.flip(-1)]).float() / 255.0
    torch.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        defective, mask = to_v2(_rotating(), synthesis=synthesis)(batch)
    assert mask.shape == (2, 1, 64, 80) and bool(mask.any())
    outside = (mask == 0).expand_as(batch)
    assert torch.equal(defective.as_subclass(torch.Tensor)[outside], batch[outside])


def test_keep_rotation_returns_the_target_or_warns(tv, image):
    from torchvision import tv_tensors

    from synthdefect.torchvision_interop import to_v2

    wrapped = to_v2(_rotating(), keep_rotation=True)
    sample = wrapped({"image": tv_tensors.Image(image)})
    assert not torch.equal(sample["normal"].as_subclass(torch.Tensor), image)
    outside = (sample["mask"] == 0).expand_as(image)
    assert torch.equal(sample["image"][outside], sample["normal"][outside])
    with pytest.warns(UserWarning, match="dropped a rotated clean target"):
        wrapped(tv_tensors.Image(image))


def test_anomalib_style_dicts_get_gt_mask_and_gt_label(tv, image):
    from torchvision import tv_tensors

    from synthdefect.torchvision_interop import to_v2

    sample = {
        "image": tv_tensors.Image(image),
        "gt_mask": tv_tensors.Mask(torch.zeros(64, 80, dtype=torch.uint8)),
        "gt_label": torch.tensor(0),
    }
    out = to_v2(SyntheticAnomaly(p_anomaly=1.0, min_area=0.02))(sample)
    assert "mask" not in out and "label" not in out
    assert out["gt_mask"].shape == (64, 80) and out["gt_mask"].dtype == torch.uint8
    assert int(out["gt_label"]) == 1 and out["gt_label"].dtype == torch.int64
    assert bool(out["gt_mask"].any()) and torch.equal(
        out["normal"].as_subclass(torch.Tensor), image
    )


def test_tuples_warn_that_the_label_is_not_set(tv, image):
    import warnings

    from torchvision import tv_tensors

    from synthdefect.torchvision_interop import to_v2

    wrapped = to_v2(SyntheticAnomaly(p_anomaly=1.0, min_area=0.02))
    holder = tv_tensors.Mask(torch.zeros(64, 80, dtype=torch.uint8))
    with pytest.warns(UserWarning, match="cannot set the label"):
        _, mask = wrapped(tv_tensors.Image(image), holder)
    assert mask.shape == (64, 80) and bool(mask.any())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per wrapper
        wrapped(tv_tensors.Image(image), holder)


def test_soft_masks_stay_soft_in_float_masks_and_are_cut_at_one_half_in_integer_ones(tv, image):
    from torchvision import tv_tensors

    from synthdefect import find_step, make_recipe
    from synthdefect.torchvision_interop import to_v2

    others = [np.full((64, 80, 3), v, np.uint8) for v in (0, 255)]
    wrapped = to_v2(make_recipe("fpi", textures=others, p_anomaly=1.0))
    seen = set()
    for seed in range(6):
        torch.manual_seed(seed)
        soft = wrapped({"image": tv_tensors.Image(image)})
        alpha = find_step(soft["params"], "blend")["params"]["beta"]
        assert soft["mask"].dtype == torch.float32
        assert soft["mask"].unique().tolist() == pytest.approx([0.0, alpha])
        torch.manual_seed(seed)
        holder = tv_tensors.Mask(torch.zeros(64, 80, dtype=torch.uint8))
        cut = wrapped({"image": tv_tensors.Image(image), "gt_mask": holder})["gt_mask"]
        assert set(cut.unique().tolist()) == ({0, 1} if alpha >= 0.5 else {0})
        seen.add(alpha >= 0.5)
    assert seen == {True, False}


def _seed_of_next_call(state: int) -> int:
    """The seed a wrapper call draws after ``torch.manual_seed(state)`` (see the module doc)."""
    torch.manual_seed(state)
    return int(torch.randint(0, 2**62, (1,)).item())


def _batch(image: torch.Tensor) -> torch.Tensor:
    return torch.stack([image, image.flip(-1), image.flip(-2), image.flip(-1, -2)])


def test_batches_on_the_host_keep_the_per_sample_path_byte_for_byte(tv, image):
    from synthdefect.torchvision_interop import to_v2

    recipe = SyntheticAnomaly(p_anomaly=0.8, min_area=0.02)
    batch = _batch(image)
    for synthesis in ("auto", "host"):
        wrapped = to_v2(recipe, synthesis=synthesis)
        assert wrapped.backend_for(batch) == "host"
        torch.manual_seed(5)
        out = wrapped({"image": batch})
        want = wrapped.synth(batch, seed=_seed_of_next_call(5))  # item b: key (seed, b)
        assert torch.equal(out["image"].as_subclass(torch.Tensor), want.image)
        assert torch.equal(out["mask"].as_subclass(torch.Tensor), want.mask)
        assert out["params"] == want.params


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_device_synthesis_runs_the_batch_path_from_the_same_keys(tv, image, dtype):
    from torchvision import tv_tensors

    from synthdefect.torchvision_interop import to_v2

    recipe = SyntheticAnomaly(p_anomaly=0.8, min_area=0.02)
    batch = _batch(image) if dtype == torch.uint8 else _batch(image).float() / 255.0
    wrapped = to_v2(recipe, synthesis="device")
    assert wrapped.backend_for(batch) == "device"
    assert wrapped.backend_for(image) == "host"  # one image: the per-sample path
    torch.manual_seed(6)
    out = wrapped({"image": tv_tensors.Image(batch)})
    seed = _seed_of_next_call(6)
    want = wrapped.synth.batch(batch, seed=seed, indices=range(4))
    assert isinstance(out["image"], tv_tensors.Image) and out["image"].dtype == dtype
    assert torch.equal(out["image"].as_subclass(torch.Tensor), want.image)
    assert torch.equal(out["mask"].as_subclass(torch.Tensor), want.mask)
    assert out["mask"].shape == (4, 1, 64, 80) and out["label"].tolist() == want.label.tolist()
    host = wrapped.synth(batch, seed=seed)
    assert out["params"] == host.params  # the records of the per-sample path
    scale = 1.0 if dtype == torch.uint8 else 255.0
    differs = (out["image"].as_subclass(torch.Tensor).double() - host.image.double()).abs()
    assert float(differs.max()) * scale <= 1.0 + 1e-6  # docs/batch.md's tolerance


def test_the_backend_follows_the_batch_device_and_dtype(tv):
    from synthdefect.torchvision_interop import to_v2

    def on(device: str, dtype: torch.dtype = torch.uint8, shape=(2, 3, 8, 8)) -> torch.Tensor:
        return torch.empty(shape, dtype=dtype, device=device)

    auto, host = to_v2(SyntheticAnomaly()), to_v2(SyntheticAnomaly(), synthesis="host")
    assert auto.backend_for(on("meta")) == "device"  # any accelerator's batch
    assert auto.backend_for(on("meta", torch.float16)) == "device"
    assert auto.backend_for(on("meta", torch.uint16)) == "device"
    assert auto.backend_for(on("meta", shape=(3, 8, 8))) == "host"
    assert auto.backend_for(on("cpu")) == "host"
    assert host.backend_for(on("meta")) == "host"
    with pytest.raises(ValueError, match="synthesis must be one of"):
        to_v2(SyntheticAnomaly(), synthesis="gpu")
