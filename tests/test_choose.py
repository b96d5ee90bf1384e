"""``synthdefect choose`` on the tiny category of test_reference_pipeline: the leave-one-family-
out table, continuing a killed choice, the time budget and the refusals."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from test_reference_pipeline import _assert_usage_error, _invoke, _tiny_args, _write_category

from reference_model.selection import Selection, relative_scores
from reference_model.split import SPLIT_NAME, read_split
from reference_model.synthetic import SYNTHETIC_METRICS_NAME

STEPS = 6


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return _write_category(tmp_path_factory.mktemp("mvtec") / "widget") / "train/good"


def _choose(data: Path, out: Path, *extra: object):
    return _invoke("choose", "--data", data, "--out", out, "--validate", 2,
                   "--synthetic-samples", 4, *_tiny_args(), *extra)  # fmt: skip


def _rows(out: Path) -> dict[str, dict]:
    return {row["candidate"]: row for row in json.loads((out / "table.json").read_text())["rows"]}


@pytest.fixture(scope="module")
def chosen(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("choice")
    result = _choose(data, out, "--steps", STEPS)
    assert result.exit_code == 0, result.output
    assert "[4/4] mix" in result.output and "recommended: " in result.output
    return out


def test_each_candidate_is_scored_on_the_other_families_only(chosen):
    table = json.loads((chosen / "table.json").read_text())
    others = ["cutout", "intensity-disc", "fractal", "fpi"]
    assert table["pool"] == ["draem-code", "cutpaste", "nsa", *others]
    assert table["steps"] == STEPS and table["held_out"] == 2
    rows = _rows(chosen)
    assert list(rows) == ["draem-code", "cutpaste", "nsa", "mix"]
    assert rows["draem-code"]["scored_on"] == ["cutpaste", "nsa", *others]
    assert rows["cutpaste"]["scored_on"] == ["draem-code", "nsa", *others]
    assert rows["mix"]["families"] == ["perlin-texture", "patch", "poisson-patch"]
    assert rows["mix"]["scored_on"] == others
    for name, row in rows.items():
        assert row["status"] == "done" and row["step"] == STEPS
        own = [recipe for recipe in table["pool"] if recipe not in row["scored_on"]]
        assert all(row["per_recipe"][recipe] is None for recipe in own)
        values = [row["per_recipe"][recipe] for recipe in row["scored_on"]]
        assert row["mean"] == pytest.approx(sum(values) / len(values))
        scores = json.loads((chosen / "runs" / name / SYNTHETIC_METRICS_NAME).read_text())
        assert set(scores["metrics"]) == {"overall", *row["scored_on"]}  # never its own family
        assert scores["metrics"]["overall"] == row["overall"]
    scored = {
        name: {r: row["per_recipe"][r] for r in row["scored_on"]} for name, row in rows.items()
    }
    assert {name: row["score"] for name, row in rows.items()} == relative_scores(scored)
    best = max(rows.values(), key=lambda row: row["score"])
    assert table["recommended"] == best["candidate"]
    with open(chosen / "table.csv", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [line["candidate"] for line in lines] == list(rows)
    assert lines[0]["draem-code"] == "" and float(lines[0]["nsa"]) == pytest.approx(
        100 * rows["draem-code"]["per_recipe"]["nsa"], abs=0.01
    )


def test_every_candidate_holds_out_the_same_images(chosen, data):
    splits = {name: read_split(chosen / "runs" / name) for name in _rows(chosen)}
    assert len({split for split in splits.values()}) == 1
    split = next(iter(splits.values()))
    assert set(split.held_out).isdisjoint(split.training)
    assert json.loads((chosen / "choose.json").read_text())["held_out"] == list(split.held_out)


def test_a_killed_choice_continues_and_ends_as_an_uninterrupted_one(chosen, data, tmp_path):
    out = tmp_path / "choice"
    (out / "runs").mkdir(parents=True)
    for name in ("draem-code", "cutpaste", "nsa"):  # finished before the kill
        shutil.copytree(chosen / "runs" / name, out / "runs" / name)
    shutil.copy(chosen / "choose.json", out / "choose.json")
    # mix was killed at step 3 (its checkpoint)
    partial = _invoke("train", "--data", data, "--out", out / "runs/mix", "--preset", "mix",
                      "--steps", STEPS, "--stop-at", 3, "--validate", 2, *_tiny_args())  # fmt: skip
    assert partial.exit_code == 0, partial.output
    assert (out / "runs/mix" / SPLIT_NAME).read_bytes() == (
        chosen / "runs/mix" / SPLIT_NAME
    ).read_bytes()
    result = _choose(data, out)  # the steps come from choose.json
    assert result.exit_code == 0, result.output
    assert result.output.count("finished earlier") == 3
    assert "continuing: 6 steps" in result.output and "training: 6 steps" not in result.output
    assert _rows(out) == {
        name: {**row, "run": str(out / "runs" / name)} for name, row in _rows(chosen).items()
    }


def test_the_budget_sets_the_steps_and_a_continued_choice_keeps_them(data, tmp_path):
    out = tmp_path / "choice"
    result = _choose(data, out, "--budget", 0.2, "--candidates", "cutpaste,nsa")
    assert result.exit_code == 0, result.output
    assert "probe: 6 steps of cutpaste" in result.output and "steps per candidate" in result.output
    steps = json.loads((out / "choose.json").read_text())["steps"]
    assert steps >= 1 and json.loads((out / "table.json").read_text())["steps"] == steps
    for row in _rows(out).values():  # what finished in the budget; the rest continues below
        assert row["status"] in ("done", "stopped", "not run")
    result = _choose(data, out, "--candidates", "cutpaste,nsa")
    assert result.exit_code == 0, result.output
    assert "probe" not in result.output
    assert [row["status"] for row in _rows(out).values()] == ["done", "done"]
    assert all(row["step"] == steps for row in _rows(out).values())


def test_a_spent_budget_leaves_a_table_of_what_finished(data, tmp_path):
    out = tmp_path / "choice"
    result = _choose(data, out, "--steps", 10**7, "--budget", 0.01,
                     "--candidates", "cutpaste,nsa")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(_rows(out).values())
    assert rows[0]["status"] in ("stopped", "not run") and rows[1]["status"] == "not run"
    assert all(row["score"] is None for row in rows)
    assert json.loads((out / "table.json").read_text())["recommended"] is None
    assert "recommended: none" in result.output


def test_a_budget_too_short_for_one_step_per_candidate_is_refused(data, tmp_path):
    result = _choose(data, tmp_path / "choice", "--budget", 1e-6)
    _assert_usage_error(result, "the budget is too short", "minutes")


def test_bad_input_is_refused_in_one_line(data, chosen, tmp_path):
    out = tmp_path / "choice"
    for args, words in [
        (["--candidates", "nsa,bogus"], "candidate 'bogus'"),
        (["--candidates", "nsa,nsa"], "must differ"),
        (["--budget", 0], "--budget"),
        (["--budget", -2], "--budget"),
        (["--validate", 7], "too few normal images"),
        (["--validate", "0"], "fraction"),
        (["--candidates", "mix", "--validate-with", "draem-code,cutpaste"], "holds the family"),
        (["--validate-with", "nsa,bogus"], "synthetic recipe 'bogus'"),
        (["--metric", "speed"], "--metric"),
    ]:
        _assert_usage_error(_choose(data, out, *args), *words.split("|"))
    assert not (out / "runs").exists()
    result = _choose(data, chosen, "--steps", STEPS, "--candidates", "cutpaste,nsa")
    _assert_usage_error(result, "other settings (candidates)")
    result = _choose(data, chosen, "--steps", STEPS + 1)
    _assert_usage_error(result, "6 steps per candidate, not 7")
    _assert_usage_error(_choose(data, data / "out"), "--out")


def test_a_candidate_of_another_normal_image_trains_on_patches_of_the_training_images(data):
    # --textures is a texture folder (DTD) for draem-code; nsa's patches come from the
    # training images themselves, as its own row of benchmarks/recipes.sh gives them
    selection = Selection(textures=str(data))
    training = sorted(data.iterdir())[:3]
    assert selection.recipe("nsa", training).textures == tuple(training)
    assert selection.recipe("draem-code", training).textures == str(data)
    assert selection.recipe("cutpaste", training).textures is None


@pytest.mark.parametrize("damage", ["truncated", "a PNG"])
def test_a_stopped_candidate_with_a_damaged_checkpoint_is_refused_and_kept(
    chosen, data, tmp_path, damage
):
    """Continuing a choice resumes a stopped candidate from its checkpoint: a damaged one is a
    one-line refusal, and nothing of the choice (that checkpoint included) changes; only the
    table of the candidates finished so far is written, as after every candidate."""
    out = tmp_path / "choice"
    (out / "runs").mkdir(parents=True)
    shutil.copytree(chosen / "runs/draem-code", out / "runs/draem-code")
    shutil.copy(chosen / "choose.json", out / "choose.json")
    partial = _invoke("train", "--data", data, "--out", out / "runs/cutpaste", "--preset",
                      "cutpaste", "--steps", STEPS, "--stop-at", 2, "--validate", 2,
                      *_tiny_args())  # fmt: skip
    assert partial.exit_code == 0, partial.output
    checkpoint = out / "runs/cutpaste/checkpoint.pt"
    if damage == "truncated":
        checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    else:
        shutil.copy(sorted(data.iterdir())[0], checkpoint)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    result = _choose(data, out)
    _assert_usage_error(result, f"cannot read checkpoint {checkpoint}")
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and result.output.splitlines()[-1] == errors[0]
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert {p: after[p] for p in before} == before
    assert sorted(p.name for p in set(after) - set(before)) == ["table.csv", "table.json"]
    assert [row["candidate"] for row in _rows(out).values()] == ["draem-code"]


def test_the_score_compares_candidates_recipe_by_recipe_not_on_easier_subsets():
    # "b" is scored only on an easy recipe every candidate nearly solves; "a" also on a hard
    # one, where it beats "c". The plain mean favours "b" for its easier test, not for its skill.
    values = {
        "a": {"easy": 0.98, "hard": 0.70},
        "b": {"easy": 0.99, "hard": None},
        "c": {"easy": 0.97, "hard": 0.60},
    }
    scores = relative_scores(values)
    assert scores["a"] == pytest.approx(((0.98 - 0.98) + (0.70 - 0.65)) / 2)
    assert scores["b"] == pytest.approx(0.99 - 0.98)
    assert scores["c"] == pytest.approx(((0.97 - 0.98) + (0.60 - 0.65)) / 2)
    assert max(scores, key=scores.get) == "a"
    defined = {name: [v for v in row.values() if v is not None] for name, row in values.items()}
    mean = {name: sum(row) / len(row) for name, row in defined.items()}
    assert max(mean, key=mean.get) == "b"  # what the plain mean picks


def test_a_recipe_only_one_candidate_is_scored_on_does_not_move_its_score():
    scores = relative_scores({"a": {"x": 0.9, "y": 0.5}, "b": {"x": 0.8, "y": None}})
    assert scores == {"a": pytest.approx(0.05 / 2), "b": pytest.approx(-0.05)}
    assert relative_scores({"a": {"x": 0.9}}) == {"a": 0.0}
    assert relative_scores({"a": {"x": None}}) == {}


def test_a_choice_recorded_before_a_training_setting_existed_continues_at_its_default(
    chosen, data, tmp_path
):
    # choose.json of an older version lacks "synthesis" (added later, default "host"): the
    # finished candidates are kept, not refused as "other settings"
    out = tmp_path / "older"
    shutil.copytree(chosen, out)
    record = json.loads((out / "choose.json").read_text())
    assert record["settings"]["train"].pop("synthesis") == "host"
    (out / "choose.json").write_text(json.dumps(record))
    result = _choose(data, out)
    assert result.exit_code == 0, result.output
    assert result.output.count("finished earlier") == 4
    record["settings"]["train"]["synthesis"] = "device"  # but not another value
    (out / "choose.json").write_text(json.dumps(record))
    _assert_usage_error(_choose(data, out), "other settings (train.synthesis)")
    result = _choose(data, chosen, "--batch", 3)
    _assert_usage_error(result, "other settings (train.batch)")
