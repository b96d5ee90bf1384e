"""Recipes rebuilt from records: replay a sample from its record alone.

A record (``AnomalyResult.params``, a Dataset item's ``params`` or the ``params`` of a manifest
line) names every transform of its recipe with its settings (see
:mod:`synthdefect.transforms.records`), so it rebuilds the recipe without the code that made it.
What a record names but does not hold, such as the user's texture files, is passed again as an
input (``textures=``); a different texture set fails loudly on the first texture name that
differs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from synthdefect.sample import AnomalyResult
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import RecordError, transform_from_record

__all__ = ["recipe_from_record", "replay"]


def _as_record(record: Any) -> Any:
    """A record from a record, a JSON string, or a manifest line (dict or JSON) holding one."""
    if isinstance(record, (str, bytes)):
        try:
            record = json.loads(record)
        except ValueError as err:
            raise RecordError(f"not a JSON record: {err}") from None
    if isinstance(record, Mapping) and "type" not in record and "params" in record:
        return record["params"]  # a manifest line
    if not isinstance(record, Mapping):
        raise RecordError(f"a record must be a dict or its JSON, got {record!r}")
    return record


def recipe_from_record(record: Any, textures: Any = None, **inputs: Any) -> Transform:
    """The recipe that made ``record`` (a record, its JSON or a manifest line).

    ``textures``: the texture source the record's user-texture steps drew from (a folder,
    glob, list or arrays); not needed for procedural or ``"self"`` textures. ``inputs``: further
    inputs that custom transforms name. Raises :class:`RecordError` (a ``ValueError``).
    """
    return transform_from_record(_as_record(record), {"textures": textures, **inputs})


def replay(record: Any, image: Any, textures: Any = None, **inputs: Any) -> AnomalyResult:
    """Re-make the sample ``record`` describes from its normal ``image`` (numpy, torch or PIL).

    Same as ``recipe_from_record(record, textures, **inputs).replay(image, record)``.
    """
    record = _as_record(record)
    return recipe_from_record(record, textures, **inputs).replay(image, record)
