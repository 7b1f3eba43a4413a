r"""Estimators and diagnostics of the anti-collapse spec (§7; Livi, arXiv:2606.29519).

Pure functions with explicit `jax.random` keys. Inputs are time scales τ, envelopes
f(ℓ) on a lag grid, log-rate checkpoints ζ, or update increments. Where JAX brings
nothing (sorting a few thousand numbers, small least squares) NumPy is used, but all
randomness (bootstrap indices, synthetic calibration samples) is drawn from the key.

| code name | symbol | meaning |
|---|---|---|
| `tau` | $\tau_q=1/\bar\mu_q$ | per-unit time scale (steps); non-finite entries are dropped |
| `lags` | $\ell$ | lag grid, default `round(linspace(4, 384, 128))` |
| `f` | $f(\ell)$ | envelope; `f_tau` its mixture rebuild (2.1) |
| `beta` | $\beta$ | spectral exponent, $P(\tau>x)\sim Cx^{-\beta}$ |
| `tau_max`, `lstar` | $\tau_{\max}$, $\ell^\star=\beta\tau_{\max}$ | tempered cutoff, crossover lag |
| `zeta` | $\zeta=\log\bar\mu=-\log\tau$ | log-rate; small ζ = slow ("far-left") |
| `kappa` | $\hat\kappa_{\rm tail}$ | far-left drift plateau (pull toward short τ, > 0) |
| `alpha` | $\alpha$ | stable tail index of increments |
| `Phi_d` | $\hat\Phi_d(\theta)=\log\frac1n\sum e^{-\theta\Delta\zeta_i}$ | empirical discrete Lundberg function |

Sections: 7.2 `unit_timescales`; 2.1 `envelope_from_tau`; 7.3
`beta_tail`, `hill_beta`; 7.4 `beta_env`; 7.5 `fit_envelope`;
7.6 `power_law_window`; 7.7 `classify_phase`; 7.8 `kappa_tail`;
7.9 `alpha_hat`, `alpha_calibration`, `stable_symmetric`,
`alpha_windows` (α̂ per checkpoint window); 7.10 `beta_pred`; 7.11
`threshold_crossing`; 7.12 `mixture_audit`; §8.5 `zeta_spread`
(Δζ = ζ_q90 − ζ_q10); §9 T8 `ordering_probability`.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

__all__ = [
    "DEFAULT_LAGS",
    "TailFit",
    "EnvelopeFit",
    "WindowTest",
    "PhaseResult",
    "KappaFit",
    "AlphaCalibration",
    "AlphaFit",
    "BetaPred",
    "AuditResult",
    "unit_timescales",
    "envelope_from_tau",
    "beta_tail",
    "hill_tail",
    "hill_beta",
    "beta_env",
    "fit_envelope",
    "power_law_window",
    "classify_phase",
    "phase_label",
    "kappa_tail",
    "stable_symmetric",
    "alpha_calibration",
    "CALIBRATION_REPS",
    "alpha_hat",
    "beta_pred",
    "AlphaPath",
    "alpha_windows",
    "zeta_spread",
    "ordering_probability",
    "threshold_crossing",
    "mixture_audit",
    "PHASE_LABELS",
    "ESTIMATOR_ERROR",
    "LABEL_CODES",
]

#: The default lag grid of the spec: `round(linspace(4, 384, 128))`.
DEFAULT_LAGS: np.ndarray = np.round(np.linspace(4.0, 384.0, 128))

#: Network phase labels of §7.7, in the order the rule tests them.
PHASE_LABELS: tuple[str, ...] = ("collapsed", "anticollapsed_unresolved", "concentrated", "broad", "boundary")
#: Label of a checkpoint where an estimator failed (not a phase: never read as collapsed).
ESTIMATOR_ERROR: str = "error"
#: Integer codes of stored label series: the §7.7 labels, then :data:`ESTIMATOR_ERROR`.
LABEL_CODES: tuple[str, ...] = PHASE_LABELS + (ESTIMATOR_ERROR,)


# ----------------------------------------------------------------------------- helpers
def _finite_1d(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    a = a[np.isfinite(a)]
    if a.size == 0:
        raise ValueError(f"{name} has no finite entries; need at least one")
    return a


def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares `y ≈ X c`: coefficients and residual sum of squares."""
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ coef
    return coef, float(r @ r)


