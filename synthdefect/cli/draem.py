"""``synthdefect train | evaluate | predict``: the DRAEM reference model (``reference_model``).

torch and ``reference_model`` are imported inside the commands so that ``synthdefect --help``
stays fast. Bad input (missing or malformed folders, an unreadable or mismatched checkpoint, an
empty training set, an output that would overwrite or read what it should not) ends with a
one-line message and exit code 2 (:mod:`synthdefect.outputs` holds the output rules).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from synthdefect.cli.errors import InputProblem, input_problems
from synthdefect.cli.options import not_nan, recipe_options
from synthdefect.dataset import SYNTHESIS_BACKENDS
from synthdefect.limits import MIN_TRAINING_SAMPLES, default_workers
from synthdefect.outputs import check_apart, check_not_being_written, check_writable, claim_file

if TYPE_CHECKING:
    from torch.utils.data import Dataset

    from reference_model.config import TrainConfig
    from reference_model.split import Split
    from reference_model.train import TrainResult, Validator
    from synthdefect.recipes import RecipeOptions

_EXISTING_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_POSITIVE = click.IntRange(min=1)

device_option = click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA when available), cpu, cuda or cuda:N.",
)
batch_option = click.option(
    "--batch", type=_POSITIVE, default=8, show_default=True, help="Images per batch."
)
size_option = click.option(
    "--size",
    type=_POSITIVE,
    default=256,
    show_default=True,
    help="Square training side in pixels (multiple of 32).",
)
lr_option = click.option(
    "--lr", type=float, default=1e-4, show_default=True, help="Adam learning rate."
)
recon_width_option = click.option(
    "--recon-width",
    type=_POSITIVE,
    default=128,
    show_default=True,
    help="Base width of the reconstructive network.",
)
disc_width_option = click.option(
    "--disc-width",
    type=_POSITIVE,
    default=64,
    show_default=True,
    help="Base width of the discriminative network.",
)
seed_option = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
save_every_option = click.option(
    "--save-every",
    type=_POSITIVE,
    default=500,
    show_default=True,
    help="Checkpoint every this many steps (and at the end).",
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=default_workers(cap=8),
    show_default="min(8, CPUs)",
    help="DataLoader worker processes (0: load in the main process).",
)
synthetic_samples_option = click.option(
    "--synthetic-samples",
    type=_POSITIVE,
    default=32,
    show_default=True,
    help="Synthetic defects per validation recipe (made from the held-out images).",
)
_checkpoint_option = click.option(
    "--checkpoint",
    type=_EXISTING_FILE,
    required=True,
    help="checkpoint.pt written by synthdefect train.",
)


def parse_device(name: str):
    """Parse ``--device`` (imports torch); a CUDA device this machine lacks is a usage error."""
    import torch

    from reference_model.distributed import resolve_device

    try:
        device = resolve_device(name)
    except RuntimeError as error:
        raise click.BadParameter(str(error), param_hint="--device") from error
    if device.type == "cuda" and device.index >= torch.cuda.device_count():
        available = "no CUDA device" if not torch.cuda.is_available() else "no such GPU"
        raise click.BadParameter(f"{name}: {available} on this machine", param_hint="--device")
    return device


@click.command()
@click.option(
    "--data",
    type=_EXISTING_DIR,
    required=True,
    help="Folder of defect-free training images, e.g. bottle/train/good.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run folder for checkpoint.pt and train_log.jsonl.",
)
@recipe_options
@size_option
@click.option(
    "--epochs",
    type=_POSITIVE,
    default=None,
    help="Run length in epochs (default 700). Exclusive with --steps.",
)
@click.option("--steps", type=_POSITIVE, default=None, help="Run length in optimiser steps.")
@batch_option
@lr_option
@recon_width_option
@disc_width_option
@device_option
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.pt (same settings).")
@click.option("--overwrite", is_flag=True, help="Start again in an OUT that holds a run.")
@click.option(
    "--synthesis",
    type=click.Choice(SYNTHESIS_BACKENDS),
    default="host",
    show_default=True,
    help="Where the anomalies are made: host (per sample, in the DataLoader workers) or device "
    "(per batch on --device, from the same keys; see docs/batch.md).",
)
@click.option(
    "--sspcab",
    is_flag=True,
    help="SSPCAB as the reconstructive encoder's last block, with its loss (weight 0.1).",
)
@click.option(
    "--compile",
    "compile_model",
    is_flag=True,
    help="torch.compile the model (opt-in; its speed-up is not measured yet).",
)
@seed_option
@workers_option
@save_every_option
@click.option(
    "--stop-at",
    type=_POSITIVE,
    default=None,
    help="Stop (with a checkpoint) at this global step; resume later with --resume.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True, max=10**7),
    callback=not_nan,
    default=None,
    help="Stop (with a checkpoint) after this many minutes; resume later with --resume.",
)
@click.option(
    "--validate",
    is_flag=False,
    flag_value="0.1",
    default=None,
    metavar="[FRACTION|COUNT]",
    help="Hold out this share (0.1 when given alone) or number of DATA's images, recorded in "
    "OUT/split.json, and score the model on synthetic defects made from them at every "
    "checkpoint (OUT/validation.jsonl).",
)
@click.option(
    "--validate-with",
    metavar="RECIPE[,RECIPE...]",
    default=None,
    help="Recipes of the synthetic defects (presets, mixtures, recipe files). Default: one "
    "preset per family the training recipe does not hold (see docs/choosing-a-recipe.md).",
)
@synthetic_samples_option
def train(**options: Any) -> None:
    """Train DRAEM on synthdefect anomalies made on the fly from DATA's normal images.

    DATA may also be a folder written by synthdefect generate --layout flat --with-normal
    (it has a manifest.jsonl): its fixed samples are used as they are.

    The preset also picks the learning-rate schedule (draem-code's for a --recipe and for
    presets other than paper).

    With --validate, the held-out images are never trained on; the split depends only on
    --seed and the file names, so --resume finds the same one.

    Multi-GPU / multi-process: torchrun --nproc_per_node N --no-python synthdefect train ...
    """
    given = TrainOptions(**options)
    parse_device(given.device)
    recipe = given.recipe_options()
    check_with_inputs(given.out, given.data, recipe)
    if given.resume and given.overwrite:
        raise InputProblem("--resume and --overwrite exclude each other")
    config = given.train_config()
    split = given.split()
    dataset, fingerprint = given.training_set(recipe, split)
    if len(dataset) < MIN_TRAINING_SAMPLES:
        raise InputProblem(
            f"--data {given.data}: at least {MIN_TRAINING_SAMPLES} training images are needed, "
            f"found {len(dataset)}"
        )
    validator = None if split is None else given.validator(split, recipe, config)
    config = dataclasses.replace(config, data=fingerprint)
    _report(given.run(config, dataset, split, validator))


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """``synthdefect train``'s options as click parses them, one field per option (``--help``
    says what each means); grouped as the run uses them."""

    data: Path
    out: Path
    # the anomalies: training_set
    textures: str
    preset: str | None
    recipe: str | None
    foreground: str | None
    synthesis: str
    # the model and the run: train_config
    size: int
    recon_width: int
    disc_width: int
    sspcab: bool
    epochs: int | None
    steps: int | None
    batch: int
    lr: float
    seed: int
    workers: int
    device: str
    save_every: int
    compile_model: bool
    # how this call runs and stops: run
    resume: bool
    overwrite: bool
    stop_at: int | None
    time_limit: float | None
    # the held-out split and its synthetic validation: split, validator
    validate: str | None
    validate_with: str | None
    synthetic_samples: int

    def recipe_options(self) -> RecipeOptions:
        """The anomaly options; a bad combination is an :class:`InputProblem`."""
        from synthdefect.recipes import RecipeOptions

        try:
            return RecipeOptions(
                self.preset, self.recipe, self.textures, foreground=self.foreground
            )
        except ValueError as error:
            raise InputProblem(str(error)) from error

    def train_config(self) -> TrainConfig:
        """The run's ``TrainConfig`` (without the data fingerprint); a bad value is an
        :class:`InputProblem`. Its ``preset`` is ``None`` when the anomalies are no preset's:
        a ``--recipe``, or a generated folder's fixed samples."""
        from reference_model.config import ModelConfig, TrainConfig
        from reference_model.data import MANIFEST_NAME

        generated = (self.data / MANIFEST_NAME).is_file()
        try:
            return TrainConfig(
                model=ModelConfig(
                    recon_width=self.recon_width,
                    disc_width=self.disc_width,
                    size=self.size,
                    sspcab=self.sspcab,
                ),
                preset=None if generated else self.recipe_options().preset_name,
                recipe=self.recipe,
                epochs=self.epochs,
                steps=self.steps,
                batch=self.batch,
                lr=self.lr,
                seed=self.seed,
                workers=self.workers,
                device=self.device,
                save_every=self.save_every,
                compile=self.compile_model,
                synthesis=self.synthesis,
            )
        except ValueError as error:
            raise InputProblem(str(error)) from error

    def training_set(self, recipe: RecipeOptions, split: Split | None):
        """The training Dataset (uint8 images) and the data fingerprint, checked before
        training: a generated folder's fixed samples, or DATA's normal images (those ``split``
        trains on) with the recipe (:func:`reference_model.data.anomaly_training_set`)."""
        from reference_model.data import MANIFEST_NAME, GeneratedFolder, anomaly_training_set
        from synthdefect.generate.inputs import folders_fingerprint

        data, size, seed = self.data, self.size, self.seed
        if (data / MANIFEST_NAME).is_file():
            if recipe.given:
                raise InputProblem(
                    "--preset, --recipe, --textures and --foreground do not apply to a generated "
                    "folder"
                )
            if self.synthesis == "device":
                raise InputProblem(
                    "--synthesis device makes anomalies from normal images: a generated folder's "
                    "samples are fixed"
                )
            with input_problems():
                return GeneratedFolder(data, size, image_dtype="uint8"), folders_fingerprint(data)
        with input_problems():
            if split is None:
                return anomaly_training_set(data, recipe, size, seed, synthesis=self.synthesis)
            return anomaly_training_set(
                data, recipe, size, seed, split.training_paths(), extra=json.dumps(split.held_out),
                synthesis=self.synthesis,
            )  # fmt: skip

    def split(self) -> Split | None:
        """The held-out split of ``--validate`` (``None`` without it); refusals as
        :class:`InputProblem`."""
        from reference_model.data import MANIFEST_NAME
        from reference_model.split import parse_amount, split_folder

        if self.validate is None:
            if self.validate_with is not None:
                raise InputProblem("--validate-with needs --validate")
            return None
        if (self.data / MANIFEST_NAME).is_file():
            raise InputProblem("--validate needs a folder of normal images, not a generated one")
        with input_problems():
            try:
                amount = parse_amount(self.validate)
            except ValueError as error:
                raise InputProblem(str(error)) from error
            return split_folder(self.data, amount, self.seed)

    def validator(self, split: Split, recipe: RecipeOptions, config: TrainConfig) -> Validator:
        """Scores on synthetic defects of ``--validate-with`` (default: the families the
        training recipe does not hold) made from the held-out images."""
        from reference_model.synthetic import synthetic_validator

        synthetic = synthetic_set(
            split.held_out_paths(),
            self.validate_with,
            config.preset or config.recipe,
            self.size,
            self.synthetic_samples,
            recipe,
            self.workers,
        )
        return synthetic_validator(synthetic, self.batch)

    def run(
        self,
        config: TrainConfig,
        dataset: Dataset,
        split: Split | None = None,
        validator: Validator | None = None,
    ) -> TrainResult:
        """Train ``config`` on ``dataset`` in ``--out`` (recording ``split``); the
        ``TrainResult``."""
        from reference_model.split import SPLIT_NAME
        from reference_model.train import train as train_model

        with input_problems(self.out, "free space and rerun with --resume"):
            return train_model(
                config,
                dataset,
                self.out,
                resume=self.resume,
                overwrite=self.overwrite,
                stop_at=self.stop_at,
                time_limit=None if self.time_limit is None else 60.0 * self.time_limit,
                record=None if split is None else {SPLIT_NAME: split.to_json()},
                validator=validator,
            )


