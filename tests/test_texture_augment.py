"""TextureAugment: op picking, parameter ranges, record/replay and the callable path."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from synthdefect.functional import texture_ops as F
from synthdefect.sample import Sample
from synthdefect.transforms.texture_ops import PRESETS, TEXTURE_OPS, TextureAugment


@pytest.fixture
def sample(rgb_image: np.ndarray) -> Sample:
    texture = np.ascontiguousarray(rgb_image[::-1, ::-1])
    return Sample.from_image(rgb_image).evolve(texture=texture)


def _draws(transform: TextureAugment, sample: Sample, n: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [transform.make_params(rng, sample)["params"] for _ in range(n)]


@pytest.mark.parametrize("preset", ["draem-code", "paper"])
def test_k_distinct_ops_every_op_used_in_random_order(preset, sample) -> None:
    transform = TextureAugment(preset)
    records = _draws(transform, sample, 300)
    orders = set()
    used = Counter()
    for record in records:
        names = [r["op"] for r in record["ops"]]
        assert len(names) == 3 and len(set(names)) == 3
        assert set(names) <= set(PRESETS[preset])
        orders.add(tuple(names))
        used.update(names)
    assert set(used) == set(PRESETS[preset])
    assert len(PRESETS[preset]) == {"draem-code": 10, "paper": 7}[preset]
    # the same three ops appear in several orders
    by_set = Counter(frozenset(order) for order in orders)
    assert max(by_set.values()) >= 3


@pytest.mark.parametrize("preset", ["draem-code", "paper"])
def test_every_op_applies_and_record_json_round_trip_replays(preset, sample) -> None:
    transform = TextureAugment(preset, k=1)
    seen = set()
    rng = np.random.default_rng(1)
    for _ in range(80):
        out, record = transform.forward(sample, rng)
        seen.add(record["params"]["ops"][0]["op"])
        replayed = transform.apply(sample, json.loads(json.dumps(record)))
        np.testing.assert_array_equal(replayed.texture, out.texture)
        assert out.texture.shape == sample.texture.shape and out.texture.dtype == np.uint8
        np.testing.assert_array_equal(out.image, sample.image)
    assert seen == set(PRESETS[preset])


def test_draem_code_parameter_ranges(sample) -> None:
    records = _draws(TextureAugment("draem-code", k=10), sample, 200)
    params: dict[str, list[dict]] = {}
    for record in records:
        for r in record["ops"]:
            params.setdefault(r["op"], []).append(r)
    gammas = np.array([r["gamma"] for r in params["gamma"]])
    assert gammas.shape == (200, 3) and gammas.min() >= 0.5 and gammas.max() <= 2.0
    assert not np.all(gammas[:, 0] == gammas[:, 1])  # per channel
    assert all(0.8 <= r["factor"] <= 1.2 and -30 <= r["add"] <= 30 for r in params["brightness"])
    assert all(0.0 <= r["factor"] <= 2.0 for r in params["sharpness"])
    hs = np.array([[r["hue"], r["saturation"]] for r in params["hue_saturation"]])
    assert hs.min() >= -50 and hs.max() <= 50 and not np.all(hs[:, 0] == hs[:, 1])
    thresholds = np.array([r["threshold"] for r in params["solarize"]])
    applied = thresholds[thresholds < 256]
    assert 60 <= len(applied) <= 140  # p = 0.5
    assert applied.min() >= 32 and applied.max() <= 128
    bits = {r["bits"] for r in params["posterize"]}
    assert bits == set(range(1, 9))
    cutoffs = {r["cutoff"] for r in params["autocontrast"]}
    assert min(cutoffs) == 0 and max(cutoffs) == 20
    assert all(-45 <= r["angle"] <= 45 for r in params["rotate_texture"])
    assert params["invert"][0] == {"op": "invert"} and params["equalize"][0] == {"op": "equalize"}


def test_replay_applies_ops_in_record_order(sample) -> None:
    transform = TextureAugment(["invert", "posterize", "brightness"])
    ops = [
        {"op": "posterize", "bits": 2},
        {"op": "brightness", "factor": 1.0, "add": 30.0},
        {"op": "invert"},
    ]
    record = transform.record(ops=ops)
    expected = F.invert(F.brightness(F.posterize(sample.texture, 2), 1.0, 30.0))
    np.testing.assert_array_equal(transform.apply(sample, record).texture, expected)
    reversed_record = transform.record(ops=ops[::-1])
    assert not np.array_equal(transform.apply(sample, reversed_record).texture, expected)


def test_same_rng_same_result_and_input_untouched(sample) -> None:
    transform = TextureAugment()
    before = sample.texture.copy()
    a, ra = transform.forward(sample, np.random.default_rng(42))
    b, rb = transform.forward(sample, np.random.default_rng(42))
    _, rc = transform.forward(sample, np.random.default_rng(43))
    assert ra == rb and ra != rc
    np.testing.assert_array_equal(a.texture, b.texture)
    np.testing.assert_array_equal(sample.texture, before)


def test_grey_texture(rgb_image) -> None:
    grey = Sample.from_image(rgb_image[:, :, :1]).evolve(texture=rgb_image[:, :, 1:2].copy())
    transform = TextureAugment("draem-code", k=10)
    out, record = transform.forward(grey, np.random.default_rng(0))
    assert out.texture.shape == grey.texture.shape
    gamma = next(r for r in record["params"]["ops"] if r["op"] == "gamma")
    assert len(gamma["gamma"]) == 1


def test_ranges_override_and_explicit_ops(sample) -> None:
    transform = TextureAugment(
        ["brightness", "solarize"],
        k=2,
        ranges={"brightness": {"add": (5, 5)}, "solarize": {"p": 1.0}},
    )
    for record in _draws(transform, sample, 20):
        by_op = {r["op"]: r for r in record["ops"]}
        assert by_op["brightness"]["add"] == 5.0
        assert 0.8 <= by_op["brightness"]["factor"] <= 1.2
        assert by_op["solarize"]["threshold"] <= 128
    assert TEXTURE_OPS["brightness"].ranges["add"] == (-30.0, 30.0)  # defaults untouched


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ops": "imagenet"}, "unknown preset"),
        ({"ops": ["invert", "blur"]}, "unknown texture ops"),
        ({"ops": ["invert", "invert"]}, "distinct"),
        ({"ops": "paper", "k": 8}, "k must be"),
        ({"k": 0}, "k must be"),
        ({"ranges": {"color": {"factor": (0, 1)}}}, "not in use"),
        ({"ranges": {"brightness": {"mul": (0, 1)}}}, "no parameter range"),
        ({"ranges": {"brightness": {"add": (10, -10)}}}, "low <= high"),
        ({"fn": lambda x: x, "ranges": {}}, "ranges apply"),
    ],
)
def test_invalid_configuration(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        TextureAugment(**kwargs)


def test_missing_texture_is_a_clear_error(rgb_image) -> None:
    with pytest.raises(ValueError, match=r"sample\.texture"):
        TextureAugment().forward(Sample.from_image(rgb_image), np.random.default_rng(0))
    transform = TextureAugment()
    record = transform.make_params(np.random.default_rng(0), Sample.from_image(rgb_image))
    with pytest.raises(ValueError, match=r"sample\.texture"):
        transform.apply(Sample.from_image(rgb_image), record)


class SeededNoise:
    """A stand-in for an imgaug augmenter: random, but reproducible through ``seed_``."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng()
        self.seeds: list[int] = []

    def seed_(self, seed: int) -> None:
        self.seeds.append(seed)
        self.rng = np.random.default_rng(seed)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        noise = self.rng.integers(-40, 41, image.shape)
        image += 1  # works in place, like many augmenters
        return np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8)


