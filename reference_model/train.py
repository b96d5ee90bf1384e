"""The DRAEM training loop: single process or DDP under ``torchrun``, CPU or CUDA, resumable.

The dataset yields dicts with ``image`` (with the anomaly, float32 ``(3, H, W)`` in [0, 1]),
``normal`` (the clean target, same shape) and ``mask`` (float32 ``(1, H, W)``, 0/1), as
:class:`synthdefect.SyntheticAnomalyDataset` does. Epoch ``e`` draws new anomalies through the
dataset's ``set_epoch(e)`` (when it has one) and a new order through ``DistributedSampler``
seeded with the run's seed, so a run is reproducible and a resumed run continues exactly.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import MultiStepLR
from torch.utils.data import DataLoader, Dataset, DistributedSampler
from tqdm import tqdm

from reference_model.checkpoint import (
    CHECKPOINT_NAME,
    CheckpointError,
    get_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
)
from reference_model.config import TrainConfig
from reference_model.distributed import (
    DistContext,
    autocast,
    grad_scaler,
    init_distributed,
    memory_format,
    shutdown_distributed,
)
from reference_model.losses import draem_loss
from reference_model.model import DraemModel

__all__ = ["LOG_NAME", "TrainResult", "train", "train_step"]

#: Per-step loss log (JSON lines) written by the main process inside the run folder.
LOG_NAME = "train_log.jsonl"

#: Configuration fields a resumed run must share with its checkpoint.
_RESUME_FIELDS = ("model", "preset", "epochs", "steps", "batch", "lr", "seed")


@dataclass
class TrainResult:
    """``model``: the trained networks (unwrapped, train mode). ``losses``: one dict per step run
    by this call (``step``, ``epoch``, ``lr``, ``l2``, ``ssim``, ``focal``). ``step``: global
    optimiser steps done. ``checkpoint``: the run's latest checkpoint file."""

    model: DraemModel
    losses: list[dict[str, float]]
    step: int
    checkpoint: Path


def train_step(
    model: nn.Module,
    batch: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    device: torch.device,
) -> dict[str, float]:
    """One optimiser step on a collated batch; returns the three loss terms as floats.

    On CUDA the forward pass runs under autocast in channels_last; the losses are always
    computed in float32. On CPU both speed-ups are off and the code is otherwise the same.
    """
    augmented = batch["image"].to(device, non_blocking=True, memory_format=memory_format(device))
    clean = batch["normal"].to(device, non_blocking=True)
    mask = batch["mask"].to(device, non_blocking=True)
    with autocast(device):
        reconstruction, logits = model(augmented)
    losses = draem_loss(reconstruction.float(), clean, logits.float(), mask)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(losses.total).backward()
    scaler.step(optimizer)
    scaler.update()
    return {name: value.item() for name, value in losses._asdict().items()}


def _any_process(flag: bool, ctx: DistContext, device: torch.device) -> bool:
    """``flag`` or-ed over all processes (so that they all stop at the same step)."""
    if not ctx.distributed:
        return flag
    value = torch.tensor(float(flag), device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def _check_resumable(config: TrainConfig, saved: dict[str, Any], path: Path) -> None:
    current = config.to_dict()
    differences = [
        f"{name}={saved.get(name)!r} (this run: {current[name]!r})"
        for name in _RESUME_FIELDS
        if saved.get(name) != current[name]
    ]
    if differences:
        raise CheckpointError(
            f"{path} was made with another configuration: {', '.join(differences)}"
        )


def train(
    config: TrainConfig,
    dataset: Dataset,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    stop_at: int | None = None,
    time_limit: float | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train a :class:`DraemModel` on ``dataset`` and checkpoint it in ``out_dir``.

    ``resume``: continue from ``out_dir/checkpoint.pt`` (same configuration required), giving
    the same weights as an uninterrupted run. ``stop_at``: stop, with a checkpoint, once this
    global step is reached (to split a run; the schedule still spans the whole run).
    ``time_limit``: likewise stop, with a checkpoint, after the first step that ends more than
    this many seconds after the start (all processes stop at the same step).
    Under ``torchrun`` every process calls this; only rank 0 writes files.
    """
    ctx, device = init_distributed(config.device)
    try:
        return _train(
            config,
            dataset,
            Path(out_dir),
            ctx,
            device,
            resume,
            stop_at,
            time_limit,
            progress,
        )
    finally:
        shutdown_distributed(ctx)


def _train(
    config: TrainConfig,
    dataset: Dataset,
    out_dir: Path,
    ctx: DistContext,
    device: torch.device,
    resume: bool,
    stop_at: int | None,
    time_limit: float | None,
    progress: bool,
) -> TrainResult:
    if len(dataset) == 0:
        raise ValueError("the training set is empty")
    checkpoint_path = out_dir / CHECKPOINT_NAME
    torch.manual_seed(config.seed)
    model = DraemModel(config.model).to(device, memory_format=memory_format(device))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    sampler = DistributedSampler(
        dataset, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=config.seed
    )
    steps_per_epoch = math.ceil(len(sampler) / config.batch)
    total = config.total_steps(steps_per_epoch)
    scheduler = MultiStepLR(
        optimizer, config.milestones(steps_per_epoch), gamma=config.schedule.gamma
    )
    scaler = grad_scaler(device)
    stateful = {"model": model, "optimizer": optimizer, "scheduler": scheduler, "scaler": scaler}
    step = 0
    if resume:
        if not checkpoint_path.is_file():
            raise CheckpointError(f"nothing to resume: {checkpoint_path} does not exist")
        state = load_checkpoint(checkpoint_path)
        _check_resumable(config, state["config"], checkpoint_path)
        for name, part in stateful.items():
            part.load_state_dict(state[name])
        set_rng_state(state["rng"])
        step = state["step"]
    net: nn.Module = model
    if ctx.distributed:
        net = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    net.train()

    end = total if stop_at is None else min(total, stop_at)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    history: list[dict[str, float]] = []
    if ctx.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
    log = open(out_dir / LOG_NAME, "a", encoding="utf-8") if ctx.is_main else None  # noqa: SIM115
    bar = tqdm(total=total, initial=step, desc="train", disable=not (progress and ctx.is_main))
    try:
        while step < end:
            epoch, done_in_epoch = divmod(step, steps_per_epoch)
            if hasattr(dataset, "set_epoch"):
                dataset.set_epoch(epoch)
            sampler.set_epoch(epoch)
            loader = DataLoader(
                dataset,
                batch_size=config.batch,
                sampler=list(sampler)[done_in_epoch * config.batch :],
                num_workers=config.workers,
                pin_memory=device.type == "cuda",
            )
            for batch in loader:
                lr = optimizer.param_groups[0]["lr"]
                losses = train_step(net, batch, optimizer, scaler, device)
                scheduler.step()
                step += 1
                record = {"step": step, "epoch": epoch, "lr": lr, **losses}
                history.append(record)
                bar.update(1)
                bar.set_postfix({k: f"{v:.4f}" for k, v in losses.items()}, refresh=False)
                if log is not None:
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                if deadline is not None and _any_process(time.monotonic() > deadline, ctx, device):
                    end = step
                if ctx.is_main and (step % config.save_every == 0 or step == end):
                    state = {name: part.state_dict() for name, part in stateful.items()}
                    state.update(config=config.to_dict(), step=step, epoch=epoch)
                    save_checkpoint(checkpoint_path, {**state, "rng": get_rng_state()})
                if step >= end:
                    break
    finally:
        bar.close()
        if log is not None:
            log.close()
    return TrainResult(model=model, losses=history, step=step, checkpoint=checkpoint_path)
