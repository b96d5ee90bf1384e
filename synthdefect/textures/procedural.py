"""Procedural textures: colourful patterns rendered from an integer index, no files needed.

Texture ``index`` uses kind ``kinds[index % len(kinds)]`` and draws all its parameters from
``numpy.random.default_rng(index)``, so an index always renders the same texture at a given size
(patterns scale with the image: the same index at another size looks alike). Kinds:

* ``"noise"``: smooth multi-scale value noise (bicubic upscaling of small random grids, 3 to 4
  octaves) mapped through a random palette of 2 to 5 colours;
* ``"stripes"``: parallel bands at a random angle, 2 to 24 periods across the image, either soft
  (cosine profile) or hard-edged with a random duty cycle, in 2 or 3 colours;
* ``"checker"``: a checkerboard or a grid of lines, rotated, 2 to 16 cells across, two colours;
* ``"dots"``: 5 to 60 filled anti-aliased discs of random sizes and colours on a plain background;
* ``"plain"``: one random colour (DRAEM's paper ablation "plain colours instead of textures");
* ``"cracks"``: 2 to 8 thin random-walk polylines (1 to 3 px) over a plain background.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from synthdefect.textures.base import TextureSource

__all__ = ["PROCEDURAL_KINDS", "ProceduralSource", "render_procedural"]

Renderer = Callable[[np.random.Generator, int, int], np.ndarray]


def _colours(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random RGB colours, ``(n, 3)`` ``uint8``."""
    return rng.integers(0, 256, size=(n, 3), dtype=np.uint8)


def _palette_map(
    levels: np.ndarray, colours: np.ndarray, profile: np.ndarray | None = None
) -> np.ndarray:
    """Colour ``(H, W)`` ``uint8`` levels with a palette interpolated between ``colours``.

    ``colours[0]`` sits at position 0 and ``colours[-1]`` at 1. Level ``k`` takes the colour at
    position ``profile[k]`` (256 values in [0, 1]; default ``k / 255``). Returns ``(H, W, 3)``
    ``uint8``.
    """
    if profile is None:
        profile = np.linspace(0.0, 1.0, 256)
    stops = np.linspace(0.0, 1.0, len(colours))
    luts = [np.round(np.interp(profile, stops, colours[:, c])).astype(np.uint8) for c in range(3)]
    return cv2.merge([cv2.LUT(levels, lut) for lut in luts])


def _phase(
    height: int, width: int, angle: float, periods: float, offset: float = 0.0
) -> np.ndarray:
    """Position along direction ``angle`` (radians) in 1/256ths of a period: ``(H, W)`` int32.

    A period is the longer image side divided by ``periods``; ``offset`` shifts by periods.
    Values are >= 0, so ``>> 8`` is the period number and ``& 255`` the phase within it.
    """
    scale = 256.0 * periods / max(height, width)
    y = np.arange(height, dtype=np.float32)[:, None] * np.float32(np.sin(angle) * scale)
    x = np.arange(width, dtype=np.float32)[None, :] * np.float32(np.cos(angle) * scale)
    return (x + (y + np.float32(256.0 * (2.0 * periods + offset)))).astype(np.int32)


def _unit_to_uint8(t: np.ndarray) -> np.ndarray:
    """Float values in [0, 1] to ``uint8`` levels 0..255."""
    return (t * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)


def _noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    # Octaves are summed at up to 128 px on the longer side (enough for the finest, at most 40
    # cells), then upscaled once: bicubic upscaling is the costly step.
    longer = max(height, width)
    work_h, work_w = (max(1, round(n * min(1.0, 128 / longer))) for n in (height, width))
    octaves = int(rng.integers(3, 5))
    cells = int(rng.integers(2, 6))
    total = np.zeros((work_h, work_w), dtype=np.float32)
    amplitude = 1.0
    for _ in range(octaves):
        grid_shape = (max(2, round(cells * height / longer)), max(2, round(cells * width / longer)))
        grid = rng.random(grid_shape, dtype=np.float32)
        layer = cv2.resize(grid, (work_w, work_h), interpolation=cv2.INTER_CUBIC)
        total += np.float32(amplitude) * layer.reshape(work_h, work_w)
        cells *= 2
        amplitude *= 0.5
    low, high = float(total.min()), float(total.max())
    levels = _unit_to_uint8((total - np.float32(low)) / np.float32(max(high - low, 1e-6)))
    levels = cv2.resize(levels, (width, height), interpolation=cv2.INTER_LINEAR)
    return _palette_map(levels.reshape(height, width), _colours(rng, int(rng.integers(2, 6))))


