"""The warning of a module that moved: its old path keeps working for a while."""

import warnings

__all__ = ["warn_moved"]


def warn_moved(old: str, new: str) -> None:
    """Warn (``DeprecationWarning``, pointing at the importer) that ``old`` moved to ``new``."""
    warnings.warn(f"{old} moved to {new}; import from there", DeprecationWarning, stacklevel=3)