def _seed_of(key: PRNGKeyArray) -> np.random.Generator:
    """A NumPy generator seeded from a JAX key (local, never global)."""
    bits = np.asarray(jax.random.randint(key, (2,), 0, 2**31 - 1, dtype=jnp.int32))
    return np.random.default_rng([int(b) for b in bits])


def _percentile_ci(samples: np.ndarray, level: float = 0.90) -> tuple[float, float]:
    s = samples[np.isfinite(samples)]
    if s.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - level) / 2.0
    return float(np.quantile(s, a)), float(np.quantile(s, 1.0 - a))


# ----------------------------------------------------------------------------- 7.2, 2.1
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
    (spec: 32) lags in `window` (default [64, 384]): the grid lags in the window, thinned
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


def envelope_from_tau(tau: Float[Array, " H"], lags: Float[Array, " L"]) -> Float[Array, " L"]:
    r"""Mixture envelope (2.1): $f_\tau(\ell)=\frac1H\sum_q e^{-\ell/\tau_q}$ (finite τ only)."""
    t = _finite_1d(tau, "tau")
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    return np.exp(-lag[:, None] / t[None, :]).mean(axis=1)


# ----------------------------------------------------------------------------- 7.3
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


def _ccdf_design(n: int, q: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
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
    r"""CCDF exponent $\hat\beta_{\rm tail}$ ([§7.3][anticollapse-s7-3]).

    OLS of $\log\hat S(\tau_{(i)})=c-\beta\log\tau_{(i)}$ with plotting positions
    $\hat S(\tau_{(i)})=(n-i+0.5)/n$ over $i/n\in[q_0,q_1]$; a bootstrap
    over units (`n_boot` resamples) gives the 90% percentile interval and
    $P(\hat\beta<1)$.
    """
    t = _finite_1d(tau, "tau")
    if np.any(t <= 0):
        raise ValueError("tau must be positive")
    n = t.size
    sel, logS = _ccdf_design(n, q)
    if sel.sum() < 3:
        raise ValueError(f"{int(sel.sum())} CCDF points in quantile range {q}; need >= 3 (more units)")
    logt = np.log(np.sort(t))
    beta, r2 = _ccdf_slope(logt, sel, logS)
    boots = np.empty(0)
    if n_boot > 0:
        rng = _seed_of(key)
        chunk = max(1, int(4e6 // n))
        out = []
        for s in range(0, n_boot, chunk):
            b = min(chunk, n_boot - s)
            idx = rng.integers(0, n, size=(b, n))
            out.append(_ccdf_slope(np.sort(logt[idx], axis=1), sel, logS)[0])
        boots = np.concatenate(out)
    lo, hi = _percentile_ci(boots)
    p1 = float(np.mean(boots < 1.0)) if boots.size else float("nan")
    return TailFit(float(beta), float(r2), lo, hi, p1, int(sel.sum()), boots)


def hill_tail(x: Float[Array, " n"], k: int) -> float:
    r"""Hill estimator of the tail index of positive samples `x` over the top `k`:
    $\big[\frac1k\sum_{i<k}(\log x_{(n-i)}-\log x_{(n-k)})\big]^{-1}$ (sd ≈ index/√k)."""
    a = _finite_1d(x, "x")
    if not 1 <= k < a.size:
        raise ValueError(f"k={k} is out of range; allowed: 1 <= k < n={a.size}")
    top = np.log(np.partition(a, a.size - k - 1)[a.size - k - 1 :])  # k+1 largest
    ref = top.min()
    return float(1.0 / np.mean(np.sort(top)[1:] - ref))


def hill_beta(tau: Float[Array, " H"], k: int) -> float:
    r"""$\hat\beta_H$: Hill on log τ over the top `k` units ([§7.3][anticollapse-s7-3])."""
    return hill_tail(tau, k)


# ----------------------------------------------------------------------------- 7.4, 7.5
def beta_env(
    tau_or_f: Float[Array, " n"],
    lags: Float[Array, " L"],
    *,
    kind: str = "tau",
    window: tuple[float, float] | None = None,
) -> float:
    r"""$\hat\beta_{\rm env}$ ([§7.4][anticollapse-s7-4]): minus the OLS slope of $\log f$ on
    $\log\ell$; `kind="tau"` rebuilds $f_\tau$ by (2.1) first,
    `kind="envelope"` takes f on `lags` directly. Full grid unless `window`."""
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    if kind == "tau":
        f = envelope_from_tau(tau_or_f, lag)
    elif kind == "envelope":
        f = np.asarray(tau_or_f, dtype=np.float64).reshape(-1)
    else:
        raise ValueError(f"kind={kind!r}; allowed: 'tau', 'envelope'")
    m = np.ones_like(lag, dtype=bool) if window is None else (lag >= window[0]) & (lag <= window[1])
    m &= f > 0
    X = np.stack([np.ones(m.sum()), np.log(lag[m])], axis=1)
    coef, _ = _ols(X, np.log(f[m]))
    return float(-coef[1])


class EnvelopeFit(NamedTuple):
    """Three log-space fits of an envelope; AIC per model and the winner (§7.5)."""

    winner: str
    aic: dict
    beta_power: float
    beta_temp: float
    tau_max: float
    lstar: float


def _aic(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, 1e-300) / n) + 2 * k


def fit_envelope(f: Float[Array, " L"], lags: Float[Array, " L"]) -> EnvelopeFit:
    r"""Exp, power and tempered OLS fits of $\log f$ ([§7.5][anticollapse-s7-5]).

    exp $a+b\ell$; power $c+d\log\ell$; tempered $a+d\log\ell+b\ell$;
    $\mathrm{AIC}=n\log(\mathrm{RSS}/n)+2k$. `beta_power` and `beta_temp` are
    $-d$; $\tau_{\max}=-1/b$ of the tempered fit (∞ if b ≥ 0); ℓ* is
    $\beta_{\rm temp}\tau_{\max}$, and ∞ when the power law wins.
    """
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    fv = np.asarray(f, dtype=np.float64).reshape(-1)
    m = np.isfinite(fv) & (fv > 0)
    if m.sum() < 4:
        raise ValueError(f"envelope has {int(m.sum())} positive points; need >= 4")
    l, y = lag[m], np.log(fv[m])
    n, one = l.size, np.ones(l.size)
    _, rss_e = _ols(np.stack([one, l], 1), y)
    cp, rss_p = _ols(np.stack([one, np.log(l)], 1), y)
    ct, rss_t = _ols(np.stack([one, np.log(l), l], 1), y)
    aic = {"exp": _aic(rss_e, n, 2), "power": _aic(rss_p, n, 2), "tempered": _aic(rss_t, n, 3)}
    winner = min(aic, key=aic.get)
    b = ct[2]
    tau_max = float(-1.0 / b) if b < 0 else float("inf")
    beta_temp = float(-ct[1])
    lstar = float("inf") if winner == "power" else beta_temp * tau_max
    return EnvelopeFit(winner, aic, float(-cp[1]), beta_temp, tau_max, lstar)


# ----------------------------------------------------------------------------- 7.6, 7.7
class WindowTest(NamedTuple):
    """Power-law-window gate (§7.6) and the reported cutoff sign test."""

    exists: bool
    exponent: float
    n_below: int
    frac_below: float
    runs_p: float
    cutoff_sign_p: float
    #: conditions (1)–(3) hold, so the verdict rests on the runs test (4) alone
    shape_ok: bool = False


def _runs_test_p(resid: np.ndarray, tol: float = 0.0, min_n: int = 8) -> float:
    """Two-sided Wald–Wolfowitz runs test (normal approximation) on residual signs.

    Residuals with `|r| <= tol` count as exact fits and are dropped; with fewer than
    `min_n` residuals left the fit is within tolerance everywhere and p = 1."""
    r = resid[np.abs(resid) > tol]
    if r.size < min_n:
        return 1.0
    s = r > 0
    n1, n2 = int(s.sum()), int((~s).sum())
    n = n1 + n2
    if n1 == 0 or n2 == 0:
        return 0.0 if n >= 8 else float("nan")
    runs = 1 + int(np.sum(s[1:] != s[:-1]))
    mu = 2.0 * n1 * n2 / n + 1.0
    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n * n * (n - 1.0))
    if var <= 0:
        return float("nan")
    z = (runs - mu) / math.sqrt(var)
    return float(math.erfc(abs(z) / math.sqrt(2.0)))


def power_law_window(
    f: Float[Array, " L"],
    lags: Float[Array, " L"],
    *,
    min_points: int = 8,
    min_frac: float = 0.05,
    min_exponent: float = 0.10,
    alpha: float = 0.05,
    resid_tol: float = 0.02,
) -> WindowTest:
    r"""Power-law-window gate ([§7.6][anticollapse-s7-6]).

    A window exists iff (1) the AIC winner is power or tempered; (2) the power-fit
    exponent on $\ell\le\ell^\star$ exceeds 0.10; (3) ≥ 8 lags and ≥ 5% of the
    grid lie below ℓ*; (4) a runs test on the window residual signs gives p > 0.05.
    Above ℓ* a one-sided sign test (residuals of the extrapolated window fit mostly
    negative) is reported as `cutoff_sign_p` (NaN if no lag lies above ℓ*).

    *Toolkit default* `resid_tol=0.02`: residuals with $|\log f-\text{fit}|\le0.02$
    (2% in f) are treated as exact before the runs test. Without it a smooth,
    noise-free envelope (the exact (2.3), or $f_\tau$ of a pure Pareto sample)
    always fails (4): its residual signs form a handful of long runs (p ~ 1e-27),
    however small the residuals are. `resid_tol=0` gives the literal rule.
    """
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    fv = np.asarray(f, dtype=np.float64).reshape(-1)
    fit = fit_envelope(fv, lag)
    below = (lag <= fit.lstar) & (fv > 0)
    n_below = int(below.sum())
    frac = n_below / lag.size
    exponent, runs_p, sign_p = float("nan"), float("nan"), float("nan")
    if n_below >= 3:
        X = np.stack([np.ones(n_below), np.log(lag[below])], 1)
        coef, _ = _ols(X, np.log(fv[below]))
        exponent = float(-coef[1])
        runs_p = _runs_test_p(np.log(fv[below]) - X @ coef, resid_tol)
        above = (~below) & (fv > 0)
        if above.any():
            r = np.log(fv[above]) - (coef[0] + coef[1] * np.log(lag[above]))
            n, k = int(above.sum()), int((r < 0).sum())
            sign_p = float(sum(math.comb(n, j) for j in range(k, n + 1)) / 2.0**n)
    shape_ok = bool(
        fit.winner in ("power", "tempered") and exponent > min_exponent and n_below >= min_points and frac >= min_frac
    )
    return WindowTest(shape_ok and runs_p > alpha, exponent, n_below, float(frac), runs_p, sign_p, shape_ok)


class PhaseResult(NamedTuple):
    label: str
    tail: TailFit | None
    env: EnvelopeFit
    window: WindowTest


def classify_phase(
    tau: Float[Array, " H"],
    lags: Float[Array, " L"],
    key: PRNGKeyArray,
    *,
    n_boot: int = 2000,
) -> PhaseResult:
    r"""Phase label of a spectrum ([§7.7][anticollapse-s7-7]), in order: no power-law window ⇒
    `collapsed`; CCDF $R^2<0.90$ ⇒ `anticollapsed_unresolved`;
    $\beta_{\rm lo}>1$ ⇒ `concentrated`; $\beta_{\rm hi}<1$ ⇒ `broad`;
    otherwise `boundary`. The envelope is the mixture rebuild $f_\tau$ (2.1)."""
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    f = envelope_from_tau(tau, lag)
    env = fit_envelope(f, lag)
    win = power_law_window(f, lag)
    if not win.exists:
        return PhaseResult("collapsed", None, env, win)
    tail = beta_tail(tau, key, n_boot=n_boot)
    return PhaseResult(phase_label(True, tail), tail, env, win)


def phase_label(window_exists: bool, tail: TailFit | None) -> str:
    """The §7.7 decision rule on a window verdict and a CCDF fit (needed when a window exists)."""
    if not window_exists:
        return "collapsed"
    if tail is None:
        raise ValueError("a power-law window exists but no CCDF fit was given; the label needs one")
    if tail.r2 < 0.90:
        return "anticollapsed_unresolved"
    if tail.lo > 1.0:
        return "concentrated"
    if tail.hi < 1.0:
        return "broad"
    return "boundary"


# ----------------------------------------------------------------------------- 7.8
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


def _block_indices(rng: np.random.Generator, n: int, n_boot: int, block: int) -> np.ndarray:
    """Moving-block bootstrap: `(n_boot, n)` indices into a length-`n` sequence."""
    block = max(1, min(block, n))
    nb = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)
    return idx[:, :n]


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
    r"""$\hat\kappa_{\rm tail}$ ([§7.8][anticollapse-s7-8]): trimmed mean of checkpoint increments
    $\Delta\zeta$ over units with $\zeta\le Q_{q_{\rm low}}(\zeta)$ in the last
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
    rng = _seed_of(key)
    blk = block or int(math.ceil(n_tr ** (1.0 / 3.0)))
    boots = np.array(
        [_kappa_slice(z0[ix].ravel(), dz[ix].ravel(), q_low, trim)[0] for ix in _block_indices(rng, n_tr, n_boot, blk)]
    )
    lo, hi = _percentile_ci(boots)
    n = ds.size
    one = np.ones(n)
    _, rss0 = _ols(one[:, None], ds)
    _, rss1 = _ols(np.stack([one, zs], 1), ds)
    bic0 = n * math.log(max(rss0, 1e-300) / n) + 1 * math.log(n)
    bic1 = n * math.log(max(rss1, 1e-300) / n) + 2 * math.log(n)
    return KappaFit(kappa, lo, hi, bool(bic0 <= bic1), int(n))


# ----------------------------------------------------------------------------- 7.9
def stable_symmetric(key: PRNGKeyArray, alpha: float | Float[Array, ""], shape: tuple[int, ...]) -> Float[Array, ...]:
    r"""Symmetric α-stable $S_\alpha(1,0,0)$ samples by Chambers–Mallows–Stuck:
    $U\sim\mathcal U(-\pi/2,\pi/2)$, $W\sim\mathrm{Exp}(1)$,
    $X=\frac{\sin\alpha U}{(\cos U)^{1/\alpha}}\big(\frac{\cos((1-\alpha)U)}{W}\big)^{(1-\alpha)/\alpha}$
    (α = 2 gives $\mathcal N(0,2)$, α = 1 Cauchy)."""
    ku, kw = jax.random.split(key)
    u = jax.random.uniform(ku, shape, minval=-jnp.pi / 2, maxval=jnp.pi / 2)
    w = jax.random.exponential(kw, shape)
    a = jnp.asarray(alpha, dtype=jnp.float64)
    return (jnp.sin(a * u) / jnp.cos(u) ** (1.0 / a)) * (jnp.cos((1.0 - a) * u) / w) ** ((1.0 - a) / a)


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


def _pow2(m: int) -> int:
    return 1 << max(0, int(m) - 1).bit_length()


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


#: docs: anticollapse §7.9 *toolkit default*: synthetic α-stable replicates per α of the α̂ calibration.
CALIBRATION_REPS: int = 200


def alpha_calibration(
    n: int,
    key: PRNGKeyArray,
    alphas: tuple[float, ...] = tuple(np.round(np.arange(1.0, 2.01, 0.1), 2)),
    reps: int = CALIBRATION_REPS,
) -> AlphaCalibration:
    r"""Calibration curve of §7.9: for each α ∈ `alphas` (1.0, 1.1, …, 2.0), `reps`
    (spec default 200) symmetric α-stable samples of size `n` (CMS), DEdH ξ̂ on the top
    8% (k ≥ 50); mean $\mathbb E\hat\xi(\alpha)$ and sd per α. Pure in `key`.

    **Deviation from the spec's wording** (§7.9 calibrates $\alpha\mapsto\mathbb E\hat\alpha_{\rm raw}$,
    $\hat\alpha_{\rm raw}=1/\hat\xi$): the curve is $\alpha\mapsto\mathbb E\hat\xi$. Near the
    Gaussian end $\mathbb E[1/\hat\xi]$ does not exist in any useful sense: at α = 2 the true extreme-
    value index is 0 and ξ̂ ≤ 0 in 99% of replicates at n = 4000 (86% at n = 256; sd of 1/ξ̂ ≈ 130), so
    a mean of 1/ξ̂ is dominated by replicates with ξ̂ near 0 and is not monotone in α. ξ̂ has a finite,
    well-estimated mean that decreases in α, and α ↦ 1/ξ is monotone where ξ > 0, so inverting the ξ̂
    curve maps the same ordering without the pole (`alpha_hat`)."""
    if reps < 2:
        raise ValueError(f"reps={reps} is out of range; allowed: reps >= 2 (an sd per alpha)")
    k = _k_top(n)
    a = jnp.asarray(alphas, dtype=jnp.float64)
    xi = np.asarray(_calib_xi_padded(key, a, n, k, _pow2(n), min(_pow2(k), _pow2(n) - 1), reps))
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
    $\hat\xi=M^{(1)}+1-\frac12(1-(M^{(1)})^2/M^{(2)})^{-1}$, $\hat\alpha_{\rm raw}=1/\hat\xi$
    (∞ if ξ̂ ≤ 0). The bias correction inverts a matched-n calibration curve
    $\alpha\mapsto\mathbb E\hat\xi$ (`alpha_calibration`, `reps` replicates per α,
    spec default 200; computed from `key` and cached if not given; it calibrates ξ̂, not
    $\hat\alpha_{\rm raw}=1/\hat\xi$: see the deviation noted there); the
    90% CI maps $\hat\xi\mp1.645\,\mathrm{sd}$ through the same curve; the Gaussian
    p-value is $P(\hat\xi\ge\hat\xi_{\rm obs}\mid\alpha=2)$ (normal approximation);
    `heavy` is $\alpha_{\rm hi}\le1.8$.
    """
    a = _finite_1d(z, "z")
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


