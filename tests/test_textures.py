"""Texture sources: resize/crop policies, file handling, cache, procedural textures, specs."""

from __future__ import annotations

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthdefect.files.cache import ArrayCache
from synthdefect.files.codec import write_image
from synthdefect.files.readable import UnreadableImageWarning
from synthdefect.functional.geometry import resize
from synthdefect.textures import (
    PROCEDURAL_KINDS,
    ArraySource,
    FolderSource,
    NoImagesError,
    NoReadableImagesError,
    PathSource,
    ProceduralSource,
    SelfSource,
    as_texture_source,
    crop_texture,
)


def coordinate_image(height: int, width: int) -> np.ndarray:
    """uint8 HWC image whose channel 0 is the row and channel 1 the column (mod 256)."""
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([yy % 256, xx % 256, np.zeros_like(yy)], axis=-1).astype(np.uint8)


def write_cv2(path: Path, image: np.ndarray) -> Path:
    """Write raw pixels with OpenCV (BGR/BGRA order, any depth)."""
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """grey, RGBA and 16-bit PNGs plus a corrupt PNG, an empty file and a text file."""
    grey = np.tile(np.arange(0, 250, 5, dtype=np.uint8), (40, 1))
    write_cv2(tmp_path / "a_grey.png", grey)
    bgra = np.zeros((30, 50, 4), np.uint8)
    bgra[..., 2], bgra[..., 1], bgra[..., 0], bgra[..., 3] = 200, 100, 10, 7
    write_cv2(tmp_path / "b_rgba.png", bgra)
    deep = np.full((20, 20, 3), 65535, np.uint16)
    deep[:, :10] = 32896
    write_cv2(tmp_path / "c_deep.png", deep)
    (tmp_path / "d_corrupt.png").write_bytes(np.random.default_rng(0).bytes(500))
    (tmp_path / "e_empty.jpg").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_resize_policy_ignores_aspect_and_keeps_layout() -> None:
    image = np.zeros((40, 200, 3), np.uint8)
    image[:, :100] = (255, 0, 0)
    image[:, 100:] = (0, 0, 255)
    out = resize(image, 64, 64)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert (out[:, :30] == (255, 0, 0)).all() and (out[:, 34:] == (0, 0, 255)).all()


def test_resize_policy_averages_when_shrinking_and_keeps_one_channel() -> None:
    checker = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)[:, :, None]
    out = resize(checker, 32, 32)
    assert out.shape == (32, 32, 1)
    assert np.abs(out.astype(int) - 128).max() <= 1  # INTER_AREA averages 2x2 blocks
    bigger = resize(checker, 100, 80)
    assert bigger.shape == (100, 80, 1)


def test_crop_offsets_follow_the_formula() -> None:
    image = coordinate_image(100, 150)
    for fy, fx in [(0.0, 0.0), (0.5, 0.25), (0.999, 0.999)]:
        out = crop_texture(image, 40, 60, (fy, fx))
        y, x = int(fy * (100 - 40 + 1)), int(fx * (150 - 60 + 1))
        assert out.shape == (40, 60, 3)
        assert (out[0, 0, 0], out[0, 0, 1]) == (y, x)
        assert (out[-1, -1, 0], out[-1, -1, 1]) == (y + 39, x + 59)
    assert (crop_texture(image, 40, 60, (0.999, 0.999))[-1, -1, :2] == (99, 149)).all()


def test_crop_scales_small_sources_up_keeping_aspect() -> None:
    image = np.zeros((50, 100, 3), np.uint8)
    image[:, 50:] = 255  # right half white
    out = crop_texture(image, 100, 100, (0.0, 0.0))  # scaled to 100x200: left half is black
    assert out.shape == (100, 100, 3) and out[:, :95].max() == 0
    right = crop_texture(image, 100, 100, (0.0, 0.999))  # offset 100: all white
    assert right[:, 5:].min() == 255
    tall = crop_texture(image, 120, 30, (0.5, 0.5))  # scale 2.4 -> 120x240
    assert tall.shape == (120, 30, 3)


