"""Pure kernels: every parameter explicit, no randomness (torchvision's ``functional`` idea).

Images are HWC ``uint8`` unless a kernel says otherwise; masks are ``(H, W)`` float32.
"""

from synthdefect.functional.anomaly_sources import (
    gaussian_noise,
    grid_shuffle,
    solid_color,
    transplant,
)
from synthdefect.functional.blend import beta_blend, poisson_blend
from synthdefect.functional.foreground import estimate_foreground
from synthdefect.functional.fractal import ifs_raster, singular_values
from synthdefect.functional.geometry import rotate
from synthdefect.functional.masks import (
    anomalous_pixels,
    marked_pixels,
    mask_area,
    mask_levels,
    perlin_mask,
)
from synthdefect.functional.perlin import (
    fractal_perlin_noise,
    octave_seed,
    perlin_gradients,
    perlin_noise,
)
from synthdefect.functional.shapes import (
    combine_masks,
    dilate_mask,
    ellipses_mask,
    rectangle_mask,
)
from synthdefect.functional.texture_ops import (
    autocontrast,
    brightness,
    color,
    color_jitter,
    contrast,
    equalize,
    gamma,
    grayscale,
    hflip,
    hue_saturation,
    invert,
    posterize,
    rotate_texture,
    scale_channels,
    sharpness,
    solarize,
    vflip,
)

__all__ = [
    "anomalous_pixels",
    "autocontrast",
    "beta_blend",
    "brightness",
    "color",
    "color_jitter",
    "combine_masks",
    "contrast",
    "dilate_mask",
    "ellipses_mask",
    "equalize",
    "estimate_foreground",
    "fractal_perlin_noise",
    "gamma",
    "gaussian_noise",
    "grayscale",
    "grid_shuffle",
    "hflip",
    "hue_saturation",
    "ifs_raster",
    "invert",
    "marked_pixels",
    "mask_area",
    "mask_levels",
    "octave_seed",
    "perlin_gradients",
    "perlin_mask",
    "perlin_noise",
    "poisson_blend",
    "posterize",
    "rectangle_mask",
    "rotate",
    "rotate_texture",
    "scale_channels",
    "sharpness",
    "singular_values",
    "solarize",
    "solid_color",
    "transplant",
    "vflip",
]
