"""What an image given to the API gets (``synthdefect.convert.from_user``,
``synthdefect.image_checks``): values outside an image type's range, shapes of another layout,
empty images and other dtypes are refused in one line at every entry point (a call, ``replay``,
``Transform.batch``, ``to_v2``), never blended at the wrong scale nor passed to a kernel;
grey, 16-bit, half-precision, non-contiguous and gradient-tracking inputs work, each exactly as
its plain counterpart does.

:data:`REFUSED` and :data:`ACCEPTED` are the single source of the table "Images given to a
transform" in docs/building-recipes.md: ``test_docs_table_is_current`` fails when it differs
from them, ``python tests/test_convert.py`` rewrites it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from bad_input_cases import rewrite_tables, stale_tables
from PIL import Image

import synthdefect as sd
from synthdefect import SyntheticAnomaly

DOC = Path(__file__).resolve().parents[1] / "docs" / "building-recipes.md"
ANOMALY = SyntheticAnomaly(preset="paper", textures="procedural", p_anomaly=1.0)


def unit(rgb_image: np.ndarray) -> np.ndarray:
    return rgb_image.astype(np.float32) / 255.0


def imagenet(chw: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return (chw - mean) / std


def chw(hwc: np.ndarray) -> torch.Tensor:
    """A torch ``(C, H, W)`` copy of a numpy HWC image."""
    return torch.from_numpy(np.ascontiguousarray(hwc)).permute(2, 0, 1).contiguous()


def doubled(rgb_image: np.ndarray) -> np.ndarray:
    """Every pixel of ``rgb_image`` repeated 2x2 (its ``[::2, ::2]`` view is the image)."""
    return np.repeat(np.repeat(rgb_image, 2, axis=0), 2, axis=1)


@dataclass(frozen=True)
class Refused:
    """An image the API refuses: ``make`` builds it from a uint8 RGB image; every entry point
    raises ``error`` with a one-line message containing ``message``."""

    make: Callable[[np.ndarray], Any]
    error: type[Exception]
    message: str


UNIT_RANGE = "float images must hold finite values in [0, 1]"
NO_PIXELS = "holds no pixels"
CHANNEL_LAST = "numpy images are channel-last"
CHANNEL_FIRST = "torch images are channel-first"
FOUR_CHANNELS = "4 channels (RGBA or CMYK)"
DTYPES = "pixels must be uint8, uint16 or float in [0, 1]"


def _nested(tensor: torch.Tensor) -> torch.Tensor:
    """A one-image nested tensor (strided layout: torch warns that it is a prototype)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.nested.nested_tensor([tensor])


