"""Numerics: JAX, diffrax, optax and equinox. Everything that produces numbers.

Importing this package enables float64 (``jax_enable_x64``) before any array exists;
every submodule imports it first, so no float32 array is ever created by the toolkit.

It also defaults the host BLAS libraries (OpenBLAS/MKL, used by NumPy, SciPy and JAX's
host LAPACK calls such as ``eigvals``) to one thread unless the user has set them:
the toolkit's CPU work is many small O(N^3) calls next to XLA's own thread pool, and
oversubscribed BLAS threads were measured to make an N=100 training run ~10x slower.
Export ``OPENBLAS_NUM_THREADS`` yourself to override.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

__all__: list[str] = []
