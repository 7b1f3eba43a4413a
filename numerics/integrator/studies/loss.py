r"""Study `integrator-loss`: loss curves, the small-$\varepsilon$ plateau, learning time and GD → flow.

[§5.2][integrator-s5-2] (learning time, plateau from small read-in/readout), [§10][integrator-s10]
(GD stability bound) and [§11][integrator-s11] (the $\eta\to0$ GD check with
$\kappa\in\{0.4,0.2,0.1\}$; figure 2: loss curves per $c_\star$ and normalisation, the plateau
for small $\varepsilon$, the $1/c_\star$ learning time of the unit target) of the
[integrator formulation][integrator-formulation] (arXiv:2503.18754; the formulation and every
reference value are the toolkit's). Full networks ($W_0=\sigma G/\sqrt N$,
$u_0,v_0\sim\mathcal N(0,\varepsilon^2I)$, mean-field $s=1/N$, default rates) trained by
gradient flow (`numerics.integrator.gradient_flow`) and by discrete gradient descent
(`numerics.integrator.gradient_descent`, optax SGD per group) on the closed-form loss.

* **GD → gradient flow as** $\eta\to0$. GD with $\eta=\kappa\min(1,8c_\star^3/A_\star^2)$ is the
  explicit Euler method for the flow in flow time $t=k\eta$, so its global error is
  $E(\eta)=C_1\eta+C_2\eta^2+\dots$: halving $\eta$ halves the error (order 1), and the
  Richardson combination $2W_\eta-W_{2\eta}$ cancels $C_1$ (order 2). The three
  $\eta$ of a case are exactly $\eta_0,\eta_0/2,\eta_0/4$ ($\eta_0\le0.4$ times the bound), so
  the saves coincide. A GD that converged to anything but the flow (a wrong rate or time map)
  would stall at a nonzero error and fail both orders.
* **Plateau from small read-in/readout** (σ = 0, $u_0,v_0\sim\mathcal N(0,\varepsilon^2I)$): the
  zero network is a saddle; linearised there, $\dot u=A_\star v/(1+c_\star)$,
  $\dot v=A_\star u/(1+c_\star)$, so the aligned part grows like $e^{A_\star t/(1+c_\star)}$ and the
  escape time is $\frac{1+c_\star}{2A_\star}\ln\frac1{\varepsilon^2}+O(1)$. The $O(1)$ depends on the
  draw and cancels in **increments**: $T_f(\varepsilon/10)-T_f(\varepsilon)\to\frac{1+c_\star}{A_\star}\ln10$ as
  $\varepsilon\to0$, with an $O(\varepsilon^2)$ correction (the nonlinear terms enter at relative
  order $\varepsilon^2$). $T_f$ is the first time $L<fL_0$ ($f=10^{-2}$), located by a
  coarse solve and a fine re-solve over the bracketing save interval.
* **Learning time vs** $c_\star$ (report only): the idealised 2×2 flow (orthogonal start) over a
  $c_\star$ ladder, both normalisations, the network points, and the slaved asymptote
  $1/(6c_\star)$ of the unit target (the formula itself is tested against the ODE in the test
  suite, [table T6][integrator-t6]).

| code name | symbol | meaning |
|---|---|---|
| `c_star`, `norm` | $c_\star$, raw/unit | target rate and normalisation (unit: $A_\star^2=2c_\star$) |
| `kappa` | $\kappa$ | GD step as a fraction of the stability bound $\min(1,8c_\star^3/A_\star^2)$ |
| `err_W` | $E(\eta)=\max_t\lVert W_{\mathrm{GD}}(t)-W_{\mathrm{flow}}(t)\rVert_F$ | GD global error |
| `err_rich` | $\max_t\lVert 2W_\eta-W_{2\eta}-W_{\mathrm{flow}}\rVert_F$ | Richardson error |
| `eps` | $\varepsilon$ | scale of $u_0,v_0$ (plateau part) |
| `T_f` | $T_f$ | first time $L<fL_0$ |
| `plateau_slope` | $\frac{1+c_\star}{A_\star}\ln10$ | predicted $T_f$ increment per decade of $\varepsilon$ |
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from numerics import integrator as lr
from numerics.core import SolveError, UsageError, colormap, subplots
from numerics.integrator import _reduced as rd
from numerics.integrator._targets import make_target
from numerics.integrator.studies import _common as ic, _extra as ex
from numerics.study import Check, CheckSpec, Measurement, Params, Study, StudyConfig, check_in, check_le

__all__ = ["STUDY", "LossParams", "measure", "checks", "figures", "gd_eta_bound", "crossing_time", "plateau_slope"]

NAME = "integrator-loss"
KAPPAS = (0.4, 0.2, 0.1)  # docs: integrator §11: eta = kappa * min(1, 8 c*^3 / A*^2)
F_LEARN = 1e-2  # learning time threshold L < f L0 (the convention of tables T1/T6, docs: integrator §9)
NORMS = ("raw", "unit")

#: first-order band for the GD error order on the two smallest eta: GD is explicit Euler on the flow,
#: E = C1 eta + C2 eta^2 + ..., so log2(E(2 eta)/E(eta)) = 1 + O(eta C2/C1); a GD that converged to
#: another flow stalls at a nonzero error (order ~0)
ORDER_TOL = 0.1
#: band for the order of the Richardson combination 2 W_eta - W_2eta: 2 + O(eta), with the flow
#: reference solved at rtol 1e-10, far below these errors
RICHARDSON_BAND = (1.7, 2.3)
#: relative error of the plateau increment at the smallest eps pair: the O(1) offset cancels in
#: increments, the remainder is O(eps^2) (~1e-4 relative or less at the last pair) and crossing
#: times are resolved to ~1e-6; a wrong rate (e.g. (1+c*)/A* without the 1/2) is off by 100%
PLATEAU_TOL = 1e-3
#: the plateau error must shrink by at least this factor from the first to the last eps pair: the
#: deviation from the escape law is O(eps^2), a factor 100 per decade
PLATEAU_SHRINK = 0.1

DECLARED = (
    CheckSpec(
        "gd_order_{norm}_c{c}",
        f"in [{1 - ORDER_TOL:g}, {1 + ORDER_TOL:g}]",
        "order log2(E(2 eta)/E(eta)) of the GD error against the gradient flow on the two smallest eta; "
        "GD is explicit Euler on the flow (order 1 + O(eta))",
    ),
    CheckSpec(
        "gd_richardson_order_{norm}_c{c}",
        f"in [{RICHARDSON_BAND[0]}, {RICHARDSON_BAND[1]}]",
        "order of the Richardson combination 2 W_eta - W_2eta against the flow; it cancels the O(eta) term "
        "(order 2 + O(eta))",
    ),
    CheckSpec(
        "plateau_law_{norm}_c{c}",
        f"<= {PLATEAU_TOL:g}",
        "|relative error| of the last T_f increment per decade of eps against the linearised escape law "
        "(1+c*)/(2A*) ln(eps1^2/eps2^2) (docs: integrator §5.2); the O(1) offset cancels in increments",
    ),
    CheckSpec(
        "plateau_convergence_{norm}_c{c}",
        f"<= {PLATEAU_SHRINK:g}",
        "|relative error| of the last increment / of the first: the deviation from the escape law is O(eps^2)",
    ),
)


@dataclass(frozen=True)
class LossParams(Params):
    """Parameters of `integrator-loss` (defaults: the paper profile, [§11][integrator-s11]).

    | field | meaning |
    |---|---|
    | `N`, `sigma` | network size and initial recurrent scale of the loss-curve and GD networks |
    | `c_star` | target rates of the loss curves and the GD check |
    | `norms` | target normalisations (`raw`: $A_\\star=1$; `unit`: $A_\\star^2=2c_\\star$) |
    | `t_max_raw`, `t_max_unit` | loss-curve horizon per normalisation |
    | `n_saves` | saves of a loss curve |
    | `gd_T`, `gd_saves`, `gd_max_steps` | GD horizon, saves, and the step cap of the smallest $\\eta$ |
    | `plateau_cases` | `(norm, c_star)` of the plateau law ($\\sigma=0$) |
    | `eps` | read-in/readout scales $\\varepsilon$ of the plateau law |
    | `plateau_dt`, `plateau_pad` | coarse save step of the crossing search; horizon pad beyond $1.5\\,t_{\\mathrm{esc}}$ |
    | `ladder_raw`, `ladder_unit` | $c_\\star$ ladder of the learning-time curve per normalisation |
    """

    N: int = 200
    sigma: float = 0.1
    c_star: tuple[float, ...] = (0.5, 0.2, 0.1, 0.05)
    norms: tuple[str, ...] = NORMS
    t_max_raw: float = 4.0
    t_max_unit: float = 16.0
    n_saves: int = 161
    gd_T: float = 4.0
    gd_saves: int = 20
    gd_max_steps: int = 5000
    plateau_cases: tuple[tuple[str, float], ...] = (("raw", 0.2), ("unit", 0.2), ("raw", 0.05), ("unit", 0.05))
    eps: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4)
    plateau_dt: float = 0.1
    plateau_pad: float = 8.0
    ladder_raw: tuple[float, ...] = (0.5, 0.2, 0.1, 0.05, 0.02)
    ladder_unit: tuple[float, ...] = (0.5, 0.2, 0.1, 0.05, 0.02, 0.01)

    def __post_init__(self) -> None:
        ex.freeze_lists(self)  # grids given as lists (Python API overrides) are held as tuples


def _validate(p: LossParams) -> None:
    """$0\\le\\sigma<1$ (a stable bulk); normalisations `raw`/`unit`."""
    if not 0 <= p.sigma < 1:
        raise UsageError(f"sigma={p.sigma} is out of range; allowed: 0 <= sigma < 1")
    for norm in list(p.norms) + [nm for nm, _ in p.plateau_cases]:
        if norm not in NORMS:
            raise UsageError(f"norm {norm!r} is not allowed; allowed: {', '.join(NORMS)}")


# ----------------------------------------------------------------------------- helpers
def gd_eta_bound(target) -> float:
    r"""[§10][integrator-s10]/§11 step scale $\min(1,8c_\star^3/A_\star^2)$ of a leaky target."""
    c, amp = -float(target.As[0, 0]), float(target.bs[0])
    return min(1.0, 8 * c**3 / amp**2)


def plateau_slope(c_star: float, amp: float, ratio: float = 10.0) -> float:
    r"""Predicted $T_f$ increment when $\varepsilon\to\varepsilon/\text{ratio}$:
    $t_{\mathrm{esc}}(\varepsilon/\text{ratio})-t_{\mathrm{esc}}(\varepsilon)=\frac{1+c_\star}{2A_\star}\ln(\text{ratio}^2)$,
    from the SymPy-derived escape time (`integrator.plateau_escape_time`, code-generated)."""
    t_esc = rd.escape_time_fn()
    return float(t_esc(1.0 / ratio, amp, c_star) - t_esc(1.0, amp, c_star))


def _tag(norm: str, c: float) -> str:
    return f"{norm}_c{c:g}"


def _target(norm: str, c: float):
    return make_target("leaky", c_star=c, norm=norm)


def _amp(target) -> float:
    return float(target.bs[0])


def _flow(p0: lr.Params, target, ts: np.ndarray, what: str, **kw) -> dict[str, Any]:
    try:
        return lr.gradient_flow(p0, target, jnp.asarray(ts), n_eigs=0, **kw)  # no eigenvalues are used here
    except SolveError as exc:
        raise SolveError(f"{NAME}: network gradient flow failed ({what}): {exc}") from None


def crossing_time(
    p0: lr.Params, target, t_max: float, dt: float, f: float = F_LEARN, **solver
) -> tuple[float, dict[str, Any]]:
    r"""First time with $L(t)<fL_0$ of the network flow from `p0`, located in two passes:
    saves every `dt` on $[0,t_{\max}]$, then a re-solve from the last save above the
    threshold over that one interval with 201 saves (log-linear interpolation between them).
    Returns `(T_f, coarse series)`; `nan` if the loss never falls below $fL_0$."""
    n = max(2, int(math.ceil(t_max / dt)) + 1)
    ts = np.linspace(0.0, (n - 1) * dt, n)
    coarse = _flow(p0, target, ts, "plateau, coarse pass", **solver)
    L = np.asarray(coarse["loss"])
    thr = f * L[0]
    below = np.flatnonzero(L < thr)
    if below.size == 0 or below[0] == 0:
        return float("nan"), coarse
    i = int(below[0]) - 1
    start = lr.Params(jnp.asarray(coarse["W"][i]), jnp.asarray(coarse["u"][i]), jnp.asarray(coarse["v"][i]))
    fine_ts = np.linspace(ts[i], ts[i + 1], 201)
    fine = _flow(start, target, fine_ts, "plateau, fine pass", keep_W=False, **solver)
    return rd.time_to_fraction(fine["ts"], fine["loss"], f, L0=float(L[0])), coarse


def _order(e_big: float, e_small: float) -> float:
    return math.log2(e_big / e_small) if e_big > 0 and e_small > 0 else float("nan")


# ----------------------------------------------------------------------------- parts
def _gd_part(p0: lr.Params, target, tag: str, p: LossParams) -> dict[str, Any]:
    """GD at eta0, eta0/2, eta0/4 (eta0 <= 0.4 x the bound) against the flow at the same saves."""
    bound = gd_eta_bound(target)
    saves = int(p.gd_saves)
    T = float(p.gd_T)
    halve = len(KAPPAS) - 1  # KAPPAS halve: steps k0 * 2^j at eta0 / 2^j
    k0 = saves * math.ceil(T / (saves * KAPPAS[0] * bound))
    k_cap = saves * max(1, (int(p.gd_max_steps) >> halve) // saves)
    if k0 > k_cap:  # stiff (small c*, raw): keep the step count, shorten the horizon
        k0 = k_cap
        T = k0 * KAPPAS[0] * bound
    etas = T / k0 / 2.0 ** np.arange(len(KAPPAS))
    steps = [k0 * 2**j for j in range(len(KAPPAS))]
    runs = [lr.gradient_descent(p0, target, float(e), k, save_every=k // saves, n_eigs=0) for e, k in zip(etas, steps)]
    ts = np.asarray(runs[0]["ts"])
    ref = _flow(p0, target, ts, f"GD reference {tag}", **ic.EXACT_SOLVER)
    W_ref = np.asarray(ref["W"])
    Ws = [np.asarray(r["W"]) for r in runs]
    err = np.array([np.max(np.linalg.norm(W - W_ref, axis=(1, 2))) for W in Ws])
    err_L = np.array([np.max(np.abs(np.log(np.asarray(r["loss"]) / np.asarray(ref["loss"])))) for r in runs])
    rich = np.array([np.max(np.linalg.norm(2 * Ws[j + 1] - Ws[j] - W_ref, axis=(1, 2))) for j in range(len(Ws) - 1)])
    return {
        "tag": tag,
        "N": p0.W.shape[0],
        "sigma": p.sigma,
        "bound": bound,
        "saves": saves,
        "T": T,
        "etas": etas,
        "err": err,
        "err_L": err_L,
        "rich": rich,
        "orders": [_order(err[j], err[j + 1]) for j in range(len(err) - 1)],
        "order_rich": _order(rich[0], rich[1]),
    }


def _gd_checks(g: dict[str, Any]) -> list[Check]:
    """`gd_order_*` and `gd_richardson_order_*` of one `_gd_part` result."""
    tag, etas, err, rich, orders = g["tag"], g["etas"], g["err"], g["rich"], g["orders"]
    fmt = ", ".join(f"eta={e:.3g}: {x:.3g}" for e, x in zip(etas, err))
    return [
        check_in(
            f"gd_order_{tag}",
            orders[-1],
            1 - ORDER_TOL,
            1 + ORDER_TOL,
            f"GD (optax SGD per group, rates (1, N, N)) vs the gradient flow from the same network (N={g['N']}, "
            f"sigma={g['sigma']}), max over {g['saves']} saves on [0, {g['T']:.3g}] of ||W_GD - W_flow||_F: {fmt} "
            f"(eta = kappa x {g['bound']:.3g}, kappa = {', '.join(str(k) for k in KAPPAS)}). GD is explicit Euler on "
            f"the flow, E = C1 eta + C2 eta^2 + ..., so the order log2(E(2 eta)/E(eta)) is 1 + O(eta C2/C1); band "
            f"1 +- {ORDER_TOL} on the two smallest eta (pairwise orders {', '.join(f'{o:.3f}' for o in orders)}); a "
            "GD that did not converge to the flow would give order ~0",
        ),
        check_in(
            f"gd_richardson_order_{tag}",
            g["order_rich"],
            *RICHARDSON_BAND,
            f"Richardson combination 2 W_eta - W_2eta cancels the O(eta) term: its error vs the flow "
            f"({', '.join(f'{x:.3g}' for x in rich)}) must fall at order 2 (band {RICHARDSON_BAND[0]}-{RICHARDSON_BAND[1]}: "
            "order 2 + O(eta), and the flow reference is solved at rtol 1e-10, far below these errors)",
        ),
    ]


def _plateau_part(norm: str, c: float, p: LossParams, seed: int) -> dict[str, Any]:
    """Network at sigma = 0 from u0, v0 ~ N(0, eps^2 I): T_f increments per decade of eps."""
    n = int(p.N)
    target = _target(norm, c)
    amp = _amp(target)
    eps = [float(e) for e in p.eps]
    Ts, curves = [], []
    t_esc = rd.escape_time_fn()
    for e in eps:
        p0 = lr.init_params(ic.point_key(seed, 21, n), n, 0.0, e)  # same draw, scaled: only eps changes
        t_max = 1.5 * float(t_esc(e, amp, c)) + float(p.plateau_pad)
        T, coarse = crossing_time(p0, target, t_max, float(p.plateau_dt), **ic.EXACT_SOLVER)
        Ts.append(T)
        curves.append((e, np.asarray(coarse["ts"]), np.asarray(coarse["loss"])))
    Ts = np.array(Ts)
    pred = np.array([plateau_slope(c, amp, eps[j] / eps[j + 1]) for j in range(len(eps) - 1)])
    rel = np.diff(Ts) / pred - 1
    return {
        "tag": _tag(norm, c),
        "norm": norm,
        "c": c,
        "n": n,
        "eps": eps,
        "T": Ts,
        "pred": pred,
        "rel": rel,
        "curves": curves,
        "amp": amp,
    }


def _plateau_checks(pl: dict[str, Any]) -> list[Check]:
    """`plateau_law_*` and `plateau_convergence_*` of one `_plateau_part` result."""
    tag, eps, Ts, pred, rel = pl["tag"], pl["eps"], pl["T"], pl["pred"], pl["rel"]
    fmt = ", ".join(f"{eps[j]:g}->{eps[j + 1]:g}: {d:.5f} ({r:+.2e})" for j, (d, r) in enumerate(zip(np.diff(Ts), rel)))
    shrink = abs(rel[-1]) / abs(rel[0]) if rel[0] != 0 else float("nan")
    return [
        check_le(
            f"plateau_law_{tag}",
            abs(rel[-1]),
            PLATEAU_TOL,
            f"sigma=0 network (N={pl['n']}, same draw scaled by eps), first time L < {F_LEARN:g} L0: T_f = "
            f"{', '.join(f'{t:.4f}' for t in Ts)} for eps = {', '.join(f'{e:g}' for e in eps)}. Increments (relative "
            f"error vs the linearised escape law (1+c*)/(2A*) ln(eps1^2/eps2^2) = {pred[0]:.5f} per decade): {fmt}. "
            f"The O(1) offset cancels in increments and the remainder is O(eps^2) (the nonlinear terms), ~1e-4 "
            f"relative or less at the last pair; crossing times are resolved to ~1e-6 (fine re-solve). Tolerance "
            f"{PLATEAU_TOL:g} on the last pair: a wrong rate (e.g. (1+c*)/A* without the 1/2) is off by 100%",
        ),
        check_le(
            f"plateau_convergence_{tag}",
            shrink,
            PLATEAU_SHRINK,
            f"|relative error| of the last increment / of the first ({abs(rel[-1]):.2e} / {abs(rel[0]):.2e}): the "
            f"deviation from the escape law is O(eps^2), a factor 100 per decade; at most {PLATEAU_SHRINK:g} required",
        ),
    ]


def _ladder(p: LossParams) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Idealised 2×2 flow (orthogonal start) learning times over the c* ladder of each normalisation."""
    a0, b0, M0 = rd.orthogonal_start()
    out = {}
    for norm, cs in (("raw", p.ladder_raw), ("unit", p.ladder_unit)):
        Ts = []
        for c in cs:
            c = float(c)
            tp = rd.target_params("leaky", c, target_norm=norm)
            t_max = max(20.0, 2.0 / c)
            ts = np.linspace(0.0, t_max, 4001)
            try:
                red = rd.reduced_flow(a0, b0, M0, tp, ts, "leaky", solver="tsit5" if c >= 0.05 else "kvaerno5")
                Ts.append(rd.time_to_fraction(ts, red["L"], F_LEARN))
            except SolveError:
                Ts.append(float("nan"))
        out[norm] = (np.array([float(c) for c in cs]), np.array(Ts))
    return out


