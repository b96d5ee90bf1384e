"""The layers of docs/architecture.md hold: no module imports from a floor above its own.

Each package or module of synthdefect (and ``reference_model``) sits on one floor; an import
from another group must point to a lower floor. The top-level ``synthdefect`` package is the
public API (it re-exports the floors below it; ``reference_model`` builds on it) and is
imported below its floor only for ``__version__``. Deprecated aliases of moved modules (they
call ``warn_moved``) and a package's lazy ``__getattr__`` are not layers and are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOORS = [
    {"limits", "seeding", "outputs", "image_checks", "_moved"},
    {"functional"},
    {"sample", "pixels"},
    {"sample_batch"},
    {"files", "convert"},
    {"textures"},
    {"transforms"},
    {"recipes"},
    {"dataset", "sampler", "torchvision_interop", "data"},
    {"generate"},
    {"synthdefect", "model_api", "bench"},
    {"reference_model"},
    {"cli"},
]
"""Bottom to top, as drawn in docs/architecture.md."""

FLOOR = {group: level for level, groups in enumerate(FLOORS) for group in groups}


def _group(module: str, name: str | None = None) -> str:
    parts = module.split(".")
    if parts[0] == "reference_model":
        return "reference_model"
    if len(parts) > 1:
        return parts[1]
    return name if name is not None and name in FLOOR and name != "synthdefect" else "synthdefect"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    tree = ast.parse(path.read_text())
    lazy = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name == "__getattr__"
        for node in ast.walk(function)
    }
    return [
        (node.module, [alias.name for alias in node.names], node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.split(".")[0] in ("synthdefect", "reference_model")
        and id(node) not in lazy
    ]


def test_every_module_sits_on_a_floor_and_imports_only_below_it():
    upward = []
    for path in sorted([*ROOT.glob("synthdefect/**/*.py"), *ROOT.glob("reference_model/*.py")]):
        source = path.read_text()
        if "warn_moved(__name__" in source:
            continue
        here = _group(_module_name(path))
        assert here in FLOOR, f"{path}: {here} is on no floor of docs/architecture.md"
        for module, names, line in _imports(path):
            for name in names:
                there = _group(module, name)
                if there == here or (there == "synthdefect" and names == ["__version__"]):
                    continue
                if FLOOR[there] >= FLOOR[here]:
                    upward.append(f"{path.relative_to(ROOT)}:{line} {here} -> {there}")
    assert not upward, "imports from a floor above:\n" + "\n".join(upward)


def test_the_floors_match_the_drawing():
    drawing = (ROOT / "docs" / "architecture.md").read_text()
    for groups in FLOORS:
        for group in groups - {"_moved", "synthdefect"}:
            assert group in drawing, f"docs/architecture.md does not draw {group}"
