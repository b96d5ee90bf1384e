"""Random texture augmentation: pick ``k`` distinct ops, draw their parameters, apply them.

This is step 4 of DRAEM's recipe (see ``docs/texture-ops.md``): the anomaly-source texture
(``sample.texture``, HWC ``uint8``) is changed by ``k`` ops (default 3) picked at random
without replacement and applied in random order. The kernels live in
:mod:`synthdefect.functional.texture_ops`; this module only draws their parameters.

The record params of :class:`TextureAugment` are ``{"ops": [{"op": name, **kernel_kwargs}, ...]}``
in application order (plain Python types), or ``{"seed": int}`` for a user callable.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from synthdefect.functional import texture_ops as F
from synthdefect.functional.point_ops import POINT_OPS, PointChain
from synthdefect.sample import Sample
from synthdefect.transforms.base import Transform
from synthdefect.transforms.ranges import int_setting, number_setting
from synthdefect.transforms.records import (
    Rebuilder,
    RecordError,
    Schema,
    check_keys,
    integer,
    qualified_name,
    register_transform,
)

__all__ = ["PRESETS", "TEXTURE_OPS", "TextureAugment", "TextureOp", "register_op"]

Ranges = Mapping[str, Any]
Sampler = Callable[[np.random.Generator, Ranges, int], dict[str, Any]]


@dataclass(frozen=True)
class TextureOp:
    """A registered op.

    ``kernel(image, **params)`` maps HWC uint8 to HWC uint8. ``sampler(rng, ranges, channels)``
    draws ``params`` (plain Python types) from ``ranges``, a mapping of parameter name to its
    range (usually an inclusive ``(low, high)`` pair); ``channels`` is the texture's ``C``.
    ``ranges`` holds the defaults that :class:`TextureAugment`'s ``ranges=`` can override.
    """

    kernel: Callable[..., np.ndarray]
    sampler: Sampler
    ranges: Mapping[str, Any]


def _uniform(*names: str) -> Sampler:
    """Sampler of floats drawn uniformly from ``ranges[name]`` for each name."""

    def sample(rng: np.random.Generator, ranges: Ranges, channels: int) -> dict[str, Any]:
        return {name: float(rng.uniform(*ranges[name])) for name in names}

    return sample


def _integers(*names: str) -> Sampler:
    """Sampler of integers drawn uniformly from the inclusive ``ranges[name]`` for each name."""

    def sample(rng: np.random.Generator, ranges: Ranges, channels: int) -> dict[str, Any]:
        return {
            name: int(rng.integers(int(ranges[name][0]), int(ranges[name][1]), endpoint=True))
            for name in names
        }

    return sample


def _no_params(rng: np.random.Generator, ranges: Ranges, channels: int) -> dict[str, Any]:
    return {}


def _sample_gamma(rng: np.random.Generator, ranges: Ranges, channels: int) -> dict[str, Any]:
    """One gamma per channel (imgaug ``GammaContrast(per_channel=True)``)."""
    return {"gamma": [float(g) for g in rng.uniform(*ranges["gamma"], size=channels)]}


def _sample_solarize(rng: np.random.Generator, ranges: Ranges, channels: int) -> dict[str, Any]:
    """Threshold from ``ranges["threshold"]`` with probability ``ranges["p"]``, else 256 (no-op)."""
    threshold = int(rng.integers(*ranges["threshold"], endpoint=True))
    return {"threshold": threshold if rng.random() < ranges["p"] else 256}


def _sample_channel_factors(
    rng: np.random.Generator, ranges: Ranges, channels: int
) -> dict[str, Any]:
    """Two distinct channels (FractalAD) scaled by factors from ``ranges["factor"]``, the third
    kept (factor 1); a grey image's one channel is scaled."""
    factors = [1.0] * channels
    for c in rng.choice(channels, size=min(2, channels), replace=False):
        factors[int(c)] = float(rng.uniform(*ranges["factor"]))
    return {"factors": factors}


