"""Batch kernels on torch tensors: the kernels of :mod:`synthdefect.functional` for a whole
``(B, C, H, W)`` batch on any torch device, with per-sample parameters.

Each one reproduces its numpy/numba/OpenCV twin from the same explicit parameters (the tests
compare them on CPU torch): images are ``(B, C, H, W)`` ``uint8`` in [0, 255] or ``float32`` in
[0, 1], masks ``(B, H, W)`` ``float32`` in [0, 1]. Parameters that are cheap to prepare (lookup
tables, rotation matrices, Perlin gradients) are prepared on the host by the same code the
numpy kernels use and moved to the batch's device. Importing this package imports torch.
"""
