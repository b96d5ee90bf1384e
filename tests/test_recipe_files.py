"""Recipes as files and objects: load_recipe, save_recipe, --recipe / --preset / --textures in
generate, preview and train, and the Dataset."""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_generate import tree_bytes
from test_generate_cli import QUICK, assert_input_problem, run
from test_reference_pipeline import _invoke, _tiny_args, _write_category

from synthdefect import (
    PRESETS,
    BetaBlend,
    Compose,
    PerlinMask,
    SyntheticAnomaly,
    TextureSample,
    find_step,
    load_recipe,
    make_recipe,
    save_recipe,
)
from synthdefect.dataset import SyntheticAnomalyDataset
from synthdefect.recipes import RecipeOptions
from synthdefect.transforms.records import walk_records

ROOT = Path(__file__).resolve().parents[1]
CUSTOM = f"{ROOT / 'examples' / 'custom_recipe.py'}:recipe"


def same_samples(a, b, image: np.ndarray, n: int = 6) -> bool:
    for index in range(n):
        ra, rb = a(image, seed=4, index=index), b(image, seed=4, index=index)
        if ra.params != rb.params or not np.array_equal(ra.image, rb.image):
            return False
    return True


def test_json_file_round_trip(tmp_path, rgb_image):
    recipe = Compose(
        [("mask", PerlinMask(threshold=(0.3, 0.6))), ("texture", TextureSample("self")),
         ("blend", BetaBlend((0.4, 0.8)))],
        name="mine",
    )  # fmt: skip
    path = save_recipe(recipe, tmp_path / "mine.json")
    assert same_samples(load_recipe(path), recipe, rgb_image)
    assert same_samples(load_recipe(str(path)), recipe, rgb_image)


def test_preset_file_with_overrides(tmp_path, rgb_image):
    path = tmp_path / "paper.json"
    path.write_text(json.dumps({"preset": "paper", "p_anomaly": 1.0}))
    assert same_samples(load_recipe(path), SyntheticAnomaly("paper", p_anomaly=1.0), rgb_image)


WRONG_TYPES = [
    ("paper", "p_anomaly", "1", "p_anomaly must be a number, got '1' (str)"),
    ("paper", "p_anomaly", True, "p_anomaly must be a number, got True (bool)"),
    ("cutpaste", "p_anomaly", False, "p_anomaly must be a number, got False (bool)"),
    ("draem-code+cutpaste", "p_anomaly", "0.5", "p_anomaly must be a number, got '0.5' (str)"),
    ("paper", "rotate_p", True, "rotate_p must be a number, got True (bool)"),
    ("paper", "rotate_p", "0.3", "rotate_p must be a number, got '0.3' (str)"),
    ("paper", "min_area", True, "min_area must be a number, got True (bool)"),
    ("paper", "k", "3", "k must be an integer, got '3' (str)"),
    ("paper", "k", 2.5, "k must be an integer, got 2.5 (float)"),
    ("paper", "k", True, "k must be an integer, got True (bool)"),
    ("paper", "redraw_empty", "yes", "redraw_empty must be true or false, got 'yes' (str)"),
    ("paper", "redraw_empty", 1, "redraw_empty must be true or false, got 1 (int)"),
    ("paper", "threshold", True, "threshold must be a number or a pair (lo, hi) of numbers"),
    ("paper", "threshold", [0.3, "0.7"], "threshold must be a number or a pair (lo, hi) of"),
    ("paper", "beta", [True, 1], "beta must be a pair (lo, hi) of numbers, got [True, 1]"),
    ("paper", "beta", "0.5", "beta must be a pair (lo, hi) of numbers, got '0.5'"),
    ("nsa", "mixed", "yes", "mixed must be true or false, got 'yes' (str)"),
    ("nsa", "mixed", 1, "mixed must be true or false, got 1 (int)"),
    ("cutout", "area", [0.02, "0.1"], "area must be a pair (lo, hi) of numbers"),
    ("intensity-disc", "amount", [0.2, True], "amount must be a pair (lo, hi) of numbers"),
    ("fractal", "noise", "10", "noise must be a number, got '10' (str)"),
    ("fractal", "p_noise", True, "p_noise must be a number, got True (bool)"),
    ("fractal", "angle", [True, 75], "angle must be a pair (lo, hi) of numbers"),
    ("fpi", "alpha", [0, True], "alpha must be a pair (lo, hi) of numbers"),
]
"""A preset file's setting of the wrong type: (preset, key, value, the one-line message)."""