REFUSED: dict[str, Refused] = {
    "float numpy in [0, 255]": Refused(lambda im: im.astype(np.float32), ValueError, UNIT_RANGE),
    "float64 numpy in [0, 2] (overshoot)": Refused(
        lambda im: unit(im).astype(np.float64) * 2, ValueError, UNIT_RANGE
    ),
    "float64 numpy overshooting 1 by 1e-7": Refused(
        lambda im: np.minimum(unit(im).astype(np.float64) + 1e-7, 1 + 1e-7),
        ValueError,
        "got values in [1e-07, 1.0000001]",
    ),
    "float numpy with NaN": Refused(
        lambda im: np.where(im > 250, np.nan, unit(im)).astype(np.float32), ValueError, UNIT_RANGE
    ),
    "float numpy with inf": Refused(
        lambda im: np.where(im > 250, np.inf, unit(im)).astype(np.float32), ValueError, UNIT_RANGE
    ),
    "torch normalised to [-1, 1]": Refused(
        lambda im: chw(unit(im)) * 2 - 1, ValueError, UNIT_RANGE
    ),
    "torch ImageNet-normalised": Refused(
        lambda im: imagenet(chw(unit(im))), ValueError, UNIT_RANGE
    ),
    "torch batch in [0, 255]": Refused(lambda im: chw(im)[None].float(), ValueError, UNIT_RANGE),
    "torch float with NaN": Refused(
        lambda im: chw(np.where(im > 250, np.nan, unit(im)).astype(np.float32)),
        ValueError,
        UNIT_RANGE,
    ),
    "PIL F image in [0, 255]": Refused(
        lambda im: Image.fromarray(im[:, :, 0].astype(np.float32), mode="F"),
        ValueError,
        UNIT_RANGE,
    ),
    "PIL mode I (32-bit integers)": Refused(
        lambda im: Image.fromarray(im[:, :, 0].astype(np.int32)),
        ValueError,
        "PIL mode 'I' (32-bit integers) has no fixed value range",
    ),
    "numpy (0, W, 3): no rows": Refused(lambda im: im[:0], ValueError, NO_PIXELS),
    "numpy (H, 0): no columns": Refused(lambda im: im[:, :0, 0], ValueError, NO_PIXELS),
    "torch (3, 0, W): no rows": Refused(lambda im: chw(im)[:, :0], ValueError, NO_PIXELS),
    "torch batch of 0 images (0, 3, H, W)": Refused(
        lambda im: chw(im)[None][:0], ValueError, NO_PIXELS
    ),
    "PIL RGBA (an alpha channel)": Refused(
        lambda im: Image.fromarray(im).convert("RGBA"), ValueError, "PIL mode 'RGBA'"
    ),
    "PIL P (a palette)": Refused(
        lambda im: Image.fromarray(im).convert("P"), ValueError, "PIL mode 'P'"
    ),
    "PIL CMYK": Refused(
        lambda im: Image.fromarray(im).convert("CMYK"), ValueError, "PIL mode 'CMYK'"
    ),
    "PIL image 0 pixels wide": Refused(
        lambda im: Image.new("RGB", (0, im.shape[0])), ValueError, NO_PIXELS
    ),
    "numpy (3, H, W): channel-first (CHW)": Refused(
        lambda im: np.ascontiguousarray(im.transpose(2, 0, 1)), ValueError, CHANNEL_LAST
    ),
    "numpy (1, H, W): grey channel-first": Refused(
        lambda im: im[None, :, :, 0].copy(), ValueError, CHANNEL_LAST
    ),
    "numpy (H, W, 4): RGBA": Refused(
        lambda im: np.concatenate([im, im[:, :, :1]], axis=2), ValueError, FOUR_CHANNELS
    ),
    "numpy (H, W, 2)": Refused(lambda im: im[:, :, :2].copy(), ValueError, "2 channels"),
    "numpy (1, H, W, 3): a batch": Refused(lambda im: im[None], ValueError, "4 dimensions"),
    "torch (H, W, 3): channel-last (HWC)": Refused(
        lambda im: torch.from_numpy(im.copy()), ValueError, CHANNEL_FIRST
    ),
    "torch (4, H, W): RGBA": Refused(
        lambda im: chw(np.concatenate([im, im[:, :, :1]], axis=2)), ValueError, FOUR_CHANNELS
    ),
    "torch sparse (COO)": Refused(
        lambda im: chw(im).float().div(255).to_sparse(), ValueError, "a sparse_coo tensor"
    ),
    "torch nested": Refused(
        lambda im: _nested(chw(im).float().div(255)),
        ValueError,
        "a nested tensor",
    ),
    "torch on the meta device": Refused(
        lambda im: chw(im).to("meta"), ValueError, "on the meta device"
    ),
    "torch (H, W): no channel axis": Refused(
        lambda im: torch.from_numpy(im[:, :, 0].copy()), ValueError, "no channel axis"
    ),
    "numpy bool": Refused(lambda im: im > 127, TypeError, f"{DTYPES}, got bool"),
    "numpy int32": Refused(lambda im: im.astype(np.int32), TypeError, f"{DTYPES}, got int32"),
    "torch bool": Refused(lambda im: chw(im > 127), TypeError, f"{DTYPES}, got bool"),
    "torch int64": Refused(lambda im: chw(im).long(), TypeError, f"{DTYPES}, got int64"),
}
"""Refused images: description -> :class:`Refused`."""


@dataclass(frozen=True)
class Accepted:
    """An image the API takes: ``make`` builds it from a uint8 RGB image and every entry point
    gives exactly what it gives for ``plain(image)`` (cast to the input's dtype and shape);
    ``what`` says so in the docs."""

    make: Callable[[np.ndarray], Any]
    plain: Callable[[Any], Any]
    what: str


