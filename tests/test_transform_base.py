"""Transform machinery: input types, seeding, records and replay, Compose, RandomApply."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from synthdefect.convert import image_to_tensor
from synthdefect.functional.geometry import rotation_fill
from synthdefect.sample import Sample
from synthdefect.transforms.base import Compose, RandomApply, Transform
from synthdefect.transforms.geometry import RandomRotate


class Square(Transform):
    """Test transform: a random bright square, marked in the mask."""

    def make_params(self, rng, sample):
        h, w = sample.image.shape[:2]
        return {"y": int(rng.integers(0, h - 4)), "x": int(rng.integers(0, w - 4))}

    def apply(self, sample, params):
        y, x = params["y"], params["x"]
        image, mask = sample.image.copy(), sample.mask.copy()
        image[y : y + 4, x : x + 4] = 1.0 if image.dtype == np.float32 else 255
        mask[y : y + 4, x : x + 4] = 1.0
        return sample.evolve(image=image, mask=mask)


def test_numpy_in_numpy_out(rgb_image):
    res = Square()(rgb_image, seed=3, index=7)
    assert isinstance(res.image, np.ndarray) and res.image.dtype == np.uint8
    assert res.image.shape == rgb_image.shape and res.mask.shape == rgb_image.shape[:2]
    assert res.mask.dtype == np.float32 and res.mask.sum() == 16 and res.label == 1
    assert np.array_equal(res.normal, rgb_image)
    json.dumps(res.params)


def test_grey_2d_numpy_keeps_its_shape(rgb_image):
    grey = rgb_image[:, :, 0]
    res = Square()(grey, seed=0)
    assert res.image.shape == grey.shape


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.float64])
def test_torch_chw_round_trip(rgb_image, dtype):
    chw = torch.from_numpy(rgb_image).permute(2, 0, 1)
    chw = chw.to(dtype) / 255.0 if dtype.is_floating_point else chw
    res = Square()(chw, seed=1)
    assert isinstance(res.image, torch.Tensor) and res.image.dtype == dtype
    assert res.image.shape == chw.shape and res.mask.shape == (1, *chw.shape[1:])
    assert res.label == 1
    same = Square()(rgb_image, seed=1)
    assert res.params == same.params
    back = res.image.permute(1, 2, 0).numpy()
    back = np.round(back * 255).astype(np.uint8) if dtype.is_floating_point else back
    assert np.array_equal(back, same.image)


def test_torch_batch_uses_consecutive_indices(rgb_image):
    batch = torch.from_numpy(np.stack([rgb_image] * 4)).permute(0, 3, 1, 2)
    res = Square()(batch, seed=5, index=10)
    assert res.image.shape == batch.shape and res.mask.shape == (4, 1, 64, 80)
    assert res.label.tolist() == [1, 1, 1, 1] and len(res.params) == 4
    for b in range(4):
        single = Square()(rgb_image, seed=5, index=10 + b)
        assert res.params[b] == single.params
    replayed = Square().replay(batch, res.params)
    assert torch.equal(replayed.image, res.image)


def test_pil_round_trip(rgb_image):
    res = Square()(Image.fromarray(rgb_image), seed=2)
    assert isinstance(res.image, Image.Image) and res.image.mode == "RGB"
    assert isinstance(res.mask, Image.Image) and res.mask.mode == "L"
    assert set(np.unique(np.asarray(res.mask))) == {0, 255}


def test_seed_index_determinism_and_independence(rgb_image):
    t = Square()
    a, b = t(rgb_image, seed=0, index=1), t(rgb_image, seed=0, index=1)
    assert a.params == b.params
    others = {json.dumps(t(rgb_image, seed=0, index=i).params) for i in range(20)}
    assert len(others) > 10
    assert t(rgb_image).params is not None  # no seed: fresh entropy, still recorded


def test_replay_from_json(rgb_image):
    res = Square()(rgb_image, seed=9)
    again = Square().replay(rgb_image, json.loads(json.dumps(res.params)))
    assert np.array_equal(again.image, res.image) and np.array_equal(again.mask, res.mask)


def test_unsupported_inputs():
    with pytest.raises(TypeError):
        Square()([1, 2, 3])
    with pytest.raises(ValueError):
        Square()(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(TypeError):
        Square()(np.zeros((8, 8, 3), np.int32))
    with pytest.raises(ValueError, match="records"):
        Square()(np.zeros((8, 8, 3), np.uint8), params=[{"y": 0, "x": 0}] * 2)


def test_compose_and_random_apply(rgb_image):
    pipeline = Compose([RandomApply(RandomRotate((-30, 30)), p=1.0), Square()])
    res = pipeline(rgb_image, seed=4)
    rotate = res.params["steps"]["0"]
    assert rotate["params"]["applied"] and -30 <= rotate["transform"]["params"]["angle"] <= 30
    assert not np.array_equal(res.normal, rgb_image)  # the clean target rotates too
    again = pipeline.replay(rgb_image, res.params)
    assert np.array_equal(again.image, res.image) and np.array_equal(again.normal, res.normal)
    never = RandomApply(Square(), p=0.0)(rgb_image, seed=0)
    assert never.params["params"] == {"applied": False} and never.label == 0
    with pytest.raises(ValueError):
        RandomApply(Square(), p=1.5)
    with pytest.raises(ValueError):
        Compose([])


def test_random_rotate_moves_mask_with_image(rgb_image):
    sample = Sample.from_image(rgb_image)
    sample = sample.evolve(mask=np.pad(np.ones((10, 10), np.float32), ((0, 54), (0, 70))))
    rotate = RandomRotate((90, 90))
    out = rotate.apply(sample, rotate.record(angle=90.0, filled=rotation_fill(64, 80, 90.0)))
    assert out.mask.sum() > 0 and out.mask[:10, :10].sum() < 100
    assert set(np.unique(out.mask)) <= {0.0, 1.0}


def test_image_to_tensor_is_chw_float_in_unit_range(rgb_image):
    tensor = image_to_tensor(rgb_image)
    assert tensor.dtype == torch.float32 and tensor.shape == (3, *rgb_image.shape[:2])
    assert torch.equal(tensor, torch.from_numpy(rgb_image).permute(2, 0, 1).float() / 255)
    tensor.zero_()  # a new tensor: the image is untouched
    assert rgb_image.any()
    with pytest.raises(TypeError, match="uint8"):
        image_to_tensor(rgb_image.astype(np.float32))


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_image_to_tensor_copies_even_a_read_only_one_channel_image(rgb_image, dtype):
    # an (H, W, 1) image is contiguous once transposed: the tensor must still be new, or a
    # cached (read-only) image would be shared and torch warns of a non-writable array
    grey = np.ascontiguousarray(rgb_image[:, :, :1])
    grey.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = image_to_tensor(grey, dtype)
    tensor.zero_()
    assert grey.any()


def test_sample_evolve_replaces_fields_shares_arrays_and_refuses_unknown_ones() -> None:
    image = np.zeros((4, 5, 3), np.uint8)
    sample = Sample.from_image(image, source="a.png")
    mask = np.ones((4, 5), np.float32)
    changed = sample.evolve(mask=mask, texture=image)
    assert changed is not sample and type(changed) is Sample
    assert changed.mask is mask and changed.texture is image and changed.image is sample.image
    assert changed.source == "a.png" and changed.foreground is None
    assert sample.texture is None and not sample.mask.any()  # the original is unchanged
    assert changed == Sample(image, image, mask, texture=image, source="a.png")
    with pytest.raises(TypeError, match="'masks'"):
        sample.evolve(masks=mask)
