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
from synthdefect.cli.options import recipe_options
from synthdefect.limits import MIN_TRAINING_SAMPLES, default_workers
from synthdefect.outputs import check_apart, check_not_being_written, check_writable, claim_file

if TYPE_CHECKING:
    from torch.utils.data import Dataset

    from reference_model.config import TrainConfig
    from reference_model.train import TrainResult
    from synthdefect.recipes import RecipeOptions

_EXISTING_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_POSITIVE = click.IntRange(min=1)

_device_option = click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA when available), cpu, cuda or cuda:N.",
)
_batch_option = click.option(
    "--batch", type=_POSITIVE, default=8, show_default=True, help="Images per batch."
)
_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=default_workers(cap=8),
    show_default="min(8, CPUs)",
    help="DataLoader worker processes (0: load in the main process).",
)
_checkpoint_option = click.option(
    "--checkpoint",
    type=_EXISTING_FILE,
    required=True,
    help="checkpoint.pt written by synthdefect train.",
)


def _device(name: str):
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
@click.option(
    "--size",
    type=_POSITIVE,
    default=256,
    show_default=True,
    help="Square training side in pixels (multiple of 32).",
)
@click.option(
    "--epochs",
    type=_POSITIVE,
    default=None,
    help="Run length in epochs (default 700). Exclusive with --steps.",
)
@click.option("--steps", type=_POSITIVE, default=None, help="Run length in optimiser steps.")
@_batch_option
@click.option("--lr", type=float, default=1e-4, show_default=True, help="Adam learning rate.")
@click.option(
    "--recon-width",
    type=_POSITIVE,
    default=128,
    show_default=True,
    help="Base width of the reconstructive network.",
)
@click.option(
    "--disc-width",
    type=_POSITIVE,
    default=64,
    show_default=True,
    help="Base width of the discriminative network.",
)
@_device_option
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.pt (same settings).")
@click.option("--overwrite", is_flag=True, help="Start again in an OUT that holds a run.")
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
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@_workers_option
@click.option(
    "--save-every",
    type=_POSITIVE,
    default=500,
    show_default=True,
    help="Checkpoint every this many steps (and at the end).",
)
@click.option(
    "--stop-at",
    type=_POSITIVE,
    default=None,
    help="Stop (with a checkpoint) at this global step; resume later with --resume.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop (with a checkpoint) after this many minutes; resume later with --resume.",
)
def train(**options: Any) -> None:
    """Train DRAEM on synthdefect anomalies made on the fly from DATA's normal images.

    DATA may also be a folder written by synthdefect generate --layout flat --with-normal
    (it has a manifest.jsonl): its fixed samples are used as they are.

    The preset also picks the learning-rate schedule (draem-code's for a --recipe and for
    presets other than paper).

    Multi-GPU / multi-process: torchrun --nproc_per_node N --no-python synthdefect train ...
    """
    given = TrainOptions(**options)
    _device(given.device)
    recipe = given.recipe_options()
    check_with_inputs(given.out, given.data, recipe)
    if given.resume and given.overwrite:
        raise InputProblem("--resume and --overwrite exclude each other")
    config = given.train_config()
    dataset, fingerprint = _training_set(given.data, recipe, given.size, given.seed)
    if len(dataset) < MIN_TRAINING_SAMPLES:
        raise InputProblem(
            f"--data {given.data}: at least {MIN_TRAINING_SAMPLES} training images are needed, "
            f"found {len(dataset)}"
        )
    _report(given.run(dataclasses.replace(config, data=fingerprint), dataset))


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """``synthdefect train``'s options as click parses them, one field per option (``--help``
    says what each means); grouped as the run uses them."""

    data: Path
    out: Path
    # the anomalies: _training_set
    textures: str
    preset: str | None
    recipe: str | None
    foreground: str | None
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
            )
        except ValueError as error:
            raise InputProblem(str(error)) from error

    def run(self, config: TrainConfig, dataset: Dataset) -> TrainResult:
        """Train ``config`` on ``dataset`` in ``--out``; the ``TrainResult``."""
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
            )


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


