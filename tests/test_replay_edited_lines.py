"""Replaying edited manifest lines: every edit of a line of every preset (a key removed, a value
of the wrong type, out of range) is replayed as a new sample or refused with a one-line
``ValueError``, a :class:`RecordError` for an edited draw or setting; never another exception
(``KeyError``, ``TypeError``, ``AttributeError``) and never gigabytes of memory."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import synthdefect
from synthdefect.recipes import PRESETS, make_recipe
from synthdefect.transforms.records import RecordError

EDITS: tuple[Any, ...] = ("remove", "x", None, -1, 10**9, 2**70, float("inf"), float("nan"), [], {})
"""What each value of a line becomes: removed, or replaced by one of these."""


def values(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value under ``node`` (dict keys and list positions), depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*path, key)
        if isinstance(value, dict | list):
            yield from values(value, (*path, key))


def edited(line: dict[str, Any], path: tuple[Any, ...], edit: Any) -> dict[str, Any]:
    line = copy.deepcopy(line)
    *parents, last = path
    node = line
    for key in parents:
        node = node[key]
    if edit == "remove":
        del node[last]
    else:
        node[last] = edit
    return line


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_edit_of_a_line_replays_or_is_one_line_error(preset, rgb_image):
    image = np.ascontiguousarray(rgb_image[:32, :32])
    recipe = make_recipe(preset, p_anomaly=1.0, **({"textures": "self"} if preset == "nsa" else {}))
    line = json.loads(json.dumps({"index": 0, "params": recipe(image, seed=0, index=0).params}))
    for path in values(line["params"], ("params",)):
        for edit in EDITS:
            try:
                synthdefect.replay(image, edited(line, path, edit))
            except ValueError as err:
                where = f"{'.'.join(map(str, path))} -> {edit!r}"
                assert "\n" not in str(err), where
                removed_step = edit == "remove" and path[-2] == "steps"
                assert removed_step or isinstance(err, RecordError), (where, err)
