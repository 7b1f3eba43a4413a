r"""Collapse tests of a learned time-scale spectrum: the authors' envelope rule, and a calibrated
test on the τ sample whose null hypothesis is *extended*.

`authors_rule` reproduces the four-condition power-law-window gate of the public code of Livi
(arXiv:2606.29519; `crossover_residual_diagnostic` and `fit_log_envelope_exp_and_power` of its
`diagnostics.py`, MIT licence) as that code has it, without the toolkit's deviations of
`power_law_window` ([§7.6][anticollapse-s7-6]). Its condition 4, a Wald–Wolfowitz runs test on
the residual signs of a power fit to the envelope, assumes random signs; the envelope
$f(\ell)=\frac1H\sum_q e^{-\ell/\tau_q}$ is a smooth function of the τ sample, so the signs form a
few long runs and exact Pareto spectra are labelled `collapsed` at every width.

`calibrated_test` works on the τ sample itself, with *extended* as the null hypothesis:

* **Test A (tail weight).** The top $k=\max(8,\lfloor H/4\rfloor)$ time scales over the threshold
  $u=\tau_{(H-k)}$ give log-excesses $E_i=\log(\tau_{(H-i+1)}/u)$. Under a Pareto(β) tail they are
  i.i.d. Exp(β) (Rényi's representation), so $2\beta S\sim\chi^2_{2k}$ with $S=\sum_iE_i$ exactly;
  the test rejects $\beta\le\beta_{\rm res}$ (collapse: a tail lighter than $\beta_{\rm res}=3$, a
  stated convention) when $P(\chi^2_{2k}\le2\beta_{\rm res}S)<\alpha_A$. Units whose τ is not
  resolved (non-finite: non-decaying; or beyond `tau_censor`) enter as right-censored at
  `tau_censor`; then $S=\sum_i\min(E_i,L)$ with $L=\log(c/u)$ and its law under
  $\beta_{\rm res}$ is drawn by Monte Carlo from the key.
* **Test B (shape).** Default (`shape="max_ratio"`): the ratio $M=\max_iE_i/\bar E$ of the largest
  log-excess to their mean. Under any Pareto tail the $E_i$ are i.i.d. exponential, so M is
  pivotal (the same law for every β) and independent of S (Basu); a bounded or lighter-than-Pareto
  tail gives a small M, and the test rejects when M falls below its $\alpha_B$ quantile (drawn
  once from exponential samples, `n_boot`·25 draws). Alternative (`shape="lr"`, the construction
  first proposed): the log-likelihood ratio of a shifted exponential law of the exceedance
  ratios $Y_i=\tau_{(H-i+1)}/u$ (density $\lambda e^{-\lambda(Y-1)}$) against a Pareto law
  ($\beta Y^{-\beta-1}$), both at their maximum-likelihood parameters, with the $1-\alpha_B$
  quantile under the fitted Pareto from a parametric bootstrap tabulated on a grid of β
  (`n_boot` samples per grid point) and interpolated in $\log\hat\beta$. On Pareto(1) truncated
  to [4, 16] at H = 128 (k = 32), M rejects 96 % and the ratio 82 % (2,000 spectra; the ratio has
  more power on an exponential tail, 47 % against 31 %). Test B does not reject when a censored
  unit is among the top k.

Each test runs at 2.5 %; the spectrum is `collapsed` if either rejects (level ≤ 5 %; with the
max-ratio shape test the two are independent under a Pareto tail, level 4.94 % at β = β_res). Otherwise the
label is `unresolved` when fewer than a quarter of the top $k+1$ time scales lie within the lag
grid's range, else `extended`, with the sub-label `broad` / `boundary` / `concentrated` from the
exact 90 % χ² interval of β against 1. `seed_vote` pools seeds of one arm.

| code name | symbol | meaning |
|---|---|---|
| `tau` | $\tau_q$ | per-unit time scales (steps); NaN/∞ = not resolved (right-censored) |
| `k` | $k$ | number of top order statistics in the tail tests |
| `beta_res` | $\beta_{\rm res}$ | tail exponent above which a spectrum counts as collapsed (3) |
| `tau_censor` | $c$ | censoring point: τ > c (or non-finite) is only known to exceed c |
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray
from scipy import stats

from numerics.anticollapse.estimators._stats import seed_of

__all__ = [
    "AUTHORS_LAGS",
    "AUTHORS_TAU_FIT_WINDOW",
    "BETA_RES",
    "AuthorsVerdict",
    "CollapseTest",
    "authors_rule",
    "authors_rule_tau",
    "calibrated_test",
    "seed_vote",
    "tail_k",
]

#: The authors' default lag grid: `floor(linspace(4, 384, 128))` (128 distinct integer lags).
AUTHORS_LAGS: np.ndarray = np.unique(np.linspace(4, 384, 128, dtype=int)).astype(np.float64)
#: The authors' per-unit τ-fit window (lags 64..384), the range in which a unit's decay is measured.
AUTHORS_TAU_FIT_WINDOW: tuple[float, float] = (64.0, 384.0)
#: Convention: a tail exponent above 3 (lighter than any tail the formulation calls extended) is collapse.
BETA_RES: float = 3.0
#: Size of each of the two tests (their union has level at most 5 %).
ALPHA_EACH: float = 0.025
#: Grid of β on which the null law of the shape statistic is tabulated (log-spaced).
_BETA_GRID: np.ndarray = np.geomspace(0.2, 50.0, 25)


# ----------------------------------------------------------------------------- authors' rule
class AuthorsVerdict(NamedTuple):
    """The authors' gate: the label and the values of its four conditions."""

    label: str  # "collapsed" or "extended" (their anti-collapsed branch)
    winner: str  # AIC winner: "exponential", "power" or "tempered"
    window_beta: float  # the global fit's exponent the gate compares with 0.10
    n_window: int  # lags in the window (ℓ ≤ ℓ*, or the whole grid for a power winner)
    runs_p: float  # two-sided runs-test p-value (NaN where undefined: fails)
    reason: str  # "" when a window exists; else why not


