r"""Study `integrator-multi`: several time scales, outliers escaping one at a time.

Several time scales in the integrator paper (arXiv:2503.18754): [§8][integrator-s8] and figure 6
of [§11][integrator-s11]; the formulation is the toolkit's own.
Target `'sum_exp'` $k_\star(\tau)=\sum_{i=1}^Kw_ie^{-c_i\tau}$ (balanced weights
$w_i=\sqrt{2c_i}$, each term of unit variance), learned
poles $1-c_i$.

* **Two-pole limit at** $\sigma=0$ (the only pass/fail check, [§8][integrator-s8]). With
  $W_0=0$ every gradient lies in $\mathcal S=\mathrm{span}\{u_0,v_0\}$, so the network
  is exactly the two-neuron flow: $W=EME^\top$, $u=\sqrt NEa$, $v=\sqrt NEb$
  (`numerics.integrator.reduce_from_network`). The reduced flow for a general
  state-space target is the same closed-form gradient flow at $N=2$, $s=1$, unit
  rates (`numerics.integrator.gradient_flow` on the $(M,a,b)$ parameters). We check
  that $W$ stays in $\mathcal S$ and equals $EME^\top$; $M$ has two
  eigenvalues, so at most two poles are learned and a $K=3$ target leaves a loss floor.
* **Bulk lifts the limit** (report). At $\sigma>0$ the bulk supplies extra directions;
  we track the $K$ largest eigenvalues (nearest-neighbour matching), record each
  escape time (first time it leaves the disk $|\lambda|\le\sigma+\delta$, $\delta=0.05$,
  for good) and the final positions against $\{1-c_i\}$. For $K>2$ the loss at
  $T$ is compared with the **two-pole floor**, the loss of the exact $\sigma=0$
  2×2 flow run to $10T$: a $\sigma>0$ network below it fits more than any
  two-pole filter reached from $W_0=0$.

* **Draws** (`network_draws` = $D$, `--draws`; quick 1, paper 5 as [§11][integrator-s11] asks): every
  point trains $D$ networks in one compiled computation
  (`numerics.integrator.gradient_flow_draws`). Draw $j$ has the same
  $u_0,v_0$ at every $\sigma$ (only $W_0$ scales with $\sigma$), so its
  $\sigma>0$ loss is compared with the two-pole floor of its own $\sigma=0$ reduction.
  The $\sigma=0$ checks hold the worst draw; figures show draw 0 and the loss range.

`--target` (`exp:RATE[:AMP]` repeated or `+`-joined) replaces the default targets;
`--animate` writes `animation.gif` (the spectrum of $W(t)$ with the tracked outliers).

| code name | symbol | meaning |
|---|---|---|
| `rates`, `weights` | $c_i,w_i$ | target rates and weights |
| `sigma`, `delta` | $\sigma,\delta$ | bulk radius, escape margin |
| `t_esc` | $t_{\mathrm{esc}}$ | escape time of each outlier |
| `E` | $E=[e_1,e_2]$ | basis of $\mathcal S$ |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from numerics import integrator as lr
from numerics.integrator._targets import Target, make_target
from numerics.integrator.studies import _common as ic, _extra as ex
from numerics.study import (
    Check,
    CheckSpec,
    Measurement,
    Option,
    Params,
    Study,
    StudyConfig,
    check_le,
    check_true,
    positive,
)

__all__ = ["STUDY", "MultiParams", "measure", "checks", "figures", "escape_times"]

NAME = "integrator-multi"
DELTA = 0.05  # docs: integrator §8 default escape margin
#: sigma = 0: W stays in span{u0, v0} and equals the 2x2 reduced flow up to round-off (every
#: gradient lies in the span); the exactness tolerance of table T9 (integrator docs), with both
#: flows solved at `ic.EXACT_SOLVER` tolerances
REDUCTION_TOL = ic.EXACT_TOL
#: the two-pole floor: the sigma = 0 2x2 flow run to this multiple of the training time
FLOOR_TIME_FACTOR = 10


@dataclass(frozen=True)
class MultiParams(Params):
    r"""Parameters of `integrator-multi` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `rates` | the target rates $(c_1,\dots,c_K)$ of each `'sum_exp'` target (a grid of targets) |
    | `sigma` | initial bulk radii $\sigma$ (grid; $\sigma=0$ runs the two-pole checks) |
    | `N` | network sizes (grid) |
    | `eps` | initial read-in/readout scale $\epsilon$ |
    | `network_draws` | network draws $D$ per point ([§11][integrator-s11]: $\ge5$ in the paper profile) |
    | `t_max`, `n_save` | training time and number of saved times |
    | `rtol`, `atol` | solver tolerances at $\sigma>0$ ($\sigma=0$ uses the exactness tolerances) |
    | `target` | `--target` filters, summed into one target (empty: the `rates` targets) |
    """

    rates: tuple[tuple[float, ...], ...] = ((0.1, 0.5), (0.1, 0.4, 0.7), (0.05, 0.3, 0.6))
    sigma: tuple[float, ...] = (0.0, 0.1, 0.2)
    N: tuple[int, ...] = (100, 200, 500)
    eps: float = 0.3
    network_draws: int = 5  # docs: integrator §11: N in {100, 200, 500}, >= 5 draws per point
    t_max: float = 100.0
    n_save: int = 201
    rtol: float = 1e-9
    atol: float = 1e-11
    target: tuple[Target, ...] = ()

    def __post_init__(self) -> None:
        ex.freeze_lists(self)


def _validate(params: MultiParams) -> None:
    """Cross-field checks of a profile with overrides (`UsageError`)."""
    ic.network_draws(params.as_dict())


def escape_times(ts: np.ndarray, tracks: np.ndarray, radius: float) -> np.ndarray:
    r"""Per track, the first saved time after which $|\lambda(t)|>$ `radius` for good (`nan` if never)."""
    out = []
    for k in range(tracks.shape[1]):
        outside = np.abs(tracks[:, k]) > radius
        if not outside[-1]:
            out.append(np.nan)
            continue
        inside = np.flatnonzero(~outside)
        out.append(float(ts[inside[-1] + 1]) if inside.size else float(ts[0]))
    return np.array(out)


def _targets(cfg: StudyConfig) -> list[tuple[str, Target, np.ndarray]]:
    user = cfg.params.target
    if user:
        t = ic.sum_targets(user)
        poles = 1 + np.sort(np.linalg.eigvals(np.asarray(t.As)))[::-1]
        return [("user target", t, poles)]
    out = []
    for rates in cfg.params.rates:
        # balanced weights w_i = sqrt(2 c_i): every term has unit variance int (w_i e^{-c_i tau})^2 = 1,
        # so no time scale dominates the loss (with raw w_i = 1 the slowest term dominates and one
        # outlier at a compromise position fits the sum almost as well)
        t = make_target("sum_exp", rates=[float(r) for r in rates], weights=[np.sqrt(2 * float(r)) for r in rates])
        out.append(
            (f"K={len(rates)}, c=({', '.join(f'{r:g}' for r in rates)})", t, np.array([1 - float(r) for r in rates]))
        )
    return out


def _tracked(ts: np.ndarray, W: np.ndarray, K: int, radius: float):
    """Eigenvalues of every saved $W$, the `K` tracked outliers and their escape times from the
    disk of `radius`, outliers ordered by final real part (largest first)."""
    eigs = [np.linalg.eigvals(w) for w in W]
    tracks = ic.track_outliers(eigs, n_tracks=min(K, W.shape[-1]), start="last")
    t_esc = escape_times(ts, tracks, radius)
    order = np.argsort(-tracks[-1].real)
    return eigs, tracks[:, order], t_esc[order]


def _escape_text(t_esc: np.ndarray) -> str:
    """One outlier's escape times over the draws (`nan`: never escaped) for the notes."""
    hit = np.isfinite(t_esc)
    if not hit.any():
        return "never"
    return ic.spread(t_esc[hit], ".2f") + ("" if hit.all() else f" ({int(hit.sum())} of {hit.size} draws)")


