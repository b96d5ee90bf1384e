"""Named parameter sets of the DRAEM recipe (see ``docs/recipe.md``).

* ``paper``: the ICCV 2021 paper: 7 texture ops, threshold drawn at random, beta in [0.1, 1].
* ``draem-code``: the authors' released training code: 3 of 10 ops, fixed threshold 0.5, texture
  weight in (0.2, 1], normal image rotated by -90..90 degrees with probability 0.3.

Both make an anomaly with probability 0.5 and draw the Perlin lattice resolution as ``2**k`` per
axis with k in {0, ..., 5}, rotating the noise by -90..90 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRESETS", "Preset", "get_preset"]


@dataclass(frozen=True)
class Preset:
    """Parameters of one recipe; the fields match :class:`SyntheticAnomaly`'s arguments."""

    name: str
    p_anomaly: float
    scale_exponents: tuple[int, int]
    noise_angle: tuple[float, float]
    threshold: float | tuple[float, float]
    ops: str
    k: int
    beta: tuple[float, float]
    beta_open_low: bool
    rotate_p: float
    rotate_degrees: tuple[float, float]


PRESETS: dict[str, Preset] = {
    "paper": Preset(
        name="paper",
        p_anomaly=0.5,
        scale_exponents=(0, 5),
        noise_angle=(-90.0, 90.0),
        # The paper draws t "uniformly at random" without a range; this one keeps masks in the
        # size range of the released code's fixed t = 0.5 (see docs/recipe.md).
        threshold=(0.3, 0.7),
        ops="paper",
        k=3,
        beta=(0.1, 1.0),
        beta_open_low=False,
        rotate_p=0.0,
        rotate_degrees=(-90.0, 90.0),
    ),
    "draem-code": Preset(
        name="draem-code",
        p_anomaly=0.5,
        scale_exponents=(0, 5),
        noise_angle=(-90.0, 90.0),
        threshold=0.5,
        ops="draem-code",
        k=3,
        beta=(0.2, 1.0),
        beta_open_low=True,
        rotate_p=0.3,
        rotate_degrees=(-90.0, 90.0),
    ),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ValueError`` listing the choices otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
