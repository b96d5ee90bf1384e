"""synthdefect: synthetic surface defects for industrial anomaly detection.

Image conventions (see :mod:`synthdefect.sample`): numpy images are HWC, ``uint8`` in [0, 255] or
``float32`` in [0, 1]; torch images are CHW / BCHW; masks are float32 in [0, 1], 1 = anomalous.

Layers: :mod:`synthdefect.functional` holds the pure kernels (numba/OpenCV, explicit parameters);
the transforms draw parameter records from a generator derived from ``(seed, index)`` and call
them; :class:`SyntheticAnomalyDataset` serves samples to PyTorch loaders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthdefect.files.anomaly_pairs import AnomalyPairs
from synthdefect.files.mask_folder import MaskFolder
from synthdefect.files.normal_images import NormalImages
from synthdefect.files.paths import NoImagesError, NoReadableImagesError
from synthdefect.files.readable import UnreadableImageWarning
from synthdefect.recipes import (
    PRESETS,
    Preset,
    RecipeOptions,
    SyntheticAnomaly,
    external_recipe,
    family_preset,
    family_table,
    get_preset,
    is_preset,
    load_recipe,
    make_recipe,
    preset_families,
    recipe_from_record,
    register_preset,
    replay,
    save_recipe,
)
from synthdefect.sample import AnomalyResult, Sample, SampleError
from synthdefect.sampler import EpochSampler
from synthdefect.seeding import sample_rng
from synthdefect.textures import (
    ArraySource,
    FolderSource,
    PathSource,
    ProceduralSource,
    SelfSource,
    TextureInput,
    TextureSource,
    as_texture_source,
    parse_textures,
)
from synthdefect.transforms import (
    BetaBlend,
    Compose,
    CutPastePatch,
    DiscMask,
    ExternalAnomaly,
    Foreground,
    FractalPatch,
    GaussianBetaBlend,
    GaussianNoise,
    GridShuffle,
    IntensityShift,
    IntensityTarget,
    MaskTransform,
    NSAPatches,
    PerlinMask,
    PerlinPairMask,
    PoissonBlend,
    RandomApply,
    RandomChoice,
    RandomRotate,
    RecordError,
    RectangleMask,
    ScarPatch,
    SoftBetaBlend,
    SolidColor,
    TextureAugment,
    TextureSample,
    Transform,
    find_step,
    register_transform,
    walk_records,
)

if TYPE_CHECKING:
    from synthdefect.dataset import SyntheticAnomalyDataset

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "AnomalyPairs",
    "AnomalyResult",
    "ArraySource",
    "BatchResult",
    "BetaBlend",
    "Compose",
    "CutPastePatch",
    "DiscMask",
    "EpochSampler",
    "ExternalAnomaly",
    "FolderSource",
    "Foreground",
    "FractalPatch",
    "GaussianBetaBlend",
    "GaussianNoise",
    "GridShuffle",
    "IntensityShift",
    "IntensityTarget",
    "MaskFolder",
    "MaskTransform",
    "NSAPatches",
    "NoImagesError",
    "NoReadableImagesError",
    "NormalImages",
    "PathSource",
    "PerlinMask",
    "PerlinPairMask",
    "PoissonBlend",
    "Preset",
    "ProceduralSource",
    "RandomApply",
    "RandomChoice",
    "RandomRotate",
    "RecipeOptions",
    "RecordError",
    "RectangleMask",
    "Sample",
    "SampleBatch",
    "SampleError",
    "ScarPatch",
    "SelfSource",
    "SoftBetaBlend",
    "SolidColor",
    "SyntheticAnomaly",
    "SyntheticAnomalyDataset",
    "TextureAugment",
    "TextureInput",
    "TextureSample",
    "TextureSource",
    "Transform",
    "UnreadableImageWarning",
    "__version__",
    "as_texture_source",
    "external_recipe",
    "family_preset",
    "family_table",
    "find_step",
    "get_preset",
    "is_preset",
    "load_recipe",
    "make_recipe",
    "parse_textures",
    "preset_families",
    "recipe_from_record",
    "register_preset",
    "register_transform",
    "replay",
    "sample_rng",
    "save_recipe",
    "walk_records",
]


def __getattr__(name: str) -> Any:
    # The dataset and the batch types need torch: importing them lazily keeps
    # `import synthdefect` light.
    if name == "SyntheticAnomalyDataset":
        from synthdefect.dataset import SyntheticAnomalyDataset

        return SyntheticAnomalyDataset
    if name in ("BatchResult", "SampleBatch"):
        from synthdefect import sample_batch

        return getattr(sample_batch, name)
    raise AttributeError(f"module 'synthdefect' has no attribute {name!r}")
