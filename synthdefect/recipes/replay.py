"""A recipe rebuilt from a record alone, and a sample re-made from its record.

A record (``AnomalyResult.params``, a Dataset item's ``params`` or the ``params`` of a manifest
line) names every transform of its recipe with its settings (see
:mod:`synthdefect.transforms.records`), so it rebuilds the recipe without the code that made it.
What a record names but does not hold, such as the user's texture files, is passed again as an
input (``textures=``); a different texture set fails loudly on the first texture name that
differs.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

from synthdefect.sample import AnomalyResult
from synthdefect.transforms.base import Transform
from synthdefect.transforms.records import RecordError, transform_from_record

__all__ = ["recipe_from_record", "replay"]


def _loaded(record: Any) -> Any:
    """``record`` itself, or parsed when it is JSON text."""
    if not isinstance(record, (str, bytes)):
        return record
    try:
        return json.loads(record)
    except ValueError as err:
        raise RecordError(f"not a JSON record: {err}") from None
    except RecursionError:
        raise RecordError("not a JSON record: nested too deeply") from None


def _as_record(record: Any) -> Any:
    """A record from a record, a JSON string, or a manifest line (dict or JSON) holding one."""
    record = _loaded(record)
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


def replay(
    image: Any, record: Any, textures: Any = None, source: str | None = None, **inputs: Any
) -> AnomalyResult:
    """Re-make the sample ``record`` (a record, its JSON or a manifest line) describes from its
    normal ``image`` (numpy, torch or PIL), in the argument order of
    :meth:`Transform.replay(image, record, source) <synthdefect.transforms.Transform.replay>`.

    Same as ``recipe_from_record(record, textures, **inputs).replay(image, record, source)``;
    ``source`` (the image's file name, for a foreground from a folder of masks) defaults to a
    manifest line's ``source``. The earlier order ``replay(record, image)`` still works, with a
    ``DeprecationWarning`` (a record is a dict or JSON text, never an image).
    """
    if isinstance(image, (Mapping, str, bytes)) and not isinstance(record, (Mapping, str, bytes)):
        warnings.warn(
            "replay(record, image) is now replay(image, record), as Transform.replay",
            DeprecationWarning,
            stacklevel=2,
        )
        image, record = record, image
    line = _loaded(record)
    if source is None and isinstance(line, Mapping) and "type" not in line:
        source = line.get("source")
    record = _as_record(line)
    return recipe_from_record(record, textures, **inputs).replay(image, record, source)
