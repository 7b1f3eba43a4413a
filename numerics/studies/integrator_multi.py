r"""Study ``integrator-multi``: several time scales, outliers escaping one at a time.

Spec ``integrator.md`` §8, §11 figure 6 (arXiv:2503.18754; formulation is the toolkit's).
Target ``'sum_exp'`` :math:`k_\star(\tau)=\sum_{i=1}^Kw_ie^{-c_i\tau}` (balanced weights
:math:`w_i=\sqrt{2c_i}`, each term of unit variance), learned
poles :math:`1-c_i`.

* **Two-pole limit at** :math:`\sigma=0` (the only pass/fail check, spec §8). With
  :math:`W_0=0` every gradient lies in :math:`\mathcal S=\mathrm{span}\{u_0,v_0\}`, so the network
  is exactly the two-neuron flow: :math:`W=EME^\top`, :math:`u=\sqrt NEa`, :math:`v=\sqrt NEb`
  (:func:`numerics.linear_rnn.reduce_from_network`). The reduced flow for a general
  state-space target is the same closed-form gradient flow at :math:`N=2`, :math:`s=1`, unit
  rates (:func:`numerics.linear_rnn.gradient_flow` on the :math:`(M,a,b)` parameters). We check
  that :math:`W` stays in :math:`\mathcal S` and equals :math:`EME^\top`; :math:`M` has two
  eigenvalues, so at most two poles are learned and a :math:`K=3` target leaves a loss floor.
* **Bulk lifts the limit** (report). At :math:`\sigma>0` the bulk supplies extra directions;
  we track the :math:`K` largest eigenvalues (nearest-neighbour matching), record each
  escape time (first time it leaves the disk :math:`|\lambda|\le\sigma+\delta`, :math:`\delta=0.05`,
  for good) and the final positions against :math:`\{1-c_i\}`. For :math:`K>2` the loss at
  :math:`T` is compared with the **two-pole floor**, the loss of the exact :math:`\sigma=0`
  2×2 flow run to :math:`10T`: a :math:`\sigma>0` network below it fits more than any
  two-pole filter reached from :math:`W_0=0`.

``--target`` (``exp:RATE[:AMP]`` repeated or ``+``-joined) replaces the default targets.

| code name | symbol | meaning |
|---|---|---|
| ``rates``, ``weights`` | :math:`c_i,w_i` | target rates and weights |
| ``sigma``, ``delta`` | :math:`\sigma,\delta` | bulk radius, escape margin |
| ``t_esc`` | :math:`t_{\rm esc}` | escape time of each outlier |
| ``E`` | :math:`E=[e_1,e_2]` | basis of :math:`\mathcal S` |
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

import numerics  # noqa: F401
from numerics import linear_rnn as lr
from numerics.results import StudyResult, check_le, check_true
from numerics.studies import Option, Study, StudyConfig, positive
from numerics.studies import _integrator_common as ic
from numerics.studies import _integrator_extra as ex
from numerics.targets import Target, make_target

__all__ = ["STUDY", "run", "escape_times"]

NAME = "integrator-multi"
DELTA = 0.05  # spec §8 default

PROFILES: dict[str, dict[str, Any]] = {
    "smoke": {"rates": [[0.1, 0.5], [0.1, 0.4, 0.7]], "sigma": [0.0, 0.2], "N": [16], "eps": 0.3,
              "t_max": 20.0, "n_save": 41, "rtol": 1e-8, "atol": 1e-10},
    "quick": {"rates": [[0.1, 0.5], [0.1, 0.4, 0.7]], "sigma": [0.0, 0.2], "N": [40], "eps": 0.3,
              "t_max": 60.0, "n_save": 121, "rtol": 1e-8, "atol": 1e-10},
    "paper": {"rates": [[0.1, 0.5], [0.1, 0.4, 0.7], [0.05, 0.3, 0.6]], "sigma": [0.0, 0.1, 0.2],
              "N": [100, 200], "eps": 0.3, "t_max": 100.0, "n_save": 201, "rtol": 1e-9, "atol": 1e-11},
}


def escape_times(ts: np.ndarray, tracks: np.ndarray, radius: float) -> np.ndarray:
    r"""Per track, the first saved time after which :math:`|\lambda(t)|>` ``radius`` for good (``nan`` if never)."""
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
    user = cfg.params.get("target")
    if user:
        t = ic.sum_targets(user)
        poles = 1 + np.sort(np.linalg.eigvals(np.asarray(t.As)))[::-1]
        return [("user target", t, poles)]
    out = []
    for rates in cfg["rates"]:
        # balanced weights w_i = sqrt(2 c_i): every term has unit variance int (w_i e^{-c_i tau})^2 = 1,
        # so no time scale dominates the loss (with raw w_i = 1 the slowest term dominates and one
        # outlier at a compromise position fits the sum almost as well)
        t = make_target("sum_exp", rates=[float(r) for r in rates], weights=[np.sqrt(2 * float(r)) for r in rates])
        out.append((f"K={len(rates)}, c=({', '.join(f'{r:g}' for r in rates)})", t,
                    np.array([1 - float(r) for r in rates])))
    return out


def run(cfg: StudyConfig) -> StudyResult:
    checks: list = []
    series: dict[str, np.ndarray] = {}
    notes: list[str] = []
    files: dict[str, bytes] = {}
    ts = np.linspace(0.0, float(cfg["t_max"]), int(cfg["n_save"]))
    rtol, atol = float(cfg["rtol"]), float(cfg["atol"])
    eig_panels: dict[str, list] = {}
    loss_panels: dict[str, list] = {}
    anim = None
    floors: dict[tuple[str, int], float] = {}  # two-pole floor per (target, N), from the sigma = 0 reduced flow
    final_loss: dict[tuple[str, float, int], float] = {}
    runs = [(lab, t, poles, float(s), int(n)) for lab, t, poles in _targets(cfg) for s in cfg["sigma"] for n in cfg["N"]]
    for lab, target, poles, sigma, n in tqdm(runs, desc="multi-timescale runs", disable=not cfg.progress):
        K = len(poles)
        tag = f"{lab}, sigma={sigma:g}, N={n}"
        p0 = lr.init_params(ic.point_key(cfg.seed, 60, n), n, sigma, eps=float(cfg["eps"]))
        # sigma = 0 is the spec T9 exactness comparison: network and reduced flow at EXACT_SOLVER tolerances
        tol = ic.EXACT_SOLVER if sigma == 0.0 else {"rtol": rtol, "atol": atol}
        out = ex.flow_or_none(lambda: lr.gradient_flow(p0, target, jnp.asarray(ts), n_eigs=n, **tol),
                              notes, f"network {tag}")
        if out is None:
            checks.append(check_true(f"stable_{tag}", False, "gradient flow stayed stable (spec §10 guard)"))
            continue
        W = np.asarray(out["W"])
        L = np.asarray(out["loss"])
        eigs = [np.linalg.eigvals(w) for w in W]
        n_tr = min(K, n)
        tracks = ic.track_outliers(eigs, n_tracks=n_tr, start="last")
        radius = sigma + DELTA
        t_esc = escape_times(ts, tracks, radius)
        final = tracks[-1]
        order = np.argsort(-final.real)
        final, t_esc, tracks = final[order], t_esc[order], tracks[:, order]
        series[f"t[{tag}]"] = ts
        series[f"loss[{tag}]"] = L
        series[f"tracks[{tag}]"] = tracks
        series[f"escape_times[{tag}]"] = t_esc
        final_loss[(lab, sigma, n)] = float(L[-1])
        n_esc = int(np.sum(np.isfinite(t_esc)))
        notes.append(
            f"{tag}: L(T)/L0 = {L[-1] / L[0]:.3g}; {n_esc} of {K} outliers left |lambda| <= {radius:g}; escape "
            f"times " + ", ".join("never" if not np.isfinite(x) else f"{x:.2f}" for x in t_esc)
            + "; final positions " + ", ".join(f"{z.real:.3f}{z.imag:+.3f}i" for z in final)
            + " vs targets 1-c_i = " + ", ".join(f"{p.real:.3f}" for p in poles))
        if sigma == 0.0:
            red0, E = lr.reduce_from_network(p0.u, p0.v)
            red = ex.flow_or_none(lambda: lr.gradient_flow(red0, target, jnp.asarray(ts), s=1.0, rates=(1.0, 1.0, 1.0),
                                                           n_eigs=2, **tol), notes, f"reduced {tag}")
            if red is None:
                checks.append(check_true(f"reduced_stable_{tag}", False, "reduced flow stayed stable"))
                continue
            E = np.asarray(E)
            Mr = np.asarray(red["W"])
            dev = ic.reduction_deviation(W, out["u"], out["v"], L, E, Mr, red["u"], red["v"], red["loss"])
            proj = np.eye(n) - E @ E.T
            leak = max(np.linalg.norm(proj @ w) + np.linalg.norm(w @ proj) for w in W)
            checks.append(check_le(
                f"two_pole_subspace_{lab}_N{n}", leak, ic.EXACT_TOL,
                "sigma=0: max_t ||(I-EE^T)W|| + ||W(I-EE^T)|| (W stays in span{u0,v0}, spec §5.1/§8); spec T9 "
                f"tolerance 1e-8 (every gradient lies in the span, so only round-off leaks; solver rtol "
                f"{tol['rtol']:g})"))
            checks.append(check_le(
                f"two_pole_reduced_match_{lab}_N{n}", dev["max"], ic.EXACT_TOL,
                "sigma=0: full network vs the 2x2 reduced flow (N=2, s=1, unit rates) from reduce_from_network, "
                f"max over t <= {ts[-1]:g} of: {ic.exactness_text(dev)}; spec T9 tolerance 1e-8, both solved "
                f"at rtol {tol['rtol']:g}, atol {tol['atol']:g}"))
            if K > 2:  # the two-pole floor: the same exact 2x2 flow run 10x longer
                t_long = jnp.asarray([0.0, ts[-1], 10 * ts[-1]])
                lng = ex.flow_or_none(lambda: lr.gradient_flow(red0, target, t_long, s=1.0, rates=(1.0, 1.0, 1.0),
                                                               rtol=rtol, atol=atol, n_eigs=2), notes, f"floor {tag}")
                if lng is not None:
                    floors[(lab, n)] = float(np.asarray(lng["loss"])[-1])
                    series[f"two_pole_floor[{tag}]"] = np.asarray(floors[(lab, n)])
            lam2 = np.linalg.eigvals(Mr[-1])
            series[f"reduced_eigs[{tag}]"] = np.stack([np.linalg.eigvals(m) for m in Mr])
            notes.append(f"{tag}: the network's W has rank <= 2 (M eigenvalues at T: "
                         + ", ".join(f"{z.real:.3f}{z.imag:+.3f}i" for z in lam2)
                         + f"); {'a loss floor remains' if K > 2 else 'both poles can be learned'} "
                         f"(L(T)/L0 = {L[-1] / L[0]:.3g})")
        # figures
        pan = []
        for k in range(n_tr):
            pan.append(ic.Curve(ts, tracks[:, k].real, f"outlier {k + 1}", group=f"o{k}", kind="network"))
        for i, p in enumerate(poles):
            pan.append(ic.Curve(ts, [p.real], r"targets $1-c_i$" if i == 0 else "_", kind="target"))
        pan.append(ic.Curve(ts, np.full_like(ts, radius), rf"$\sigma+\delta={radius:g}$", group="edge", kind="aux"))
        eig_panels[tag] = pan
        lp = [ic.Curve(ts, L / L[0], "network loss", group="loss", kind="theory")]
        for k, te in enumerate(t_esc):
            if np.isfinite(te):
                lp.append(ic.Curve([te], [np.interp(te, ts, L / L[0])], f"escape of outlier {k + 1}",
                                   group=f"o{k}", kind="network"))
        loss_panels[tag] = lp
        if cfg.options.get("animate") and sigma > 0 and (anim is None or K > anim[0]):
            anim = (K, tag, sigma, eigs, tracks)
    for (lab, sigma, n), Lf in sorted(final_loss.items()):
        if sigma > 0 and (lab, n) in floors:
            ratio = Lf / floors[(lab, n)]
            series[f"loss_over_two_pole_floor[{lab}, sigma={sigma:g}, N={n}]"] = np.asarray(ratio)
            notes.append(
                f"{lab}, sigma={sigma:g}, N={n}: L(T) = {Lf:.3g} is {ratio:.3g} x the two-pole floor "
                f"{floors[(lab, n)]:.3g} (loss of the exact sigma=0 2x2 flow at t = {10 * ts[-1]:g}); "
                + ("below it: the bulk lets the network fit more than two poles"
                   if ratio < 1 else "not below it: no sign here that the bulk lifts the two-pole limit"))
    figures = {}
    if eig_panels:
        figures["outlier_paths"] = ic.time_figure(
            eig_panels, ylabel=r"Re $\lambda$ (tracked outliers)", ncols=2,
            title="Multi-timescale target: outliers escape one at a time (dashed: targets 1-c_i)")
        figures["loss_staircase"] = ic.time_figure(
            loss_panels, ylabel=r"$L(t)/L_0$", logy=True, ncols=2,
            title="Loss staircase; one marker per outlier escape from the disk sigma + delta")
    if anim is not None:
        K, tag, sigma, eigs, tracks = anim
        files["animation.gif"] = ic.spectrum_animation(ts, eigs, sigma, theory_path=None, outlier=list(tracks),
                                                       title=tag)
    params = {k: v for k, v in cfg.params.items() if k != "target"}
    return StudyResult(NAME, cfg.profile, checks, params, series, figures, seed=cfg.seed, notes=notes,
                       extra_files=files)


STUDY = Study(
    name=NAME,
    title="Multi-timescale targets: outlier staircase, two-pole limit at sigma = 0 (exploratory)",
    paper="integrator",
    profiles=PROFILES,
    run=run,
    options=(ic.target_option(), ic.sigma_option(), ic.n_option(),
             Option("eps", "--eps", float, "initial read-in/readout scale epsilon > 0", validate=positive,
                    multiple=False)),
    description=__doc__.split("\n\n")[0],
    flags={"animate": "write animation.gif: spectrum of W(t) with the tracked outliers (largest K, sigma > 0)"},
)
