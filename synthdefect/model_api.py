"""The part of synthdefect a model package builds on, in one place.

``reference_model`` imports synthdefect only from here, from the package's top-level names
(:mod:`synthdefect`) and from :mod:`synthdefect.generate`; ``tests/test_model_boundary.py``
keeps it so. Each name is defined, and documented, where it lives:

* images and masks: :func:`find_images`, :func:`read_image`, :func:`read_mask`,
  :func:`write_image`, :func:`write_atomic` (:mod:`synthdefect.files`); :func:`resize`
  (:mod:`synthdefect.functional.geometry`), :func:`anomalous_pixels`
  (:mod:`synthdefect.functional.masks`); :func:`image_to_tensor` and :data:`IMAGE_DTYPES`
  (:mod:`synthdefect.convert`);
* a generated run: :data:`MANIFEST_NAME`, :func:`read_manifest`, :class:`ManifestError`
  (:mod:`synthdefect.generate.manifest`); the training data's :func:`folders_fingerprint`
  (:mod:`synthdefect.generate.inputs`);
* training keys and limits: :data:`Key`, :func:`parse_key` (:mod:`synthdefect.sampler`,
  :mod:`synthdefect.dataset`), :data:`SYNTHESIS_BACKENDS` (:mod:`synthdefect.dataset`),
  :data:`MIN_TRAINING_SAMPLES`, :func:`side_problem`
  (:mod:`synthdefect.limits`), :data:`DEFAULT_PRESET` (:mod:`synthdefect.recipes`);
* output folders and processes: :class:`OutputError`, :func:`claim_file`,
  :func:`close_inherited_locks`, :func:`distinct_names`, :func:`folder_lock`,
  :func:`refuse_links` (:mod:`synthdefect.outputs`), :func:`end_with_parent`
  (:mod:`synthdefect.generate.lifetime`).
"""

from synthdefect.convert import IMAGE_DTYPES, image_to_tensor
from synthdefect.dataset import SYNTHESIS_BACKENDS, parse_key
from synthdefect.files.atomic import write_atomic
from synthdefect.files.codec import read_image, read_mask, write_image
from synthdefect.files.paths import find_images
from synthdefect.functional.geometry import resize
from synthdefect.functional.masks import anomalous_pixels
from synthdefect.generate.inputs import folders_fingerprint
from synthdefect.generate.lifetime import end_with_parent
from synthdefect.generate.manifest import MANIFEST_NAME, ManifestError, read_manifest
from synthdefect.limits import MIN_TRAINING_SAMPLES, side_problem
from synthdefect.outputs import (
    OutputError,
    claim_file,
    close_inherited_locks,
    distinct_names,
    folder_lock,
    refuse_links,
)
from synthdefect.recipes import DEFAULT_PRESET
from synthdefect.sampler import Key

__all__ = [
    "DEFAULT_PRESET",
    "IMAGE_DTYPES",
    "MANIFEST_NAME",
    "MIN_TRAINING_SAMPLES",
    "SYNTHESIS_BACKENDS",
    "Key",
    "ManifestError",
    "OutputError",
    "anomalous_pixels",
    "claim_file",
    "close_inherited_locks",
    "distinct_names",
    "end_with_parent",
    "find_images",
    "folder_lock",
    "folders_fingerprint",
    "image_to_tensor",
    "parse_key",
    "read_image",
    "read_manifest",
    "read_mask",
    "refuse_links",
    "resize",
    "side_problem",
    "write_atomic",
    "write_image",
]
