"""Texture files decoded at reduced size (JPEG DCT scaling) where the target is smaller: the
rule, its records, and a result that depends on the file and the target alone."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthdefect import replay
from synthdefect.files.codec import read_frame, read_image, write_image
from synthdefect.files.jpeg import HEADER_BYTES, JpegFrame, jpeg_frame, reduction
from synthdefect.functional.geometry import resize
from synthdefect.generate import GenerateConfig, generate
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.textures import FolderSource
from synthdefect.transforms import TextureSample
from synthdefect.transforms.records import RecordError

SIZE = 64


def _pattern(height: int, width: int, channels: int = 3) -> np.ndarray:
    """Smooth gradients plus fine detail, so that a reduced decode differs from a full one."""
    y, x = np.mgrid[0:height, 0:width]
    planes = [(y * 255 // height), (x * 255 // width), ((x + y) * 7) % 256][:channels]
    return np.stack(planes, axis=2).astype(np.uint8)


@pytest.fixture
def jpeg_folder(tmp_path: Path) -> Path:
    """JPEGs reducing by 4, 2 and not at all at 64x64, a grey one, a progressive one, a PNG."""
    folder = tmp_path / "textures"
    folder.mkdir()
    write_image(folder / "a_big.jpg", _pattern(260, 300))  # 1/4: 65 x 75
    write_image(folder / "b_mid.jpg", _pattern(140, 128))  # 1/2: 70 x 64
    write_image(folder / "c_small.jpg", _pattern(100, 90))  # in full
    write_image(folder / "d_grey.jpg", _pattern(200, 130, 1))  # 1/2: 100 x 65
    ok, data = cv2.imencode(".jpg", _pattern(520, 515), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert ok
    (folder / "e_progressive.jpg").write_bytes(data.tobytes())  # 1/8: 65 x 65
    write_image(folder / "f_big.png", _pattern(300, 300))  # PNG: in full
    return folder


def test_the_frame_header_is_read_from_the_first_bytes(jpeg_folder: Path) -> None:
    assert jpeg_frame((jpeg_folder / "a_big.jpg").read_bytes()) == JpegFrame(260, 300, 3)
    assert jpeg_frame((jpeg_folder / "d_grey.jpg").read_bytes()) == JpegFrame(200, 130, 1)
    assert jpeg_frame((jpeg_folder / "e_progressive.jpg").read_bytes()) == JpegFrame(520, 515, 3)
    assert jpeg_frame((jpeg_folder / "f_big.png").read_bytes()) is None
    data = (jpeg_folder / "a_big.jpg").read_bytes()
    assert jpeg_frame(data[:20]) is None  # truncated before the frame header
    comment = b"\xff\xfe" + (HEADER_BYTES - 4).to_bytes(2, "big") + bytes(HEADER_BYTES - 6)
    assert jpeg_frame(data[:2] + comment + data[2:]) is None  # frame header past HEADER_BYTES


def test_the_factor_is_the_largest_that_keeps_both_sides_at_least_the_target() -> None:
    frame = JpegFrame(260, 300, 3)
    assert reduction(frame, 64, 64) == 4  # ceil(260 / 4) = 65 >= 64; ceil(260 / 8) = 33
    assert reduction(frame, 65, 64) == 4
    assert reduction(frame, 66, 64) == 2
    assert reduction(frame, 64, 64, limit=2) == 2
    assert reduction(frame, 256, 256) == 1
    assert reduction(JpegFrame(257, 257, 1), 129, 129) == 2  # ceil(257 / 2) = 129
    assert reduction(JpegFrame(800, 800, 4), 64, 64) == 1  # CMYK: in full
    assert reduction(None, 8, 8) == 1


def test_read_image_decodes_jpegs_reduced_and_other_files_in_full(jpeg_folder: Path) -> None:
    big = jpeg_folder / "a_big.jpg"
    full = read_image(big, channels=None)
    reduced = read_image(big, channels=None, reduce=8, at_least=(SIZE, SIZE))
    assert full.shape == (260, 300, 3) and reduced.shape == (65, 75, 3)
    flags = cv2.IMREAD_REDUCED_COLOR_4 | cv2.IMREAD_IGNORE_ORIENTATION
    bgr = cv2.imdecode(np.fromfile(big, np.uint8), flags)
    assert np.array_equal(reduced, bgr[:, :, ::-1])
    assert np.array_equal(
        read_image(big, None, reduce=2, at_least=(SIZE, SIZE)).shape, (130, 150, 3)
    )
    grey = read_image(jpeg_folder / "d_grey.jpg", None, reduce=8, at_least=(SIZE, SIZE))
    assert grey.shape == (100, 65, 1)
    png = jpeg_folder / "f_big.png"
    assert np.array_equal(read_image(png, None, reduce=8, at_least=(SIZE, SIZE)), read_image(png))
    assert np.array_equal(read_image(big, None, reduce=1), full)


def test_a_source_reports_the_factor_of_each_file(jpeg_folder: Path) -> None:
    source = FolderSource(jpeg_folder)
    factors = [source.reduction(i, SIZE, SIZE) for i in range(len(source))]
    assert factors == [4, 2, 1, 2, 8, 1]
    assert source.reduction(0, 256, 256) == 1


def test_load_with_reduce_resizes_the_reduced_decode(jpeg_folder: Path) -> None:
    source = FolderSource(jpeg_folder)
    reduced = read_image(jpeg_folder / "a_big.jpg", None, reduce=4, at_least=(SIZE, SIZE))
    texture = source.load(0, SIZE, SIZE, reduce=4)
    assert np.array_equal(texture, resize(reduced, SIZE, SIZE))
    full = source.load(0, SIZE, SIZE)
    assert np.array_equal(full, resize(read_image(jpeg_folder / "a_big.jpg"), SIZE, SIZE))
    assert not np.array_equal(texture, full)
    assert np.array_equal(source.load(0, SIZE, SIZE, reduce=8), texture)  # never below the target
    with pytest.raises(ValueError, match="reduce must be 1, 2, 4 or 8"):
        source.load(0, SIZE, SIZE, reduce=3)
    with pytest.raises(ValueError, match="resize policy only"):
        source.load(0, SIZE, SIZE, crop=(0.5, 0.5), reduce=2)


def test_the_cache_holds_textures_at_the_size_they_are_used(jpeg_folder: Path) -> None:
    source = FolderSource(jpeg_folder)
    for i in range(len(source)):
        source.load(i, SIZE, SIZE, reduce=source.reduction(i, SIZE, SIZE))
    assert source.cache.nbytes == len(source) * SIZE * SIZE * 3 - 2 * SIZE * SIZE  # one grey


def _texture(source: FolderSource, index: int) -> tuple[np.ndarray, dict]:
    step = TextureSample(source)
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    rng = sample_rng(5, index)
    sample, record = step.forward(Sample.from_image(image), rng)
    return sample.texture, json.loads(json.dumps(record))


def test_records_say_reduce_only_where_a_texture_is_reduced(jpeg_folder: Path) -> None:
    source = FolderSource(jpeg_folder)
    seen = {}
    for i in range(40):
        texture, record = _texture(source, i)
        params = record["params"]
        seen[params["index"]] = params.get("reduce")
        full = source.load(params["index"], SIZE, SIZE)
        assert np.array_equal(texture, full) == ("reduce" not in params)
    assert seen == {0: 4, 1: 2, 2: None, 3: 2, 4: 8, 5: None}


def test_a_record_without_reduce_replays_the_full_decode_as_before(jpeg_folder: Path) -> None:
    source = FolderSource(jpeg_folder)
    step = TextureSample(source)
    image = Sample.from_image(np.zeros((SIZE, SIZE, 3), np.uint8))
    old = {
        "type": "TextureSample",
        "version": 1,
        "settings": {"source": "textures", "resize": "resize"},
        "params": {"index": 0, "name": "a_big.jpg", "crop": None},
    }
    full = resize(read_image(jpeg_folder / "a_big.jpg"), SIZE, SIZE)
    assert np.array_equal(step.apply(image, old).texture, full)
    reduced = {**old, "params": {**old["params"], "reduce": 4}}
    assert np.array_equal(step.apply(image, reduced).texture, source.load(0, SIZE, SIZE, reduce=4))
    for bad in (3, 1, "4", None):
        with pytest.raises(RecordError, match="reduce must be one of"):
            step.apply(image, {**old, "params": {**old["params"], "reduce": bad}})
    cropped = TextureSample(source, resize="crop")
    crop_record = {
        **old,
        "settings": {"source": "textures", "resize": "crop"},
        "params": {"index": 0, "name": "a_big.jpg", "crop": [0.5, 0.5], "reduce": 2},
    }
    with pytest.raises(RecordError, match="unknown key"):
        cropped.apply(image, crop_record)


def test_a_texture_is_the_same_from_a_cold_cache_a_warm_one_and_after_a_full_decode(
    jpeg_folder: Path,
) -> None:
    cold = [_texture(FolderSource(jpeg_folder), i)[0] for i in range(12)]
    warm_source = FolderSource(jpeg_folder)
    for i in range(len(warm_source)):
        warm_source.name(i)  # decodes each file in full and keeps it
        warm_source.load(i, SIZE, SIZE)  # and caches its full-decode fit
    warm = [_texture(warm_source, i)[0] for i in range(12)]
    again = [_texture(warm_source, i)[0] for i in reversed(range(12))][::-1]
    for a, b, c in zip(cold, warm, again, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)


def test_an_unreadable_file_falls_back_to_a_decode_that_still_covers_the_target(
    jpeg_folder: Path,
) -> None:
    data = (jpeg_folder / "e_progressive.jpg").read_bytes()
    (jpeg_folder / "e_progressive.jpg").write_bytes(data[:400])  # header intact, data cut
    source = FolderSource(jpeg_folder)
    assert source.reduction(4, SIZE, SIZE) == 8  # from the header alone
    with pytest.warns(UserWarning, match="e_progressive.jpg"):
        texture = source.load(4, SIZE, SIZE, reduce=8)
    assert np.array_equal(texture, resize(read_image(jpeg_folder / "f_big.png"), SIZE, SIZE))


def _run_images(root: Path, textures: Path, workers: int) -> dict[str, bytes]:
    out = root / f"run-{workers}"
    config = GenerateConfig(
        n=12, out=out, size=(SIZE, SIZE), textures=str(textures), p_anomaly=1.0, seed=2
    )
    generate(config, workers=workers)
    files = {p.name: p.read_bytes() for p in out.rglob("*.png")}
    files["manifest"] = (out / "manifest.jsonl").read_bytes()
    return files


def test_generate_makes_the_same_samples_with_one_and_two_workers(
    tmp_path: Path, jpeg_folder: Path
) -> None:
    one = _run_images(tmp_path, jpeg_folder, 1)
    two = _run_images(tmp_path, jpeg_folder, 2)
    assert one == two
    lines = [json.loads(line) for line in one["manifest"].decode().splitlines()]
    steps = [line["params"]["steps"]["anomaly"]["transform"]["steps"] for line in lines]
    assert any("reduce" in s["texture"]["params"] for s in steps)
    warm = FolderSource(jpeg_folder)
    for i in range(len(warm)):
        warm.load(i, SIZE, SIZE)
    for line in lines:
        normal = np.zeros((SIZE, SIZE, 3), np.uint8)
        cold_result = replay(normal, line, textures=str(jpeg_folder))
        warm_result = replay(normal, line, textures=warm)
        assert np.array_equal(cold_result.image, warm_result.image)


def test_the_bench_cold_texture_line_makes_the_samples_of_the_cached_one(
    jpeg_folder: Path,
) -> None:
    from synthdefect.bench.runner import _sample_step, _Setup

    cached = _Setup(size=SIZE, images=None, textures=str(jpeg_folder))
    cold = _Setup(size=SIZE, images=None, textures=str(jpeg_folder), cold_textures=True)
    for impl in ("ours", "numpy"):
        warm_step, cold_step = _sample_step(cached, impl), _sample_step(cold, impl)
        for i in range(8):
            a, b = warm_step(i), cold_step(i)
            a, b = (a[0] if isinstance(a, tuple) else a), (b[0] if isinstance(b, tuple) else b)
            assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)


def test_an_exif_turned_jpeg_is_reduced_by_its_upright_sides(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 260 high, 120 wide; shown turned: 120 high, 260 wide
    Image.fromarray(_pattern(260, 120)).save(path, exif=exif, quality=95)
    assert read_frame(path) == JpegFrame(120, 260, 3)
    assert read_image(path).shape == (120, 260, 3)
    reduced = read_image(path, None, reduce=8, at_least=(60, 100))
    assert reduced.shape == (60, 130, 3)
    turned = np.rot90(read_image(path, None, reduce=8, at_least=(60, 100)), 1)  # back as stored
    stored = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_REDUCED_COLOR_2 | 128)
    assert np.array_equal(turned, stored[:, :, ::-1])
    source = FolderSource(tmp_path)
    assert source.reduction(0, 60, 100) == 2 and source.reduction(0, 100, 60) == 1
    assert source.load(0, 60, 100, reduce=2).shape == (60, 100, 3)
