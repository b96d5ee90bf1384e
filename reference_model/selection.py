"""Choosing a recipe without a real defect: a short run per candidate, scored on the others'.

:func:`choose` holds out part of the normal images (:mod:`~reference_model.split`, the same
split for every candidate), trains a short run per candidate recipe on the rest, and scores
each run on the synthetic test set (:mod:`~reference_model.synthetic`) of the validation
recipes, *leave one family out*: a candidate is scored only on the recipes none of whose
families it holds (a preset's family: :func:`synthdefect.preset_families`; a mixture holds
its parts' families, so ``mix`` is scored on neither Perlin-texture, patch nor Poisson-patch
defects; a recipe file is a family of its own). The validation recipes default to one preset
per family (:func:`synthdefect.family_table`, the family's first preset) plus the recipe-file
candidates. On each validation recipe every candidate scored on it gets one metric
(``pixel_auroc`` by default) of that recipe's defects with the normal images. A candidate's
*score* (:func:`relative_scores`) is the mean, over the recipes it is scored on, of how far it
lies above the mean of the finished candidates scored on the same recipe: candidates are scored
on different recipes, and a plain mean would reward one for being tested on easier defects
(``mix``, scored only on the recipes of families none of its parts holds, some of which every
detector nearly solves). The plain mean is kept beside it (``mean``). The recommended
candidate is the finished one with the highest score (the first listed on a tie); the scores
are relative, so they change as more candidates finish.

Layout of ``out_dir``: ``choose.json`` (the settings, the held-out split and the steps per
candidate), ``runs/<candidate>/`` (a train run folder each, with ``split.json`` and the run's
``synthetic_metrics.json``), ``table.json`` and ``table.csv`` (rewritten after every candidate).
Called again on the same ``out_dir`` with the same settings it continues: finished candidates
are kept, a stopped one resumes from its checkpoint. Other settings are refused.

Time budget: with ``budget`` (minutes) and no ``steps``, a probe run (``out_dir/probe``,
:data:`PROBE_STEPS` steps of the first candidate) measures the time per step and the time to
start a run and score it, and the steps per candidate are what lets every candidate finish in
the budget; they are recorded, so a continued run keeps them. Whether derived or given, the
budget is also a deadline for this call: the candidate training when it passes stops with a
checkpoint (status ``stopped``), the ones after it are not started (``not run``), and the table
shows what finished; calling again continues.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from reference_model.checkpoint import CHECKPOINT_NAME
from reference_model.config import TrainConfig
from reference_model.data import DataError, anomaly_training_set
from reference_model.evaluate import METRIC_NAMES
from reference_model.split import SPLIT_NAME, Split, split_folder
from reference_model.synthetic import (
    SYNTHETIC_METRICS_NAME,
    SYNTHETIC_SAMPLES,
    SyntheticSet,
    build_synthetic_set,
    default_validation_recipes,
    evaluate_synthetic,
    recipe_families,
    recipe_options,
)
from reference_model.train import train
from synthdefect import RecipeOptions, is_preset
from synthdefect.model_api import folder_lock, write_atomic

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_STEPS",
    "PROBE_STEPS",
    "SETTINGS_NAME",
    "TABLE_CSV",
    "TABLE_JSON",
    "Selection",
    "choose",
    "format_choice",
    "relative_scores",
]

#: Candidates when none are given: three families and their mixture.
DEFAULT_CANDIDATES = ("draem-code", "cutpaste", "nsa", "mix")

#: Steps per candidate without ``steps`` or a budget.
DEFAULT_STEPS = 250

#: Steps of the probe run that measures the time per step.
PROBE_STEPS = 6

SETTINGS_NAME = "choose.json"
TABLE_JSON = "table.json"
TABLE_CSV = "table.csv"
RUNS = "runs"


@dataclass(frozen=True)
class Selection:
    """The settings of a :func:`choose` run.

    ``candidates``: presets, mixtures or recipe files; ``validate_with``: the validation
    recipes (``None``: the default, see module doc); ``amount``: the held-out share (a fraction
    in (0, 1) or a count); ``samples``: synthetic defects per validation recipe; ``metric``:
    what the score averages (one of :data:`~reference_model.evaluate.METRIC_NAMES`);
    ``textures`` / ``foreground``: as for training, for candidates and validation recipes
    alike (except that nsa and fpi take the normal images, see :meth:`recipe`); ``train``:
    the runs' configuration (model, batch, lr, seed, workers, device, save_every; its
    ``steps``: per candidate, ``None`` for the budget's or :data:`DEFAULT_STEPS`; its preset,
    recipe and data are each candidate's).
    """

    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    validate_with: tuple[str, ...] | None = None
    amount: float | int = 0.2
    samples: int = SYNTHETIC_SAMPLES
    metric: str = "pixel_auroc"
    textures: str | None = None
    foreground: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(preset=None))

    def __post_init__(self) -> None:
        if not self.candidates:
            raise ValueError("name at least one candidate")
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError(f"candidates must differ: {', '.join(self.candidates)}")
        if self.metric not in METRIC_NAMES:
            raise ValueError(f"metric must be one of {METRIC_NAMES}, got {self.metric!r}")
        if self.samples < 1:
            raise ValueError(f"samples must be >= 1, got {self.samples}")
        if self.train.epochs is not None:
            raise ValueError("candidates train for a number of steps, not epochs")
        for candidate in self.candidates:
            try:
                self.recipe(candidate).build()
            except ValueError as error:
                reason = str(error).removeprefix("--recipe: ")
                raise ValueError(f"candidate {candidate!r}: {reason}") from None
        slugs = [_slug(candidate) for candidate in self.candidates]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"candidates {', '.join(self.candidates)} share a run folder name")
        for candidate in self.candidates:
            if not self.scored_on(candidate):
                raise ValueError(
                    f"candidate {candidate!r} holds the family of every validation recipe "
                    f"({', '.join(self.pool)}): add recipes of other families"
                )

    def recipe(
        self, candidate: str, training: Sequence[str | os.PathLike] | None = None
    ) -> RecipeOptions:
        """The anomaly options of ``candidate``'s run on the normal images ``training`` (which a
        candidate whose source is another normal image, nsa or fpi, takes as its textures)."""
        return recipe_options(candidate, self.textures, self.foreground, None, training)

    @property
    def pool(self) -> tuple[str, ...]:
        """The validation recipes."""
        if self.validate_with is not None:
            return self.validate_with
        files = [candidate for candidate in self.candidates if not is_preset(candidate)]
        return (*default_validation_recipes(None), *files)

    def scored_on(self, candidate: str) -> list[str]:
        """The validation recipes none of whose families ``candidate`` holds."""
        held = set(recipe_families(candidate))
        return [recipe for recipe in self.pool if held.isdisjoint(recipe_families(recipe))]

    def to_dict(self) -> dict[str, Any]:
        """What a continued run must share (not the device or the worker count)."""
        record = asdict(self)
        record["train"] = {
            key: value
            for key, value in self.train.to_dict().items()
            if key not in ("workers", "device", "steps", "preset", "recipe", "data")
        }
        record["candidates"], record["pool"] = list(self.candidates), list(self.pool)
        record["validate_with"] = None if self.validate_with is None else list(self.validate_with)
        return record


def _slug(candidate: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+=_-]+", "_", candidate).strip("_.") or "candidate"


@dataclass
class _Choice:
    """One call of :func:`choose`: its settings, folder, split, synthetic set and clock."""

    selection: Selection
    data: Path
    out_dir: Path
    split: Split
    synthetic: SyntheticSet
    report: Callable[[str], None]
    progress: bool
    start: float
    deadline: float | None

    def run_dir(self, candidate: str) -> Path:
        return self.out_dir / RUNS / _slug(candidate)

    def config(self, candidate: str, steps: int) -> tuple[TrainConfig, Any]:
        """The run configuration and training set of ``candidate``."""
        selection = self.selection
        template = selection.train
        dataset, fingerprint = anomaly_training_set(
            self.data,
            selection.recipe(candidate, self.split.training_paths()),
            template.model.size,
            template.seed,
            self.split.training_paths(),
            extra=json.dumps(self.split.held_out),
        )
        preset = candidate if is_preset(candidate) else None
        config = replace(
            template,
            preset=preset,
            recipe=None if preset else candidate,
            steps=steps,
            data=fingerprint,
        )
        return config, dataset

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def train(self, candidate: str, steps: int, run_dir: Path, **options: Any):
        config, dataset = self.config(candidate, steps)
        return train(
            config,
            dataset,
            run_dir,
            progress=self.progress,
            record={SPLIT_NAME: self.split.to_json()},
            **options,
        )

    def score(self, model: Any, candidate: str) -> dict[str, Any]:
        device = next(model.parameters()).device
        subset = self.synthetic.subset(self.selection.scored_on(candidate))
        return evaluate_synthetic(model, subset, device, batch=self.selection.train.batch)


def choose(
    selection: Selection,
    data: str | Path,
    out_dir: str | Path,
    *,
    budget: float | None = None,
    report: Callable[[str], None] = print,
    progress: bool = True,
) -> dict[str, Any]:
    """Train, score and rank ``selection``'s candidates on the normal images under ``data``,
    in ``out_dir`` (see module doc); ``budget`` in minutes (> 0). Returns the table (also
    written as ``table.json``): ``metric``, ``steps``, ``pool``, ``held_out``, ``rows`` (one
    per candidate: ``candidate``, ``families``, ``status`` done/stopped/not run, ``step``,
    ``scored_on``, ``per_recipe`` (the metric per validation recipe, ``None`` for its own
    families), ``overall`` (the four metrics pooled over the recipes it is scored on),
    ``score``) and ``recommended`` (``None`` until a candidate finished). ``report`` is given a
    line per stage. :class:`DataError` in one line for unusable data or a folder that holds a
    choice of other settings; ``ValueError`` for a budget <= 0 or too short.
    """
    if budget is not None and not (math.isfinite(budget) and budget > 0):
        raise ValueError(f"budget must be a number of minutes > 0, got {budget}")
    start = time.monotonic()
    data, out_dir = Path(data), Path(out_dir)
    template = selection.train
    with folder_lock(out_dir):
        split = split_folder(data, selection.amount, template.seed)
        recorded = _recorded(out_dir, selection, data, split)
        report(
            f"held out {len(split.held_out)} of {len(split.held_out) + len(split.training)} "
            f"normal images; making {selection.samples} synthetic defects per validation "
            f"recipe ({', '.join(selection.pool)})"
        )
        synthetic = build_synthetic_set(
            split.held_out_paths(), list(selection.pool), template.model.size,
            samples=selection.samples, textures=selection.textures,
            foreground=selection.foreground, workers=template.workers,
        )  # fmt: skip
        deadline = None if budget is None else start + 60.0 * budget
        choice = _Choice(
            selection, data, out_dir, split, synthetic, report, progress, start, deadline
        )
        steps = recorded or template.steps or DEFAULT_STEPS
        if recorded is None and template.steps is None and budget is not None:
            steps = _steps_in_budget(choice)
        write_atomic(
            out_dir / SETTINGS_NAME,
            (json.dumps(_settings(selection, data, split) | {"steps": steps}, indent=1) + "\n")
            .encode(),
        )  # fmt: skip
        rows = []
        for number, candidate in enumerate(selection.candidates, 1):
            report(f"[{number}/{len(selection.candidates)}] {candidate}")
            rows.append(_candidate(choice, candidate, steps))
            table = _table(selection, steps, len(split.held_out), rows)
            _write_table(out_dir, table)
        return table


def _settings(selection: Selection, data: Path, split: Split) -> dict[str, Any]:
    return {"settings": selection.to_dict(), "data": str(data.resolve()),
            "held_out": list(split.held_out)}  # fmt: skip


def _recorded(out_dir: Path, selection: Selection, data: Path, split: Split) -> int | None:
    """The steps per candidate of the choice ``out_dir`` holds (``None``: none yet);
    :class:`DataError` if it was made with other settings."""
    path = out_dir / SETTINGS_NAME
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_bytes())
        steps = int(record.pop("steps"))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DataError(f"{path} is not a choice's settings: {error}") from None
    current = _settings(selection, data, split)
    recorded_train = record.get("settings", {}).get("train")
    if isinstance(recorded_train, dict):  # settings added since it was recorded: their default
        defaults = TrainConfig(preset=None).to_dict()
        for key, value in current["settings"]["train"].items():
            if key not in recorded_train and defaults.get(key) == value:
                recorded_train[key] = value
    if record != current:
        differences = _differences(record.get("settings", {}), current["settings"]) or [
            "data or held-out images"
        ]
        raise DataError(
            f"{out_dir} holds a choice made with other settings ({', '.join(differences)}): "
            "give another output folder, or the same settings to continue it"
        )
    selection_steps = selection.train.steps
    if selection_steps is not None and selection_steps != steps:
        raise DataError(
            f"{out_dir} holds a choice of {steps} steps per candidate, not {selection_steps}"
        )
    return steps


def _differences(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The keys whose values differ, sorted; those of ``train`` as ``train.KEY``."""
    found = []
    for key in sorted({*recorded, *current}):
        old, new = recorded.get(key), current.get(key)
        if key == "train" and isinstance(old, dict) and isinstance(new, dict):
            found += [f"train.{k}" for k in sorted({*old, *new}) if old.get(k) != new.get(k)]
        elif old != new:
            found.append(key)
    return found