def _runs_p(resid: np.ndarray) -> float:
    """The authors' runs test: NaN (fail) for n < 8 or one sign; p = 1 if max|r| ≤ 1e-10."""
    r = resid[np.isfinite(resid)]
    n = r.size
    if n < 8:
        return float("nan")
    if float(np.max(np.abs(r))) <= 1.0e-10:
        return 1.0
    s = r >= 0
    n1 = int(s.sum())
    n2 = n - n1
    if n1 == 0 or n2 == 0:
        return float("nan")
    runs = 1 + int(np.sum(s[1:] != s[:-1]))
    mu = 1.0 + 2.0 * n1 * n2 / n
    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n * n * (n - 1.0))
    if var <= 0:
        return float("nan")
    z = (runs - mu) / math.sqrt(var)
    return float(2.0 * stats.norm.sf(abs(z)))


def authors_rule(
    f: Float[Array, " L"],
    lags: Float[Array, " L"] = AUTHORS_LAGS,
    *,
    beta_min: float = 0.10,
    min_points: int = 8,
    min_fraction: float = 0.05,
    alpha: float = 0.05,
) -> AuthorsVerdict:
    r"""The authors' power-law-window gate on an envelope f (a collapsed label iff it fails).

    Fits of $\log\max(f,10^{-30})$: exp $a+b\ell$, power $c+d\log\ell$, tempered
    $a+d\log\ell+b\ell$; AIC $=n\log(\mathrm{RSS}/n+10^{-30})+2k$. A window exists iff (1) the AIC
    winner is power or tempered; (2) the global fit's exponent (power: $\max(0,-d)$; tempered:
    $\beta_{\rm temp}=\max(0,-d)$) exceeds `beta_min`; (3) at least
    $\max(8,\lceil5\%\cdot L\rceil)$ lags lie in the window — the whole grid for a power winner,
    $\ell\le\ell^\star=\beta_{\rm temp}\tau_{\max}$ for a tempered one (no window when $b\ge0$,
    $\beta_{\rm temp}=0$ or ℓ* below the grid); (4) the two-sided Wald–Wolfowitz runs test
    (normal approximation, sign $r\ge0$) on the residuals of a local power fit on the window
    gives p > `alpha`; it is skipped (p = 1) only when max|r| ≤ 1e-10, and fails with fewer
    than 8 residuals or one sign.
    """
    ells = np.asarray(lags, dtype=np.float64).reshape(-1)
    y = np.log(np.maximum(np.asarray(f, dtype=np.float64).reshape(-1), 1e-30))
    m = np.isfinite(ells) & np.isfinite(y) & (ells > 0)
    ells, y = ells[m], y[m]
    if ells.size < 6:
        raise ValueError(f"envelope has {ells.size} usable lags; the authors' rule needs >= 6")
    n = float(ells.size)
    log_ell = np.log(ells + 1e-12)
    one = np.ones_like(ells)
    fits = {}
    for name, X in (
        ("exponential", np.stack([one, ells], 1)),
        ("power", np.stack([one, log_ell], 1)),
        ("tempered", np.stack([one, log_ell, ells], 1)),
    ):
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        rss = float(np.sum((y - X @ coef) ** 2))
        fits[name] = (coef, n * np.log(rss / n + 1e-30) + 2 * X.shape[1])
    winner = min(fits, key=lambda k: fits[k][1])
    d_pow = float(fits["power"][0][1])
    d_log, b_ell = float(fits["tempered"][0][1]), float(fits["tempered"][0][2])
    beta_temp = max(0.0, -d_log)
    tau_max = -1.0 / b_ell if b_ell < 0 else math.inf
    lstar = beta_temp * tau_max if (math.isfinite(tau_max) and beta_temp > 0 and tau_max > 0) else math.nan

    need = int(max(min_points, math.ceil(min_fraction * n)))
    window = np.zeros(ells.size, dtype=bool)
    wbeta, reason = math.nan, ""
    if winner == "power":
        window[:] = True
        wbeta = max(0.0, -d_pow)
    elif winner == "tempered":
        if math.isfinite(lstar) and lstar > 0 and lstar >= float(ells.min()):
            window = ells <= lstar
            wbeta = beta_temp
        else:
            reason = "ell_star_undefined_or_out_of_range"
    else:
        reason = "exponential_winner"
    n_win = int(window.sum())
    p = math.nan
    if n_win >= 2:
        slope, icpt = np.polyfit(log_ell[window], y[window], 1)
        p = _runs_p(y[window] - (icpt + slope * log_ell[window]))
    beta_ok = math.isfinite(wbeta) and wbeta > beta_min
    size_ok = n_win >= need
    runs_ok = math.isfinite(p) and p > alpha
    ok = winner in ("power", "tempered") and beta_ok and size_ok and runs_ok
    if not ok and not reason:
        failed = [s for s, g in (("beta", beta_ok), ("size", size_ok), ("runs", runs_ok)) if not g]
        reason = "+".join(failed)
    return AuthorsVerdict("extended" if ok else "collapsed", winner, float(wbeta), n_win, float(p), reason)