def synthetic_set(
    images: list[Path],
    recipes: str | None,
    trained: str | None,
    size: int,
    samples: int,
    anomaly: RecipeOptions,
    workers: int,
):
    """The synthetic test set of ``images`` with ``recipes`` (``None``: the default rule for a
    model trained on ``trained``), textures and foreground as ``anomaly``'s."""
    from reference_model.synthetic import (
        build_synthetic_set,
        default_validation_recipes,
        parse_recipes,
    )

    try:
        names = default_validation_recipes(trained) if recipes is None else parse_recipes(recipes)
        if not names:
            raise ValueError(
                f"{trained} holds every family: name the validation recipes (--validate-with)"
            )
        return build_synthetic_set(
            images, names, size, samples=samples, textures=anomaly.textures,
            foreground=anomaly.foreground, workers=workers,
        )  # fmt: skip
    except ValueError as error:
        raise InputProblem(str(error)) from error


def _report(result: TrainResult) -> None:
    """The two lines ``train`` ends with: steps, time and rates; the checkpoint written."""
    average, steady = result.throughput()
    steps = result.timings[-1][0] - result.timings[0][0]
    rates = f"{average:.2f} steps/s on average"
    if steady is not None:
        rates += f", {steady:.2f} steps/s after the first epoch"
    click.echo(f"{steps} steps in {result.timings[-1][1]:.1f} s ({rates})")
    click.echo(f"step {result.step}: {result.checkpoint}")