def _steps_in_budget(choice: _Choice) -> int:
    """Steps per candidate that fit every candidate in what is left of the budget, from a probe
    run's time per step and its time to start and to be scored."""
    candidates = choice.selection.candidates
    choice.report(f"probe: {PROBE_STEPS} steps of {candidates[0]} to time a step")
    result = choice.train(
        candidates[0], PROBE_STEPS, choice.out_dir / "probe", overwrite=True, log_every=1
    )
    (_, first), (last_step, last) = result.timings[1], result.timings[-1]
    per_step = (last - first) / (last_step - 1)
    began = time.monotonic()
    choice.score(result.model, candidates[0])
    fixed = first - per_step + time.monotonic() - began
    left = choice.left() or 0.0
    steps = math.floor((left / len(candidates) - fixed) / per_step) if per_step > 0 else 0
    if steps < 1:
        needed = time.monotonic() - choice.start + len(candidates) * (fixed + per_step)
        raise ValueError(
            f"the budget is too short for {len(candidates)} candidates: a step takes "
            f"{per_step:.2f} s and a run {fixed:.1f} s more to start and score; give at least "
            f"{math.ceil(needed / 60 * 10) / 10:.1f} minutes"
        )
    choice.report(
        f"{per_step:.3f} s per step, {fixed:.1f} s per run to start and score: {steps} steps "
        "per candidate"
    )
    return steps


