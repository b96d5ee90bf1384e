"""What the bad-input tests of every command share: a case, running it, its docs table.

A :class:`Case` is one command line with placeholders (each test module states its own), the
fragment its one-line error must contain and an optional setup. The docs hold each generated
table between ``<!-- NAME table: begin -->`` and ``<!-- NAME table: end -->``;
:func:`stale_tables` says which differ and :func:`rewrite_tables` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from synthdefect.cli import main


@dataclass(frozen=True)
class Case:
    """One bad input: ``args`` (a command and its arguments, with ``{name}`` placeholders),
    ``what`` it means, a fragment ``message`` the one-line error must contain, and a ``setup``
    run on the work places first (it may return a context held while the command runs)."""

    what: str
    args: tuple[str, ...]
    message: str
    setup: Callable[[dict[str, Path]], AbstractContextManager[Any] | None] | None = None


def command(case: Case, places: Mapping[str, str]) -> list[str]:
    """The case's arguments with its placeholders filled from ``places``."""
    return [arg.format(**places) for arg in case.args]


def run_one_line(
    case: Case,
    places: dict[str, Path],
    quick: Mapping[str, tuple[str, ...]],
    unchanged: Callable[[], object],
) -> list[str]:
    """Set the case up, run it (``quick`` holds each command's small settings), assert exit
    status 2, one ``Error:`` line containing the case's message, and that ``unchanged()`` (a
    snapshot of what must stay intact) is the same after as after the setup; return the
    arguments."""
    held = case.setup(places) if case.setup is not None else None
    before = unchanged()
    args = command(case, {k: str(v) for k, v in places.items()})
    with held or nullcontext():
        result: Result = CliRunner().invoke(
            main, [args[0], *quick[args[0]], *args[1:]], catch_exceptions=False
        )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert case.message in lines[0], result.output
    assert unchanged() == before
    return args


def shown(case: Case, places: Mapping[str, str]) -> str:
    """The case's command line as the docs show it."""
    return "synthdefect " + " ".join(command(case, places))


def _block(name: str) -> re.Pattern[str]:
    begin, end = f"<!-- {name} table: begin -->", f"<!-- {name} table: end -->"
    return re.compile(f"({re.escape(begin)}\n)(.*?)({re.escape(end)})", re.S)


def stale_tables(doc: Path, tables: Mapping[str, str]) -> list[str]:
    """The names of ``tables`` whose block in ``doc`` is missing or differs."""
    text = doc.read_text()
    return [
        name
        for name, table in tables.items()
        if (match := _block(name).search(text)) is None or match[2] != table + "\n"
    ]


def rewrite_tables(doc: Path, tables: Mapping[str, str]) -> None:
    """Write each table into its block in ``doc``."""
    text = doc.read_text()
    for name, table in tables.items():
        text = _block(name).sub(lambda m, t=table: f"{m[1]}{t}\n{m[3]}", text)
    doc.write_text(text)