def authors_rule_tau(tau: Float[Array, " H"], lags: Float[Array, " L"] = AUTHORS_LAGS) -> AuthorsVerdict:
    r"""`authors_rule` on the mixture envelope $f_\tau(\ell)=\frac1H\sum_qe^{-\ell/\tau_q}$ of
    the finite time scales (a non-decaying unit, τ = ∞, contributes 1 at every lag)."""
    t = np.asarray(tau, dtype=np.float64).reshape(-1)
    t = np.where(np.isnan(t), np.inf, t)
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    return authors_rule(np.exp(-lag[:, None] / t[None, :]).mean(axis=1), lag)


# ----------------------------------------------------------------------------- calibrated test
class CollapseTest(NamedTuple):
    """Calibrated collapse test of one spectrum (arrays: one entry per spectrum of a batch)."""

    label: np.ndarray  # "collapsed", "extended" or "unresolved"
    sublabel: np.ndarray  # "broad" / "boundary" / "concentrated" for extended, else ""
    p_tail: np.ndarray  # Test A p-value (small: tail lighter than beta_res)
    stat_shape: np.ndarray  # Test B statistic (see `shape`)
    crit_shape: np.ndarray  # its critical value
    shape_reject: np.ndarray  # Test B rejects (never with a censored unit among the top k)
    beta_hat: np.ndarray  # (censored) Hill estimate d / S
    beta_lo: np.ndarray  # exact 90 % chi-square interval (uncensored formula)
    beta_hi: np.ndarray
    n_censored: np.ndarray  # censored units among the top k
    k: int


