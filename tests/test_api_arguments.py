"""The arguments beside the image of the API's entry points (a transform's call, ``replay``,
``Transform.batch``, ``SyntheticAnomalyDataset`` and its keys, ``EpochSampler``): a bad one is
refused in one line naming it, never passed on to numpy's seeding or a kernel; integers of
numpy and torch work as Python ints do.

:data:`REFUSED` and :data:`ACCEPTED` are the single source of the table "Arguments" in
docs/building-recipes.md: ``test_docs_table_is_current`` fails when it differs from them,
``python tests/test_api_arguments.py`` rewrites it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from bad_input_cases import rewrite_tables, stale_tables

import synthdefect as sd
from synthdefect.files.codec import write_image

DOC = Path(__file__).resolve().parents[1] / "docs" / "building-recipes.md"
RECIPE = sd.make_recipe("paper", p_anomaly=1.0)
IMAGE = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
BATCH = torch.from_numpy(np.stack([IMAGE, IMAGE[::-1].copy()])).permute(0, 3, 1, 2).contiguous()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Three small normal images."""
    root = tmp_path_factory.mktemp("normal")
    for i in range(3):
        write_image(root / f"{i}.png", np.roll(IMAGE, 5 * i, axis=1))
    return root


def _dataset(folder: Path, **options: Any) -> sd.SyntheticAnomalyDataset:
    return sd.SyntheticAnomalyDataset(folder, transform=RECIPE, size=(16, 16), **options)


def _collated(folder: Path) -> dict[str, Any]:
    from torch.utils.data import default_collate

    ds = _dataset(folder, synthesis="device")
    return default_collate([ds[0], ds[1]])


@dataclass(frozen=True)
class Refused:
    """``run(folder)`` raises ``error`` with a one-line message containing ``message``."""

    run: Callable[[Path], Any]
    error: type[Exception]
    message: str


SEED = "seed must be an int >= 0"
INDEX = "index must be an int >= 0"

