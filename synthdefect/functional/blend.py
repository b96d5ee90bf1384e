"""Blending an anomaly source (the "texture") into an image under a mask.

* :func:`beta_blend` (DRAEM section 1, step 5):
  ``I_a = (1 - M) * I + (1 - beta) * M * I + beta * M * A``, i.e. ``I + beta * M * (A - I)``, with
  ``I`` the image, ``A`` the texture, ``M`` the mask and ``beta`` the texture's opacity in [0, 1].
  ``beta = 1`` with a hard mask is a plain paste (CutPaste).
* :func:`poisson_blend`: seamless (gradient-domain) cloning, Perez et al., SIGGRAPH 2003, via
  OpenCV's ``seamlessClone``, with the texture's gradients (``normal``) or the stronger of the
  texture's and the image's at each pixel (``mixed``), as NSA uses for objects and textures.
"""

from __future__ import annotations

import cv2
import numba
import numpy as np

from synthdefect.functional.masks import anomalous_pixels

__all__ = ["beta_blend", "poisson_blend"]

_MARGIN = 2  # pixels of padding so that masks touching the border survive seamlessClone
_MIN_SIDE = 3  # narrower regions make seamlessClone fail; they are pasted instead


@numba.njit(cache=True, nogil=True)
def _blend_into(out, texture, mask, beta, scale, rounding):
    """``out += beta * mask * (texture * scale - out)`` where the mask is non-zero, in place.

    With ``rounding`` (``uint8`` images) results are rounded half up and clipped to [0, 255].
    """
    h, w, c = out.shape
    for y in range(h):
        for x in range(w):
            m = mask[y, x] * beta
            if m != 0.0:
                for ch in range(c):
                    v = np.float32(out[y, x, ch])
                    r = v + m * (np.float32(texture[y, x, ch]) * scale - v)
                    if rounding:
                        r = min(max(r + np.float32(0.5), np.float32(0.0)), np.float32(255.0))
                    out[y, x, ch] = r


def _check_texture_and_mask(image: np.ndarray, texture: np.ndarray, mask: np.ndarray) -> None:
    """The texture is uint8 of the image's shape; the mask is ``(H, W)``."""
    if texture.shape != image.shape or texture.dtype != np.uint8:
        raise ValueError(
            f"texture must be uint8 with the image's shape {image.shape}, "
            f"got {texture.dtype} {texture.shape}"
        )
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be {image.shape[:2]}, got {mask.shape}")


def beta_blend(image: np.ndarray, texture: np.ndarray, mask: np.ndarray, beta: float) -> np.ndarray:
    """Blend ``texture`` into ``image`` where ``mask`` is set, with opacity ``beta``.

    ``image`` is HWC ``uint8`` [0, 255] or ``float32`` [0, 1] and the result has the same dtype
    (``uint8`` results are rounded to nearest); ``texture`` is HWC ``uint8`` of the same shape;
    ``mask`` is ``(H, W)`` float in [0, 1] (hard 0/1 or soft); ``beta`` is in [0, 1].
    """
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    _check_texture_and_mask(image, texture, mask)
    mask = np.ascontiguousarray(mask, dtype=np.float32)
    if image.dtype not in (np.uint8, np.float32):
        raise TypeError(f"image must be uint8 or float32, got {image.dtype}")
    out = image.copy()
    rounding = image.dtype == np.uint8
    scale = np.float32(1.0 if rounding else 1.0 / 255.0)
    _blend_into(out, texture, mask, np.float32(beta), scale, rounding)
    return out


