"""The transform contract, self-describing records, replay from a record alone, validation,
named composition, the preset registry and empty-mask redraws."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pytest

import synthdefect
from synthdefect import (
    BetaBlend,
    Compose,
    PerlinMask,
    RandomApply,
    RandomRotate,
    RecordError,
    SyntheticAnomaly,
    TextureAugment,
    TextureSample,
    find_step,
    make_recipe,
    recipe_from_record,
    replay,
    walk_records,
)
from synthdefect.bench.baseline import baseline_recipe
from synthdefect.files.codec import read_image
from synthdefect.generate import GenerateConfig, generate
from synthdefect.recipes import PRESETS, register_preset
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.base import Transform


def with_texture(image: np.ndarray) -> Sample:
    return Sample.from_image(image).evolve(texture=np.roll(image, 7, axis=1).copy())


def every_transform() -> dict[str, tuple[object, bool]]:
    """name -> (transform, whether it needs sample.texture set)."""
    return {
        "PerlinMask": (PerlinMask(threshold=(0.2, 0.6)), False),
        "RandomRotate": (RandomRotate((-20, 20)), False),
        "TextureSample": (TextureSample("procedural:stripes", resize="crop"), False),
        "TextureAugment": (TextureAugment("paper", k=2), True),
        "BetaBlend": (BetaBlend((0.3, 0.9)), True),
        "RandomApply": (RandomApply(RandomRotate((-20, 20)), p=0.5), False),
        "Compose": (Compose([("rotate", RandomRotate()), ("mask", PerlinMask())]), False),
        "SyntheticAnomaly": (SyntheticAnomaly("paper", p_anomaly=0.7, rotate_p=0.5), False),
    }


@pytest.mark.parametrize("name", list(every_transform()))
def test_apply_of_make_params_is_forward_for_every_transform(name, rgb_image):
    transform, needs_texture = every_transform()[name]
    make = with_texture if needs_texture else Sample.from_image
    for index in range(6):
        record = transform.make_params(sample_rng(1, index), make(rgb_image))
        assert json.loads(json.dumps(record)) == record
        assert {"type", "version", "settings"} <= set(record)
        applied = transform.apply(make(rgb_image), record)
        forward, forward_record = transform.forward(make(rgb_image), sample_rng(1, index))
        assert forward_record == record
        assert np.array_equal(applied.image, forward.image)
        assert np.array_equal(applied.mask, forward.mask)
        assert np.array_equal(applied.normal, forward.normal)
    rebuilt = recipe_from_record(transform.describe())
    assert rebuilt.describe() == transform.describe()


def test_no_transform_overrides_forward():
    from synthdefect.transforms.base import Transform

    for transform, _ in every_transform().values():
        assert type(transform).forward is Transform.forward


def test_texture_sample_draws_without_reading_files(tmp_path, rgb_image):
    folder = tmp_path / "textures"
    folder.mkdir()
    synthdefect.files.write_image(folder / "good.png", rgb_image)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    transform = TextureSample(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # decoding the broken file would warn
        names = {
            transform.make_params(sample_rng(0, i), Sample.from_image(rgb_image))["params"]["name"]
            for i in range(20)
        }
    assert names == {"good.png", "broken.png"}


def test_replay_from_a_manifest_line_alone(tmp_path):
    config = GenerateConfig(n=12, out=tmp_path / "run", size=(48, 64), seed=5, p_anomaly=0.8)
    generate(config, workers=1)
    lines = (tmp_path / "run" / "manifest.jsonl").read_text().splitlines()
    checked = 0
    for line in lines:
        entry = json.loads(line)
        if not entry["label"]:
            continue
        name = entry["source"].removeprefix("builtin/")
        normal = synthdefect.NormalImages(
            [p for p in synthdefect.generate.default_images() if p.name == name], size=(48, 64)
        )[0]
        result = replay(normal, line)  # the manifest line is all it needs
        written = read_image(tmp_path / "run" / entry["files"]["image"])
        assert np.array_equal(result.image, written)
        assert result.label == 1
        checked += 1
    assert checked >= 5


def test_replay_with_user_textures_needs_them_and_checks_names(dtd_dir, rgb_image):
    made = SyntheticAnomaly(textures=dtd_dir / "banded", p_anomaly=1.0)(rgb_image, seed=3)
    with pytest.raises(ValueError, match="textures="):
        replay(rgb_image, made.params)
    again = replay(rgb_image, made.params, textures=dtd_dir / "banded")
    assert np.array_equal(again.image, made.image)
    with pytest.raises(ValueError, match="replay with the texture source"):
        replay(rgb_image, made.params, textures=dtd_dir / "bumpy")


def test_replay_by_another_transform_fails(rgb_image):
    record = SyntheticAnomaly("draem-code", p_anomaly=1.0)(rgb_image, seed=0).params
    with pytest.raises(ValueError, match="name"):
        SyntheticAnomaly("paper", p_anomaly=1.0).replay(rgb_image, record)
    mask = PerlinMask().make_params(sample_rng(0, 0), Sample.from_image(rgb_image))
    with pytest.raises(ValueError, match="octaves"):
        PerlinMask(octaves=3).apply(Sample.from_image(rgb_image), mask)
    with pytest.raises(ValueError, match="PerlinMask"):
        RandomRotate().apply(Sample.from_image(rgb_image), mask)


def tampered(record: dict, path: str, value: object) -> dict:
    """A deep copy of ``record`` with the value at dotted ``path`` replaced (or removed)."""
    record = copy.deepcopy(record)
    *parents, last = path.split(".")
    node = record
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return record


MASK = "steps.anomaly.transform.steps.mask"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("steps.anomaly.params.applied", "no", "true or false"),
        ("steps.rotate.params.applied", 1, "true or false"),
        (f"{MASK}.params.seed", 12.5, "integer"),
        (f"{MASK}.params.seed", -1, "within"),
        (f"{MASK}.params.threshold", 5.0, "within"),
        (f"{MASK}.params.res", [3, 4], "powers of 2"),
        (f"{MASK}.params.angle", float("nan"), "finite"),
        (f"{MASK}.params.attempts", KeyError, "lacks"),
        (f"{MASK}.settings.octaves", 2, "octaves"),
        (f"{MASK}.type", "CircleMask", "CircleMask"),
        (f"{MASK}.version", 2, "version"),
        ("steps.anomaly.transform.steps.blend.params.beta", 0.05, "within"),
        ("steps.anomaly.transform.steps.texture.params.index", "3", "integer"),
        ("steps.anomaly.transform.steps.augment.params.ops", [], "list of 3"),
        ("steps.anomaly.transform.steps", {}, "steps"),
        ("settings.name", "paper", "name"),
    ],
)
def test_malformed_records_raise_clear_errors(rgb_image, path, value, message):
    anomaly = SyntheticAnomaly("draem-code", p_anomaly=1.0, rotate_p=1.0)
    record = anomaly(rgb_image, seed=2).params
    bad = tampered(record, path, value)
    with pytest.raises(RecordError, match=message) as error:
        anomaly.replay(rgb_image, bad)
    assert isinstance(error.value, ValueError)
    if "settings" not in path:  # other settings rebuild another (valid) recipe
        with pytest.raises(ValueError):
            replay(rgb_image, bad)


def test_replay_needs_a_record(rgb_image):
    anomaly = SyntheticAnomaly()
    with pytest.raises(ValueError, match="replay needs the record"):
        anomaly.replay(rgb_image, None)
    with pytest.raises(ValueError, match="must be a dict"):
        anomaly.replay(rgb_image, [None])
    with pytest.raises(ValueError, match="unknown transform type"):
        replay(rgb_image, {"type": "Nope", "version": 1, "settings": {}})


def test_error_names_where_in_the_recipe(rgb_image):
    anomaly = SyntheticAnomaly(p_anomaly=1.0)
    bad = tampered(anomaly(rgb_image, seed=1).params, f"{MASK}.params.threshold", 0.7)
    with pytest.raises(RecordError, match=f"record at {MASK}: "):
        anomaly.replay(rgb_image, bad)


def test_named_steps_walk_and_find(rgb_image):
    recipe = Compose(
        {"mask": PerlinMask(), "texture": TextureSample(), "blend": BetaBlend()}, name="mine"
    )
    assert isinstance(recipe["mask"], PerlinMask)
    record = recipe(rgb_image, seed=0).params
    assert list(record["steps"]) == ["mask", "texture", "blend"]
    assert find_step(record, "blend")["params"]["beta"] >= 0.1
    assert [p for p, _ in recipe.walk()] == [p for p, _ in walk_records(record)]
    nested = SyntheticAnomaly(p_anomaly=1.0)
    paths = [p for p, _ in nested.walk()]
    assert MASK in paths and paths == [p for p, _ in walk_records(nested.describe())]
    with pytest.raises(ValueError, match="distinct"):
        Compose([("a", PerlinMask()), ("a", BetaBlend())])
    with pytest.raises(TypeError):
        Compose([("a", lambda x: x)])


def test_recipe_rebuilt_from_record_makes_the_same_samples(rgb_image):
    recipe = Compose(
        [
            ("mask", PerlinMask(scale_exponents=(1, 3), threshold=(0.3, 0.5), octaves=2)),
            ("texture", TextureSample("procedural:noise,cracks")),
            (
                "augment",
                TextureAugment(
                    ["invert", "posterize"], k=1, ranges={"posterize": {"bits": (2, 3)}}
                ),
            ),
            ("blend", BetaBlend((0.5, 1.0))),
        ]
    )
    description = json.loads(json.dumps(recipe.describe()))
    rebuilt = recipe_from_record(description)
    for index in range(5):
        ours, theirs = (
            recipe(rgb_image, seed=9, index=index),
            rebuilt(rgb_image, seed=9, index=index),
        )
        assert ours.params == theirs.params and np.array_equal(ours.image, theirs.image)


def test_recipes_pickle_after_drawing(rgb_image):
    anomaly = SyntheticAnomaly(p_anomaly=1.0)
    first = anomaly(rgb_image, seed=0)
    clone = pickle.loads(pickle.dumps(anomaly))
    assert np.array_equal(clone.replay(rgb_image, first.params).image, first.image)


def test_label_one_never_has_an_empty_mask(rgb_image):
    """Empty Perlin masks are redrawn (at most 10 draws); the count is recorded."""
    anomaly = SyntheticAnomaly("paper", p_anomaly=1.0)
    results = [anomaly(rgb_image, seed=0, index=i) for i in range(200)]
    assert all(r.label == 1 and r.mask.any() for r in results)
    attempts = [find_step(r.params, "mask")["params"]["attempts"] for r in results]
    assert max(attempts) > 1 and all(1 <= a <= 10 for a in attempts)
    keep_empty = SyntheticAnomaly("paper", p_anomaly=1.0, redraw_empty=False)
    assert any(keep_empty(rgb_image, seed=0, index=i).label == 0 for i in range(200))


def test_all_draws_empty_gives_a_consistent_label_zero(rgb_image):
    anomaly = SyntheticAnomaly(p_anomaly=1.0, threshold=0.9999)
    result = anomaly(rgb_image, seed=0)
    assert find_step(result.params, "mask")["params"]["attempts"] == 10
    assert result.label == 0 and not result.mask.any()
    assert np.array_equal(result.image, result.normal)  # no defect pixel anywhere
    assert np.array_equal(replay(rgb_image, result.params).image, result.image)


def test_preset_registry_takes_new_recipes(tmp_path):
    def build(textures=None, p_anomaly=None):
        blend = BetaBlend((1.0, 1.0))
        steps = [("mask", PerlinMask()), ("texture", TextureSample(textures)), ("blend", blend)]
        return RandomApply(
            Compose(steps, name="flat-paste"), p=0.5 if p_anomaly is None else p_anomaly
        )

    register_preset("flat-paste", build, "test preset")
    try:
        recipe = make_recipe("flat-paste", p_anomaly=1.0)
        assert recipe.p == 1.0
        config = GenerateConfig(n=4, out=tmp_path / "run", size=(32, 32), preset="flat-paste")
        report = generate(config, workers=1)
        assert report.samples == 4
        with pytest.raises(ValueError, match="already registered"):
            register_preset("flat-paste", build, "again")
    finally:
        del PRESETS["flat-paste"]
    with pytest.raises(ValueError, match="unknown preset"):
        make_recipe("flat-paste")


def test_bench_baseline_replays_any_recipe(rgb_image):
    recipe = SyntheticAnomaly("draem-code", p_anomaly=1.0, rotate_p=0.5)
    twin = baseline_recipe(recipe)
    for index in range(8):
        sample, record = recipe.forward(Sample.from_image(rgb_image), sample_rng(0, index))
        again = twin.apply(Sample.from_image(rgb_image), record)
        assert np.array_equal(again.mask, sample.mask)
        assert np.abs(again.image.astype(int) - sample.image.astype(int)).mean() < 2.0


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_replays_from_its_record_alone(name, rgb_image):
    recipe = make_recipe(name, p_anomaly=1.0)
    for index in range(3):
        made = recipe(rgb_image, seed=2, index=index)
        again = replay(rgb_image, json.dumps(made.params))
        assert np.array_equal(again.image, made.image) and np.array_equal(again.mask, made.mask)
        assert again.label == made.label
    assert recipe_from_record(recipe.describe()).describe() == recipe.describe()


def test_replay_takes_the_image_first_and_the_old_order_with_a_warning(rgb_image):
    made = SyntheticAnomaly("paper", p_anomaly=1.0)(rgb_image, seed=1, index=0)
    assert np.array_equal(replay(rgb_image, made.params).image, made.image)
    with pytest.warns(DeprecationWarning, match=r"now replay\(image, record\)"):
        again = replay(made.params, rgb_image)
    assert np.array_equal(again.image, made.image)


def test_a_fresh_draw_is_applied_unchecked_and_every_other_record_checked(rgb_image, monkeypatch):
    checked = []
    original = Transform.check_header

    def counting(self, record, keys):
        checked.append(self.record_type)
        return original(self, record, keys)

    monkeypatch.setattr(Transform, "check_header", counting)
    anomaly = SyntheticAnomaly("draem-code", p_anomaly=1.0, rotate_p=1.0)
    made = anomaly(rgb_image, seed=4)
    assert checked == []  # make_params drew it valid: apply does not check it again
    assert np.array_equal(anomaly.replay(rgb_image, made.params).image, made.image)
    assert {"Compose", "RandomApply", "PerlinMask", "BetaBlend"} <= set(checked)
    checked.clear()
    mask = PerlinMask()
    record = mask.make_params(sample_rng(0, 0), Sample.from_image(rgb_image))
    mask.apply(Sample.from_image(rgb_image), record)
    assert checked == []
    for other, copied in [(PerlinMask(), record), (mask, copy.deepcopy(record))]:
        other.apply(Sample.from_image(rgb_image), copied)
        assert checked == ["PerlinMask"]
        checked.clear()
    with pytest.raises(RecordError, match="params"):  # its own description holds no draws
        mask.apply(Sample.from_image(rgb_image), mask.describe())
    record["params"]["threshold"] = 5.0  # an edited draw, replayed: refused
    with pytest.raises(RecordError, match="within"):
        mask.replay(rgb_image, record)