# ----------------------------------------------------------------------------- 7.10
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
    r"""$\hat\beta_{\rm pred}$ ([§7.10][anticollapse-s7-10]): the positive root of
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
    pad = max(4096, _pow2(flat.size)) - flat.size
    dz = jnp.asarray(np.concatenate([np.where(ok, flat, 0.0), np.zeros(pad)]))
    root = float(_lundberg_roots(dz, jnp.asarray(np.concatenate([base, np.zeros(pad)]))[None])[0])
    rng = _seed_of(key)
    blk = block or int(math.ceil(T ** (1.0 / 3.0)))
    idx = _block_indices(rng, T, n_boot, blk)
    counts = np.stack([np.bincount(r, minlength=T) for r in idx]).astype(np.float64)  # (B, T)
    w = (counts[:, :, None] * base.reshape(T, -1)[None]).reshape(n_boot, -1)
    boots = np.asarray(_lundberg_roots(dz, jnp.asarray(np.pad(w, ((0, 0), (0, pad))))))
    lo, hi = _percentile_ci(boots)
    return BetaPred(float("nan") if runaway else root, lo, hi, runaway, boots)


# ----------------------------------------------------------------------------- 7.9 per window, 8.5, T8
class AlphaPath(NamedTuple):
    """α̂ (§7.9) per window: calibrated index, 90% CI, Gaussian p-value, sample size used (0: too few)."""

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


def ordering_probability(samples) -> float:
    r"""Bootstrap probability that the strict ordering $x_1>x_2>\dots>x_m$ holds:
    the fraction of index-paired replicates (one array per quantity, independent
    resamples, equal length) in which it holds. NaN replicates count as not ordered."""
    arr = np.stack([np.asarray(s, dtype=np.float64).ravel() for s in samples])
    if arr.shape[0] < 2 or arr.shape[1] == 0:
        raise ValueError(f"need >= 2 quantities with >= 1 replicate each; got shape {arr.shape}")
    return float(np.mean(np.all(arr[:-1] > arr[1:], axis=0)))


# ----------------------------------------------------------------------------- 7.11, 7.12
def threshold_crossing(labels, *, persist: int = 2) -> tuple[int | None, str | None]:
    r"""$t_{\rm cross}$ ([§7.11][anticollapse-s7-11]): the first checkpoint index from which the label
    is non-collapsed for `persist` (2) consecutive checkpoints.

    Labels are `"collapsed"`, `ESTIMATOR_ERROR` (the estimator failed at that
    checkpoint: unknown, neither collapsed nor non-collapsed, so it never completes a
    crossing window), or any other (non-collapsed) label.

    Returns `(index, flag)`. `flag` joins with `"+"` the applicable censoring flags, or
    is `None`: `"left"` if the label is non-collapsed at the first checkpoint (spec:
    left-censored, whether or not the first crossing window starts there), `"right"` if
    it never crosses (index `None`), `"error"` if an estimator failure lies before the
    crossing window (or anywhere, when it never crosses), so the crossing may have been
    earlier (or have happened at all)."""
    lab = [str(x) for x in labels]
    nc = [x not in ("collapsed", ESTIMATOR_ERROR) for x in lab]
    idx = next((i for i in range(len(nc) - persist + 1) if all(nc[i : i + persist])), None)
    flags = []
    if nc and nc[0]:
        flags.append("left")
    if idx is None:
        flags.append("right")
    if ESTIMATOR_ERROR in (lab if idx is None else lab[:idx]):
        flags.append("error")
    return idx, ("+".join(flags) or None)


class AuditResult(NamedTuple):
    spearman: float
    pearson_log: float


def _rank(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    r = np.empty(x.size)
    r[order] = np.arange(x.size)
    # average ties
    _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r)
    return (sums / cnt)[inv]


def mixture_audit(f: Float[Array, " L"], f_tau: Float[Array, " L"]) -> AuditResult:
    r"""Mixture audit ([§7.12][anticollapse-s7-12]): Spearman correlation, and Pearson correlation of
    $\log f$ with $\log f_\tau$ (positive entries only)."""
    a = np.asarray(f, dtype=np.float64).reshape(-1)
    b = np.asarray(f_tau, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"f has {a.size} lags but f_tau has {b.size}; they must match")
    m = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    ra, rb = _rank(a[m]), _rank(b[m])
    sp = float(np.corrcoef(ra, rb)[0, 1])
    pl = float(np.corrcoef(np.log(a[m]), np.log(b[m]))[0, 1])
    return AuditResult(sp, pl)