# ----------------------------------------------------------------------------- measure
def measure(config: StudyConfig) -> Measurement:
    """Loss curves and GD per (norm, c*), the plateau law per plateau case, the learning-time ladder."""
    p = config.params
    series: dict[str, np.ndarray] = {}
    notes: list[str] = []
    n, sigma = int(p.N), float(p.sigma)
    cases = [(str(nm), float(c)) for nm in p.norms for c in p.c_star]
    p0 = lr.init_params(ic.point_key(config.seed, 20, n), n, sigma)
    a0, b0, M0 = rd.orthogonal_start()
    t_max = {"raw": p.t_max_raw, "unit": p.t_max_unit}
    curves: dict[str, list] = {"raw": [], "unit": []}
    gd: dict[str, dict] = {}
    net_T: dict[str, list] = {"raw": [], "unit": []}
    bar = tqdm(total=len(cases) + len(p.plateau_cases), desc=NAME, disable=not config.progress)
    for norm, c in cases:
        tag = _tag(norm, c)
        target = _target(norm, c)
        ts = np.linspace(0.0, float(t_max[norm]), int(p.n_saves))
        net = _flow(p0, target, ts, f"loss curve {tag}", keep_W=False)
        th = rd.reduced_flow(a0, b0, M0, rd.target_params("leaky", c, target_norm=norm), ts, "leaky")
        L, Lth = np.asarray(net["loss"]), np.asarray(th["L"])
        series |= {f"t[{tag}]": ts, f"L_network[{tag}]": L, f"L_theory[{tag}]": Lth}
        T_net, T_th = rd.time_to_fraction(ts, L, F_LEARN), rd.time_to_fraction(ts, Lth, F_LEARN)
        net_T[norm].append((c, T_net))
        notes.append(
            f"{tag}: learning time (L < {F_LEARN:g} L0) network {T_net:.3g}, idealised 2x2 flow {T_th:.3g}; "
            f"max |log L_net/L_theory| = {np.max(np.abs(np.log(L / Lth))):.3g} (finite N={n}, sigma={sigma})"
        )
        curves[norm].append((c, ts, L, Lth))
        g = gd[tag] = _gd_part(p0, target, tag, p)
        series |= {
            f"gd_eta[{tag}]": g["etas"],
            f"gd_err_W[{tag}]": g["err"],
            f"gd_err_logL[{tag}]": g["err_L"],
            f"gd_err_richardson[{tag}]": g["rich"],
        }
        notes.append(
            f"GD {tag}: max |log L_GD/L_flow| over the saves {', '.join(f'{x:.3g}' for x in g['err_L'])} "
            f"(eta = {', '.join(f'{e:.3g}' for e in g['etas'])}); horizon {g['T']:.3g}"
        )
        bar.update()
    plateaus = {}
    for norm, c in p.plateau_cases:
        pl = plateaus[_tag(norm, float(c))] = _plateau_part(str(norm), float(c), p, config.seed)
        tag = pl["tag"]
        series |= {
            f"plateau_eps[{tag}]": np.array(pl["eps"]),
            f"plateau_T[{tag}]": pl["T"],
            f"plateau_rel_err[{tag}]": pl["rel"],
        }
        bar.update()
    bar.close()
    ladder = _ladder(p)
    for norm, (cs, Ts) in ladder.items():
        series[f"ladder_c_star[{norm}]"] = cs
        series[f"ladder_T[{norm}]"] = Ts
        notes.append(
            f"learning time of the idealised 2x2 flow, {norm} target: "
            + ", ".join(f"c*={c:g}: T={t:.3g} (c*T={c * t:.3g})" for c, t in zip(cs, Ts))
        )
    data = {"curves": curves, "gd": gd, "plateaus": plateaus, "ladder": ladder, "net_T": net_T}
    return Measurement(data=data, series=series, notes=notes)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """The GD orders of every (norm, c*), then the plateau law of every plateau case (see `DECLARED`)."""
    out: list[Check] = []
    for g in m.data["gd"].values():
        out += _gd_checks(g)
    for pl in m.data["plateaus"].values():
        out += _plateau_checks(pl)
    return out


