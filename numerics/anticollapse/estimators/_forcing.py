r"""Estimators of the forcing: the far-left drift plateau, the tail index of the increments
and the spread of the log-rates.

[§7.8][anticollapse-s7-8] `kappa_tail`; [§7.9][anticollapse-s7-9] `alpha_hat`,
`alpha_calibration` and `alpha_windows` (α̂ per checkpoint window);
[§8.5][anticollapse-s8-5] `zeta_spread` (Δζ = ζ_q90 − ζ_q10).

| code name | symbol | meaning |
|---|---|---|
| `zeta` | $\zeta=\log\bar\mu=-\log\tau$ | log-rate; small ζ = slow ("far-left") |
| `kappa` | $\hat\kappa_{\mathrm{tail}}$ | far-left drift plateau (pull toward short τ, > 0) |
| `alpha` | $\alpha$ | stable tail index of increments |
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from numerics.anticollapse._levy import stable_symmetric
from numerics.anticollapse.estimators._stats import block_indices, finite_1d, ols, percentile_ci, pow2, seed_of

__all__ = [
    "KappaFit",
    "AlphaCalibration",
    "AlphaFit",
    "AlphaPath",
    "CALIBRATION_REPS",
    "kappa_tail",
    "alpha_calibration",
    "alpha_hat",
    "alpha_windows",
    "zeta_spread",
]


class KappaFit(NamedTuple):
    """Far-left drift plateau with 90% block-bootstrap interval and BIC verdict."""

    kappa: float
    lo: float
    hi: float
    bic_prefers_constant: bool
    n: int


def _trimmed_mean(x: np.ndarray, trim: float) -> float:
    if x.size == 0:
        return float("nan")
    s = np.sort(x)
    g = int(math.floor(trim * s.size))
    s = s[g : s.size - g] if s.size - 2 * g > 0 else s
    return float(s.mean())


def _kappa_slice(z0: np.ndarray, dz: np.ndarray, q_low: float, trim: float):
    cut = np.quantile(z0, q_low)
    m = z0 <= cut
    return _trimmed_mean(dz[m], trim), z0[m], dz[m]


def kappa_tail(
    zeta_ckpts: Float[Array, "C H"],
    key: PRNGKeyArray,
    *,
    q_low: float = 0.10,
    late_frac: float = 0.5,
    trim: float = 0.10,
    n_boot: int = 1000,
    block: int | None = None,
) -> KappaFit:
    r"""$\hat\kappa_{\mathrm{tail}}$ ([§7.8][anticollapse-s7-8]): trimmed mean of checkpoint increments
    $\Delta\zeta$ over units with $\zeta\le Q_{q_{\mathrm{low}}}(\zeta)$ in the last
    `late_frac` of checkpoints (positive = pull toward short τ). CI: 90% moving-block
    bootstrap over checkpoint transitions (block $\lceil n^{1/3}\rceil$), the slice
    boundary re-estimated per resample. BIC compares a constant with a linear model in
    ζ on the slice."""
    z = np.asarray(zeta_ckpts, dtype=np.float64)
    if z.ndim != 2 or z.shape[0] < 3:
        raise ValueError(f"zeta_ckpts has shape {z.shape}; need (C >= 3, H)")
    start = int(math.floor(z.shape[0] * (1.0 - late_frac)))
    start = min(start, z.shape[0] - 2)
    zl = z[start:]
    z0, dz = zl[:-1], np.diff(zl, axis=0)  # (n_tr, H)
    kappa, zs, ds = _kappa_slice(z0.ravel(), dz.ravel(), q_low, trim)
    n_tr = z0.shape[0]
    rng = seed_of(key)
    blk = block or int(math.ceil(n_tr ** (1.0 / 3.0)))
    boots = np.array(
        [_kappa_slice(z0[ix].ravel(), dz[ix].ravel(), q_low, trim)[0] for ix in block_indices(rng, n_tr, n_boot, blk)]
    )
    lo, hi = percentile_ci(boots)
    n = ds.size
    one = np.ones(n)
    _, rss0 = ols(one[:, None], ds)
    _, rss1 = ols(np.stack([one, zs], 1), ds)
    bic0 = n * math.log(max(rss0, 1e-300) / n) + 1 * math.log(n)
    bic1 = n * math.log(max(rss1, 1e-300) / n) + 2 * math.log(n)
    return KappaFit(kappa, lo, hi, bool(bic0 <= bic1), int(n))


def _xi_moment(absz_sorted_desc_top: Array, k: int) -> Array:
    """DEdH moment estimator ξ̂ from the `k+1` largest |z| (descending), JAX."""
    lg = jnp.log(absz_sorted_desc_top)
    d = lg[..., :k] - lg[..., k : k + 1]
    m1 = d.mean(axis=-1)
    m2 = (d * d).mean(axis=-1)
    return m1 + 1.0 - 0.5 / (1.0 - m1 * m1 / m2)


def _k_top(n: int, frac: float = 0.08, k_min: int = 50) -> int:
    k = max(k_min, int(math.ceil(frac * n)))
    if k >= n:
        raise ValueError(f"n={n} samples is too few for the top-{k} tail estimator; need n > {k}")
    return k


class AlphaCalibration(NamedTuple):
    """Matched-n calibration α ↦ mean and sd of the DEdH ξ̂ on symmetric α-stable samples."""

    alphas: np.ndarray
    xi_mean: np.ndarray
    xi_sd: np.ndarray
    n: int


@functools.partial(jax.jit, static_argnames=("n_pad", "k_pad", "reps"))
def _calib_xi_padded(key, alphas, n, k, n_pad: int, k_pad: int, reps: int):
    """DEdH ξ̂ of `reps` samples of size `n` (traced) per α: drawn at the padded size
    `n_pad` with the entries beyond `n` zeroed (never among the top k+1 ≤ n), and the
    moment estimator over a traced `k` on the `k_pad + 1` largest. One compilation
    serves every (n, k) with the same power-of-two pads."""
    idx = jnp.arange(k_pad)

    def one(kk, a):
        x = jnp.abs(stable_symmetric(kk, a, (reps, n_pad)))
        x = jnp.where(jnp.arange(n_pad) < n, x, 0.0)
        lg = jnp.log(jax.lax.top_k(x, k_pad + 1)[0])
        ref = jnp.take_along_axis(lg, jnp.full((reps, 1), k), axis=1)
        d = jnp.where(idx < k, lg[:, :k_pad] - ref, 0.0)
        m1 = d.sum(axis=1) / k
        m2 = (d * d).sum(axis=1) / k
        return m1 + 1.0 - 0.5 / (1.0 - m1 * m1 / m2)

    keys = jax.random.split(key, alphas.shape[0])
    return jax.vmap(one)(keys, alphas)


#: [§7.9][anticollapse-s7-9] *toolkit default*: synthetic α-stable replicates per α of the α̂ calibration.
CALIBRATION_REPS: int = 200


def alpha_calibration(
    n: int,
    key: PRNGKeyArray,
    alphas: tuple[float, ...] = tuple(np.round(np.arange(1.0, 2.01, 0.1), 2)),
    reps: int = CALIBRATION_REPS,
) -> AlphaCalibration:
    r"""Calibration curve of [§7.9][anticollapse-s7-9]: for each α ∈ `alphas` (1.0, 1.1, …, 2.0), `reps`
    (default 200) symmetric α-stable samples of size `n` (CMS), DEdH ξ̂ on the top
    8% (k ≥ 50); mean $\mathbb E\hat\xi(\alpha)$ and sd per α. Pure in `key`.

    **Deviation from the formulation's wording** (§7.9 calibrates $\alpha\mapsto\mathbb E\hat\alpha_{\mathrm{raw}}$,
    $\hat\alpha_{\mathrm{raw}}=1/\hat\xi$): the curve is $\alpha\mapsto\mathbb E\hat\xi$. Near the
    Gaussian end $\mathbb E[1/\hat\xi]$ does not exist in any useful sense: at α = 2 the true extreme-
    value index is 0 and ξ̂ ≤ 0 in 99% of replicates at n = 4000 (86% at n = 256; sd of 1/ξ̂ ≈ 130), so
    a mean of 1/ξ̂ is dominated by replicates with ξ̂ near 0 and is not monotone in α. ξ̂ has a finite,
    well-estimated mean that decreases in α, and α ↦ 1/ξ is monotone where ξ > 0, so inverting the ξ̂
    curve maps the same ordering without the pole (`alpha_hat`)."""
    if reps < 2:
        raise ValueError(f"reps={reps} is out of range; allowed: reps >= 2 (an sd per alpha)")
    k = _k_top(n)
    a = jnp.asarray(alphas, dtype=jnp.float64)
    xi = np.asarray(_calib_xi_padded(key, a, n, k, pow2(n), min(pow2(k), pow2(n) - 1), reps))
    return AlphaCalibration(np.asarray(alphas, float), xi.mean(axis=1), xi.std(axis=1, ddof=1), n)


@functools.lru_cache(maxsize=16)
def _cached_calibration(n: int, key_bits: tuple[int, ...], reps: int) -> AlphaCalibration:
    key = jax.random.wrap_key_data(jnp.asarray(key_bits, dtype=jnp.uint32))
    return alpha_calibration(n, key, reps=reps)


class AlphaFit(NamedTuple):
    """Tail index of increments: raw DEdH α̂, calibrated α̂_eff with 90% CI, Gaussian p, heavy flag."""

    alpha_raw: float
    alpha_eff: float
    lo: float
    hi: float
    p_gaussian: float
    heavy: bool


def _invert(cal: AlphaCalibration, xi: float) -> float:
    """α whose calibrated mean ξ̂ equals `xi` (the curve decreases in α); clipped to the grid."""
    order = np.argsort(cal.xi_mean)
    return float(np.interp(xi, cal.xi_mean[order], cal.alphas[order]))


def alpha_hat(
    z: Float[Array, " n"],
    key: PRNGKeyArray,
    *,
    calibration: AlphaCalibration | None = None,
    reps: int = CALIBRATION_REPS,
) -> AlphaFit:
    r"""Forcing tail index ([§7.9][anticollapse-s7-9]) from increments `z`.

    DEdH moment estimator on the top 8% of $|z|$ (k ≥ 50),
    $\hat\xi=M^{(1)}+1-\frac12(1-(M^{(1)})^2/M^{(2)})^{-1}$, $\hat\alpha_{\mathrm{raw}}=1/\hat\xi$
    (∞ if ξ̂ ≤ 0). The bias correction inverts a matched-n calibration curve
    $\alpha\mapsto\mathbb E\hat\xi$ (`alpha_calibration`, `reps` replicates per α,
    default 200; computed from `key` and cached if not given; it calibrates ξ̂, not
    $\hat\alpha_{\mathrm{raw}}=1/\hat\xi$: see the deviation noted there); the
    90% CI maps $\hat\xi\mp1.645\,\mathrm{sd}$ through the same curve; the Gaussian
    p-value is $P(\hat\xi\ge\hat\xi_{\mathrm{obs}}\mid\alpha=2)$ (normal approximation);
    `heavy` is $\alpha_{\mathrm{hi}}\le1.8$.
    """
    a = finite_1d(z, "z")
    a = np.abs(a[a != 0])
    n = a.size
    k = _k_top(n)
    top = -np.sort(-np.partition(a, n - k - 1)[n - k - 1 :])
    xi = float(_xi_moment(jnp.asarray(top), k))
    if calibration is None:
        calibration = _cached_calibration(n, tuple(int(b) for b in np.asarray(jax.random.key_data(key)).ravel()), reps)
    cal = calibration
    sd = float(np.interp(xi, np.sort(cal.xi_mean), cal.xi_sd[np.argsort(cal.xi_mean)]))
    a_eff = _invert(cal, xi)
    lo, hi = sorted((_invert(cal, xi + 1.645 * sd), _invert(cal, xi - 1.645 * sd)))
    i2 = int(np.argmin(np.abs(cal.alphas - 2.0)))
    zsc = (xi - cal.xi_mean[i2]) / cal.xi_sd[i2]
    p_gauss = 0.5 * math.erfc(zsc / math.sqrt(2.0))
    raw = 1.0 / xi if xi > 0 else float("inf")
    return AlphaFit(raw, a_eff, lo, hi, float(p_gauss), bool(hi <= 1.8))


class AlphaPath(NamedTuple):
    """α̂ ([§7.9][anticollapse-s7-9]) per window: calibrated index, 90% CI, Gaussian p-value, sample size used (0: too few)."""

    alpha_eff: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    p_gaussian: np.ndarray
    n: np.ndarray


def _even_subsample(x: np.ndarray, n: int) -> np.ndarray:
    """At most `n` entries of `x`, evenly spaced (deterministic: no RNG)."""
    return x if x.size <= n else x[np.linspace(0, x.size - 1, n).astype(int)]


def alpha_windows(
    windows,
    key: PRNGKeyArray,
    *,
    n_max: int = 4000,
    min_n: int = 60,
    reps: int = CALIBRATION_REPS,
) -> AlphaPath:
    r"""Forcing tail index α̂ ([§7.9][anticollapse-s7-9]) of each window of increments (e.g. the slow-row
    update increments between two checkpoints).

    Each window keeps its finite, non-zero entries (frozen parameters move by exactly 0),
    evenly subsampled to `n_max`, or, if it holds fewer, to the largest power of two it
    holds (so a few sample sizes, hence a few calibrations, serve all windows); windows
    with fewer than `min_n` usable entries give NaN. One matched-n calibration
    (`alpha_calibration`, from `key`, `reps` replicates per α) per sample size
    serves every window of it."""
    cals: dict[int, AlphaCalibration] = {}
    out = {f: np.full(len(windows), np.nan) for f in ("a", "lo", "hi", "p")}
    sizes = np.zeros(len(windows), dtype=int)
    for w, x in enumerate(windows):
        a = np.asarray(x, dtype=np.float64).ravel()
        a = a[np.isfinite(a) & (a != 0.0)]
        if a.size < max(min_n, 51):
            continue
        floor2 = 1 << (a.size.bit_length() - 1)
        a = _even_subsample(a, n_max if a.size >= n_max else floor2 if floor2 >= 64 else a.size)
        if a.size not in cals:
            cals[a.size] = alpha_calibration(a.size, jax.random.fold_in(key, a.size), reps=reps)
        fit = alpha_hat(a, key, calibration=cals[a.size])
        out["a"][w], out["lo"][w], out["hi"][w], out["p"][w] = fit.alpha_eff, fit.lo, fit.hi, fit.p_gaussian
        sizes[w] = a.size
    return AlphaPath(out["a"], out["lo"], out["hi"], out["p"], sizes)


def zeta_spread(zeta: Float[Array, "... H"], q: tuple[float, float] = (0.10, 0.90)) -> np.ndarray:
    r"""$\Delta\zeta=\zeta_{q_{90}}-\zeta_{q_{10}}$ ([§8.5][anticollapse-s8-5] Exp 2) along the last axis,
    over finite entries (rejected units, ζ = −∞, are left out; NaN if fewer than 2)."""
    z = np.asarray(zeta, dtype=np.float64)
    flat = z.reshape(-1, z.shape[-1])
    out = np.full(flat.shape[0], np.nan)
    for i, row in enumerate(flat):
        r = row[np.isfinite(row)]
        if r.size >= 2:
            lo, hi = np.quantile(r, q)
            out[i] = hi - lo
    return out.reshape(z.shape[:-1])
