"""The one image-file layer: which files a spec names, decoding with one skip policy, the
bounded cache, atomic writes, and the folders built on them (normal images, masks).

* :mod:`~synthdefect.files.paths`: :func:`resolve_image_paths`, :func:`find_images`,
  :func:`fixed_root`, :class:`NoImagesError`;
* :mod:`~synthdefect.files.codec`: :func:`read_image`, :func:`read_mask`,
  :func:`encode_image`, :func:`encode_mask`, :func:`write_image`, :func:`image_note`;
* :mod:`~synthdefect.files.jpeg`: JPEG frame headers and the reduced (DCT-scaled) decode;
* :mod:`~synthdefect.files.orientation`: the EXIF orientation of JPEG, PNG, WebP and TIFF files;
* :mod:`~synthdefect.files.atomic`: :func:`write_atomic`, :func:`write_json`;
* :mod:`~synthdefect.files.readable`: :class:`ImageFiles`, the skip policy;
* :mod:`~synthdefect.files.cache`: :class:`ArrayCache`;
* :mod:`~synthdefect.files.normal_images`: :class:`NormalImages`;
* :mod:`~synthdefect.files.mask_folder`: :class:`MaskFolder`;
* :mod:`~synthdefect.files.anomaly_pairs`: :class:`AnomalyPairs`, anomalies made elsewhere.

Pixel conversions (``to_uint8``, ``match_channels``) live in :mod:`synthdefect.pixels`.
"""

from synthdefect.files.anomaly_pairs import AnomalyPairs
from synthdefect.files.atomic import write_atomic, write_json
from synthdefect.files.cache import ArrayCache
from synthdefect.files.codec import (
    ImageReadError,
    MaskValuesError,
    encode_image,
    encode_mask,
    image_note,
    read_image,
    read_mask,
    write_image,
)
from synthdefect.files.mask_folder import MaskFolder
from synthdefect.files.normal_images import NormalImages
from synthdefect.files.paths import (
    IMAGE_SUFFIXES,
    NoImagesError,
    NoReadableImagesError,
    PathSpec,
    find_images,
    fixed_root,
    looks_like_image,
    resolve_image_paths,
)
from synthdefect.files.readable import ImageFiles, UnreadableImageWarning

__all__ = [
    "IMAGE_SUFFIXES",
    "AnomalyPairs",
    "ArrayCache",
    "ImageFiles",
    "ImageReadError",
    "MaskFolder",
    "MaskValuesError",
    "NoImagesError",
    "NoReadableImagesError",
    "NormalImages",
    "PathSpec",
    "UnreadableImageWarning",
    "encode_image",
    "encode_mask",
    "find_images",
    "fixed_root",
    "image_note",
    "looks_like_image",
    "read_image",
    "read_mask",
    "resolve_image_paths",
    "write_atomic",
    "write_image",
    "write_json",
]
