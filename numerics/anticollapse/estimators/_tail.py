r"""Per-unit time scales and the tail exponent of their distribution.

[§7.2][anticollapse-s7-2] `unit_timescales`; [§7.3][anticollapse-s7-3] `beta_tail` (CCDF fit
with a bootstrap over units), `hill_beta` and the generic Hill estimator `hill_tail`.

| code name | symbol | meaning |
|---|---|---|
| `tau` | $\tau_q=1/\bar\mu_q$ | per-unit time scale (steps); non-finite entries are dropped |
| `beta` | $\beta$ | spectral exponent, $P(\tau>x)\sim Cx^{-\beta}$ |
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from numerics.anticollapse.estimators._stats import finite_1d, percentile_ci, seed_of

__all__ = ["TailFit", "unit_timescales", "ccdf_design", "beta_tail", "hill_tail", "hill_beta"]


def unit_timescales(
    log_mu: Float[Array, "L H"],
    lags: Float[Array, " L"],
    *,
    window: tuple[float, float] = (64.0, 384.0),
    is_log: bool = True,
    n_fit_lags: int | None = 32,
) -> tuple[Float[Array, " H"], int]:
    r"""Per-unit time scales from $\mathbb E\log|\mu_q(\ell)|$ ([§7.2][anticollapse-s7-2]).

    $\bar\mu_q$ is minus the OLS slope of `log_mu[:, q]` on ℓ over `n_fit_lags`
    (32 in the formulation) lags in `window` (default [64, 384]): the grid lags in the window, thinned
    to `n_fit_lags` evenly spaced by grid index (both ends kept; all of them when the
    window holds no more; `None`: all of them, e.g. 108 of the default 128-point grid);
    $\tau_q=1/\bar\mu_q$. Units with a
    non-negative slope are rejected: their τ is NaN (no τ = ∞ is manufactured) and
    they are counted. Pass `is_log=False` to give $|\mu|$ itself.

    Returns:
        `(tau, n_rejected)`: `tau` has shape `(H,)` with NaN at rejected units.
    """
    y = np.asarray(log_mu, dtype=np.float64)
    if not is_log:
        y = np.log(np.abs(y))
    if y.ndim == 1:
        y = y[:, None]
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    if y.shape[0] != lag.size:
        raise ValueError(f"log_mu has {y.shape[0]} lags but lags has {lag.size}; they must match")
    if n_fit_lags is not None and n_fit_lags < 2:
        raise ValueError(f"n_fit_lags={n_fit_lags} is out of range; allowed: None or >= 2")
    inside = np.nonzero((lag >= window[0]) & (lag <= window[1]))[0]
    if inside.size < 2:
        raise ValueError(f"window {window} holds {inside.size} lags; need at least 2")
    if n_fit_lags is not None and inside.size > n_fit_lags:
        inside = inside[np.round(np.linspace(0, inside.size - 1, n_fit_lags)).astype(int)]
    m = np.zeros(lag.size, dtype=bool)
    m[inside] = True
    x = lag[m] - lag[m].mean()
    slope = (x @ (y[m] - y[m].mean(axis=0))) / (x @ x)
    ok = np.isfinite(slope) & (slope < 0)
    tau = np.where(ok, -1.0 / np.where(ok, slope, -1.0), np.nan)
    return tau, int((~ok).sum())


class TailFit(NamedTuple):
    """CCDF tail fit: exponent, $R^2$, 90% bootstrap interval, $P(\\hat\\beta<1)$,
    and the bootstrap replicates (`boot`; for `ordering_probability`)."""

    beta: float
    r2: float
    lo: float
    hi: float
    p_below_one: float
    n_points: int
    boot: np.ndarray | None = None


def ccdf_design(n: int, q: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    r"""The CCDF points `beta_tail` fits for a sample of size `n`: the mask of the order
    statistics with $i/n\in[q_0,q_1]$ and their $\log\hat S=\log((n-i+0.5)/n)$."""
    i = np.arange(1, n + 1)
    sel = (i / n >= q[0]) & (i / n <= q[1])
    return sel, np.log((n - i[sel] + 0.5) / n)


def _ccdf_slope(logx_sorted: np.ndarray, sel: np.ndarray, logS: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Negative OLS slope of log S on log x along the last axis, and R²."""
    x = logx_sorted[..., sel]
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = logS - logS.mean()
    sxx = (xc * xc).sum(axis=-1)
    sxy = (xc * yc).sum(axis=-1)
    slope = sxy / sxx
    r2 = sxy**2 / (sxx * (yc @ yc))
    return -slope, r2


def beta_tail(
    tau: Float[Array, " H"],
    key: PRNGKeyArray,
    *,
    q: tuple[float, float] = (0.75, 0.995),
    n_boot: int = 2000,
) -> TailFit:
    r"""CCDF exponent $\hat\beta_{\mathrm{tail}}$ ([§7.3][anticollapse-s7-3]).

    OLS of $\log\hat S(\tau_{(i)})=c-\beta\log\tau_{(i)}$ with plotting positions
    $\hat S(\tau_{(i)})=(n-i+0.5)/n$ over $i/n\in[q_0,q_1]$; a bootstrap
    over units (`n_boot` resamples) gives the 90% percentile interval and
    $P(\hat\beta<1)$.
    """
    t = finite_1d(tau, "tau")
    if np.any(t <= 0):
        raise ValueError("tau must be positive")
    n = t.size
    sel, logS = ccdf_design(n, q)
    if sel.sum() < 3:
        raise ValueError(f"{int(sel.sum())} CCDF points in quantile range {q}; need >= 3 (more units)")
    logt = np.log(np.sort(t))
    beta, r2 = _ccdf_slope(logt, sel, logS)
    boots = np.empty(0)
    if n_boot > 0:
        rng = seed_of(key)
        chunk = max(1, int(4e6 // n))
        out = []
        for s in range(0, n_boot, chunk):
            b = min(chunk, n_boot - s)
            idx = rng.integers(0, n, size=(b, n))
            out.append(_ccdf_slope(np.sort(logt[idx], axis=1), sel, logS)[0])
        boots = np.concatenate(out)
    lo, hi = percentile_ci(boots)
    p1 = float(np.mean(boots < 1.0)) if boots.size else float("nan")
    return TailFit(float(beta), float(r2), lo, hi, p1, int(sel.sum()), boots)


def hill_tail(x: Float[Array, " n"], k: int) -> float:
    r"""Hill estimator of the tail index of positive samples `x` over the top `k`:
    $\big[\frac1k\sum_{i<k}(\log x_{(n-i)}-\log x_{(n-k)})\big]^{-1}$ (sd ≈ index/√k)."""
    a = finite_1d(x, "x")
    if not 1 <= k < a.size:
        raise ValueError(f"k={k} is out of range; allowed: 1 <= k < n={a.size}")
    top = np.log(np.partition(a, a.size - k - 1)[a.size - k - 1 :])  # k+1 largest
    ref = top.min()
    return float(1.0 / np.mean(np.sort(top)[1:] - ref))


def hill_beta(tau: Float[Array, " H"], k: int) -> float:
    r"""$\hat\beta_H$: Hill on log τ over the top `k` units ([§7.3][anticollapse-s7-3])."""
    return hill_tail(tau, k)
