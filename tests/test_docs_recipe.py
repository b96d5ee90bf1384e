"""docs/building-recipes.md's Python examples run as written (those needing no optional package)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "building-recipes.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
RUNNABLE = [b for b in BLOCKS if "torchvision" not in b]


def test_recipe_doc_has_a_runnable_example():
    assert any("save_recipe" in b and "replay" in b for b in RUNNABLE)


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_recipe_doc_example_runs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(DOC), "exec"), {})
