"""How every command reports a problem: one line on stderr, ``Error: <message>``, exit status 2.

:class:`OneLineErrors` is the command group: click's own usage errors (a value out of range, an
unknown option) come out as that one line too, without the usage text.
:func:`input_problems` turns the library's errors (bad outputs, unusable data or checkpoints,
samples that cannot be made, operating-system failures) into :class:`InputProblem`.
"""

from __future__ import annotations

import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from synthdefect.outputs import OutputError, os_error

__all__ = ["InputProblem", "OneLineErrors", "input_problems"]


class InputProblem(click.ClickException):
    """``Error: <message>`` and exit status 2."""

    exit_code = 2


class OneLineErrors(click.Group):
    """A group whose commands report usage errors in one ``Error:`` line (exit status 2).

    Warnings come out as one ``Warning: <message>`` line each. A file-size limit (``ulimit -f``)
    becomes an ordinary write error, reported in one line, instead of the signal (SIGXFSZ) that
    would kill the process mid-write.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if hasattr(signal, "SIGXFSZ"):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        shown = warnings.formatwarning
        warnings.formatwarning = _one_line_warning
        try:
            return self._main(*args, standalone_mode=standalone_mode, **kwargs)
        finally:
            warnings.formatwarning = shown

    def _main(self, *args: Any, standalone_mode: bool, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> str:
    return f"Warning: {message}\n"


@contextmanager
def input_problems(out: Path | None = None, advice: str = "") -> Iterator[None]:
    """Raise the library's one-line errors as :class:`InputProblem`; an ``OSError`` while
    writing ``out`` too (disk full, file-size limit...), with ``advice`` on how to go on."""
    from reference_model.checkpoint import CheckpointError
    from reference_model.data import DataError
    from synthdefect.sample import SampleError

    try:
        yield
    except (OutputError, CheckpointError, DataError) as error:
        raise InputProblem(str(error)) from error
    except SampleError as error:
        # From a DataLoader worker the message is the worker's traceback, ending with the
        # original "...SampleError: <message>" line.
        last = str(error).strip().splitlines()[-1]
        raise InputProblem(last.split("SampleError: ", 1)[-1]) from error
    except OSError as error:
        if out is None:
            raise
        raise InputProblem(str(os_error(error, out, advice))) from error
