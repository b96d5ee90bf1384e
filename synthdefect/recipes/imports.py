"""Objects named as ``module:attribute`` or ``path/to/file.py:attribute`` (recipes, recipe
factories, foreground callables), imported with one-line errors."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

__all__ = ["named_attribute"]


def named_attribute(spec: str, what: str) -> Any:
    """The object ``spec`` (``module:attribute`` or ``file.py:attribute``) names; ``ValueError``
    in one line, starting with ``what`` (``"recipe"``, ``"foreground"``), when there is none."""
    module_name, _, attribute = spec.rpartition(":")
    try:
        if module_name.endswith(".py"):
            module = _module_from_file(Path(module_name))
        else:
            module = importlib.import_module(module_name)
    except (ImportError, OSError) as err:
        raise ValueError(f"{what} {spec!r}: cannot import {module_name}: {err}") from None
    except (Exception, SystemExit) as err:  # user code: what it raises is the user's to see
        raise ValueError(
            f"{what} {spec!r}: importing {module_name} raised {type(err).__name__}: {err}"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"{what} {spec!r}: {module_name} has no attribute {attribute!r}") from None


def _module_from_file(path: Path) -> Any:
    """Import a Python file as the module named after it.

    Its folder is appended to ``sys.path``, which worker processes inherit: they can then
    unpickle a recipe made of classes defined in the file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.stem.isidentifier():
        raise ImportError(f"{path.name} is not an importable module name")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)
    module = importlib.import_module(path.stem)
    if Path(module.__file__ or "").resolve() != path.resolve():
        raise ImportError(
            f"another module called {path.stem!r} comes first ({module.__file__}); rename the file"
        )
    return module
