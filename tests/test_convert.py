"""``synthdefect.convert.from_user``: values outside an image type's range are refused, never
blended at the wrong scale; 16-bit (PIL, numpy, torch) and float images keep their type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from synthdefect import SyntheticAnomaly

ANOMALY = SyntheticAnomaly(preset="paper", textures="procedural", p_anomaly=1.0)


def unit(rgb_image: np.ndarray) -> np.ndarray:
    return rgb_image.astype(np.float32) / 255.0


def imagenet(chw: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return (chw - mean) / std


UNIT_RANGE = "float images must hold finite values in [0, 1]"

BAD_IMAGES: dict[str, tuple[Callable[[np.ndarray], Any], str]] = {
    "float numpy in [0, 255]": (lambda im: im.astype(np.float32), UNIT_RANGE),
    "float numpy with NaN": (
        lambda im: np.where(im > 250, np.nan, unit(im)).astype(np.float32),
        UNIT_RANGE,
    ),
    "float numpy with inf": (
        lambda im: np.where(im > 250, np.inf, unit(im)).astype(np.float32),
        UNIT_RANGE,
    ),
    "torch normalised to [-1, 1]": (
        lambda im: torch.from_numpy(unit(im)).permute(2, 0, 1) * 2 - 1,
        UNIT_RANGE,
    ),
    "torch ImageNet-normalised": (
        lambda im: imagenet(torch.from_numpy(unit(im)).permute(2, 0, 1)),
        UNIT_RANGE,
    ),
    "torch batch in [0, 255]": (
        lambda im: torch.from_numpy(im).permute(2, 0, 1)[None].float(),
        UNIT_RANGE,
    ),
    "PIL F image in [0, 255]": (
        lambda im: Image.fromarray(im[:, :, 0].astype(np.float32), mode="F"),
        UNIT_RANGE,
    ),
    "PIL mode I (32-bit integers)": (
        lambda im: Image.fromarray(im[:, :, 0].astype(np.int32)),
        "PIL mode 'I' (32-bit integers) has no fixed value range",
    ),
}
"""Bad images for the API: description -> (maker from a uint8 RGB image, ``ValueError`` text).
Also the source of the API table in docs/generate.md (see test_generate_bad_input.py)."""


@pytest.mark.parametrize(("make", "message"), BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_images_are_refused_with_a_clear_value_error(rgb_image, make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ANOMALY(make(rgb_image), seed=0)


def test_float_image_at_unit_scale_matches_the_uint8_sample(rgb_image):
    as_uint8 = ANOMALY(rgb_image, seed=5)
    as_float = ANOMALY(unit(rgb_image), seed=5)
    assert as_float.label == as_uint8.label == 1
    inside = as_uint8.mask > 0.5
    np.testing.assert_allclose(
        as_float.image[inside].mean() * 255, as_uint8.image[inside].mean(), atol=1.0
    )


def test_float64_comes_back_float64(rgb_image):
    result = ANOMALY(unit(rgb_image).astype(np.float64), seed=0)
    assert result.image.dtype == np.float64 and result.normal.dtype == np.float64
    tensor = torch.from_numpy(unit(rgb_image)).permute(2, 0, 1).double()
    assert ANOMALY(tensor, seed=0).image.dtype == torch.float64


def test_pil_16_bit_image_keeps_its_scale_and_mode(rgb_image):
    grey = rgb_image[:, :, 0].astype(np.uint16) * 257  # 0..65535, mid-grey around 32000
    result = ANOMALY(Image.fromarray(grey), seed=0)
    assert result.image.mode == result.normal.mode == "I;16"
    np.testing.assert_array_equal(np.asarray(result.normal), grey)
    image = np.asarray(result.image)
    as_uint8 = ANOMALY(rgb_image[:, :, :1].copy(), seed=0).image[:, :, 0]
    np.testing.assert_allclose(image / 257.0, as_uint8, atol=1.5)


@pytest.mark.parametrize("shape", ["HW", "HWC RGB"])
def test_numpy_16_bit_image_keeps_its_scale_and_dtype(rgb_image, shape):
    """16-bit arrays (industrial cameras, TIFF and 16-bit PNG read with cv2/tifffile) work as
    PIL ``I;16`` does: on their 0..65535 scale, returned as uint16."""
    deep = rgb_image.astype(np.uint16) * 257
    deep = deep[:, :, 0] if shape == "HW" else deep
    result = ANOMALY(deep, seed=0)
    assert result.image.dtype == result.normal.dtype == np.uint16
    assert result.image.shape == deep.shape and result.label == 1
    np.testing.assert_array_equal(result.normal, deep)
    as_uint8 = ANOMALY(rgb_image[:, :, 0] if shape == "HW" else rgb_image, seed=0).image
    np.testing.assert_allclose(result.image / 257.0, as_uint8, atol=1.5)


def test_torch_16_bit_image_keeps_its_dtype(rgb_image):
    deep = torch.from_numpy(rgb_image.astype(np.int32) * 257).to(torch.uint16).permute(2, 0, 1)
    result = ANOMALY(deep, seed=0)
    assert result.image.dtype == torch.uint16 and result.label == 1
    assert torch.equal(result.normal.int(), deep.int())


def test_pil_float_image_keeps_its_mode(rgb_image):
    grey = unit(rgb_image)[:, :, 0]
    result = ANOMALY(Image.fromarray(grey, mode="F"), seed=0)
    assert result.image.mode == "F"
    np.testing.assert_array_equal(np.asarray(result.normal), grey)
