r"""Envelopes of a time-scale spectrum, their fits, the power-law-window gate and the phase label.

[§2][anticollapse-s2] `envelope_from_tau` (the mixture rebuild (2.1)); [§7.4][anticollapse-s7-4]
`beta_env`; [§7.5][anticollapse-s7-5] `fit_envelope`; [§7.6][anticollapse-s7-6]
`power_law_window`; [§7.7][anticollapse-s7-7] `classify_phase`, `phase_label` and the label
constants; [§7.12][anticollapse-s7-12] `mixture_audit`.

| code name | symbol | meaning |
|---|---|---|
| `lags` | $\ell$ | lag grid, default `round(linspace(4, 384, 128))` |
| `f` | $f(\ell)$ | envelope; `f_tau` its mixture rebuild (2.1) |
| `tau_max`, `lstar` | $\tau_{\max}$, $\ell^\star=\beta\tau_{\max}$ | tempered cutoff, crossover lag |
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from numerics.anticollapse.estimators._stats import finite_1d, ols
from numerics.anticollapse.estimators._tail import TailFit, beta_tail

__all__ = [
    "DEFAULT_LAGS",
    "PHASE_LABELS",
    "ESTIMATOR_ERROR",
    "LABEL_CODES",
    "EnvelopeFit",
    "WindowTest",
    "PhaseResult",
    "AuditResult",
    "envelope_from_tau",
    "beta_env",
    "fit_envelope",
    "power_law_window",
    "classify_phase",
    "phase_label",
    "mixture_audit",
]

#: The default lag grid of the formulation: `round(linspace(4, 384, 128))`.
DEFAULT_LAGS: np.ndarray = np.round(np.linspace(4.0, 384.0, 128))

#: Network phase labels of [§7.7][anticollapse-s7-7], in the order the rule tests them.
PHASE_LABELS: tuple[str, ...] = ("collapsed", "anticollapsed_unresolved", "concentrated", "broad", "boundary")
#: Label of a checkpoint where an estimator failed (not a phase: never read as collapsed).
ESTIMATOR_ERROR: str = "error"
#: Integer codes of stored label series: the [§7.7][anticollapse-s7-7] labels, then `ESTIMATOR_ERROR`.
LABEL_CODES: tuple[str, ...] = PHASE_LABELS + (ESTIMATOR_ERROR,)


def envelope_from_tau(tau: Float[Array, " H"], lags: Float[Array, " L"]) -> Float[Array, " L"]:
    r"""Mixture envelope (2.1): $f_\tau(\ell)=\frac1H\sum_q e^{-\ell/\tau_q}$ (finite τ only)."""
    t = finite_1d(tau, "tau")
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    return np.exp(-lag[:, None] / t[None, :]).mean(axis=1)


def beta_env(
    tau_or_f: Float[Array, " n"],
    lags: Float[Array, " L"],
    *,
    kind: str = "tau",
    window: tuple[float, float] | None = None,
) -> float:
    r"""$\hat\beta_{\mathrm{env}}$ ([§7.4][anticollapse-s7-4]): minus the OLS slope of $\log f$ on
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
    coef, _ = ols(X, np.log(f[m]))
    return float(-coef[1])


class EnvelopeFit(NamedTuple):
    """Three log-space fits of an envelope; AIC per model and the winner ([§7.5][anticollapse-s7-5])."""

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
    $\beta_{\mathrm{temp}}\tau_{\max}$, and ∞ when the power law wins.
    """
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    fv = np.asarray(f, dtype=np.float64).reshape(-1)
    m = np.isfinite(fv) & (fv > 0)
    if m.sum() < 4:
        raise ValueError(f"envelope has {int(m.sum())} positive points; need >= 4")
    l, y = lag[m], np.log(fv[m])
    n, one = l.size, np.ones(l.size)
    _, rss_e = ols(np.stack([one, l], 1), y)
    cp, rss_p = ols(np.stack([one, np.log(l)], 1), y)
    ct, rss_t = ols(np.stack([one, np.log(l), l], 1), y)
    aic = {"exp": _aic(rss_e, n, 2), "power": _aic(rss_p, n, 2), "tempered": _aic(rss_t, n, 3)}
    winner = min(aic, key=aic.get)
    b = ct[2]
    tau_max = float(-1.0 / b) if b < 0 else float("inf")
    beta_temp = float(-ct[1])
    lstar = float("inf") if winner == "power" else beta_temp * tau_max
    return EnvelopeFit(winner, aic, float(-cp[1]), beta_temp, tau_max, lstar)


# ----------------------------------------------------------------------------- 7.6, 7.7
class WindowTest(NamedTuple):
    """Power-law-window gate ([§7.6][anticollapse-s7-6]) and the reported cutoff sign test."""

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
        coef, _ = ols(X, np.log(fv[below]))
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
    $\beta_{\mathrm{lo}}>1$ ⇒ `concentrated`; $\beta_{\mathrm{hi}}<1$ ⇒ `broad`;
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
    """The [§7.7][anticollapse-s7-7] decision rule on a window verdict and a CCDF fit (needed when a window exists)."""
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