def _candidate(choice: _Choice, candidate: str, steps: int) -> dict[str, Any]:
    """Train (or continue) and score ``candidate``; its row."""
    run_dir = choice.run_dir(candidate)
    scores_path = run_dir / SYNTHETIC_METRICS_NAME
    row = {
        "candidate": candidate,
        "families": list(recipe_families(candidate)),
        "run": str(run_dir),
        "scored_on": choice.selection.scored_on(candidate),
    }
    scores = _finished(scores_path, steps)
    if scores is None:
        left = choice.left()
        if left is not None and left <= 0:
            choice.report("  not run: the budget is spent")
            return {**row, "status": "not run", "step": 0, "metrics": None}
        resume = (run_dir / CHECKPOINT_NAME).is_file()
        choice.report(f"  {'continuing' if resume else 'training'}: {steps} steps in {run_dir}")
        result = choice.train(
            candidate, steps, run_dir, resume=resume, overwrite=not resume, time_limit=left
        )
        if result.step < steps:
            choice.report(f"  stopped at step {result.step}: the budget is spent")
            return {**row, "status": "stopped", "step": result.step, "metrics": None}
        scores = choice.score(result.model, candidate)
        scores.update(checkpoint=str(result.checkpoint), step=result.step)
        write_atomic(scores_path, (json.dumps(scores, indent=2) + "\n").encode())
    else:
        choice.report(f"  finished earlier: {scores_path}")
    return {**row, "status": "done", "step": steps, "metrics": scores["metrics"]}


