"""``synthdefect choose``: which recipe for these normal images, without a real defect.

A thin layer over :func:`reference_model.selection.choose`: options -> :class:`Selection`, the
table printed and written (``table.json``, ``table.csv``), bad input in one line (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from synthdefect.cli.draem import (
    batch_option,
    check_with_inputs,
    device_option,
    disc_width_option,
    lr_option,
    parse_device,
    recon_width_option,
    save_every_option,
    seed_option,
    size_option,
    synthetic_samples_option,
    workers_option,
)
from synthdefect.cli.errors import InputProblem, input_problems

_CANDIDATES = "draem-code,cutpaste,nsa,mix"


@click.command()
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder of defect-free images, e.g. bottle/train/good.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: choose.json, runs/<candidate>/, table.json, table.csv.",
)
@click.option(
    "--candidates",
    metavar="RECIPE[,RECIPE...]",
    default=_CANDIDATES,
    show_default=True,
    help="Candidate recipes: presets, mixtures (a+b) or recipe files.",
)
@click.option(
    "--validate-with",
    metavar="RECIPE[,RECIPE...]",
    default=None,
    help="Validation recipes. Default: one preset per family (draem-code, cutpaste, nsa, cutout, "
    "intensity-disc, fractal, fpi) and the candidates that are recipe files.",
)
@click.option(
    "--validate",
    default="0.2",
    show_default=True,
    metavar="FRACTION|COUNT",
    help="Normal images held out for the synthetic test set (never trained on).",
)
@synthetic_samples_option
@click.option(
    "--metric",
    type=click.Choice(["image_auroc", "pixel_auroc", "pixel_ap", "aupro"]),
    default="pixel_auroc",
    show_default=True,
    help="The metric a candidate is scored by on each recipe it is scored on.",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Minutes for the whole choice: without --steps, the steps per candidate are derived "
    "from a timed probe; candidates still training when it runs out stop (rerun to continue).",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=None,
    help="Steps per candidate (default 250, or what fits --budget).",
)
@click.option(
    "--textures",
    default="procedural",
    show_default=True,
    metavar="DIR|GLOB|FILE|procedural[:KINDS]|self",
    help="Anomaly textures of the candidates and validation recipes that take them.",
)
@click.option(
    "--foreground",
    metavar="auto|DIR|MODULE:ATTR",
    default=None,
    help="Put every defect (training and validation) only on the object.",
)
@size_option
@batch_option
@lr_option
@recon_width_option
@disc_width_option
@seed_option
@workers_option
@device_option
@save_every_option
def choose(**options: Any) -> None:
    """Recommend a recipe for DATA's normal images: a short run per candidate, each scored on
    synthetic defects of the families it does not hold (leave one family out), made from
    held-out images.

    Rerun the same command to continue a stopped or killed choice: finished candidates are
    kept, a stopped one resumes from its checkpoint. See docs/choosing-a-recipe.md.
    """
    from reference_model.selection import choose as choose_recipe
    from reference_model.selection import format_choice

    parse_device(options["device"])
    selection = _selection(options)
    check_with_inputs(options["out"], options["data"], selection.recipe(selection.candidates[0]))
    with input_problems(options["out"], "free space and rerun the command to continue"):
        try:
            table = choose_recipe(
                selection, options["data"], options["out"], budget=options["budget"],
                report=click.echo,
            )  # fmt: skip
        except ValueError as error:
            raise InputProblem(str(error)) from error
    click.echo(format_choice(table))
    click.echo(f"written: {options['out'] / 'table.json'}, {options['out'] / 'table.csv'}")


def _selection(options: dict[str, Any]):
    """The :class:`~reference_model.selection.Selection` of the options; refusals as
    :class:`InputProblem`."""
    from reference_model.config import ModelConfig, TrainConfig
    from reference_model.selection import Selection
    from reference_model.split import parse_amount
    from reference_model.synthetic import parse_recipes

    try:
        pool = options["validate_with"]
        return Selection(
            candidates=tuple(parse_recipes(options["candidates"])),
            validate_with=None if pool is None else tuple(parse_recipes(pool)),
            amount=parse_amount(options["validate"]),
            samples=options["synthetic_samples"],
            metric=options["metric"],
            textures=options["textures"],
            foreground=options["foreground"],
            train=TrainConfig(
                model=ModelConfig(
                    recon_width=options["recon_width"],
                    disc_width=options["disc_width"],
                    size=options["size"],
                ),
                preset=None,
                steps=options["steps"],
                batch=options["batch"],
                lr=options["lr"],
                seed=options["seed"],
                workers=options["workers"],
                device=options["device"],
                save_every=options["save_every"],
            ),
        )
    except ValueError as error:
        raise InputProblem(str(error)) from error
