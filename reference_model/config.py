"""Settings of the reference model and of a training run, as plain dataclasses.

Both round-trip through ``dataclasses.asdict`` so that a checkpoint records how it was made.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from synthdefect import PRESETS, is_preset
from synthdefect.model_api import DEFAULT_PRESET, SYNTHESIS_BACKENDS, side_problem

__all__ = ["SCHEDULES", "ModelConfig", "Schedule", "TrainConfig"]

#: Image sides must be multiples of this (the discriminative network pools five times).
SIZE_MULTIPLE = 32


@dataclass(frozen=True)
class Schedule:
    """Step learning-rate decay: multiply by ``gamma`` at each fraction of the run in ``at``."""

    at: tuple[float, ...]
    gamma: float
    default_epochs: int


#: ``paper``: x0.1 at epochs 400 and 600 of 700; ``draem-code``: x0.2 at 80 % and 90 %;
#: every other preset of :data:`synthdefect.recipes.PRESETS` trains on ``draem-code``'s.
SCHEDULES: dict[str, Schedule] = {
    "paper": Schedule(at=(400 / 700, 600 / 700), gamma=0.1, default_epochs=700),
    "draem-code": Schedule(at=(0.8, 0.9), gamma=0.2, default_epochs=700),
}


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the two sub-networks.

    ``recon_width``: base channel count of the reconstructive network (DRAEM: 128, ~69 M params).
    ``disc_width``: base channel count of the discriminative U-Net (DRAEM: 64, ~28 M params).
    ``size``: square input side in pixels (DRAEM: 256); a multiple of 32.
    ``sspcab``: replace the reconstructive encoder's last block with SSPCAB (Ristea et al.,
    CVPR 2022) and train it with its self-reconstruction loss.
    """

    recon_width: int = 128
    disc_width: int = 64
    size: int = 256
    sspcab: bool = False

    def __post_init__(self) -> None:
        if self.recon_width < 1 or self.disc_width < 1:
            raise ValueError(f"widths must be >= 1, got {self.recon_width}, {self.disc_width}")
        if self.size < SIZE_MULTIPLE or self.size % SIZE_MULTIPLE:
            raise ValueError(
                f"size must be a positive multiple of {SIZE_MULTIPLE}, got {self.size}"
            )
        problem = side_problem((self.size,))
        if problem is not None:
            raise ValueError(problem)


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    ``preset``: the preset the anomalies come from, which also picks the learning-rate schedule
    (:data:`SCHEDULES`); ``None`` when they come from elsewhere, on ``draem-code``'s schedule:
    ``recipe`` then names the recipe given instead (a file or ``module:attribute``, as given),
    and both are ``None`` for the fixed samples of a generated folder.
    Exactly one of ``epochs`` / ``steps`` sets the length (``None`` for both: the schedule's
    default epochs). ``batch`` is per process (the global batch is ``batch * world_size``).
    ``lr`` is Adam's learning rate for both networks (finite, > 0). ``save_every`` is in
    optimiser steps. ``data``: a fingerprint of the training data (files and textures) that a
    resumed run must share. ``compile``: run the model through ``torch.compile``.
    ``synthesis``: where the anomalies are made, ``"host"`` (in the DataLoader, per sample) or
    ``"device"`` (per batch on the training device; see
    :meth:`synthdefect.SyntheticAnomalyDataset.synthesize`); a resumed run must share it.
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    preset: str | None = DEFAULT_PRESET
    recipe: str | None = None
    epochs: int | None = None
    steps: int | None = None
    batch: int = 8
    lr: float = 1e-4
    seed: int = 0
    workers: int = 0
    device: str = "auto"
    save_every: int = 500
    data: str = ""
    compile: bool = False
    synthesis: str = "host"

    def __post_init__(self) -> None:
        if self.preset is not None and not is_preset(self.preset):
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {self.preset!r}")
        if self.preset is not None and self.recipe is not None:
            raise ValueError("give a preset or a recipe, not both")
        if self.epochs is not None and self.steps is not None:
            raise ValueError("give epochs or steps, not both")
        for name in ("epochs", "steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if self.batch < 1 or self.save_every < 1:
            raise ValueError("batch and save_every must be >= 1")
        if self.batch == 1 and self.model.size == SIZE_MULTIPLE:
            raise ValueError(
                f"batch 1 at size {SIZE_MULTIPLE} leaves BatchNorm one value per channel at the "
                f"model's 1x1 bottleneck: use batch >= 2 or size >= {2 * SIZE_MULTIPLE}"
            )
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if self.synthesis not in SYNTHESIS_BACKENDS:
            raise ValueError(
                f"synthesis must be one of {SYNTHESIS_BACKENDS}, got {self.synthesis!r}"
            )

    @property
    def schedule(self) -> Schedule:
        return SCHEDULES.get(self.preset, SCHEDULES[DEFAULT_PRESET])

    def total_steps(self, steps_per_epoch: int) -> int:
        """Optimiser steps in the whole run."""
        if self.steps is not None:
            return self.steps
        return self.total_epochs * steps_per_epoch

    @property
    def total_epochs(self) -> int:
        return self.epochs if self.epochs is not None else self.schedule.default_epochs

    def milestones(self, steps_per_epoch: int) -> list[int]:
        """Optimiser steps at which the learning rate decays.

        With ``epochs`` the decay happens at an epoch boundary (``round(fraction * epochs)``),
        with ``steps`` at ``round(fraction * steps)``.
        """
        if self.steps is not None:
            return [round(f * self.steps) for f in self.schedule.at]
        return [round(f * self.total_epochs) * steps_per_epoch for f in self.schedule.at]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """The configuration :meth:`to_dict` gave, also from a checkpoint written before
        ``recipe`` was recorded (it has no ``recipe`` and ``preset`` ``draem-code`` whatever the
        anomalies came from) or before ``synthesis`` was (its anomalies were made on the host)."""
        return cls(**{**data, "model": ModelConfig(**data["model"])})
