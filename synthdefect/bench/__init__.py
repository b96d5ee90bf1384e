"""Throughput benchmarks behind ``synthdefect bench`` (figures are printed, never asserted).

:mod:`synthdefect.bench.runner` measures; :mod:`synthdefect.bench.baseline` is the numpy
implementation measured beside synthdefect's kernels.
"""