def _finished(path: Path, steps: int) -> dict[str, Any] | None:
    """The scores of a run that finished its ``steps`` (``None`` if it did not)."""
    try:
        scores = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return scores if isinstance(scores, dict) and scores.get("step") == steps else None


def _table(
    selection: Selection, steps: int, held_out: int, runs: list[dict[str, Any]]
) -> dict[str, Any]:
    metric = selection.metric
    rows = []
    for run in runs:
        metrics = run["metrics"]
        per_recipe = {
            recipe: None if metrics is None or recipe not in metrics else metrics[recipe][metric]
            for recipe in selection.pool
        }
        values = [per_recipe[recipe] for recipe in run["scored_on"]]
        defined = [value for value in values if value is not None]
        mean = float(np.mean(defined)) if metrics is not None and defined else None
        overall = None if metrics is None else metrics["overall"]
        kept = {key: value for key, value in run.items() if key != "metrics"}
        rows.append({**kept, "per_recipe": per_recipe, "overall": overall, "mean": mean})
    scores = relative_scores(
        {row["candidate"]: {r: row["per_recipe"][r] for r in row["scored_on"]} for row in rows}
    )
    for row in rows:
        row["score"] = scores.get(row["candidate"])
    scored = [row for row in rows if row["score"] is not None]
    best = max(scored, key=lambda row: row["score"], default=None)
    return {
        "metric": metric,
        "steps": steps,
        "held_out": held_out,
        "pool": list(selection.pool),
        "rows": rows,
        "recommended": None if best is None else best["candidate"],
    }


