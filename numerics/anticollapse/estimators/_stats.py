"""Shared numerical helpers of the anti-collapse estimators (private to the subpackage).

Small NumPy routines that several estimator modules use: finite filtering, least squares,
a NumPy generator seeded from a JAX key, percentile intervals, moving-block bootstrap
indices and power-of-two padding.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

__all__ = ["finite_1d", "ols", "seed_of", "percentile_ci", "block_indices", "pow2"]


def finite_1d(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    a = a[np.isfinite(a)]
    if a.size == 0:
        raise ValueError(f"{name} has no finite entries; need at least one")
    return a


def ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares `y ≈ X c`: coefficients and residual sum of squares."""
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ coef
    return coef, float(r @ r)


def seed_of(key: PRNGKeyArray) -> np.random.Generator:
    """A NumPy generator seeded from a JAX key (local, never global)."""
    bits = np.asarray(jax.random.randint(key, (2,), 0, 2**31 - 1, dtype=jnp.int32))
    return np.random.default_rng([int(b) for b in bits])


def percentile_ci(samples: np.ndarray, level: float = 0.90) -> tuple[float, float]:
    s = samples[np.isfinite(samples)]
    if s.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - level) / 2.0
    return float(np.quantile(s, a)), float(np.quantile(s, 1.0 - a))


def block_indices(rng: np.random.Generator, n: int, n_boot: int, block: int) -> np.ndarray:
    """Moving-block bootstrap: `(n_boot, n)` indices into a length-`n` sequence."""
    block = max(1, min(block, n))
    nb = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)
    return idx[:, :n]


def pow2(m: int) -> int:
    return 1 << max(0, int(m) - 1).bit_length()
