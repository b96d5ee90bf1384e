"""Synthetic validation: score a model on synthetic defects made from held-out normal images.

Without a real defect, a model can still be scored on defects of a recipe it did not train on.
The synthetic test set (:func:`build_synthetic_set`) holds the held-out normal images as they
are (group :data:`NORMAL`, label 0) and, per recipe, ``samples`` images made by that recipe
(every sample anomalous for a preset; a recipe file keeps its own probabilities): sample ``k``
is made from held-out image ``k % n`` with the key ``(VALIDATION_SEED, k)``, whatever the run's
seed and whichever other recipes are listed, so the set is the same for every model scored on
it. Images are made at the model's side, as in training. :func:`evaluate_synthetic` returns the
four metrics of a real evaluation (image AUROC, pixel AUROC, pixel AP, AUPRO), over all the
recipes and per recipe (its images with the normal ones).

A recipe is named as on the command line: a preset, a mixture (``a+b``) or a recipe file /
``module:attribute``. :func:`default_validation_recipes` says which to use when none is given:
one preset per family (:func:`synthdefect.family_table`, the family's first preset) for every family
the training recipe does not hold.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from reference_model.data import DataError
from reference_model.distributed import loader_worker_init
from reference_model.evaluate import METRIC_NAMES, metrics_by_group, score_batches
from reference_model.model import DraemModel
from reference_model.train import Validator
from synthdefect import (
    NormalImages,
    RecipeOptions,
    SyntheticAnomalyDataset,
    family_preset,
    family_table,
    get_preset,
    is_preset,
    preset_families,
)
from synthdefect.model_api import anomalous_pixels, image_to_tensor

__all__ = [
    "NORMAL",
    "SYNTHETIC_METRICS_NAME",
    "SYNTHETIC_SAMPLES",
    "VALIDATION_SEED",
    "SyntheticSet",
    "build_synthetic_set",
    "default_validation_recipes",
    "evaluate_synthetic",
    "format_scores",
    "parse_recipes",
    "recipe_families",
    "recipe_options",
    "synthetic_validator",
]

#: ``evaluate --synthetic``'s default output, next to the checkpoint.
SYNTHETIC_METRICS_NAME = "synthetic_metrics.json"

#: The seed of every synthetic test set (a training run's seed plays no part in it).
VALIDATION_SEED = 1_000_003

#: Anomalous samples per recipe by default.
SYNTHETIC_SAMPLES = 32

#: The group of the held-out images left as they are.
NORMAL = "normal"


def parse_recipes(text: str) -> list[str]:
    """``"a,b+c,recipe.json"`` -> ``["a", "b+c", "recipe.json"]``; ``ValueError`` for an empty
    or repeated entry (what each names is checked when the set is built)."""
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise ValueError(f"an empty recipe in {text!r}: give RECIPE[,RECIPE...]")
    if len(set(names)) != len(names) or NORMAL in names:
        raise ValueError(f"recipes must differ and not be called {NORMAL!r}: {text!r}")
    return names


def recipe_families(recipe: str) -> tuple[str, ...]:
    """The families of a recipe as named on the command line: a preset's or mixture's
    (:func:`synthdefect.preset_families`); a recipe file is a family of its own, its name."""
    return preset_families(recipe) if is_preset(recipe) else (recipe,)


def default_validation_recipes(trained: str | None) -> list[str]:
    """One preset per family (the family's first) for every family that the training recipe
    ``trained`` (a preset, mixture or recipe name; ``None``: unknown) does not hold. Empty
    when it holds them all."""
    held = set() if trained is None else set(recipe_families(trained))
    return [family_preset(family) for family in family_table() if family not in held]


def recipe_options(
    recipe: str,
    textures: Any,
    foreground: Any,
    p_anomaly: float | None = None,
    normal_images: Sequence[str | os.PathLike] | None = None,
) -> RecipeOptions:
    """The options of ``recipe`` as named on the command line (a preset or mixture, with
    ``p_anomaly``; else a recipe file); ``textures`` (a texture folder) go to a preset only if
    it takes them, and ``normal_images``, where given, replace them for a preset whose source
    is another normal image (``Preset.normal_source``: nsa, fpi)."""
    if not is_preset(recipe):
        return RecipeOptions(recipe=recipe, textures=textures, foreground=foreground)
    preset = get_preset(recipe)
    if not preset.takes_textures:
        textures = None
    elif preset.normal_source and normal_images is not None:
        textures = tuple(normal_images)
    return RecipeOptions(
        preset=recipe, textures=textures, p_anomaly=p_anomaly, foreground=foreground
    )


@dataclass(frozen=True)
class SyntheticSet:
    """A synthetic test set at side ``S``: ``images`` uint8 ``(N, 3, S, S)``, ``masks`` bool
    ``(N, S, S)``, ``labels`` int ``(N,)`` 0/1, ``groups`` ``(N,)`` names (:data:`NORMAL` or the
    recipe), ``recipes`` in order, ``held_out`` the number of normal images, ``samples`` per
    recipe."""

    images: torch.Tensor
    masks: torch.Tensor
    labels: np.ndarray
    groups: np.ndarray
    recipes: tuple[str, ...]
    held_out: int
    samples: int

    def subset(self, recipes: list[str]) -> SyntheticSet:
        """The normal images and the samples of ``recipes`` only (a subset of :attr:`recipes`)."""
        unknown = sorted(set(recipes) - set(self.recipes))
        if unknown:
            raise ValueError(f"not in the synthetic set: {', '.join(unknown)}")
        chosen = np.isin(self.groups, [NORMAL, *recipes])
        index = torch.from_numpy(np.flatnonzero(chosen))
        kept = tuple(recipe for recipe in self.recipes if recipe in recipes)
        return SyntheticSet(
            self.images[index],
            self.masks[index],
            self.labels[chosen],
            self.groups[chosen],
            kept,
            self.held_out,
            self.samples,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "recipes": list(self.recipes),
            "held_out": self.held_out,
            "samples": self.samples,
            "seed": VALIDATION_SEED,
        }


class _Items(Dataset):
    """The items of a synthetic set: ``(image uint8, mask bool, label, group index)``."""

    def __init__(self, normal: NormalImages, made: list[SyntheticAnomalyDataset]) -> None:
        self.normal = normal
        self.made = made

    def __len__(self) -> int:
        return len(self.normal) + sum(len(dataset) for dataset in self.made)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        if index < len(self.normal):
            image = image_to_tensor(self.normal[index], "uint8")
            return image, torch.zeros(image.shape[1:], dtype=torch.bool), 0, 0
        recipe, k = divmod(index - len(self.normal), len(self.made[0]))
        item = self.made[recipe][k]
        mask = torch.from_numpy(anomalous_pixels(item["mask"][0].numpy()))
        return item["image"], mask, int(item["label"]), recipe + 1


def build_synthetic_set(
    images: list[Path],
    recipes: list[str],
    size: int,
    *,
    samples: int = SYNTHETIC_SAMPLES,
    textures: Any = None,
    foreground: Any = None,
    workers: int = 0,
) -> SyntheticSet:
    """The synthetic test set of the held-out normal ``images`` with ``recipes`` at side
    ``size`` (see module doc); ``textures`` and ``foreground`` as for training
    (:class:`synthdefect.RecipeOptions`), except that nsa and fpi, whose source is another
    normal image, take the held-out images (see :func:`recipe_options`). ``ValueError`` in one
    line for a recipe that cannot be made, no readable image or ``samples < 1``; samples are
    made in ``workers`` processes."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    if not images:
        raise ValueError("no held-out normal images")
    normal = NormalImages(images, (size, size))
    normal.check_readable()
    made = []
    for recipe in recipes:
        try:
            options = recipe_options(recipe, textures, foreground, 1.0, normal.paths)
            transform = options.build(normal.paths)
        except ValueError as error:
            reason = str(error).removeprefix("--recipe: ")
            raise ValueError(f"synthetic recipe {recipe!r}: {reason}") from None
        made.append(
            SyntheticAnomalyDataset(
                normal,
                transform,
                size=(size, size),
                seed=VALIDATION_SEED,
                length=samples,
                image_dtype="uint8",
            )
        )
    items = _Items(normal, made)
    loader = DataLoader(
        items, batch_size=16, num_workers=workers, worker_init_fn=loader_worker_init()
    )
    parts = list(loader)
    names = np.array([NORMAL, *recipes])
    return SyntheticSet(
        images=torch.cat([part[0] for part in parts]),
        masks=torch.cat([part[1] for part in parts]),
        labels=torch.cat([part[2] for part in parts]).numpy(),
        groups=names[torch.cat([part[3] for part in parts]).numpy()],
        recipes=tuple(recipes),
        held_out=len(normal),
        samples=samples,
    )


def evaluate_synthetic(
    model: DraemModel, synthetic: SyntheticSet, device: torch.device, batch: int = 8
) -> dict[str, Any]:
    """The four metrics on ``synthetic`` (overall and per recipe), as :func:`evaluate` returns
    them: a JSON-ready dict with ``size``, ``synthetic`` (:meth:`SyntheticSet.describe`),
    ``images`` (count per group) and ``metrics``. The model is left in eval mode."""
    n = len(synthetic.labels)
    batches = (
        (synthetic.images[i : i + batch], synthetic.masks[i : i + batch], None, ())
        for i in range(0, n, batch)
    )
    maps, scores, masks = score_batches(model, batches, n, device)
    if not synthetic.labels.any():
        raise DataError("the synthetic test set has no anomalous sample: every mask is empty")
    groups = synthetic.groups
    return {
        "size": model.config.size,
        "synthetic": synthetic.describe(),
        "images": {str(g): int((groups == g).sum()) for g in (NORMAL, *synthetic.recipes)},
        "metrics": metrics_by_group(synthetic.labels, scores, masks, maps, groups, NORMAL),
    }


def format_scores(values: dict[str, float | None]) -> str:
    """``"image_auroc 71.2, pixel_auroc 80.3, ..."``: the four metrics in percent (``-`` when
    undefined)."""
    return ", ".join(
        f"{name} {'-' if values[name] is None else f'{100 * values[name]:.1f}'}"
        for name in METRIC_NAMES
    )


def synthetic_validator(synthetic: SyntheticSet, batch: int = 8) -> Validator:
    """A :data:`~reference_model.train.Validator` that scores the model on ``synthetic`` (on the
    model's device) and shows the overall scores in one line; its records hold ``metrics``."""

    def validate(model: DraemModel, step: int) -> dict[str, Any]:
        device = next(model.parameters()).device
        metrics = evaluate_synthetic(model, synthetic, device, batch)["metrics"]
        tqdm.write(f"step {step}: synthetic validation {format_scores(metrics['overall'])}")
        return {"metrics": metrics}

    return validate
