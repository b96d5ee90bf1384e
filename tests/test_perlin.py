"""Perlin noise kernels against the pure-numpy oracle, plus properties of the noise itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from perlin_oracle import oracle_fractal, oracle_noise

from synthdefect.functional.perlin import (
    fractal_perlin_noise,
    octave_seed,
    perlin_gradients,
    perlin_noise,
)

SHAPES_AND_RES = [
    (256, 256, 1, 1),
    (256, 256, 32, 32),
    (256, 256, 4, 16),
    (64, 64, 8, 2),
    (37, 53, 4, 8),  # odd, non-square, not a multiple of res
    (100, 30, 3, 7),
    (31, 31, 32, 32),  # more cells than pixels
    (1, 17, 1, 5),
    (17, 1, 2, 1),
    (200, 120, 16, 5),
]


@pytest.mark.parametrize(("height", "width", "res_y", "res_x"), SHAPES_AND_RES)
def test_noise_matches_oracle(height: int, width: int, res_y: int, res_x: int) -> None:
    grads = perlin_gradients(7, res_y, res_x)
    noise = perlin_noise(height, width, res_y, res_x, grads)
    assert noise.dtype == np.float32
    assert noise.shape == (height, width)
    np.testing.assert_allclose(noise, oracle_noise(height, width, res_y, res_x, grads), atol=2e-6)


def test_noise_matches_oracle_for_every_draem_resolution() -> None:
    for k_y in range(6):
        for k_x in range(6):
            ry, rx = 2**k_y, 2**k_x
            grads = perlin_gradients(k_y * 6 + k_x, ry, rx)
            expected = oracle_noise(96, 128, ry, rx, grads)
            np.testing.assert_allclose(perlin_noise(96, 128, ry, rx, grads), expected, atol=2e-6)


def test_gradients_are_unit_vectors_from_seed() -> None:
    grads = perlin_gradients(3, 4, 6)
    assert grads.shape == (5, 7, 2)
    assert grads.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(grads, axis=-1), 1.0, atol=1e-6)
    angles = 2 * np.pi * np.random.default_rng(3).random((5, 7))
    np.testing.assert_allclose(grads[..., 0], np.cos(angles), atol=1e-7)
    np.testing.assert_allclose(grads[..., 1], np.sin(angles), atol=1e-7)
    assert np.array_equal(grads, perlin_gradients(3, 4, 6))
    assert not np.array_equal(grads, perlin_gradients(4, 4, 6))


def test_noise_is_bounded_and_not_degenerate() -> None:
    values = np.concatenate(
        [
            perlin_noise(64, 64, r, r, perlin_gradients(s, r, r)).ravel()
            for s in range(40)
            for r in (1, 2, 8)
        ]
    )
    assert np.abs(values).max() <= 1.0 + 1e-5  # sqrt(2) * sqrt(1/2): the 2-D Perlin bound
    assert np.abs(values).max() > 0.6
    assert abs(values.mean()) < 0.05


def test_noise_is_zero_at_lattice_points() -> None:
    grads = perlin_gradients(11, 4, 8)
    noise = perlin_noise(64, 96, 4, 8, grads)  # lattice every 16 rows and 12 columns
    np.testing.assert_allclose(noise[::16, ::12], 0.0, atol=1e-7)
    assert np.abs(noise[8::16, 6::12]).min() > 0


def test_half_size_is_every_second_pixel_of_double_size() -> None:
    """Pixel i of height H and pixel 2i of height 2H share a lattice coordinate."""
    grads = perlin_gradients(5, 3, 5)
    small = perlin_noise(21, 33, 3, 5, grads)
    large = perlin_noise(42, 66, 3, 5, grads)
    np.testing.assert_allclose(small, large[::2, ::2], atol=1e-6)


def test_noise_is_continuous() -> None:
    noise = perlin_noise(128, 128, 8, 8, perlin_gradients(2, 8, 8)).astype(np.float64)
    # the gradient of the (unit-scale) noise is bounded, so neighbours differ by O(res / size)
    assert np.abs(np.diff(noise, axis=0)).max() < 0.25
    assert np.abs(np.diff(noise, axis=1)).max() < 0.25


@pytest.mark.parametrize(
    ("octaves", "persistence", "lacunarity"), [(1, 0.5, 2), (3, 0.5, 2), (4, 0.7, 1.5)]
)
def test_fractal_matches_oracle(octaves: int, persistence: float, lacunarity: float) -> None:
    noise = fractal_perlin_noise(45, 70, 2, 3, 99, octaves, persistence, lacunarity)
    expected = oracle_fractal(45, 70, 2, 3, 99, octaves, persistence, lacunarity)
    assert noise.dtype == np.float32
    np.testing.assert_allclose(noise, expected, atol=5e-6)
    assert np.abs(noise).max() <= sum(persistence**o for o in range(octaves)) + 1e-5


def test_single_octave_is_plain_noise_and_octaves_add_detail() -> None:
    one = fractal_perlin_noise(64, 64, 2, 2, 8)
    np.testing.assert_array_equal(one, perlin_noise(64, 64, 2, 2, perlin_gradients(8, 2, 2)))
    three = fractal_perlin_noise(64, 64, 2, 2, 8, octaves=3)
    roughness = [np.abs(np.diff(n, axis=1)).mean() for n in (one, three)]
    assert roughness[1] > 1.5 * roughness[0]


def test_octave_seeds_are_deterministic_and_distinct() -> None:
    assert octave_seed(42, 0) == 42
    seeds = [octave_seed(42, o) for o in range(1, 6)]
    assert seeds == [octave_seed(42, o) for o in range(1, 6)]
    assert len({42, *seeds}) == 6
    assert octave_seed(42, 1) != octave_seed(43, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 8, 1, 1), "height"),
        ((8, -1, 1, 1), "width"),
        ((8, 8, 0, 1), "res_y"),
        ((8, 8, 1, 2.5), "res_x"),
    ],
)
def test_noise_rejects_bad_sizes(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        perlin_noise(*args, np.zeros((2, 2, 2), np.float32))


def test_noise_rejects_wrong_gradient_shape() -> None:
    with pytest.raises(ValueError, match="gradients must have shape"):
        perlin_noise(8, 8, 2, 2, perlin_gradients(0, 2, 3))


def test_fractal_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="octaves"):
        fractal_perlin_noise(8, 8, 1, 1, 0, octaves=0)
    with pytest.raises(ValueError, match="persistence"):
        fractal_perlin_noise(8, 8, 1, 1, 0, persistence=0)
    with pytest.raises(ValueError, match="lacunarity"):
        fractal_perlin_noise(8, 8, 1, 1, 0, lacunarity=0.5)
    with pytest.raises(ValueError, match="res_y"):
        perlin_gradients(0, 0, 1)


def test_noise_scale_matches_draem_sqrt2_factor() -> None:
    """A one-cell lattice with known gradients gives the analytic value at the cell centre."""
    grads = np.zeros((2, 2, 2), np.float32)
    grads[..., 0] = 1.0  # every gradient points along +y
    noise = perlin_noise(2, 2, 1, 1, grads)
    # at (y, x) = (0.5, 0.5): top corners give 0.5, bottom corners -0.5, fade(0.5) = 0.5
    assert noise[1, 1] == pytest.approx(0.0, abs=1e-7)
    noise = perlin_noise(4, 4, 1, 1, grads)
    y, u = 0.25, 6 * 0.25**5 - 15 * 0.25**4 + 10 * 0.25**3
    assert noise[1, 0] == pytest.approx(math.sqrt(2) * (y * (1 - u) + (y - 1) * u), abs=1e-6)


def _kernel_arithmetic(
    out: np.ndarray, res_y: int, res_x: int, gradients: np.ndarray, amplitude: float
) -> np.ndarray:
    """The operations of the numba kernel, in its order and types, written in numpy (each one
    is correctly rounded either way, so the bytes must agree): float64, except the differences
    of two float32 gradient components, which are float32."""
    g32 = np.asarray(gradients, np.float32)
    g = g32.astype(np.float64)
    height, width = out.shape
    j = np.arange(width)
    cx = j * res_x // width
    fx = (j * res_x - j * res_x // width * width) / width
    fade_x = fx * fx * fx * (fx * (fx * 6.0 - 15.0) + 10.0)
    scale = amplitude * math.sqrt(2.0)
    out = out.copy()
    for i in range(height):
        cy = i * res_y // height
        fy = (i * res_y - cy * height) / height
        uy = fy * fy * fy * (fy * (fy * 6.0 - 15.0) + 10.0)
        g00, g10, g01, g11 = g[cy, cx], g[cy + 1, cx], g[cy, cx + 1], g[cy + 1, cx + 1]
        a = fy * g00[:, 0] + uy * ((fy - 1.0) * g10[:, 0] - fy * g00[:, 0])
        b = g00[:, 1] + uy * (g32[cy + 1, cx, 1] - g32[cy, cx, 1]).astype(np.float64)
        c = fy * g01[:, 0] + uy * ((fy - 1.0) * g11[:, 0] - fy * g01[:, 0])
        d = g01[:, 1] + uy * (g32[cy + 1, cx + 1, 1] - g32[cy, cx + 1, 1]).astype(np.float64)
        left = a + fx * b
        right = c + (fx - 1.0) * d
        out[i] = out[i].astype(np.float64) + scale * (left + fade_x * (right - left))
    return out


@pytest.mark.parametrize(("height", "width", "res_y", "res_x"), SHAPES_AND_RES)
def test_noise_is_the_kernel_arithmetic_byte_for_byte(
    height: int, width: int, res_y: int, res_x: int
) -> None:
    """Vectorised or not, the kernel rounds every operation as written (no reassociation)."""
    for seed in range(3):
        gradients = perlin_gradients(seed, res_y, res_x)
        noise = perlin_noise(height, width, res_y, res_x, gradients)
        zeros = np.zeros((height, width), np.float32)
        assert noise.tobytes() == _kernel_arithmetic(zeros, res_y, res_x, gradients, 1.0).tobytes()
    fractal = fractal_perlin_noise(height, width, res_y, res_x, 5, 2, 0.6, 2.0)
    expected = _kernel_arithmetic(zeros, res_y, res_x, perlin_gradients(5, res_y, res_x), 1.0)
    rx, ry = 2 * res_x, 2 * res_y
    expected = _kernel_arithmetic(
        expected, ry, rx, perlin_gradients(octave_seed(5, 1), ry, rx), 0.6
    )
    assert fractal.tobytes() == expected.tobytes()
