"""Pure kernels: every parameter explicit, no randomness (torchvision's ``functional`` idea).

Images are HWC ``uint8`` unless a kernel says otherwise; masks are ``(H, W)`` float32.
"""

from synthdefect.functional.blend import beta_blend
from synthdefect.functional.geometry import rotate
from synthdefect.functional.masks import mask_area, perlin_mask, perlin_masks
from synthdefect.functional.perlin import (
    fractal_perlin_noise,
    octave_seed,
    perlin_gradients,
    perlin_noise,
)
from synthdefect.functional.texture_ops import (
    autocontrast,
    brightness,
    color,
    equalize,
    gamma,
    hue_saturation,
    invert,
    posterize,
    rotate_texture,
    sharpness,
    solarize,
)

__all__ = [
    "autocontrast",
    "beta_blend",
    "brightness",
    "color",
    "equalize",
    "fractal_perlin_noise",
    "gamma",
    "hue_saturation",
    "invert",
    "mask_area",
    "octave_seed",
    "perlin_gradients",
    "perlin_mask",
    "perlin_masks",
    "perlin_noise",
    "posterize",
    "rotate",
    "rotate_texture",
    "sharpness",
    "solarize",
]
