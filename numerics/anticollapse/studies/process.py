r"""Study `anticollapse-process`: Monte Carlo of the coarse-grained process against the
Lundberg root ([§9][anticollapse-s9], tables [T1][anticollapse-t1]–[T3][anticollapse-t3],
figures 3–4 of [§10][anticollapse-s10]; Livi, arXiv:2606.29519, toolkit's formulation).

* **Bernoulli–Exp pushes** (κ = 0.05): Hill β̂ (top 5%) vs the discrete root β_d;
  atom P(X=0) vs β_d/γ (exact) and vs 1−ρ (continuous-time limit).
* **Gaussian forcing**: Hill β̂ vs 2κ/σ²; diffrax SDE cross-check of the diffusion.
* **Bounded pushes** J = B·U[0, J_max] (p = 0.2, κ = 0.05): max X = 0 exactly for
  J_max ≤ κ, P(X>0) > 0 and β̂ decreasing above; ±10% where β_pred ≤ 20.
* **Lévy families**: tempered stable a<1, 1<a<2, truncated stable: Hill β̂ vs the
  Lundberg root (one point per family in quick, six in paper; exact compound-Poisson
  big jumps + small-jump Gaussian, `numerics.anticollapse.simulate_levy`).
* **Phase diagram** of bounded pushes over (J_max, κ), Monte Carlo labels with the
  analytic boundaries κ = J_max and κ = pJ_max/2; tempered stable (a = 1/2, λ = 1) over
  (c, κ), Monte Carlo labels (runaway: mean growth; extended / forcing-limited: Hill β̂
  below / above λ by 3 Hill sd) with the analytic boundaries κ = m and κ = m/a.

| code name | symbol |
|---|---|
| `n_units`, `n_steps` | n, K |
| `hill` | $\hat\beta_H$ (Hill on log τ, top 5%) |
| `beta_root` | Lundberg root β (`numerics.anticollapse.lundberg_root`) |
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
from tqdm import tqdm

from numerics.anticollapse._lundberg import BETA_RES, lundberg_root, phi_function
from numerics.anticollapse._process import sde_gaussian, simulate, simulate_levy, simulate_pushes
from numerics.anticollapse.estimators import hill_tail
from numerics.core import colormap, subplots
from numerics.study import (
    Check,
    CheckSpec,
    Measurement,
    Option,
    Params,
    Study,
    StudyConfig,
    check_ge,
    check_le,
    check_true,
    in_range,
)

__all__ = ["STUDY", "ProcessParams"]

KAPPA_T1 = 0.05
T3_P, T3_KAPPA = 0.2, 0.05
_T1_ALL = ((0.02, 1.0), (0.03, 1.0), (0.04, 1.0), (0.02, 2.0))
_T2_ALL = ((0.02, 0.2, 8000), (0.02, 0.3, 8000), (0.01, 0.3, 16000))
_T3_ALL = (0.04, 0.049, 0.05, 0.06, 0.08, 0.12, 0.20)
_LEVY_ALL = (
    ("tempered_lo", (0.05, 0.02, 0.5, 1.0)),
    ("tempered_lo", (0.06, 0.02, 0.5, 1.0)),
    ("tempered_hi", (0.01, 0.02, 1.5, 1.0)),
    ("tempered_hi", (0.015, 0.02, 1.5, 1.0)),
    # y_c = 2: the top 5% of X lies beyond y_c, where the Cramér tail holds. At y_c = 10 (c = 0.01) the
    # top 5% lies below y_c (single-jump, pre-asymptotic regime): Hill 0.483 vs root 0.531 at n = 2e4.
    ("truncated_stable", (0.05, 0.05, 1.5, 2.0)),
    ("truncated_stable", (0.05, 0.02, 1.5, 2.0)),
)
_LEVY_QUICK = (_LEVY_ALL[0], _LEVY_ALL[3], _LEVY_ALL[4])  # one point per family
TS_A, TS_LAM = 0.5, 1.0  # tempered-stable phase panel: index a and tempering lambda
MIN_UNITS, MAX_UNITS = 1000, 2_000_000  # --n-units bounds (upper: 10x the toolkit's n = 2e5)

# ----------------------------------------------------------------------------- tolerances
#: Bernoulli–Exp: |Hill / beta_d - 1| (docs: anticollapse table T1); widened to 3 Hill sd
#: beta/sqrt(k) where that is larger (only at smoke sizes).
T1_HILL_TOL = 0.05
#: Bernoulli–Exp: |P(X=0) - beta_d/gamma| against the exact discrete law (docs: anticollapse
#: table T1); widened to 3 binomial sd where that is larger.
T1_ATOM_TOL = 0.005
#: Bernoulli–Exp: |P(X=0) - (1-rho)| against the continuous-time limit (docs: anticollapse table
#: T1); never widened: it includes the exact discrete-continuous gap.
T1_CONTINUOUS_TOL = 0.01
#: Gaussian: numeric Lundberg root (codegen + bisection) against 2 kappa/sigma^2: bisection tolerance.
T2_ROOT_TOL = 1e-9
#: Gaussian: |Hill / (2 kappa/sigma^2) - 1| (docs: anticollapse table T2); widened to 3 Hill sd.
T2_HILL_TOL = 0.03
#: diffrax SDE: bias of the stiff wall and the Euler step (dt = 0.05), added to 3 standard errors.
SDE_BIAS_TOL = 0.02
#: diffrax SDE: standard errors of the tail-mean estimate allowed (ESS ~ n/5 from time correlation).
SDE_SE_MULT = 3
#: Bounded pushes: |Hill (top 1%) / beta_pred - 1| (docs: anticollapse table T3); widened to 3 Hill sd.
T3_HILL_TOL = 0.10
#: Bounded pushes: the Hill comparison is quantitative only where beta_pred <= 20 (docs:
#: anticollapse table T3): a larger beta leaves too few X > 0 for the top 1%.
T3_HILL_MAX_BETA = 20
#: Bounded pushes with J_max <= kappa: Y <= 0 a.s., so max X = 0 exactly; no tolerance.
T3_MAX_X_TOL = 0.0
#: Lévy families: least relative Hill error allowed (as Bernoulli–Exp).
LEVY_HILL_TOL = 0.05
#: Pre-asymptotic bias of Hill on the top 5% of X for the Lévy families, measured with this sampler:
#: tempered_lo (0.05, 0.02, 0.5, 1) gives 0.851 vs the root 0.825 (+3.1%, sd 1%) at n = 2e5, K = 6000
#: (top 1%: 0.837, +1.4%); the tail C e^{-beta x} is reached only asymptotically. Added to 3 Hill sd.
LEVY_HILL_BIAS = 0.03
#: Phase panels: fraction of resolved cells whose Monte Carlo label differs from the Lundberg
#: label; a single 3-sd band has a false-label probability ~1e-3 per cell, so none is allowed.
PHASE_DISAGREEMENT_TOL = 0.0
#: Tempered-stable panel: least fraction of cells with a resolved Monte Carlo label (keeps the
#: disagreement check from passing vacuously).
TS_RESOLVED_MIN = 0.5


@dataclass(frozen=True)
class ProcessParams(Params):
    """Parameters of `anticollapse-process` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `n_units` | units per Monte Carlo run of the Bernoulli–Exp, Gaussian and bounded-push rows |
    | `t1` | Bernoulli–Exp rows `(p, gamma)` (κ = 0.05) |
    | `t1_steps`, `t1_steps_low` | steps K of a Bernoulli–Exp run; K when the root β_d < 0.3 (slow relaxation) |
    | `t2` | Gaussian rows `(kappa, sigma, K)` |
    | `t3`, `t3_steps` | bounded-push bounds J_max (p = 0.2, κ = 0.05) and their K |
    | `levy`, `levy_units`, `levy_steps` | Lévy rows `(family, parameters)`, their n and K |
    | `sde_paths`, `sde_t1` | diffrax SDE cross-check: paths and end time |
    | `phase_units`, `phase_steps`, `phase_n` | bounded-push phase diagram: n, K, grid side |
    | `ts_n`, `ts_units`, `ts_steps` | tempered-stable phase panel: grid side, n, K |
    | `curve_n` | points of the analytic curves in the figures |
    """

    n_units: int = 200_000
    t1: tuple[tuple[float, float], ...] = _T1_ALL
    t1_steps: int = 8000
    t1_steps_low: int = 16000
    t2: tuple[tuple[float, float, int], ...] = _T2_ALL
    t3: tuple[float, ...] = _T3_ALL
    t3_steps: int = 8000
    levy: tuple = _LEVY_ALL
    levy_units: int = 200_000
    levy_steps: int = 8000
    sde_paths: int = 256
    sde_t1: float = 400.0
    phase_units: int = 5000
    phase_steps: int = 8000
    phase_n: int = 10
    ts_n: int = 10
    ts_units: int = 20_000
    ts_steps: int = 8000
    curve_n: int = 80


QUICK = dict(
    t1=((0.02, 1.0), (0.02, 2.0)),
    t2=((0.02, 0.2, 4000),),
    t3=(0.04, 0.05, 0.06, 0.12, 0.20),
    t3_steps=4000,
    levy=_LEVY_QUICK,
    levy_units=12_000,
    levy_steps=4000,
    sde_paths=48,
    sde_t1=120.0,
    phase_units=2000,
    phase_steps=4000,
    phase_n=7,
    ts_n=6,
    ts_units=2000,
    ts_steps=3000,
    curve_n=24,
)
SMOKE = dict(
    n_units=10_000,
    t1=((0.02, 2.0),),
    t1_steps=3000,
    t2=((0.02, 0.2, 2500),),
    t3=(0.04, 0.05, 0.12, 0.20),
    t3_steps=2000,
    levy=(_LEVY_ALL[4],),
    levy_units=2000,
    levy_steps=4000,
    sde_paths=16,
    sde_t1=60.0,
    phase_units=500,
    phase_steps=2000,
    phase_n=4,
    ts_n=3,
    ts_units=2000,
    ts_steps=2000,
    curve_n=8,
)

DECLARED = (
    CheckSpec(
        "T1_hill_rel_err_{tag}",
        f"<= max({T1_HILL_TOL}, 3/sqrt(k))",
        "Bernoulli–Exp: |Hill beta (top 5%) / beta_d - 1| against the exact discrete root (docs: anticollapse "
        "table T1); 3 Hill sd governs only at smoke sizes",
    ),
    CheckSpec(
        "T1_atom_vs_exact_{tag}",
        f"<= max({T1_ATOM_TOL}, 3 binomial sd)",
        "Bernoulli–Exp: |P(X=0) - beta_d/gamma|, the exact discrete atom (docs: anticollapse table T1)",
    ),
    CheckSpec(
        "T1_atom_vs_continuous_{tag}",
        f"<= {T1_CONTINUOUS_TOL}",
        "Bernoulli–Exp: |P(X=0) - (1-rho)|, the continuous-time limit (docs: anticollapse table T1); includes the "
        "exact discrete-continuous gap",
    ),
    CheckSpec(
        "T2_root_vs_closed_form_k{kappa}_s{sigma}",
        f"<= {T2_ROOT_TOL:g}",
        "Gaussian: numeric Lundberg root against the SymPy closed form 2 kappa/sigma^2; bisection tolerance",
    ),
    CheckSpec(
        "T2_hill_rel_err_k{kappa}_s{sigma}",
        f"<= max({T2_HILL_TOL}, 3/sqrt(k))",
        "Gaussian: |Hill beta (top 5%) / (2 kappa/sigma^2) - 1| (docs: anticollapse table T2)",
    ),
    CheckSpec(
        "T2_sde_beta_rel_err",
        f"<= {SDE_SE_MULT} se/beta + {SDE_BIAS_TOL}",
        "diffrax SDE of the diffusion: 1/mean of the tail excess against 2 kappa/sigma^2 = 1; 3 standard errors "
        "plus the wall/dt bias",
    ),
    CheckSpec(
        "T3_max_X_{tag}",
        f"<= {T3_MAX_X_TOL}",
        "bounded pushes with J_max <= kappa: Y <= 0 a.s., so max X = 0 exactly (docs: anticollapse table T3)",
    ),
    CheckSpec("T3_tail_present_{tag}", "true", "bounded pushes with J_max > kappa: P(X>0) > 0 (sharp threshold)"),
    CheckSpec(
        "T3_hill_rel_err_{tag}",
        f"<= max({T3_HILL_TOL}, 3/sqrt(k)), only where beta_pred <= {T3_HILL_MAX_BETA}",
        "bounded pushes: |Hill (top 1%) / beta_pred - 1| (docs: anticollapse table T3)",
    ),
    CheckSpec("T3_hill_decreasing", "true", "bounded pushes: Hill beta decreases in J_max above kappa"),
    CheckSpec("T3_ppos_increasing", "true", "bounded pushes: P(X>0) increases with J_max above kappa"),
    CheckSpec(
        "levy_hill_rel_err_{family}_{i}",
        f"<= max({LEVY_HILL_TOL}, {LEVY_HILL_BIAS} + 3/sqrt(k))",
        "Lévy families: |Hill (top 5%) / Lundberg root - 1|; the measured pre-asymptotic bias of the top-5% Hill "
        "plus 3 Hill sd",
    ),
    CheckSpec(
        "phase_bounded_disagreement",
        f"<= {PHASE_DISAGREEMENT_TOL}",
        "bounded pushes: fraction of resolved (J_max, kappa) cells whose Monte Carlo label differs from the "
        "Lundberg label",
    ),
    CheckSpec("phase_bounded_collapse_exact", "true", "every cell with J_max <= kappa has max X = 0 exactly"),
    CheckSpec(
        "phase_tempered_disagreement",
        f"<= {PHASE_DISAGREEMENT_TOL}",
        "tempered stable: fraction of resolved (c, kappa) cells whose Monte Carlo label differs from the Lundberg "
        "label; a 3-sd band has a false-label probability ~1e-3 per cell",
    ),
    CheckSpec(
        "phase_tempered_resolved_fraction",
        f">= {TS_RESOLVED_MIN}",
        "tempered stable: fraction of cells with a resolved Monte Carlo label (keeps the disagreement check from "
        "passing vacuously)",
    ),
)


# ----------------------------------------------------------------------------- helpers
def _hill_tol(k: int, rel: float) -> float:
    """max(the formulation's tolerance, 3 Hill standard errors β/√k, relative) — the latter governs
    only at smoke sizes."""
    return max(rel, 3.0 / math.sqrt(k))


def _tail_stats(x: np.ndarray, k_frac: float = 0.05) -> tuple[float, int]:
    k = max(10, int(k_frac * x.size))
    if (x > 0).sum() <= k:
        return float("nan"), k
    return hill_tail(np.exp(x), k), k


@functools.cache
def _dphi_jit(family: str):
    phi = phi_function(family)
    return jax.jit(jax.grad(lambda t, p: phi(t, *p)))


def _dphi(family: str, beta: float, prm) -> float:
    """Φ'(β) by autodiff of the code-generated Φ (one compilation per family)."""
    return float(_dphi_jit(family)(jnp.asarray(beta), tuple(jnp.asarray(float(v)) for v in prm)))


def _mc_label(x_half: np.ndarray, x_end: np.ndarray) -> int:
    """0 collapsed (X ≡ 0), 1 extended (stationary), 2 runaway: mean X still grows between
    K/2 and K (paired z > 4; a relaxed stationary process has zero mean growth)."""
    if x_end.max() == 0.0:
        return 0
    d = x_end - x_half
    se = d.std() / math.sqrt(d.size) + 1e-300
    return 2 if d.mean() / se > 4.0 else 1


#: Monte Carlo label codes of the phase panels (4: stationary, Hill within 3 sd of λ).
MC_LABELS = ("collapsed", "extended", "runaway", "forcing_limited", "stationary, beta ~ lambda (unresolved)")


def _ts_mc_label(x_half: np.ndarray, x_end: np.ndarray, lam: float) -> tuple[int, float]:
    """Tempered-stable Monte Carlo label: runaway (mean growth, `_mc_label`); else
    Hill β̂ on the top 5% of τ = e^X against λ: extended if β̂ < λ − 3λ/√k, forcing-limited
    if β̂ > λ + 3λ/√k (the d1 tail e^{-λx} times a decreasing power of x has a local
    exponent above λ), otherwise unresolved (code 4); too few X > 0 for Hill: code 4."""
    lab = _mc_label(x_half, x_end)
    if lab != 1:
        return lab, float("nan")
    hill, k = _tail_stats(x_end)
    if not np.isfinite(hill):
        return 4, hill
    band = 3.0 * lam / math.sqrt(k)
    return (1 if hill < lam - band else 3 if hill > lam + band else 4), hill


# ----------------------------------------------------------------------------- measure
def _t1(p: ProcessParams, key, series, progress: bool) -> list[dict]:
    """Bernoulli–Exp pushes: Hill β̂, the atom, the discrete root per row."""
    n, rows, recs = p.n_units, [], []
    for i, (pp, gam) in enumerate(tqdm(p.t1, desc="Bernoulli-Exp pushes", disable=not progress)):
        root = lundberg_root("bernoulli_exp", (KAPPA_T1, pp, gam)).beta
        steps = p.t1_steps_low if root < 0.3 else p.t1_steps
        x = np.asarray(
            simulate_pushes("bernoulli_exp", (KAPPA_T1, pp, gam), jax.random.fold_in(key, i), n_units=n, n_steps=steps)
        )
        hill, k = _tail_stats(x)
        atom = float((x == 0).mean())
        rho = pp / (KAPPA_T1 * gam)
        recs.append(dict(tag=f"p{pp:g}_g{gam:g}", root=root, gam=gam, rho=rho, steps=steps, hill=hill, k=k, atom=atom))
        rows.append((pp, gam, root, gam - pp / KAPPA_T1, hill, hill / math.sqrt(k), atom))
        if i == 0:
            series["t1_ccdf_x"] = np.sort(x)[::-1][: max(1, int(0.2 * n))]
            series["t1_ccdf_params"] = np.array([pp, gam, root, rho])
    series["t1_rows"] = np.array(rows)  # p, gamma, beta_d, gamma-p/kappa, hill, hill_sd, atom
    return recs


def _t2(p: ProcessParams, key, series, progress: bool) -> dict:
    """Gaussian forcing: Hill β̂ against 2κ/σ², and the diffrax SDE cross-check."""
    n, rows, recs = p.n_units, [], []
    for i, (kappa, sigma, steps) in enumerate(tqdm(p.t2, desc="Gaussian forcing", disable=not progress)):
        x = np.asarray(simulate("gaussian", (kappa, sigma), jax.random.fold_in(key, 100 + i), n_units=n, n_steps=steps))
        hill, k = _tail_stats(x)
        beta = 2 * kappa / sigma**2
        root = lundberg_root("gaussian", (kappa, sigma)).beta
        recs.append(dict(kappa=kappa, sigma=sigma, steps=steps, hill=hill, k=k, beta=beta, root=root))
        rows.append((kappa, sigma, beta, hill, hill / math.sqrt(k)))
    series["t2_rows"] = np.array(rows)  # kappa, sigma, beta, hill, hill_sd
    # diffrax SDE cross-check: kappa=0.5, sigma=1 (beta=1, fast relaxation), stiff wall on X<0
    ks, ss = 0.5, 1.0
    xs = np.asarray(sde_gaussian(ks, ss, jax.random.fold_in(key, 199), n_paths=p.sde_paths, t1=p.sde_t1, t_burn=20.0))
    x0 = 0.5
    tail = xs[xs > x0] - x0
    beta_sde = 1.0 / tail.mean()
    # effective sample size ~ tail.size / 5 (samples every 2 time units, correlation time ~ sigma^2/kappa^2 = 4)
    se = beta_sde / math.sqrt(max(tail.size / 5.0, 1.0))
    series["sde_x"] = xs
    return dict(rows=recs, sde=dict(beta=beta_sde, se=se, ks=ks, ss=ss, x0=x0))


def _t3(p: ProcessParams, key, series, notes, progress: bool) -> dict:
    """Bounded pushes: the sharp threshold at J_max = κ and Hill β̂ above it."""
    n, rows, ops, recs = p.n_units, [], [], []
    for i, jmax in enumerate(tqdm(p.t3, desc="bounded pushes", disable=not progress)):
        rr = lundberg_root("bounded", (T3_KAPPA, T3_P, jmax))
        x = np.asarray(
            simulate_pushes(
                "bounded", (T3_KAPPA, T3_P, jmax), jax.random.fold_in(key, 200 + i), n_units=n, n_steps=p.t3_steps
            )
        )
        ppos = float((x > 0).mean())
        hill, k = _tail_stats(x, 0.01)
        recs.append(dict(tag=f"J{jmax:g}", jmax=jmax, beta=rr.beta, ppos=ppos, hill=hill, k=k, max_x=float(x.max())))
        rows.append((jmax, rr.beta, ppos, hill, float(x.max())))
        ops.append(rr.operational_phase(BETA_RES))
    arr = np.array(rows)
    series["t3_rows"] = arr  # J_max, beta_pred, P(X>0), hill top 1%, max X
    notes.append(
        "Bounded pushes, Lundberg labels with the docs: anticollapse §4 (c3) rule (beta_res = "
        f"{BETA_RES:g}): "
        + ", ".join(f"J_max={j:g}: {o} (beta={b:.4g})" for j, o, b in zip(p.t3, ops, arr[:, 1]))
        + "."
    )
    return dict(rows=recs, above=arr[arr[:, 0] > T3_KAPPA])


def _levy(p: ProcessParams, key, series, notes) -> dict:
    """Lévy families: Hill β̂ against the Lundberg root, one compiled scan for all rows."""
    rows, specs, recs = [], [tuple(s) for s in p.levy], []
    if not specs:
        series["levy_rows"] = np.zeros((0, 5))
        return dict(rows=recs, specs=specs)
    n, steps = p.levy_units, p.levy_steps
    xs = np.asarray(simulate_levy(specs, jax.random.fold_in(key, 300), n_units=n, n_steps=steps))
    for i, ((fam, prm), x) in enumerate(zip(specs, xs)):
        root = lundberg_root(fam, prm).beta
        hill, k = _tail_stats(x)
        relax = 3.0 * math.log(n) / (root * _dphi(fam, root, prm))
        recs.append(dict(i=i, fam=fam, prm=prm, root=root, hill=hill, k=k, relax=relax))
        rows.append((i, root, hill, hill / math.sqrt(k), relax))
    series["levy_rows"] = np.array(rows)  # index, root, hill, hill_sd, relaxation steps
    if any(r[4] > steps for r in rows):
        notes.append(
            "Levy rows with relaxation time above K: "
            + ", ".join(f"{specs[int(r[0])]} ({r[4]:.0f} > {steps})" for r in rows if r[4] > steps)
        )
    return dict(rows=recs, specs=specs)


def _phase(p: ProcessParams, key, series, notes, progress: bool) -> dict:
    """Bounded-push phase diagram over (J_max, κ): Monte Carlo labels against the Lundberg labels."""
    n, steps, g = p.phase_units, p.phase_steps, p.phase_n
    pp = T3_P
    jmax = np.linspace(0.02, 0.5, g)
    kappas = np.linspace(0.01, 0.12, g)
    mc = np.zeros((g, g), dtype=int)
    th = np.zeros((g, g), dtype=int)
    operational = np.zeros((g, g), dtype=bool)  # docs: anticollapse §4 c3: extended with beta > beta_res
    unresolved = np.zeros((g, g), dtype=bool)
    for i, kap in enumerate(tqdm(kappas, desc="phase diagram", disable=not progress)):
        for j, jm in enumerate(jmax):
            kk = jax.random.fold_in(key, 1000 + i * g + j)
            xh = simulate_pushes("bounded", (kap, pp, jm), kk, n_units=n, n_steps=steps // 2)
            xe = simulate_pushes(
                "bounded", (kap, pp, jm), jax.random.fold_in(kk, 1), n_units=n, n_steps=steps // 2, x0=xh
            )
            mc[i, j] = _mc_label(np.asarray(xh), np.asarray(xe))
            rr = lundberg_root("bounded", (kap, pp, jm))
            th[i, j] = {"collapsed": 0, "extended": 1, "runaway": 2}[rr.phase]
            operational[i, j] = rr.operational_phase(BETA_RES) == "operationally_collapsed"
            if rr.phase == "extended":
                relax = 3.0 * math.log(n) / (rr.beta * _dphi("bounded", rr.beta, (kap, pp, jm)))
                unresolved[i, j] = relax > steps / 2 or rr.beta > 50
    ok = ~unresolved
    dis = float(((mc != th) & ok).sum() / max(ok.sum(), 1))
    exact_collapse = all(mc[i, j] == 0 for i in range(g) for j in range(g) if jmax[j] <= kappas[i])
    series.update(
        phase_jmax=jmax,
        phase_kappa=kappas,
        phase_mc=mc,
        phase_theory=th,
        phase_unresolved=unresolved,
        phase_operational_collapsed=operational,
    )
    ext = th == 1
    notes.append(
        f"Bounded-push phase diagram, docs: anticollapse §4 (c3) reporting rule (beta_res = {BETA_RES:g}, toolkit "
        f"default): {int((operational & ext).sum())} of the {int(ext.sum())} extended cells (Lundberg root) have "
        f"beta > {BETA_RES:g} and are reported operationally collapsed (power law unresolvable in the lag "
        "window); the Monte Carlo comparison uses the mathematical labels (an operationally collapsed cell "
        "still has P(X > 0) > 0). Figure: dots."
    )
    return dict(g=g, disagreement=dis, n_unresolved=int(unresolved.sum()), exact_collapse=exact_collapse)


def _phase_tempered(p: ProcessParams, key, series) -> dict:
    """Tempered stable (a = 1/2, λ = 1) over (c, κ): Monte Carlo labels on a ts_n × ts_n grid
    (one compiled scan for all cells) and the Lundberg labels on a fine grid."""
    g, n, steps = p.ts_n, p.ts_units, p.ts_steps
    cs = np.linspace(0.005, 0.04, g)
    ks = np.linspace(0.005, 0.12, g)
    specs = [("tempered_lo", (k, c, TS_A, TS_LAM)) for k in ks for c in cs]
    kk = jax.random.fold_in(key, 2000)
    xh = simulate_levy(specs, kk, n_units=n, n_steps=steps // 2)
    xe = np.asarray(simulate_levy(specs, jax.random.fold_in(kk, 1), n_units=n, n_steps=steps // 2, x0=xh))
    xh = np.asarray(xh)
    lab = {"runaway": 2, "extended": 1, "forcing_limited": 3, "collapsed": 0}
    mc = np.zeros((g, g), dtype=int)
    th = np.zeros((g, g), dtype=int)
    hill = np.full((g, g), np.nan)
    slow = np.zeros((g, g), dtype=bool)
    for idx, (_, prm) in enumerate(specs):
        i, j = divmod(idx, g)
        mc[i, j], hill[i, j] = _ts_mc_label(xh[idx], xe[idx], TS_LAM)
        rr = lundberg_root("tempered_lo", prm)
        th[i, j] = lab[rr.phase]
        if rr.phase == "extended":
            slow[i, j] = 3.0 * math.log(n) / (rr.beta * _dphi("tempered_lo", rr.beta, prm)) > steps / 2
    resolved = (~slow) & (mc != 4)
    n_res = int(resolved.sum())
    dis = float(((mc != th) & resolved).sum() / max(n_res, 1))
    series.update(ts_mc_c=cs, ts_mc_kappa=ks, ts_mc=mc, ts_mc_theory=th, ts_mc_hill=hill, ts_mc_slow=slow)
    # Lundberg labels on the fine grid (the figure's boundaries are analytic; this is the data behind them)
    cf = np.linspace(0.005, 0.04, p.curve_n)
    kf = np.linspace(0.005, 0.12, p.curve_n)
    tmap = np.array([[lab[lundberg_root("tempered_lo", (k, c, TS_A, TS_LAM)).phase] for c in cf] for k in kf])
    series.update(ts_c=cf, ts_kappa=kf, ts_phase=tmap)
    return dict(
        g=g,
        disagreement=dis,
        n_resolved=n_res,
        n_band=int((mc == 4).sum()),
        n_slow=int(slow.sum()),
        k=max(10, int(0.05 * n)),
    )


def measure(config: StudyConfig) -> Measurement:
    """Every Monte Carlo run and Lundberg root of the study."""
    p, progress = config.params, config.progress
    key = jax.random.key(config.seed)
    series, notes = {}, []
    data = dict(
        t1=_t1(p, key, series, progress),
        t2=_t2(p, key, series, progress),
        t3=_t3(p, key, series, notes, progress),
        levy=_levy(p, key, series, notes),
        phase=_phase(p, key, series, notes, progress),
        tempered=_phase_tempered(p, key, series),
    )
    notes.append(
        "Bernoulli-push families (Bernoulli-Exp, bounded pushes, phase diagram) are simulated event by event "
        "(exactly the recursion (3.2), ~pK scan steps); Gaussian and Levy families step by step."
    )
    notes.append(
        "Truncated stable: Hill on the top 5% measures the Cramer exponent only where that quantile lies "
        "beyond y_c (multi-jump regime); at y_c = 10, c = 0.01 it lies below y_c and Hill reads 0.483 vs the "
        "root 0.531 (n = 2e4, K = 8000; pre-asymptotic, not a sampler error: y_c = 2 gives 0.605 vs 0.607 "
        "and 1.220 vs 1.237). The paper profile uses y_c = 2."
    )
    notes.append(
        f"Levy-family Monte Carlo: {len(p.levy)} parameter sets, n = {p.levy_units}, "
        f"K = {p.levy_steps}; jumps above eps exact compound Poisson (per-unit counts by inverse CDF, "
        "sizes from one shared buffer, per-unit sums as prefix-sum differences), jumps below eps Gaussian "
        "(Asmussen-Rosinski). Tolerance = max(5%, 3% measured pre-asymptotic bias of the top-5% Hill + 3 "
        "Hill sd beta/sqrt(k)), i.e. set by the run's k."
    )
    mcl, tsl = series["ts_mc"], series["ts_mc_theory"]
    notes.append(
        f"Tempered-stable phase panel ({p.ts_n}x{p.ts_n} cells, n = {p.ts_units}, "
        f"K = {p.ts_steps}), Monte Carlo labels: "
        + ", ".join(f"{MC_LABELS[c]}: {int((mcl == c).sum())}" for c in range(5) if (mcl == c).any())
        + "; Lundberg labels on the same cells: "
        + ", ".join(f"{MC_LABELS[c]}: {int((tsl == c).sum())}" for c in range(4) if (tsl == c).any())
        + ". Near kappa = m/a the root approaches lambda quadratically (beta = lambda - (2 sqrt(pi) c/kappa "
        "- sqrt(lambda))^2 for a = 1/2), so a band of extended cells is indistinguishable from forcing-"
        "limited at this n; those are shown grey, not guessed."
    )
    return Measurement(data=data, series=series, notes=notes)


# ----------------------------------------------------------------------------- checks
def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """Monte Carlo against the Lundberg root, row by row, then the two phase panels (see `DECLARED`)."""
    p, d, out = config.params, m.data, []
    n = p.n_units
    for r in d["t1"]:
        root, gam, rho, atom, k, tag = r["root"], r["gam"], r["rho"], r["atom"], r["k"], r["tag"]
        out.append(
            check_le(
                f"T1_hill_rel_err_{tag}",
                abs(r["hill"] / root - 1),
                _hill_tol(k, T1_HILL_TOL),
                f"|Hill beta (top 5%, k={k}) / beta_d - 1|, beta_d={root:.4f}, n={n}, K={r['steps']}; "
                f"tolerance {T1_HILL_TOL:.0%} (docs: anticollapse table T1; >= 3 Hill sd beta/sqrt(k))",
            )
        )
        sd = math.sqrt(atom * (1 - atom) / n)
        out.append(
            check_le(
                f"T1_atom_vs_exact_{tag}",
                abs(atom - root / gam),
                max(T1_ATOM_TOL, 3 * sd),
                f"|P(X=0) - beta_d/gamma| (exact discrete law, beta_d/gamma={root / gam:.4f}); "
                f"tolerance {T1_ATOM_TOL} (docs: anticollapse table T1; >= 3 binomial sd)",
            )
        )
        gap = abs(root / gam - (1 - rho))
        out.append(
            check_le(
                f"T1_atom_vs_continuous_{tag}",
                abs(atom - (1 - rho)),
                T1_CONTINUOUS_TOL,
                f"|P(X=0) - (1-rho)|, 1-rho={1 - rho:.3f} (continuous-time limit); tolerance "
                f"{T1_CONTINUOUS_TOL} (docs: anticollapse table T1). It includes the exact discrete-continuous gap "
                f"|beta_d/gamma - (1-rho)| = {gap:.4f}, leaving {T1_CONTINUOUS_TOL - gap:.4f} for Monte Carlo noise "
                f"(binomial sd {sd:.4f} at n={n})",
            )
        )
    for r in d["t2"]["rows"]:
        kappa, sigma, beta, k = r["kappa"], r["sigma"], r["beta"], r["k"]
        out.append(
            check_le(
                f"T2_root_vs_closed_form_k{kappa:g}_s{sigma:g}",
                abs(r["root"] / beta - 1),
                T2_ROOT_TOL,
                "numeric Lundberg root (codegen + optimistix bisection) vs SymPy 2 kappa/sigma^2; bisection tolerance",
            )
        )
        out.append(
            check_le(
                f"T2_hill_rel_err_k{kappa:g}_s{sigma:g}",
                abs(r["hill"] / beta - 1),
                _hill_tol(k, T2_HILL_TOL),
                f"|Hill beta (top 5%, k={k}) / (2 kappa/sigma^2) - 1|, beta={beta:.4f}, n={n}, K={r['steps']}; "
                f"tolerance {T2_HILL_TOL:.0%} (docs: anticollapse table T2; >= 3 Hill sd)",
            )
        )
    s = d["t2"]["sde"]
    out.append(
        check_le(
            "T2_sde_beta_rel_err",
            abs(s["beta"] / (2 * s["ks"] / s["ss"] ** 2) - 1),
            SDE_SE_MULT * s["se"] / s["beta"] + SDE_BIAS_TOL,
            f"diffrax SDE (VirtualBrownianTree, Euler dt=0.05, stiff wall rate 10): 1/mean(X-{s['x0']} | X>{s['x0']}) "
            f"vs 2 kappa/sigma^2 = 1; tolerance 3 se (ESS ~ n/5 from time correlation) + 2% wall/dt bias",
        )
    )
    for r in d["t3"]["rows"]:
        tag, jmax = r["tag"], r["jmax"]
        if jmax <= T3_KAPPA:
            out.append(
                check_le(
                    f"T3_max_X_{tag}",
                    r["max_x"],
                    T3_MAX_X_TOL,
                    f"J_max={jmax} <= kappa={T3_KAPPA}: Y <= 0 a.s., so max X = 0 exactly (c1); no tolerance",
                )
            )
            continue
        out.append(
            check_true(
                f"T3_tail_present_{tag}",
                r["ppos"] > 0,
                f"J_max={jmax} > kappa: P(X>0)={r['ppos']:.4f} > 0 (sharp threshold)",
            )
        )
        if r["beta"] <= T3_HILL_MAX_BETA:
            out.append(
                check_le(
                    f"T3_hill_rel_err_{tag}",
                    abs(r["hill"] / r["beta"] - 1),
                    _hill_tol(r["k"], T3_HILL_TOL),
                    f"|Hill (top 1%, k={r['k']}) / beta_pred - 1|, beta_pred={r['beta']:.2f}; quantitative only where "
                    f"beta_pred <= {T3_HILL_MAX_BETA}, tolerance {T3_HILL_TOL:.0%} (docs: anticollapse table T3)",
                )
            )
    above = d["t3"]["above"]
    if len(above) >= 2:
        out.append(
            check_true(
                "T3_hill_decreasing",
                bool(np.all(np.diff(above[:, 3]) < 0)),
                f"Hill beta decreases monotonically in J_max above kappa: {np.round(above[:, 3], 2).tolist()}",
            )
        )
        out.append(
            check_true(
                "T3_ppos_increasing", bool(np.all(np.diff(above[:, 2]) > 0)), "P(X>0) increases with J_max above kappa"
            )
        )
    for r in d["levy"]["rows"]:
        fam, k = r["fam"], r["k"]
        out.append(
            check_le(
                f"levy_hill_rel_err_{fam}_{r['i']}",
                abs(r["hill"] / r["root"] - 1),
                max(LEVY_HILL_TOL, LEVY_HILL_BIAS + 3.0 / math.sqrt(k)),
                f"{fam}{tuple(r['prm'])}: |Hill (top 5%, k={k}) / Lundberg root - 1|, root={r['root']:.4f}, "
                f"n={p.levy_units}, K={p.levy_steps} (relaxation 3 log(n)/(beta Phi'(beta)) = {r['relax']:.0f} steps); "
                f"tolerance max(5%, {LEVY_HILL_BIAS:.0%} measured pre-asymptotic bias of the top-5% Hill "
                "+ 3 Hill sd beta/sqrt(k)) (compound-Poisson big jumps + small-jump Gaussian sampler)",
            )
        )
    ph = d["phase"]
    g = ph["g"]
    out.append(
        check_le(
            "phase_bounded_disagreement",
            ph["disagreement"],
            PHASE_DISAGREEMENT_TOL,
            "bounded pushes: fraction of resolved (J_max, kappa) cells whose Monte Carlo label (collapsed: "
            "max X = 0; runaway: mean X grows between K/2 and K, paired z > 4) differs from the Lundberg label. "
            "Unresolved (excluded, hatched): extended cells whose relaxation time 3 log(n)/(beta Phi'(beta)) "
            f"(docs: anticollapse §9) exceeds K/2, or beta > 50 (P(X>0) below 1/n); {ph['n_unresolved']} of {g * g}",
        )
    )
    out.append(
        check_true(
            "phase_bounded_collapse_exact",
            ph["exact_collapse"],
            "every cell with J_max <= kappa has max X = 0 exactly (sharp threshold)",
        )
    )
    ts = d["tempered"]
    g, k = ts["g"], ts["k"]
    out.append(
        check_le(
            "phase_tempered_disagreement",
            ts["disagreement"],
            PHASE_DISAGREEMENT_TOL,
            f"tempered stable (a={TS_A}, lambda={TS_LAM}), {g}x{g} cells, n={p.ts_units}, K={p.ts_steps}: fraction of "
            "resolved cells whose Monte Carlo label (runaway: mean X grows between K/2 and K, paired "
            f"z > 4; extended / forcing-limited: top-5% Hill below / above lambda by 3 Hill sd "
            f"3 lambda/sqrt(k) = {3 * TS_LAM / math.sqrt(k):.3f}) differs from the Lundberg label. "
            f"Excluded: {ts['n_band']} cells with Hill within that band (the Monte Carlo cannot "
            f"separate beta < lambda from the d1 tail there) and {ts['n_slow']} extended cells whose "
            "relaxation 3 log(n)/(beta Phi'(beta)) exceeds K/2; a single 3-sd band has a false-label "
            "probability ~1e-3 per cell",
        )
    )
    out.append(
        check_ge(
            "phase_tempered_resolved_fraction",
            ts["n_resolved"] / (g * g),
            TS_RESOLVED_MIN,
            "fraction of tempered-stable cells with a resolved Monte Carlo label (keeps the disagreement "
            "check from passing vacuously); at least half the grid",
        )
    )
    return out


# ----------------------------------------------------------------------------- figures
def figures(config: StudyConfig, m: Measurement) -> dict:
    """The phase diagrams, β against the forcing parameter, and a Bernoulli–Exp spectrum."""
    s = m.series
    return {
        "phase_diagram": _fig_phase(s),
        "beta_vs_forcing": _fig_beta(s, m.data["levy"]["specs"], config.params.curve_n),
        "tau_ccdf": _fig_ccdf(s),
    }


def _fig_phase(series):
    fig, axes = subplots(1, 2, figsize=(11, 4.4))
    cmap = matplotlib.colors.ListedColormap(
        [colormap("viridis")(x) for x in (0.05, 0.55, 0.95, 0.3)] + [(0.8, 0.8, 0.8, 1.0)]
    )
    ax = axes[0]
    J, K = series["phase_jmax"], series["phase_kappa"]
    ax.pcolormesh(J, K, series["phase_mc"], cmap=cmap, vmin=-0.5, vmax=4.5, shading="nearest")
    uj, uk = np.nonzero(series["phase_unresolved"].T)
    ax.plot(J[uj], K[uk], "X", mfc="w", mec="k", ms=8, label="unresolved (slow relaxation / β > 50)")
    oj, ok_ = np.nonzero(series["phase_operational_collapsed"].T)
    ax.plot(
        J[oj],
        K[ok_],
        "o",
        color="k",
        ms=3,
        label=rf"extended, $\beta>\beta_{{\mathrm{{res}}}}={BETA_RES:g}$: "
        "operationally collapsed (c3)",
    )
    jj = np.linspace(J.min(), J.max(), 200)
    ax.plot(jj, jj, "k-", lw=2, label=r"$\kappa=J_{\max}$ (collapsed | extended)")
    ax.plot(jj, T3_P * jj / 2, "k--", lw=2, label=r"$\kappa=pJ_{\max}/2$ (extended | runaway)")
    ax.set(
        xlim=(J.min(), J.max()),
        ylim=(K.min(), K.max()),
        xlabel=r"push bound $J_{\max}$",
        ylabel=r"pull $\kappa$",
        title=f"bounded pushes (p={T3_P}): Monte Carlo labels",
    )
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    C, KK = series["ts_mc_c"], series["ts_mc_kappa"]
    ax.pcolormesh(C, KK, series["ts_mc"], cmap=cmap, vmin=-0.5, vmax=4.5, shading="nearest")
    sj, si = np.nonzero(series["ts_mc_slow"].T)
    ax.plot(C[sj], KK[si], "X", mfc="w", mec="k", ms=8, label="unresolved (slow relaxation)")
    from scipy.special import gamma as G

    cc = np.linspace(C.min(), C.max(), 200)
    m = cc * G(1.0 - TS_A) * TS_LAM ** (TS_A - 1.0)
    ax.plot(cc, m, "k-", lw=2, label=r"$\kappa=m$ (runaway | extended)")
    ax.plot(cc, m / TS_A, "k--", lw=2, label=r"$\kappa=m/a$ (extended | forcing-limited)")
    ax.set(
        xlim=(C.min(), C.max()),
        ylim=(KK.min(), KK.max()),
        xlabel="tempered-stable intensity $c$",
        ylabel=r"pull $\kappa$",
        title=rf"tempered stable $a={TS_A:g},\ \lambda={TS_LAM:g}$: Monte Carlo labels",
    )
    ax.legend(loc="upper left", fontsize=8)
    handles = [
        matplotlib.patches.Patch(color=cmap(i), label=l)
        for i, l in enumerate(
            (
                "collapsed",
                "extended",
                "runaway",
                "forcing-limited",
                r"stationary, Hill $\hat\beta$ within 3 sd of $\lambda$ (unresolved)",
            )
        )
    ]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, bbox_to_anchor=(0.5, -0.04))
    fig.suptitle("Phase diagram of the coarse-grained process")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _fig_beta(series, levy_specs, m: int):
    fig, grid = subplots(2, 3, figsize=(14, 8.5))  # a grid that reads at column width
    axes = grid.ravel()
    axes[5].set_axis_off()
    col = colormap("tab10")
    # Gaussian
    ax = axes[0]
    sig = np.linspace(0.12, 0.45, 200)
    for i, kap in enumerate((0.01, 0.02)):
        ax.plot(sig, 2 * kap / sig**2, color=col(i), label=rf"$2\kappa/\sigma^2$, $\kappa={kap}$")
    r = series.get("t2_rows")
    if r is not None and len(r):
        for row in r:
            ax.errorbar(row[1], row[3], yerr=row[4], fmt="o", color=col(0 if row[0] == 0.01 else 1), ms=6)
    ax.axhline(1, color="gray", ls=":", label=r"$\beta=1$")
    ax.set(yscale="log", xlabel=r"$\sigma$", ylabel=r"$\beta$", title="Gaussian forcing")
    ax.legend(fontsize=8)
    # Bernoulli-Exp
    ax = axes[1]
    ps = np.linspace(0.002, 0.048, m)
    for i, gam in enumerate((1.0, 2.0)):
        roots = [lundberg_root("bernoulli_exp", (KAPPA_T1, p, gam)).beta for p in ps]
        ax.plot(ps, roots, color=col(i), label=rf"root $\beta_d$, $\gamma={gam:g}$")
        ax.plot(ps, gam - ps / KAPPA_T1, color=col(i), ls="--", lw=1, label=r"$\gamma-p/\kappa$" if i == 0 else None)
    for row in series["t1_rows"]:
        ax.errorbar(row[0], row[4], yerr=row[5], fmt="o", color=col(0 if row[1] == 1 else 1), ms=6)
    ax.axhline(1, color="gray", ls=":")
    ax.set(ylim=(0, 2.1), xlabel="push probability $p$", ylabel=r"$\beta$", title=r"Bernoulli–Exp ($\kappa=0.05$)")
    ax.legend(fontsize=8)
    # truncated stable
    ax = axes[2]
    ycs = np.geomspace(1, 80, max(6, m // 2))
    for i, a in enumerate((1.2, 1.5, 1.8)):
        ax.plot(
            ycs,
            [lundberg_root("truncated_stable", (0.05, 0.01, a, y)).beta for y in ycs],
            color=col(i),
            label=rf"$\alpha={a}$",
        )
    lr = series.get("levy_rows")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="truncation $y_c$",
        ylabel=r"$\beta$",
        title=r"truncated $\alpha$-stable ($\kappa_{\mathrm{eff}}=0.05,c=0.01$)",
    )
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if lr is not None and len(lr):
        specs = [s for s in levy_specs if s[0] == "truncated_stable"]
        for j, c in enumerate(sorted({s[1][1] for s in specs})):
            ax.plot(
                ycs,
                [lundberg_root("truncated_stable", (0.05, c, 1.5, y)).beta for y in ycs],
                color=col(3 + j),
                ls="--",
                label=rf"$\alpha=1.5$, $c={c:g}$",
            )
        for (_i, _root, hill, sd, _), (fam, prm) in zip(lr, levy_specs):
            if fam == "truncated_stable":
                ax.errorbar(
                    prm[3],
                    hill,
                    yerr=sd,
                    fmt="o",
                    color="k",
                    ms=5,
                    label=rf"MC Hill, $c={prm[1]:g}$" if prm[3] == 2.0 else None,
                )
    ax.legend(fontsize=8)
    # tempered stable: beta vs kappa across the existence window
    ax = axes[3]
    for i, (fam, a) in enumerate((("tempered_lo", 0.5), ("tempered_hi", 1.5))):
        ks = np.linspace(1e-3, 0.09, 4 * m)
        rr = [lundberg_root(fam, (k, 0.02, a, 1.0)) for k in ks]
        ax.plot(
            ks,
            [r.beta if r.phase != "runaway" else np.nan for r in rr],
            color=col(i),
            label=rf"root, $a={a:g}$ ($c=0.02,\lambda=1$)",
        )
    if lr is not None and len(lr):
        for (_i, _root, hill, sd, _), (fam, prm) in zip(lr, levy_specs):
            if fam.startswith("tempered"):
                ax.errorbar(prm[0], hill, yerr=sd, fmt="o", color=col(0 if fam == "tempered_lo" else 1), ms=6, mec="k")
    ax.axhline(1.0, color="gray", ls=":", label=r"$\lambda=1$ (forcing-limited ceiling)")
    ax.set(
        xlabel=r"pull $\kappa$ ($\kappa_{\mathrm{eff}}$ for $a>1$)",
        ylabel=r"$\beta$",
        ylim=(0, 1.15),
        title="tempered stable: window and ceiling",
    )
    ax.legend(fontsize=8)
    # bounded
    ax = axes[4]
    jm = np.geomspace(0.0505, 0.45, m)
    ax.plot(jm, [lundberg_root("bounded", (T3_KAPPA, T3_P, j)).beta for j in jm], color=col(0), label="Lundberg root")
    r = series["t3_rows"]
    ok = (r[:, 0] > T3_KAPPA) & np.isfinite(r[:, 3])
    ax.plot(r[ok, 0], r[ok, 3], "o", color=col(1), label="MC Hill (top 1%)")
    ax.axvline(T3_KAPPA, color="k", ls="--", label=r"$J_{\max}=\kappa$ (collapse below)")
    ax.set(yscale="log", xlabel=r"$J_{\max}$", ylabel=r"$\beta$", title=r"bounded pushes ($p=0.2,\kappa=0.05$)")
    ax.legend(fontsize=8)
    fig.suptitle(r"$\beta$ vs forcing parameter: Lundberg root (lines), Monte Carlo (markers, $\pm\beta/\sqrt{k}$)")
    fig.tight_layout()
    return fig


def _fig_ccdf(series):
    x = series["t1_ccdf_x"]
    p, gam, beta, rho = series["t1_ccdf_params"]
    n_total = x.size / 0.2
    tau = np.exp(x[x > 0])
    surv = np.arange(1, tau.size + 1) / n_total
    fig, ax = subplots(figsize=(5.5, 4.2))
    ax.loglog(tau, surv, ".", ms=2, color=colormap("tab10")(0), label="Monte Carlo (n = %d)" % n_total)
    xx = np.geomspace(1, tau.max(), 100)
    ax.loglog(xx, (1 - beta / gam) * xx ** (-beta), color="k", label=r"exact $(1-\beta_d/\gamma)(x/\tau_b)^{-\beta_d}$")
    ax.loglog(xx, 0.1 * xx ** (-1.0), color="gray", ls=":", label=r"$\beta=1$ slope")
    ax.set(xlabel=r"$\tau/\tau_b$", ylabel=r"$P(\tau>x)$", title=f"Bernoulli–Exp spectrum, p={p:g}, γ={gam:g}")
    ax.legend(fontsize=8)
    return fig


STUDY = Study(
    name="anticollapse-process",
    title="Coarse-grained process: Monte Carlo beta vs the Lundberg root, atom, threshold, phases",
    paper="anticollapse",
    params=ProcessParams(),
    profiles={"quick": QUICK, "smoke": SMOKE},
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(
        Option(
            "n_units",
            "--n-units",
            int,
            f"units per Monte Carlo run of the Bernoulli-Exp, Gaussian and bounded-push rows ({MIN_UNITS} to "
            f"{MAX_UNITS}: 10x the toolkit's n = 2e5; run time grows linearly in N)",
            in_range(MIN_UNITS, MAX_UNITS, closed_hi=True),
            multiple=False,
            metavar="N",
        ),
    ),
    description=__doc__.split("\n\n")[0],
)
