"""synthdefect: synthetic surface defects for industrial anomaly detection.

Image conventions (see :mod:`synthdefect.sample`): numpy images are HWC, ``uint8`` in [0, 255] or
``float32`` in [0, 1]; torch images are CHW / BCHW; masks are float32 in [0, 1].
"""

from synthdefect.sample import AnomalyResult, Sample
from synthdefect.seeding import sample_rng
from synthdefect.transforms import Compose, RandomApply, Transform

__version__ = "0.1.0"

__all__ = [
    "AnomalyResult",
    "Compose",
    "RandomApply",
    "Sample",
    "Transform",
    "__version__",
    "sample_rng",
]