@pytest.mark.parametrize(("preset", "key", "value", "message"), WRONG_TYPES)
def test_a_preset_file_setting_of_the_wrong_type_is_one_line(tmp_path, preset, key, value, message):
    """A string, a bool where a number is expected (``true`` is no probability), a float or a
    string where an integer is, anything but true/false for a flag: refused in one line naming
    the key, the value and the type expected, from a file and from ``make_recipe`` alike."""
    path = tmp_path / "preset.json"
    path.write_text(json.dumps({"preset": preset, key: value}))
    with pytest.raises(ValueError) as refused:
        load_recipe(path)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(ValueError, match=re.escape(message)):
        make_recipe(preset, **{key: value})


@pytest.mark.parametrize(
    "settings",
    [
        {"preset": "paper", "p_anomaly": 1},
        {"preset": "paper", "p_anomaly": 0, "rotate_p": 1, "min_area": 0, "k": 2},
        {"preset": "paper", "threshold": 0, "beta": [0, 1], "redraw_empty": False},
        {"preset": "nsa", "mixed": True},
        {"preset": "fractal", "noise": 10, "p_noise": 1, "angle": [15, 75]},
        {"preset": "cutout", "area": [0.02, 0.15], "aspect": [1, 3]},
        {"preset": "draem-code+cutpaste", "p_anomaly": 1},
    ],
)
def test_a_preset_file_takes_integers_where_floats_are_expected(tmp_path, settings):
    path = tmp_path / "preset.json"
    path.write_text(json.dumps(settings))
    load_recipe(path)


MASK = ("steps", "anomaly", "transform", "steps", "mask")
WRONG_RECORD_TYPES = [
    (("steps", "anomaly"), "p", True, "p must be a number, got True (bool)"),
    (
        ("steps", "rotate", "transform"),
        "degrees",
        ["-90", 90],
        "degrees[0] must be a number, got '-90' (str)",
    ),
    (
        ("steps", "rotate", "transform"),
        "degrees",
        [True, 90],
        "degrees[0] must be a number, got True (bool)",
    ),
    (MASK, "octaves", True, "octaves must be an integer, got True (bool)"),
    (MASK, "octaves", 1.0, "octaves must be an integer, got 1.0 (float)"),
    (MASK, "persistence", True, "persistence must be a number, got True (bool)"),
    (MASK, "scale_exponents", [True, 5], "scale_exponents must be a pair (lo, hi) of numbers"),
    (MASK, "redraw_empty", "yes", "redraw_empty must be true or false, got 'yes' (str)"),
    (MASK, "max_retries", 10.0, "max_retries must be an integer, got 10.0 (float)"),
    (
        ("steps", "anomaly", "transform", "steps", "blend"),
        "open_low",
        "no",
        "open_low must be true or false, got 'no' (str)",
    ),
    (("steps", "anomaly", "transform", "steps", "augment"), "k", True, "k must be an integer"),
]
"""A recipe file's (a description's) setting of the wrong type: (the record's path in the paper
recipe, key, value, what the one-line message says)."""


