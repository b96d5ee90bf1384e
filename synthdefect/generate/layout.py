"""Where each sample's files go, per folder layout. Paths are relative to the output folder.

``flat`` (default; every sample has an image and a mask, the mask all zero for label 0)::

    images/000042.png   masks/000042.png   [normal/000042.png with --with-normal]

``mvtec`` (the MVTec AD layout that anomalib's Folder/MVTecAD datamodules and our reference
model's evaluator read)::

    test/synthetic/000042.png  ground_truth/synthetic/000042_mask.png   label 1
    test/good/000017.png                                                label 0 (no mask)
    train/good/000003.png      normal image 3 as read (resized), untouched

``train/good`` holds each normal source image once (written by the sample of the same index, so
shards never collide): MVTec readers need the folder. These are the images the test samples were
made from, so train a model on other normal images for an honest evaluation.
"""

from __future__ import annotations

from synthdefect.generate.config import GenerateConfig, Shard

__all__ = ["DEFECT_TYPE", "LAYOUT_ENTRIES", "layout_folders", "run_file", "sample_files"]

DEFECT_TYPE = "synthetic"
"""The ``test/<type>`` and ``ground_truth/<type>`` folder name of generated defects (mvtec)."""

LAYOUT_ENTRIES = frozenset({"images", "masks", "normal", "train", "test", "ground_truth"})
"""Top-level folders a run may create."""


def sample_files(
    config: GenerateConfig, index: int, label: int, with_train: bool = False
) -> dict[str, str]:
    """Role -> relative POSIX path of sample ``index``'s files.

    Roles: ``image`` (always), ``mask`` (flat always, mvtec for label 1), ``normal`` (flat with
    ``with_normal``), ``train`` (mvtec when ``with_train``: the sample's source normal image).
    """
    stem = f"{index:06d}"
    image_name = stem + config.suffix
    if config.layout == "flat":
        files = {"image": f"images/{image_name}", "mask": f"masks/{stem}.png"}
        if config.with_normal:
            files["normal"] = f"normal/{image_name}"
        return files
    if label:
        files = {
            "image": f"test/{DEFECT_TYPE}/{image_name}",
            "mask": f"ground_truth/{DEFECT_TYPE}/{stem}_mask.png",
        }
    else:
        files = {"image": f"test/good/{image_name}"}
    if with_train:
        files["train"] = f"train/good/{image_name}"
    return files


def layout_folders(config: GenerateConfig) -> list[str]:
    """Every folder (relative) that :func:`sample_files` can name for this config."""
    if config.layout == "flat":
        return ["images", "masks"] + (["normal"] if config.with_normal else [])
    return ["test/good", f"test/{DEFECT_TYPE}", f"ground_truth/{DEFECT_TYPE}", "train/good"]


def run_file(stem: str, extension: str, shard: Shard | None) -> str:
    """Name of a per-run record: ``manifest.jsonl``, or ``manifest.shard-0-of-4.jsonl`` for a shard.

    ``stem`` is ``"config"``, ``"manifest"`` or ``"summary"``; ``extension`` includes the dot.
    """
    return stem + extension if shard is None else f"{stem}.{shard.tag}{extension}"