def test_callable_is_seeded_and_replays(sample) -> None:
    fn = SeededNoise()
    transform = TextureAugment(fn=fn)
    before = sample.texture.copy()
    out, record = transform.forward(sample, np.random.default_rng(0))
    assert set(record["params"]) == {"seed"} and 0 <= record["params"]["seed"] < 2**31
    assert record["settings"] == {"fn": f"{__name__}:SeededNoise"}
    assert fn.seeds == [record["params"]["seed"]]
    np.testing.assert_array_equal(sample.texture, before)
    assert not np.array_equal(out.texture, before)
    fn.rng = np.random.default_rng(999)  # disturb its state: the replay must reseed
    replayed = transform.apply(sample, json.loads(json.dumps(record)))
    np.testing.assert_array_equal(replayed.texture, out.texture)
    other, other_record = transform.forward(sample, np.random.default_rng(1))
    assert other_record != record and not np.array_equal(other.texture, out.texture)


def test_albumentations_style_callable(sample) -> None:
    calls = []

    class KeywordTransform:
        def set_random_seed(self, seed: int) -> None:
            calls.append(seed)

        def __call__(self, *args, force_apply: bool = False, **data):
            assert not args
            return {"image": 255 - data["image"]}

    transform = TextureAugment(fn=KeywordTransform())
    out, record = transform.forward(sample, np.random.default_rng(0))
    np.testing.assert_array_equal(out.texture, 255 - sample.texture)
    assert calls == [record["params"]["seed"]]