def poisson_blend(
    image: np.ndarray, texture: np.ndarray, mask: np.ndarray, mixed: bool = False
) -> np.ndarray:
    """Seamlessly clone ``texture`` into ``image`` where ``mask`` is set (Poisson blending).

    ``image`` and ``texture`` are HWC ``uint8`` of the same shape with 1 or 3 channels; ``mask``
    is ``(H, W)`` (inside where :func:`~synthdefect.functional.masks.anomalous_pixels` says so:
    float >= 0.5). Inside the mask the result keeps the
    texture's gradients (``mixed=False``) or, per pixel, whichever of the texture's and the
    image's gradients is stronger (``mixed=True``), with colours fitted to the image at the mask
    boundary; outside the mask it is exactly ``image``, so the mask stays the true label. Masks
    may touch the image border. Each connected region of the mask is cloned on its own (as NSA
    clones patch by patch; the work grows with the regions' bounding boxes); regions less than 3
    pixels across, which OpenCV cannot solve, are pasted as they are. OpenCV erodes the mask
    internally, so the band of about three pixels along a region's edge, and thin regions,
    change little. Returns a new ``uint8`` array.
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(
            f"image must be (H, W, C) uint8 with C in {{1, 3}}, got {image.shape} {image.dtype}"
        )
    _check_texture_and_mask(image, texture, mask)
    inside = anomalous_pixels(mask)
    out = image.copy()
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return out
    top, left = int(rows[0]), int(cols[0])
    box = inside[top : rows[-1] + 1, left : cols[-1] + 1].astype(np.uint8)
    count, box_labels, stats, _ = cv2.connectedComponentsWithStats(box)
    labels = np.zeros(inside.shape, box_labels.dtype)  # region numbers over the whole image
    labels[top : top + box.shape[0], left : left + box.shape[1]] = box_labels
    flag = cv2.MIXED_CLONE if mixed else cv2.NORMAL_CLONE
    height, width = inside.shape
    for k in range(1, count):  # one region at a time: solving over each one's box is faster
        x, y, w, h = (int(v) for v in stats[k, :4])
        y0, x0 = top + y, left + x  # the region's box in the image
        rows_ = slice(max(y0 - _MARGIN, 0), min(y0 + h + _MARGIN, height))
        cols_ = slice(max(x0 - _MARGIN, 0), min(x0 + w + _MARGIN, width))
        crop = labels[rows_, cols_] == k  # the region, within its box and margin
        if min(w, h) < _MIN_SIDE:  # OpenCV's solver fails on these: paste them
            out[rows_, cols_][crop] = texture[rows_, cols_][crop]
            continue
        # pad the crop so that the box has _MARGIN pixels around it (mirrored at image edges)
        pads = (
            _MARGIN - (y0 - rows_.start),
            _MARGIN - (rows_.stop - y0 - h),
            _MARGIN - (x0 - cols_.start),
            _MARGIN - (cols_.stop - x0 - w),
        )
        dst = cv2.copyMakeBorder(out[rows_, cols_], *pads, cv2.BORDER_REFLECT_101)
        src = cv2.copyMakeBorder(texture[rows_, cols_], *pads, cv2.BORDER_REFLECT_101)
        binary = np.pad(crop.astype(np.uint8) * 255, (pads[:2], pads[2:]))
        center = (_MARGIN + w // 2, _MARGIN + h // 2)  # seamlessClone centres the box on it
        cloned = _clone(src, dst, binary, center, flag)
        inner = cloned[
            pads[0] : pads[0] + rows_.stop - rows_.start,
            pads[2] : pads[2] + cols_.stop - cols_.start,
        ]
        out[rows_, cols_][crop] = inner.reshape(*crop.shape, -1)[crop][:, : image.shape[2]]
    return out


def _clone(
    src: np.ndarray, dst: np.ndarray, binary: np.ndarray, center: tuple[int, int], flag: int
) -> np.ndarray:
    """``cv2.seamlessClone`` on 1- or 3-channel images (OpenCV clones 3 channels only)."""
    if dst.ndim == 3 and dst.shape[2] == 3:
        return cv2.seamlessClone(src, dst, binary, center, flag)
    grey = cv2.seamlessClone(cv2.merge([src] * 3), cv2.merge([dst] * 3), binary, center, flag)
    return grey[:, :, :1]
