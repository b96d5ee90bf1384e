"""Image files (synthdefect.files) and normal-image sets (synthdefect.files.NormalImages)."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_generate import make_image_folder, small

from synthdefect.files.atomic import write_atomic
from synthdefect.files.codec import ImageReadError, read_image
from synthdefect.files.normal_images import NormalImages
from synthdefect.files.paths import (
    NoImagesError,
    NoReadableImagesError,
    find_images,
    resolve_image_paths,
)
from synthdefect.files.readable import UnreadableImageWarning
from synthdefect.generate import GenerateError, generate
from synthdefect.pixels import to_uint8
from synthdefect.textures import FolderSource, as_texture_source


@pytest.fixture
def folder(tmp_path, rgb_image):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "rgb.png"), cv2.cvtColor(rgb_image, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(sub / "grey.PNG"), rgb_image[:, :, 0])
    cv2.imwrite(str(sub / "deep.png"), rgb_image[:, :, 0].astype(np.uint16) * 257)
    bgra = cv2.cvtColor(rgb_image, cv2.COLOR_RGB2BGRA)
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_read_image_converts_to_rgb_uint8(folder, rgb_image):
    assert np.array_equal(read_image(folder / "rgb.png"), rgb_image)
    assert np.array_equal(read_image(folder / "alpha.png"), rgb_image)
    grey = read_image(folder / "a" / "b" / "grey.PNG", channels=None)
    assert grey.shape == (64, 80, 1) and np.array_equal(grey[:, :, 0], rgb_image[:, :, 0])
    assert read_image(folder / "a" / "b" / "grey.PNG").shape == (64, 80, 3)
    deep = read_image(folder / "a" / "b" / "deep.png", channels=1)
    assert deep.dtype == np.uint8 and np.array_equal(deep[:, :, 0], rgb_image[:, :, 0])


def test_read_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(ImageReadError):
        read_image(tmp_path / "bad.png")


def test_to_uint8():
    assert to_uint8(np.array([0.0, 0.5, 1.0, 2.0])).tolist() == [0, 128, 255, 255]
    assert to_uint8(np.array([0, 65535], np.uint16)).tolist() == [0, 255]


def test_find_and_resolve(folder):
    names = [p.name for p in find_images(folder)]
    assert names == ["deep.png", "grey.PNG", "alpha.png", "rgb.png"]
    assert [p.name for p in find_images(folder, recursive=False)] == ["alpha.png", "rgb.png"]
    assert len(resolve_image_paths(str(folder / "**" / "*.png"))) == 3  # glob is case-sensitive
    assert resolve_image_paths(folder / "rgb.png") == [folder / "rgb.png"]
    for bad in (folder / "nope", str(folder / "*.jpg"), [], [folder / "nope.png"]):
        with pytest.raises(NoImagesError):
            resolve_image_paths(bad)
    (folder / "empty").mkdir()
    with pytest.raises(NoImagesError, match="no image files"):
        resolve_image_paths(folder / "empty")


def test_write_atomic_gives_normal_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    target = tmp_path / "x.bin"
    write_atomic(target, b"abc")
    assert target.read_bytes() == b"abc"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_normal_images_resize_cache_and_index_wrap(folder):
    images = NormalImages(folder, size=(20, 30))
    assert len(images) == 4
    first = images[0]
    assert first.shape == (20, 30, 3) and not first.flags.writeable
    assert images[0] is first and images[4] is first  # cached; index wraps around
    assert NormalImages(folder, size=None)[0].shape == (64, 80, 3)
    with pytest.raises(ValueError):
        NormalImages(folder, size=(0, 5))


def test_unreadable_files_are_skipped_deterministically(folder):
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    images = NormalImages(folder, size=(16, 16))
    broken = images.paths.index(folder / "broken.png")
    with pytest.warns(UnreadableImageWarning, match="broken.png"):
        served_by = images.path(broken)
    assert served_by == images.paths[broken + 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert images.path(broken) == served_by  # warned once only
    assert images.skipped == [folder / "broken.png"]
    fresh = NormalImages(folder, size=(16, 16))
    with pytest.warns(UnreadableImageWarning):
        assert np.array_equal(fresh[broken], images[broken])


def test_all_unreadable_is_an_error(tmp_path):
    (tmp_path / "a.png").write_bytes(b"nope")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreadableImageWarning)  # the error alone says it
        with pytest.raises(NoImagesError, match=r"none of the 1 .*a\.png: not an image file"):
            NormalImages(tmp_path, validate=True)


def test_a_file_that_is_no_image_is_dropped_at_construction(folder):
    (folder / "junk.png").write_bytes(b"not a png at all")
    with pytest.warns(UnreadableImageWarning, match="1 unreadable normal image") as record:
        images = NormalImages(folder, size=(16, 16))
    assert len(record) == 1 and "junk.png" in str(record[0].message)
    assert len(images) == 4 and folder / "junk.png" not in images.paths
    assert images.skipped == [folder / "junk.png"]


@pytest.mark.parametrize("make", [NormalImages, FolderSource, as_texture_source])
def test_normal_images_and_textures_share_errors_and_warning(tmp_path, make):
    for spec in (tmp_path / "missing", tmp_path, str(tmp_path / "*.png")):
        with pytest.raises(NoImagesError):
            make(spec)
    (tmp_path / "a.png").write_bytes(b"garbage")
    with pytest.raises(NoReadableImagesError, match=r"none of the 1 .*a\.png: not an image"):
        make(tmp_path)


def test_resume_notices_a_rejected_input_file_that_was_fixed(tmp_path):
    images = make_image_folder(tmp_path / "normal", 3)
    (images / "part_1.png").write_bytes(b"not a png")
    config = small(tmp_path / "out", n=6, images=str(images))
    with pytest.warns(UnreadableImageWarning):
        generate(config, workers=1)
    (images / "part_1.png").write_bytes((images / "part_0.png").read_bytes())  # readable now
    with pytest.raises(GenerateError, match="changed"):
        generate(config, workers=1, resume=True)


def _with_orientation(path, pixels: np.ndarray, orientation: int) -> None:
    """Save ``pixels`` (HWC RGB or HW grey, stored as they are) with the EXIF orientation tag."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, exif=exif)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_honoured_as_viewers_and_cv2_imread_show_it(
    tmp_path, rgb_image, orientation
):
    """A camera JPEG stored sideways with its EXIF orientation reads upright, as OpenCV's
    ``imread`` (and every image viewer) shows it; masks (PNG ``eXIf``) follow the same rule, so
    an image and its mask stored alike stay aligned."""
    from synthdefect.files.codec import image_size, read_mask

    photo = tmp_path / f"photo_{orientation}.jpg"
    _with_orientation(photo, rgb_image[:40], orientation)
    upright = cv2.imread(str(photo), cv2.IMREAD_COLOR)[:, :, ::-1]
    assert np.array_equal(read_image(photo), upright)
    assert image_size(photo) == (upright.shape[1], upright.shape[0])
    stored = np.zeros((40, 80), np.uint8)
    stored[:10, :20] = 255  # the stored top-left corner
    mask = tmp_path / f"mask_{orientation}.png"
    _with_orientation(mask, stored, orientation)
    photo_png = tmp_path / f"photo_{orientation}.png"
    _with_orientation(photo_png, rgb_image[:40], orientation)
    read = read_image(photo_png)
    assert read_mask(mask).shape == read.shape[:2]
    corner = read_mask(mask) > 0  # where the stored corner went: the same place in the image
    stored_corner = rgb_image[:10, :20]
    assert np.array_equal(np.sort(read[corner].ravel()), np.sort(stored_corner.ravel()))