def test_callable_with_wrong_output_and_mismatched_record(sample) -> None:
    transform = TextureAugment(fn=lambda image: image[:10])
    with pytest.raises(ValueError, match="must return"):
        transform.forward(sample, np.random.default_rng(0))
    with pytest.raises(ValueError, match="other settings"):
        TextureAugment().apply(sample, transform.record(seed=3))


@pytest.mark.parametrize(
    ("op", "edit", "message"),
    [
        ("gamma", {"gamma": [1e9, 1.0, 1.0]}, r"gamma .* outside its range \[0\.5, 2\.0\]"),
        ("gamma", {"gamma": True}, "gamma must be a list of numbers"),
        ("gamma", {"gamma": [True, 1.0, 1.0]}, "gamma must be a list of numbers"),
        ("solarize", {"threshold": 0}, r"threshold 0 is outside its range \[32, 128\]"),
        ("solarize", {"threshold": float("inf")}, "threshold must be an integer"),
        ("autocontrast", {"cutoff": 1.5}, "cutoff must be an integer"),
        ("posterize", {"bits": 2**70}, "bits .* outside its range"),
        ("brightness", {"factor": float("nan")}, "factor nan is outside its range"),
        ("solarize", {"threshold": None}, "threshold must be an integer"),
        ("solarize", {}, r"lacks key\(s\) \['threshold'\]"),
        ("solarize", {"p": 0.5}, r"has unknown key\(s\) \['p'\]"),
    ],
)
def test_an_edited_op_draw_is_refused_in_one_line(sample, op, edit, message) -> None:
    """The draws of the built-in ops are checked against the recorded ranges on replay: an
    out-of-range value, a wrong type, a missing or an unknown key is a RecordError, never a
    silent default or a numpy/Python error from the kernel."""
    from synthdefect.transforms.records import RecordError

    others = [name for name in PRESETS["draem-code"] if name != op][:2]
    transform = TextureAugment((op, *others), k=3)
    rng = np.random.default_rng(1)
    while True:  # a draw whose first op is `op`
        record = transform.make_params(rng, sample)
        if record["params"]["ops"][0]["op"] == op:
            break
    edited = json.loads(json.dumps(record))
    draw = edited["params"]["ops"][0]
    if not edit:
        draw.clear()
        draw["op"] = op
    for key, value in edit.items():
        draw[key] = value
    with pytest.raises(RecordError, match=message):
        transform.apply(sample, edited)
    transform.apply(sample, json.loads(json.dumps(record)))  # the record as drawn replays


def test_the_no_op_solarize_draw_outside_the_range_replays(sample) -> None:
    transform = TextureAugment(("solarize",), k=1)
    record = {**transform.describe(), "params": {"ops": [{"op": "solarize", "threshold": 256}]}}
    np.testing.assert_array_equal(transform.apply(sample, record).texture, sample.texture)