def test_load_dispatches_and_rejects_bad_requests() -> None:
    image = coordinate_image(60, 60)
    source = ArraySource([image])
    assert source.load(0, 30, 30, 3).shape == (30, 30, 3)
    assert (source.load(0, 30, 30, 3, crop=(0.0, 0.0)) == image[:30, :30]).all()
    for bad in [dict(crop=(1.0, 0.0)), dict(crop=(-0.1, 0.0)), dict(channels=2)]:
        with pytest.raises(ValueError):
            source.load(0, 10, 10, **bad)
    with pytest.raises(ValueError):
        source.load(0, 0, 10)
    with pytest.raises(IndexError):
        source.load(1, 10, 10)


def test_folder_source_on_dtd(dtd_dir: Path) -> None:
    source = FolderSource(dtd_dir)
    assert len(source) == 1200
    assert source.name(0) == "banded/banded_0002.jpg"
    assert all("/" in source.name(i) for i in (0, 599, 1199))
    texture = source.load(3, 256, 256)
    assert texture.shape == (256, 256, 3) and texture.dtype == np.uint8 and texture.std() > 5
    assert source.load(3, 64, 96, channels=1, crop=(0.3, 0.7)).shape == (64, 96, 1)
    assert not FolderSource(dtd_dir / "banded", recursive=False).name(0).count("/")


def test_folder_source_skips_bad_files_with_one_warning(mixed_folder: Path) -> None:
    with pytest.warns(UnreadableImageWarning) as record:
        source = FolderSource(mixed_folder)
    assert len(record) == 1
    message = str(record[0].message)
    assert "d_corrupt.png" in message and "e_empty.jpg" in message
    assert [source.name(i) for i in range(len(source))] == [
        "a_grey.png",
        "b_rgba.png",
        "c_deep.png",
    ]


def test_conversions_grey_rgba_and_16_bit(mixed_folder: Path) -> None:
    with pytest.warns(UnreadableImageWarning):
        source = FolderSource(mixed_folder)
    grey = source.load(0, 40, 50)
    assert grey.shape == (40, 50, 3)
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    assert (grey[0, :, 0] == np.arange(0, 250, 5)).all()  # same size: pixels unchanged
    rgba = source.load(1, 30, 50)
    assert (rgba == (200, 100, 10)).all()
    assert (
        source.load(1, 30, 50, channels=1) == round(0.299 * 200 + 0.587 * 100 + 0.114 * 10)
    ).all()
    deep = source.load(2, 20, 20)
    assert deep.dtype == np.uint8 and (deep[:, :10] == 128).all() and (deep[:, 10:] == 255).all()


def test_undecodable_file_falls_back_to_next_and_warns_once(tmp_path: Path) -> None:
    for i in range(3):
        write_image(tmp_path / f"t{i}.png", np.full((16, 16, 3), 50 * (i + 1), np.uint8))
    good = (tmp_path / "t1.png").read_bytes()
    (tmp_path / "t1.png").write_bytes(good[:40])  # valid signature, truncated data
    source = FolderSource(tmp_path)  # the signature check passes: no warning yet
    assert len(source) == 3
    with pytest.warns(UnreadableImageWarning, match=r"t1\.png") as record:
        assert source.name(1) == "t2.png"
        first = source.load(1, 8, 8)
    assert len(record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (source.load(1, 8, 8) == first).all() and (first == 150).all()
        assert (source.load(2, 8, 8) == first).all()
        assert (source.load(0, 8, 8) == 50).all()


def test_sources_without_readable_images_raise(tmp_path: Path) -> None:
    with pytest.raises(NoImagesError, match="no such texture folder"):
        FolderSource(tmp_path / "missing")
    with pytest.raises(NoImagesError, match="no image files"):
        FolderSource(tmp_path)
    (tmp_path / "x.png").write_bytes(b"junk" * 10)
    (tmp_path / "y.jpg").write_bytes(b"")
    with pytest.raises(NoReadableImagesError, match="not an image file"):
        FolderSource(tmp_path)
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)  # header only
    with pytest.warns(UnreadableImageWarning):
        source = FolderSource(tmp_path)
    with pytest.warns(UnreadableImageWarning), pytest.raises(NoReadableImagesError):
        source.load(0, 8, 8)


