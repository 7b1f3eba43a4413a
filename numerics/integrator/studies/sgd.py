r"""Study `integrator-sgd`: BPTT-SGD on sampled noise approaches the population gradient flow.

The integrator paper (arXiv:2503.18754), [§2][integrator-s2] (discrete-time variant),
[§3][integrator-s3] and [§10][integrator-s10] (BPTT cross-check); the formulation is the
toolkit's own. The network is discretised by Euler–Maruyama, $h\leftarrow h+\Delta t(-h+Wh)+u\sqrt{\Delta t}\,\xi$, the target is filtered
by the same $\xi$, and `numerics.integrator.bptt_sgd` trains on batches of `B`
sampled sequences (burn-in, then a loss window) with BPTT through `lax.scan`.

* **SGD → population GD of the EM loss.** SGD follows $\nabla L_{\Delta t}$ in expectation
  (below), so its large-`B` limit is population GD on $L_{\Delta t}$ at the same $\eta$
  and steps (`gd_on_em_loss`; GD on the discrete-time closed form of [§3][integrator-s3] with the
  rates carried through the chain rule), not GD on $L$. For `B` in a geometric ladder
  and many seeds, the RMS gap of the top eigenvalue $\lambda_{\mathrm{top}}(t)$ to that GD must
  shrink from each `B` to the next by at least 2 combined standard errors, and its fitted rate
  $\text{gap}\propto B^{\alpha}$ must be within 3 standard errors of $\alpha=-1/2$
  (the SGD noise of a `B`-sequence average). The gap to population GD on $L$ (reported)
  saturates at the $O(\Delta t)$ floor. An $\eta$ arm (largest `B`) reports the gap to
  the gradient flow as $\eta$ shrinks.
* **Discrete-time variant and the** $O(\Delta t)$ **floor.** The EM recursion is the
  discrete-time network $h_n=W_dh_{n-1}+u_dx_n$ with $W_d=I+\Delta t(W-I)$,
  $u_d=\sqrt{\Delta t}u$ and target $(I+\Delta tA_s,\sqrt{\Delta t}b_s,c_s)$, so its population
  loss $L_{\Delta t}$ is the closed-form discrete-time loss ([§3][integrator-s3]). We check that
  closed form against a Monte Carlo average of $\tfrac12(y_n-y_{\star,n})^2$ over sampled
  sequences (3 standard errors) and that $|L_{\Delta t}-L|$ is $O(\Delta t)$ (log–log
  slope 1); this bias is the floor of the SGD-to-flow gap (SGD follows
  $\nabla L_{\Delta t}$ in expectation, up to the burn-in truncation
  $e^{-2\,\text{gap}\cdot\text{burn-in}}$).

| code name | symbol | meaning |
|---|---|---|
| `dt` | $\Delta t$ | Euler–Maruyama step |
| `batch` | $B$ | sequences per SGD step |
| `eta` | $\eta$ | base learning rate (flow time per step) |
| `gap` | RMS over saves of $|\lambda_{\mathrm{SGD}}-\lambda_{\mathrm{GD}}|$ | outlier gap |
| `L_dt` | $L_{\Delta t}$ | population loss of the EM-discretised network |
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
from numerics.integrator._targets import Target, make_target
from numerics.integrator.studies import _common as ic, _extra as ex
from numerics.study import Check, CheckSpec, Measurement, Params, Study, StudyConfig, check_ge, check_in, check_le

__all__ = [
    "STUDY",
    "SgdParams",
    "measure",
    "checks",
    "figures",
    "em_discretise",
    "gd_on_em_loss",
    "sampled_discrete_loss",
]

NAME = "integrator-sgd"

# ----------------------------------------------------------------------------- tolerances
#: closed-form discrete-time loss against the Monte Carlo mean over sampled sequences: within
#: 3 standard errors of the Monte Carlo mean (a two-sided 3-sigma band)
MC_Z_TOL = 3.0
#: log-log slope of |L_dt - L| against dt: EM is first order (slope 1); +-0.2 allows the
#: curvature of the next order over the dt ladder
EM_ORDER_BAND = (0.8, 1.2)
#: each successive mean gap (larger B) must be smaller by at least this many combined standard
#: errors: a decrease that is not resolved counts as a failure (one-sided false-pass rate ~2%
#: per step if the gap did not shrink)
SHRINK_Z_MIN = 2.0
#: the SGD noise of a B-sequence average has variance ~1/B, so the gap to GD on L_dt (same dt:
#: no floor) scales as B^-1/2
RATE_TARGET = -0.5
#: the fitted rate must lie within this many standard errors (from the fit residuals) of RATE_TARGET
RATE_N_SE = 3


@dataclass(frozen=True)
class SgdParams(Params):
    r"""Parameters of `integrator-sgd` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `N` | hidden units |
    | `sigma` | initial bulk radius $\sigma$ |
    | `c_star` | leaky target rate $c_\star$ |
    | `dt` | Euler–Maruyama step $\Delta t$ of the SGD runs (one of `dts`) |
    | `burn_in`, `window` | sequence burn-in and loss window (time units) |
    | `eta`, `n_steps`, `save_every` | learning rate, SGD steps, save interval |
    | `batches` | the batch-size ladder $B$ (at least two) |
    | `seeds` | SGD runs per batch size |
    | `eta_arm` | learning rates of the $\eta$ arm (largest $B$) |
    | `mc_sequences`, `mc_length` | Monte Carlo check of the discrete-time loss: sequences and their length (steps) |
    | `dts` | the $\Delta t$ ladder of the $O(\Delta t)$ check (at least two) |
    """

    N: int = 32
    sigma: float = 0.2
    c_star: float = 0.5
    dt: float = 0.05
    burn_in: float = 10.0
    window: float = 40.0
    eta: float = 0.05
    n_steps: int = 100
    save_every: int = 10
    batches: tuple[int, ...] = (2, 8, 32, 128, 512)
    seeds: int = 64
    eta_arm: tuple[float, ...] = (0.1, 0.05, 0.025, 0.0125)
    mc_sequences: int = 1024
    mc_length: int = 8000
    dts: tuple[float, ...] = (0.2, 0.1, 0.05, 0.025, 0.0125)

    def __post_init__(self) -> None:
        ex.freeze_lists(self)


def _validate(params: SgdParams) -> None:
    """Cross-field checks of a profile with overrides (`UsageError`)."""
    if float(params.dt) not in [float(x) for x in params.dts]:
        raise UsageError(
            f"dt={params.dt} is not allowed; it must be one of dts {tuple(params.dts)} (the O(dt) floor is read there)"
        )
    for key in ("batches", "dts"):
        if len(params[key]) < 2:
            raise UsageError(f"{key}={tuple(params[key])} is not allowed; give at least two values (a ladder)")


def em_discretise(params: lr.Params, target: Target, dt: float) -> tuple[lr.Params, Target]:
    r"""The EM recursion as a discrete-time network: $(I+\Delta t(W-I),\sqrt{\Delta t}u,v)$ and
    target $(I+\Delta tA_s,\sqrt{\Delta t}b_s,c_s)$."""
    n, m = params.W.shape[0], target.As.shape[0]
    Wd = jnp.eye(n) + dt * (params.W - jnp.eye(n))
    Td = Target(jnp.eye(m) + dt * target.As, math.sqrt(dt) * target.bs, target.cs)
    return lr.Params(Wd, math.sqrt(dt) * params.u, params.v), Td


def gd_on_em_loss(
    params0: lr.Params, target: Target, dt: float, eta: float, n_steps: int, save_every: int
) -> dict[str, np.ndarray]:
    r"""Population GD on the EM loss $L_{\Delta t}(W,u,v)=L_{\mathrm{disc}}(I+\Delta t(W-I),\sqrt{\Delta t}u,v)$
    in the $(W,u,v)$ coordinates with the default per-group rates $(r_W,r_u,r_v)$.

    Run as `numerics.integrator.gradient_descent` (`time='discrete'`) on the discretised
    parameters: the chain rule ($\partial_W=\Delta t\,\partial_{W_d}$,
    $\partial_u=\sqrt{\Delta t}\,\partial_{u_d}$) turns the rates into
    $(\Delta t^2r_W,\Delta t\,r_u,r_v)$. Returns `ts` and the saved `W`, `u`, `v` mapped
    back to continuous coordinates, with their closed-form continuous loss `loss` (as
    `numerics.integrator.bptt_sgd` reports it).
    """
    n = params0.W.shape[0]
    pd_, td = em_discretise(params0, target, dt)
    r = lr.default_rates(n, "mean_field")
    out = lr.gradient_descent(
        pd_, td, eta, n_steps, save_every=save_every, time="discrete", rates=(dt**2 * r.W, dt * r.u, r.v)
    )
    W = np.eye(n) + (np.asarray(out["W"]) - np.eye(n)) / dt
    u, v = np.asarray(out["u"]) / math.sqrt(dt), np.asarray(out["v"])
    loss = np.array(
        [
            float(lr.population_loss(lr.Params(jnp.asarray(a), jnp.asarray(b), jnp.asarray(c)), target))
            for a, b, c in zip(W, u, v)
        ]
    )
    return {"ts": np.asarray(out["ts"]), "W": W, "u": u, "v": v, "loss": loss}


def _shrink_z(gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seed means, standard errors and the z-score of each successive decrease (rows = batch sizes)."""
    k = gaps.shape[1]
    mean = np.nanmean(gaps, axis=1)
    se = np.nanstd(gaps, axis=1, ddof=1) / math.sqrt(k)
    z = (mean[:-1] - mean[1:]) / np.sqrt(se[:-1] ** 2 + se[1:] ** 2)
    return mean, se, z