@pytest.mark.parametrize(("where", "key", "value", "message"), WRONG_RECORD_TYPES)
def test_a_recipe_file_setting_of_the_wrong_type_is_one_line(tmp_path, where, key, value, message):
    """Every setting of every record is checked against the type its transform holds it in (a
    number, an integer, a flag, a string), not only those its constructor checks itself."""
    description = SyntheticAnomaly("paper").describe()
    record = description
    for step in where:
        record = record[step]
    record["settings"][key] = value
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(description))
    with pytest.raises(ValueError) as refused:
        load_recipe(path)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def _scalars(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """``(path, value)`` of every number and bool inside a record's settings."""
    if isinstance(value, (bool, int, float)):
        yield path, value
    elif isinstance(value, (list, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _scalars(item, (*path, key))


def _wrong_types(value: Any) -> list[Any]:
    """Values of the wrong type for a setting holding ``value``."""
    if isinstance(value, bool):
        return ["yes", 1]
    return [str(value), True] + ([value + 0.5] if isinstance(value, int) else [])


def test_every_number_and_flag_of_every_preset_refuses_a_wrong_type_in_a_recipe_file(tmp_path):
    """Each number, integer and flag in the settings of every preset's records (once per record
    type and setting), given as a string, a bool (or, for a flag, 1) or, for an integer, a
    float, makes the recipe file fail to load, in one line saying what the setting must be."""
    path, seen, accepted, unclear = tmp_path / "recipe.json", set(), [], []
    for preset in sorted(PRESETS):
        description = make_recipe(preset).describe()
        for where, record in walk_records(description):
            for setting, value in _scalars(record["settings"]):
                key = (record["type"], *(k for k in setting if isinstance(k, str)))
                if key in seen:
                    continue
                seen.add(key)
                for wrong in _wrong_types(value):
                    edited = copy.deepcopy(description)
                    settings = dict(walk_records(edited))[where]["settings"]
                    for step in setting[:-1]:
                        settings = settings[step]
                    settings[setting[-1]] = wrong
                    path.write_text(json.dumps(edited))
                    try:
                        load_recipe(path)
                    except ValueError as error:
                        name = [k for k in setting if isinstance(k, str)][-1]
                        message = str(error)
                        if "\n" in message or name not in message or "must" not in message:
                            unclear.append(str(error))
                    else:
                        accepted.append((preset, where, setting, wrong))
    assert len(seen) > 50 and not accepted
    assert not unclear, unclear  # each names the setting and what it must be


def test_a_recipe_file_takes_integers_where_floats_are_expected(tmp_path, rgb_image):
    description = SyntheticAnomaly("paper").describe()
    description["steps"]["anomaly"]["settings"]["p"] = 1
    description["steps"]["rotate"]["transform"]["settings"]["degrees"] = [-90, 90]
    mask = description["steps"]["anomaly"]["transform"]["steps"]["mask"]["settings"]
    mask.update(persistence=1, lacunarity=2, min_area=0, threshold=[0, 1])
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(description))
    assert load_recipe(path).describe()["steps"]["anomaly"]["settings"]["p"] == 1.0


@pytest.mark.parametrize("value", ["1", True, [1]])
def test_recipe_options_refuse_a_p_anomaly_that_is_no_number(value):
    with pytest.raises(ValueError, match=r"^--p-anomaly must be a number, got "):
        RecipeOptions(p_anomaly=value)
    assert (
        RecipeOptions(p_anomaly=1).build().describe()
        == RecipeOptions(p_anomaly=1.0).build().describe()
    )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is new in Python 3.11")
def test_toml_file(tmp_path, rgb_image):
    path = tmp_path / "recipe.toml"
    path.write_text(
        """type = "Compose"
version = 1
settings = {}

[steps.mask]
type = "PerlinMask"
version = 1
settings = {threshold = [0.3, 0.6], min_area = 0.01}

[steps.texture]
type = "TextureSample"
version = 1
settings = {source = "procedural:stripes"}

[steps.blend]
type = "BetaBlend"
version = 1
settings = {beta_range = [0.5, 1.0]}
"""
    )
    expected = Compose(
        [("mask", PerlinMask(threshold=(0.3, 0.6), min_area=0.01)),
         ("texture", TextureSample("procedural:stripes")), ("blend", BetaBlend((0.5, 1.0)))]
    )  # fmt: skip
    assert same_samples(load_recipe(path), expected, rgb_image)


def test_toml_on_python_310_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "recipe.toml"
    path.write_text('preset = "paper"\n')
    monkeypatch.setattr(sys, "version_info", (3, 10, 12))
    with pytest.raises(ValueError, match=r"Python 3\.11"):
        load_recipe(path)


def test_python_attribute_and_factory(tmp_path, monkeypatch, rgb_image):
    module = tmp_path / "my_recipes.py"
    module.write_text(
        "from synthdefect import SyntheticAnomaly\n"
        "ready = SyntheticAnomaly('paper', p_anomaly=1.0)\n"
        "def factory(textures=None):\n"
        "    return SyntheticAnomaly('paper', textures=textures, p_anomaly=1.0)\n"
    )
    expected = SyntheticAnomaly("paper", p_anomaly=1.0)
    assert same_samples(load_recipe(f"{module}:ready"), expected, rgb_image)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert same_samples(load_recipe("my_recipes:ready"), expected, rgb_image)
    made = load_recipe("my_recipes:factory", textures="self")
    assert find_step(made.describe(), "texture")["settings"]["source"] == "self"
    with pytest.raises(ValueError, match="own textures"):
        load_recipe("my_recipes:ready", textures="self")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "unknown recipe"),
        ("missing.json", "not found"),
        ("no_such_module_xyz:recipe", "cannot import"),
        ("synthdefect:no_such_thing", "no attribute"),
        ("synthdefect:__version__", "neither a Transform"),
    ],
)
def test_bad_recipe_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        load_recipe(spec)


