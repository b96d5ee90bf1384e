"""The ``synthdefect`` command line: a thin layer over the public API.

Heavy imports (torch, the reference model) happen inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import click

from synthdefect import __version__
from synthdefect.cli.bench import bench
from synthdefect.cli.choose import choose
from synthdefect.cli.draem import evaluate, predict, train
from synthdefect.cli.errors import OneLineErrors
from synthdefect.cli.generate import generate, preview


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthdefect")
def main() -> None:
    """Synthetic surface defects for industrial anomaly detection."""


for _command in (generate, preview, bench, train, evaluate, predict, choose):
    main.add_command(_command)
