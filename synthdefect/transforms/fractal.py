"""Fractal patches (FractalAD, Xia et al., 2023): a square patch of the image, mirrored and
turned, cut out by a binary fractal and pasted elsewhere.

:class:`FractalPatch` is a :class:`~synthdefect.transforms.patch.PatchTransform` of one square
patch whose shape at its target is a fractal: the attractor of an iterated function system (IFS)
of two random affine maps, rendered at the patch's size by the chaos game
(:func:`~synthdefect.functional.fractal.ifs_raster`). The moved content comes from
``sample.texture`` (a colour-changed copy of the image, in the ``fractal`` recipe) and is pasted
where the fractal is set; the mask is the fractal dilated ``dilation`` times with a 3x3 square
(:func:`~synthdefect.functional.shapes.dilate_mask`), so a thin ring of unchanged pixels around
the fractal counts as defective, as in FractalAD.

The IFS is drawn so that the fractal is neither a dot nor a filled square
(:meth:`FractalPatch.draw_ifs`): each map's linear part is ``R(t) diag(s1, +-s2) R(p)``, its
singular values ``s2 <= s1`` uniform in ``singular`` (default 0.2-0.95: contractive, and no
direction collapsed), ``t`` and ``p`` uniform angles, a reflection with probability 1/2, the
translation uniform in [-1, 1]^2. A system is redrawn from the same generator when its
sigma-factor ``sum(s1 + 2 s2)`` (Anderson & Farrell, WACV 2022) lies outside ``sigma_factor``
(default 3.5-4.0, their band ``(5 + N) / 2 .. (6 + N) / 2`` for N = 2 maps: below it the
attractor is sparse dust, above it a filled blob), or when a check render of 10,000 points at
32x32 covers a fraction of it outside ``coverage`` (default 0.1-0.5); at most ``max_draws``
systems are drawn, the last one kept.

Record params: :class:`~synthdefect.transforms.patch.PatchTransform`'s, with one patch of an
odd square ``size`` ``[s, s]`` (pixels), ``scale`` 1 and no ellipses, plus ``"flip"``:
``[top-bottom, left-right]`` (mirrored about the source centre before the turn) and ``"ifs"``:
``{"maps": [[a, b, c, d, e, f], [...]], "seed": int, "draws": int}``: the two maps
``(x, y) -> (a x + b y + e, c x + d y + f)``, the chaos game's seed and how many systems were
drawn. The fractal is placed unturned, its centre pixel on the target centre; the patch content
under it is turned by ``angle``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthdefect.functional.fractal import ifs_raster, singular_values
from synthdefect.functional.shapes import dilate_mask
from synthdefect.transforms.patch import Patch, PatchTransform
from synthdefect.transforms.placement import draw_centre
from synthdefect.transforms.ranges import float_range, int_setting
from synthdefect.transforms.records import (
    RecordError,
    Schema,
    boolean,
    fields,
    integer,
    list_of,
    null,
    number,
    one_of,
    pair,
    register_transform,
)

__all__ = ["FractalPatch"]

CHECK_SIZE = 32
"""Side in pixels of the render that :meth:`FractalPatch.draw_ifs` measures coverage on."""
CHECK_POINTS = 10_000
"""Chaos-game points of that render."""
MAX_POINTS, MAX_DRAWS, MAX_DILATION = 10_000_000, 10_000, 1_000
"""Upper bounds of ``points`` (chaos-game points of a patch's fractal), ``max_draws`` (IFS draws
per patch) and ``dilation`` (3x3 dilations of the fractal): beyond them a recipe file's typo
would take gigabytes or hours instead of failing."""
_SEED_LIMIT = 2**63


@functools.lru_cache(maxsize=8)
def _fractal(maps: tuple[tuple[float, ...], ...], size: int, points: int, seed: int) -> np.ndarray:
    """The fractal of ``maps`` at ``size``, read-only; kept because a sample builds its mask
    and pastes its content from the same raster."""
    raster = ifs_raster(np.array(maps), size, points, seed)
    raster.flags.writeable = False
    return raster


def _odd_square(value: Any, where: str) -> None:
    pair(number(1))(value, where)
    if value[0] != value[1] or int(value[0]) != value[0] or int(value[0]) % 2 != 1:
        raise RecordError(f"{where} must be an odd square [s, s], got {value!r}")


def _contractive_maps(value: Any, where: str) -> None:
    list_of(list_of(number(), 6, 6), 2, 2)(value, where)
    if not (singular_values(np.array(value, dtype=np.float64))[:, 0] < 1.0).all():
        raise RecordError(f"{where} must be contractive maps (largest singular value < 1)")


@register_transform
class FractalPatch(PatchTransform):
    """One square patch of side ``side`` (a fraction of the image's shorter side, uniform,
    rounded down to an odd number of pixels), mirrored top-bottom and left-right each with
    probability 1/2, turned by ``angle`` degrees (uniform), cut out by a fractal of ``points``
    chaos-game points and moved (see module doc for the IFS settings and the record)."""

    settings_fields = (
        "side",
        "angle",
        "points",
        "singular",
        "sigma_factor",
        "coverage",
        "max_draws",
        "dilation",
        *PatchTransform.settings_fields,
    )

    def __init__(
        self,
        side: tuple[float, float] = (0.1, 0.5),
        angle: tuple[float, float] = (15.0, 75.0),
        points: int = 100_000,
        singular: tuple[float, float] = (0.2, 0.95),
        sigma_factor: tuple[float, float] = (3.5, 4.0),
        coverage: tuple[float, float] = (0.1, 0.5),
        max_draws: int = 100,
        dilation: int = 3,
        max_retries: int = 10,
    ) -> None:
        super().__init__(max_retries)
        self.side = float_range("side", side, 1e-6, 1.0)
        self.angle = float_range("angle", angle, -360.0, 360.0)
        self.singular = float_range("singular", singular, 1e-6, 1.0 - 1e-9)
        self.sigma_factor = float_range("sigma_factor", sigma_factor, 0.0)
        self.coverage = float_range("coverage", coverage, 0.0, 1.0)
        self.points = int_setting("points", points, 1, MAX_POINTS)
        self.max_draws = int_setting("max_draws", max_draws, 1, MAX_DRAWS)
        self.dilation = int_setting("dilation", dilation, 0, MAX_DILATION)

    def draw_ifs(self, rng: np.random.Generator) -> dict[str, Any]:
        """A non-degenerate system of two maps and its chaos-game seed (see module doc)."""
        draws = 0
        while True:
            draws += 1
            maps, sigmas, seed = self._system(rng)
            if draws == self.max_draws or not self._degenerate(maps, sigmas, seed):
                return {"maps": maps.tolist(), "seed": seed, "draws": draws}

    def _system(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
        """One candidate: its maps ``(2, 6)``, their singular values ``(2, 2)`` (the larger
        first) and a seed."""
        sigmas = np.sort(rng.uniform(*self.singular, size=(2, 2)), axis=1)[:, ::-1]
        turns = rng.uniform(0.0, 2.0 * math.pi, size=(2, 2))
        mirrored = rng.random(2) < 0.5
        shifts = rng.uniform(-1.0, 1.0, size=(2, 2))
        seed = int(rng.integers(0, _SEED_LIMIT))
        maps = np.empty((2, 6))
        for i in range(2):
            s1, s2 = sigmas[i]
            linear = _turn(turns[i, 0]) @ np.diag([s1, -s2 if mirrored[i] else s2])
            maps[i] = [*(linear @ _turn(turns[i, 1])).ravel(), *shifts[i]]
        return maps, sigmas, seed

    def _degenerate(self, maps: np.ndarray, sigmas: np.ndarray, seed: int) -> bool:
        """Whether the sigma-factor or the check render's coverage is out of its band."""
        factor = float((sigmas[:, 0] + 2.0 * sigmas[:, 1]).sum())
        if not self.sigma_factor[0] <= factor <= self.sigma_factor[1]:
            return True
        covered = float(ifs_raster(maps, CHECK_SIZE, CHECK_POINTS, seed).mean())
        return not self.coverage[0] <= covered <= self.coverage[1]

    def draw_patches(
        self, rng: np.random.Generator, height: int, width: int, foreground: np.ndarray | None
    ) -> list[Patch]:
        shorter = min(height, width)
        longest = shorter if shorter % 2 else shorter - 1
        side = min(longest, 2 * int(rng.uniform(*self.side) * shorter / 2.0) + 1)
        source = draw_centre(rng, side, side, height, width, foreground)
        flip = [bool(rng.random() < 0.5), bool(rng.random() < 0.5)]
        angle = float(rng.uniform(*self.angle))
        patch = {"size": [float(side)] * 2, "source": source, "target": None, "angle": angle}
        return [{**patch, "scale": 1.0, "ellipses": None, "flip": flip, "ifs": self.draw_ifs(rng)}]

    def patch_schema(self) -> Schema:
        ifs = {
            "maps": _contractive_maps,
            "seed": integer(0, _SEED_LIMIT - 1),
            "draws": integer(1, self.max_draws),
        }
        return {
            **super().patch_schema(),
            "size": _odd_square,
            "scale": one_of(1.0),
            "ellipses": null,
            "flip": pair(boolean),
            "ifs": fields(ifs),
        }

    def patch_mask(self, height: int, width: int, patch: Mapping[str, Any]) -> np.ndarray:
        side, ifs = int(patch["size"][0]), patch["ifs"]
        maps = tuple(tuple(row) for row in ifs["maps"])
        fractal = _fractal(maps, side, self.points, ifs["seed"])
        top, left = (math.floor(c + 0.5) - side // 2 for c in patch["target"])
        y0, y1 = max(top, 0), min(top + side, height)
        x0, x1 = max(left, 0), min(left + side, width)
        mask = np.zeros((height, width), np.float32)
        if y0 < y1 and x0 < x1:
            mask[y0:y1, x0:x1] = fractal[y0 - top : y1 - top, x0 - left : x1 - left]
        return mask

    def build_mask(self, height: int, width: int, draws: Mapping[str, Any]) -> np.ndarray:
        return dilate_mask(super().build_mask(height, width, draws), self.dilation)

    def flip(self, patch: Mapping[str, Any]) -> tuple[bool, bool]:
        return bool(patch["flip"][0]), bool(patch["flip"][1])


def _turn(radians: float) -> np.ndarray:
    cos, sin = math.cos(radians), math.sin(radians)
    return np.array([[cos, -sin], [sin, cos]])
