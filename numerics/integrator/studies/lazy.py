r"""Study `integrator-lazy`: the large-σ (lazy) regime and the rich/lazy phase diagram.

The lazy regime of the integrator paper (arXiv:2503.18754): [§7][integrator-s7], the reference
tables [T5][integrator-t5], [T7][integrator-t7] and [T8][integrator-t8] of [§9][integrator-s9],
and figure 5 of [§11][integrator-s11]; the formulation and the reference values are the
toolkit's own. Four parts:

1. **Kernel** ([table T7][integrator-t7]). The code-generated large-$N$ kernel
   $K_\sigma(\tau,\tau')=e^{-(\tau+\tau')}I_0(2\sigma\sqrt{\tau\tau'})$ against finite-$N$
   Ginibre draws $\phi(\tau)\cdot\phi(\tau')$, $\phi(\tau)=e^{(W_0-I)\tau}u/\sqrt N$,
   $|u|^2=N$; the draw mean must be within 3 standard errors, and the draw-to-draw
   error must shrink like $N^{-1/2}$.
2. **Readout-only** ([table T5][integrator-t5]). `numerics.integrator.readout_only` (exact
   eigenbasis solution) at $N=400$ for the table's $(\sigma,c_\star)$ rows: the target pole
   $1-c_\star$ inside the bulk disk ($|1-c_\star|<\sigma$, finite RKHS norm) is learned
   fast; outside it the loss decays as a slow power law.
3. **Full training** ([table T8][integrator-t8]). Gradient flow of the whole network at
   $\sigma\in\{0.5,0.8,0.9\}$, $c_\star=0.2$: at $\sigma=0.9$ (pole inside) no eigenvalue
   leaves the bulk and the loss falls by $10^3$ by $t=5$; at $\sigma=0.5$ an outlier escapes
   (rich). Each point trains $D$ network draws (`network_draws`, `--draws`; quick 1, paper 5
   as [§11][integrator-s11] asks) in one compiled computation
   (`numerics.integrator.gradient_flow_draws`); every check holds the worst draw.
4. **Phase diagram**. `numerics.integrator.sweep`: a $(\sigma,c_\star)$ grid trained
   by GD in one vmapped, jitted call; the measured regime (outlier separated from the bulk
   of the same draw by more than $\delta$) against the line $|1-c_\star|=\sigma$.

`--target` replaces the table rows of the readout-only part by the given target at each
readout $\sigma$ (checked qualitatively against the criterion $\max_i|1+\mu_i|<\sigma$ over
the target poles $\mu_i$ of $A_s$); `--sigma`/`--c-star`/`--N` set the full-training runs;
`--animate` writes `animation.gif` (the spectrum of $W(t)$ over training).

| code name | symbol | meaning |
|---|---|---|
| `sigma`, `c_star` | $\sigma,c_\star$ | bulk radius, target rate |
| `K`, `K_N` | $K_\sigma$, finite-$N$ kernel | lazy feature kernel |
| `ratio` | $L(T)/L_0$ | readout-only loss ratio at $T=10,\dots,10^4$ |
| `rel_change` | $\lVert W_T-W_0\rVert_2/\lVert W_0\rVert_2$ | relative weight change |
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from numerics import integrator as lr
from numerics.core import UsageError, colormap, subplots
from numerics.integrator import _phase_diagram as pdg
from numerics.integrator._targets import Target, make_target
from numerics.integrator.studies import _common as ic, _extra as ex
from numerics.study import (
    Check,
    CheckSpec,
    Measurement,
    Params,
    Study,
    StudyConfig,
    check_ge,
    check_in,
    check_le,
    check_true,
)

__all__ = ["STUDY", "LazyParams", "measure", "checks", "figures", "T5_ROWS", "T7_REF", "c_eff_of"]

NAME = "integrator-lazy"
T5_TIMES = (10.0, 1e2, 1e3, 1e4)
#: docs: integrator table T5 (N=400): (sigma, c_star) -> ranges of L(T)/L0 at T5_TIMES; "out" rows
#: are tolerance targets (reference values computed from the toolkit's formulation)
T5_ROWS: dict[tuple[float, float], tuple[str, tuple[tuple[float, float], ...]]] = {
    (0.5, 0.1): ("out", ((0.48, 0.52), (0.32, 0.35), (0.21, 0.23), (0.14, 0.15))),
    (0.5, 0.3): ("out", ((0.12, 0.15), (0.034, 0.045), (0.009, 0.012), (0.0023, 0.0033))),
    (0.5, 0.8): ("in", ((2e-4, 10e-4), (0.8e-5, 2e-5), (2e-6, 9e-6), (1.5e-7, 5e-7))),
    (0.8, 0.05): ("out", ((0.39, 0.46), (0.23, 0.28), (0.14, 0.18), (0.086, 0.11))),
    (0.8, 0.4): ("in", ((0.7e-3, 4.4e-3), (2e-5, 21e-5), (0.7e-6, 31e-6), (0.8e-7, 2.5e-7))),
}
#: docs: integrator table T7 (theory values of K_sigma at sigma = 0.7)
T7_REF = {(1.0, 1.0): 0.21023, (2.0, 3.0): 0.046849, (0.0, 1.0): math.exp(-1), (2.0, 2.0): 0.076144}
T7_SIGMA = 0.7  # the sigma of the T7_REF values
#: the N of the table T5 rows; at another readout N the rows are not compared
T5_N = 400
DELTA = 0.05  # docs: integrator §8 escape margin (disk of radius sigma + delta)
#: phase-diagram separation threshold: the size of lazy-regime eigenvalue motion (docs: integrator
#: table T8: max Re lambda moves by <= 0.02 in lazy full training), so a larger rise is an
#: outlier, not bulk drift
PHASE_DELTA = 0.02
#: the other separation thresholds reported in the notes (sensitivity of the boundary)
PHASE_DELTA_SENSITIVITY = (0.0, 0.05)

#: Training time of the phase-diagram sweep. Near the boundary the outlier leaves the bulk
#: slowly, so a short run counts rich cells as lazy: at N = 32, 12 x 12 x 3 draws, six seeds,
#: T = 5 put 50-100% of sigma columns within one cell of |1-c*| = sigma (boundary biased towards
#: small c*), T = 15 put 75-100% (bias at most one cell except at the smallest sigma).
PHASE_T = 15.0

# ----------------------------------------------------------------------------- tolerances
#: generated K_sigma against the T7_REF values, which are printed to 5 significant digits:
#: relative rounding error <= 5e-5
T7_ROUNDING_TOL = 5e-5
#: |draw mean - theory| / SE of the finite-N kernel: within 3 standard errors estimated from
#: the draws (a two-sided 3-sigma band)
KERNEL_Z_TOL = 3.0
#: log-log slope of the RMS draw error against N: theory -1/2 (finite-N fluctuations of a
#: self-averaging quadratic form); +-0.3 covers the sampling error of an RMS over a few tens
#: of draws
KERNEL_SLOPE_BAND = (-0.8, -0.2)
#: table T5 outside-disk rows: a new network draw falls within [0.75 x lower, 1.25 x upper]
#: of the range the reference draws spanned
T5_WIDEN = (0.75, 1.25)
#: pole inside the bulk disk (finite RKHS norm): readout-only L(1e4)/L0 below this (qualitative
#: pass/fail of table T5)
T5_INSIDE_MAX = 1e-5
#: pole outside the bulk disk (infinite RKHS norm): L(1e4)/L0 above this (qualitative)
T5_OUTSIDE_MIN = 1e-3
#: c* <= this outside the disk: the loss decays as a slow power law (the slope band applies)
T5_SLOW_C = 0.1
#: log-log slope of L(t)/L0 on [1e2, 1e4] for such a row: the qualitative band of table T5
T5_SLOPE_BAND = (-0.3, -0.1)
#: table T8, lazy full training: max_t max Re lambda(W(t)) - max Re lambda(W0) (no eigenvalue
#: leaves the bulk; the lazy motion is ~0.02)
T8_RISE_TOL = 0.05
#: table T8: L(5)/L0 (fast lazy fit; pole 0.8 inside the bulk of radius 0.9)
T8_LOSS_TOL = 1e-3
#: fraction of sigma columns whose measured boundary is within one c* cell of |1-c*| = sigma:
#: 'most' = >= 80%, so up to 1 column in 5 may be off by one more cell (finite-N edge
#: fluctuations, threshold choice)
PHASE_WITHIN_ONE_MIN = 0.8


def _phase_cell_min(C: int) -> float:
    """Fraction of phase-diagram cells whose regime must agree with theory: `1 - 1/C` allows
    on average one mis-classified boundary cell per sigma column (`C` cells in c*)."""
    return 1 - 1.0 / C


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class LazyParams(Params):
    r"""Parameters of `integrator-lazy` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `kernel_sigma` | $\sigma$ of the kernel part (the reference values are at 0.7) |
    | `kernel_N` | the finite $N$ of the kernel draws (grid) |
    | `kernel_draws` | Ginibre draws per $N$ |
    | `readout_N` | $N$ of the readout-only runs ([table T5][integrator-t5] uses 400) |
    | `readout_rows` | the readout-only $(\sigma,c_\star)$ rows |
    | `sigma`, `c_star`, `N` | the full-training grid |
    | `t_full` | full-training time |
    | `network_draws` | network draws $D$ per full-training point |
    | `snapshots` | saved times of each full-training run (plus $t=0$) |
    | `phase_diagram` | whether to run the phase-diagram sweep |
    | `phase_grid` | $(S, C)$: grid points in $\sigma$ and in $c_\star$ |
    | `phase_sigma`, `phase_c` | the $\sigma$ and $c_\star$ ranges of the grid |
    | `phase_N`, `phase_T` | network size and training time of the sweep |
    | `phase_eta_frac` | GD step as a fraction of the stability bound $4c_{\star,\min}^2$ |
    | `phase_draws` | network draws per grid cell |
    | `target` | `--target` filters, summed (empty: the leaky targets of the rows and grid) |
    """

    kernel_sigma: float = T7_SIGMA
    kernel_N: tuple[int, ...] = (100, 300, 1000, 3000)
    kernel_draws: int = 64
    readout_N: int = T5_N
    readout_rows: tuple[tuple[float, float], ...] = tuple(T5_ROWS) + ((0.9, 0.05), (0.9, 0.2))
    sigma: tuple[float, ...] = (0.5, 0.8, 0.9)
    c_star: tuple[float, ...] = (0.2, 0.05)
    N: tuple[int, ...] = (100, 200, 500)
    t_full: float = 5.0
    network_draws: int = 5  # docs: integrator §11: N in {100, 200, 500}, >= 5 draws per point
    phase_diagram: bool = True
    phase_grid: tuple[int, int] = (16, 16)
    phase_N: int = 100
    phase_T: float = PHASE_T
    phase_eta_frac: float = 0.5
    phase_draws: int = 5
    phase_sigma: tuple[float, float] = (0.3, 0.85)
    phase_c: tuple[float, float] = (0.168, 0.718)
    snapshots: int = 40
    target: tuple[Target, ...] = ()

    def __post_init__(self) -> None:
        ex.freeze_lists(self)


def _validate(params: LazyParams) -> None:
    """Cross-field checks of a profile with overrides (`UsageError`)."""
    ic.network_draws(params.as_dict())
    if len(params.phase_grid) != 2 or len(params.phase_sigma) != 2 or len(params.phase_c) != 2:
        raise UsageError(
            f"phase_grid={params.phase_grid}, phase_sigma={params.phase_sigma}, phase_c={params.phase_c}: "
            "each needs exactly two entries ((S, C) points; (lo, hi) ranges)"
        )


# ----------------------------------------------------------------------------- part 1: kernel
def _measure_kernel(cfg: StudyConfig, series: dict) -> dict[str, Any]:
    p = cfg.params
    sigma = float(p.kernel_sigma)
    Ns = [int(n) for n in p.kernel_N]
    draws = int(p.kernel_draws)
    pairs = list(T7_REF)
    K = ex.lazy_kernel_fn()
    theory = np.array([float(K(sigma, a, b)) for a, b in pairs])
    ref_err = None
    if math.isclose(sigma, T7_SIGMA):
        ref = np.array(list(T7_REF.values()))
        ref_err = np.max(np.abs(theory - ref) / ref)
    rms, zrows = [], []
    for n in tqdm(Ns, desc="kernel draws", disable=not cfg.progress):
        d = ex.kernel_draws(ic.point_key(cfg.seed, 7, n), sigma, pairs, n, draws)
        mean, se = d.mean(0), d.std(0, ddof=1) / math.sqrt(draws)
        rms.append(np.sqrt(np.mean((d - theory) ** 2, axis=0)))
        series[f"kernel_draws_N{n}"] = d
        if n == max(Ns):
            for j, (a, b) in enumerate(pairs):
                zrows.append((n, a, b, abs(mean[j] - theory[j]) / se[j], mean[j], theory[j], se[j]))
    rms = np.array(rms)
    series["kernel_N"] = np.array(Ns)
    series["kernel_rms"] = rms
    series["kernel_theory"] = theory
    slope = float(np.polyfit(np.log(Ns), np.log(rms.mean(1)), 1)[0]) if len(Ns) >= 2 else None
    # the figure's K(tau, tau') along tau' = tau and tau' = 2 tau, at the largest N
    taus = np.linspace(0.0, 4.0, 9)
    n_big = max(Ns)
    feats = np.asarray(
        ex.ginibre_features(
            ic.point_key(cfg.seed, 8, n_big), sigma, jnp.asarray(np.concatenate([taus, 2 * taus])), n_big, draws
        )
    )
    fine = np.linspace(0, 4, 200)
    lines = {sc: np.array([float(K(sigma, t, sc * t)) for t in fine]) for sc in (1.0, 2.0)}
    return dict(
        sigma=sigma,
        Ns=Ns,
        draws=draws,
        pairs=pairs,
        ref_err=ref_err,
        zrows=zrows,
        rms=rms,
        slope=slope,
        taus=taus,
        feats=feats,
        fine=fine,
        lines=lines,
    )


def _kernel_checks(k: dict[str, Any]) -> list[Check]:
    out = []
    sigma, draws, Ns = k["sigma"], k["draws"], k["Ns"]
    if k["ref_err"] is not None:
        out.append(
            check_le(
                "T7_theory_vs_reference",
                k["ref_err"],
                T7_ROUNDING_TOL,
                "generated K_sigma at sigma=0.7 vs table T7 (integrator docs) values (printed to 5 digits: "
                "relative rounding <= 5e-5)",
            )
        )
    for n, a, b, z, mean, theory, se in k["zrows"]:
        out.append(
            check_le(
                f"T7_K({a:g},{b:g})_N{n}_zscore",
                z,
                KERNEL_Z_TOL,
                f"|mean of {draws} draws - theory| / SE at sigma={sigma:g}, N={n} (table T7 (integrator docs): "
                f"within 3 standard errors estimated from the draws); mean {mean:.5f}, theory {theory:.5f}, "
                f"SE {se:.2g}",
            )
        )
    if k["slope"] is not None:
        out.append(
            check_in(
                "T7_error_vs_N_slope",
                k["slope"],
                *KERNEL_SLOPE_BAND,
                f"log-log slope of the RMS draw error (mean over the 4 kernel entries) vs N in {Ns}; "
                "theory -1/2 (finite-N fluctuations of a self-averaging quadratic form); the band +-0.3 covers "
                f"the ~{100 / math.sqrt(2 * draws):.0f}% sampling error of an RMS over {draws} draws",
            )
        )
    return out


def _kernel_figure(k: dict[str, Any]):
    sigma, draws, Ns, rms, taus, feats = k["sigma"], k["draws"], k["Ns"], k["rms"], k["taus"], k["feats"]
    n_big = max(Ns)
    fig, axs = subplots(1, 2, figsize=(10, 4))
    for i, (lab, sc) in enumerate([(r"$\tau'=\tau$", 1.0), (r"$\tau'=2\tau$", 2.0)]):
        col = colormap("viridis")(0.2 + 0.5 * i)
        axs[0].plot(k["fine"], k["lines"][sc], color=col, lw=1.6, label=f"theory {lab}")
        other = feats[:, : len(taus)] if sc == 1.0 else feats[:, len(taus) :]
        vals = np.einsum("dtn,dtn->dt", feats[:, : len(taus)], other)
        axs[0].errorbar(
            taus,
            vals.mean(0),
            yerr=vals.std(0, ddof=1) / math.sqrt(draws),
            ls="none",
            marker="o",
            mfc="none",
            color=col,
            capsize=3,
            label=f"N={n_big}, {draws} draws {lab}",
        )
    axs[0].set_xlabel(r"lag $\tau$")
    axs[0].set_ylabel(r"$K_\sigma(\tau,\tau')$")
    axs[0].set_yscale("log")
    axs[0].set_title(rf"lazy kernel, $\sigma={sigma:g}$ (mean $\pm$ SE)", fontsize=10)
    axs[0].legend(fontsize=7)
    axs[0].grid(alpha=0.3, which="both")
    for j, (a, b) in enumerate(k["pairs"]):
        axs[1].plot(Ns, rms[:, j], marker="o", ls="none", color=colormap("viridis")(j / 4), label=rf"$K({a:g},{b:g})$")
    ref = rms.mean(1)[0] * (np.array(Ns) / Ns[0]) ** -0.5
    axs[1].plot(Ns, ref, color="black", lw=1.2, label=r"$\propto N^{-1/2}$")
    axs[1].set_xscale("log")
    axs[1].set_yscale("log")
    axs[1].set_xlabel("N")
    axs[1].set_ylabel("RMS draw error")
    axs[1].set_title("finite-N error shrinks with N", fontsize=10)
    axs[1].legend(fontsize=7)
    axs[1].grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- part 2: readout-only
def _criterion_inside(target: Target, sigma: float) -> bool:
    r"""Lazy-learnable iff every target pole $z_i=1+\mu_i$ ($\mu_i$ eigenvalues of
    $A_s$) lies inside the bulk disk, $|z_i|<\sigma$ ([§7][integrator-s7])."""
    mu = np.linalg.eigvals(np.asarray(target.As))
    return bool(np.all(np.abs(1 + mu) < sigma))


def c_eff_of(target: Target) -> float:
    r"""Slowest target decay rate $-\max\operatorname{Re}\,\mathrm{eig}(A_s)$."""
    return -float(np.max(np.linalg.eigvals(np.asarray(target.As)).real))


def _measure_readout(cfg: StudyConfig, series: dict, notes: list[str]) -> dict[str, Any]:
    p = cfg.params
    n = int(p.readout_N)
    user = bool(p.target)
    if user:
        targets = {
            f"sigma={s:g}": (float(s), None, ic.sum_targets(p.target)) for s in sorted({r[0] for r in p.readout_rows})
        }
    else:
        targets = {
            f"sigma={s:g}, c*={c:g}": (float(s), float(c), make_target("leaky", c_star=float(c)))
            for s, c in p.readout_rows
        }
    ts = np.unique(np.concatenate([np.logspace(-1, 4, 51), T5_TIMES]))
    curves, rows = {}, []
    params0 = {}
    for label, (sigma, c, target) in tqdm(targets.items(), desc="readout-only", disable=not cfg.progress):
        if sigma not in params0:
            params0[sigma] = lr.init_params(ic.point_key(cfg.seed, 5, n), n, sigma)
        out = lr.readout_only(params0[sigma], target, jnp.asarray(ts))
        ratio = out["loss"] / out["loss"][0]
        curves[label] = ratio
        series[f"readout_ratio[{label}]"] = ratio
        at = np.exp(np.interp(np.log(T5_TIMES), np.log(ts), np.log(ratio)))
        inside = _criterion_inside(target, sigma)
        ref = None if user else T5_ROWS.get((sigma, c))
        c_eff = c_eff_of(target)
        slope = None
        if not inside and not user and c_eff <= T5_SLOW_C:
            slope = ex.loglog_slope(ts, ratio, 1e2, 1e4)
        if ref and ref[0] != "out" and n == T5_N:
            notes.append(
                f"readout-only {label} (pole inside, order of magnitude only): L(T)/L0 = "
                + ", ".join(f"{v:.2g}" for v in at)
                + " vs the ranges of table T5 (integrator docs) "
                + ", ".join(f"{lo:.2g}-{hi:.2g}" for lo, hi in ref[1])
            )
        if not inside and ref is None and not user and c_eff <= T5_SLOW_C:
            notes.append(
                f"readout-only {label} (extra row, pole {1 - c_eff:g} just outside the bulk): "
                f"L(1e4)/L0 = {at[-1]:.3g}, log-log slope on [1e2, 1e4] = {slope:.3f} (the qualitative "
                "band [-0.3, -0.1] of table T5 (integrator docs) is stated for its rows; near the finite-N "
                "edge the boundary is soft)"
            )
        rows.append(dict(label=label, n=n, at=at, inside=inside, ref=ref, c_eff=c_eff, slope=slope, user=user))
    series["readout_t"] = ts
    return dict(n=n, user=user, ts=ts, curves=curves, rows=rows)


def _readout_checks(r: dict[str, Any]) -> list[Check]:
    out = []
    for row in r["rows"]:
        label, n, at, ref, user = row["label"], row["n"], row["at"], row["ref"], row["user"]
        if ref and ref[0] == "out" and n == T5_N:
            for T, (lo, hi), val in zip(T5_TIMES, ref[1], at):
                out.append(
                    check_in(
                        f"T5_{label}_T{T:g}",
                        val,
                        T5_WIDEN[0] * lo,
                        T5_WIDEN[1] * hi,
                        f"readout-only L(T)/L0, N={n}, one draw; table T5 (integrator docs) outside-disk row: a new "
                        "draw falls in [0.75 x lower, 1.25 x upper] of the draw range",
                    )
                )
        outside = check_ge(
            f"T5_outside_{label}_L1e4",
            at[-1],
            T5_OUTSIDE_MIN,
            "pole outside the bulk disk (infinite RKHS norm): L(1e4)/L0 > 1e-3 (table T5 (integrator docs) qualitative)",
        )
        if row["inside"]:
            out.append(
                check_le(
                    f"T5_inside_{label}_L1e4",
                    at[-1],
                    T5_INSIDE_MAX,
                    "pole inside the bulk disk (finite RKHS norm): readout-only L(1e4)/L0 < 1e-5 (table T5 "
                    "(integrator docs) qualitative pass/fail)",
                )
            )
        elif ref is None and not user and row["c_eff"] <= T5_SLOW_C:
            out.append(outside)
        else:
            out.append(outside)
            if row["c_eff"] <= T5_SLOW_C and not user and ref is not None:
                out.append(
                    check_in(
                        f"T5_outside_{label}_slope",
                        row["slope"],
                        *T5_SLOPE_BAND,
                        "log-log slope of L(t)/L0 on [1e2, 1e4] for c* <= 0.1 outside the disk: slow power "
                        "law (table T5 (integrator docs) qualitative band)",
                    )
                )
    return out


def _readout_figure(r: dict[str, Any]):
    ts, curves = r["ts"], r["curves"]
    panels = {"readout-only $L(t)/L_0$": [ic.Curve(ts, v, lab, group=lab, kind="theory") for lab, v in curves.items()]}
    if not r["user"]:
        for (s, c), (side, rng) in T5_ROWS.items():
            lab = f"sigma={s:g}, c*={c:g}"
            if lab in curves:
                mid = np.sqrt(np.array([lo * hi for lo, hi in rng]))
                panels["readout-only $L(t)/L_0$"].append(
                    ic.Curve(np.array(T5_TIMES), mid, f"table T5 (integrator docs) ({side})", group=lab, kind="network")
                )
    return ic.time_figure(
        panels,
        ylabel=r"$L(t)/L_0$",
        logy=True,
        logx=True,
        title=f"Lazy readout-only learning (N={r['n']}): lines = exact solution, markers = table T5 "
        "(integrator docs) range midpoints",
    )


# ----------------------------------------------------------------------------- part 3: full training
def _is_t8_point(user: bool, sigma: float, c: float, n: int, t_full: float) -> bool:
    """The table T8 point: sigma = 0.9, c* = 0.2, N = 100, trained to t >= 5, default target."""
    return not user and math.isclose(sigma, 0.9) and math.isclose(c, 0.2) and n == 100 and t_full >= 5


def _measure_full(cfg: StudyConfig, series: dict, notes: list[str], files: dict[str, bytes]) -> dict[str, Any]:
    p = cfg.params
    t_full = float(p.t_full)
    ts = np.linspace(0.0, t_full, int(p.snapshots) + 1)
    user = bool(p.target)
    D = int(p.network_draws)
    runs, points, snap = {}, [], None
    grid = [(float(s), float(c), int(n)) for s in p.sigma for c in p.c_star for n in p.N]
    for sigma, c, n in tqdm(grid, desc="full training", disable=not cfg.progress):
        target = ic.sum_targets(p.target) if user else make_target("leaky", c_star=c)
        P0 = jax.vmap(lambda k: lr.init_params(k, n, sigma))(ic.draw_keys(cfg.seed, 3, n, draws=D))
        lab = f"sigma={sigma:g}, c*={c:g}, N={n}" if not user else f"sigma={sigma:g}, N={n}"
        outs = ex.flow_or_none(
            lambda: lr.gradient_flow_draws(P0, target, jnp.asarray(ts), rtol=1e-7, atol=1e-9, n_eigs=n),
            notes,
            f"full training {lab}",
        )
        if outs is None:
            points.append(dict(lab=lab, stable=False))
            continue
        runs[lab] = sigma  # the W(t) arrays are not kept (paper: 5 x 41 x 500^2 per point)
        L = np.stack([np.asarray(o["loss"]) for o in outs])  # (D, T)
        W = [np.asarray(o["W"]) for o in outs]
        eig = np.stack([np.stack([np.linalg.eigvals(w) for w in Wd]) for Wd in W])  # (D, T, n)
        maxre = eig.real.max(-1)
        dW = np.stack([[np.linalg.norm(w - Wd[0], 2) for w in Wd] for Wd in W])
        series[f"full_loss[{lab}]"] = L[0]
        series[f"full_maxre[{lab}]"] = maxre[0]
        series[f"full_dW[{lab}]"] = dW[0]
        if D > 1:
            series |= {f"full_loss_draws[{lab}]": L, f"full_maxre_draws[{lab}]": maxre, f"full_dW_draws[{lab}]": dW}
        edge0 = np.abs(eig[:, 0]).max(-1)
        escaped = np.abs(eig[:, -1]).max(-1) > edge0 + DELTA
        pole_inside = _criterion_inside(target, sigma)
        notes.append(
            f"full training {lab} ({D} draw{'s' * (D > 1)}): L0={ic.spread(L[:, 0], '.3g')}, "
            f"L(t={t_full:g})/L0={ic.spread(L[:, -1] / L[:, 0], '.2g')}, max Re lambda "
            f"{ic.spread(maxre[:, 0], '.3f')} -> {ic.spread(maxre[:, -1], '.3f')}, ||W-W0||_2 = "
            f"{ic.spread(dW[:, -1], '.3f')}, outlier escaped in {int(escaped.sum())} of {D}, "
            f"pole inside bulk: {pole_inside}"
        )
        points.append(
            dict(
                lab=lab,
                stable=True,
                sigma=sigma,
                c=c,
                n=n,
                t8=_is_t8_point(user, sigma, c, n, t_full),
                rise=float(np.max(maxre.max(-1) - maxre[:, 0])),
                loss5=float(np.max([np.interp(5.0, ts, Ld) / Ld[0] for Ld in L])),
                escaped=escaped,
                pole_inside=pole_inside,
            )
        )
        if len(runs) == 1 or (math.isclose(sigma, 0.9) and not snap):
            snap = (lab, sigma, c, eig[0])
    series["full_t"] = ts
    if snap is not None and cfg.options.get("animate"):
        lab, sigma, c, eig0 = snap
        files["animation.gif"] = ic.spectrum_animation(
            ts, list(eig0), sigma, theory_path=np.full(len(ts), 1 - c, complex), title=f"lazy {lab}"
        )
    return dict(ts=ts, t_full=t_full, D=D, user=user, runs=runs, points=points, snap=snap)


def _full_checks(f: dict[str, Any]) -> list[Check]:
    out, dtext, t_full = [], ic.draws_text(f["D"]), f["t_full"]
    for pt in f["points"]:
        lab = pt["lab"]
        if not pt["stable"]:
            out.append(
                check_true(f"full_{lab}_stable", False, "gradient flow stayed stable (docs: integrator §10 guard)")
            )
        elif pt["t8"]:
            out.append(
                check_le(
                    "T8_max_re_lambda_rise",
                    pt["rise"],
                    T8_RISE_TOL,
                    "table T8 (integrator docs): max_t max Re lambda(W(t)) - max Re lambda(W0) <= 0.05 (no "
                    "eigenvalue leaves the bulk); " + dtext,
                )
            )
            out.append(
                check_le(
                    "T8_L5_over_L0",
                    pt["loss5"],
                    T8_LOSS_TOL,
                    "table T8 (integrator docs): L(5)/L0 < 1e-3 (fast lazy fit; pole 0.8 inside the bulk of "
                    "radius 0.9); " + dtext,
                )
            )
        elif pt["pole_inside"]:
            out.append(
                check_true(
                    f"full_{lab}_no_outlier",
                    not pt["escaped"].any(),
                    f"pole inside the bulk: no eigenvalue of W(t={t_full:g}) leaves the disk of radius "
                    f"rho(W0)+{DELTA} (docs: integrator §7 lazy regime); {dtext}",
                )
            )
        elif 1 - pt["c"] > pt["sigma"] + 2 * DELTA and not f["user"]:
            out.append(
                check_true(
                    f"full_{lab}_outlier",
                    bool(pt["escaped"].all()),
                    f"pole 1-c*={1 - pt['c']:g} outside the bulk by > 2 delta: an outlier separates from the disk "
                    f"of radius rho(W0)+{DELTA} (rich side of docs: integrator §7); {dtext}",
                )
            )
    return out


def _full_figures(f: dict[str, Any], series: dict) -> dict[str, Any]:
    ts, D, out = f["ts"], f["D"], {}
    panels_L = {"loss": [], r"max Re $\lambda(W)$": [], r"$\|W-W_0\|_2$": []}
    for lab, sigma in f["runs"].items():
        L = series[f"full_loss[{lab}]"]
        panels_L["loss"].append(ic.Curve(ts, L / L[0], lab, group=lab, kind="network"))
        panels_L[r"max Re $\lambda(W)$"].append(
            ic.Curve(ts, series[f"full_maxre[{lab}]"], lab, group=lab, kind="network")
        )
        panels_L[r"max Re $\lambda(W)$"].append(
            ic.Curve(ts, np.full_like(ts, sigma), f"bulk edge sigma={sigma:g}", group=lab, kind="aux")
        )
        panels_L[r"$\|W-W_0\|_2$"].append(ic.Curve(ts, series[f"full_dW[{lab}]"], lab, group=lab, kind="network"))
        if f"full_loss_draws[{lab}]" in series:  # the range over the draws, shaded
            Ld = series[f"full_loss_draws[{lab}]"]
            Ld = Ld / Ld[:, :1]
            for panel, y in (
                ("loss", Ld),
                (r"max Re $\lambda(W)$", series[f"full_maxre_draws[{lab}]"]),
                (r"$\|W-W_0\|_2$", series[f"full_dW_draws[{lab}]"]),
            ):
                panels_L[panel].append(ic.Curve(ts, np.stack([y.min(0), y.max(0)]), "_", group=lab, kind="spread"))
    if f["runs"]:
        out["full_training"] = ic.time_figure(
            panels_L,
            ylabel="value",
            logy=False,
            title="Full gradient-flow training: lazy (pole inside bulk) vs rich"
            + (" (markers: draw 0; band: range over draws)" if D > 1 else ""),
        )
        out["full_training"].axes[0].set_yscale("log")
    if f["snap"] is not None:
        lab, sigma, c, eig = f["snap"]
        pick = np.unique(np.linspace(0, len(ts) - 1, 4).round().astype(int))
        out["spectrum_snapshots"] = ic.spectrum_snapshots_figure(
            ts[pick],
            [eig[i] for i in pick],
            sigma,
            theory=[1 - c] * len(pick),
            title=f"Spectrum of W(t), {lab} (cross: target pole 1-c*)",
        )
    return out


# ----------------------------------------------------------------------------- part 4: phase diagram
def _measure_phase(cfg: StudyConfig, series: dict, notes: list[str]) -> dict[str, Any]:
    p = cfg.params
    S, C = (int(x) for x in p.phase_grid)
    sig = np.linspace(*p.phase_sigma, S)
    cs = np.linspace(*p.phase_c, C)
    n = int(p.phase_N)
    T = float(p.phase_T)
    eta = float(p.phase_eta_frac) * pdg.gd_stability_eta(float(cs.min()), "unit")
    draws = int(p.phase_draws)
    res = pdg.sweep(sig, cs, ic.point_key(cfg.seed, 11, n), n=n, T=T, eta=eta, norm="unit", draws=draws)
    m = pdg.classify(res, PHASE_DELTA)
    agr = pdg.boundary_agreement(m["rich"], sig, cs)
    sens = {d: pdg.boundary_agreement(pdg.classify(res, d)["rich"], sig, cs) for d in PHASE_DELTA_SENSITIVITY}
    notes.append(
        "phase diagram threshold sensitivity: "
        + "; ".join(
            f"delta={d:g}: cell agreement {a['cell_agreement']:.3f}, columns within one cell "
            f"{a['fraction_within_one']:.3f}"
            for d, a in [(PHASE_DELTA, agr)] + list(sens.items())
        )
        + " (delta=0.05 also counts outliers that have not yet converged to 1-c* within t=T as lazy)"
    )
    ok = np.asarray(res.ok)
    steps = int(round(T / eta))
    notes.append(
        f"phase diagram: {S}x{C} grid x {draws} draws, N={n}, unit leaky target, GD eta={eta:.4g} "
        f"(= {p.phase_eta_frac} x docs: integrator §10 bound 4 c*_min^2), draw edge-normalised to rho(W0)=sigma, "
        f"{steps} steps to t={steps * eta:.3g}, "
        f"one jitted call ({pdg.sweep_chunk(n, S * C * draws)} points vmapped per lax.map chunk); "
        f"unstable points: {int((~ok).sum())}"
    )
    signed = (agr["measured_boundary"] - agr["theory_boundary"]) / float(np.mean(np.diff(cs)))
    notes.append(
        "phase diagram: signed boundary offset per sigma column, in c* cells (negative = measured "
        "rich region smaller than theory): "
        + ", ".join(f"{x:+.1f}" for x in signed)
        + f"; mean {np.mean(signed):+.2f}. Finite training time biases it negative: just outside the disk the "
        "outlier leaves the bulk slowly (N = 32 exploration: T = 5 gave offsets of -2 to -3 cells at "
        "small sigma, T = 15 at most -2)."
    )
    series |= {
        "phase_sigma": sig,
        "phase_c_star": cs,
        "phase_rel_change": m["rel_change"],
        "phase_rich": m["rich"],
        "phase_separation": m["separation"],
        "phase_n_outliers": m["n_outliers"],
        "phase_loss_ratio": np.asarray(res.loss[..., -1] / res.loss[..., 0]).mean(0),
        "phase_separation_draws": m["separation_draws"],
        "phase_measured_boundary": agr["measured_boundary"],
        "phase_offset_cells": agr["offset_cells"],
        "phase_signed_offset_cells": signed,
    }
    return dict(C=C, sig=sig, cs=cs, n=n, t_end=steps * eta, ok=ok, agr=agr, m=m)


def _phase_checks(ph: dict[str, Any]) -> list[Check]:
    agr, C = ph["agr"], ph["C"]
    return [
        check_true(
            "phase_all_points_stable",
            bool(ph["ok"].all()),
            "every grid point stayed stable under GD (in-graph doubling certificate; eta inside the docs: "
            "integrator §10 bound)",
        ),
        check_ge(
            "phase_boundary_within_one_cell_fraction",
            agr["fraction_within_one"],
            PHASE_WITHIN_ONE_MIN,
            "fraction of sigma columns whose measured rich/lazy boundary (best step in c*) lies within one "
            "c* grid cell of |1-c*| = sigma; 'most' = >= 80%: at finite N the bulk edge fluctuates by "
            f"O(N^-1/2) and the separation threshold delta={PHASE_DELTA:g} shifts the boundary (agreement at "
            "delta = 0 and 0.05 in the notes), so up to 1 column in 5 may be off by one more cell",
        ),
        check_ge(
            "phase_cell_agreement",
            agr["cell_agreement"],
            _phase_cell_min(C),
            f"fraction of cells whose measured regime (draw-mean of max Re lambda(W_T) - rho(W0) > {PHASE_DELTA}) "
            "agrees with |1-c*| vs sigma; >= 1 - 1/C allows on average one mis-classified boundary cell per sigma "
            "column",
        ),
    ]


# ----------------------------------------------------------------------------- the three steps
DECLARED = (
    CheckSpec(
        "T7_theory_vs_reference",
        f"<= {T7_ROUNDING_TOL:g}",
        "generated K_sigma at sigma = 0.7 against the printed reference values of table T7 (integrator docs), "
        "relative; 5 printed digits round by <= 5e-5 (made only when kernel_sigma is 0.7)",
    ),
    CheckSpec(
        "T7_K({tau},{tau_p})_N{N}_zscore",
        f"<= {KERNEL_Z_TOL:g}",
        "|mean of the finite-N draws - K_sigma| / standard error at the largest N: within 3 standard errors",
    ),
    CheckSpec(
        "T7_error_vs_N_slope",
        f"in [{KERNEL_SLOPE_BAND[0]}, {KERNEL_SLOPE_BAND[1]}]",
        "log-log slope of the RMS draw error against N; theory -1/2, the band covers the sampling error of "
        "an RMS over the draws",
    ),
    CheckSpec(
        "T5_sigma={sigma}, c*={c_star}_T{T}",
        "in [0.75 x lower, 1.25 x upper] of the reference range",
        "readout-only L(T)/L0 at N = 400 for the outside-disk rows of table T5 (integrator docs): a new draw "
        "falls within the widened range of the reference draws",
    ),
    CheckSpec(
        "T5_inside_{row}_L1e4",
        f"<= {T5_INSIDE_MAX:g}",
        "target pole inside the bulk disk (finite RKHS norm): readout-only L(1e4)/L0 is tiny (qualitative)",
    ),
    CheckSpec(
        "T5_outside_{row}_L1e4",
        f">= {T5_OUTSIDE_MIN:g}",
        "target pole outside the bulk disk (infinite RKHS norm): readout-only L(1e4)/L0 stays large (qualitative)",
    ),
    CheckSpec(
        "T5_outside_{row}_slope",
        f"in [{T5_SLOPE_BAND[0]}, {T5_SLOPE_BAND[1]}]",
        "log-log slope of L(t)/L0 on [1e2, 1e4] for a table row with c* <= 0.1 outside the disk: a slow power "
        "law (qualitative band of table T5 (integrator docs))",
    ),
    CheckSpec(
        "full_{point}_stable",
        "true",
        "made (and failed) only when a full-training gradient flow goes unstable",
    ),
    CheckSpec(
        "T8_max_re_lambda_rise",
        f"<= {T8_RISE_TOL:g}",
        "sigma = 0.9, c* = 0.2, N = 100 (pole inside the bulk): the largest real part of the spectrum rises by at "
        "most 0.05 (no eigenvalue leaves the bulk; table T8 (integrator docs)); worst draw",
    ),
    CheckSpec(
        "T8_L5_over_L0",
        f"<= {T8_LOSS_TOL:g}",
        "the same point: L(5)/L0, a fast lazy fit (table T8 (integrator docs)); worst draw",
    ),
    CheckSpec(
        "full_{point}_no_outlier",
        "true",
        "pole inside the bulk: no eigenvalue of W(T) leaves the disk of radius rho(W0) + delta, in any draw",
    ),
    CheckSpec(
        "full_{point}_outlier",
        "true",
        "pole outside the bulk by more than 2 delta: an outlier separates from the disk rho(W0) + delta, in every draw",
    ),
    CheckSpec(
        "phase_all_points_stable",
        "true",
        "every phase-diagram grid point stayed stable under GD (eta inside the stability bound)",
    ),
    CheckSpec(
        "phase_boundary_within_one_cell_fraction",
        f">= {PHASE_WITHIN_ONE_MIN:g}",
        "fraction of sigma columns whose measured rich/lazy boundary lies within one c* cell of |1-c*| = sigma; "
        "finite-N edge fluctuations and the separation threshold may move 1 column in 5 by one more cell",
    ),
    CheckSpec(
        "phase_cell_agreement",
        ">= 1 - 1/C (C: grid points in c*)",
        "fraction of cells whose measured regime agrees with |1-c*| vs sigma; on average one mis-classified "
        "boundary cell per sigma column",
    ),
)


def measure(config: StudyConfig) -> Measurement:
    """The four parts: kernel draws, readout-only solutions, full training, phase-diagram sweep."""
    series: dict[str, np.ndarray] = {}
    notes: list[str] = []
    files: dict[str, bytes] = {}
    data = {
        "kernel": _measure_kernel(config, series),
        "readout": _measure_readout(config, series, notes),
        "full": _measure_full(config, series, notes, files),
    }
    if config.params.phase_diagram:
        data["phase"] = _measure_phase(config, series, notes)
    return Measurement(data=data, series=series, notes=notes, extra_files=files)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """Kernel, readout-only, full-training and phase-diagram checks, in that order (see `DECLARED`)."""
    out = _kernel_checks(m.data["kernel"]) + _readout_checks(m.data["readout"]) + _full_checks(m.data["full"])
    if "phase" in m.data:
        out += _phase_checks(m.data["phase"])
    return out


def figures(config: StudyConfig, m: Measurement) -> dict[str, Any]:
    """Kernel, readout-only curves, full training, spectrum snapshots and the phase diagram."""
    figs = {"kernel": _kernel_figure(m.data["kernel"]), "readout_only": _readout_figure(m.data["readout"])}
    figs |= _full_figures(m.data["full"], m.series)
    if "phase" in m.data:
        ph = m.data["phase"]
        figs["phase_diagram"] = ex.phase_figure(
            ph["sig"],
            ph["cs"],
            ph["m"]["rel_change"],
            ph["m"]["rich"],
            ph["agr"]["measured_boundary"],
            title="Rich/lazy phase diagram",
            n=ph["n"],
            T=ph["t_end"],
        )
    return figs


STUDY = Study(
    name=NAME,
    title="Lazy regime: kernel K_sigma, readout-only power laws, full training, rich/lazy phase diagram",
    paper="integrator",
    params=LazyParams(),
    profiles={
        "quick": {
            "kernel_N": (100, 300, 1000),
            "kernel_draws": 16,
            "readout_rows": tuple(T5_ROWS) + ((0.9, 0.2),),
            "c_star": (0.2,),
            "N": (100,),
            "network_draws": 1,
            "phase_grid": (12, 12),
            "phase_N": 48,
            "phase_eta_frac": 0.8,
            "phase_draws": 3,
            "phase_c": (0.175, 0.725),
            "snapshots": 24,
        },
        "smoke": {
            "kernel_N": (40, 640),
            "kernel_draws": 16,
            "readout_N": 60,
            "readout_rows": ((0.5, 0.3), (0.5, 0.8)),
            "sigma": (0.9,),
            "c_star": (0.2,),
            "N": (24,),
            "t_full": 3.0,
            "network_draws": 2,
            "phase_grid": (4, 4),
            "phase_N": 12,
            "phase_eta_frac": 0.8,
            "phase_draws": 2,
            "phase_sigma": (0.3, 0.75),
            "phase_c": (0.325, 0.775),
            "snapshots": 6,
        },
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(
        ic.target_option(),
        ic.sigma_option(),
        ic.c_star_option(),
        ic.n_option(),
        ic.draws_option(),
        ic.int_option(
            "readout_N",
            "--readout-N",
            "N of the readout-only runs (integer >= 2; table T5 (integrator docs) uses 400)",
            multiple=False,
        ),
    ),
    validate=_validate,
    description=__doc__.split("\n\n")[0],
    flags={"animate": "write animation.gif: spectrum of W(t) over training (bulk circle, target pole)"},
)
