"""Training checkpoints: one ``torch.save`` dict written atomically, loadable with weights_only.

Keys: ``model``, ``optimizer``, ``scheduler``, ``scaler`` (state dicts), ``config``
(:meth:`TrainConfig.to_dict`), ``step`` (optimiser steps done), ``epoch``, ``rng`` (torch CPU,
CUDA, numpy and Python generator states).
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from reference_model.config import TrainConfig
from reference_model.distributed import memory_format
from reference_model.model import DraemModel
from synthdefect.model_api import write_atomic

__all__ = [
    "CHECKPOINT_NAME",
    "CheckpointError",
    "get_rng_state",
    "load_checkpoint",
    "load_model",
    "restore",
    "save_checkpoint",
    "set_rng_state",
]

#: File name of the latest checkpoint inside a run folder.
CHECKPOINT_NAME = "checkpoint.pt"

_REQUIRED_KEYS = ("model", "config", "step")
#: What a resumed run restores besides the model (``train.py`` writes them).
_RESUME_KEYS = ("optimizer", "scheduler", "scaler", "rng")


class CheckpointError(ValueError):
    """A file that is not a reference-model checkpoint, or one made with another configuration."""


def get_rng_state() -> dict[str, Any]:
    """Global generator states (torch CPU and CUDA, numpy legacy, Python ``random``)."""
    numpy_state = np.random.get_state(legacy=False)
    numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": numpy_state,
        "python": random.getstate(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    numpy_state = dict(state["numpy"])
    numpy_state["state"] = {
        **numpy_state["state"],
        "key": np.asarray(numpy_state["state"]["key"], dtype=np.uint32),
    }
    np.random.set_state(numpy_state)
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` via a temporary file and a rename (never half-written)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_atomic(path, buffer.getvalue())


def load_checkpoint(path: str | os.PathLike, *, resumable: bool = False) -> dict[str, Any]:
    """Read a checkpoint onto the CPU. :class:`CheckpointError` if it is not one (unreadable,
    without ``model``, ``config`` or ``step``, or a ``config`` that is no
    :class:`TrainConfig`), or, with ``resumable``, if it lacks a state a resumed run restores
    (optimiser, scheduler, scaler, generators)."""
    path = Path(path)
    if not path.is_file():  # a folder, or a FIFO that a read would wait on forever
        raise CheckpointError(f"cannot read checkpoint {path}: not a regular file")
    with open(path, "rb") as file:
        head = file.read(4)
    if head and not head.startswith((b"PK\x03\x04", b"\x80")):  # zip, or a legacy pickle
        raise CheckpointError(f"cannot read checkpoint {path}: not a file torch.save writes")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"cannot read checkpoint {path}: {reason}") from error
    if not isinstance(state, dict) or any(key not in state for key in _REQUIRED_KEYS):
        raise CheckpointError(f"{path} is not a reference-model checkpoint")
    try:
        TrainConfig.from_dict(state["config"])
    except (KeyError, TypeError, ValueError) as error:
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        raise CheckpointError(f"{path} records no valid configuration ({reason})") from error
    missing = [key for key in _RESUME_KEYS if key not in state] if resumable else []
    if missing:
        raise CheckpointError(
            f"{path} cannot be resumed: it holds no {', '.join(missing)} state (evaluate and "
            "predict take it)"
        )
    return state


def restore(parts: Mapping[str, Any], state: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Load ``state[name]`` into each of ``parts`` (a model, an optimiser, ... : anything with
    ``load_state_dict``); :class:`CheckpointError` naming the first that does not fit."""
    for name, part in parts.items():
        try:
            part.load_state_dict(state[name])
        except (KeyError, RuntimeError, TypeError, ValueError) as error:
            raise CheckpointError(
                f"{path}: its {name} state does not match its configuration"
            ) from error


def load_model(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> tuple[DraemModel, TrainConfig]:
    """The trained model (eval mode, on ``device``, channels_last on CUDA as in training) and the
    configuration it was trained with."""
    state = load_checkpoint(path)
    config = TrainConfig.from_dict(state["config"])
    model = DraemModel(config.model)
    restore({"model": model}, state, path)
    device = torch.device(device)
    return model.to(device, memory_format=memory_format(device)).eval(), config
