"""Pure kernels: every parameter explicit, no randomness (torchvision's ``functional`` idea)."""

from synthdefect.functional.geometry import rotate

__all__ = ["rotate"]
