"""``synthdefect generate`` and ``synthdefect preview``, thin wrappers of the public API in
:mod:`synthdefect.generate`.

Problems with the inputs or the output folder exit with status 2 and one line on stderr. An
interrupted ``generate`` (Ctrl-C: status 130, SIGTERM: 143) says in one line that ``--resume``
continues it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

import synthdefect.generate as api
from synthdefect.cli.errors import InputProblem
from synthdefect.cli.options import recipe_options
from synthdefect.generate.config import FORMATS, LAYOUTS
from synthdefect.generate.preview import parse_grid

_QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"
"""A ``-W`` option: multiprocessing passes ``sys.warnoptions`` to the processes it starts."""


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a run ends as cleanly as on Ctrl-C."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


@contextmanager
def _resumable_on_interrupt() -> Iterator[None]:
    """Ctrl-C -> exit status 130, SIGTERM -> 143, each with a line saying how to continue."""
    in_main = threading.current_thread() is threading.main_thread()
    # The resource tracker (a process of its own) then removes the pools' semaphores: nothing
    # leaks, so its warning that it does so would only alarm.
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main else None
    try:
        yield
    except (KeyboardInterrupt, _Terminated) as interrupt:
        ctrl_c = isinstance(interrupt, KeyboardInterrupt)
        click.echo(
            f"{'interrupted (Ctrl-C)' if ctrl_c else 'terminated (SIGTERM)'}: the samples "
            "recorded so far are kept; run the same command with --resume to continue",
            err=True,
        )
        sys.stderr.flush()
        # End at once: the run has closed its files, and interpreter exit would join the pools'
        # threads, which hang if a worker died while sending a result (CPython 3.11). Workers
        # still running end with this process (synthdefect.generate.lifetime).
        os._exit(130 if ctrl_c else 143)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


_SHARED_OPTIONS = [
    click.option(
        "--images",
        metavar="DIR|GLOB",
        help="Normal images: a folder (searched recursively), a glob or a file. "
        "Default: the built-in images.",
    ),
    click.option(
        "--size",
        default="256",
        show_default=True,
        metavar="S|HxW",
        help="Resize normal images to S x S (or H x W) pixels.",
    ),
    click.option("--keep-size", is_flag=True, help="Keep each normal image's own size."),
    click.option(
        "--channels",
        type=int,
        default=3,
        show_default=True,
        help="3: RGB samples (grey files converted); 1: grey samples (colour files converted).",
    ),
    click.option(
        "--p-anomaly",
        type=float,
        help="Probability in [0, 1] that a sample gets a defect (presets only). "
        "Default: the preset's (0.5).",
    ),
    click.option("--seed", type=int, default=0, show_default=True, help="Run seed (>= 0)."),
]


def _shared_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_SHARED_OPTIONS):
        command = option(command)
    return recipe_options(command)


def _out_option(default: str, help_text: str) -> Callable[..., Any]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path(default),
        show_default=True,
        help=help_text,
    )


def _config(n: int, out: Path, keep_size: bool, size: str, **options: Any) -> api.GenerateConfig:
    source = click.get_current_context().get_parameter_source("size")
    if keep_size and source is not click.core.ParameterSource.DEFAULT:
        raise api.GenerateError("--keep-size and --size exclude each other: pass one of them")
    return api.GenerateConfig(
        n=n, out=out, size=None if keep_size else api.parse_size(size), **options
    )


@click.command()
@click.option("--n", "n", type=int, help="Number of samples (required unless --merge).")
@_out_option("synthdefect-out", "Output folder.")
@_shared_options
@click.option(
    "--workers", type=int, help="Worker processes. Default: the number of CPUs available."
)
@click.option(
    "--format",
    "image_format",
    type=click.Choice(FORMATS),
    default="png",
    show_default=True,
    help="Image files (masks are always PNG).",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="flat",
    show_default=True,
    help="flat: images/, masks/. mvtec: the MVTec AD folders (PNG only).",
)
@click.option(
    "--with-normal", is_flag=True, help="Also write each sample's clean target image (flat)."
)
@click.option(
    "--rotate-normal",
    is_flag=True,
    help="Keep the recipe's normal-image rotation (draem-code: 30 %% of samples, reflecting "
    "border) for training sets; needs --with-normal. Off by default: normal images are never "
    "altered, never in test sets.",
)
@click.option("--shard", metavar="I/K", help="Make only block I of K of the indices (e.g. 0/4).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run with the same settings.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier run in --out.")
@click.option("--merge", is_flag=True, help="Merge the finished shards in --out, then exit.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def generate(
    n: int | None,
    out: Path,
    workers: int | None,
    shard: str | None,
    resume: bool,
    overwrite: bool,
    merge: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Generate N synthetic defect samples (images, masks, manifest.jsonl) into --out.

    The same settings and seed give byte-identical files for any --workers; --shard I/K
    splits a run over machines (merge with --merge). See docs/generate.md.
    """
    try:
        with _resumable_on_interrupt():
            if merge:
                if n is not None or shard is not None:
                    raise api.GenerateError(
                        f"--merge takes no {'--n' if n is not None else '--shard'}: it merges "
                        "the shards already in --out"
                    )
                report = api.merge_shards(out)
            else:
                if n is None:
                    raise api.GenerateError("--n is required")
                config = _config(
                    n, out, shard=None if shard is None else api.Shard.parse(shard), **options
                )
                report = api.generate(
                    config, workers=workers, resume=resume, overwrite=overwrite, progress=not quiet
                )
    except api.WorkerDiedError as err:
        click.echo(f"Error: {err}", err=True)
        sys.stderr.flush()
        os._exit(InputProblem.exit_code)  # see WorkerDiedError: interpreter exit could hang
    except api.GenerateError as err:
        raise InputProblem(str(err)) from err
    click.echo(report.line())


@click.command()
@_shared_options
@click.option(
    "--grid",
    default="4x4",
    show_default=True,
    metavar="COLSxROWS",
    help="Samples per row x rows.",
)
@click.option("--cell", type=int, default=160, show_default=True, help="Panel height in pixels.")
@_out_option("preview.png", "Output image (PNG or JPEG).")
@click.option("--overwrite", is_flag=True, help="Replace an --out file that preview did not write.")
def preview(grid: str, cell: int, out: Path, overwrite: bool, **options: Any) -> None:
    """Write a contact sheet of the first samples: normal, defective, mask outline.

    --out replaces an earlier sheet, never another file (unless --overwrite).
    """
    try:
        columns, rows = parse_grid(grid)
        config = _config(columns * rows, out, **options)
        path = api.write_preview(config, out, (columns, rows), cell, overwrite=overwrite)
    except api.GenerateError as err:
        raise InputProblem(str(err)) from err
    click.echo(f"wrote {columns * rows} samples to {path}")
