"""``synthdefect preview``: the contact sheet's geometry, panels and mask outline."""

from __future__ import annotations

import numpy as np
import pytest
from test_generate import make_image_folder

from synthdefect.files.normal_images import NormalImages
from synthdefect.generate import GenerateConfig, GenerateError, contact_sheet, write_preview
from synthdefect.generate.preview import OUTLINE_RGB, parse_grid


def outline_pixels(panel: np.ndarray) -> int:
    return int(np.all(panel == OUTLINE_RGB, axis=-1).sum())


def test_sheet_geometry_panels_and_outline(tmp_path):
    folder = make_image_folder(tmp_path / "normal", 2, shape=(40, 40))
    config = GenerateConfig(n=1, images=str(folder), size=(40, 40), preset="paper", p_anomaly=1.0)
    cell, gap, strip = 40, 4, 16
    sheet = contact_sheet(config, grid=(2, 3), cell=cell)
    cell_width = 3 * cell + 2 * gap
    assert sheet.dtype == np.uint8 and sheet.shape[2] == 3
    assert sheet.shape[1] == 2 * cell_width + 2 * gap
    assert sheet.shape[0] == strip + 3 * (2 * gap + strip + cell)
    # first cell: the normal panel is the source image (paper: no rotation), the third panel
    # has the outline colour
    top = strip + 2 * gap + strip
    normal = sheet[top : top + cell, :cell]
    outlined = sheet[top : top + cell, 2 * (cell + gap) : 2 * (cell + gap) + cell]
    np.testing.assert_array_equal(normal, NormalImages(str(folder), size=(40, 40))[0])
    assert outline_pixels(outlined) > 0
    assert outline_pixels(normal) == 0


def test_no_outline_without_anomalies(tmp_path):
    config = GenerateConfig(n=1, size=(32, 32), p_anomaly=0.0)
    assert outline_pixels(contact_sheet(config, grid=(2, 2), cell=32)) == 0


def test_write_preview_png(tmp_path):
    path = write_preview(GenerateConfig(n=1, size=(32, 32)), tmp_path / "a" / "p.png", (2, 1), 24)
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(("text", "grid"), [("4x4", (4, 4)), ("3X1", (3, 1)), (" 2x5 ", (2, 5))])
def test_parse_grid(text, grid):
    assert parse_grid(text) == grid


def test_small_cells_rejected():
    with pytest.raises(GenerateError, match="--cell"):
        contact_sheet(GenerateConfig(n=1), cell=8)


@pytest.mark.data
def test_bottle_dtd_preview(tmp_path, bottle_train_dir, dtd_dir):
    config = GenerateConfig(n=1, images=str(bottle_train_dir), textures=str(dtd_dir), p_anomaly=1)
    sheet = contact_sheet(config, grid=(2, 1), cell=64)
    assert outline_pixels(sheet) > 0
