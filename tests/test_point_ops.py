"""Runs of point ops as one lookup (functional.point_ops): byte-identical to the kernels one by
one, alone, chained, and inside TextureAugment."""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect.functional import texture_ops as F
from synthdefect.functional.point_ops import (
    POINT_OPS,
    PointChain,
    compose_tables,
    histograms_through,
)
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.records import RecordError
from synthdefect.transforms.texture_ops import TEXTURE_OPS, TextureAugment

NAMES = {op.kernel: name for name, op in TEXTURE_OPS.items()}


def _images(rng: np.random.Generator, channels: int) -> list[np.ndarray]:
    """Noise, few levels, one level, two levels, a gradient: the histogram edge cases."""
    shape = (23, 31, channels)
    return [
        rng.integers(0, 256, shape, dtype=np.uint8),
        rng.choice(np.array([0, 17, 200, 255], np.uint8), shape),
        np.full(shape, 77, np.uint8),
        rng.choice(np.array([3, 4], np.uint8), shape),
        np.broadcast_to(np.arange(31, dtype=np.uint8)[None, :, None] * 8, shape).copy(),
    ]


def _params(kernel, rng: np.random.Generator, channels: int) -> dict:
    op = TEXTURE_OPS[NAMES[kernel]]
    return op.sampler(rng, op.ranges, channels)


def _one_by_one(image: np.ndarray, ops: list) -> np.ndarray:
    for kernel, params in ops:
        image = kernel(image, **params)
    return image


def test_every_point_op_has_a_registered_kernel() -> None:
    assert set(POINT_OPS) <= set(NAMES)
    assert {NAMES[k] for k in POINT_OPS} == {
        "posterize", "solarize", "invert", "brightness", "gamma", "scale_channels",
        "equalize", "autocontrast",
    }  # fmt: skip


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("kernel", list(POINT_OPS), ids=lambda k: NAMES[k])
def test_one_op_as_a_table_is_the_kernel(kernel, channels: int) -> None:
    rng = np.random.default_rng(channels)
    for image in _images(rng, channels):
        for _ in range(20):
            params = _params(kernel, rng, channels)
            chain = PointChain(image)
            chain.then(kernel, **params)
            expected = kernel(image, **params)
            assert chain.image().dtype == np.uint8
            np.testing.assert_array_equal(chain.image(), expected, err_msg=str(params))


@pytest.mark.parametrize("channels", [1, 3])
def test_a_run_of_ops_is_the_kernels_one_after_another(channels: int) -> None:
    rng = np.random.default_rng(10 + channels)
    kernels = list(POINT_OPS)
    runs = 0
    for image in _images(rng, channels):
        for _ in range(60):
            picks = rng.choice(len(kernels), size=int(rng.integers(2, 6)))
            ops = [(kernels[i], _params(kernels[i], rng, channels)) for i in picks]
            chain = PointChain(image)
            for kernel, params in ops:
                chain.then(kernel, **params)
            np.testing.assert_array_equal(chain.image(), _one_by_one(image, ops))
            runs += 1
    assert runs == 300


def test_histograms_follow_the_tables() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    tables = rng.integers(0, 256, (3, 256), dtype=np.uint8)
    np.testing.assert_array_equal(
        histograms_through(F.histograms(image), tables),
        F.histograms(F.apply_tables(image, tables)),
    )


def test_an_empty_chain_is_the_image_and_never_writes_it() -> None:
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    before = image.copy()
    assert PointChain(image).image() is image
    chain = PointChain(image)
    chain.then(F.invert)
    chain.then(F.equalize)
    assert chain.image() is not image
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("ops", ["draem-code", "paper", tuple(TEXTURE_OPS)])
@pytest.mark.parametrize("channels", [1, 3])
def test_texture_augment_equals_its_kernels_one_by_one(ops, channels: int) -> None:
    augment = TextureAugment(ops, k=3 if isinstance(ops, str) else 5)
    textures = _images(np.random.default_rng(channels), channels)
    for i in range(300):
        texture = textures[i % len(textures)]
        sample = Sample.from_image(np.zeros_like(texture)).evolve(texture=texture)
        made, record = augment.forward(sample, sample_rng(7, i))
        steps = [
            (TEXTURE_OPS[op["op"]].kernel, {k: v for k, v in op.items() if k != "op"})
            for op in record["params"]["ops"]
        ]
        np.testing.assert_array_equal(made.texture, _one_by_one(texture, steps), str(steps))


def test_a_bad_point_op_is_named_even_when_later_ops_follow() -> None:
    augment = TextureAugment(("gamma", "posterize", "invert"), k=3)
    texture = np.full((8, 8, 3), 100, np.uint8)
    sample = Sample.from_image(np.zeros_like(texture)).evolve(texture=texture)
    record = augment.make_params(sample_rng(0, 0), sample)
    record["params"]["ops"] = [{"op": "gamma", "gamma": [1.0] * 3}, {"op": "posterize", "bits": 9},
                               {"op": "invert"}]  # fmt: skip
    with pytest.raises(RecordError, match=r"posterize.*bits must be an integer in 1\.\.8"):
        augment.apply(sample, record)


def test_tables_of_the_wrong_shape_are_refused() -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    for tables in (np.zeros((2, 256), np.uint8), np.zeros((3, 255), np.uint8), np.zeros(10)):
        with pytest.raises(ValueError, match="tables must be"):
            F.apply_tables(image, tables)
    with pytest.raises(ValueError, match="tables must be"):
        histograms_through(F.histograms(image), np.zeros((2, 256), np.uint8))
    with pytest.raises(ValueError, match="do not compose"):
        compose_tables(np.zeros((2, 256), np.uint8), np.zeros((3, 256), np.uint8))
    one, three = np.arange(256, dtype=np.uint8), np.zeros((3, 256), np.uint8)
    assert compose_tables(one, three).shape == compose_tables(three, one).shape == (3, 256)
