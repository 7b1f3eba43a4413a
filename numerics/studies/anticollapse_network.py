r"""Study ``anticollapse-network``: gated cells and the diagonal linear RNN under forcing.

Livi, arXiv:2606.29519, spec ``anticollapse.md`` §8, §9 T6–T9. Three experiments on the
heavy-tailed-lag regression task (:mod:`numerics.ac_task`), trained with AdamW and the
slow-row interventions of :mod:`numerics.ac_train`:

* **Exp 1** ConstGate (s = 0.005 frozen): path B spontaneous, path A symmetric α = 1.5
  injection on the slowest 10% of rows. Structural claim (Lemma E, §6): collapsed in
  both paths; the μ⁽⁰⁾ envelope is :math:`0.995^\ell` exactly.
* **Exp 2** SharedGate vs DiagGate, no injection.
* **Diagonal linear RNN** (:math:`\lambda_q=e^{-e^{\nu_q}}`, ζ = ν exactly): arms none,
  Gaussian (α = 2), α = 1.5, α = 1.2, the explicit far-left pull, a capacity clamp
  :math:`\nu\ge-\log\tau_c` and a shared ν.

Per run: phase label (§7.7), :math:`\hat\beta_{\rm tail}` (§7.3) and :math:`\hat\beta_{\rm env}`
(§7.4) through training, :math:`\hat\kappa_{\rm tail}` vs :math:`q_{\rm low}` (§7.8), α̂ of
the slow-row increments (§7.9) and :math:`\hat\beta_{\rm pred}` from far-left increments
(§7.10; per-step for the diagonal RNN, per-checkpoint for gated cells). Checks only
where the spec's claim is structural; the theory-vs-network comparisons (β_pred vs
β_tail, the arm ordering of β) are reported in ``notes`` and ``params``.

| code name | symbol | meaning |
|---|---|---|
| ``zeta``, ``tau`` | :math:`\zeta_q=-\log\tau_q` | log-rate, time scale (steps) |
| ``f0``, ``f_audit`` | :math:`\mathbb E|\mu^{(0)}|`, :math:`\mathbb E|\mu^{(0)}+\mu^{(1)}|` | canonical, audit envelopes |
| ``tau_c`` | :math:`\tau_c` | capacity clamp of the clamp arm |
| ``q_low`` | :math:`q_{\rm low}` | far-left quantile (0.10) |
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

import numerics  # noqa: F401
from numerics import ac_train as at
from numerics import diag_lrnn as dl
from numerics import estimators as est
from numerics.ac_task import FULL_LAGS, SMOKE_LAGS, make_task
from numerics.results import StudyResult, check_le, check_true
from numerics.studies import Option, Study, StudyConfig, integer_at_least, positive

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["STUDY", "PAPER_SEEDS", "DIAG_ARMS"]

PAPER_SEEDS: tuple[int, ...] = (47, 83, 12, 69, 31, 104, 218, 337, 451, 592)
DIAG_ARMS: tuple[str, ...] = at.ARM_NAMES
Q_LOWS: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20)
ALPHA_REF = {"none": None, "gauss": 2.0, "alpha1.5": 1.5, "alpha1.2": 1.2}

_COMMON = dict(n_boot_aux=1000, first_epoch_ckpt=False, tau_c=100.0, q_low=0.10, n_starts=32, n_alpha=4000, optimizer="adamw")
PROFILES = {
    "quick": _COMMON | dict(
        n_seeds=1, lags="smoke", lag_max=192.0,
        gated_H=32, gated_T=256, gated_batch=16, gated_n_train=160, gated_epochs=20, gated_ckpt=4, n_diag_seq=8,
        diag_H=128, diag_T=256, diag_batch=32, diag_n_train=320, diag_epochs=60, diag_ckpt=6, n_boot=2000,
    ),
    "paper": _COMMON | dict(
        n_seeds=10, lags="full", lag_max=384.0, first_epoch_ckpt=True,
        gated_H=512, gated_T=1280, gated_batch=380, gated_n_train=8000, gated_epochs=1400, gated_ckpt=40,
        n_diag_seq=6000, diag_H=2048, diag_T=1280, diag_batch=380, diag_n_train=8000, diag_epochs=1400,
        diag_ckpt=40, n_boot=2000,
    ),
    "smoke": _COMMON | dict(
        n_seeds=1, lags="smoke", lag_max=64.0, n_starts=8, n_alpha=2000, n_boot_aux=100,
        gated_H=16, gated_T=96, gated_batch=8, gated_n_train=16, gated_epochs=8, gated_ckpt=2, n_diag_seq=2,
        diag_H=64, diag_T=128, diag_batch=8, diag_n_train=16, diag_epochs=40, diag_ckpt=8, n_boot=200,
    ),
}


# ----------------------------------------------------------------------------- helpers
def _ckpt_steps(epochs: int, every: int, spe: int, first_epoch: bool) -> list[int]:
    """Checkpoint steps: init, (epoch 1 when ``first_epoch``), then every ``every`` epochs."""
    eps = sorted({0, *range(every, epochs + 1, every), epochs} | ({1} if first_epoch else set()))
    return [e * spe for e in eps]


def _lag_grid(lag_max: float) -> np.ndarray:
    """Spec grid ``round(linspace(4, 384, 128))``, with the top end ``lag_max`` (≤ T−n_starts)."""
    return np.round(np.linspace(4.0, lag_max, 128))


def _safe(fn, *a, **k):
    """Run an estimator; NaN-filled result on a degenerate sample (e.g. a point spectrum)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*a, **k)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return None


