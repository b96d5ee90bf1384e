"""Records declared once per transform (settings_fields, params_schema, children), the
make_params/apply contract without state between the two, and its one pixel-reading exception."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from test_records import every_transform, with_texture

from synthdefect import (
    Compose,
    Foreground,
    PerlinMask,
    RandomApply,
    RecordError,
    Transform,
    recipe_from_record,
    replay,
)
from synthdefect.sample import Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms.records import (
    TRANSFORM_TYPES,
    Record,
    integer,
    number,
    pair,
    register_transform,
)


class Darken(Transform):
    """A custom transform declared the documented way: settings by name, draws by schema."""

    settings_fields = ("strength", "corner")

    def __init__(self, strength: tuple[float, float] = (0.2, 0.6), corner: int = 8) -> None:
        self.strength, self.corner = tuple(strength), int(corner)

    def params_schema(self):
        return {"factor": number(*self.strength), "at": pair(integer(0))}

    def make_params(self, rng, sample):
        height, width = sample.image.shape[:2]
        at = [int(rng.integers(height - self.corner)), int(rng.integers(width - self.corner))]
        return self.record(factor=float(rng.uniform(*self.strength)), at=at)

    def apply(self, sample, params):
        draws = self.unpack(params)
        (y, x), size = draws["at"], self.corner
        image = sample.image.copy()
        image[y : y + size, x : x + size] = image[y : y + size, x : x + size] * draws["factor"]
        mask = np.zeros(image.shape[:2], np.float32)
        mask[y : y + size, x : x + size] = 1.0
        return sample.evolve(image=image, mask=mask)


@pytest.fixture
def darken():
    register_transform(Darken)
    try:
        yield Darken
    finally:
        del TRANSFORM_TYPES["Darken"]


def test_a_declared_transform_round_trips_through_its_description(darken, rgb_image):
    recipe = RandomApply(Compose([("mask", PerlinMask()), ("dark", darken((0.3, 0.5), 6))]), p=1)
    description = json.loads(json.dumps(recipe.describe()))
    assert description["transform"]["steps"]["dark"]["settings"] == {
        "strength": [0.3, 0.5],
        "corner": 6,
    }
    rebuilt = recipe_from_record(description)
    assert rebuilt.describe() == recipe.describe()
    made = recipe(rgb_image, seed=4)
    again = replay(rgb_image, json.dumps(made.params))
    assert made.params == rebuilt(rgb_image, seed=4).params
    assert np.array_equal(again.image, made.image) and np.array_equal(again.mask, made.mask)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"factor": 0.9, "at": [1, 2]},
            r"dark: Darken params\.factor must be within \[0\.3, 0\.5\]",
        ),
        ({"factor": 0.4, "at": [1, -2]}, r"Darken params\.at must be within"),
        ({"factor": 0.4, "at": 3}, r"Darken params\.at must be a pair"),
        ({"factor": 0.4}, r"Darken params lacks key\(s\) \['at'\]"),
        ({"factor": 0.4, "at": [1, 2], "x": 0}, r"unknown key\(s\) \['x'\]"),
    ],
)
def test_a_bad_record_of_a_declared_transform_is_refused_in_one_line(
    darken, rgb_image, params, message
):
    recipe = Compose([("dark", darken((0.3, 0.5), 6))])
    record = copy.deepcopy(recipe(rgb_image, seed=0).params)
    record["steps"]["dark"]["params"] = params
    for attempt in (lambda: recipe.replay(rgb_image, record), lambda: replay(rgb_image, record)):
        with pytest.raises(RecordError, match=message) as error:
            attempt()
        assert "\n" not in str(error.value) and str(error.value).startswith("record at steps.dark")


def test_a_transform_written_the_older_way_still_records_and_rebuilds(rgb_image):
    class Shift(Transform):
        record_type = "TestShift"

        def __init__(self, by: int = 3) -> None:
            self.by = by

        def settings(self):
            return {"by": self.by}

        def make_params(self, rng, sample):
            return self.record(roll=int(rng.integers(self.by)))

        def check_params(self, params):
            if set(params) != {"roll"}:
                raise RecordError(f"TestShift params are {params}")
            return params

        @classmethod
        def from_description(cls, description, rebuild):
            return cls(**description["settings"])

        def apply(self, sample, params):
            return sample.evolve(image=np.roll(sample.image, self.unpack(params)["roll"], 1))

    register_transform(Shift)
    try:
        made = Shift(5)(rgb_image, seed=1)
        assert made.params["settings"] == {"by": 5}
        assert np.array_equal(replay(rgb_image, made.params).image, made.image)
        with pytest.raises(RecordError, match="TestShift params are"):
            Shift(5).replay(rgb_image, {**made.params, "params": {}})
    finally:
        del TRANSFORM_TYPES["TestShift"]


def test_composites_share_one_mechanism_and_keep_their_record_shapes(rgb_image):
    inner = Compose([("mask", PerlinMask())], name="inner")
    shapes = {
        "Compose": (inner, {"type", "version", "settings", "steps"}),
        "RandomApply": (
            RandomApply(inner, p=1.0),
            {"type", "version", "settings", "params", "transform"},
        ),
        "Foreground": (Foreground(inner), {"type", "version", "settings", "params", "steps"}),
    }
    for name, (transform, keys) in shapes.items():
        record = transform(rgb_image, seed=0).params
        assert set(record) == keys, name
        assert record == json.loads(json.dumps(record))
        assert [p for p, _ in transform.walk()][-1].endswith("steps.mask")


@pytest.mark.parametrize("name", list(every_transform()))
def test_make_params_reads_no_pixels(name, rgb_image):
    """Two images of one shape draw the same record: only shape and metadata count."""
    transform, needs_texture = every_transform()[name]
    make = with_texture if needs_texture else Sample.from_image
    other = np.ascontiguousarray(rgb_image[::-1, ::-1])
    for index in range(3):
        first = transform.make_params(sample_rng(3, index), make(rgb_image))
        second = transform.make_params(sample_rng(3, index), make(other))
        assert first == second


def test_foreground_is_the_transform_whose_make_params_reads_pixels(rgb_image):
    """Foreground's draws depend on the image: its record keeps the foreground's area, and a
    record drawn for one image does not replay on another of the same shape."""
    dark = rgb_image // 4
    dark[16:48, 16:48] = 250  # a bright square on a dark background
    recipe = Foreground(Compose([("mask", PerlinMask())]))
    on_square = recipe.make_params(sample_rng(0, 0), Sample.from_image(dark))
    on_scene = recipe.make_params(sample_rng(0, 0), Sample.from_image(rgb_image))
    assert on_square["params"]["area"] != on_scene["params"]["area"]
    with pytest.raises(RecordError, match="foreground covers"):
        recipe.apply(Sample.from_image(rgb_image), on_square)


def test_no_state_between_make_params_and_apply(rgb_image):
    """A transform is the same object before and after drawing; what apply reuses rides in the
    record (Record.derived), which JSON, pickles and copies leave out."""
    recipe = Foreground(Compose([("mask", PerlinMask()), ("mask2", PerlinMask(threshold=0.3))]))
    before = pickle.dumps(recipe)
    sample = Sample.from_image(rgb_image)
    record = recipe.make_params(sample_rng(0, 0), sample)
    assert pickle.dumps(recipe) == before
    assert not any("_last" in vars(t) for _, t in recipe.walk())
    mask_record = record["steps"]["recipe"]["steps"]["mask"]
    assert isinstance(mask_record, Record) and "mask" in mask_record.derived
    assert "foreground" in record.derived
    for plain in (pickle.loads(pickle.dumps(record)), copy.deepcopy(record), copy.copy(record)):
        assert type(plain) is dict and plain == record
    fast = recipe.apply(Sample.from_image(rgb_image), record)  # rebuilds from the draws
    reused = recipe.apply(sample, record)  # the same image: reuses what make_params kept
    assert np.array_equal(fast.mask, reused.mask) and np.array_equal(fast.image, reused.image)
    reused.mask[:] = 0  # the record keeps its own mask
    assert np.array_equal(recipe.apply(sample, record).mask, fast.mask)
