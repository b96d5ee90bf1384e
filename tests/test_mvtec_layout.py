"""``--layout mvtec`` writes what MVTec readers (anomalib's ``MVTecAD``, our evaluator) accept."""

from __future__ import annotations

import pytest
from test_generate import small
from test_generate_cli import QUICK, assert_input_problem, run

from synthdefect.generate import GenerateError


def test_mvtec_layout_refuses_jpg(tmp_path):
    """anomalib's MVTecAD globs only .png: a jpg set would load as empty."""
    with pytest.raises(GenerateError, match="--layout mvtec writes PNG"):
        small(tmp_path / "out", layout="mvtec", image_format="jpg")
    result = run(
        "generate", "--n", "2", "--out", str(tmp_path / "cli"), "--layout", "mvtec",
        "--format", "jpg", *QUICK,
    )  # fmt: skip
    assert_input_problem(result, "--layout mvtec writes PNG", "--format jpg")
    assert not (tmp_path / "cli").exists()


def test_help_says_mvtec_is_png_only():
    assert "MVTec AD folders (PNG only)" in " ".join(run("generate", "--help").output.split())