def _rate_fit(batches, gaps: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of log(per-seed gap) vs log B over all seeds, and its standard error
    (from the residuals; seeds are independent)."""
    x = np.repeat(np.log(np.asarray(batches, float)), gaps.shape[1])
    y = np.log(gaps.ravel())
    ok = np.isfinite(y)
    A = np.vstack([x[ok], np.ones(ok.sum())]).T
    coef, *_ = np.linalg.lstsq(A, y[ok], rcond=None)
    s2 = float(np.sum((y[ok] - A @ coef) ** 2) / (ok.sum() - 2))
    return float(coef[0]), math.sqrt(s2 * float(np.linalg.inv(A.T @ A)[0, 0]))


def sampled_discrete_loss(
    key, params: lr.Params, target: Target, s: float, sequences: int, length: int, burn: int
) -> tuple[float, float]:
    r"""Monte Carlo $\tfrac12\mathbb E(y_n-y_{\star,n})^2$ of the discrete-time network
    $h_n=Wh_{n-1}+ux_n$, $z_n=A_sz_{n-1}+b_sx_n$ (mean and standard error over sequences)."""

    def one(k):
        x = jax.random.normal(k, (length,))

        def step(c, xn):
            h, z = c
            h = params.W @ h + params.u * xn
            z = target.As @ z + target.bs * xn
            return (h, z), s * params.v @ h - target.cs @ z

        _, err = jax.lax.scan(step, (jnp.zeros_like(params.u), jnp.zeros_like(target.bs)), x)
        return 0.5 * jnp.mean(err[burn:] ** 2)

    per = np.asarray(jax.jit(jax.vmap(one))(jax.random.split(key, sequences)))
    return float(per.mean()), float(per.std(ddof=1) / math.sqrt(sequences))


def _top(W: np.ndarray) -> np.ndarray:
    return np.array([np.max(np.linalg.eigvals(w).real) for w in W])


def _measure_discrete(cfg: StudyConfig, p0: lr.Params, target: Target, series: dict, notes: list[str]) -> dict:
    """The closed-form discrete-time loss against Monte Carlo, and the O(dt) bias ladder."""
    p = cfg.params
    n = p0.W.shape[0]
    s = 1.0 / n
    # a trained-looking network: bulk plus an outlier near 1 - c*
    e = p0.u / jnp.linalg.norm(p0.u)
    W = p0.W + (1 - float(p.c_star) - 0.1) * jnp.outer(e, e)
    q = lr.Params(W, p0.u, p0.v)
    pd_, td = em_discretise(q, target, float(p.dt))
    L_closed = float(lr.population_loss(pd_, td, s, time="discrete"))
    burn = int(round(float(p.burn_in) / float(p.dt)))
    mc, se = sampled_discrete_loss(
        ic.point_key(cfg.seed, 91), pd_, td, s, int(p.mc_sequences), int(p.mc_length) + burn, burn
    )
    L_cont = float(lr.population_loss(q, target, s))
    dts = np.array([float(x) for x in p.dts])
    bias = []
    for dt in dts:
        a, b = em_discretise(q, target, float(dt))
        bias.append(abs(float(lr.population_loss(a, b, s, time="discrete")) - L_cont))
    bias = np.array(bias)
    slope = float(np.polyfit(np.log(dts), np.log(bias), 1)[0])
    series["dt_ladder"] = dts
    series["dt_bias"] = bias
    notes.append(
        f"O(dt) floor: |L_dt - L|/L = {bias[list(dts).index(float(p.dt))] / L_cont:.3g} "
        f"at dt={p.dt} for the test network (L={L_cont:.4g}); SGD follows grad L_dt in "
        "expectation, so its gap to GD on L saturates at this relative level as B grows, while its gap "
        "to GD on L_dt (the checked reference) has no such floor"
    )
    return dict(L_closed=L_closed, mc=mc, se=se, slope=slope, dts=dts)


def measure(config: StudyConfig) -> Measurement:
    """The discrete-time checks, SGD at every batch size and seed against population GD on L_dt
    and on L, and the eta arm against the gradient flow."""
    p = config.params
    series: dict[str, np.ndarray] = {}
    notes: list[str] = []
    n = int(p.N)
    target = make_target("leaky", c_star=float(p.c_star))
    p0 = lr.init_params(ic.point_key(config.seed, 90, n), n, float(p.sigma))
    disc = _measure_discrete(config, p0, target, series, notes)

    eta, steps, every = float(p.eta), int(p.n_steps), int(p.save_every)
    dt = float(p.dt)
    common = dict(dt=dt, window=float(p.window), burn_in=float(p.burn_in))
    gd = lr.gradient_descent(p0, target, eta, steps, save_every=every)
    ts = np.asarray(gd["ts"])
    lam_gd = _top(np.asarray(gd["W"]))
    L_gd = np.asarray(gd["loss"])
    ref = gd_on_em_loss(p0, target, dt, eta, steps, every)  # the B -> infinity limit of SGD
    lam_ref, L_ref = _top(ref["W"]), ref["loss"]
    series |= {"t": ts, "gd_top": lam_gd, "gd_loss": L_gd, "gd_em_top": lam_ref, "gd_em_loss": L_ref}
    floor = float(np.sqrt(np.mean((lam_ref - lam_gd) ** 2)))
    batches = [int(b) for b in p.batches]
    seeds = int(p.seeds)
    gaps = np.zeros((len(batches), seeds))
    gaps_gd = np.zeros_like(gaps)
    lgaps = np.zeros_like(gaps)
    seed0 = []  # (B, lambda_top(t), L(t)) of seed 0 at each batch size, for the figure
    jobs = [(i, b, k) for i, b in enumerate(batches) for k in range(seeds)]
    for i, b, k in tqdm(jobs, desc="BPTT-SGD runs", disable=not config.progress):
        out = ex.flow_or_none(
            lambda: lr.bptt_sgd(
                ic.point_key(config.seed, 92, b, k),
                p0,
                target,
                batch=b,
                eta=eta,
                n_steps=steps,
                save_every=every,
                **common,
            ),
            notes,
            f"bptt_sgd B={b} seed {k}",
        )
        if out is None:
            gaps[i, k] = gaps_gd[i, k] = lgaps[i, k] = np.nan
            continue
        lam = _top(out["W"])
        gaps[i, k] = float(np.sqrt(np.mean((lam - lam_ref) ** 2)))
        gaps_gd[i, k] = float(np.sqrt(np.mean((lam - lam_gd) ** 2)))
        lgaps[i, k] = float(np.sqrt(np.mean(((out["loss"] - L_ref) / L_ref[0]) ** 2)))
        if k == 0:
            seed0.append((b, lam, np.asarray(out["loss"])))
    gmean, gse, z = _shrink_z(gaps)
    gd_mean, gd_se, z_gd = _shrink_z(gaps_gd)
    lmean, lse, _ = _shrink_z(lgaps)
    series |= {"batches": np.array(batches), "gap_lambda": gaps, "gap_lambda_vs_gd": gaps_gd, "gap_loss": lgaps}
    alpha, alpha_se = _rate_fit(batches, gaps)
    alpha_L, alpha_L_se = _rate_fit(batches, lgaps)
    notes.append(
        "gap to population GD on the continuous L (not SGD's limit): "
        + ", ".join(f"B={b}: {g:.3g}+-{e:.1g}" for b, g, e in zip(batches, gd_mean, gd_se))
        + f" (successive z = {', '.join(f'{x:.2f}' for x in z_gd)}); its large-B limit is the O(dt) floor, the RMS gap "
        f"{floor:.3g} between GD on L_dt and GD on L"
    )
    notes.append(
        "relative loss gap |L(SGD) - L(GD on L_dt)|/L0: "
        + ", ".join(f"B={b}: {g:.3g}+-{e:.1g}" for b, g, e in zip(batches, lmean, lse))
        + f"; fitted rate B^{alpha_L:.2f} +- {alpha_L_se:.2g}"
    )
    series["fitted_rate"] = np.array([alpha, alpha_L])
    # eta arm: gap to the gradient flow as eta shrinks (largest batch)
    flow = lr.gradient_flow(p0, target, jnp.asarray(ts), n_eigs=2)
    lam_flow = np.asarray(flow["eig_top"])[:, 0].real
    arm = []
    for e in p.eta_arm:
        e = float(e)
        k_steps = int(round(ts[-1] / e))
        sv = max(1, int(round(k_steps / (len(ts) - 1))))
        out = ex.flow_or_none(
            lambda: lr.bptt_sgd(
                ic.point_key(config.seed, 93, int(1e6 * e)),
                p0,
                target,
                batch=batches[-1],
                eta=e,
                n_steps=sv * (len(ts) - 1),
                save_every=sv,
                **common,
            ),
            notes,
            f"eta arm {e}",
        )
        if out is None:
            continue
        arm.append((e, float(np.sqrt(np.mean((_top(out["W"]) - lam_flow) ** 2)))))
    series["eta_arm"] = np.array(arm)
    notes.append(
        "eta arm (B=%d): RMS outlier gap to the gradient flow " % batches[-1]
        + ", ".join(f"eta={e:g}: {g:.3g}" for e, g in arm)
    )
    data = dict(
        disc=disc,
        n=n,
        eta=eta,
        dt=p.dt,
        ts=ts,
        batches=batches,
        seeds=seeds,
        seed0=seed0,
        lam_gd=lam_gd,
        L_gd=L_gd,
        lam_ref=lam_ref,
        L_ref=L_ref,
        lam_flow=lam_flow,
        floor=floor,
        gap=(gmean, gse, z),
        gap_gd=(gd_mean, gd_se),
        loss_gap=(lmean, lse),
        alpha=(alpha, alpha_se),
    )
    return Measurement(data=data, series=series, notes=notes)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """Closed form vs Monte Carlo, the O(dt) order, and the shrinking gap and its rate (see `DECLARED`)."""
    d = m.data
    disc, batches, seeds = d["disc"], d["batches"], d["seeds"]
    gmean, gse, z = d["gap"]
    alpha, alpha_se = d["alpha"]
    fmt = ", ".join(f"B={b}: {g:.3g}+-{e:.1g}" for b, g, e in zip(batches, gmean, gse))
    return [
        check_le(
            "discrete_closed_form_vs_monte_carlo",
            abs(disc["mc"] - disc["L_closed"]) / disc["se"],
            MC_Z_TOL,
            f"discrete-time closed-form L (Stein Gramians) vs Monte Carlo mean of 0.5 (y_n - y*_n)^2 over "
            f"{config.params.mc_sequences} sampled sequences (|diff| / SE <= 3); closed {disc['L_closed']:.5g}, "
            f"MC {disc['mc']:.5g} +- {disc['se']:.2g}",
        ),
        check_in(
            "em_bias_order_dt",
            disc["slope"],
            *EM_ORDER_BAND,
            "log-log slope of |L_dt - L| vs dt (EM-discretised population loss, closed form): first order, "
            f"slope 1 +- 0.2 (curvature of the next order over dt in {disc['dts'].tolist()})",
        ),
        check_ge(
            "sgd_gap_monotone_in_batch",
            float(np.min(z)),
            SHRINK_Z_MIN,
            f"RMS over saves of |lambda_top(SGD) - lambda_top(population GD on the EM loss L_dt)| (same eta, same "
            f"steps; GD on L_dt is SGD's large-B limit), mean +- SE over {seeds} seeds: {fmt}. Each successive "
            f"mean must be smaller by >= 2 combined standard errors (z = {', '.join(f'{x:.2f}' for x in z)}; "
            "value = min z): a decrease that is not resolved counts as a failure (one-sided false-pass rate "
            "~2% per step if the gap did not shrink)",
        ),
        check_in(
            "sgd_gap_rate_in_batch",
            alpha,
            RATE_TARGET - RATE_N_SE * alpha_se,
            RATE_TARGET + RATE_N_SE * alpha_se,
            f"fitted rate of that gap, log(per-seed gap) vs log B by least squares: B^{alpha:.3f} +- {alpha_se:.2g} "
            "(SE from the residuals); SGD noise of a B-sequence average has variance ~1/B, so the deviation from "
            "GD on L_dt scales as B^-1/2 (no floor: the reference has the same dt); band -1/2 +- 3 SE",
        ),
    ]


def figures(config: StudyConfig, m: Measurement) -> dict[str, Any]:
    """Top eigenvalue and loss over training (seed 0 of each B, GD references, flow), and the gaps against B."""
    d = m.data
    ts, L_gd, batches = d["ts"], d["L_gd"], d["batches"]
    curves_lam = [ic.Curve(ts, lam, f"SGD B={b}", group=f"B={b}", kind="network") for b, lam, _ in d["seed0"]]
    curves_L = [ic.Curve(ts, loss / L_gd[0], f"SGD B={b}", group=f"B={b}", kind="network") for b, _, loss in d["seed0"]]
    curves_lam += [
        ic.Curve(ts, d["lam_ref"], "population GD on L_dt", group="GD_dt", kind="theory"),
        ic.Curve(ts, d["lam_gd"], "population GD on L", group="GD", kind="theory"),
        ic.Curve(ts, d["lam_flow"], "gradient flow", group="flow", kind="aux"),
    ]
    curves_L += [
        ic.Curve(ts, d["L_ref"] / L_gd[0], "population GD on L_dt", group="GD_dt", kind="theory"),
        ic.Curve(ts, L_gd / L_gd[0], "population GD on L", group="GD", kind="theory"),
    ]
    figs = {
        "sgd_vs_flow": ic.time_figure(
            {r"top eigenvalue $\lambda_{\mathrm{top}}(t)$": curves_lam, r"loss $L(t)/L_0$": curves_L},
            ylabel="value",
            title=f"BPTT-SGD (dt={d['dt']}, eta={d['eta']:g}) vs population GD (L_dt, L) / flow, N={d['n']}",
        )
    }
    figs["sgd_vs_flow"].axes[1].set_yscale("log")

    gmean, gse, _ = d["gap"]
    gd_mean, gd_se = d["gap_gd"]
    lmean, lse = d["loss_gap"]
    alpha = d["alpha"][0]
    fig, ax = subplots(figsize=(5.2, 4))
    ax.errorbar(
        batches,
        gmean,
        yerr=gse,
        marker="o",
        ls="none",
        capsize=3,
        color=colormap("viridis")(0.2),
        label=r"outlier gap to GD on $L_{\Delta t}$ (mean $\pm$ SE)",
    )
    ax.errorbar(
        batches,
        gd_mean,
        yerr=gd_se,
        marker="^",
        ls="none",
        capsize=3,
        mfc="none",
        color=colormap("viridis")(0.45),
        label=r"outlier gap to GD on $L$ (mean $\pm$ SE)",
    )
    ax.axhline(d["floor"], color="0.4", ls=":", lw=1.0, label=r"$O(\Delta t)$ floor: GD on $L_{\Delta t}$ vs $L$")
    ax.errorbar(
        batches,
        lmean,
        yerr=lse,
        marker="s",
        ls="none",
        capsize=3,
        mfc="none",
        color=colormap("viridis")(0.7),
        label=r"relative loss gap to GD on $L_{\Delta t}$",
    )
    bb = np.array(batches, float)
    ax.plot(bb, gmean[0] * (bb / bb[0]) ** -0.5, color="black", lw=1.2, label=r"$\propto B^{-1/2}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size B (sequences per step)")
    ax.set_ylabel("RMS gap over training")
    ax.set_title(f"SGD -> population GD on L_dt: fitted rate B^{alpha:.2f}", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    figs["gap_vs_batch"] = fig
    return figs


DECLARED = (
    CheckSpec(
        "discrete_closed_form_vs_monte_carlo",
        f"<= {MC_Z_TOL:g}",
        "|closed-form discrete-time loss - Monte Carlo mean over sampled sequences| / standard error: within "
        "3 standard errors",
    ),
    CheckSpec(
        "em_bias_order_dt",
        f"in [{EM_ORDER_BAND[0]}, {EM_ORDER_BAND[1]}]",
        "log-log slope of |L_dt - L| against dt: Euler-Maruyama is first order; +-0.2 for the next order's "
        "curvature over the ladder",
    ),
    CheckSpec(
        "sgd_gap_monotone_in_batch",
        f">= {SHRINK_Z_MIN:g}",
        "smallest z-score of the successive decreases of the mean SGD-to-GD(L_dt) eigenvalue gap along the "
        "batch ladder: each decrease must be resolved by 2 combined standard errors",
    ),
    CheckSpec(
        "sgd_gap_rate_in_batch",
        "in [-1/2 - 3 SE, -1/2 + 3 SE]",
        "fitted rate alpha of gap ~ B^alpha (SE from the fit residuals): SGD noise of a B-sequence average has "
        "variance ~1/B",
    ),
)


STUDY = Study(
    name=NAME,
    title="BPTT-SGD on sampled noise vs population GD (EM-discretised loss); discrete-time variant, O(dt) floor",
    paper="integrator",
    params=SgdParams(),
    profiles={
        "quick": {
            "N": 16,
            "dt": 0.1,
            "window": 20.0,
            "n_steps": 60,
            "batches": (2, 8, 32, 128),
            "seeds": 32,
            "eta_arm": (0.1, 0.05, 0.025),
            "mc_sequences": 256,
            "mc_length": 4000,
            "dts": (0.2, 0.1, 0.05, 0.025),
        },
        "smoke": {
            "N": 8,
            "dt": 0.1,
            "window": 10.0,
            "n_steps": 20,
            "save_every": 5,
            "batches": (2, 8, 32),
            "seeds": 16,
            "eta_arm": (0.1,),
            "mc_sequences": 64,
            "mc_length": 2000,
            "dts": (0.2, 0.1, 0.05),
        },
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    validate=_validate,
    description=__doc__.split("\n\n")[0],
)