TEXTURE_OPS: dict[str, TextureOp] = {
    "gamma": TextureOp(F.gamma, _sample_gamma, {"gamma": (0.5, 2.0)}),
    "brightness": TextureOp(
        F.brightness, _uniform("factor", "add"), {"factor": (0.8, 1.2), "add": (-30.0, 30.0)}
    ),
    "sharpness": TextureOp(F.sharpness, _uniform("factor"), {"factor": (0.0, 2.0)}),
    "hue_saturation": TextureOp(
        F.hue_saturation,
        _integers("hue", "saturation"),
        {"hue": (-50, 50), "saturation": (-50, 50)},
    ),
    "solarize": TextureOp(F.solarize, _sample_solarize, {"threshold": (32, 128), "p": 0.5}),
    "posterize": TextureOp(F.posterize, _integers("bits"), {"bits": (1, 8)}),
    "invert": TextureOp(F.invert, _no_params, {}),
    "autocontrast": TextureOp(F.autocontrast, _integers("cutoff"), {"cutoff": (0, 20)}),
    "equalize": TextureOp(F.equalize, _no_params, {}),
    "rotate_texture": TextureOp(F.rotate_texture, _uniform("angle"), {"angle": (-45.0, 45.0)}),
    "color": TextureOp(F.color, _uniform("factor"), {"factor": (0.0, 3.0)}),
    "contrast": TextureOp(F.contrast, _uniform("factor"), {"factor": (0.8, 1.2)}),
    "color_jitter": TextureOp(
        F.color_jitter,
        _uniform("brightness_factor", "contrast_factor", "saturation_factor", "hue_shift"),
        {
            "brightness_factor": (0.9, 1.1),
            "contrast_factor": (0.9, 1.1),
            "saturation_factor": (0.9, 1.1),
            "hue_shift": (-0.1, 0.1),
        },
    ),
    "hflip": TextureOp(F.hflip, _no_params, {}),
    "vflip": TextureOp(F.vflip, _no_params, {}),
    "grayscale": TextureOp(F.grayscale, _no_params, {}),
    "scale_channels": TextureOp(F.scale_channels, _sample_channel_factors, {"factor": (0.0, 2.0)}),
}

_BUILT_IN = frozenset(TEXTURE_OPS)
"""The ops whose draws :class:`TextureAugment` checks on replay (an op added with
:func:`register_op` draws what its sampler likes: only its name is checked)."""
_NO_OP_DRAWS = {("solarize", "threshold"): 256}
"""Draws that lie outside their range on purpose: solarize's threshold when it does nothing."""

PRESETS: dict[str, tuple[str, ...]] = {
    # DRAEM's released code: 3 of these 10 imgaug augmenters.
    "draem-code": (
        "gamma",
        "brightness",
        "sharpness",
        "hue_saturation",
        "solarize",
        "posterize",
        "invert",
        "autocontrast",
        "equalize",
        "rotate_texture",
    ),
    # DRAEM paper: posterize, sharpness, solarize, equalize, brightness, colour, auto-contrast.
    "paper": (
        "posterize",
        "sharpness",
        "solarize",
        "equalize",
        "brightness",
        "color",
        "autocontrast",
    ),
}


def _is(value: Any, kind: type) -> bool:
    """Whether ``value`` is a ``kind`` (``Integral`` or ``Real``) and not a bool."""
    return isinstance(value, kind) and not isinstance(value, bool)


def register_op(
    name: str, kernel: Callable[..., np.ndarray], sampler: Sampler, ranges: Ranges | None = None
) -> None:
    """Add an op to :data:`TEXTURE_OPS` so that ``TextureAugment(ops=[..., name])`` can use it."""
    if name in TEXTURE_OPS:
        raise ValueError(f"texture op {name!r} is already registered")
    TEXTURE_OPS[name] = TextureOp(kernel, sampler, dict(ranges or {}))


def _merge_ranges(names: Sequence[str], overrides: Mapping[str, Ranges]) -> dict[str, dict]:
    """Default ranges of ``names`` updated with ``overrides`` (``{op: {param: range}}``)."""
    unknown = set(overrides) - set(names)
    if unknown:
        raise ValueError(f"ranges given for ops that are not in use: {sorted(unknown)}")
    merged = {}
    for name in names:
        ranges = dict(TEXTURE_OPS[name].ranges)
        override = overrides.get(name, {})
        if not isinstance(override, Mapping):
            raise ValueError(
                f"ranges of op {name!r} must be a dict of parameter ranges, got {override!r}"
            )
        for param, value in override.items():
            if param not in ranges:
                raise ValueError(
                    f"op {name!r} has no parameter range {param!r}; has {sorted(ranges)}"
                )
            ranges[param] = _checked_range(f"range {name}.{param}", value, ranges[param])
        merged[name] = ranges
    return merged