def _reduction(lab, n, K, ts, target, p0s, outs, tol, rtol, atol, notes):
    r"""$\sigma=0$: worst over the draws of the span leak and of the deviation from the exact 2×2
    flow ([table T9][integrator-t9]), the two-pole floor of each draw (`K > 2`; `nan` where its flow failed) and
    the reduced $M(t)$ eigenvalues of draw 0. Returns `(leak, dev, dev_text, floors, lam2)`
    (`dev_text`: the components of the worst draw's deviation), or `None` if a reduced flow
    went unstable."""
    leaks, devs, floors, dev_text, lam2 = [], [], [], None, None
    for j, (p0, out) in enumerate(zip(p0s, outs)):
        red0, E = lr.reduce_from_network(p0.u, p0.v)
        red = ex.flow_or_none(
            lambda: lr.gradient_flow(red0, target, jnp.asarray(ts), s=1.0, rates=(1.0, 1.0, 1.0), n_eigs=2, **tol),
            notes,
            f"reduced {lab}, N={n}, draw {j}",
        )
        if red is None:
            return None
        E, W = np.asarray(E), np.asarray(out["W"])
        Mr = np.asarray(red["W"])
        dev = ic.reduction_deviation(W, out["u"], out["v"], out["loss"], E, Mr, red["u"], red["v"], red["loss"])
        proj = np.eye(n) - E @ E.T
        leaks.append(max(np.linalg.norm(proj @ w) + np.linalg.norm(w @ proj) for w in W))
        devs.append(dev["max"])
        if dev_text is None or dev["max"] >= max(devs):
            dev_text = ic.exactness_text(dev)
        if K > 2:  # the two-pole floor: the same exact 2x2 flow run 10x longer
            t_long = jnp.asarray([0.0, ts[-1], FLOOR_TIME_FACTOR * ts[-1]])
            lng = ex.flow_or_none(
                lambda: lr.gradient_flow(
                    red0, target, t_long, s=1.0, rates=(1.0, 1.0, 1.0), rtol=rtol, atol=atol, n_eigs=2
                ),
                notes,
                f"floor {lab}, N={n}, draw {j}",
            )
            floors.append(float(np.asarray(lng["loss"])[-1]) if lng is not None else np.nan)
        if j == 0:
            lam2 = np.stack([np.linalg.eigvals(m) for m in Mr])
    return max(leaks), max(devs), dev_text, np.array(floors), lam2


