"""A contact sheet of the first samples a run would make, to check settings at a glance.

Each cell shows sample ``i`` (``i`` = 0, 1, ... in reading order) as three panels: the normal
image, the defective image, and the defective image with the mask outline drawn in bright green
(around every pixel the mask marks, a soft mask's too). A strip above each cell gives the index,
the label and the marked area (and a soft mask's largest value).
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from synthdefect.files.codec import image_note, write_image
from synthdefect.functional.masks import marked_pixels
from synthdefect.generate.config import GenerateConfig, GenerateError
from synthdefect.generate.inputs import check_apart
from synthdefect.generate.lock import as_generate_error
from synthdefect.generate.samples import make_anomaly, make_sample, open_images
from synthdefect.limits import MAX_CELL, MAX_SHEET_SAMPLES, MIN_CELL
from synthdefect.outputs import check_writable, claim_file, os_error
from synthdefect.pixels import match_channels

__all__ = [
    "OUTLINE_RGB",
    "PREVIEW_NOTE",
    "PREVIEW_SUFFIXES",
    "contact_sheet",
    "is_preview_file",
    "parse_grid",
    "write_preview",
]

PREVIEW_SUFFIXES = (".png", ".jpg", ".jpeg")
"""File name endings ``write_preview`` accepts (the format follows the ending)."""

PREVIEW_NOTE = "synthdefect preview"
"""The note (PNG ``Software`` text, JPEG comment) that marks a sheet as ``preview``'s own."""

OUTLINE_RGB = (40, 255, 40)
"""Colour of the mask outline (RGB)."""

_BACKGROUND = 24
_TEXT_RGB = (235, 235, 235)
_STRIP_PX = 16
_GAP_PX = 4
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_PANELS = ("normal", "defective", "outline")


def parse_grid(text: str) -> tuple[int, int]:
    """``"4x2"`` -> ``(4, 2)``: samples per row (columns) x rows, both >= 1."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if match is None or int(match[1]) < 1 or int(match[2]) < 1:
        raise GenerateError(f"malformed grid {text!r}: expected COLSxROWS such as 4x4")
    return int(match[1]), int(match[2])


def contact_sheet(
    config: GenerateConfig, grid: tuple[int, int] = (4, 4), cell: int = 160
) -> np.ndarray:
    """The sheet as HWC ``uint8`` RGB: ``grid`` = (columns, rows) of samples, each panel
    ``cell`` pixels high, its width following the first image's aspect ratio. Uses ``config``'s
    images, textures, preset, ``p_anomaly`` and seed; ``n``, ``out`` and ``shard`` are ignored."""
    if not MIN_CELL <= cell <= MAX_CELL:
        raise GenerateError(f"--cell must be {MIN_CELL} to {MAX_CELL} pixels, got {cell}")
    columns, rows = grid
    if columns * rows > MAX_SHEET_SAMPLES:
        raise GenerateError(
            f"--grid {columns}x{rows}: a sheet shows at most {MAX_SHEET_SAMPLES} samples "
            "(e.g. 16x16); use generate for more"
        )
    images = open_images(config)
    anomaly = make_anomaly(config, images)
    first = images[0]
    panel = (round(cell * first.shape[1] / first.shape[0]), cell)  # (width, height) for cv2
    cells = []
    for index in range(columns * rows):
        image, path = images.load(index)
        result = make_sample(config, anomaly, image, index, path)
        cells.append(_cell(result.normal, result.image, result.mask, index, panel))
    grid_rows = [_join(cells[r * columns : (r + 1) * columns], axis=1) for r in range(rows)]
    return _join([_header(columns, panel[0]), *grid_rows], axis=0)


def _cell(
    normal: np.ndarray, image: np.ndarray, mask: np.ndarray, index: int, panel: tuple[int, int]
) -> np.ndarray:
    """One sample: caption strip over [normal | defective | defective + outline], in RGB."""
    normal_small = cv2.resize(match_channels(normal, 3), panel, interpolation=cv2.INTER_AREA)
    image_small = cv2.resize(match_channels(image, 3), panel, interpolation=cv2.INTER_AREA)
    binary = marked_pixels(mask).astype(np.uint8)
    contours, _ = cv2.findContours(
        cv2.resize(binary, panel, interpolation=cv2.INTER_NEAREST),
        cv2.RETR_LIST,
        cv2.CHAIN_APPROX_NONE,
    )
    outlined = cv2.drawContours(image_small.copy(), contours, -1, OUTLINE_RGB, 1)
    body = _join([normal_small, image_small, outlined], axis=1, gap=_GAP_PX)
    area = float(binary.mean())
    caption = f"#{index} defect {area:.1%}" if area > 0 else f"#{index} normal"
    if area > 0 and mask.max() < 1.0:  # a soft target: its largest value
        caption += f", target {mask.max():.2f}"
    return _join([_text_strip(body.shape[1], [(0, caption)]), body], axis=0, gap=0)


def _header(columns: int, panel_width: int) -> np.ndarray:
    """Panel names above every column of cells."""
    cell_width = 3 * panel_width + 2 * _GAP_PX
    labels = [
        (c * (cell_width + 2 * _GAP_PX) + p * (panel_width + _GAP_PX), name)
        for c in range(columns)
        for p, name in enumerate(_PANELS)
    ]
    return _text_strip(columns * cell_width + (columns - 1) * 2 * _GAP_PX, labels)


def _text_strip(width: int, labels: list[tuple[int, str]]) -> np.ndarray:
    """A ``_STRIP_PX``-high background strip with each text drawn from its x offset."""
    strip = np.full((_STRIP_PX, width, 3), _BACKGROUND, dtype=np.uint8)
    for x, text in labels:
        cv2.putText(strip, text, (x + 2, _STRIP_PX - 4), _FONT, 0.4, _TEXT_RGB, 1, cv2.LINE_AA)
    return strip


def _join(parts: list[np.ndarray], axis: int, gap: int = 2 * _GAP_PX) -> np.ndarray:
    """Concatenate HWC images along ``axis`` (0 rows, 1 columns) with background gaps."""
    spacer_shape = list(parts[0].shape)
    spacer_shape[axis] = gap
    spacer = np.full(spacer_shape, _BACKGROUND, dtype=np.uint8)
    pieces = [piece for part in parts for piece in (spacer, part)][1:]
    return np.concatenate(pieces, axis=axis)


def is_preview_file(path: Path) -> bool:
    """Whether ``path`` is a sheet :func:`write_preview` wrote (it carries :data:`PREVIEW_NOTE`)."""
    return image_note(path) == PREVIEW_NOTE


def write_preview(
    config: GenerateConfig,
    path: str | Path,
    grid: tuple[int, int] = (4, 4),
    cell: int = 160,
    overwrite: bool = False,
) -> Path:
    """Render :func:`contact_sheet` and write it to ``path`` (PNG or JPEG by suffix).

    An existing ``path`` is replaced when it is an earlier sheet (:func:`is_preview_file`),
    another file only with ``overwrite``.
    """
    path = Path(path)
    if path.is_dir() or path.suffix.lower() not in PREVIEW_SUFFIXES:
        raise GenerateError(f"preview --out must be a .png or .jpg file name, got {path}")
    check_apart(config, path)
    with as_generate_error():
        claim_file(path, "--out", is_preview_file, overwrite)
        check_writable(path.parent)
    sheet = contact_sheet(config, grid, cell)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_image(path, sheet, note=PREVIEW_NOTE)
    except OSError as err:
        raise GenerateError(str(os_error(err, path))) from err
    return path