def test_malformed_recipe_files(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid recipe file"):
        load_recipe(bad_json)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"type": "PerlinMask", "version": 1, "settings": {"octaves": 0}}))
    with pytest.raises(ValueError, match="cannot rebuild PerlinMask"):
        load_recipe(wrong)


def test_recipe_options_rules(tmp_path):
    assert RecipeOptions().build().describe() == SyntheticAnomaly().describe()
    assert RecipeOptions(textures="procedural").build().describe() == SyntheticAnomaly().describe()
    assert RecipeOptions(recipe=CUSTOM).preset_name is None
    assert RecipeOptions().preset_name == "draem-code"
    assert not RecipeOptions(textures="procedural").given
    assert RecipeOptions(textures="self").given
    with pytest.raises(ValueError, match="not both"):
        RecipeOptions(preset="paper", recipe=CUSTOM)
    with pytest.raises(ValueError, match="--p-anomaly applies to presets"):
        RecipeOptions(recipe=CUSTOM, p_anomaly=1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        RecipeOptions(p_anomaly=1.5)
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        RecipeOptions(preset="nope")
    with pytest.raises(ValueError, match=r"^--textures: "):
        RecipeOptions(textures=42)
    with pytest.raises(ValueError, match=r"^--foreground: "):
        RecipeOptions(foreground=42).build()
    with pytest.raises(ValueError, match=r"^--textures: "):
        RecipeOptions(textures=str(tmp_path / "missing")).build()
    with pytest.raises(ValueError, match=r"^--recipe: "):
        RecipeOptions(recipe=str(tmp_path / "missing.json")).build()


@pytest.mark.filterwarnings("ignore::synthdefect.UnreadableImageWarning")
def test_recipe_options_check_the_inputs_against_the_images(tmp_path):
    (tmp_path / "textures").mkdir()
    (tmp_path / "textures" / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "masks").mkdir()
    (tmp_path / "masks" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # listed, not decoded
    options = RecipeOptions(textures=str(tmp_path / "textures"))
    options.build()  # nothing is decoded without the images
    with pytest.raises(ValueError, match=r"^--textures: "):
        options.build(["a.png"])
    with pytest.raises(ValueError, match=r"^--foreground: no mask for a.png"):
        RecipeOptions(foreground=str(tmp_path / "masks")).build(["a.png"])


def test_dataset_takes_a_recipe_spec(tmp_path, rgb_image):
    from synthdefect.files.codec import write_image

    write_image(tmp_path / "a.png", rgb_image)
    dataset = SyntheticAnomalyDataset(tmp_path, transform=CUSTOM, size=(32, 32), length=2)
    assert json.loads(dataset[0]["params"])["settings"]["name"] == "custom"
    assert SyntheticAnomalyDataset(tmp_path, transform="paper").transform.name == "paper"


def generated_with_one_and_two_workers(spec: str, root: Path, n: int) -> dict[str, bytes]:
    """``generate --recipe spec`` with 1 and 2 workers: asserts equal files, returns them."""
    outs = []
    for workers in ("1", "2"):
        out = root / f"w{workers}"
        args = ["--n", str(n), "--size", "40", "--quiet", "--workers", workers]
        result = run("generate", "--recipe", spec, "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        outs.append(tree_bytes(out))
    assert outs[0] == outs[1]
    return outs[0]


def test_generate_recipe_same_bytes_for_one_and_two_workers(tmp_path):
    files = generated_with_one_and_two_workers(CUSTOM, tmp_path, 40)
    config = json.loads(files["config.json"])
    assert config["preset"] is None and config["recipe"]["settings"]["name"] == "custom"
    line = json.loads(files["manifest.jsonl"].splitlines()[0])
    assert line["texture"].startswith("procedural:")


def test_generate_recipe_with_its_own_transform_class(tmp_path):
    """Workers import the recipe file's module, so its classes unpickle there."""
    (tmp_path / "inverting_recipe.py").write_text(
        "import numpy as np\n"
        "from synthdefect import Compose, PerlinMask, Transform\n\n"
        "class Invert(Transform):\n"
        "    def apply(self, sample, params):\n"
        "        self.unpack(params)\n"
        "        inside = sample.mask[..., None] > 0\n"
        "        return sample.evolve(image=np.where(inside, 255 - sample.image, sample.image))\n\n"
        "recipe = Compose([('mask', PerlinMask()), ('invert', Invert())], name='invert')\n"
    )
    generated_with_one_and_two_workers(f"{tmp_path / 'inverting_recipe.py'}:recipe", tmp_path, 24)


def test_generate_resume_checks_the_recipe(tmp_path):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"preset": "paper", "p_anomaly": 1.0}))
    out = str(tmp_path / "out")
    assert run("generate", "--recipe", str(recipe), "--n", "4", "--out", out, *QUICK).exit_code == 0
    recipe.write_text(json.dumps({"preset": "paper", "p_anomaly": 0.5}))
    result = run("generate", "--recipe", str(recipe), "--n", "4", "--out", out, "--resume", *QUICK)
    assert result.exit_code == 2 and "recipe" in result.output


