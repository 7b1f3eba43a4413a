r"""Lag profiles, fitted powers and anisotropy metrics ([§7][gating-s7]–§8).

| code name | symbol | meaning |
|---|---|---|
| `S` | $S_{t,k}=\|M_{t,k}\|_2$ | transport norm of a pair |
| `profile` | $\tilde\mu(h)$ | $\mathrm{median}_{t-k=h}S_{t,k}/\mathrm{median}_{t-k=1}S_{t,k}$ |
| `P_g`, `P_ret` | $\prod g$, $\prod(1-g)$ | zeroth-order predictors (vector gate: mean over neurons) |
| `s`, `R2` | $s$, $R^2$ | OLS slope of $\log S$ on $\log P$ (central 1–99 % of $P$) |
| `valid` | $k+\ell\le T$ | which `[lag-1, k]` entries are real windows |
| `AI`, `CE` | $\mathrm{AI}_r=\sigma_1/\sigma_r$, $\mathrm{CE}_r=\sum_{i\le r}\sigma_i^2/\sum_i\sigma_i^2$ | anisotropy index, energy concentration, $r=10$ |

`lag_medians` and `fit_power` run on the host (NumPy); `masked_median` and
`masked_fit_power` compute the same numbers on the device (JAX, fixed shapes: invalid
entries masked, not dropped), so an accelerator returns a few per-lag numbers instead of the
full arrays (tested equal to the NumPy versions).

Products that underflow ($\sigma_1$ below `UNDERFLOW`) get `NaN` metrics and a
flag, never $\mathrm{CE}=0$ ([§8][gating-s8] protocol notes).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from numerics.core import singular_values

__all__ = [
    "UNDERFLOW",
    "anisotropy",
    "gradient_anisotropy",
    "lag_medians",
    "fit_power",
    "masked_median",
    "masked_fit_power",
    "local_power",
    "per_example_gradients",
]

#: A product whose largest singular value is below this is reported as underflowed:
#: its squared singular values (the CE denominator) are then below ~1e-280, where
#: float64 loses the small part of the spectrum.
UNDERFLOW: float = 1e-140


def anisotropy(
    sv: Float[Array, "*b n"], r: int = 10
) -> tuple[Float[Array, "*b"], Float[Array, "*b"], Bool[Array, "*b"]]:
    r"""`(AI_r, CE_r, underflow)` from singular values sorted in decreasing order.

    $\mathrm{CE}_r$ is normalised by the full spectrum. Where the spectrum has
    fewer than `r` values, $\sigma_r$ is the smallest one. Underflowed products
    (`sv[..., 0] < UNDERFLOW`) get `NaN` for both metrics.
    """
    if r < 1:
        raise ValueError(f"r={r} is out of range; allowed: r >= 1")
    rr = min(r, sv.shape[-1])
    under = sv[..., 0] < UNDERFLOW
    s2 = sv**2
    ai = sv[..., 0] / sv[..., rr - 1]
    ce = jnp.sum(s2[..., :rr], axis=-1) / jnp.sum(s2, axis=-1)
    nan = jnp.nan
    return jnp.where(under, nan, ai), jnp.where(under, nan, ce), under


def gradient_anisotropy(
    G: Float[Array, "n p"], r: int = 10, drop_tol: float = 1e-10
) -> tuple[Float[Array, ""], Float[Array, ""], Float[Array, " k"]]:
    r"""Update anisotropy of per-example gradients (rows: examples, columns: parameters).

    [§7][gating-s7]: rows normalised to unit norm, columns centred, columns with
    $\|\cdot\|\le$ `drop_tol` $\sqrt{n}$ dropped (zeroed, which removes them from the
    spectrum), then the singular values (`numerics.core.singular_values`: the
    SVD on a CPU, the batched Golub–Kahan route on an accelerator); their squares are the eigenvalues of the
    gradient covariance. Returns `(AI_r, CE_r, singular values)`.
    """
    n = G.shape[0]
    G = G / jnp.maximum(jnp.linalg.norm(G, axis=1, keepdims=True), 1e-300)
    G = G - jnp.mean(G, axis=0, keepdims=True)
    keep = jnp.linalg.norm(G, axis=0) > drop_tol * jnp.sqrt(n)
    G = jnp.where(keep[None, :], G, 0.0)
    sv = singular_values(G)
    ai, ce, _ = anisotropy(sv, r)
    return ai, ce, sv


def lag_medians(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    r"""Per-lag median over the valid entries of `values[..., lag-1, k]` (leading axes pooled).

    `values` and `valid` have shape `(..., L, T)`; the result has shape `(L,)`.
    """
    v = np.moveaxis(np.asarray(values), -2, 0).reshape(values.shape[-2], -1)
    m = np.moveaxis(np.asarray(valid), -2, 0).reshape(valid.shape[-2], -1)
    return np.array([np.median(row[mask]) if mask.any() else np.nan for row, mask in zip(v, m)])


def fit_power(S: np.ndarray, P: np.ndarray, q: tuple[float, float] = (0.01, 0.99)) -> tuple[float, float, int]:
    r"""`(s, R2, n)`: OLS slope of $\log S$ on $\log P$ over pairs with $P$
    inside its central quantiles `q` (spec S1), with the coefficient of determination."""
    S, P = np.ravel(S), np.ravel(P)
    ok = (S > 0) & (P > 0) & np.isfinite(S) & np.isfinite(P)
    S, P = S[ok], P[ok]
    if P.size < 3:
        return float("nan"), float("nan"), int(P.size)
    lo, hi = np.quantile(P, q)
    sel = (P >= lo) & (P <= hi)
    x, y = np.log(P[sel]), np.log(S[sel])
    if x.size < 3 or np.ptp(x) == 0:
        return float("nan"), float("nan"), int(x.size)
    slope, icpt = np.polyfit(x, y, 1)
    resid = y - (slope * x + icpt)
    r2 = 1.0 - np.sum(resid**2) / np.sum((y - y.mean()) ** 2)
    return float(slope), float(r2), int(x.size)


def masked_median(values: Float[Array, "*shape"], valid: Bool[Array, "*vshape"], axis: int) -> Float[Array, " L"]:
    r"""Median of the valid entries of `values` over every axis but `axis` (JAX; `NaN` where none).

    The device form of `lag_medians`: invalid entries are sorted to the end as
    $+\infty$; with $n$ valid entries the median is the mean of the sorted entries
    $\lfloor(n-1)/2\rfloor$ and $\lfloor n/2\rfloor$ (NumPy's definition).
    `valid` broadcasts against `values`.
    """
    L = values.shape[axis]
    x = jnp.moveaxis(values, axis, 0).reshape(L, -1)
    m = jnp.moveaxis(jnp.broadcast_to(valid, values.shape), axis, 0).reshape(L, -1)
    xs = jnp.sort(jnp.where(m, x, jnp.inf), axis=1)
    n = jnp.sum(m, axis=1)
    lo = jnp.take_along_axis(xs, jnp.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = jnp.take_along_axis(xs, jnp.minimum(n // 2, x.shape[1] - 1)[:, None], axis=1)[:, 0]
    return jnp.where(n > 0, (lo + hi) / 2, jnp.nan)


def _sorted_quantile(xs: Float[Array, " m"], n: Array, q: float) -> Float[Array, ""]:
    """NumPy's `'linear'` quantile `q` of the first `n` entries of the sorted `xs` (same lerp)."""
    pos = (n - 1) * q
    i = jnp.floor(pos).astype(n.dtype)
    t = pos - i
    a, b = xs[jnp.clip(i, 0, xs.shape[0] - 1)], xs[jnp.clip(i + 1, 0, jnp.maximum(n - 1, 0))]
    d = b - a
    return jnp.where(t >= 0.5, b - d * (1 - t), a + d * t)


def masked_fit_power(
    S: Float[Array, "*shape"],
    P: Float[Array, "*shape"],
    valid: Bool[Array, "*vshape"],
    q: tuple[float, float] = (0.01, 0.99),
) -> tuple[Float[Array, ""], Float[Array, ""], Array]:
    r"""`fit_power` on the valid entries, in JAX: `(s, R2, n)`, the OLS slope of
    $\log S$ on $\log P$ over pairs with $S,P>0$ finite and $P$ inside its
    central quantiles `q`; `NaN` where fewer than 3 pairs remain or $\log P$ is constant."""
    ok = jnp.ravel(jnp.broadcast_to(valid, S.shape))
    S, P = jnp.ravel(S), jnp.ravel(P)
    ok = ok & (S > 0) & (P > 0) & jnp.isfinite(S) & jnp.isfinite(P)
    n = jnp.sum(ok)
    Ps = jnp.sort(jnp.where(ok, P, jnp.inf))
    sel = ok & (P >= _sorted_quantile(Ps, n, q[0])) & (P <= _sorted_quantile(Ps, n, q[1]))
    k = jnp.sum(sel)
    x = jnp.log(jnp.where(sel, P, 1.0))
    y = jnp.log(jnp.where(sel, S, 1.0))
    dx = jnp.where(sel, x - jnp.sum(x) / k, 0.0)
    dy = jnp.where(sel, y - jnp.sum(y) / k, 0.0)
    sxx = jnp.sum(dx * dx)
    slope = jnp.sum(dx * dy) / sxx
    r2 = 1.0 - jnp.sum((dy - slope * dx) ** 2) / jnp.sum(dy * dy)
    bad = (k < 3) | (sxx == 0)
    return jnp.where(bad, jnp.nan, slope), jnp.where(bad, jnp.nan, r2), k


def local_power(profile: np.ndarray, predictor: np.ndarray) -> np.ndarray:
    r"""$s(\ell)=\log\tilde\mu(\ell)/\log\tilde P(\ell)$ per lag (NaN where undefined):
    the exponent that maps the normalised predictor onto the normalised profile at lag ℓ."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(profile) / np.log(predictor)
    return np.where(np.isfinite(out), out, np.nan)


def per_example_gradients(grad_fn, params, us, ys) -> Float[Array, "n p"]:
    """Flattened gradients of `grad_fn(params, us[i], ys[i])` for every example (`vmap`)."""
    g = jax.vmap(grad_fn, in_axes=(None, 0, 0))(params, us, ys)
    leaves = [x.reshape(x.shape[0], -1) for x in jax.tree.leaves(g)]
    return jnp.concatenate(leaves, axis=1)