def figures(config: StudyConfig, m: Measurement) -> dict:
    """Loss curves, the plateau, learning time vs c* and the GD convergence."""
    n, sigma, d = int(config.params.N), float(config.params.sigma), m.data
    curves = {
        norm: [
            curve
            for c, ts, L, Lth in rows
            for curve in (
                ic.Curve(ts, Lth / Lth[0], f"c*={c:g}: 2x2 theory", group=f"c*={c:g}", kind="theory"),
                ic.Curve(ts, L / L[0], f"c*={c:g}: network", group=f"c*={c:g}", kind="network"),
            )
        ]
        for norm, rows in d["curves"].items()
    }
    return {
        "loss_curves": _loss_figure(curves, n, sigma),
        "plateau": _plateau_figure(d["plateaus"], n),
        "learning_time": _learning_time_figure(d["ladder"], d["net_T"], n, sigma),
        "gd_convergence": _gd_figure(d["gd"]),
    }


# ----------------------------------------------------------------------------- figures
def _loss_figure(curves: dict[str, list], n: int, sigma: float):
    panels = {
        f"{norm} target" + (r" ($A_\star^2=2c_\star$)" if norm == "unit" else r" ($A_\star=1$)"): cs
        for norm, cs in curves.items()
        if cs
    }
    return ic.time_figure(
        panels,
        ylabel=r"$L(t)/L_0$",
        logy=True,
        title=f"Loss curves: idealised 2x2 flow (lines) vs network N={n}, sigma={sigma:g} (markers)",
    )


