"""Score a folder of images: ``scores.csv`` and heat-map overlays.

Outputs in ``out_dir``: ``scores.csv`` (columns ``file``, ``score``; ``file`` relative to the
input folder; ``score`` the image score in [0, 1]) and ``overlays/<file>.png`` (see
:func:`overlay_names`): the image at its own resolution with the anomaly map (absolute
probability, 0 = blue, 1 = red, JET colour map, resized bilinearly) blended in at alpha 0.5.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import warnings
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader

from reference_model.data import DataError, ImageFolder
from reference_model.distributed import loader_worker_init
from reference_model.model import DraemModel
from reference_model.scoring import score_batch
from synthdefect.model_api import (
    OutputError,
    claim_file,
    folder_lock,
    read_image,
    refuse_links,
    write_atomic,
    write_image,
)

__all__ = [
    "OVERLAYS_NAME",
    "SCORES_NAME",
    "is_scores_file",
    "overlay_heatmap",
    "overlay_names",
    "predict_folder",
]

SCORES_NAME = "scores.csv"
OVERLAYS_NAME = "overlays"


def overlay_heatmap(image: np.ndarray, anomaly_map: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a JET-coloured map into an image.

    ``image``: HWC ``uint8`` RGB. ``anomaly_map``: ``(h, w)`` float in [0, 1], any size (resized
    bilinearly to the image). ``alpha``: weight of the colour map, in [0, 1]. Returns HWC
    ``uint8`` RGB of the image's size.
    """
    height, width = image.shape[:2]
    resized = cv2.resize(anomaly_map.astype(np.float32), (width, height))
    levels = (np.clip(resized, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    colours = cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(image, 1.0 - alpha, colours, alpha, 0.0)


def overlay_names(relatives: list[Path]) -> dict[Path, Path]:
    """Input file (relative) -> its overlay's relative name: the input's with ``.png`` as its
    suffix, or with ``.png`` appended where two inputs would share that name (``a.png`` and
    ``a.jpg`` give ``a.png.png`` and ``a.jpg.png``): every overlay is distinct."""
    plain = {relative: relative.with_suffix(".png") for relative in relatives}
    counts = Counter(plain.values())
    return {
        relative: name if counts[name] == 1 else relative.with_name(relative.name + ".png")
        for relative, name in plain.items()
    }


def is_scores_file(path: Path) -> bool:
    """Whether ``path`` is a ``scores.csv`` that :func:`predict_folder` wrote."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.readline().rstrip("\r\n") == "file,score"
    except (OSError, UnicodeDecodeError):
        return False


def predict_folder(
    model: DraemModel,
    images_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    device: torch.device,
    batch: int = 8,
    workers: int = 0,
    overwrite: bool = False,
) -> list[tuple[str, float]]:
    """Score every image under ``images_dir``; write the CSV and overlays; return the rows.

    An unreadable file is skipped with a warning that names it; the others are still scored
    (:class:`DataError` when none is left, before anything is written).
    ``out_dir`` is locked while it is written (:func:`synthdefect.outputs.folder_lock`); an
    earlier run's ``scores.csv`` and ``overlays/`` there are replaced, other files of those names
    only with ``overwrite``. The new overlays are written to a hidden staging folder and swapped
    in with the CSV at the end, so a failed run leaves the earlier outputs as they were.
    """
    dataset = ImageFolder(images_dir, model.config.size)
    out_dir = Path(out_dir)
    names = overlay_names([path.relative_to(dataset.root) for path in dataset.paths])
    with folder_lock(out_dir):
        refuse_links(out_dir, (SCORES_NAME, OVERLAYS_NAME))
        scores_path, overlay_dir = out_dir / SCORES_NAME, out_dir / OVERLAYS_NAME
        claim_file(scores_path, "--out", is_scores_file, overwrite)
        if overlay_dir.exists() and not (overwrite or is_scores_file(scores_path)):
            raise OutputError(
                f"--out {out_dir} holds an {OVERLAYS_NAME}/ folder that predict did not write; "
                "pass --overwrite to replace it, or choose another --out"
            )
        staging = out_dir / f".{OVERLAYS_NAME}.tmp"
        shutil.rmtree(staging, ignore_errors=True)  # left by a killed run (we hold the lock)
        try:
            rows = _score(model, dataset, names, staging, device, batch, workers)
            if not rows:
                raise DataError(
                    f"none of the {len(dataset)} files under {images_dir} is a readable image"
                )
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(("file", "score"))
            writer.writerows((name, f"{score:.6f}") for name, score in rows)
            if overlay_dir.exists():
                shutil.rmtree(overlay_dir)
            staging.mkdir(exist_ok=True)
            staging.rename(overlay_dir)
            write_atomic(scores_path, text.getvalue().encode())
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return rows


def _score(
    model: DraemModel,
    dataset: ImageFolder,
    names: dict[Path, Path],
    overlay_dir: Path,
    device: torch.device,
    batch: int,
    workers: int,
) -> list[tuple[str, float]]:
    """Score ``dataset``, writing each overlay under ``overlay_dir``; the CSV rows."""
    loader = DataLoader(
        dataset, batch_size=batch, num_workers=workers, worker_init_fn=loader_worker_init()
    )
    model.eval()
    rows: list[tuple[str, float]] = []
    for images, indices, errors in loader:
        maps, scores = score_batch(model, images, device)
        for index, anomaly_map, score, error in zip(
            indices.tolist(), maps.numpy(), scores.tolist(), errors, strict=True
        ):
            path = dataset.paths[index]
            if error:
                warnings.warn(f"skipping unreadable image: {error}", stacklevel=3)
                continue
            relative = path.relative_to(dataset.root)
            target = overlay_dir / names[relative]
            target.parent.mkdir(parents=True, exist_ok=True)
            write_image(target, overlay_heatmap(read_image(path, channels=3), anomaly_map))
            rows.append((relative.as_posix(), score))
    return rows
