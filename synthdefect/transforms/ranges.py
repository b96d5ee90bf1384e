"""The one check of a ``(lo, hi)`` range setting that transforms take in their constructor."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

__all__ = ["float_range"]


def float_range(
    name: str,
    value: Any,
    lower: float = -math.inf,
    upper: float = math.inf,
    *,
    scalar: bool = False,
) -> tuple[float, float]:
    """``value``, a pair ``(lo, hi)`` (or, with ``scalar``, one number ``v`` meaning
    ``(v, v)``), as two finite floats with ``lower <= lo <= hi <= upper``; ``ValueError`` in one
    line naming the setting ``name`` otherwise."""
    try:
        lo, hi = (value, value) if scalar and isinstance(value, Real) else value
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lower <= lo <= hi <= upper):
        bounds = f"{lower} <= lo <= hi" + ("" if upper == math.inf else f" <= {upper}")
        raise ValueError(f"{name} must be finite with {bounds}, got {value!r}")
    return lo, hi
