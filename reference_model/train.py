"""The DRAEM training loop: single process or DDP under ``torchrun``, CPU or CUDA, resumable.

The dataset yields dicts with ``image`` (with the anomaly, ``(3, H, W)`` uint8 in [0, 255] or
float in [0, 1]), ``normal`` (the clean target, same shape and type) and ``mask`` (float32
``(1, H, W)`` in [0, 1]: 0/1, or a soft target that the focal loss learns as it is), as
:class:`synthdefect.SyntheticAnomalyDataset` does, for keys ``(epoch, i)``. The keys come from
an :class:`~synthdefect.sampler.EpochSampler` seeded with the run's seed, through ONE DataLoader
for the whole run (its workers live as long as the run, their decode caches stay warm and they
prefetch across epoch boundaries): every epoch has a new order and new anomalies, a run is
reproducible and a resumed run continues exactly, mid-epoch too.

Hot path: the losses stay on the device and are read every ``log_every`` steps; images travel
as uint8 and become float on the device; Adam is fused on CUDA; cuDNN picks its fastest
kernels (``cudnn.benchmark``); ``torch.compile`` is opt-in (``TrainConfig.compile``).

Where the anomalies are made (``TrainConfig.synthesis``): ``"host"``, in the dataset's
``__getitem__`` (DataLoader workers); ``"device"``, by the dataset's ``synthesize`` on the
training device, one batch at a time, from the batch of normal images and keys the DataLoader
loaded (:class:`synthdefect.SyntheticAnomalyDataset` with ``synthesis="device"``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import MultiStepLR
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from reference_model.checkpoint import (
    CHECKPOINT_NAME,
    CheckpointError,
    get_rng_state,
    load_checkpoint,
    restore,
    save_checkpoint,
    set_rng_state,
)
from reference_model.config import TrainConfig
from reference_model.distributed import (
    DistContext,
    autocast,
    enable_cuda_speedups,
    grad_scaler,
    init_distributed,
    loader_worker_init,
    memory_format,
    shutdown_distributed,
    to_model_input,
)
from reference_model.losses import LOSS_NAMES, draem_loss
from reference_model.model import DraemModel
from synthdefect import EpochSampler
from synthdefect.model_api import (
    DEFAULT_PRESET,
    MIN_TRAINING_SAMPLES,
    Key,
    folder_lock,
    refuse_links,
    write_atomic,
)

__all__ = ["LOG_NAME", "VALIDATION_LOG_NAME", "TrainResult", "Validator", "run_batches",
           "steps_per_epoch", "train", "train_step"]  # fmt: skip

#: Per-step loss log (JSON lines) written by the main process inside the run folder.
LOG_NAME = "train_log.jsonl"

#: The scores of a validated run at its checkpoints (JSON lines, ``step`` and the scores).
VALIDATION_LOG_NAME = "validation.jsonl"

#: Scores a model at a checkpoint: ``validator(model, step)`` -> a JSON-ready dict (it may show
#: a line with ``tqdm.write``). The model is on the run's device and is put back in training
#: mode afterwards.
Validator = Callable[[DraemModel, int], dict[str, Any]]

#: Configuration fields a resumed run must share with its checkpoint.
_RESUME_FIELDS = (
    "model", "preset", "epochs", "steps", "batch", "lr", "seed", "data", "synthesis",
)  # fmt: skip


@dataclass
class TrainResult:
    """``model``: the trained networks (unwrapped, train mode). ``losses``: one dict per step run
    by this call (``step``, ``epoch``, ``lr``, ``l2``, ``ssim``, ``focal``). ``step``: global
    optimiser steps done. ``checkpoint``: the run's latest checkpoint file. ``steps_per_epoch``:
    per process. ``timings``: ``(step, seconds)`` at every read of the losses, seconds counted
    from the start of the call (model building and loader start-up included), with
    ``(first step - 1, 0.0)`` first. ``validation``: the validator's records of this call
    (``step`` and the scores), one per checkpoint."""

    model: DraemModel
    losses: list[dict[str, float]]
    step: int
    checkpoint: Path
    steps_per_epoch: int
    timings: list[tuple[int, float]]
    validation: list[dict[str, Any]]

    def throughput(self) -> tuple[float, float | None]:
        """Steps per second: on average over the whole call, and in the steady state (from the
        first loss read at least one epoch into the call to the last; ``None`` if too short)."""
        (first, _), (last, seconds) = self.timings[0], self.timings[-1]
        average = (last - first) / seconds if last > first else 0.0
        later = [(s, t) for s, t in self.timings if s >= first + self.steps_per_epoch]
        if len(later) < 2 or later[-1][1] <= later[0][1]:
            return average, None
        return average, (later[-1][0] - later[0][0]) / (later[-1][1] - later[0][1])


def train_step(
    model: nn.Module,
    batch: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    device: torch.device,
) -> torch.Tensor:
    """One optimiser step on a collated batch; returns the loss terms, detached, on the device.

    The result is a float32 ``(len(LOSS_NAMES),)`` tensor (plus ``sspcab`` last when the model
    has SSPCAB); reading it (``.tolist()``) waits for the device, so the loop reads it only every
    few steps. Images may be uint8 in [0, 255] (converted to float on the device) or float in
    [0, 1]. On CUDA the forward pass runs under autocast in channels_last; the losses are always
    computed in float32. On CPU both speed-ups are off and the code is otherwise the same.
    """
    augmented = to_model_input(batch["image"], device)
    clean = to_model_input(batch["normal"], device)
    mask = batch["mask"].to(device, non_blocking=True)
    with autocast(device):
        output = model(augmented)
    sspcab_error = None if output.sspcab_error is None else output.sspcab_error.float()
    losses = draem_loss(
        output.reconstruction.float(), clean, output.logits.float(), mask, sspcab_error
    )
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(losses.total).backward()
    scaler.step(optimizer)
    scaler.update()
    return torch.stack(losses.terms()).detach()


def steps_per_epoch(samples: int, batch: int) -> int:
    """Optimiser steps in one epoch of ``samples`` keys per process.

    Full batches, plus the last partial batch unless it holds a single sample (a one-sample
    batch cannot be normalised by BatchNorm at a 1x1 bottleneck, and it is dropped whatever
    the size so that the schedule does not depend on it).
    """
    steps = samples // batch + (samples % batch > 1)
    if steps == 0 or samples < MIN_TRAINING_SAMPLES:
        raise ValueError(
            f"need at least {MIN_TRAINING_SAMPLES} training samples per process, got {samples}"
        )
    return steps


def run_batches(sampler: EpochSampler, batch: int, start_step: int) -> Iterator[list[Key]]:
    """Batches of ``(epoch, i)`` keys for every step from ``start_step`` on, epoch after epoch.

    A batch never spans two epochs; one-sample remainders are dropped (:func:`steps_per_epoch`).
    Endless: the caller stops.
    """
    per_epoch = steps_per_epoch(len(sampler), batch)
    epoch, done = divmod(start_step, per_epoch)
    while True:
        keys = sampler.keys(epoch)
        batches = [keys[k : k + batch] for k in range(0, len(keys), batch)][:per_epoch]
        yield from batches[done:]
        epoch, done = epoch + 1, 0


def _any_process(flag: bool, ctx: DistContext, device: torch.device) -> bool:
    """``flag`` or-ed over all processes (so that they all stop at the same step)."""
    if not ctx.distributed:
        return flag
    value = torch.tensor(float(flag), device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def _check_run_folder(out_dir: Path, resume: bool, overwrite: bool, record: Mapping) -> None:
    if resume and overwrite:
        raise ValueError("resume and overwrite exclude each other")
    refuse_links(out_dir, (CHECKPOINT_NAME, LOG_NAME, VALIDATION_LOG_NAME, *record))
    existing = [name for name in (CHECKPOINT_NAME, LOG_NAME) if (out_dir / name).exists()]
    if existing == [LOG_NAME] and (out_dir / LOG_NAME).stat().st_size == 0:
        existing = []  # a run that failed before its first step left only an empty log
    if existing and not (resume or overwrite):
        raise CheckpointError(
            f"{out_dir} already holds a run ({existing[0]}): resume it (--resume) or start "
            "again (--overwrite)"
        )


def _cut_log(path: Path, step: int) -> None:
    """Keep the lines of a resumed run's log up to its checkpoint's ``step``: a killed run may
    have logged later steps (made again now) and left a torn last line. Streams the file."""
    if not path.is_file():
        return
    kept = 0
    with open(path, "rb") as log:
        for line in log:
            try:
                logged = json.loads(line)["step"] if line.endswith(b"\n") else step + 1
            except (ValueError, KeyError, TypeError):
                logged = step + 1
            if not isinstance(logged, int) or logged > step:
                break
            kept += len(line)
    with open(path, "r+b") as log:
        log.truncate(kept)


def _past(deadline: float, step: int, log_every: int, ctx: DistContext, device) -> bool:
    """Whether the deadline has passed; under DDP asked only every ``log_every`` steps (the
    processes agree through a collective, which waits for the device)."""
    if ctx.distributed and step % log_every:
        return False
    return _any_process(time.monotonic() > deadline, ctx, device)


def _check_resumable(config: TrainConfig, saved: dict[str, Any], path: Path) -> None:
    current = config.to_dict()
    if "recipe" not in saved and config.preset is None and saved.get("preset") == DEFAULT_PRESET:
        # written before `recipe` was recorded: anomalies that were no preset's said draem-code
        saved = {**saved, "preset": None}
    saved = {"synthesis": "host", **saved}  # written before `synthesis` was recorded
    if saved.get("data") != current["data"]:
        raise CheckpointError(
            f"{path} was trained on other data: the training images or textures differ"
        )
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
    overwrite: bool = False,
    stop_at: int | None = None,
    time_limit: float | None = None,
    progress: bool = True,
    log_every: int = 50,
    record: Mapping[str, bytes] | None = None,
    validator: Validator | None = None,
) -> TrainResult:
    """Train a :class:`DraemModel` on ``dataset`` and checkpoint it in ``out_dir``.

    ``dataset`` takes keys ``(epoch, i)`` (see :class:`synthdefect.SyntheticAnomalyDataset`);
    with ``config.synthesis == "device"`` it is one made with ``synthesis="device"`` (a
    ``ValueError`` otherwise, and for such a dataset under ``"host"``).
    ``resume``: continue from ``out_dir/checkpoint.pt`` (same configuration required), giving
    the same weights as an uninterrupted run. A folder that already holds a run (checkpoint or
    log) is refused (:class:`CheckpointError`) unless resumed or ``overwrite`` (which starts a
    new log); so is one that another run holds, or whose checkpoint or log is a symbolic link
    (:class:`synthdefect.outputs.OutputError`). DataLoader workers end with this process.
    ``stop_at``: stop, with a checkpoint, once this global step is reached (to split a run; the
    schedule still spans the whole run).
    ``time_limit``: likewise stop, with a checkpoint, after the first step that ends more than
    this many seconds after the start (all processes stop at the same step; under DDP the clock
    is compared every ``log_every`` steps). ``log_every``: the losses are read from the device,
    logged and shown every this many steps, at checkpoints and at the end.
    ``record``: files (name -> bytes) that describe the run, written in ``out_dir`` when it
    starts; a resumed run must find them unchanged (:class:`CheckpointError` otherwise).
    ``validator``: called at every checkpoint, just before it is written, by the main process;
    its records go to ``out_dir/validation.jsonl`` (cut to the checkpoint's step on resume).
    Under ``torchrun`` every process calls this; only rank 0 writes files.
    """
    if log_every < 1:
        raise ValueError(f"log_every must be >= 1, got {log_every}")
    record = dict(record or {})
    ctx, device = init_distributed(config.device)
    try:
        with folder_lock(Path(out_dir)) if ctx.is_main else nullcontext():
            _check_run_folder(Path(out_dir), resume, overwrite, record)
            run = _Run(
                Path(out_dir), ctx, device, resume, overwrite, progress, log_every, record,
                validator,
            )  # fmt: skip
            return _train(config, dataset, run, stop_at, time_limit)
    finally:
        shutdown_distributed(ctx)


@dataclass(frozen=True)
class _Run:
    """Where and how :func:`train` runs: the run folder, the process and its device, and the
    keyword arguments that do not change the weights."""

    out_dir: Path
    ctx: DistContext
    device: torch.device
    resume: bool
    overwrite: bool
    progress: bool
    log_every: int
    record: dict[str, bytes]
    validator: Validator | None

    @property
    def checkpoint(self) -> Path:
        return self.out_dir / CHECKPOINT_NAME

    def open_log(self, name: str = LOG_NAME) -> TextIO | None:
        """The main process's log ``name``, appended to (started again with ``overwrite``);
        other processes write none."""
        if not self.ctx.is_main:
            return None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.overwrite:
            (self.out_dir / name).unlink(missing_ok=True)
        return open(self.out_dir / name, "a", encoding="utf-8")

    def keep_record(self) -> None:
        """Write :attr:`record` (main process); a resumed run checks it instead."""
        if not self.ctx.is_main:
            return
        for name, content in self.record.items():
            path = self.out_dir / name
            if not self.resume:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(path, content)
            elif not path.is_file() or path.read_bytes() != content:
                raise CheckpointError(
                    f"{path} does not record this run's {name}: resume with the settings the "
                    "run was started with"
                )


class _LossLog:
    """Loss tensors kept on the device and written out in one transfer every few steps."""

    def __init__(
        self, names: tuple[str, ...], file: TextIO | None, bar: tqdm, step: int, start: float
    ) -> None:
        self.names = names
        self.file = file
        self.bar = bar
        self.start = start
        self.pending: list[tuple[dict[str, Any], torch.Tensor]] = []
        self.history: list[dict[str, float]] = []
        self.timings: list[tuple[int, float]] = [(step, 0.0)]

    @classmethod
    def open(cls, config: TrainConfig, run: _Run, total: int, step: int, start: float) -> _LossLog:
        """The log of a run of ``total`` steps, from ``step`` on, with its progress bar."""
        file = run.open_log()
        bar = tqdm(
            total=total, initial=step, desc="train", disable=not (run.progress and run.ctx.is_main)
        )
        names = (*LOSS_NAMES, "sspcab") if config.model.sspcab else LOSS_NAMES
        return cls(names, file, bar, step, start)

    def close(self) -> None:
        self.bar.close()
        if self.file is not None:
            self.file.close()

    def add(self, fields: dict[str, Any], losses: torch.Tensor) -> None:
        self.pending.append((fields, losses))

    def flush(self) -> None:
        if not self.pending:
            return
        values = torch.stack([losses for _, losses in self.pending]).cpu().tolist()
        records = [
            {**fields, **dict(zip(self.names, row, strict=True))}
            for (fields, _), row in zip(self.pending, values, strict=True)
        ]
        self.pending.clear()
        self.history.extend(records)
        self.timings.append((records[-1]["step"], time.monotonic() - self.start))
        if self.file is not None:
            self.file.write("".join(json.dumps(record) + "\n" for record in records))
            self.file.flush()
        self.bar.set_postfix({name: f"{records[-1][name]:.4f}" for name in self.names})


@dataclass
class _Parts:
    """What a run trains and checkpoints: the model, its optimiser, learning-rate schedule and
    gradient scaler, with the key sampler and the run's length in steps."""

    model: DraemModel
    optimizer: torch.optim.Optimizer
    scheduler: MultiStepLR
    scaler: torch.amp.GradScaler
    sampler: EpochSampler
    per_epoch: int
    total: int

    @classmethod
    def build(cls, config: TrainConfig, samples: int, run: _Run) -> _Parts:
        """Fresh parts, the model initialised from ``config.seed``."""
        torch.manual_seed(config.seed)
        enable_cuda_speedups(run.device)
        model = DraemModel(config.model).to(run.device, memory_format=memory_format(run.device))
        fused = run.device.type == "cuda"
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=fused)
        ctx = run.ctx
        sampler = EpochSampler(
            samples, seed=config.seed, num_replicas=ctx.world_size, rank=ctx.rank
        )
        per_epoch = steps_per_epoch(len(sampler), config.batch)
        milestones = config.milestones(per_epoch)
        scheduler = MultiStepLR(optimizer, milestones, gamma=config.schedule.gamma)
        total = config.total_steps(per_epoch)
        return cls(model, optimizer, scheduler, grad_scaler(run.device), sampler, per_epoch, total)

    def stateful(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "optimizer": self.optimizer,
            "scheduler": self.scheduler,
            "scaler": self.scaler,
        }

    def resume(self, config: TrainConfig, run: _Run) -> int:
        """Load the run's checkpoint (made with ``config``) and the global generator states;
        cut the log to its step and return that step."""
        if not run.checkpoint.is_file():
            raise CheckpointError(f"nothing to resume: {run.checkpoint} does not exist")
        state = load_checkpoint(run.checkpoint, resumable=True)
        _check_resumable(config, state["config"], run.checkpoint)
        restore(self.stateful(), state, run.checkpoint)
        set_rng_state(state["rng"])
        if run.ctx.is_main:
            _cut_log(run.out_dir / LOG_NAME, state["step"])
            _cut_log(run.out_dir / VALIDATION_LOG_NAME, state["step"])
        return state["step"]

    def save(self, config: TrainConfig, step: int, path: Path) -> None:
        state = {name: part.state_dict() for name, part in self.stateful().items()}
        state.update(config=config.to_dict(), step=step, epoch=step // self.per_epoch)
        save_checkpoint(path, {**state, "rng": get_rng_state()})


def _network(model: DraemModel, config: TrainConfig, run: _Run) -> nn.Module:
    """``model`` as the steps call it (DDP-wrapped, compiled when asked), in train mode."""
    net: nn.Module = model
    if run.ctx.distributed:
        device = run.device
        net = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if config.compile:
        net = torch.compile(net)
    return net.train()


def _loader(
    dataset: Dataset, sampler: EpochSampler, config: TrainConfig, step: int, device: torch.device
) -> DataLoader:
    """The run's one DataLoader: the batches of every step from ``step`` on."""
    return DataLoader(
        dataset,
        batch_sampler=run_batches(sampler, config.batch, step),
        num_workers=config.workers,
        pin_memory=device.type == "cuda",
        worker_init_fn=loader_worker_init(),
    )


def _train(
    config: TrainConfig,
    dataset: Dataset,
    run: _Run,
    stop_at: int | None,
    time_limit: float | None,
) -> TrainResult:
    if len(dataset) == 0:
        raise ValueError("the training set is empty")
    made_by = getattr(dataset, "synthesis", "host")
    if made_by != config.synthesis:
        raise ValueError(
            f"synthesis={config.synthesis!r} needs a dataset of synthesis={config.synthesis!r}, "
            f"got one of synthesis={made_by!r}"
        )
    start = time.monotonic()
    parts = _Parts.build(config, len(dataset), run)
    step = parts.resume(config, run) if run.resume else 0
    run.keep_record()
    net = _network(parts.model, config, run)
    end = parts.total if stop_at is None else min(parts.total, stop_at)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    loader = _loader(dataset, parts.sampler, config, step, run.device)
    log = _LossLog.open(config, run, parts.total, step, start)
    validation = _Validation.open(run)
    batches = iter(loader)
    on_device = config.synthesis == "device"
    try:
        while step < end:
            lr = parts.optimizer.param_groups[0]["lr"]
            batch = next(batches)
            if on_device:
                batch = dataset.synthesize(batch, run.device)
            log.add(
                {"step": step + 1, "epoch": step // parts.per_epoch, "lr": lr},
                train_step(net, batch, parts.optimizer, parts.scaler, run.device),
            )
            parts.scheduler.step()
            step += 1
            log.bar.update(1)
            checkpoint_due = step % config.save_every == 0
            if deadline is not None and _past(deadline, step, run.log_every, run.ctx, run.device):
                end = step
            if step % run.log_every == 0 or checkpoint_due or step == end:
                log.flush()
            if run.ctx.is_main and (checkpoint_due or step == end):
                validation.score(parts.model, step)
                net.train()
                parts.save(config, step, run.checkpoint)
    finally:
        del batches
        log.close()
        validation.close()
    return TrainResult(
        model=parts.model,
        losses=log.history,
        step=step,
        checkpoint=run.checkpoint,
        steps_per_epoch=parts.per_epoch,
        timings=log.timings,
        validation=validation.history,
    )


@dataclass
class _Validation:
    """The validator of a run and its log (nothing without a validator)."""

    validator: Validator | None
    file: TextIO | None
    history: list[dict[str, Any]]

    @classmethod
    def open(cls, run: _Run) -> _Validation:
        file = None if run.validator is None else run.open_log(VALIDATION_LOG_NAME)
        return cls(run.validator, file, [])

    def score(self, model: DraemModel, step: int) -> None:
        """Validate ``model`` at ``step`` and log the record."""
        if self.validator is None:
            return
        record = {"step": step, **self.validator(model, step)}
        self.history.append(record)
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