def _stripes(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    angle, periods = rng.uniform(0.0, np.pi), rng.uniform(2.0, 24.0)
    levels = (_phase(height, width, angle, periods, rng.random()) & 255).astype(np.uint8)
    position = np.arange(256) / 256.0
    if rng.random() < 0.5:
        profile = 0.5 - 0.5 * np.cos(2.0 * np.pi * position)
    else:
        profile = (position < rng.uniform(0.2, 0.8)).astype(np.float64)
    return _palette_map(levels, _colours(rng, int(rng.integers(2, 4))), profile)


def _checker(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    angle, cells = rng.uniform(0.0, np.pi), rng.uniform(2.0, 16.0)
    u = _phase(height, width, angle, cells)
    v = _phase(height, width, angle + np.pi / 2, cells)
    if rng.random() < 0.5:
        on = ((u >> 8) + (v >> 8)) & 1 == 1
    else:
        line = int(256 * rng.uniform(0.05, 0.3))
        on = ((u & 255) < line) | ((v & 255) < line)
    return _palette_map(on.view(np.uint8) * np.uint8(255), _colours(rng, 2))


def _plain(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    return cv2.merge([np.full((height, width), int(c), np.uint8) for c in _colours(rng, 1)[0]])


def _dots(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    image = _plain(rng, height, width)
    size = min(height, width)
    n = int(rng.integers(5, 61))
    centres = rng.random((n, 2)) * (width, height)
    radii = rng.uniform(0.02, 0.12, size=n) * size
    for (x, y), r, colour in zip(centres, radii, _colours(rng, n), strict=True):
        cv2.circle(image, (int(x), int(y)), max(1, int(r)), colour.tolist(), -1, cv2.LINE_AA)
    return image


def _cracks(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    image = _plain(rng, height, width)
    size = max(height, width)
    for _ in range(int(rng.integers(2, 9))):
        steps = int(rng.integers(20, 60))
        turns = np.cumsum(rng.normal(0.0, 0.5, size=steps)) + rng.uniform(0.0, 2.0 * np.pi)
        lengths = rng.uniform(0.01, 0.04, size=steps) * size
        moves = np.stack([np.cos(turns), np.sin(turns)], axis=-1) * lengths[:, None]
        start = rng.random(2) * (width, height)
        points = np.vstack([start, start + np.cumsum(moves, axis=0)]).astype(np.int32)
        thickness = int(rng.integers(1, 4))
        cv2.polylines(image, [points], False, _colours(rng, 1)[0].tolist(), thickness, cv2.LINE_AA)
    return image


_RENDERERS: dict[str, Renderer] = {
    "noise": _noise,
    "stripes": _stripes,
    "checker": _checker,
    "dots": _dots,
    "plain": _plain,
    "cracks": _cracks,
}

PROCEDURAL_KINDS: tuple[str, ...] = tuple(_RENDERERS)


def render_procedural(kind: str, seed: int, height: int, width: int) -> np.ndarray:
    """Render one texture of ``kind`` from ``default_rng(seed)``: ``(height, width, 3)`` uint8."""
    if kind not in _RENDERERS:
        raise ValueError(f"unknown procedural kind {kind!r}; choose from {PROCEDURAL_KINDS}")
    return _RENDERERS[kind](np.random.default_rng(seed), height, width)


class ProceduralSource(TextureSource):
    """The default texture source: :data:`PROCEDURAL_KINDS` rendered on demand (module doc).

    ``len`` is ``2**31``, so any drawn index is valid. Names are
    ``"procedural:<kind>:<index>"``. The crop policy does not apply (textures are rendered at the
    target size): ``crop`` is accepted and ignored.
    """

    def __init__(self, kinds: Sequence[str] = PROCEDURAL_KINDS) -> None:
        kinds = tuple(kinds)
        unknown = [k for k in kinds if k not in _RENDERERS]
        if not kinds or unknown:
            raise ValueError(f"kinds must be a non-empty subset of {PROCEDURAL_KINDS}, got {kinds}")
        self.kinds = kinds

    def __len__(self) -> int:
        return 2**31

    def kind(self, index: int) -> str:
        """The kind rendered for ``index``."""
        return self.kinds[self._check_index(index) % len(self.kinds)]

    def name(self, index: int) -> str:
        return f"procedural:{self.kind(index)}:{int(index)}"

    def _fit(
        self, index: int, height: int, width: int, crop: tuple[float, float] | None, reduce: int
    ) -> np.ndarray:
        return render_procedural(self.kinds[index % len(self.kinds)], index, height, width)

    def __repr__(self) -> str:
        return f"ProceduralSource(kinds={self.kinds!r})"