def test_recipe_option_errors(tmp_path):
    out = str(tmp_path / "out")
    both = run("generate", "--n", "2", "--preset", "paper", "--recipe", CUSTOM, "--out", out)
    assert_input_problem(both, "not both")
    p = run("generate", "--n", "2", "--recipe", CUSTOM, "--p-anomaly", "1", "--out", out)
    assert_input_problem(p, "--p-anomaly")
    assert_input_problem(run("generate", "--n", "2", "--recipe", "nope", "--out", out), "--recipe")
    textures = run("preview", "--recipe", CUSTOM, "--textures", "self", "--out", out + ".png")
    assert_input_problem(textures, "own textures")


def test_textures_globs_files_and_procedural_kinds(tmp_path, dtd_dir):
    for spec in (str(dtd_dir / "banded" / "*.jpg"), "procedural:noise,cracks"):
        out = tmp_path / spec.replace("/", "_").replace("*", "x").replace(":", "_")
        result = run("generate", "--n", "6", "--textures", spec, "--out", str(out), *QUICK)
        assert result.exit_code == 0, result.output
        config = json.loads((out / "config.json").read_text())
        textures = config["inputs"]["textures"]
        assert (textures is None) == spec.startswith("procedural")
        if textures is not None:
            assert textures["count"] == len(list((dtd_dir / "banded").glob("*.jpg")))


def test_preview_takes_a_recipe(tmp_path):
    out = tmp_path / "sheet.png"
    result = run("preview", "--recipe", CUSTOM, "--grid", "2x1", "--cell", "32", "--out", str(out))
    assert result.exit_code == 0, result.output and out.is_file()


