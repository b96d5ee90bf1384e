"""``synthdefect bench``: print throughput figures beside the numpy baseline."""

from __future__ import annotations

from pathlib import Path

import click

from synthdefect.cli.draem import parse_device
from synthdefect.cli.errors import InputProblem
from synthdefect.cli.options import not_nan
from synthdefect.files.paths import NoImagesError
from synthdefect.limits import side_problem
from synthdefect.recipes import PRESETS


@click.command()
@click.option("--size", default=256, show_default=True, help="Image side in pixels.")
@click.option(
    "--images",
    type=click.Path(exists=True, path_type=Path),
    help="Normal images (folder or file); default: the built-in images.",
)
@click.option(
    "--textures",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Texture folder; default: procedural textures.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.01, max=3600),
    callback=not_nan,
    default=3.0,
    show_default=True,
    help="Measuring time per figure (0.01 to 3600).",
)
@click.option("--workers", type=click.IntRange(min=1), help="Processes for the all-thread figures.")
@click.option(
    "--device",
    default=None,
    help="Instead: samples/s of the batch path (recipe.batch) on this torch device (cpu, cuda, "
    "cuda:N, auto) beside the host path, for --preset (default draem-code).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Images per batch of the batch path (with --device).",
)
@click.option(
    "--preset",
    "presets",
    multiple=True,
    type=click.Choice(list(PRESETS)),
    help="Only the anomaly samples/s of this preset on one thread (repeatable); --textures is "
    "its texture input (the normal images for nsa, none for cutpaste).",
)
def bench(
    size: int,
    images: Path | None,
    textures: Path | None,
    seconds: float,
    workers: int | None,
    presets: tuple[str, ...],
    device: str | None,
    batch: int,
):
    """Perlin masks/s, anomaly samples/s and first-sample latency, vs the numpy baseline.

    Decoded inputs are cached before timing; with --textures, one more line decodes every
    texture on each sample ("textures cold"), as generate does for textures it has not used
    yet. The numpy baseline replays the records drawn by
    synthdefect, so both implementations do the same work. With --preset: that preset's anomaly
    samples/s on one thread instead (no baseline). With --device: the host path (one sample at
    a time, this process) beside the batch path on DEVICE, the records drawn per second on the
    host alone (the batch path's ceiling in one process, whatever the device) and the steps
    that fell back to the host (see docs/batch.md).
    """
    from synthdefect.bench.runner import preset_rate, run_benchmarks

    problem = side_problem((size,))
    if problem is not None:
        raise InputProblem(problem)

    if device is not None:
        _device_table(parse_device(device), presets or ("draem-code",), size, batch, images,
                      textures, seconds)  # fmt: skip
        return

    if presets:
        for preset in presets:
            try:
                rate = preset_rate(preset, size, images, textures, seconds)
            except ValueError as error:
                raise InputProblem(f"--preset {preset}: {error}") from error
            click.echo(f"{preset:<16}{rate:>10.1f} anomaly samples/s, 1 thread, {size}x{size}")
        return

    shown = []

    def show(r) -> None:
        if not shown:  # the header with the first figure: bad inputs fail before either
            click.echo(f"{'benchmark':<34}{'synthdefect':>14}{'numpy':>12}{'ratio':>9}")
        shown.append(r)
        fmt = "{:>14.3f}{:>12.3f}" if r.unit == "s" else "{:>14.1f}{:>12.1f}"
        unit = " s" if r.unit == "s" else ""
        click.echo(f"{r.name + unit:<34}" + fmt.format(r.ours, r.numpy) + f"{r.ratio:>8.1f}x")

    try:
        run_benchmarks(size, images, textures, seconds, workers, report=show)
    except NoImagesError as error:  # an empty or unreadable --images / --textures
        raise InputProblem(str(error)) from error


def _device_table(
    device, presets: tuple[str, ...], size: int, batch: int, images, textures, seconds: float
) -> None:
    """``bench --device``: one row per preset, host and batch samples/s (``device``: a
    ``torch.device``)."""
    import numpy as np

    from synthdefect.bench.device import device_rates
    from synthdefect.bench.runner import preset_inputs

    click.echo(
        f"{'preset':<16}{'size':>6}{'batch':>7}  {'device':<8}{'host/s':>9}{'batch/s':>9}"
        f"{'batch/host':>12}{'draws/s':>9}  on the host"
    )
    for preset in presets:
        try:
            recipe, normals = preset_inputs(preset, size, images, textures)
        except ValueError as error:
            raise InputProblem(f"--preset {preset}: {error}") from error
        stack = np.stack([normals[i % len(normals)] for i in range(batch)])
        rates = device_rates(recipe, stack, device, seconds)
        click.echo(
            f"{preset:<16}{size:>6}{batch:>7}  {device!s:<8}{rates.host:>9.1f}"
            f"{rates.batch:>9.1f}{rates.ratio:>12.2f}{rates.draws:>9.1f}"
            f"  {','.join(rates.fallbacks) or '-'}"
        )