def test_cmyk_jpeg_and_palette_png_read_as_rgb_and_generate(tmp_path, rgb_image):
    """A CMYK JPEG is converted to RGB by the decoder (as ``cv2.imread`` does) and a palette
    (P mode) PNG, with or without a transparent entry, to its palette's colours; both serve as
    normal images."""
    from PIL import Image

    folder = tmp_path / "odd"
    folder.mkdir()
    Image.fromarray(rgb_image).convert("CMYK").save(folder / "cmyk.jpg")
    palette = Image.fromarray(rgb_image).convert("P")
    palette.save(folder / "palette.png")
    palette.save(folder / "palette_alpha.png", transparency=0)
    cmyk = read_image(folder / "cmyk.jpg")
    assert np.array_equal(cmyk, cv2.imread(str(folder / "cmyk.jpg"))[:, :, ::-1])
    assert np.abs(cmyk.astype(int) - rgb_image).mean() < 10  # the colours, not inverted ink
    expected = np.asarray(palette.convert("RGB"))
    for name in ("palette.png", "palette_alpha.png"):
        assert np.array_equal(read_image(folder / name), expected)
    report = generate(small(tmp_path / "out", n=6, images=str(folder)), workers=1)
    assert report.samples == 6 and not report.skipped


def _unreadable(path) -> None:
    """Make ``path`` a file that exists but cannot be read: mode 000, or (as root, whom modes
    do not stop) a link to ``/proc/self/mem``, which fails to read at offset 0 for anyone."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    path.chmod(0)
    if os.geteuid() == 0 or os.access(path, os.R_OK):
        if not os.path.exists("/proc/self/mem"):
            pytest.skip("no file that root cannot read")
        path.unlink()
        path.symlink_to("/proc/self/mem")


def test_unreadable_and_looping_files_in_images_are_skipped_and_named(tmp_path):
    """A file that cannot be read (mode 000) is skipped with a warning saying so and listed in
    summary.json; a symbolic link loop (to itself, or a folder linking to its parent) and a
    dangling link are no image files: skipped, no hang."""
    folder = make_image_folder(tmp_path / "images", 2)
    _unreadable(folder / "locked.png")
    (folder / "self.png").symlink_to(folder / "self.png")
    (folder / "gone.png").symlink_to(folder / "missing.png")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    assert [p.name for p in find_images(folder)] == ["locked.png", "part_0.png", "part_1.png"]
    with pytest.warns(UnreadableImageWarning, match=r"\(cannot be read: .*\): .*locked\.png"):
        report = generate(small(tmp_path / "out", n=4, images=str(folder)), workers=1)
    assert report.samples == 4 and [Path(p).name for p in report.skipped] == ["locked.png"]


def test_images_that_are_all_unreadable_are_one_error_line(tmp_path):
    """Only the error, not a warning about the same file before it (a real process: pytest
    would catch the warning)."""
    import subprocess
    import sys

    folder = tmp_path / "images"
    folder.mkdir()
    _unreadable(folder / "locked.png")
    launch = "from synthdefect.cli import main; main()"
    command = [sys.executable, "-c", launch, "generate", "--n", "2", "--images", str(folder),
               "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --images: "), done.stderr
    assert "locked.png: cannot be read" in lines[0]
    assert not (tmp_path / "out").exists()


TURNS = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
"""EXIF orientation -> the Pillow transpose that shows the stored pixels upright (EXIF 2.3)."""

ORIENTED_FORMATS = {
    "jpg": {"quality": 95},
    "png": {},
    "webp": {"lossless": True},
    "webp-lossy": {"quality": 90},
    "tif": {},
    "tif-lzw": {"compression": "tiff_lzw"},
    "tif-jpeg": {"compression": "jpeg"},
    "tif-big": {"big_tiff": True},
}
"""File kinds that can carry an EXIF orientation -> Pillow's save options. OpenCV's TIFF decoder
turns TIFFs itself (4.11 and 5.1), so the codec must hide the tag from it; several layouts."""


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ORIENTED_FORMATS)
def test_exif_orientation_is_honoured_in_every_format_that_carries_it(
    tmp_path, rgb_image, kind, orientation
):
    """A file of any format with an EXIF orientation (a TIFF's own tag 274, a WebP's EXIF chunk)
    reads as its pixels stored upright (`read_image`, `read_mask`, `image_size`), as the same
    pixels stored with orientation 1 turned as EXIF says."""
    from PIL import Image

    from synthdefect.files.codec import image_size, read_mask

    suffix = "." + kind.split("-")[0]
    stored = rgb_image[:40]
    plain, turned = tmp_path / f"plain{suffix}", tmp_path / f"turned{suffix}"
    mask, plain_mask = tmp_path / f"mask{suffix}", tmp_path / f"plain_mask{suffix}"
    for path, pixels, tag in [
        (plain, stored, 1),
        (turned, stored, orientation),
        (plain_mask, (stored[:, :, 0] > 128) * np.uint8(255), 1),
        (mask, (stored[:, :, 0] > 128) * np.uint8(255), orientation),
    ]:
        exif = Image.Exif()
        exif[0x0112] = tag
        Image.fromarray(pixels).save(path, exif=exif, **ORIENTED_FORMATS[kind])
    turn = TURNS.get(orientation)

    def upright(pixels: np.ndarray) -> np.ndarray:
        if turn is None:
            return pixels
        return np.asarray(Image.fromarray(pixels.squeeze()).transpose(Image.Transpose[turn]))

    read = read_image(turned)
    assert np.array_equal(read, upright(read_image(plain)))
    assert image_size(turned) == (read.shape[1], read.shape[0])
    assert np.array_equal(read_mask(mask), upright(read_mask(plain_mask)))