@pytest.fixture(scope="module")
def train_data(tmp_path_factory) -> Path:
    return _write_category(tmp_path_factory.mktemp("mvtec") / "widget") / "train" / "good"


@pytest.mark.parametrize(
    "recipe_args", [["--textures", "self"], ["--recipe", CUSTOM]], ids=["self", "recipe"]
)
def test_train_with_recipe_options(train_data, tmp_path, recipe_args):
    run_dir = tmp_path / "run"
    result = _invoke(
        "train", "--data", train_data, "--out", run_dir, "--steps", 3, *_tiny_args(),
        "--device", "cpu", *recipe_args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (run_dir / "checkpoint.pt").is_file()


def _texture_recipe(source: str) -> dict:
    recipe = Compose([("mask", PerlinMask()), ("texture", TextureSample()), ("blend", BetaBlend())])
    description = recipe.describe()
    description["steps"]["texture"]["settings"]["source"] = source
    return description


@pytest.mark.parametrize("source", ["../tex", "/abs/tex", "tex/../../tex"])
def test_a_recipe_file_path_that_leaves_its_folder_is_refused(tmp_path, source):
    (tmp_path / "recipes").mkdir()
    path = tmp_path / "recipes" / "r.json"
    path.write_text(json.dumps(_texture_recipe(source)))
    with pytest.raises(ValueError, match="leaves its folder"):
        load_recipe(path)
    result = run("generate", "--n", "2", "--recipe", str(path), "--out", str(tmp_path / "o"),
                 *QUICK)  # fmt: skip
    assert_input_problem(result, "leaves its folder", source)


def test_a_recipe_file_path_is_relative_to_the_recipe_file(tmp_path, monkeypatch, rgb_image):
    from test_generate import make_image_folder

    make_image_folder(tmp_path / "recipes" / "tex", 2)
    path = tmp_path / "recipes" / "r.json"
    path.write_text(json.dumps(_texture_recipe("tex")))
    monkeypatch.chdir(tmp_path)  # "tex" is not a folder here: it is found beside the file
    recipe = load_recipe(path)
    assert find_step(recipe(rgb_image, seed=0, index=0).params, "texture")["params"]["name"] in {
        "part_0.png", "part_1.png"
    }  # fmt: skip


def test_save_recipe_writes_json_only_and_refuses_what_is_not_a_recipe(tmp_path):
    """A .toml name would get JSON text that load_recipe then reads as broken TOML."""
    recipe = make_recipe("paper")
    for name in ("r.toml", "r.TOML", "r.txt", "r"):
        with pytest.raises(ValueError, match=r"writes JSON: name the file \.json"):
            save_recipe(recipe, tmp_path / name)
        assert not (tmp_path / name).exists()
    with pytest.raises(TypeError, match="save_recipe needs a Transform, got int"):
        save_recipe(5, tmp_path / "r.json")
    assert load_recipe(save_recipe(recipe, tmp_path / "r.JSON")).describe() == recipe.describe()


def test_text_nested_past_any_recipe_is_refused_in_one_line(tmp_path, rgb_image):
    """JSON nested deeper than Python's recursion limit: a one-line error, not RecursionError."""
    from synthdefect import RecordError, replay

    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.json"
    path.write_text(deep)
    with pytest.raises(ValueError, match=r"deep\.json: not a valid recipe file: nested too deeply"):
        load_recipe(path)
    with pytest.raises(RecordError, match="not a JSON record: nested too deeply"):
        replay(rgb_image, deep)
    level = '{"type": "Compose", "version": 1, "settings": {"name": null}, "steps": {"a": '
    leaf = json.dumps(make_recipe("paper").describe())
    path.write_text(level * 400 + leaf + "}}" * 400)  # JSON Python reads, Composes 400 deep
    with pytest.raises(ValueError, match="nested too deeply"):
        load_recipe(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"preset": "paper", "textures": "procedural"}, "a recipe file names no textures"),
        ({"type": "Nope", "version": 1}, "unknown transform type 'Nope'"),
        ({"type": "PerlinMask", "version": 999}, "PerlinMask record has schema version 999"),
        ({"type": "PerlinMask"}, r"PerlinMask record lacks key\(s\) \['version', 'settings'\]"),
        ({"version": 1, "settings": {}}, r"record lacks key\(s\) \['type'\]"),
    ],
)
def test_a_recipe_file_is_refused_for_its_first_real_fault(tmp_path, content, message):
    """The unknown type or version is named, not the keys it would have needed."""
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        load_recipe(path)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fractal:0+nsa:1", "weights must be > 0, got '0'"),  # was read as module:attribute
        ("paper:1e308+nsa:1e308", "weights too far apart"),  # was [0.0, 0.0] "--textures"
    ],
)
def test_a_bad_mixture_is_named_wherever_a_recipe_is_named(spec, message):
    with pytest.raises(ValueError, match=message):
        load_recipe(spec)
    with pytest.raises(ValueError, match=message):
        make_recipe(spec)