def _checked_range(where: str, value: Any, default: Any) -> Any:
    """``value`` for the parameter range whose default is ``default``: a pair ``(low, high)``
    where the default is one, else one number; integers where the default holds integers
    (posterize bits), numbers otherwise (not bools or strings). Kept as given (a tuple)."""
    defaults = default if isinstance(default, tuple) else (default,)
    if all(type(v) is int for v in defaults):  # drawn by numpy as int64: bounded to int32

        def check(name: str, v: Any) -> Any:
            return int_setting(name, v, -(2**31), 2**31 - 1)

    else:
        check = number_setting
    if not isinstance(default, tuple):
        check(where, value)
        return value
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be a pair (low, high), got {value!r}") from None
    if not check(where, low) <= check(where, high):
        raise ValueError(f"{where} must have low <= high, got {value!r}")
    return (low, high)


def _takes_image_keyword(fn: Callable[..., Any]) -> bool:
    """Whether ``fn(image=...)`` binds (albumentations and imgaug augmenters accept it)."""
    try:
        inspect.signature(fn).bind(image=None)
    except (TypeError, ValueError):
        return False
    return True


@register_transform
class TextureAugment(Transform):
    """Apply ``k`` distinct random texture ops to ``sample.texture`` (DRAEM's augmentation).

    ``ops`` is a preset name (``"draem-code"``: DRAEM's released code, 10 ops;
    ``"paper"``: the paper's 7 ops) or a sequence of names from :data:`TEXTURE_OPS`. ``k`` ops
    (1 <= k <= number of ops) are picked without replacement and applied in the drawn order.
    ``ranges`` overrides parameter ranges, e.g. ``{"brightness": {"add": (-10, 10)}}``.

    Instead of ops, ``fn`` may be any callable on an HWC uint8 image returning one of the same
    shape: a plain function ``fn(image)``, an imgaug augmenter or an albumentations transform
    (called as ``fn(image=...)`` when that binds; a returned dict gives its ``"image"``). A
    31-bit seed is drawn into the record and passed to ``fn.seed_(seed)`` (imgaug) or
    ``fn.set_random_seed(seed)`` (albumentations) before every call, so such callables replay
    from the record; other callables replay only if they are deterministic given that seed.
    A record names the callable (``settings["fn"]``, its qualified name) but cannot hold it:
    rebuild such a recipe in Python.
    """

    settings_fields = ("ops", "k", "ranges")

    def __init__(
        self,
        ops: str | Sequence[str] = "draem-code",
        k: int = 3,
        ranges: Mapping[str, Ranges] | None = None,
        *,
        fn: Callable[..., Any] | None = None,
    ) -> None:
        if fn is not None:
            if not callable(fn):
                raise TypeError(f"fn must be callable, got {type(fn).__name__}")
            if ranges is not None:
                raise ValueError("ranges apply to the built-in ops, not to fn")
            self.fn = fn
            self._keyword = _takes_image_keyword(fn)
            return
        names = PRESETS.get(ops) if isinstance(ops, str) else tuple(ops)
        if names is None:
            raise ValueError(f"unknown preset {ops!r}; presets: {sorted(PRESETS)}")
        unknown = [name for name in names if name not in TEXTURE_OPS]
        if unknown:
            raise ValueError(f"unknown texture ops {unknown}; known: {sorted(TEXTURE_OPS)}")
        if len(set(names)) != len(names):
            raise ValueError(f"ops must be distinct, got {list(names)}")
        k = int_setting("k", k)
        if not 1 <= k <= len(names):
            raise ValueError(f"k must be in 1..{len(names)} for {len(names)} ops, got {k}")
        self.ops = names
        self.k = k
        self.ranges = _merge_ranges(names, ranges or {})
        self.fn = None

    def settings(self) -> dict[str, Any]:
        if self.fn is not None:
            return {"fn": qualified_name(self.fn)}
        return super().settings()

    def params_schema(self) -> Schema:
        if self.fn is not None:
            return {"seed": integer(0, 2**31 - 1)}
        return {"ops": self._check_ops}

    def make_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        if self.fn is not None:
            return self.record(seed=int(rng.integers(0, 2**31)))
        channels = sample.image.shape[2]  # the texture has the image's channels
        picks = rng.choice(len(self.ops), size=self.k, replace=False)
        records = []
        for i in picks:
            name = self.ops[i]
            params = TEXTURE_OPS[name].sampler(rng, self.ranges[name], channels)
            records.append({"op": name, **params})
        return self.record(ops=records)

    def _check_ops(self, ops: Any, where: str) -> None:
        if not isinstance(ops, list) or len(ops) != self.k:
            raise RecordError(f"{where} must be a list of {self.k} ops, got {ops!r}")
        names = []
        for op in ops:
            if not isinstance(op, Mapping) or op.get("op") not in self.ops:
                raise RecordError(f"{where}: {op!r} is not one of the ops {list(self.ops)}")
            names.append(op["op"])
        if len(set(names)) != len(names):
            raise RecordError(f"{where} must be distinct, got {names}")
        for position, op in enumerate(ops):
            if op["op"] in _BUILT_IN:
                self._check_draw(op, f"{where}[{position}] ({op['op']})")

    def _check_draw(self, op: Mapping[str, Any], where: str) -> None:
        """A built-in op's draw as its sampler makes them: the same keys, each value of the
        drawn kind (an integer, a number or a list of numbers) and inside the op's range of
        that name, where it has one."""
        name = op["op"]
        ranges = self.ranges[name]
        example = TEXTURE_OPS[name].sampler(np.random.default_rng(0), ranges, 3)
        check_keys({k: v for k, v in op.items() if k != "op"}, tuple(example), where)
        for key, drawn in example.items():
            value = op[key]
            if isinstance(drawn, list):
                kind, values = "a list of numbers", value if isinstance(value, list) else [None]
            else:
                kind, values = "an integer" if isinstance(drawn, int) else "a number", [value]
            wanted = Integral if kind == "an integer" else Real
            if not values or not all(_is(v, wanted) for v in values):
                raise RecordError(f"{where}: {key} must be {kind}, got {value!r}")
            bounds = ranges.get(key)
            if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
                continue
            for v in values:
                if not bounds[0] <= v <= bounds[1] and v != _NO_OP_DRAWS.get((name, key)):
                    raise RecordError(
                        f"{where}: {key} {v!r} is outside its range [{bounds[0]}, {bounds[1]}]"
                    )

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        draws = self.unpack(params)
        texture = _texture_of(sample)
        if self.fn is not None:
            return sample.evolve(texture=self._call_fn(texture, draws["seed"]))
        chain = PointChain(texture)  # consecutive point ops run as one lookup, same bytes
        for record in draws["ops"]:
            kwargs = dict(record)
            kernel = TEXTURE_OPS[kwargs.pop("op")].kernel
            try:
                if kernel in POINT_OPS:
                    chain.then(kernel, **kwargs)
                else:
                    chain = PointChain(kernel(chain.image(), **kwargs))
            except (TypeError, ValueError) as err:
                raise RecordError(f"TextureAugment params: op {record!r}: {err}") from None
        return sample.evolve(texture=chain.image())

    def apply_batch(self, batch: Any, records: list[Any]) -> Any:
        """Op by op in record order, over the batch's pieces
        (:func:`~synthdefect.functional.batched.chunks.chunks`: cache-sized on CPU, the whole
        batch elsewhere): at each position the samples of a piece are grouped by op and each
        group runs the op's batched kernel on the device
        (:data:`synthdefect.functional.batched.texture_ops.BATCHED_OPS`); ``fn`` and ops
        without a batched kernel run on the host. Point ops are composed per sample and applied
        with one lookup when the sample's next op needs its pixels, as :meth:`apply` does
        (:class:`~synthdefect.functional.batched.texture_ops.PendingTables`). The groups'
        results are put back in sample order with one ``index_select``."""
        if self.fn is not None:
            return super().apply_batch(batch, records)
        import torch

        from synthdefect.functional.batched.chunks import chunks

        ops = [self.unpack(r)["ops"] for r in records]
        texture = _texture_of(batch)
        out = torch.empty_like(texture)
        for part in chunks(len(records), texture[0].numel(), batch.device):
            out[part] = self._augmented(texture[part], ops[part], batch)
        return batch.evolve(texture=out)

    def _augmented(self, texture: Any, ops: list[list[dict]], batch: Any) -> Any:
        """:meth:`apply_batch` of the textures ``(n, C, H, W)`` of one piece and their ops."""
        import torch

        from synthdefect.functional.batched.texture_ops import BATCHED_OPS, PendingTables

        device = texture.device
        everyone = list(range(len(ops)))
        pending = PendingTables(len(ops), texture.shape[1])
        for position in range(self.k):
            groups: dict[str, list[int]] = {}
            for b, chosen in enumerate(ops):
                groups.setdefault(chosen[position]["op"], []).append(b)
            order: list[int] = []  # the samples in the order of the groups' results
            parts = []
            for name, members in groups.items():
                kwargs = [{k: v for k, v in ops[b][position].items() if k != "op"} for b in members]
                kernel = TEXTURE_OPS[name].kernel
                if kernel in POINT_OPS:
                    pending.then(texture, members, kernel, kwargs)  # the pixels stay as they are
                    continue
                group = pending.applied(_rows(texture, members, everyone), members)
                batched = BATCHED_OPS.get(kernel)
                if batched is not None:
                    parts.append(batched(group, kwargs))
                else:
                    host = group.permute(0, 2, 3, 1).cpu().numpy()
                    made = [
                        kernel(np.ascontiguousarray(h), **kw)
                        for h, kw in zip(host, kwargs, strict=True)
                    ]
                    made_chw = torch.from_numpy(np.stack(made)).permute(0, 3, 1, 2)
                    parts.append(made_chw.contiguous().to(device))
                    if self not in batch.fell_back:
                        batch.fell_back.append(self)
                order.extend(members)
            if not parts:
                continue
            unchanged = sorted(set(everyone) - set(order))
            if unchanged:
                parts.append(_rows(texture, unchanged, everyone))
                order.extend(unchanged)
            texture = parts[0] if len(parts) == 1 else torch.cat(parts)
            if order != everyone:
                back = torch.argsort(torch.tensor(order, device=device))
                texture = texture.index_select(0, back)
        return pending.applied(texture, everyone)

    @classmethod
    def from_parts(
        cls, settings: dict[str, Any], children: dict[str, Transform], rebuild: Rebuilder
    ) -> Any:
        if "fn" in settings:
            raise RecordError(
                f"this TextureAugment used the callable {settings['fn']!r}, which a record "
                "cannot hold: rebuild the recipe in Python and replay with it"
            )
        return cls(**settings)

    def _call_fn(self, texture: np.ndarray, seed: int) -> np.ndarray:
        if hasattr(self.fn, "seed_"):
            # Some imgaug augmenters (MultiplyAndAddToBrightness) also draw from imgaug's global
            # generator, which seed_ leaves alone: seed both, or replays differ.
            imgaug = sys.modules.get("imgaug")
            if imgaug is not None:
                imgaug.random.seed(seed)
            self.fn.seed_(seed)
        elif hasattr(self.fn, "set_random_seed"):
            self.fn.set_random_seed(seed)
        image = texture.copy()  # callables may work in place; the sample's arrays are shared
        out = self.fn(image=image) if self._keyword else self.fn(image)
        if isinstance(out, Mapping):
            out = out["image"]
        out = np.asarray(out)
        if out.ndim == 2:
            out = out[:, :, None]
        if out.shape != texture.shape or out.dtype != np.uint8:
            raise ValueError(
                f"fn must return a {texture.shape} uint8 image, got {out.shape} {out.dtype}"
            )
        return np.ascontiguousarray(out)


def _rows(images: Any, members: list[int], everyone: list[int]) -> Any:
    """The rows ``members`` of ``images`` (a tensor), without a copy when they are all."""
    if members == everyone:
        return images
    import torch

    return images.index_select(0, torch.tensor(members, device=images.device))


def _texture_of(sample: Any) -> Any:
    if sample.texture is None:
        raise ValueError(
            "TextureAugment needs sample.texture (HWC uint8); put a texture source transform "
            "before it"
        )
    return sample.texture
