"""Anomaly sources made from images rather than texture files.

An anomaly source is an ``(H, W, C)`` ``uint8`` image aligned with the image it will be blended
into (the "texture" of :mod:`synthdefect.functional.blend`); only its pixels under the mask matter.

* :func:`transplant`: a region of an image moved, turned and scaled to another place: a patch of
  the same image (CutPaste, with colour jitter applied to the source first) or of another normal
  image (NSA).
* :func:`grid_shuffle`: the image cut into a grid of cells that are put back in another order
  (MemSeg's "structure" anomaly, applied to an augmented copy of the image itself).
* :func:`solid_color`: one colour everywhere (DRAEM's uniform-colour ablation).
* :func:`gaussian_noise`: seeded Gaussian noise added to an image (Fractal's noisy defects).

Coordinates follow :mod:`synthdefect.functional.shapes`: pixels centres at integer ``(y, x)``,
angles in degrees counter-clockwise on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

__all__ = ["gaussian_noise", "grid_shuffle", "solid_color", "transplant"]


def _check_image(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(
            f"image must be (H, W, C) uint8 with C in {{1, 3}}, got {image.shape} {image.dtype}"
        )


def transplant(
    source: np.ndarray,
    height: int,
    width: int,
    source_center: tuple[float, float],
    target_center: tuple[float, float],
    angle: float = 0.0,
    scale: float = 1.0,
    flip: tuple[bool, bool] = (False, False),
) -> np.ndarray:
    """``source`` moved so that its point ``source_center`` lands on ``target_center``, turned
    by ``angle`` degrees and scaled by ``scale`` (> 0) about that point; ``flip`` = (top-bottom,
    left-right) mirrors it about that point first.

    Returns ``(height, width, C)`` uint8 (the size of the image the patch goes into, which may
    differ from the source's). Bilinear interpolation; places that map outside the source take
    its mirrored border (no black fill). Centres are ``(y, x)`` in pixels. With ``angle = 0``,
    ``scale = 1`` and an integer displacement the pixels are copied exactly. Pair it with a
    mask of the same placement, e.g. :func:`~synthdefect.functional.shapes.rectangle_mask`
    centred at ``target_center`` with the patch's sides times ``scale`` and the same ``angle``.
    """
    _check_image(source)
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    if height < 1 or width < 1:
        raise ValueError(f"target size must be at least 1x1, got {height}x{width}")
    (src_y, src_x), (dst_y, dst_x) = source_center, target_center
    matrix = cv2.getRotationMatrix2D((float(src_x), float(src_y)), float(angle), float(scale))
    if any(flip):
        mirror = np.array([-1.0 if flip[1] else 1.0, -1.0 if flip[0] else 1.0])
        matrix[:, 2] += matrix[:, :2] @ ((1.0 - mirror) * (src_x, src_y))
        matrix[:, :2] *= mirror  # columns: x then y
    matrix[0, 2] += dst_x - src_x
    matrix[1, 2] += dst_y - src_y
    out = cv2.warpAffine(
        source, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    return out.reshape(height, width, source.shape[2])


def grid_shuffle(image: np.ndarray, rows: int, cols: int, order: Sequence[int]) -> np.ndarray:
    """Cut ``image`` into ``rows x cols`` equal cells and put them back in ``order``.

    Cell ``k`` (row-major) of the result is cell ``order[k]`` of the input; ``order`` is a
    permutation of ``range(rows * cols)``. Cells are ``H // rows`` x ``W // cols`` pixels; the
    few bottom rows and right columns left over when the size is not a multiple stay in place.
    ``image`` is HWC of any dtype; returns a new array.
    """
    h, w = image.shape[:2]
    if rows < 1 or cols < 1 or h < rows or w < cols:
        raise ValueError(f"a {rows}x{cols} grid does not fit a {h}x{w} image")
    order = np.asarray(order, dtype=np.int64)
    if order.shape != (rows * cols,) or not np.array_equal(np.sort(order), np.arange(rows * cols)):
        raise ValueError(f"order must be a permutation of range({rows * cols})")
    cell_h, cell_w = h // rows, w // cols
    core_h, core_w = rows * cell_h, cols * cell_w
    channels = image.shape[2:]
    cells = image[:core_h, :core_w].reshape(rows, cell_h, cols, cell_w, *channels)
    cells = cells.swapaxes(1, 2).reshape(rows * cols, cell_h, cell_w, *channels)[order]
    out = image.copy()
    out[:core_h, :core_w] = (
        cells.reshape(rows, cols, cell_h, cell_w, *channels)
        .swapaxes(1, 2)
        .reshape(core_h, core_w, *channels)
    )
    return out


def solid_color(height: int, width: int, color: Sequence[int]) -> np.ndarray:
    """An ``(height, width, len(color))`` uint8 image of one ``color`` (1 or 3 values, 0..255)."""
    if len(color) not in (1, 3) or not all(
        int(v) == v and 0 <= v <= 255 and not isinstance(v, bool) for v in color
    ):
        raise ValueError(f"color must be 1 or 3 integers in 0..255, got {tuple(color)}")
    if height < 1 or width < 1:
        raise ValueError(f"size must be at least 1x1, got {height}x{width}")
    out = np.empty((height, width, len(color)), dtype=np.uint8)
    out[...] = np.asarray(color, dtype=np.uint8)
    return out


def gaussian_noise(image: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """``image`` (HWC uint8) plus Gaussian noise of standard deviation ``sigma`` (>= 0) grey
    levels on every value (float32 draws of ``np.random.default_rng(seed)``), rounded and
    clipped to 0..255."""
    _check_image(image)
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    noise = np.random.default_rng(seed).standard_normal(image.shape, dtype=np.float32)
    noisy = np.floor(image + np.float32(sigma) * noise + np.float32(0.5))
    return np.clip(noisy, 0, 255).astype(np.uint8)