def _contiguous(x: Any) -> Any:
    return x.contiguous() if isinstance(x, torch.Tensor) else np.ascontiguousarray(x)


SAME_AS_COPY = "the output of its contiguous copy; the input is not written to"

ACCEPTED: dict[str, Accepted] = {
    "numpy (H, W) uint8": Accepted(
        lambda im: im[:, :, 0].copy(),
        lambda x: x[:, :, None],
        "grey: the output of the (H, W, 1) image, returned as (H, W)",
    ),
    "numpy float16 in [0, 1]": Accepted(
        lambda im: unit(im).astype(np.float16),
        lambda x: x.astype(np.float32),
        "worked on as float32 (exact: every float16 is a float32), returned as float16",
    ),
    "numpy uint16, big-endian (`>u2`, from some TIFF readers)": Accepted(
        lambda im: (im.astype(np.uint16) * 257).astype(">u2"),
        lambda x: x.astype(np.uint16),
        "the output of its native-order copy, returned as native uint16",
    ),
    "numpy slice with strides (`a[::2, ::2]`)": Accepted(
        lambda im: doubled(im)[::2, ::2], _contiguous, SAME_AS_COPY
    ),
    "numpy transposed view (`a.transpose(1, 0, 2)` of a transposed copy)": Accepted(
        lambda im: np.ascontiguousarray(im.transpose(1, 0, 2)).transpose(1, 0, 2),
        _contiguous,
        SAME_AS_COPY,
    ),
    "numpy reversed view (`a[::-1, ::-1]`)": Accepted(
        lambda im: np.ascontiguousarray(im[::-1, ::-1])[::-1, ::-1], _contiguous, SAME_AS_COPY
    ),
    "numpy read-only array": Accepted(
        lambda im: np.frombuffer(im.tobytes(), np.uint8).reshape(im.shape),
        np.array,
        "the output of its writable copy",
    ),
    "torch float32 with `requires_grad`": Accepted(
        lambda im: chw(unit(im)).requires_grad_(True),
        lambda x: x.detach(),
        "the output of `image.detach()` (no gradient flows through a synthetic defect)",
    ),
    "torch float16 in [0, 1]": Accepted(
        lambda im: chw(unit(im)).half(),
        lambda x: x.float(),
        "worked on as float32, returned in the input's dtype",
    ),
    "torch slice with strides (`t[:, ::2, ::2]`)": Accepted(
        lambda im: chw(doubled(im))[:, ::2, ::2], _contiguous, SAME_AS_COPY
    ),
    "torch permuted view of an HWC array (`from_numpy(a).permute(2, 0, 1)`)": Accepted(
        lambda im: torch.from_numpy(im.copy()).permute(2, 0, 1), _contiguous, SAME_AS_COPY
    ),
}
"""Accepted images: description -> :class:`Accepted`."""

# --- the entry points ---------------------------------------------------------------------------


def _numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().float().numpy() if x.dtype == torch.bfloat16 else x.detach().numpy()
    return np.asarray(x)


def _call(x: Any) -> tuple[Any, ...]:
    result = ANOMALY(x, seed=0, index=1)
    return result.image, result.mask, result.params


def _replay(x: Any) -> tuple[Any, ...]:
    record = ANOMALY(np.zeros((64, 80, 3), np.uint8), seed=0, index=1).params  # rgb_image's size
    result = sd.replay(x, record)
    return result.image, result.mask, result.params


def _batch(x: Any) -> tuple[Any, ...]:
    batch = x if x.is_nested or x.ndim == 4 else x[None]  # a nested tensor has no ndim
    result = ANOMALY.batch(batch, seed=0, indices=[1] * batch.size(0))
    return result.image, result.mask, result.params


def _to_v2(x: Any) -> tuple[Any, ...]:
    from synthdefect.torchvision_interop import to_v2

    torch.manual_seed(0)
    image, mask = to_v2(ANOMALY)(x)
    return image, mask