def check_with_inputs(out: Path, data: Path, recipe: RecipeOptions) -> None:
    """Refuse a train ``--out`` that overlaps ``--data``, a texture or mask folder, or that
    cannot be written, and ``--data`` while another run still writes it."""
    from synthdefect.files.paths import fixed_root

    inputs: dict[str, Path | None] = {"--data": data}
    if not recipe.texture_input.generated:
        inputs["--textures"] = fixed_root(recipe.textures)
    if recipe.foreground is not None and Path(recipe.foreground).is_dir():
        inputs["--foreground"] = Path(recipe.foreground)
    with input_problems():
        check_apart({"--out": out}, inputs)
        check_not_being_written(data, "--data")
        check_writable(out)


_overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace outputs that this command did not write."
)


@click.command()
@_checkpoint_option
@click.option(
    "--data",
    type=_EXISTING_DIR,
    default=None,
    help="MVTec AD category folder (with test/ and ground_truth/). With --synthetic: a folder "
    "of normal images the model did not train on (default: the run's held-out split).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Metrics JSON file. Default: metrics.json (with --synthetic: synthetic_metrics.json) "
    "next to the checkpoint.",
)
@click.option(
    "--synthetic",
    metavar="RECIPE[,RECIPE...]|auto",
    default=None,
    help="Score on synthetic defects of these recipes (presets, mixtures, recipe files; auto: "
    "one preset per family the model did not train on) made from held-out normal images.",
)
@click.option(
    "--textures",
    default="procedural",
    show_default=True,
    metavar="DIR|GLOB|FILE|procedural[:KINDS]|self",
    help="With --synthetic: the textures of the recipes that take them.",
)
@click.option(
    "--foreground",
    metavar="auto|DIR|MODULE:ATTR",
    default=None,
    help="With --synthetic: put the synthetic defects only on the object.",
)
@synthetic_samples_option
@batch_option
@device_option
@workers_option
@_overwrite_option
def evaluate(**options: Any) -> None:
    """Image AUROC, pixel AUROC, pixel AP and AUPRO on DATA's test split, overall and per type,
    or with --synthetic on synthetic defects, overall and per recipe.

    Computed at the model's input size (masks resized with nearest-neighbour). --out replaces
    an earlier evaluate output, never another file (unless --overwrite). The synthetic test set
    depends only on the held-out images, the recipes, --textures, --foreground and
    --synthetic-samples (its keys come from a fixed validation seed), so every model scored on
    it is scored on the same images.
    """
    from reference_model.checkpoint import load_model
    from reference_model.evaluate import METRICS_NAME, format_table, is_metrics_file
    from reference_model.evaluate import evaluate as evaluate_model
    from reference_model.synthetic import SYNTHETIC_METRICS_NAME, evaluate_synthetic
    from synthdefect.files.atomic import write_atomic

    given = EvaluateOptions(**options)
    torch_device = parse_device(given.device)
    checkpoint = given.checkpoint
    if given.synthetic is None and given.data is None:
        raise InputProblem("Missing option '--data' (or give --synthetic)")
    default_name = METRICS_NAME if given.synthetic is None else SYNTHETIC_METRICS_NAME
    out = given.out or checkpoint.parent / default_name
    inputs = {"--checkpoint": checkpoint, "--data": given.data}
    with input_problems():
        check_apart({"--out": out}, {k: v for k, v in inputs.items() if v is not None})
        claim_file(out, "--out", is_metrics_file, given.overwrite)
        check_writable(out.parent)
        if given.data is not None:
            check_not_being_written(given.data, "--data")
        model, config = load_model(checkpoint, torch_device)
        if given.synthetic is None:
            result = evaluate_model(
                model, given.data, torch_device, batch=given.batch, workers=given.workers
            )
        else:
            synthetic = given.synthetic_set(config)
            result = evaluate_synthetic(model, synthetic, torch_device, batch=given.batch)
    result["checkpoint"] = str(checkpoint)
    with input_problems(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, (json.dumps(result, indent=2) + "\n").encode())
    click.echo(format_table(result))
    click.echo(f"written: {out}")


