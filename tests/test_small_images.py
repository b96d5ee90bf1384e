"""Every preset on images under 8 pixels a side: it makes every sample, or none.

A recipe that cannot serve an image that small must refuse every sample alike (one message
naming its minimum size), never fail some indices and not others; each built-in preset makes
every one of 20 samples, with a defect (``p_anomaly=1``), from 1x1 pixels up.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from test_generate import make_image_folder

from synthdefect import PRESETS, make_recipe
from synthdefect.cli import main

SHAPES = [(side, side) for side in range(1, 9)] + [(1, 40), (40, 1), (7, 100), (100, 7)]
SAMPLES = 20


def outcome(recipe, image: np.ndarray, index: int) -> str:
    """``"ok"`` where the sample is made (its image and mask of the image's shape), else the
    error's type and message."""
    try:
        result = recipe(image, seed=0, index=index)
    except (ValueError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    assert result.image.shape == image.shape and result.mask.shape == image.shape[:2]
    return "ok"


@pytest.mark.parametrize("shape", SHAPES, ids=[f"{h}x{w}" for h, w in SHAPES])
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_makes_every_sample_of_a_tiny_image_or_none(preset, shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    recipe = make_recipe(preset, p_anomaly=1.0)
    outcomes = {outcome(recipe, image, index) for index in range(SAMPLES)}
    assert len(outcomes) == 1, outcomes  # never a failure that depends on the sample index
    (only,) = outcomes
    assert only == "ok" or "at least" in only, only


def test_memseg_generates_from_6x6_files(tmp_path):
    """The command line reaches images under 8 pixels with ``--keep-size``."""
    images = make_image_folder(tmp_path / "tiny", 3, shape=(6, 6))
    args = ["generate", "--preset", "memseg", "--n", str(SAMPLES), "--keep-size", "--quiet"]
    result = CliRunner().invoke(
        main, [*args, "--images", str(images), "--out", str(tmp_path / "out"), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / "images").iterdir())) == SAMPLES