def test_path_source_names_and_errors(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_image(tmp_path / "a" / "one.png", coordinate_image(10, 10))
    write_image(tmp_path / "b" / "two.png", coordinate_image(12, 12))
    source = PathSource([tmp_path / "b" / "two.png", str(tmp_path / "a" / "one.png")])
    assert [source.name(0), source.name(1)] == ["b/two.png", "a/one.png"]
    assert PathSource([tmp_path / "a" / "one.png"]).name(0) == "one.png"
    with pytest.raises(NoImagesError, match=r"nope\.png"):
        PathSource([tmp_path / "a" / "one.png", tmp_path / "nope.png"])


def test_array_source_accepts_dtypes_and_layouts() -> None:
    base = coordinate_image(20, 30)
    arrays = [
        base,
        base[:, :, 0],
        base.astype(np.uint16) * 257,
        base.astype(np.float32) / 255.0,
        np.dstack([base, np.zeros((20, 30), np.uint8)]),
    ]
    source = ArraySource(arrays)
    assert len(source) == 5 and source.name(4) == "array:4"
    for i in (0, 2, 3, 4):
        assert (source.load(i, 20, 30) == base).all()
    assert (source.load(1, 20, 30, channels=1)[..., 0] == base[..., 0]).all()
    stacked = ArraySource(np.stack([base, base]))
    assert len(stacked) == 2
    base[:] = 0  # the source keeps its own copy
    assert source.load(0, 20, 30).any()
    with pytest.raises(ValueError):
        ArraySource(np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(TypeError):
        ArraySource([np.zeros((5, 5), np.int64)])


def test_array_cache_is_lru_and_bounded() -> None:
    cache = ArrayCache(max_bytes=3000)
    block = [np.full(1000, i, np.uint8) for i in range(5)]
    for i in range(3):
        cache.put(i, block[i])
    assert len(cache) == 3 and cache.nbytes == 3000
    cache.get(0)  # 0 becomes most recent: 1 is evicted next
    cache.put(3, block[3])
    assert cache.get(1) is None and cache.get(0) is block[0] and cache.nbytes == 3000
    cache.put(4, np.zeros(4000, np.uint8))  # larger than the bound: not stored
    assert cache.get(4) is None and len(cache) == 3
    assert cache.pop(0) is block[0] and cache.nbytes == 2000
    restored = pickle.loads(pickle.dumps(cache))
    assert len(restored) == 0 and restored.max_bytes == 3000


def test_file_cache_respects_its_bound_and_returns_copies(dtd_dir: Path) -> None:
    bound = 5 * 64 * 64 * 3 + 100
    source = FolderSource(dtd_dir / "banded", cache_bytes=bound)
    first = [source.load(i, 64, 64) for i in range(12)]
    assert source.cache.nbytes <= bound and len(source.cache) == 5  # decoded images were dropped
    again = source.load(11, 64, 64)  # cached
    assert (again == first[11]).all()
    again[:] = 0
    assert (source.load(11, 64, 64) == first[11]).all()
    assert (source.load(0, 64, 64) == first[0]).all()  # evicted, decoded again: same result
    crops = [source.load(i, 32, 32, crop=(0.1, 0.2)) for i in range(12)]
    assert source.cache.nbytes <= bound
    assert all(c.shape == (32, 32, 3) for c in crops)


def test_file_source_is_thread_safe(dtd_dir: Path) -> None:
    source = FolderSource(dtd_dir / "bubbly", cache_bytes=2 * 2**20)
    jobs = [(i % 40, (0.5, 0.5) if i % 3 else None) for i in range(120)]
    expected = [FolderSource(dtd_dir / "bubbly").load(i, 48, 48, crop=c) for i, c in jobs]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda job: source.load(job[0], 48, 48, crop=job[1]), jobs))
    assert all((a == b).all() for a, b in zip(got, expected, strict=True))
    assert source.cache.nbytes <= 2 * 2**20