def _alpha_pool(x: np.ndarray) -> np.ndarray:
    """Usable α̂ samples: finite, non-zero increments (frozen entries move by exactly 0)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    return x[np.isfinite(x) & (x != 0.0)]


def _subsample(x: np.ndarray, n: int) -> np.ndarray:
    x = _alpha_pool(x)
    return x if x.size <= n else x[np.linspace(0, x.size - 1, n).astype(int)]


def _analyse(zeta: np.ndarray, far_inc: np.ndarray, alpha_samples: np.ndarray, lags: np.ndarray,
             key: jax.Array, p: dict[str, Any], n_alpha: int) -> dict[str, Any]:
    """All §7 estimators for one run: ``zeta`` (C, H) checkpoints, far-left increments
    (n, k) for β_pred, ``n_alpha`` slow-row increments for α̂ (one sample size for every
    run, so one α̂ calibration serves all)."""
    keys = jax.random.split(key, 4 + zeta.shape[0])
    tau = np.exp(-np.where(np.isfinite(zeta), zeta, np.nan))
    traj = {k: np.full(zeta.shape[0], np.nan) for k in ("beta_tail", "lo", "hi", "r2", "beta_env")}
    labels, ph = [], None
    for c in range(zeta.shape[0]):
        ph = _safe(est.classify_phase, tau[c], lags, keys[4 + c], n_boot=p["n_boot"])
        labels.append(ph.label if ph is not None else "collapsed")
        tail = ph.tail if ph is not None and ph.tail is not None else _safe(est.beta_tail, tau[c], keys[4 + c], n_boot=p["n_boot"])
        if tail is not None:
            traj["beta_tail"][c], traj["lo"][c], traj["hi"][c], traj["r2"][c] = tail.beta, tail.lo, tail.hi, tail.r2
        be = _safe(est.beta_env, tau[c], lags)
        traj["beta_env"][c] = np.nan if be is None else be
    final = ph  # the last checkpoint's classification
    zk = zeta[:, np.all(np.isfinite(zeta), axis=0)]
    kap = {q: _safe(est.kappa_tail, zk, keys[1], q_low=q, n_boot=p["n_boot_aux"]) for q in Q_LOWS}
    a_s = _subsample(alpha_samples.ravel(), n_alpha)
    alpha = _safe(est.alpha_hat, a_s, jax.random.key(0)) if a_s.size > 60 else None
    bp = _safe(est.beta_pred, far_inc, keys[3], n_boot=p["n_boot_aux"]) if np.isfinite(far_inc).sum() > 2 else None
    return dict(labels=labels, traj=traj, final=final, kappa=kap, alpha=alpha, beta_pred=bp, tau=tau[-1],
                t_cross=est.threshold_crossing(labels))


def _late(x: np.ndarray) -> np.ndarray:
    return x[x.shape[0] // 2:]


def _ckpt_far_increments(zeta: np.ndarray, q_low: float) -> np.ndarray:
    """Checkpoint-to-checkpoint Δζ of the far-left units (lowest ``q_low`` at the earlier
    checkpoint), late half: (n_transitions, k)."""
    z = _late(zeta)
    k = max(1, math.ceil(q_low * z.shape[1]))
    rows = np.argsort(np.where(np.isfinite(z[:-1]), z[:-1], -np.inf), axis=1)[:, :k]
    d = np.take_along_axis(z[1:], rows, 1) - np.take_along_axis(z[:-1], rows, 1)
    return np.where(np.isfinite(d), d, np.nan)


def _summary(name: str, a: dict[str, Any]) -> dict[str, Any]:
    """Flat per-run numbers for ``params`` and the notes."""
    fin, bp, al, k10 = a["final"], a["beta_pred"], a["alpha"], a["kappa"][0.10]
    i = -1
    out = {
        "label": a["labels"][-1],
        "beta_tail": a["traj"]["beta_tail"][i], "beta_tail_ci": [a["traj"]["lo"][i], a["traj"]["hi"][i]],
        "tail_r2": a["traj"]["r2"][i], "beta_env": a["traj"]["beta_env"][i],
        "env_winner": None if fin is None else fin.env.winner,
        "tau_max_hat": None if fin is None else fin.env.tau_max,
        "kappa": None if k10 is None else k10.kappa, "kappa_ci": None if k10 is None else [k10.lo, k10.hi],
        "kappa_bic_constant": None if k10 is None else k10.bic_prefers_constant,
        "alpha_eff": None if al is None else al.alpha_eff, "alpha_ci": None if al is None else [al.lo, al.hi],
        "alpha_p_gauss": None if al is None else al.p_gaussian,
        "beta_pred": None if bp is None else bp.beta, "beta_pred_ci": None if bp is None else [bp.lo, bp.hi],
        "runaway": None if bp is None else bp.runaway,
        "t_cross": a["t_cross"][0], "t_cross_flag": a["t_cross"][1],
    }
    return out


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.3g}"
    return str(x)


def _ci_overlap(a: list | None, b: list | None) -> bool | None:
    if a is None or b is None or not all(np.isfinite(a + b)):
        return None
    return bool(a[0] <= b[1] and b[0] <= a[1])


# ----------------------------------------------------------------------------- runs
def _gated_group(kind: str, arms: list[at.Arm], p: dict, seeds: list[int], task, data, x_diag, lags,
                 starts, progress: bool):
    cfg = at.TrainConfig(optimizer=p["optimizer"], batch=p["gated_batch"], q_low=p["q_low"],
                         injection=any(a.inject for a in arms))
    spe = cfg.steps_per_epoch(p["gated_n_train"])
    ck = _ckpt_steps(p["gated_epochs"], p["gated_ckpt"], spe, first_epoch=p["first_epoch_ckpt"])
    runs = [(s, arm) for s in seeds for arm in arms]
    states = at.stack_runs([at.init_state(at.init_gated(jax.random.fold_in(jax.random.key(s), 1), kind, p["gated_H"], 16),
                                          cfg, jax.random.fold_in(jax.random.key(s), 2)) for s, _ in runs])
    perm = jnp.stack([jax.random.fold_in(jax.random.key(s), 3) for s, _ in runs])
    diagnose = at.gated_diagnose(x_diag, lags, starts, (lags.max() / 6.0, lags.max()))
    h = at.train(at.gated_model(kind), cfg, data, states, at.stack_runs([a for _, a in runs]), perm, ck, diagnose,
                 progress=progress, desc=f"{kind}-gate")
    return h


def _diag_group(p: dict, seeds: list[int], data, progress: bool):
    cfg = at.TrainConfig(optimizer=p["optimizer"], batch=p["diag_batch"], q_low=p["q_low"])
    spe = cfg.steps_per_epoch(p["diag_n_train"])
    ck = _ckpt_steps(p["diag_epochs"], p["diag_ckpt"], spe, first_epoch=p["first_epoch_ckpt"])
    runs = [(s, name) for s in seeds for name in DIAG_ARMS]
    p0 = {s: dl.init_diag_lrnn(jax.random.fold_in(jax.random.key(s), 11), p["diag_H"], 16) for s in seeds}
    states = at.stack_runs([at.init_state(p0[s], cfg, jax.random.fold_in(jax.random.key(s), 12 + i))
                            for i, (s, _) in enumerate(runs)])
    arms = at.stack_runs([at.make_arm(n, tau_c=p["tau_c"]) for _, n in runs])
    perm = jnp.stack([jax.random.fold_in(jax.random.key(s), 13) for s, _ in runs])

    def diagnose(params, arms_):
        return {"zeta": np.asarray(jax.vmap(dl.effective_nu)(params, arms_.shared))}

    h = at.train(at.diag_model(), cfg, data, states, arms, perm, ck, diagnose, progress=progress, desc="diag-lrnn")
    return h, runs


# ----------------------------------------------------------------------------- run
def run(config: StudyConfig) -> StudyResult:
    p = dict(config.params)
    seeds = [config.seed] if config.profile != "paper" else list(PAPER_SEEDS[: p["n_seeds"]])
    lags = _lag_grid(p["lag_max"])
    if p["gated_T"] < lags.max() + p["n_starts"]:
        raise ValueError(f"gated_T={p['gated_T']} is too short for lag_max={p['lag_max']}; need T >= lag_max + n_starts")
    task_lags = SMOKE_LAGS if p["lags"] == "smoke" else FULL_LAGS
    root = jax.random.key(config.seed)
    checks, notes, series, summ = [], [], {}, {}

    # --- gated cells (Exp 1, Exp 2)
    task_g = make_task(jax.random.fold_in(root, 100), p["gated_T"], lags=task_lags)
    xg, yg = task_g.batch(jax.random.fold_in(root, 101), jnp.arange(p["gated_n_train"] + p["n_diag_seq"]))
    data_g, x_diag = (xg[: p["gated_n_train"]], yg[: p["gated_n_train"]]), xg[p["gated_n_train"]:]
    starts = jax.random.randint(jax.random.fold_in(root, 103), (p["n_starts"],), 0, p["gated_T"] - int(lags.max()) + 1)
    groups = {
        "const": (["pathB", "pathA"], [at.Arm(), at.make_arm("alpha1.5")]),
        "shared": (["none"], [at.Arm()]),
        "diag": (["none"], [at.Arm()]),
    }
    hist = {kind: _gated_group(kind, arms, p, seeds, task_g, data_g, x_diag, lags, starts, config.progress)
            for kind, (names, arms) in groups.items()}
    task_d = make_task(jax.random.fold_in(root, 300), p["diag_T"], lags=task_lags)
    data_d = task_d.batch(jax.random.fold_in(root, 301), jnp.arange(p["diag_n_train"]))
    hd, druns = _diag_group(p, seeds, data_d, config.progress)
    avail = [_alpha_pool(_late(h.inc[r])).size for h in hist.values() for r in range(h.inc.shape[0])]
    avail += [_alpha_pool(_late(hd.dzeta[r])).size for r in range(hd.dzeta.shape[0])]
    n_alpha = int(min([p["n_alpha"]] + avail))
    gated: dict[str, dict] = {}
    for kind, (names, arms) in groups.items():
        h = hist[kind]
        for r, (s, name) in enumerate([(s, n) for s in seeds for n in names]):
            run_name = f"{kind}gate_{name}" + (f"_s{s}" if len(seeds) > 1 else "")
            key = jax.random.fold_in(root, 200 + len(gated))
            a = _analyse(h.zeta[r], _ckpt_far_increments(h.zeta[r], p["q_low"]), _late(h.inc[r]), lags, key, p, n_alpha)
            a["f0"], a["f_audit"], a["steps"], a["zeta"] = h.diag["f0"][r], h.diag["f_audit"][r], h.ckpt_steps, h.zeta[r]
            gated[run_name] = a
            summ[run_name] = _summary(run_name, a)

    # --- Exp 1 checks (T6)
    const_runs = [n for n in gated if n.startswith("constgate")]
    f_ref = 0.995**lags
    err = max(float(np.max(np.abs(gated[n]["f0"] / f_ref[None, :] - 1.0))) for n in const_runs)
    checks.append(check_le("constgate_mu0_envelope_identity", err, 1e-10,
                           "max relative |f0(l) - 0.995^l| over both paths and all checkpoints; exact identity "
                           "(frozen s = 0.005), tolerance = float64 round-off of a 384-step log-prefix-sum product"))
    for path in ("pathB", "pathA"):
        labs = [summ[n]["label"] for n in const_runs if path in n]
        checks.append(check_true(f"constgate_{path}_collapsed", all(l == "collapsed" for l in labs),
                                 f"ConstGate {path} final label(s) {labs}; spec T6 / §6 structural claim (frozen "
                                 "gate: one time scale, exponential envelope under any forcing)"))
    pA = [summ[n] for n in const_runs if "pathA" in n]
    if all(s["alpha_p_gauss"] is not None for s in pA):
        checks.append(check_le("constgate_pathA_gaussian_p", max(s["alpha_p_gauss"] for s in pA), 0.05,
                               "Path A slow-row increments: p-value of the Gaussian test (α = 2) of §7.9; spec T6 "
                               "expects the injected α = 1.5 forcing to be detected heavy (reject at 0.05)"))

    # --- diagonal linear RNN arms
    diag: dict[str, dict] = {}
    for r, (s, name) in enumerate(druns):
        run_name = f"diag_{name}" + (f"_s{s}" if len(seeds) > 1 else "")
        key = jax.random.fold_in(root, 400 + r)
        a = _analyse(hd.zeta[r], _late(hd.dzeta[r]), _late(hd.dzeta[r]), lags, key, p, n_alpha)
        a["steps"], a["zeta"] = hd.ckpt_steps, hd.zeta[r]
        diag[run_name] = a
        summ[run_name] = _summary(run_name, a)

    # gradient identity of the test bed (theory = autodiff of the plain recursion)
    xs, ys = data_d[0][:4, :64], data_d[1][:4, :64]
    pp = jax.tree.map(lambda v: v[0], hd.params)
    _, g_fft = dl.loss_and_grad(pp, xs, ys)
    g_scan = jax.grad(dl.loss_scan)(pp, xs, ys)
    gerr = max(float(jnp.max(jnp.abs(a_ - b_)) / jnp.max(jnp.abs(b_))) for a_, b_ in
               zip(jax.tree.leaves(g_fft), jax.tree.leaves(g_scan)))
    checks.append(check_le("diag_lrnn_fft_grad_vs_scan_autodiff", gerr, 1e-10,
                           "max relative error of the FFT/kernel gradient against jax.grad of the lax.scan "
                           "recursion (trained parameters); float64 FFT round-off is ~1e-14"))

    for n in [k for k in diag if k.startswith("diag_shared")]:
        spread = float(np.ptp(diag[n]["zeta"][-1]))
        checks.append(check_true(f"{n}_collapsed", summ[n]["label"] == "collapsed" and spread == 0.0,
                                 f"shared-ν arm: label {summ[n]['label']}, ζ spread {spread:.2g}; spec T9 "
                                 "structural claim (one ν: point spectrum, exponential envelope)"))
    for n in [k for k in diag if k.startswith("diag_clamp")]:
        tmax = summ[n]["tau_max_hat"]
        rel = abs(tmax / p["tau_c"] - 1.0) if tmax is not None and np.isfinite(tmax) else float("inf")
        if p["tau_c"] < lags.max():
            checks.append(check_le(f"{n}_tau_max_rel_error", rel, 0.15,
                                   f"capacity clamp τ ≤ τ_c = {p['tau_c']:g}: tempered-fit τ̂_max = {_fmt(tmax)} "
                                   f"(AIC winner {summ[n]['env_winner']}); spec T9 tolerance 15% (τ_c inside "
                                   "the lag window)"))

    # --- report-only comparisons (T7, T8, T9)
    def line(n: str) -> str:
        s = summ[n]
        return (f"{n}: label {s['label']}; β_tail {_fmt(s['beta_tail'])} CI {_fmt(s['beta_tail_ci'])} "
                f"(R² {_fmt(s['tail_r2'])}); β_env {_fmt(s['beta_env'])}; κ̂ {_fmt(s['kappa'])} CI {_fmt(s['kappa_ci'])}; "
                f"α̂ {_fmt(s['alpha_eff'])} CI {_fmt(s['alpha_ci'])} (p_Gauss {_fmt(s['alpha_p_gauss'])}); "
                f"β_pred {'runaway (no root)' if s['runaway'] else _fmt(s['beta_pred'])} CI {_fmt(s['beta_pred_ci'])}; "
                f"t_cross {_fmt(s['t_cross'])} ({_fmt(s['t_cross_flag'])})")

    notes += [line(n) for n in summ]
    agree = {n: _ci_overlap(summ[n]["beta_pred_ci"], summ[n]["beta_tail_ci"]) for n in summ}
    notes.append("β_pred vs β_tail (T8, report only; agreement = 90% CIs overlap): "
                 + "; ".join(f"{n}: {'agree' if v else 'disagree' if v is not None else 'n/a'}" for n, v in agree.items()))
    for s in seeds:
        suf = f"_s{s}" if len(seeds) > 1 else ""
        bt = [summ[f"diag_{a}{suf}"]["beta_tail"] for a in ("none", "gauss", "alpha1.5", "alpha1.2")]
        ordered = all(np.isfinite(bt)) and all(x > y for x, y in zip(bt, bt[1:]))
        bpv = [summ[f"diag_{a}{suf}"] for a in ("none", "gauss", "alpha1.5", "alpha1.2")]
        bpv = [0.0 if r["runaway"] else (np.nan if r["beta_pred"] is None else r["beta_pred"]) for r in bpv]
        ordered_p = all(np.isfinite(bpv)) and all(x > y for x, y in zip(bpv, bpv[1:]))
        notes.append(f"T8 ordering β(none) > β(α=2) > β(α=1.5) > β(α=1.2) (report only) seed {s}: "
                     f"β_tail = {_fmt(bt)} → {'holds' if ordered else 'does not hold'}; "
                     f"β_pred = {_fmt(bpv)} (runaway counted as 0) → {'holds' if ordered_p else 'does not hold'}")
    steps_d = int(hd.ckpt_steps[-1])
    notes.append(f"Reading the numbers: the diagonal RNN trained {steps_d} steps; Adam moves ζ = ν by about "
                 f"lr = {1e-3:g} per step, so a typical unit drifts ≲ {steps_d * 1e-3:.2g} from its init "
                 "ζ = -log 200 (the pull arm adds 2e-3 per step; injected jumps are rare); β_tail then "
                 "measures this unrelaxed transient spread, not the stationary tail that β_pred (a property of the "
                 "increment law) predicts. The theory's stationarity time K ≳ 3 log(nρ)/(βΦ'(β)) (spec §9) is far "
                 "beyond these runs unless the profile is 'paper'; quantitative β_pred-vs-β_tail agreement is not "
                 "expected here, and none is claimed.")
    notes.append("Data: one training set (and one diagnostic set) per study seed, shared by all runs; seeds and arms "
                 "differ in initialisation, minibatch order and injected noise. Far-left increments for β_pred are "
                 "per step (diagonal RNN, ζ = ν) or per checkpoint (gated cells, ζ from the order-1 transport).")

    # --- series and figures
    for n, a in {**gated, **diag}.items():
        series[f"{n}_steps"] = a["steps"]
        series[f"{n}_zeta"] = a["zeta"]
        for k, v in a["traj"].items():
            series[f"{n}_{k}"] = v
        if "f0" in a:
            series[f"{n}_f0"], series[f"{n}_f_audit"] = a["f0"], a["f_audit"]
    series["lags"] = lags
    figures = _figures(gated, diag, summ, lags, p)
    params = {"profile_params": p, "seeds": seeds, "runs": summ, "beta_pred_agrees": agree}
    return StudyResult("anticollapse-network", config.profile, checks, params, series, figures, seed=config.seed,
                       notes=notes)


# ----------------------------------------------------------------------------- figures
def _figures(gated: dict, diag: dict, summ: dict, lags: np.ndarray, p: dict) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    figs: dict[str, Any] = {}
    # 1. final p(zeta) and tau-CCDF, SharedGate vs DiagGate (+ diag RNN arms)
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
    sel = [n for n in gated if n.startswith(("sharedgate", "diaggate"))]
    for i, n in enumerate(sel):
        z = gated[n]["zeta"][-1]
        z = z[np.isfinite(z)]
        ax[0].hist(z, bins=20, density=True, histtype="step", lw=2, color=cmap(i), label=n)
        tau = np.sort(np.exp(-z))
        ax[1].loglog(tau, 1.0 - (np.arange(tau.size) + 0.5) / tau.size, "o", ms=3, color=cmap(i), label=n)
    for i, n in enumerate(diag):
        tau = np.sort(diag[n]["tau"][np.isfinite(diag[n]["tau"])])
        ax[2].loglog(tau, 1.0 - (np.arange(tau.size) + 0.5) / tau.size, "o", ms=2, color=cmap(i % 10), label=n)
    for a_ in ax[1:]:
        xr = np.array(a_.get_xlim())
        a_.loglog(xr, 0.5 * (xr / xr[0]) ** -1.0, "k--", lw=1, label="β = 1 slope")
        a_.set_xlabel(r"$\tau$ (steps)")
        a_.set_ylabel(r"$P(\tau > x)$")
        a_.legend(fontsize=7)
    ax[0].set_xlabel(r"$\zeta=-\log\tau$")
    ax[0].set_ylabel(r"$p(\zeta)$")
    ax[0].legend(fontsize=7)
    ax[0].set_title("final log-rate density (gated)")
    ax[1].set_title(r"final $\tau$-CCDF: SharedGate vs DiagGate")
    ax[2].set_title(r"final $\tau$-CCDF: diagonal linear RNN arms")
    fig.tight_layout()
    figs["network_spectrum"] = fig
    # 2. canonical and audit envelopes, log-log
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, n in enumerate(gated):
        ax[0].loglog(lags, gated[n]["f0"][-1], "-", color=cmap(i), label=f"{n} canonical")
        ax[0].loglog(lags, gated[n]["f_audit"][-1], ":", color=cmap(i), label=f"{n} audit")
    ax[0].loglog(lags, 0.995**lags, "k--", lw=1, label=r"$0.995^\ell$ (ConstGate theory)")
    for i, n in enumerate(diag):
        ax[1].loglog(lags, est.envelope_from_tau(diag[n]["tau"], lags), color=cmap(i % 10), label=n)
    ax[1].axvline(p["tau_c"], color="grey", lw=0.8, ls="--", label=r"$\tau_c$ (clamp arm)")
    for a_, t in zip(ax, ("gated cells: canonical $E|\\mu^{(0)}|$ and audit $E|\\mu^{(0)}+\\mu^{(1)}|$",
                          r"diagonal RNN: $f_\tau(\ell)=\frac{1}{H}\sum_q e^{-\ell/\tau_q}$ (exact)")):
        a_.set_xlabel(r"lag $\ell$ (steps)")
        a_.set_ylabel(r"$f(\ell)$")
        a_.set_title(t, fontsize=9)
        a_.legend(fontsize=6)
    fig.tight_layout()
    figs["network_envelopes"] = fig
    # 3. beta_tail, beta_env vs training step
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.2))
    for a_, group in zip(ax, (gated, diag)):
        for i, (n, a) in enumerate(group.items()):
            t, tr = a["steps"], {k: np.where(v > 0, v, np.nan) for k, v in a["traj"].items()}
            a_.plot(t, tr["beta_tail"], "o-", ms=3, color=cmap(i % 10), label=rf"{n} $\hat\beta_{{tail}}$")
            a_.fill_between(t, tr["lo"], tr["hi"], color=cmap(i % 10), alpha=0.15)
            a_.plot(t, tr["beta_env"], "s:", ms=3, color=cmap(i % 10))
        a_.axhline(1.0, color="k", lw=1, ls="--", label=r"$\beta=1$ (critical)")
        a_.set_xlabel("training step")
        a_.set_ylabel(r"$\hat\beta$ (tail: circles + 90% band; env: squares)")
        a_.set_yscale("log")
        a_.legend(fontsize=6)
    ax[0].set_title("gated cells")
    ax[1].set_title("diagonal linear RNN arms")
    fig.tight_layout()
    figs["beta_trajectories"] = fig
    # 4. kappa vs q_low
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for i, (n, a) in enumerate({**gated, **diag}.items()):
        k = [a["kappa"][q] for q in Q_LOWS]
        y = np.array([np.nan if v is None else v.kappa for v in k])
        lo = np.array([np.nan if v is None else v.lo for v in k])
        hi = np.array([np.nan if v is None else v.hi for v in k])
        x = np.array(Q_LOWS) + 0.002 * (i - 5)
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o-", ms=3, capsize=2, color=cmap(i % 10), label=n)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel(r"far-left quantile $q_{\rm low}$")
    ax.set_ylabel(r"$\hat\kappa_{\rm tail}$ (Δζ per checkpoint; > 0 = pull)")
    ax.set_title(r"drift plateau $\hat\kappa_{\rm tail}$ vs $q_{\rm low}$ (90% block-bootstrap CI)")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    figs["kappa_vs_qlow"] = fig
    # 5. beta_pred vs beta_tail
    fig, ax = plt.subplots(figsize=(6, 5))
    pts = []
    for i, n in enumerate(summ):
        s = summ[n]
        if s["beta_pred"] is None or not np.isfinite(s["beta_pred"]) or not np.isfinite(s["beta_tail"]):
            continue
        x, y = s["beta_tail"], s["beta_pred"]
        xe = np.abs(np.array([[x - s["beta_tail_ci"][0]], [s["beta_tail_ci"][1] - x]]))
        ye = np.abs(np.array([[y - s["beta_pred_ci"][0]], [s["beta_pred_ci"][1] - y]]))
        ax.errorbar(x, y, xerr=np.nan_to_num(xe), yerr=np.nan_to_num(ye), fmt="o", capsize=2, color=cmap(i % 10), label=n)
        pts += [x, y]
    lim = [min(pts + [0.1]) * 0.5, max(pts + [10.0]) * 2]
    ax.loglog(lim, lim, "k--", lw=1, label="identity")
    ax.set_xlabel(r"$\hat\beta_{\rm tail}$ (measured spectrum)")
    ax.set_ylabel(r"$\hat\beta_{\rm pred}$ (Lundberg root of far-left increments)")
    ax.set_title("theory vs network per arm (runaway arms omitted)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    figs["beta_pred_vs_tail"] = fig
    return figs


STUDY = Study(
    name="anticollapse-network",
    title="Anti-collapse in networks: ConstGate/SharedGate/DiagGate and the diagonal linear RNN under forcing",
    paper="anticollapse",
    profiles=PROFILES,
    run=run,
    options=(
        Option("tau_c", "--tau-c", float, "capacity clamp τ_c of the clamp arm (steps)", positive, multiple=False),
        Option("diag_H", "--diag-H", int, "width of the diagonal linear RNN", integer_at_least(10), multiple=False),
        Option("diag_epochs", "--diag-epochs", int, "training epochs of the diagonal linear RNN", integer_at_least(1),
               multiple=False),
    ),
    description=__doc__.split("\n\n")[1] if __doc__ else "",
)
