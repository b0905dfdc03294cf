"""Plumbing shared by every stage: atomic file writes, YAML reading, folder listing, numba kernels.

One helper for each, so that every stage writes, reads and lists files the same way:
:mod:`arclf.util.files` and :mod:`arclf.util.jit`. Nothing here knows about Arabic or classifiers.
"""