REFUSED: dict[str, Refused] = {
    "`recipe(image, seed=-1)`": Refused(lambda _: RECIPE(IMAGE, seed=-1), ValueError, SEED),
    "`recipe(image, seed=1.5)`": Refused(lambda _: RECIPE(IMAGE, seed=1.5), TypeError, SEED),
    "`recipe(image, seed='7')`": Refused(lambda _: RECIPE(IMAGE, seed="7"), TypeError, SEED),
    "`recipe(image, seed=0, index=-1)`": Refused(
        lambda _: RECIPE(IMAGE, seed=0, index=-1), ValueError, INDEX
    ),
    "`recipe(image, seed=0, index=2.0)`": Refused(
        lambda _: RECIPE(IMAGE, seed=0, index=2.0), TypeError, INDEX
    ),
    "`recipe(image, rng=42)` (a seed where a generator goes)": Refused(
        lambda _: RECIPE(IMAGE, rng=42), TypeError, "rng must be a numpy.random.Generator"
    ),
    "`recipe(image, rng=np.random.RandomState(0))`": Refused(
        lambda _: RECIPE(IMAGE, rng=np.random.RandomState(0)),
        TypeError,
        "rng must be a numpy.random.Generator",
    ),
    "`recipe(image, index=3)` (no seed: a fresh one, index meaning nothing)": Refused(
        lambda _: RECIPE(IMAGE, index=3), ValueError, "index picks samples of a seeded run"
    ),
    "`recipe(image, seed=0, rng=generator)`": Refused(
        lambda _: RECIPE(IMAGE, seed=0, rng=np.random.default_rng(0)),
        ValueError,
        "rng draws every item in turn: seed would be ignored",
    ),
    "`recipe(image, seed=1, params=record)`": Refused(
        lambda _: RECIPE(IMAGE, seed=1, params=RECIPE(IMAGE, seed=0).params),
        ValueError,
        "params replays its records: seed would be ignored",
    ),
    "`recipe(image, seed=True)`": Refused(lambda _: RECIPE(IMAGE, seed=True), TypeError, SEED),
    "`recipe(image, seed=torch.tensor([3]))` (a 1-element tensor)": Refused(
        lambda _: RECIPE(IMAGE, seed=torch.tensor([3])), TypeError, SEED
    ),
    "`recipe.batch(images, indices=[0, 1])` (no seed)": Refused(
        lambda _: RECIPE.batch(BATCH, indices=[0, 1]),
        ValueError,
        "indices picks samples of a seeded run",
    ),
    "`recipe.batch(images, seed=0, params=records)`": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, params=RECIPE.batch(BATCH, seed=0).params),
        ValueError,
        "params replays its records: seed would be ignored",
    ),
    "`recipe.batch(images, seed=0, indices=5)`": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, indices=5),
        TypeError,
        "indices must be a sequence of ints, got int",
    ),
    "`recipe(image, params='...')` (not a record)": Refused(
        lambda _: RECIPE(IMAGE, params="x"), ValueError, "record must be a dict"
    ),
    "`synthdefect.replay(image, None)`": Refused(
        lambda _: sd.replay(IMAGE, None), ValueError, "a record must be a dict or its JSON"
    ),
    "`recipe.batch(images, seed=-1)`": Refused(
        lambda _: RECIPE.batch(BATCH, seed=-1), ValueError, SEED
    ),
    "`recipe.batch(images, seed=0, indices=[0.5, 1.5])`": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, indices=[0.5, 1.5]),
        TypeError,
        "indices[0] must be an int >= 0",
    ),
    "`recipe.batch(images, seed=0, indices=[0])` (2 images)": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, indices=[0]), ValueError, "got 1 indices for 2"
    ),
    "`recipe.batch(images, source='a.png')` (2 images)": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, source="a.png"),
        ValueError,
        "got one source name for 2 images",
    ),
    "`recipe(image, source=b'part.png')` (bytes)": Refused(
        lambda _: RECIPE(IMAGE, seed=0, source=b"part.png"),
        TypeError,
        "source must be a file name (str or path) or a sequence of them, got bytes",
    ),
    "`recipe(image, source=5)`": Refused(
        lambda _: RECIPE(IMAGE, seed=0, source=5),
        TypeError,
        "source must be a file name (str or path) or a sequence of them, got int",
    ),
    "`recipe.batch(images, seed=0, source=[1, 2])`": Refused(
        lambda _: RECIPE.batch(BATCH, seed=0, source=[1, 2]),
        TypeError,
        "source names must be str or paths, got 1",
    ),
    "`SyntheticAnomalyDataset(array)` (images in memory)": Refused(
        lambda f: sd.SyntheticAnomalyDataset(np.zeros((2, 16, 16, 3), np.uint8)),
        TypeError,
        "paths must be a folder, a glob, a file or a list of file paths, got ndarray",
    ),
    "`SyntheticAnomalyDataset([array, ...])`": Refused(
        lambda f: sd.SyntheticAnomalyDataset([IMAGE, IMAGE]),
        TypeError,
        "paths must be a folder, a glob, a file or a list of file paths, got list holding ndarray",
    ),
    "`SyntheticAnomalyDataset(folder, seed=-1)`": Refused(
        lambda f: _dataset(f, seed=-1), ValueError, SEED
    ),
    "`SyntheticAnomalyDataset(folder, seed=1.5)`": Refused(
        lambda f: _dataset(f, seed=1.5), TypeError, SEED
    ),
    "`SyntheticAnomalyDataset(folder, length=2.5)`": Refused(
        lambda f: _dataset(f, length=2.5), TypeError, "length must be an int >= 1"
    ),
    "`SyntheticAnomalyDataset(folder, length=True)`": Refused(
        lambda f: _dataset(f, length=True), TypeError, "length must be an int >= 1"
    ),
    "`SyntheticAnomalyDataset(folder, length=2**70)`": Refused(
        lambda f: _dataset(f, length=2**70), ValueError, "length must be an int in [1, 2**62]"
    ),
    "`SyntheticAnomalyDataset(folder, size=(True, 16))`": Refused(
        lambda f: sd.SyntheticAnomalyDataset(f, size=(True, 16)),
        ValueError,
        "size must be (height, width) with positive int values",
    ),
    "`SyntheticAnomalyDataset(folder, channels=3.0)`": Refused(
        lambda f: sd.SyntheticAnomalyDataset(f, channels=3.0), ValueError, "channels must be 1"
    ),
    "`SyntheticAnomalyDataset(folder, length=0)`": Refused(
        lambda f: _dataset(f, length=0), ValueError, "length must be an int >= 1"
    ),
    "`SyntheticAnomalyDataset(folder, size=16)` (not a pair)": Refused(
        lambda f: sd.SyntheticAnomalyDataset(f, size=16),
        ValueError,
        "size must be (height, width) with positive int values",
    ),
    "`SyntheticAnomalyDataset(folder, size=(16.5, 16))`": Refused(
        lambda f: sd.SyntheticAnomalyDataset(f, size=(16.5, 16)),
        ValueError,
        "size must be (height, width) with positive int values",
    ),
    "`SyntheticAnomalyDataset(folder, channels=4)`": Refused(
        lambda f: sd.SyntheticAnomalyDataset(f, channels=4), ValueError, "channels must be 1"
    ),
    "`SyntheticAnomalyDataset(folder, image_dtype='float16')`": Refused(
        lambda f: _dataset(f, image_dtype="float16"), ValueError, "image_dtype must be one of"
    ),
    "`ds.synthesize({})` (not a collated batch)": Refused(
        lambda f: _dataset(f, synthesis="device").synthesize({}),
        ValueError,
        "this one lacks ['index', 'normal', 'source']",
    ),
    "`ds.synthesize(batch, 'nope')`": Refused(
        lambda f: _dataset(f, synthesis="device").synthesize(_collated(f), "nope"),
        ValueError,
        "device 'nope' is not a torch device",
    ),
    "`ds[3]` (3 samples)": Refused(lambda f: _dataset(f)[3], IndexError, "out of range"),
    "`ds[-1]`": Refused(lambda f: _dataset(f)[-1], IndexError, "out of range"),
    "`ds[1.5]`": Refused(
        lambda f: _dataset(f)[1.5], TypeError, "a dataset key is i or (epoch, i), ints"
    ),
    "`ds[0, 1, 2]`": Refused(
        lambda f: _dataset(f)[0, 1, 2], TypeError, "a dataset key is i or (epoch, i), ints"
    ),
    "`ds[-1, 0]`": Refused(lambda f: _dataset(f)[-1, 0], ValueError, "epoch must be an int >= 0"),
    "`EpochSampler(ds, seed=-1)`": Refused(lambda f: sd.EpochSampler(3, seed=-1), ValueError, SEED),
    "`EpochSampler(ds, shuffle='no')`": Refused(
        lambda f: sd.EpochSampler(3, shuffle="no"), TypeError, "shuffle must be True or False"
    ),
    "`EpochSampler(ds, num_replicas=1.5)`": Refused(
        lambda f: sd.EpochSampler(3, num_replicas=1.5), TypeError, "num_replicas must be an int"
    ),
    "`EpochSampler(ds, seed=0.5)`": Refused(
        lambda f: sd.EpochSampler(3, seed=0.5), TypeError, SEED
    ),
}
"""Refused arguments: description -> :class:`Refused`."""


