"""Score a folder of images: ``scores.csv`` and heat-map overlays.

Outputs in ``out_dir``: ``scores.csv`` (columns ``file``, ``score``; ``file`` relative to the
input folder; ``score`` the image score in [0, 1]) and ``overlays/<file>.png``: the image at its
own resolution with the anomaly map (absolute probability, 0 = blue, 1 = red, JET colour map,
resized bilinearly) blended in at alpha 0.5.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader

from reference_model.data import ImageFolder
from reference_model.model import DraemModel
from reference_model.scoring import score_batch
from synthdefect.io import read_image, write_atomic, write_image

__all__ = ["SCORES_NAME", "overlay_heatmap", "predict_folder"]

SCORES_NAME = "scores.csv"


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


def predict_folder(
    model: DraemModel,
    images_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    device: torch.device,
    batch: int = 8,
    workers: int = 0,
) -> list[tuple[str, float]]:
    """Score every image under ``images_dir``; write the CSV and overlays; return the rows.

    An unreadable file is skipped with a warning that names it; the others are still scored.
    """
    dataset = ImageFolder(images_dir, model.config.size)
    out_dir = Path(out_dir)
    overlay_dir = out_dir / "overlays"
    loader = DataLoader(dataset, batch_size=batch, num_workers=workers)
    model.eval()
    rows: list[tuple[str, float]] = []
    for images, indices, errors in loader:
        maps, scores = score_batch(model, images, device)
        for index, anomaly_map, score, error in zip(
            indices.tolist(), maps.numpy(), scores.tolist(), errors, strict=True
        ):
            path = dataset.paths[index]
            if error:
                warnings.warn(f"skipping unreadable image: {error}", stacklevel=2)
                continue
            relative = path.relative_to(dataset.root)
            target = (overlay_dir / relative).with_suffix(".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            write_image(target, overlay_heatmap(read_image(path, channels=3), anomaly_map))
            rows.append((relative.as_posix(), score))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(("file", "score"))
    writer.writerows((name, f"{score:.6f}") for name, score in rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / SCORES_NAME, text.getvalue().encode())
    return rows
