"""Render the built-in default normal images (``synthdefect/data/normal/*.png``).

The images are drawn procedurally here (no third-party pictures, so they carry this project's
license): eight 256x256 RGB ``uint8`` defect-free surfaces and parts of the kind industrial
inspection deals with. Randomness comes from :func:`synthdefect.seeding.sample_rng`, so running
the script again reproduces the committed files byte for byte::

    python -m synthdefect.data.make_default_images
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from synthdefect.files.codec import write_image
from synthdefect.seeding import sample_rng

SIZE = 256
"""Side of every image in pixels."""

_SEED = 2021

Painter = Callable[[np.random.Generator], np.ndarray]


def _smooth_noise(rng: np.random.Generator, sigma_yx: tuple[float, float]) -> np.ndarray:
    """``(SIZE, SIZE)`` float32 noise blurred by Gaussian ``sigma_yx`` pixels, scaled to [-1, 1]."""
    noise = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    blurred = cv2.GaussianBlur(noise, (0, 0), sigmaX=sigma_yx[1], sigmaY=sigma_yx[0])
    return blurred / max(float(np.abs(blurred).max()), 1e-6)


def _tint(grey: np.ndarray, rgb: tuple[float, float, float]) -> np.ndarray:
    """Multiply a ``(H, W)`` float image in [0, 1] by an RGB colour (0-255) -> HWC uint8."""
    colour = np.asarray(rgb, dtype=np.float32)
    return np.clip(grey[:, :, None] * colour, 0, 255).astype(np.uint8)


def brushed_metal(rng: np.random.Generator) -> np.ndarray:
    """Grey steel with fine horizontal brushing streaks and a soft light falloff."""
    streaks = _smooth_noise(rng, (0.6, 40.0))
    falloff = np.linspace(0.85, 1.0, SIZE, dtype=np.float32)[None, :]
    return _tint(0.68 * falloff + 0.08 * streaks, (235, 238, 242))


def woven_fabric(rng: np.random.Generator) -> np.ndarray:
    """Plain-weave cloth: alternating warp and weft threads, 8 px pitch."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    warp = 0.5 + 0.5 * np.cos(np.pi * xx / 4.0)
    weft = 0.5 + 0.5 * np.cos(np.pi * yy / 4.0)
    over = ((xx // 8 + yy // 8) % 2).astype(np.float32)
    weave = over * warp + (1 - over) * weft
    fibre = 0.05 * _smooth_noise(rng, (1.0, 1.0))
    return _tint(0.55 + 0.35 * weave + fibre, (70, 110, 170))


def wood_grain(rng: np.random.Generator) -> np.ndarray:
    """Planed wood: growth rings bent by low-frequency noise, warm brown."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    bend = 25.0 * _smooth_noise(rng, (30.0, 30.0))
    rings = 0.5 + 0.5 * np.sin((yy * 0.35 + bend + 0.02 * xx) * 0.6)
    return _tint(0.6 + 0.25 * rings**3, (200, 140, 85))


def round_part(rng: np.random.Generator) -> np.ndarray:
    """A turned metal washer on a dark matte background, seen from above."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    radius = np.hypot(yy - SIZE / 2, xx - SIZE / 2)
    angle = np.arctan2(yy - SIZE / 2, xx - SIZE / 2)
    background = 0.18 + 0.02 * _smooth_noise(rng, (4.0, 4.0))
    metal = 0.62 + 0.18 * np.cos(angle - 0.8) + 0.04 * np.sin(radius * 1.3)
    ring = (radius < 100) & (radius > 38)
    grey = np.where(ring, metal, background)
    grey = np.where((radius >= 100) & (radius < 104), 0.35, grey)
    return cv2.GaussianBlur(_tint(grey, (230, 228, 220)), (3, 3), 0)


def ceramic_tile(rng: np.random.Generator) -> np.ndarray:
    """Glazed square tiles (64 px) separated by 4 px grout lines."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    grout = ((yy % 64) < 4) | ((xx % 64) < 4)
    glaze = 0.8 + 0.04 * _smooth_noise(rng, (6.0, 6.0)) - 0.0004 * ((yy % 64) + (xx % 64))
    tile = _tint(glaze, (225, 215, 195))
    tile[grout] = (120, 118, 112)
    return tile


def pcb(rng: np.random.Generator) -> np.ndarray:
    """Green circuit board with copper traces, pads and drilled vias."""
    board = _tint(0.75 + 0.04 * _smooth_noise(rng, (3.0, 3.0)), (40, 120, 60))
    copper = (200, 160, 70)
    for _ in range(18):
        y, x = (int(v) for v in rng.integers(16, SIZE - 16, size=2))
        if rng.random() < 0.5:
            x2 = int(rng.integers(16, SIZE - 16))
            cv2.line(board, (x, y), (x2, y), copper, 3)
            cv2.circle(board, (x2, y), 6, copper, -1)
        else:
            y2 = int(rng.integers(16, SIZE - 16))
            cv2.line(board, (x, y), (x, y2), copper, 3)
            cv2.rectangle(board, (x - 5, y2 - 5), (x + 5, y2 + 5), copper, -1)
        cv2.circle(board, (x, y), 6, copper, -1)
        cv2.circle(board, (x, y), 2, (20, 30, 20), -1)
    return board


def leather(rng: np.random.Generator) -> np.ndarray:
    """Grained leather: a cell pattern of shallow pores over a dark tan."""
    pores = _smooth_noise(rng, (2.0, 2.0))
    folds = _smooth_noise(rng, (20.0, 20.0))
    grey = 0.6 + 0.12 * np.abs(pores) ** 0.5 + 0.06 * folds
    return _tint(grey, (150, 95, 60))


def metal_mesh(rng: np.random.Generator) -> np.ndarray:
    """Expanded-metal grid: diagonal struts over a shadowed backing."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    a = np.abs(((xx + yy) % 32) - 16)
    b = np.abs(((xx - yy) % 32) - 16)
    strut = np.clip(1.0 - np.minimum(a, b) / 3.0, 0.0, 1.0)
    backing = 0.22 + 0.03 * _smooth_noise(rng, (5.0, 5.0))
    return _tint(backing + 0.55 * strut, (210, 215, 220))


PAINTERS: dict[str, Painter] = {
    "brushed_metal": brushed_metal,
    "ceramic_tile": ceramic_tile,
    "leather": leather,
    "metal_mesh": metal_mesh,
    "pcb": pcb,
    "round_part": round_part,
    "wood_grain": wood_grain,
    "woven_fabric": woven_fabric,
}
"""File stem -> painter; each painter returns a ``(SIZE, SIZE, 3)`` uint8 RGB image."""


def render_all(out_dir: Path) -> list[Path]:
    """Render every painter to ``out_dir/<name>.png`` and return the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index, (name, paint) in enumerate(PAINTERS.items()):
        path = out_dir / f"{name}.png"
        write_image(path, paint(sample_rng(_SEED, index)))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in render_all(Path(__file__).resolve().parent / "normal"):
        print(f"{written_path} ({written_path.stat().st_size // 1024} KB)")
