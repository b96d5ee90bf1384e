"""Shared fixtures. Tests that need ``../shared/data`` skip where it is absent."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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


_DECLARED: list[object] = []


@pytest.fixture(scope="session")
def tv() -> ModuleType:
    """torchvision (the ``torchvision`` extra), skipping where it is not installed.

    torchvision's PyPI wheel is a CUDA build; with the CPU torch used here its import fails at
    ``torch.library.register_fake("torchvision::nms")`` because the C++ operators are missing.
    This declares the schemas of those two operators (nothing else) so that the pure-Python v2
    transforms can be exercised on CPU.
    """
    import torch

    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed (pip install synthdefect[torchvision])")
    try:
        import torchvision
    except RuntimeError as err:
        if "torchvision::nms" not in str(err):
            raise
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        lib = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _DECLARED.append(lib)
        torchvision = importlib.import_module("torchvision")
    return torchvision