def test_procedural_is_deterministic_and_varied() -> None:
    source = ProceduralSource()
    assert len(source) == 2**31
    a = source.load(123, 96, 128)
    assert a.shape == (96, 128, 3) and a.dtype == np.uint8
    assert (ProceduralSource().load(123, 96, 128) == a).all()
    assert source.name(123) == f"procedural:{source.kind(123)}:123"
    textures = [source.load(i, 64, 64) for i in range(24)]
    assert len({t.tobytes() for t in textures}) == 24
    assert source.load(2**31 - 1, 8, 8, channels=1).shape == (8, 8, 1)
    with pytest.raises(IndexError):
        source.load(2**31, 8, 8)


@pytest.mark.parametrize("kind", PROCEDURAL_KINDS)
def test_every_procedural_kind_renders(kind: str) -> None:
    source = ProceduralSource(kinds=(kind,))
    textures = [source.load(i, 80, 120) for i in range(6)]
    assert all(source.name(i).startswith(f"procedural:{kind}:") for i in range(6))
    for t in textures:
        per_channel_spread = t.reshape(-1, 3).max(axis=0) - t.reshape(-1, 3).min(axis=0)
        if kind == "plain":
            assert per_channel_spread.max() == 0
        else:
            assert per_channel_spread.max() > 20
    assert len({t.tobytes() for t in textures}) == 6
    grey = source.load(0, 80, 120, channels=1)
    assert grey.shape == (80, 120, 1)
    assert (
        np.abs(grey[..., 0].astype(int) - cv2.cvtColor(textures[0], cv2.COLOR_RGB2GRAY)).max() == 0
    )


def test_procedural_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kinds"):
        ProceduralSource(kinds=("noise", "lava"))
    with pytest.raises(ValueError):
        ProceduralSource(kinds=())


def test_self_source_cannot_load() -> None:
    source = SelfSource()
    assert len(source) == 1 and source.name(0) == "self"
    with pytest.raises(TypeError, match="normal image"):
        source.load(0, 8, 8)


def test_sources_pickle_round_trip(dtd_dir: Path, tmp_path: Path) -> None:
    folder = FolderSource(dtd_dir / "cracked")
    folder.load(4, 32, 32)
    write_image(tmp_path / "t0.png", coordinate_image(9, 9))
    (tmp_path / "t1.png").write_bytes((tmp_path / "t0.png").read_bytes()[:30])
    broken = FolderSource(tmp_path)
    with pytest.warns(UnreadableImageWarning):
        broken.name(1)
    sources = [
        folder,
        ProceduralSource(kinds=("dots",)),
        ArraySource([coordinate_image(9, 9)]),
        broken,
    ]
    for source in sources:
        clone = pickle.loads(pickle.dumps(source))
        assert type(clone) is type(source) and len(clone) == len(source)
        for i in (0, len(source) - 1):
            assert clone.name(i) == source.name(i)
            assert (
                clone.load(i, 16, 24, crop=(0.2, 0.4)) == source.load(i, 16, 24, crop=(0.2, 0.4))
            ).all()
    assert len(pickle.loads(pickle.dumps(folder)).cache) == 0


def test_as_texture_source_specs(dtd_dir: Path, tmp_path: Path) -> None:
    assert isinstance(as_texture_source(None), ProceduralSource)
    assert isinstance(as_texture_source("procedural"), ProceduralSource)
    assert as_texture_source("procedural:plain,dots").kinds == ("plain", "dots")
    assert isinstance(as_texture_source("self"), SelfSource)
    folder = as_texture_source(dtd_dir)
    assert isinstance(folder, FolderSource) and len(folder) == 1200
    assert len(as_texture_source(str(dtd_dir / "bumpy"))) == 120
    globbed = as_texture_source(str(dtd_dir / "*" / "*_000*.jpg"))
    assert isinstance(globbed, PathSource) and 0 < len(globbed) < 1200
    assert globbed.name(0).startswith("banded/")
    one = dtd_dir / "banded" / "banded_0002.jpg"
    assert len(as_texture_source(one)) == 1 and len(as_texture_source([one, str(one)])) == 2
    assert isinstance(as_texture_source(np.zeros((2, 8, 8, 3), np.uint8)), ArraySource)
    assert len(as_texture_source([np.zeros((8, 8), np.uint8)] * 3)) == 3
    assert as_texture_source(folder) is folder
    with pytest.raises(NoImagesError):
        as_texture_source(tmp_path / "missing")
    with pytest.raises(NoImagesError):
        as_texture_source(str(tmp_path / "*.png"))
    with pytest.raises(NoImagesError, match="no image files"):
        as_texture_source(tmp_path)
    with pytest.raises(TypeError):
        as_texture_source(42)
    with pytest.raises(TypeError):
        as_texture_source([one, np.zeros((8, 8), np.uint8)])


