"""Generated sets that may serve as test sets: MVTec readers (anomalib's ``MVTecAD``, our
evaluator) read them, and their normal images are never rotated or otherwise altered."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_generate import make_image_folder, manifest, small
from test_generate_cli import QUICK, assert_input_problem, run

from synthdefect.files.normal_images import NormalImages
from synthdefect.generate import GenerateError, generate
from synthdefect.transforms import find_step


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


def test_help_says_mvtec_is_png_only_and_rotation_is_opt_in():
    text = " ".join(run("generate", "--help").output.split())
    assert "MVTec AD folders (PNG only)" in text
    assert "--rotate-normal" in text and "never in test sets" in text


@pytest.mark.parametrize("layout", ["mvtec", "flat"])
def test_normal_images_are_never_rotated_by_default(tmp_path, layout):
    """draem-code rotates 30 % of normal images; a generated set must not (issue 11: rotated
    good images scored 0.994 in Padim, unrotated 0.462)."""
    folder = make_image_folder(tmp_path / "normal", 3, shape=(40, 96))  # non-square
    config = small(
        tmp_path / "out", n=40, images=str(folder), size=None, layout=layout, preset="draem-code"
    )
    generate(config, workers=1)
    sources = NormalImages(str(folder), size=None)
    for record in manifest(config.out):
        assert find_step(record["params"], "rotate")["params"] == {"applied": False}
        image = cv2.imread(str(config.out / record["files"]["image"]))[:, :, ::-1]
        outside = np.ones(image.shape[:2], bool)
        if record["label"]:
            outside = cv2.imread(str(config.out / record["files"]["mask"]), 0) == 0
        source = sources[record["index"] % len(sources)]
        assert np.array_equal(image[outside], source[outside])


def test_rotate_normal_needs_the_rotated_target_written(tmp_path):
    with pytest.raises(GenerateError, match="--rotate-normal needs --with-normal"):
        small(tmp_path / "a", rotate_normal=True)
    result = run(
        "generate", "--n", "2", "--out", str(tmp_path / "b"), "--layout", "mvtec",
        "--rotate-normal", *QUICK,
    )  # fmt: skip
    assert_input_problem(result, "--rotate-normal needs --with-normal")


def test_rotate_normal_writes_rotated_targets_without_blank_corners(tmp_path):
    folder = make_image_folder(tmp_path / "normal", 2, shape=(40, 96))
    config = small(
        tmp_path / "out", n=30, images=str(folder), size=None, with_normal=True,
        rotate_normal=True, p_anomaly=0.0,
    )  # fmt: skip
    generate(config, workers=1)
    rotated, most_filled = 0, 0.0
    for record in manifest(config.out):
        rotate = find_step(record["params"], "rotate")
        normal = cv2.imread(str(config.out / record["files"]["normal"]))
        image = cv2.imread(str(config.out / record["files"]["image"]))
        assert np.array_equal(normal, image)  # p_anomaly=0: the image is its clean target
        if rotate["params"]["applied"]:
            rotated += 1
            most_filled = max(most_filled, rotate["transform"]["params"]["filled"])
            assert rotate["transform"]["settings"]["border"] == "reflect"
            assert (normal == 0).all(axis=2).mean() < 0.01  # nothing blanked
    assert 0 < rotated < 30 and most_filled > 0.2
