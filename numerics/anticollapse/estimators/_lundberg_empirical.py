r"""The empirical Lundberg root of observed increments: the predicted spectral exponent.

[§7.10][anticollapse-s7-10] `beta_pred`: the positive root of the empirical discrete
Lundberg function of far-left increments, with a moving-block bootstrap interval.

| code name | symbol | meaning |
|---|---|---|
| `Phi_d` | $\hat\Phi_d(\theta)=\log\frac1n\sum e^{-\theta\Delta\zeta_i}$ | empirical discrete Lundberg function |
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from numerics.anticollapse.estimators._stats import block_indices, percentile_ci, pow2, seed_of

__all__ = ["BetaPred", "beta_pred"]


class BetaPred(NamedTuple):
    """Root of the empirical discrete Lundberg function, 90% block-bootstrap CI, runaway
    flag, and the bootstrap roots (`boot`; 0 for resamples with mean ≤ 0)."""

    beta: float
    lo: float
    hi: float
    runaway: bool
    boot: np.ndarray | None = None


@functools.partial(jax.jit, static_argnames=("iters",))
def _lundberg_roots(dz: Array, w: Array, iters: int = 60) -> Array:
    r"""Positive roots of $\hat\Phi(\theta)=\log\sum_i w_ie^{-\theta\Delta\zeta_i}/\sum w=0$ per row of `w`.

    Start at $\theta_0=(\log(W/w_j)+1)/|\Delta\zeta_j|$ (j: most negative increment),
    where $\hat\Phi>0$; Newton steps from the right of a convex function decrease
    monotonically to the root. Rows with mean ≤ 0 give 0 (the runaway limit), rows
    without a negative increment give ∞."""

    def one(wr):
        W = wr.sum()
        mean = (wr * dz).sum() / W
        neg = jnp.where(wr > 0, dz, jnp.inf)
        j = jnp.argmin(neg)
        m = neg[j]
        th0 = (jnp.log(W / wr[j]) + 1.0) / jnp.maximum(-m, 1e-300)

        def newton(_, th):
            e = -th * dz
            lse = jax.scipy.special.logsumexp(e, b=wr)
            p = wr * jnp.exp(e - lse)
            phi = lse - jnp.log(W)
            dphi = -(p * dz).sum()
            return jnp.maximum(th - phi / dphi, 0.0)

        def cond(c):
            i, th, prev = c
            return (i < iters) & (jnp.abs(th - prev) > 1e-12 * (1.0 + th))

        def body(c):
            i, th, _ = c
            return i + 1, newton(i, th), th

        root = jax.lax.while_loop(cond, body, (0, newton(0, th0), th0))[1]
        root = jnp.where(m < 0, root, jnp.inf)
        return jnp.where(mean > 0, root, 0.0)

    return jax.vmap(one)(w)


def beta_pred(
    increments: Float[Array, "n ..."],
    key: PRNGKeyArray,
    *,
    block: int | None = None,
    n_boot: int = 500,
) -> BetaPred:
    r"""$\hat\beta_{\mathrm{pred}}$ ([§7.10][anticollapse-s7-10]): the positive root of
    $\hat\Phi_d(\beta)=\log\frac1n\sum_ie^{-\beta\Delta\zeta_i}=0$ over far-left
    increments Δζ (positive Δζ = pull toward short τ). "No root (runaway)" when
    $\overline{\Delta\zeta}\le0$ (then `beta` is NaN, `runaway` True); β = ∞ if
    no increment is negative (no push). CI: 90% moving-block bootstrap over axis 0
    (time; block $\lceil n^{1/3}\rceil$ unless given), rows of a 2-D input kept together."""
    d = np.asarray(increments, dtype=np.float64)
    d = d.reshape(d.shape[0], -1)
    T = d.shape[0]
    flat = d.ravel()
    ok = np.isfinite(flat)
    if ok.sum() < 2:
        raise ValueError("increments have fewer than 2 finite entries")
    runaway = bool(flat[ok].mean() <= 0)
    base = np.where(ok, 1.0, 0.0)
    # zero-weight padding to a power of two (>= 4096): exact, and one compilation serves many sizes
    pad = max(4096, pow2(flat.size)) - flat.size
    dz = jnp.asarray(np.concatenate([np.where(ok, flat, 0.0), np.zeros(pad)]))
    root = float(_lundberg_roots(dz, jnp.asarray(np.concatenate([base, np.zeros(pad)]))[None])[0])
    rng = seed_of(key)
    blk = block or int(math.ceil(T ** (1.0 / 3.0)))
    idx = block_indices(rng, T, n_boot, blk)
    counts = np.stack([np.bincount(r, minlength=T) for r in idx]).astype(np.float64)  # (B, T)
    w = (counts[:, :, None] * base.reshape(T, -1)[None]).reshape(n_boot, -1)
    boots = np.asarray(_lundberg_roots(dz, jnp.asarray(np.pad(w, ((0, 0), (0, pad))))))
    lo, hi = percentile_ci(boots)
    return BetaPred(float("nan") if runaway else root, lo, hi, runaway, boots)