def test_texture_specs_parse_once_into_a_typed_input(tmp_path: Path) -> None:
    from synthdefect.textures import TextureInput, parse_textures

    (tmp_path / "self").mkdir()
    cases = {
        None: ("none", False, True, True, "procedural"),
        "procedural": ("procedural", True, True, True, "procedural"),
        "procedural:noise,cracks": ("procedural", True, False, True, "procedural:noise,cracks"),
        "self": ("self", True, False, True, "self"),
        str(tmp_path / "self"): ("folder", True, False, False, str(tmp_path / "self")),
        str(tmp_path / "*.png"): ("glob", True, False, False, str(tmp_path / "*.png")),
        str(tmp_path / "a.png"): ("files", True, False, False, str(tmp_path / "a.png")),
    }
    for spec, (kind, given, default, generated, spelling) in cases.items():
        parsed = parse_textures(spec)
        assert (parsed.kind, parsed.given, parsed.default, parsed.generated) == (
            kind,
            given,
            default,
            generated,
        ), spec
        assert parsed.spelling() == spelling
        assert parse_textures(parsed) is parsed
    assert parse_textures("procedural:noise").value == ("noise",)
    arrays = parse_textures([np.zeros((4, 4, 3), np.uint8)])
    assert arrays.kind == "arrays" and arrays.spelling() is None
    source = ProceduralSource()
    assert parse_textures(source) == TextureInput("source", source)
    assert parse_textures(source).source() is source
    with pytest.raises(TypeError, match="only paths or only numpy arrays"):
        parse_textures(["a.png", np.zeros((4, 4, 3))])
    with pytest.raises(TypeError, match="cannot make a texture source"):
        parse_textures(3)


def test_an_empty_texture_spec_is_refused_and_an_array_stack_is_taken(rgb_image) -> None:
    """ "" would have named the working directory; an (N, H, W, C) array was compared with a
    word and gave numpy's "truth value of an array is ambiguous"."""
    from synthdefect import SyntheticAnomaly
    from synthdefect.textures import parse_textures

    for blank in ("", "  "):
        with pytest.raises(ValueError, match="an empty texture spec names nothing"):
            parse_textures(blank)
    stack = np.stack([np.full((20, 20, 3), v, np.uint8) for v in (40, 200)])
    recipe = SyntheticAnomaly(textures=stack, p_anomaly=1.0)
    assert recipe(rgb_image, seed=0, index=0).image.shape == rgb_image.shape


def test_moved_modules_still_import_with_a_deprecation_warning() -> None:
    import importlib
    import sys

    import synthdefect.transforms as transforms
    from synthdefect.files import NormalImages, read_image
    from synthdefect.pixels import to_uint8
    from synthdefect.recipes import PRESETS, SyntheticAnomaly

    moved = {
        "synthdefect.presets": ("synthdefect.recipes", "PRESETS", PRESETS),
        "synthdefect.transforms.anomaly": (
            "synthdefect.recipes",
            "SyntheticAnomaly",
            SyntheticAnomaly,
        ),
        "synthdefect.io": ("synthdefect.files", "read_image", read_image),
        "synthdefect.images": ("synthdefect.files", "NormalImages", NormalImages),
    }
    for old, (new, name, value) in moved.items():
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=f"{old} moved to {new}"):
            module = importlib.import_module(old)
        assert getattr(module, name) is value
    assert sys.modules["synthdefect.io"].to_uint8 is to_uint8
    with pytest.warns(DeprecationWarning, match="moved to synthdefect.SyntheticAnomaly"):
        assert transforms.SyntheticAnomaly is SyntheticAnomaly
