"""The ``imgaug`` extra: DRAEM's original imgaug pipeline as the texture augmentation.

Runs in its own environment (``make test-imgaug``: NumPy 1.23, imgaug 0.4.0); skipped where
imgaug is not installed or cannot import (it fails with NumPy 2).
"""

from __future__ import annotations

import numpy as np
import pytest

from synthdefect import SyntheticAnomaly, find_step

iaa = pytest.importorskip("imgaug.augmenters", exc_type=ImportError)


def draem_imgaug_pipeline():
    """The released DRAEM code's augmenters: 3 of 10, random order."""
    return iaa.SomeOf(
        3,
        [
            iaa.GammaContrast((0.5, 2.0), per_channel=True),
            iaa.MultiplyAndAddToBrightness(mul=(0.8, 1.2), add=(-30, 30)),
            iaa.pillike.EnhanceSharpness(),
            iaa.AddToHueAndSaturation((-50, 50), per_channel=True),
            iaa.Solarize(0.5, threshold=(32, 128)),
            iaa.Posterize(),
            iaa.Invert(),
            iaa.pillike.Autocontrast(),
            iaa.pillike.Equalize(),
            iaa.Affine(rotate=(-45, 45)),
        ],
        random_order=True,
    )


def test_environment_has_the_numpy_imgaug_needs():
    assert np.__version__.startswith("1.23.")


def test_imgaug_pipeline_drives_the_texture_augmentation(rgb_image):
    anomaly = SyntheticAnomaly(augment=draem_imgaug_pipeline(), p_anomaly=1.0, min_area=0.02)
    results = [anomaly(rgb_image, seed=0, index=i) for i in range(6)]
    for res in results:
        augment = find_step(res.params, "augment")
        assert res.label == 1 and set(augment["params"]) == {"seed"}
        again = anomaly.replay(rgb_image, res.params)
        assert np.array_equal(again.image, res.image)
    assert len({find_step(r.params, "augment")["params"]["seed"] for r in results}) == 6
    plain = SyntheticAnomaly(ops=["invert"], k=1, p_anomaly=1.0, min_area=0.02)
    assert not np.array_equal(plain(rgb_image, seed=0).image, results[0].image)


def test_imgaug_on_real_textures(bottle_train_dir, dtd_dir):
    from synthdefect.files.normal_images import NormalImages

    image = NormalImages(bottle_train_dir, size=(96, 96))[0]
    anomaly = SyntheticAnomaly(textures=dtd_dir, augment=draem_imgaug_pipeline(), p_anomaly=1.0)
    res = anomaly(image, seed=1)
    assert np.array_equal(anomaly.replay(image, res.params).image, res.image)