def measure(config: StudyConfig) -> Measurement:
    """Every (target, sigma, N) point: D networks, their tracked outliers and escape times; at
    sigma = 0 the exact two-neuron reduction and the two-pole floor."""
    p = config.params
    series: dict[str, np.ndarray] = {}
    notes: list[str] = []
    files: dict[str, bytes] = {}
    ts = np.linspace(0.0, float(p.t_max), int(p.n_save))
    rtol, atol = float(p.rtol), float(p.atol)
    D = int(p.network_draws)
    points: list[dict[str, Any]] = []  # one per point, in run order: what the checks and figures read
    anim = None
    floors: dict[tuple[str, int], np.ndarray] = {}  # two-pole floor per (target, N) and draw (sigma = 0 2x2 flow)
    final_loss: dict[tuple[str, float, int], np.ndarray] = {}  # L(T) per draw
    runs = [(lab, t, poles, float(s), int(n)) for lab, t, poles in _targets(config) for s in p.sigma for n in p.N]
    ckpt = config.checkpoint("flows")
    for lab, target, poles, sigma, n in tqdm(runs, desc="multi-timescale runs", disable=not config.progress):
        K = len(poles)
        tag = f"{lab}, sigma={sigma:g}, N={n}"
        # draw j has the same u0, v0 at every sigma (only W0 scales with sigma)
        P0 = jax.vmap(lambda k: lr.init_params(k, n, sigma, eps=float(p.eps)))(
            ic.draw_keys(config.seed, 60, n, draws=D)
        )
        p0s = [jax.tree.map(lambda x, j=j: x[j], P0) for j in range(D)]
        # sigma = 0 is the exactness comparison of table T9 (integrator docs): network and reduced
        # flow at EXACT_SOLVER tolerances
        tol = ic.EXACT_SOLVER if sigma == 0.0 else {"rtol": rtol, "atol": atol}

        def flow():
            return ex.flow_or_none(
                lambda: lr.gradient_flow_draws(P0, target, jnp.asarray(ts), n_eigs=n, **tol), notes, f"network {tag}"
            )

        # each completed flow is saved (`compare --resume` continues after an interrupt)
        outs = flow() if ckpt is None else ckpt.memo(f"flow-{lab}-{sigma:g}-{n}", flow)
        if outs is None:
            points.append(dict(tag=tag, stable=False))
            continue
        L = np.stack([np.asarray(o["loss"]) for o in outs])
        radius = sigma + DELTA
        tracked = [_tracked(ts, np.asarray(o["W"]), K, radius) for o in outs]
        eigs, tracks, t_esc = tracked[0]
        T_esc = np.stack([t for _, _, t in tracked])  # (D, K)
        series[f"t[{tag}]"] = ts
        series[f"loss[{tag}]"] = L[0]
        series[f"tracks[{tag}]"] = tracks
        series[f"escape_times[{tag}]"] = t_esc
        if D > 1:
            series[f"loss_draws[{tag}]"] = L
            series[f"escape_times_draws[{tag}]"] = T_esc
        final_loss[(lab, sigma, n)] = L[:, -1]
        n_esc = np.isfinite(T_esc).sum(1)
        notes.append(
            f"{tag} ({D} draw{'s' * (D > 1)}): L(T)/L0 = {ic.spread(L[:, -1] / L[:, 0], '.3g')}; outliers that "
            f"left |lambda| <= {radius:g}: {ic.spread(n_esc, '.0f')} of {K}; escape times "
            + ", ".join(f"#{k + 1} {_escape_text(te)}" for k, te in enumerate(T_esc.T))
            + "; final positions (draw 0) "
            + ", ".join(f"{z.real:.3f}{z.imag:+.3f}i" for z in tracks[-1])
            + " vs targets 1-c_i = "
            + ", ".join(f"{q.real:.3f}" for q in poles)
        )
        point = dict(tag=tag, stable=True, lab=lab, n=n, sigma=sigma)
        if sigma == 0.0:
            red = _reduction(lab, n, K, ts, target, p0s, outs, tol, rtol, atol, notes)
            if red is None:
                point["reduced_stable"] = False
                points.append(point)
                continue
            leak, dev, dev_text, fl, lam2 = red
            point |= dict(reduced_stable=True, leak=leak, dev=dev, dev_text=dev_text, tol=tol)
            if fl.size and np.isfinite(fl).all():
                floors[(lab, n)] = fl
                series[f"two_pole_floor[{tag}]"] = fl[0] if D == 1 else fl
            series[f"reduced_eigs[{tag}]"] = lam2
            notes.append(
                f"{tag}: the network's W has rank <= 2 (draw 0, M eigenvalues at T: "
                + ", ".join(f"{z.real:.3f}{z.imag:+.3f}i" for z in lam2[-1])
                + f"); {'a loss floor remains' if K > 2 else 'both poles can be learned'} "
                f"(L(T)/L0 = {ic.spread(L[:, -1] / L[:, 0], '.3g')})"
            )
        point["figure"] = dict(tracks=tracks, poles=poles, radius=radius, L=L, t_esc=t_esc)  # draw 0
        points.append(point)
        if config.options.get("animate") and sigma > 0 and (anim is None or K > anim[0]):
            anim = (K, tag, sigma, eigs, tracks)
    for (lab, sigma, n), Lf in sorted(final_loss.items()):
        if sigma > 0 and (lab, n) in floors:
            ratio = Lf / floors[(lab, n)]  # draw j against the floor of draw j (same u0, v0)
            series[f"loss_over_two_pole_floor[{lab}, sigma={sigma:g}, N={n}]"] = ratio[0] if D == 1 else ratio
            below = int(np.sum(ratio < 1))
            notes.append(
                f"{lab}, sigma={sigma:g}, N={n}: L(T) = {ic.spread(Lf, '.3g')} is {ic.spread(ratio, '.3g')} x the "
                f"two-pole floor {ic.spread(floors[(lab, n)], '.3g')} (loss of the exact sigma=0 2x2 flow of the same "
                f"draw at t = {FLOOR_TIME_FACTOR * ts[-1]:g}); below it in {below} of {D} draw{'s' * (D > 1)}"
                + ("" if below < D else ": the bulk lets the network fit more than two poles")
                + ("" if below else ": no sign here that the bulk lifts the two-pole limit")
            )
    if anim is not None:
        K, tag, sigma, eigs, tracks = anim
        files["animation.gif"] = ic.spectrum_animation(
            ts, eigs, sigma, theory_path=None, outlier=list(tracks), title=tag
        )
    return Measurement(data=dict(ts=ts, D=D, points=points), series=series, notes=notes, extra_files=files)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """The sigma = 0 two-pole checks (and a failed check for any unstable flow); see `DECLARED`."""
    out: list[Check] = []
    ts, dtext = m.data["ts"], ic.draws_text(m.data["D"])
    for pt in m.data["points"]:
        tag = pt["tag"]
        if not pt["stable"]:
            out.append(check_true(f"stable_{tag}", False, "gradient flow stayed stable (docs: integrator §10 guard)"))
            continue
        if pt["sigma"] != 0.0:
            continue
        if not pt["reduced_stable"]:
            out.append(check_true(f"reduced_stable_{tag}", False, "reduced flow stayed stable"))
            continue
        lab, n, tol = pt["lab"], pt["n"], pt["tol"]
        out.append(
            check_le(
                f"two_pole_subspace_{lab}_N{n}",
                pt["leak"],
                REDUCTION_TOL,
                "sigma=0: max_t ||(I-EE^T)W|| + ||W(I-EE^T)|| (W stays in span{u0,v0}, docs: integrator §5.1/§8); "
                "table T9 (integrator docs) tolerance 1e-8 (every gradient lies in the span, so only round-off "
                f"leaks; solver rtol {tol['rtol']:g}); {dtext}",
            )
        )
        out.append(
            check_le(
                f"two_pole_reduced_match_{lab}_N{n}",
                pt["dev"],
                REDUCTION_TOL,
                "sigma=0: full network vs the 2x2 reduced flow (N=2, s=1, unit rates) from reduce_from_network, "
                f"max over t <= {ts[-1]:g} of: {pt['dev_text']} (worst draw); table T9 (integrator docs) tolerance "
                f"1e-8, both solved at rtol {tol['rtol']:g}, atol {tol['atol']:g}; {dtext}",
            )
        )
    return out


