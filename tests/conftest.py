"""Test configuration: float64 before any array exists; threads pinned for 2-core CI."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numerics  # noqa: E402,F401  (enables jax_enable_x64)