def _training_set(data: Path, recipe: RecipeOptions, size: int, seed: int):
    """The training Dataset (uint8 images) and the data fingerprint, checked before training.

    The fingerprint covers DATA's files, a texture folder's files, and the recipe's
    description.
    """
    from reference_model.data import MANIFEST_NAME, GeneratedFolder
    from synthdefect.dataset import SyntheticAnomalyDataset
    from synthdefect.files.normal_images import NormalImages
    from synthdefect.files.paths import NoImagesError
    from synthdefect.generate.inputs import folders_fingerprint

    if (data / MANIFEST_NAME).is_file():
        if recipe.given:
            raise InputProblem(
                "--preset, --recipe, --textures and --foreground do not apply to a generated folder"
            )
        with input_problems():
            return GeneratedFolder(data, size, image_dtype="uint8"), folders_fingerprint(data)
    try:
        images = NormalImages(data, (size, size))
        images.check_readable()
    except NoImagesError as error:
        raise InputProblem(f"the training set is empty: {error} ({data})") from error
    try:
        anomaly = recipe.build(images.paths)
    except ValueError as error:
        raise InputProblem(str(error)) from error
    dataset = SyntheticAnomalyDataset(
        images, transform=anomaly, size=(size, size), seed=seed, image_dtype="uint8"
    )
    inputs = (recipe.textures, recipe.foreground)
    folders = [data, *(Path(p) for p in inputs if p is not None and Path(p).is_dir())]
    description = json.dumps(anomaly.describe(), sort_keys=True, default=str)
    return dataset, folders_fingerprint(*folders, extra=description)


_overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace outputs that this command did not write."
)


@click.command()
@_checkpoint_option
@click.option(
    "--data",
    type=_EXISTING_DIR,
    required=True,
    help="MVTec AD category folder (with test/ and ground_truth/).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Metrics JSON file. Default: metrics.json next to the checkpoint.",
)
@_batch_option
@_device_option
@_workers_option
@_overwrite_option
def evaluate(
    checkpoint: Path,
    data: Path,
    out: Path | None,
    batch: int,
    device: str,
    workers: int,
    overwrite: bool,
) -> None:
    """Image AUROC, pixel AUROC, pixel AP and AUPRO on DATA's test split, overall and per type.

    Computed at the model's input size (masks resized with nearest-neighbour). --out replaces
    an earlier evaluate output, never another file (unless --overwrite).
    """
    from reference_model.checkpoint import load_model
    from reference_model.evaluate import METRICS_NAME, format_table, is_metrics_file
    from reference_model.evaluate import evaluate as evaluate_model
    from synthdefect.files.atomic import write_atomic

    torch_device = _device(device)
    out = out or checkpoint.parent / METRICS_NAME
    with input_problems():
        check_apart({"--out": out}, {"--checkpoint": checkpoint, "--data": data})
        claim_file(out, "--out", is_metrics_file, overwrite)
        check_writable(out.parent)
        check_not_being_written(data, "--data")
        model, _ = load_model(checkpoint, torch_device)
        result = evaluate_model(model, data, torch_device, batch=batch, workers=workers)
    result["checkpoint"] = str(checkpoint)
    with input_problems(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, (json.dumps(result, indent=2) + "\n").encode())
    click.echo(format_table(result))
    click.echo(f"written: {out}")


@click.command()
@_checkpoint_option
@click.option("--images", type=_EXISTING_DIR, required=True, help="Folder of images to score.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder for scores.csv and overlays/.",
)
@_batch_option
@_device_option
@_workers_option
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

    torch_device = _device(device)
    with input_problems():
        check_apart({"--out": out}, {"--checkpoint": checkpoint, "--images": images})
        check_not_being_written(images, "--images")
    with input_problems(out):
        model, _ = load_model(checkpoint, torch_device)
        rows = predict_folder(
            model, images, out, torch_device, batch=batch, workers=workers, overwrite=overwrite
        )
    click.echo(f"{len(rows)} images scored: {out / SCORES_NAME}")
