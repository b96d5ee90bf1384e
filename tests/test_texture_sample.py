"""TextureSample: records, replay, texture shapes and dtypes, the self source."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from synthdefect.files.codec import read_image
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.textures import FolderSource
from synthdefect.transforms.texture import TextureSample


def draw(transform: TextureSample, image: np.ndarray, seed: int = 7) -> tuple[Sample, dict]:
    """The sample and the draws (record params) of one call."""
    sample, record = transform.forward(Sample.from_image(image), sample_rng(seed, 0))
    return sample, record["params"]


def test_default_procedural_texture_matches_image(rgb_image: np.ndarray) -> None:
    sample, record = draw(TextureSample(), rgb_image)
    assert sample.texture.shape == rgb_image.shape and sample.texture.dtype == np.uint8
    assert (
        record["name"]
        == f"procedural:{TextureSample().source.kind(record['index'])}:{record['index']}"
    )
    assert record["crop"] is None
    assert sample.image is rgb_image and not sample.mask.any()  # only the texture is set
    grey = rgb_image[:, :, :1].astype(np.float32) / 255.0
    sample, _ = draw(TextureSample(), grey)
    assert sample.texture.shape == (64, 80, 1) and sample.texture.dtype == np.uint8


def test_record_is_json_and_replays_identically(dtd_dir: Path, rgb_image: np.ndarray) -> None:
    for resize in ("resize", "crop"):
        transform = TextureSample(dtd_dir, resize=resize)
        sample, record = draw(transform, rgb_image, seed=3)
        record = json.loads(json.dumps(record))
        assert record["name"] == transform.source.name(record["index"])
        if resize == "crop":
            assert set(record) == {"index", "name", "crop"}
            assert len(record["crop"]) == 2 and all(0 <= f < 1 for f in record["crop"])
        else:  # DTD files (256 px and more) at 64x80: decoded at 1/2 or 1/4
            assert set(record) == {"index", "name", "crop", "reduce"}
            assert record["crop"] is None
            assert record["reduce"] == transform.source.reduction(record["index"], 64, 80) > 1
        fresh = TextureSample(dtd_dir, resize=resize)
        replayed = fresh.apply(Sample.from_image(rgb_image), fresh.record(**record))
        assert (replayed.texture == sample.texture).all()
        again, again_record = draw(fresh, rgb_image, seed=3)
        assert again_record == record and (again.texture == sample.texture).all()


def test_call_returns_the_record(rgb_image: np.ndarray) -> None:
    transform = TextureSample("procedural:stripes")
    result = transform(rgb_image, seed=11)
    json.dumps(result.params)
    assert transform.replay(rgb_image, result.params).params == result.params
    assert transform(rgb_image, seed=11).params == result.params
    assert transform(rgb_image, seed=12).params != result.params


def test_indices_cover_the_source(dtd_dir: Path, rgb_image: np.ndarray) -> None:
    transform = TextureSample(dtd_dir)
    rng = np.random.default_rng(0)
    indices = [
        transform.make_params(rng, Sample.from_image(rgb_image))["params"]["index"]
        for _ in range(400)
    ]
    assert min(indices) >= 0 and max(indices) < 1200
    assert len(set(indices)) > 300
    assert np.mean(indices) == pytest.approx(600, abs=80)


def test_replay_against_other_textures_fails(dtd_dir: Path, rgb_image: np.ndarray) -> None:
    _, record = draw(TextureSample(dtd_dir / "banded"), rgb_image)
    with pytest.raises(ValueError, match="replay"):
        other = TextureSample(dtd_dir / "bumpy")
        other.apply(Sample.from_image(rgb_image), other.record(**record))


def test_dtd_texture_on_a_bottle_image(bottle_train_dir: Path, dtd_dir: Path) -> None:
    bottle = read_image(bottle_train_dir / "000.png")
    for resize in ("resize", "crop"):
        sample, _ = draw(TextureSample(dtd_dir, resize=resize), bottle)
        assert sample.texture.shape == bottle.shape == (900, 900, 3)
        assert sample.texture.std() > 5


def test_self_texture_is_a_uint8_copy_of_the_normal(rgb_image: np.ndarray) -> None:
    transform = TextureSample("self", resize="crop")
    sample, record = draw(transform, rgb_image)
    assert record == {"index": 0, "name": "self", "crop": None}
    assert (sample.texture == rgb_image).all() and sample.texture is not rgb_image
    sample.texture[:] = 0
    assert rgb_image.any()
    as_float = rgb_image.astype(np.float32) / 255.0
    float_sample, _ = draw(transform, as_float)
    assert float_sample.texture.dtype == np.uint8 and (float_sample.texture == rgb_image).all()


def test_transform_pickles(dtd_dir: Path, rgb_image: np.ndarray) -> None:
    transform = TextureSample(FolderSource(dtd_dir / "braided", cache_bytes=2**20), resize="crop")
    sample, record = draw(transform, rgb_image)
    clone = pickle.loads(pickle.dumps(transform))
    replayed = clone.apply(Sample.from_image(rgb_image), clone.record(**record))
    assert (replayed.texture == sample.texture).all()
    assert "FolderSource" in repr(clone)


def test_bad_resize_policy() -> None:
    with pytest.raises(ValueError, match="resize"):
        TextureSample(resize="stretch")