@pytest.mark.parametrize("what", REFUSED)
def test_bad_arguments_are_refused_in_one_line_naming_them(folder, what):
    case = REFUSED[what]
    with pytest.raises(case.error, match=re.escape(case.message)) as error:
        case.run(folder)
    assert len(str(error.value).splitlines()) == 1


@dataclass(frozen=True)
class Accepted:
    """``run(folder)`` gives what ``plain(folder)`` gives (``what`` says so in the docs)."""

    run: Callable[[Path], Any]
    plain: Callable[[Path], Any]
    what: str


def _call(**options: Any) -> Callable[[Path], Any]:
    return lambda _: RECIPE(IMAGE, **options)


ACCEPTED: dict[str, Accepted] = {
    "`seed=np.int64(3)`, `index=np.uint8(2)`": Accepted(
        _call(seed=np.int64(3), index=np.uint8(2)),
        _call(seed=3, index=2),
        "the sample of `seed=3, index=2`",
    ),
    "`seed=torch.tensor(3)` (a 0-d integer tensor)": Accepted(
        _call(seed=torch.tensor(3), index=2), _call(seed=3, index=2), "the sample of `seed=3`"
    ),
    "`recipe.batch(images, source='a.png')` (1 image)": Accepted(
        lambda _: RECIPE.batch(BATCH[:1], seed=0, source="a.png"),
        lambda _: RECIPE.batch(BATCH[:1], seed=0, source=["a.png"]),
        "one name for the one image, as in a call",
    ),
    "`ds[np.int64(1)]`, `ds[torch.tensor(1)]`": Accepted(
        lambda f: _dataset(f)[torch.tensor(1)], lambda f: _dataset(f)[1], "the item `ds[1]`"
    ),
}
"""Accepted arguments: description -> :class:`Accepted`."""


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, tuple | list) and not isinstance(ours, str):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, torch.Tensor | np.ndarray):
        return np.array_equal(np.asarray(ours), np.asarray(theirs))
    return bool(ours == theirs)


@pytest.mark.parametrize("what", ACCEPTED)
def test_accepted_arguments_give_what_their_plain_form_gives(folder, what):
    case = ACCEPTED[what]
    assert _same(case.run(folder), case.plain(folder))


def render_table() -> str:
    """The markdown table of :data:`REFUSED` and :data:`ACCEPTED`."""
    rows = ["| argument | what it gets |", "| --- | --- |"]
    rows += [f"| {what} | `{c.error.__name__}: ...{c.message}...` |" for what, c in REFUSED.items()]
    rows += [f"| {what} | {case.what} |" for what, case in ACCEPTED.items()]
    return "\n".join(rows)


def test_docs_table_is_current():
    assert not stale_tables(DOC, {"api-arguments": render_table()}), (
        "run: python tests/test_api_arguments.py"
    )


if __name__ == "__main__":
    rewrite_tables(DOC, {"api-arguments": render_table()})