def test_a_saved_mask_folder_is_relative_to_the_file_or_refused(tmp_path, monkeypatch):
    from synthdefect.files.mask_folder import MaskFolder
    from synthdefect.transforms.foreground import Foreground

    inner = Compose([("mask", PerlinMask()), ("texture", TextureSample()), ("blend", BetaBlend())])
    from test_generate import make_image_folder

    make_image_folder(tmp_path / "recipes" / "masks", 1)
    recipe = Foreground(inner, MaskFolder(tmp_path / "recipes" / "masks"))
    path = save_recipe(recipe, tmp_path / "recipes" / "fg.json")
    assert json.loads(path.read_text())["settings"]["folder"] == "masks"
    monkeypatch.chdir(tmp_path)
    loaded = load_recipe(path)
    assert loaded.source.folder == tmp_path / "recipes" / "masks"

    make_image_folder(tmp_path / "elsewhere", 1)
    outside = Foreground(inner, MaskFolder(tmp_path / "elsewhere"))
    with pytest.raises(ValueError, match="lies outside"):
        save_recipe(outside, tmp_path / "recipes" / "out.json")
    assert not (tmp_path / "recipes" / "out.json").exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
        ("def (:\n", "SyntaxError"),
        ("def recipe(textures=None):\n    raise KeyError('k')\n", "KeyError"),
    ],
    ids=["module raises", "syntax error", "factory raises"],
)
def test_a_recipe_module_that_fails_is_one_line(tmp_path, source, message):
    name = f"failing_{abs(hash(source))}.py"
    (tmp_path / name).write_text(source)
    spec = f"{tmp_path / name}:recipe"
    with pytest.raises(ValueError, match=message):
        load_recipe(spec)
    result = run("generate", "--n", "2", "--recipe", spec, "--out", str(tmp_path / "o"), *QUICK)
    assert_input_problem(result, message)


def test_a_recipe_module_that_prints_runs_as_without_the_print(tmp_path):
    """What a recipe module prints while it is imported does not change the run: the samples
    are those of the same recipe without the print, and the summary is the last line."""
    quiet = "from synthdefect import SyntheticAnomaly\nrecipe = SyntheticAnomaly('paper')\n"
    (tmp_path / "quiet_recipe.py").write_text(quiet)
    (tmp_path / "chatty_recipe.py").write_text("print('hello from the recipe')\n" + quiet)
    made = {}
    for name in ("quiet_recipe", "chatty_recipe"):
        out = tmp_path / name
        spec = f"{tmp_path / name}.py:recipe"
        result = run("generate", "--n", "4", "--recipe", spec, "--out", str(out), *QUICK)
        assert result.exit_code == 0, result.output
        assert result.output.strip().splitlines()[-1].startswith("generated 4 samples")
        made[name] = {k: v for k, v in tree_bytes(out).items() if k != "summary.json"}
    assert made["quiet_recipe"] == made["chatty_recipe"]