def figures(config: StudyConfig, m: Measurement) -> dict[str, Any]:
    """Tracked outlier paths and the loss staircase (draw 0; shaded: range over the draws)."""
    ts, D = m.data["ts"], m.data["D"]
    eig_panels: dict[str, list] = {}
    loss_panels: dict[str, list] = {}
    for pt in m.data["points"]:
        if "figure" not in pt:
            continue
        f = pt["figure"]
        tracks, L, radius = f["tracks"], f["L"], f["radius"]
        pan = []
        for k in range(tracks.shape[1]):
            pan.append(ic.Curve(ts, tracks[:, k].real, f"outlier {k + 1}", group=f"o{k}", kind="network"))
        for i, p in enumerate(f["poles"]):
            pan.append(ic.Curve(ts, [p.real], r"targets $1-c_i$" if i == 0 else "_", kind="target"))
        pan.append(ic.Curve(ts, np.full_like(ts, radius), rf"$\sigma+\delta={radius:g}$", group="edge", kind="aux"))
        eig_panels[pt["tag"]] = pan
        lp = [ic.Curve(ts, L[0] / L[0, 0], "network loss", group="loss", kind="theory")]
        if D > 1:
            lp.append(
                ic.Curve(
                    ts,
                    np.stack([(L / L[:, :1]).min(0), (L / L[:, :1]).max(0)]),
                    f"range over {D} draws",
                    group="loss",
                    kind="spread",
                )
            )
        for k, te in enumerate(f["t_esc"]):
            if np.isfinite(te):
                lp.append(
                    ic.Curve(
                        [te],
                        [np.interp(te, ts, L[0] / L[0, 0])],
                        f"escape of outlier {k + 1}",
                        group=f"o{k}",
                        kind="network",
                    )
                )
        loss_panels[pt["tag"]] = lp
    figs = {}
    if eig_panels:
        figs["outlier_paths"] = ic.time_figure(
            eig_panels,
            ylabel=r"Re $\lambda$ (tracked outliers)",
            ncols=2,
            title="Multi-timescale target: outliers escape one at a time (dashed: targets 1-c_i)",
        )
        figs["loss_staircase"] = ic.time_figure(
            loss_panels,
            ylabel=r"$L(t)/L_0$",
            logy=True,
            ncols=2,
            title="Loss staircase; one marker per outlier escape from the disk sigma + delta",
        )
    return figs