def _plateau_figure(plateaus: dict[str, dict], n: int):
    k = max(len(plateaus), 1)
    fig, axes = subplots(1, k, figsize=(4.8 * k, 3.8), squeeze=False)
    for ax, p in zip(axes[0], plateaus.values()):
        cols = colormap("viridis")(np.linspace(0.1, 0.85, len(p["eps"])))
        for col, (e, ts, L), T in zip(cols, p["curves"], p["T"]):
            ax.plot(ts, L / L[0], color=col, lw=1.6, label=rf"$\varepsilon={e:g}$")
            ax.axvline(T, color=col, ls=":", lw=1.0)
        ax.axhline(F_LEARN, color="0.4", ls="--", lw=1.0, label=rf"$L={F_LEARN:g}\,L_0$")
        T = p["T"]
        ax.annotate(
            "",
            xy=(T[-1], 2 * F_LEARN),
            xytext=(T[-2], 2 * F_LEARN),
            arrowprops=dict(arrowstyle="<->", color="black", lw=1.0),
        )
        norm, c = p["norm"], p["c"]
        pred = plateau_slope(c, p["amp"])
        ax.text(
            0.5 * (T[-1] + T[-2]),
            4 * F_LEARN,
            rf"$\frac{{1+c_\star}}{{A_\star}}\ln10={pred:.3f}$",
            ha="center",
            va="bottom",
            fontsize=8,
        )
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 2.0)  # below ~1e-8 the sigma=0 loss sits on the slow second mode, then round-off
        ax.set_xlabel(r"training time $t$")
        ax.set_ylabel(r"$L(t)/L_0$")
        ax.set_title(f"{norm} target, c*={c:g}: plateau ~ ln(1/eps^2)", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Small read-in/readout: sigma=0 network, N={n}", fontsize=11)
    fig.tight_layout()
    return fig


def _learning_time_figure(ladder, net_T, n: int, sigma: float):
    fig, ax = subplots(figsize=(5.6, 4.2))
    cols = {"raw": colormap("viridis")(0.2), "unit": colormap("viridis")(0.65)}
    for norm, (cs, Ts) in ladder.items():
        ax.plot(cs, Ts, "-", color=cols[norm], lw=1.6, label=f"2x2 theory, {norm}")
        pts = np.array(net_T.get(norm, []), float).reshape(-1, 2)
        if pts.size:
            ax.plot(
                pts[:, 0],
                pts[:, 1],
                "o",
                mfc="none",
                mew=1.3,
                ms=7,
                color=cols[norm],
                label=f"network N={n}, sigma={sigma:g}, {norm}",
            )
    cs_all = np.concatenate([cs for cs, _ in ladder.values()]) if ladder else np.array([0.01, 0.5])
    cc = np.geomspace(cs_all.min(), cs_all.max(), 50)
    ax.plot(cc, 1 / (6 * cc), "k--", lw=1.0, label=r"slaved asymptote $1/(6c_\star)$ (unit)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"target rate $c_\star$")
    ax.set_ylabel(rf"learning time $T$ ($L<{F_LEARN:g}L_0$)")
    ax.set_title("Learning time: O(1) for the raw target, ~1/c* for the unit target", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _gd_figure(gd: dict[str, dict]):
    fig, ax = subplots(figsize=(5.6, 4.2))
    cols = ic.palette(list(gd))
    for tag, g in gd.items():
        ax.plot(g["etas"], g["err"], "o-", color=cols[tag], lw=1.3, label=f"GD {tag}")
        ax.plot(g["etas"][:-1], g["rich"], "s--", mfc="none", color=cols[tag], lw=1.0, label=f"Richardson {tag}")
    if gd:
        g = next(iter(gd.values()))
        e = g["etas"]
        ax.plot(e, g["err"][-1] * e / e[-1], "k-", lw=0.8, alpha=0.6, label=r"$\propto\eta$")
        ax.plot(e[:-1], g["rich"][-1] * (e[:-1] / e[-2]) ** 2, "k:", lw=0.8, alpha=0.6, label=r"$\propto\eta^2$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"GD step $\eta$ (flow time per step)")
    ax.set_ylabel(r"$\max_t\|W_{\mathrm{GD}}-W_{\mathrm{flow}}\|_F$")
    ax.set_title(r"GD $\to$ gradient flow as $\eta\to0$ ($\kappa$ = 0.4, 0.2, 0.1 of the bound)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


STUDY = Study(
    name=NAME,
    title="Loss curves per c* and normalisation, small-eps plateau law, learning time vs c*, GD -> flow as eta -> 0",
    paper="integrator",
    params=LossParams(),
    profiles={
        "quick": {
            "N": 100,
            "c_star": (0.2, 0.05),
            "t_max_unit": 12.0,
            "n_saves": 121,
            "gd_max_steps": 10000,
            "plateau_cases": (("raw", 0.2), ("unit", 0.2)),
            "eps": (1e-1, 1e-2, 1e-3),
        },
        "smoke": {
            "N": 16,
            "c_star": (0.3,),
            "t_max_unit": 6.0,
            "n_saves": 41,
            "gd_T": 2.0,
            "gd_saves": 10,
            "gd_max_steps": 400,
            "plateau_cases": (("unit", 0.3),),
            "eps": (1e-1, 1e-2, 1e-3),
            "plateau_pad": 6.0,
            "ladder_raw": (0.5, 0.2),
            "ladder_unit": (0.5, 0.2),
        },
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(ic.c_star_option(), ic.int_option("N", "--N", "number of hidden units N (integer >= 2)", multiple=False)),
    validate=_validate,
    description="Loss curves per c* and normalisation against the idealised 2x2 flow, the small-eps plateau law "
    "(T_f increments per decade of eps), learning time vs c*, and GD -> gradient flow as eta -> 0 (orders 1 and 2) "
    "(docs: integrator §5.2, §10, §11).",
)