ENTRIES: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "call": _call,
    "replay": _replay,
    "batch": _batch,
    "to_v2": _to_v2,
}


def _takes(entry: str, x: Any) -> bool:
    """Whether ``entry`` takes an input of ``x``'s kind (batch: 3-D and 4-D tensors; to_v2:
    tensors and PIL images, as torchvision's v2 transforms do)."""
    if entry == "batch":
        return isinstance(x, torch.Tensor) and x.ndim in (3, 4)
    if entry == "to_v2":
        return not isinstance(x, np.ndarray)
    return True


def _pairs(cases: dict[str, Any], rgb: np.ndarray) -> list[Any]:
    return [
        pytest.param(what, entry, id=f"{entry}: {what}")
        for what, case in cases.items()
        for entry in ENTRIES
        if _takes(entry, case.make(rgb))
    ]


_PROBE = np.zeros((6, 5, 3), np.uint8)


@pytest.mark.parametrize(("what", "entry"), _pairs(REFUSED, _PROBE))
def test_bad_images_are_refused_in_one_line_at_every_entry_point(request, rgb_image, what, entry):
    case = REFUSED[what]
    if entry == "to_v2":
        request.getfixturevalue("tv")
    with pytest.raises(case.error, match=re.escape(case.message)) as error:
        ENTRIES[entry](case.make(rgb_image))
    assert len(str(error.value).splitlines()) == 1


@pytest.mark.parametrize(("what", "entry"), _pairs(ACCEPTED, _PROBE))
def test_accepted_images_give_what_their_plain_form_gives(request, rgb_image, what, entry):
    case = ACCEPTED[what]
    if entry == "to_v2":
        request.getfixturevalue("tv")
    given = case.make(rgb_image)
    before = _numpy(given).copy()
    got, want = ENTRIES[entry](given), ENTRIES[entry](case.plain(given))
    assert np.array_equal(_numpy(given), before)  # the input is never written to
    for ours, theirs in zip(got, want, strict=True):
        if isinstance(ours, list | dict):
            assert ours == theirs
            continue
        ours, theirs = _numpy(ours), _numpy(theirs)
        np.testing.assert_array_equal(ours, theirs.astype(ours.dtype).reshape(ours.shape))
    assert _numpy(got[0]).dtype == _numpy(given).dtype.newbyteorder("=")


@pytest.mark.parametrize("preset", sorted(sd.PRESETS))
def test_images_of_a_few_pixels_work_with_every_preset_or_get_one_line(preset):
    """1x1 to 5x4 images: every preset makes its samples, except that memseg's 8x8 cell
    shuffle, drawn for some samples, refuses an image with a side under 8 pixels in one line."""
    recipe = sd.make_recipe(preset, p_anomaly=1.0)
    rng = np.random.default_rng(1)
    for size in [(1, 1), (1, 7), (7, 1), (3, 3), (5, 4)]:
        image = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        for index in range(6):
            try:
                result = recipe(image, seed=0, index=index)
            except ValueError as error:
                assert preset == "memseg", error
                assert str(error) == f"a 8x8 grid does not fit a {size[0]}x{size[1]} image"
            else:
                assert result.image.shape == image.shape and result.mask.shape == size


def test_a_to_v2_numpy_input_is_refused_naming_what_it_takes(tv, rgb_image):
    from synthdefect.torchvision_interop import to_v2

    with pytest.raises(TypeError, match=r"to_v2 takes a torch tensor .*, got ndarray"):
        to_v2(ANOMALY)(rgb_image)


def render_table() -> str:
    """The markdown table of :data:`REFUSED` and :data:`ACCEPTED`."""
    rows = ["| image given to a transform | what it gets |", "| --- | --- |"]
    rows += [f"| {what} | `{c.error.__name__}: ...{c.message}...` |" for what, c in REFUSED.items()]
    rows += [f"| {what} | {case.what} |" for what, case in ACCEPTED.items()]
    return "\n".join(rows)


def test_docs_table_is_current():
    assert not stale_tables(DOC, {"api-input": render_table()}), "run: python tests/test_convert.py"


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


if __name__ == "__main__":
    rewrite_tables(DOC, {"api-input": render_table()})
