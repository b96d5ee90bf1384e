"""Shared fixtures. Tests that need ``../shared/data`` skip where it is absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _need(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"needs {path} (../shared/data)")
    return path


@pytest.fixture(scope="session")
def bottle_dir() -> Path:
    """MVTec AD bottle category root (train/good, test/*, ground_truth/*)."""
    return _need(DATA_ROOT / "mvtec_ad" / "bottle")


@pytest.fixture(scope="session")
def bottle_train_dir(bottle_dir: Path) -> Path:
    return bottle_dir / "train" / "good"


@pytest.fixture(scope="session")
def dtd_dir() -> Path:
    """1,200 DTD textures in 10 class folders."""
    return _need(DATA_ROOT / "dtd_subset" / "images")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def rgb_image(rng: np.random.Generator) -> np.ndarray:
    """A 64x80 HWC uint8 RGB test image with structure (gradient plus noise)."""
    yy, xx = np.mgrid[0:64, 0:80]
    base = np.stack([yy * 3, xx * 3, (yy + xx) * 2], axis=-1).astype(np.int32)
    noise = rng.integers(-20, 20, size=base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def category(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MVTec AD category of 80x80 PNGs (``test_reference_pipeline._write_category``:
    train/good 8, test/good 3, test/spot 3 with masks), one per test module."""
    from test_reference_pipeline import _write_category  # imports the CLI and torch: lazily

    return _write_category(tmp_path_factory.mktemp("mvtec") / "widget")
