"""Process-group setup for ``torchrun`` (DDP), device choice and the CUDA-only speed-ups.

The CUDA speed-ups (autocast, channels_last) are decided here by ``device.type == "cuda"`` only;
everything else is the same code path on CPU and CUDA.

A single process (no ``WORLD_SIZE`` in the environment, or 1) runs without a process group.
Under ``torchrun`` each process joins the group with ``nccl`` on CUDA and ``gloo`` on CPU.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
import torch.distributed as dist

from synthdefect.model_api import close_inherited_locks, end_with_parent

__all__ = [
    "DistContext",
    "amp_dtype",
    "autocast",
    "enable_cuda_speedups",
    "grad_scaler",
    "init_distributed",
    "loader_worker_init",
    "memory_format",
    "resolve_device",
    "shutdown_distributed",
    "to_model_input",
]


@dataclass(frozen=True)
class DistContext:
    """Where this process sits: ``rank`` in ``[0, world_size)``, ``local_rank`` on its host.

    ``owns_group``: this process joined the process group itself (and leaves it at the end);
    ``False`` when the caller had already initialised one.
    """

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        """Only the main process writes checkpoints, logs and progress bars."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """``"auto"``: CUDA when available, else CPU; ``"cuda"`` picks the ``local_rank``-th GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type not in ("cpu", "cuda"):  # mps, xpu, meta, ...: not what this model runs on
        raise RuntimeError(f"{name}: only cpu and cuda devices are supported, not {device.type}")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    return device


def init_distributed(device: str) -> tuple[DistContext, torch.device]:
    """Read torchrun's environment, join the process group if needed, pick the device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    torch_device = resolve_device(device, local_rank)
    owns_group = world_size > 1 and not dist.is_initialized()
    if owns_group:
        if torch_device.type == "cuda":
            torch.cuda.set_device(torch_device)
        dist.init_process_group(backend="nccl" if torch_device.type == "cuda" else "gloo")
    ctx = DistContext(
        rank=int(os.environ.get("RANK", "0")),
        local_rank=local_rank,
        world_size=world_size,
        owns_group=owns_group,
    )
    return ctx, torch_device


def shutdown_distributed(ctx: DistContext) -> None:
    """Leave the process group (after a final barrier) when :func:`init_distributed` joined it."""
    if ctx.owns_group and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def amp_dtype(device: torch.device) -> torch.dtype | None:
    """Autocast type: bfloat16 on CUDA where supported, else float16; ``None`` (off) on CPU."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast(device: torch.device) -> torch.autocast:
    """Mixed precision under :func:`amp_dtype`; disabled (full float32) on CPU."""
    dtype = amp_dtype(device)
    return torch.autocast(device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None)


def grad_scaler(device: torch.device) -> torch.amp.GradScaler:
    """Loss scaling, enabled only for float16 autocast (bfloat16 and float32 need none)."""
    return torch.amp.GradScaler(device.type, enabled=amp_dtype(device) == torch.float16)


def memory_format(device: torch.device) -> torch.memory_format:
    """channels_last on CUDA (faster convolutions with tensor cores), contiguous on CPU."""
    return torch.channels_last if device.type == "cuda" else torch.contiguous_format


def enable_cuda_speedups(device: torch.device) -> None:
    """Let cuDNN benchmark its convolution algorithms (fixed input sizes); no-op on CPU."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True


def to_model_input(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch of images moved to ``device`` as float32 in [0, 1], in :func:`memory_format`.

    ``images``: ``(B, C, H, W)`` uint8 in [0, 255] (converted after the copy, so 4x fewer bytes
    cross the bus) or float in [0, 1].
    """
    images = images.to(device, non_blocking=True)
    scale = 255.0 if images.dtype == torch.uint8 else 1.0
    images = images.to(dtype=torch.float32, memory_format=memory_format(device))
    return images.div_(scale) if scale != 1.0 else images


def _end_with(parent_pid: int, worker_id: int) -> None:
    end_with_parent(parent_pid)
    close_inherited_locks()


def loader_worker_init() -> Callable[[int], None]:
    """A DataLoader ``worker_init_fn`` that makes each worker end when this process ends, however
    it ends (SIGKILL included: see :mod:`synthdefect.generate.lifetime`), and that closes the
    output-folder locks a forked worker inherits (they stay with this process)."""
    return partial(_end_with, os.getpid())
