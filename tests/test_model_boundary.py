"""The boundary between the two packages: ``reference_model`` uses synthdefect's public names
only (the top-level package's, :mod:`synthdefect.generate`'s) and the one module kept for it,
:mod:`synthdefect.model_api`, which holds nothing the model does not use."""

from __future__ import annotations

import ast
from pathlib import Path

import reference_model
import synthdefect
import synthdefect.generate
import synthdefect.model_api

PUBLIC = {
    module.__name__: set(module.__all__)
    for module in (synthdefect, synthdefect.generate, synthdefect.model_api)
}


def _synthdefect_imports() -> list[tuple[str, str, str]]:
    """``(file, module, name)`` for every name a reference_model module imports from
    synthdefect (``name`` is ``""`` for a plain ``import synthdefect...``)."""
    found = []
    for path in sorted(Path(reference_model.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(path.name, a.name, "") for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found += [(path.name, node.module, a.name) for a in node.names]
    return [item for item in found if item[1].split(".")[0] == "synthdefect"]


def test_reference_model_imports_only_public_synthdefect_names():
    imports = _synthdefect_imports()
    assert imports, "reference_model imports nothing from synthdefect: is the scan broken?"
    private = [
        f"{file}: from {module} import {name or '(module)'}"
        for file, module, name in imports
        if name not in PUBLIC.get(module, set())
    ]
    assert not private, "reference_model reaches past synthdefect's public API:\n" + "\n".join(
        private
    )


def test_model_api_holds_only_what_reference_model_uses():
    used = {name for _, module, name in _synthdefect_imports() if module == "synthdefect.model_api"}
    assert used == PUBLIC["synthdefect.model_api"]
