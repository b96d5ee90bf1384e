"""The checks of the settings that recipes and transforms take in their constructors: a number,
an integer, a flag (true or false) or a ``(lo, hi)`` range.

Each returns the value in its working type or raises ``ValueError`` in one line naming the
setting, the value given and what is expected. A bool is no number (JSON's ``true`` is not a
probability) and a string is none either (``"1"`` is refused, not parsed); an integer serves
where a float is expected.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

__all__ = ["flag_setting", "float_range", "int_setting", "number_setting"]


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _got(value: Any) -> str:
    return f"got {value!r} ({type(value).__name__})"


def _bounds(lower: float, upper: float) -> str:
    if math.isinf(upper):
        return f">= {lower:g}"
    return f"<= {upper:g}" if math.isinf(lower) else f"in [{lower:g}, {upper:g}]"


def number_setting(
    name: str, value: Any, lower: float = -math.inf, upper: float = math.inf
) -> float:
    """``value``, a finite int or float with ``lower <= value <= upper``, as a float."""
    if not _is_number(value):
        raise ValueError(f"{name} must be a number, {_got(value)}")
    if not (math.isfinite(value) and lower <= value <= upper):
        raise ValueError(f"{name} must be {_bounds(lower, upper)}, got {value!r}")
    return float(value)


def int_setting(name: str, value: Any, lower: float = -math.inf, upper: float = math.inf) -> int:
    """``value``, an int (not a float, even 3.0) with ``lower <= value <= upper``."""
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, {_got(value)}")
    if not lower <= value <= upper:
        raise ValueError(f"{name} must be {_bounds(lower, upper)}, got {value!r}")
    return int(value)


def flag_setting(name: str, value: Any) -> bool:
    """``value``, ``True`` or ``False`` (not ``1`` or ``"yes"``)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, {_got(value)}")
    return value


def float_range(
    name: str,
    value: Any,
    lower: float = -math.inf,
    upper: float = math.inf,
    *,
    scalar: bool = False,
) -> tuple[float, float]:
    """``value``, a pair ``(lo, hi)`` of numbers (or, with ``scalar``, one number ``v`` meaning
    ``(v, v)``), as two finite floats with ``lower <= lo <= hi <= upper``."""
    pair = (value, value) if scalar and _is_number(value) else value
    try:
        lo, hi = pair
    except (TypeError, ValueError):
        lo = hi = None
    if not (_is_number(lo) and _is_number(hi)):
        expected = (
            "a number or a pair (lo, hi) of numbers" if scalar else "a pair (lo, hi) of numbers"
        )
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lower <= lo <= hi <= upper):
        bounds = f"{lower} <= lo <= hi" + ("" if upper == math.inf else f" <= {upper}")
        raise ValueError(f"{name} must be finite with {bounds}, got {value!r}")
    return lo, hi