@dataclasses.dataclass(frozen=True)
class EvaluateOptions:
    """``synthdefect evaluate``'s options as click parses them (``--help`` says what each
    means)."""

    checkpoint: Path
    data: Path | None
    out: Path | None
    synthetic: str | None
    textures: str
    foreground: str | None
    synthetic_samples: int
    batch: int
    device: str
    workers: int
    overwrite: bool

    def synthetic_set(self, config: TrainConfig):
        """The synthetic test set: from ``--data``'s normal images or the run's held-out split,
        with ``--synthetic``'s recipes (``auto``: the families ``config`` did not train on)."""
        from reference_model.split import SPLIT_NAME, read_split
        from synthdefect.files.normal_images import NormalImages
        from synthdefect.files.paths import NoImagesError
        from synthdefect.recipes import RecipeOptions

        if self.data is not None:
            try:
                images = NormalImages(self.data, size=None).paths
            except NoImagesError as error:
                raise InputProblem(f"--data: {error}") from error
        else:
            split = read_split(self.checkpoint.parent)
            if split is None:
                raise InputProblem(
                    f"{self.checkpoint.parent} records no held-out split ({SPLIT_NAME}): train "
                    "with --validate, or give --data, a folder of normal images the model did "
                    "not train on"
                )
            images = split.held_out_paths()
        try:
            anomaly = RecipeOptions(textures=self.textures, foreground=self.foreground)
        except ValueError as error:
            raise InputProblem(str(error)) from error
        recipes = None if self.synthetic == "auto" else self.synthetic
        trained = config.preset or config.recipe
        size = config.model.size
        return synthetic_set(
            images, recipes, trained, size, self.synthetic_samples, anomaly, self.workers
        )


@click.command()
@_checkpoint_option
@click.option("--images", type=_EXISTING_DIR, required=True, help="Folder of images to score.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder for scores.csv and overlays/.",
)
@batch_option
@device_option
@workers_option
@_overwrite_option
def predict(
    checkpoint: Path,
    images: Path,
    out: Path,
    batch: int,
    device: str,
    workers: int,
    overwrite: bool,
) -> None:
    """Write OUT/scores.csv (file, image score) and OUT/overlays/*.png heat maps.

    A rerun replaces its own earlier outputs in OUT; other files there are refused unless
    --overwrite.
    """
    from reference_model.checkpoint import load_model
    from reference_model.predict import SCORES_NAME, predict_folder

    torch_device = parse_device(device)
    with input_problems():
        check_apart({"--out": out}, {"--checkpoint": checkpoint, "--images": images})
        check_not_being_written(images, "--images")
    with input_problems(out):
        model, _ = load_model(checkpoint, torch_device)
        rows = predict_folder(
            model, images, out, torch_device, batch=batch, workers=workers, overwrite=overwrite
        )
    click.echo(f"{len(rows)} images scored: {out / SCORES_NAME}")