DECLARED = (
    CheckSpec(
        "stable_{point}",
        "true",
        "made (and failed) only when a network gradient flow goes unstable",
    ),
    CheckSpec(
        "reduced_stable_{point}",
        "true",
        "made (and failed) only when a sigma = 0 reduced 2x2 flow goes unstable",
    ),
    CheckSpec(
        "two_pole_subspace_{target}_N{N}",
        f"<= {REDUCTION_TOL:g}",
        "sigma = 0: max over t of ||(I-EE^T)W|| + ||W(I-EE^T)||, W stays in span{u0, v0}; every gradient lies "
        "in the span, so only round-off leaks (exactness tolerance of table T9 (integrator docs)); worst draw",
    ),
    CheckSpec(
        "two_pole_reduced_match_{target}_N{N}",
        f"<= {REDUCTION_TOL:g}",
        "sigma = 0: the full network against the exact 2x2 reduced flow (W, u/sqrt(N), v/sqrt(N) and the loss), "
        "both solved at tight tolerances (exactness tolerance of table T9 (integrator docs)); worst draw",
    ),
)


STUDY = Study(
    name=NAME,
    title="Multi-timescale targets: outlier staircase, two-pole limit at sigma = 0 (exploratory)",
    paper="integrator",
    params=MultiParams(),
    profiles={
        "quick": {
            "rates": ((0.1, 0.5), (0.1, 0.4, 0.7)),
            "sigma": (0.0, 0.2),
            "N": (40,),
            "network_draws": 1,
            "t_max": 60.0,
            "n_save": 121,
            "rtol": 1e-8,
            "atol": 1e-10,
        },
        "smoke": {
            "rates": ((0.1, 0.5), (0.1, 0.4, 0.7)),
            "sigma": (0.0, 0.2),
            "N": (16,),
            "network_draws": 2,
            "t_max": 20.0,
            "n_save": 41,
            "rtol": 1e-8,
            "atol": 1e-10,
        },
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(
        ic.target_option(),
        ic.sigma_option(),
        ic.n_option(),
        ic.draws_option(),
        Option("eps", "--eps", float, "initial read-in/readout scale epsilon > 0", validate=positive, multiple=False),
    ),
    validate=_validate,
    description=__doc__.split("\n\n")[0],
    flags={"animate": "write animation.gif: spectrum of W(t) with the tracked outliers (largest K, sigma > 0)"},
)