def relative_scores(values: Mapping[str, Mapping[str, float | None]]) -> dict[str, float]:
    """Per candidate, the mean over its recipes of (its metric minus the mean metric of all
    candidates with a value on that recipe).

    ``values``: candidate -> validation recipe it is scored on -> its metric there (``None``:
    not scored yet). A recipe only one candidate has a value on adds 0 to that candidate's mean
    (nothing to compare it with); a candidate without any value gets no score. Same unit as the
    metric (a fraction: 0.01 is one point of AUROC).
    """
    by_recipe: dict[str, list[float]] = {}
    for row in values.values():
        for recipe, value in row.items():
            if value is not None:
                by_recipe.setdefault(recipe, []).append(value)
    means = {recipe: float(np.mean(found)) for recipe, found in by_recipe.items()}
    scores = {}
    for candidate, row in values.items():
        gaps = [value - means[recipe] for recipe, value in row.items() if value is not None]
        if gaps:
            scores[candidate] = float(np.mean(gaps))
    return scores


def _write_table(out_dir: Path, table: dict[str, Any]) -> None:
    write_atomic(out_dir / TABLE_JSON, (json.dumps(table, indent=2) + "\n").encode())
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["candidate", "status", "step", "score", "mean", *table["pool"], *METRIC_NAMES])
    for row in table["rows"]:
        overall = row["overall"] or {}
        writer.writerow(
            [row["candidate"], row["status"], row["step"], _cell(row["score"]), _cell(row["mean"])]
            + [_cell(row["per_recipe"][recipe]) for recipe in table["pool"]]
            + [_cell(overall.get(name)) for name in METRIC_NAMES]
        )
    write_atomic(out_dir / TABLE_CSV, text.getvalue().encode())


def _cell(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def format_choice(table: dict[str, Any]) -> str:
    """The table as fixed-width text: per candidate its status, score, mean and the metric on each
    validation recipe in percent (``own``: a family it holds, not scored; ``-``: not scored
    yet), then the recommendation."""
    pool = table["pool"]
    names = [row["candidate"] for row in table["rows"]]
    width = max(12, *(len(name) + 3 for name in names))
    cells = [max(9, len(recipe) + 2) for recipe in pool]
    header = f"{'candidate':<{width}}{'status':>9}{'step':>7}{'score':>8}{'mean':>7}" + "".join(
        f"{recipe:>{w}}" for recipe, w in zip(pool, cells, strict=True)
    )
    lines = [f"score: {table['metric']} above the candidates' mean, per recipe of other families,"
             " averaged (points); mean: its plain mean over those recipes (%)", header,
             "-" * len(header)]  # fmt: skip
    for row in table["rows"]:
        mark = " *" if row["candidate"] == table["recommended"] else ""
        score = "-" if row["score"] is None else f"{100 * row['score']:+.1f}"
        mean = "-" if row["mean"] is None else f"{100 * row['mean']:.1f}"
        values = []
        for recipe, w in zip(pool, cells, strict=True):
            value = row["per_recipe"][recipe]
            text = "own" if recipe not in row["scored_on"] else "-" if value is None else (
                f"{100 * value:.1f}")  # fmt: skip
            values.append(f"{text:>{w}}")
        lines.append(
            f"{row['candidate'] + mark:<{width}}{row['status']:>9}{row['step']:>7}"
            + f"{score:>8}{mean:>7}"
            + "".join(values)
        )
    recommended = table["recommended"]
    lines.append(
        f"recommended: {recommended}" if recommended else "recommended: none (nothing finished)"
    )
    return "\n".join(lines)
