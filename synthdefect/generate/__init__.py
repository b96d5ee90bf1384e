"""Offline dataset generation: the API behind ``synthdefect generate`` and ``synthdefect preview``.

>>> from synthdefect.generate import GenerateConfig, generate
>>> report = generate(GenerateConfig(n=100, out="out/demo"), workers=2)  # doctest: +SKIP
>>> print(report.line())  # doctest: +SKIP

See ``docs/generate.md`` for the output layouts, the manifest, resuming and sharding.
"""

from synthdefect.generate.config import (
    GenerateConfig,
    GenerateError,
    Shard,
    WorkerDiedError,
    parse_size,
)
from synthdefect.generate.layout import DEFECT_TYPE
from synthdefect.generate.preview import contact_sheet, write_preview
from synthdefect.generate.runner import generate
from synthdefect.generate.samples import default_images
from synthdefect.generate.shard import merge_shards
from synthdefect.generate.summary import RunReport
from synthdefect.limits import default_workers

__all__ = [
    "DEFECT_TYPE",
    "GenerateConfig",
    "GenerateError",
    "RunReport",
    "Shard",
    "WorkerDiedError",
    "contact_sheet",
    "default_images",
    "default_workers",
    "generate",
    "merge_shards",
    "parse_size",
    "write_preview",
]