def tail_k(H: int) -> int:
    """Number of top order statistics the tests use: $\\max(8,\\lfloor H/4\\rfloor)$, capped at H − 1."""
    return int(min(max(8, H // 4), H - 1))


def _shape_lr(logy: np.ndarray, uncens: np.ndarray) -> np.ndarray:
    r"""Exponential minus Pareto maximised log-likelihood of the ratios $Y=e^{\log Y}$ along the
    last axis, censored form: $d\log(S/S_1)+\sum_{\rm uncensored}\log Y$ with
    $S=\sum\log Y$, $S_1=\sum(Y-1)$, d the number of uncensored ratios."""
    d = uncens.sum(axis=-1)
    s_log = logy.sum(axis=-1)
    s_lin = np.expm1(logy).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = d * np.log(s_log / s_lin) + np.where(uncens, logy, 0.0).sum(axis=-1)
    return np.where(s_log > 0, lr, 0.0)


@functools.lru_cache(maxsize=64)
def _shape_null_table(k: int, n_boot: int, seed: int, alpha: float) -> np.ndarray:
    """(1 − alpha) quantile of the shape statistic for k Pareto(β) ratios, on `_BETA_GRID`."""
    rng = np.random.default_rng(seed)
    e = rng.standard_exponential((n_boot, k))
    q = np.empty(_BETA_GRID.size)
    uncens = np.ones((n_boot, k), dtype=bool)
    for j, b in enumerate(_BETA_GRID):
        q[j] = np.quantile(_shape_lr(e / b, uncens), 1.0 - alpha)
    return q


@functools.lru_cache(maxsize=64)
def _max_ratio_quantile(k: int, n_draws: int, seed: int, alpha: float) -> float:
    """alpha quantile of max/mean of k i.i.d. exponentials (pivotal: the same for every β)."""
    e = np.random.default_rng(seed).standard_exponential((n_draws, k))
    return float(np.quantile(e.max(axis=1) / e.mean(axis=1), alpha))


def calibrated_test(
    tau: Float[Array, "... H"],
    key: PRNGKeyArray,
    *,
    beta_res: float = BETA_RES,
    alpha_each: float = ALPHA_EACH,
    tau_censor: float = math.inf,
    lags: Float[Array, " L"] = AUTHORS_LAGS,
    n_boot: int = 1000,
    n_mc: int = 2000,
    shape: str = "max_ratio",
) -> CollapseTest:
    r"""Calibrated collapse test on time-scale samples (one spectrum, or a batch `(R, H)`).

    Null hypothesis: *extended* (a tail at least as heavy as Pareto($\beta_{\rm res}$) in the
    top k). `collapsed` needs Test A (χ² tail weight) or Test B (exponential-vs-Pareto shape,
    `n_boot` bootstrap samples per β grid point) to reject at `alpha_each`; see the module
    docstring. Units with a non-finite τ, or τ > `tau_censor`, are right-censored at
    `tau_censor` (with `tau_censor = ∞`, at the largest finite τ). When more than k units are
    censored, the tail is beyond reach and the label is `unresolved`.
    """
    t = np.asarray(tau, dtype=np.float64)
    single = t.ndim == 1
    t = np.atleast_2d(t)
    R, H = t.shape
    k = tail_k(H)
    lag = np.asarray(lags, dtype=np.float64).reshape(-1)
    cens = ~np.isfinite(t) | (t > tau_censor)
    if math.isfinite(tau_censor):
        c = np.full(R, float(tau_censor))
    else:
        fin = np.where(np.isfinite(t), t, -np.inf).max(axis=1)
        c = fin
    tt = np.where(cens, c[:, None], t)
    # sort by value; censored units sort last (at c, ties broken in favour of censoring)
    order = np.lexsort((cens, tt), axis=-1)
    ts = np.take_along_axis(tt, order, axis=1)
    cs = np.take_along_axis(cens, order, axis=1)
    u = ts[:, H - k - 1]
    top, ctop = ts[:, H - k :], cs[:, H - k :]
    n_cens = ctop.sum(axis=1)
    beyond = cs[:, H - k - 1] | ~(u > 0)
    uu = np.where(beyond, 1.0, u)
    logy = np.log(top / uu[:, None])
    d = (k - n_cens).astype(np.float64)
    S = logy.sum(axis=1)
    # Test A
    rng = seed_of(key)
    p_tail = stats.chi2.cdf(2.0 * beta_res * S, 2 * k)
    for i in np.nonzero((n_cens > 0) & ~beyond)[0]:
        L = math.log(c[i] / uu[i])
        draws = np.minimum(rng.standard_exponential((n_mc, k)) / beta_res, L).sum(axis=1)
        p_tail[i] = (1.0 + np.sum(draws <= S[i])) / (n_mc + 1.0)
    # Test B (skipped, i.e. no rejection, when a censored unit is among the top k)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta_hat = np.where(S > 0, d / S, np.inf)
    seed = int(rng.integers(0, 2**31 - 1))
    if shape == "lr":
        stat = _shape_lr(logy, ~ctop)
        table = _shape_null_table(k, int(n_boot), seed, float(alpha_each))
        crit = np.interp(np.log(np.clip(beta_hat, _BETA_GRID[0], _BETA_GRID[-1])), np.log(_BETA_GRID), table)
        b_rej = stat > crit
    elif shape == "max_ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(S > 0, logy.max(axis=1) * k / S, np.nan)
        crit = np.full(R, _max_ratio_quantile(k, int(n_boot) * _BETA_GRID.size, seed, float(alpha_each)))
        b_rej = stat < crit
    else:
        raise ValueError(f"shape={shape!r}; allowed: 'max_ratio', 'lr'")
    b_rej = b_rej & (n_cens == 0)
    reject = (p_tail < alpha_each) | b_rej
    reject &= ~beyond
    # interval (uncensored chi-square formula; with censoring it is approximate)
    with np.errstate(divide="ignore"):
        lo = stats.chi2.ppf(0.05, 2 * k) / (2.0 * S)
        hi = stats.chi2.ppf(0.95, 2 * k) / (2.0 * S)
    in_grid = ((top >= lag.min()) & (top <= lag.max()) & ~ctop).sum(axis=1) + (
        (u >= lag.min()) & (u <= lag.max()) & ~beyond
    )
    unresolved = beyond | (in_grid < (k + 1) / 4.0)
    label = np.where(reject, "collapsed", np.where(unresolved, "unresolved", "extended"))
    sub = np.where(label == "extended", np.where(lo > 1.0, "concentrated", np.where(hi < 1.0, "broad", "boundary")), "")
    out = CollapseTest(label, sub, p_tail, stat, crit, b_rej, beta_hat, lo, hi, n_cens, k)
    if single:
        out = CollapseTest(*(x[0] if isinstance(x, np.ndarray) else x for x in out))
    return out


def seed_vote(labels, alpha: float = 0.05) -> tuple[str, int, int]:
    r"""Pool the labels of one arm's seeds: `collapsed` when the number of collapsed seeds reaches
    the critical count $c$, the smallest count with $P(\mathrm{Bin}(n,\alpha)\ge c)\le\alpha$ (one
    above the 95 % point of Binomial(n, α) for α = 0.05), so that an arm of extended spectra,
    each falsely collapsed with probability ≤ α, is called collapsed with probability ≤ α.
    Returns `(label, n_collapsed, critical_count)`; the label is `collapsed` or `extended`."""
    labs = [str(x) for x in np.asarray(labels).reshape(-1)]
    n = len(labs)
    if n == 0:
        raise ValueError("seed_vote needs at least one label")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha} is out of range; allowed: 0 < alpha < 1")
    n_col = sum(x == "collapsed" for x in labs)
    crit = next(c for c in range(n + 2) if stats.binom.sf(c - 1, n, alpha) <= alpha)  # P(X >= c) <= alpha
    return ("collapsed" if n_col >= crit else "extended", n_col, crit)
