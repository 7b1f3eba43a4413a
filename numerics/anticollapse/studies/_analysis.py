r"""Per-run analysis of a trained anti-collapse network: every estimator of the formulation's §7
([§7][anticollapse-s7]) on one run's checkpoints, and the flat summary a study reports.

Shared by `anticollapse-network` and `anticollapse-diag-long`. A run is given by its log-rates
ζ at the checkpoints, its per-step slow-row increments and its far-left increments; the
estimators are those of `numerics.anticollapse.estimators`. Each spectrum is labelled three
ways: the formulation's phase classification ([§7.7][anticollapse-s7-7]), the authors' envelope
rule (`authors_rule_tau`) and the calibrated test (`calibrated_test`, null hypothesis
*extended*), the last two at every checkpoint.

| code name | symbol | meaning |
|---|---|---|
| `zeta` | $\zeta_q=-\log\tau_q$ | log-rates at the checkpoints (C, H) |
| `far_inc` | $\Delta\zeta$ | far-left increments for $\hat\beta_{\mathrm{pred}}$ |
| `step_samples` | — | per-step slow-row increments (α̂, §7.9) |
| `q_low` | $q_{\mathrm{low}}$ | far-left quantile |
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numerics.anticollapse import _diag_rnn as dl, estimators as est

__all__ = [
    "Q_LOWS",
    "alpha_pool",
    "analyse_run",
    "arm_votes",
    "ci_overlap",
    "ckpt_epochs",
    "ckpt_far_increments",
    "ckpt_steps",
    "final_stats",
    "fmt",
    "label_of",
    "fft_grad_error",
    "lag_grid",
    "late_half",
    "rule_labels",
    "run_summary",
    "safe",
    "subsample",
    "vote_sentence",
    "windows",
]

#: Far-left quantiles of the κ̂_tail-vs-q_low panel ([§7.8][anticollapse-s7-8]).
Q_LOWS: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20)


def lag_grid(lag_max: float) -> np.ndarray:
    """The formulation's lag grid `round(linspace(4, 384, 128))`, with the top end `lag_max` (≤ T − n_starts)."""
    return np.round(np.linspace(4.0, lag_max, 128))


def fft_grad_error(params: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Max relative error of the diagonal RNN's FFT/kernel gradient against `jax.grad` of the
    plain `lax.scan` recursion, for the first run of the stacked `params` on the first 4
    sequences and 64 steps of `(x, y)`."""
    xs, ys = x[:4, :64], y[:4, :64]
    pp = jax.tree.map(lambda v: v[0], params)
    _, g_fft = dl.loss_and_grad(pp, xs, ys)
    g_scan = jax.grad(dl.loss_scan)(pp, xs, ys)
    return max(
        float(jnp.max(jnp.abs(a_ - b_)) / jnp.max(jnp.abs(b_)))
        for a_, b_ in zip(jax.tree.leaves(g_fft), jax.tree.leaves(g_scan))
    )


def rule_labels(
    tau: np.ndarray, key: jax.Array, envelopes: np.ndarray | None = None, lags: np.ndarray | None = None
) -> tuple[list[str], list[str]]:
    """Labels of the spectra `tau` (C, H) under the authors' envelope rule and the calibrated
    test (non-finite τ: a non-decaying unit, right-censored in the calibrated test).

    The authors' rule reads the measured envelopes (C, L) on `lags` when given (gated cells: the
    μ⁽⁰⁾ envelope, as the authors' code does), else the envelope of the τ sample on the authors'
    grid `floor(linspace(4, 384, 128))` (exact for the diagonal linear RNN, whose μ is λ^ℓ)."""
    cal = est.calibrated_test(np.where(np.isfinite(tau), tau, np.inf), key).label
    auth = []
    for c, t in enumerate(tau):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                v = est.authors_rule(envelopes[c], lags) if envelopes is not None else est.authors_rule_tau(t)
                auth.append(v.label)
            except (ValueError, ZeroDivisionError, FloatingPointError):
                auth.append(est.ESTIMATOR_ERROR)
    return auth, [str(x) for x in np.atleast_1d(cal)]


def ckpt_epochs(epochs: int, every: int, first_epoch: bool) -> list[int]:
    """Checkpoint epochs: init, (epoch 1 when `first_epoch`), then every `every` epochs."""
    return sorted({0, *range(every, epochs + 1, every), epochs} | ({1} if first_epoch else set()))


def ckpt_steps(epochs: int, every: int, spe: int, first_epoch: bool) -> list[int]:
    """Checkpoint steps of `ckpt_epochs`."""
    return [e * spe for e in ckpt_epochs(epochs, every, first_epoch)]


def safe(fn, *a, **k):
    """Run an estimator; `None` when it fails on a degenerate sample (e.g. no finite τ).

    A failed phase classification is labelled `numerics.anticollapse.ESTIMATOR_ERROR`
    (`label_of`), never `collapsed`."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*a, **k)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return None


def label_of(ph: est.PhaseResult | None) -> str:
    """The [§7.7][anticollapse-s7-7] label of a classification, or `"error"` if the estimator failed."""
    return est.ESTIMATOR_ERROR if ph is None else ph.label


def alpha_pool(x: np.ndarray) -> np.ndarray:
    """Usable α̂ samples: finite, non-zero increments (frozen entries move by exactly 0)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    return x[np.isfinite(x) & (x != 0.0)]


def subsample(x: np.ndarray, n: int) -> np.ndarray:
    x = alpha_pool(x)
    return x if x.size <= n else x[np.linspace(0, x.size - 1, n).astype(int)]


def final_stats(
    tau_last: np.ndarray,
    far_inc: np.ndarray,
    alpha_samples: np.ndarray,
    lags: np.ndarray,
    key: jax.Array,
    p: Any,
    n_alpha: int,
) -> dict[str, Any]:
    """Label and β̂_tail of the final spectrum, α̂ of the slow-row increments (`n_alpha`
    of them, one sample size for every run so one α̂ calibration serves all) and β̂_pred
    of the far-left increments (n, k)."""
    k_ph, k_bp = jax.random.split(key)
    ph = safe(est.classify_phase, tau_last, lags, k_ph, n_boot=p["n_boot"])
    tail = (
        ph.tail if ph is not None and ph.tail is not None else safe(est.beta_tail, tau_last, k_ph, n_boot=p["n_boot"])
    )
    a_s = subsample(alpha_samples.ravel(), n_alpha)
    alpha = safe(est.alpha_hat, a_s, jax.random.key(0), reps=p["alpha_reps"]) if a_s.size > 60 else None
    bp = safe(est.beta_pred, far_inc, k_bp, n_boot=p["n_boot_aux"]) if np.isfinite(far_inc).sum() > 2 else None
    return dict(label=label_of(ph), final=ph, tail=tail, alpha=alpha, beta_pred=bp)


def windows(step_samples: np.ndarray, steps: np.ndarray) -> list[np.ndarray]:
    """Per-step records split into checkpoint windows [steps[c-1], steps[c]) (records start at steps[0])."""
    rel = np.asarray(steps) - int(steps[0])
    return [step_samples[a:b] for a, b in zip(rel[:-1], rel[1:])]


def analyse_run(
    zeta: np.ndarray,
    far_inc: np.ndarray,
    step_samples: np.ndarray,
    steps: np.ndarray,
    spe: int,
    lags: np.ndarray,
    key: jax.Array,
    p: Any,
    n_alpha: int,
    n_win: int,
    envelopes: np.ndarray | None = None,
) -> dict[str, Any]:
    """All §7 estimators for one run: `zeta` (C, H) at checkpoint `steps` (C,), far-left
    increments (n, k) for β_pred, per-step slow-row increments `step_samples` (S, m)
    from step `steps[0]`: α̂ at the end (late half, `n_alpha` samples) and in every
    checkpoint window (`n_win` samples, fig. 5); Δζ = ζ_q90 − ζ_q10 per checkpoint (§8.5); the
    authors' and the calibrated label at every checkpoint (`rule_labels`, the authors' rule on the
    measured `envelopes` (C, L) when given)."""
    keys = jax.random.split(key, 4 + zeta.shape[0])
    tau = np.exp(-np.where(np.isfinite(zeta), zeta, np.nan))
    traj = {k: np.full(zeta.shape[0], np.nan) for k in ("beta_tail", "lo", "hi", "r2", "beta_env")}
    labels = []
    for c in range(zeta.shape[0] - 1):
        ph = safe(est.classify_phase, tau[c], lags, keys[4 + c], n_boot=p["n_boot"])
        labels.append(label_of(ph))
        tail = (
            ph.tail
            if ph is not None and ph.tail is not None
            else safe(est.beta_tail, tau[c], keys[4 + c], n_boot=p["n_boot"])
        )
        if tail is not None:
            traj["beta_tail"][c], traj["lo"][c], traj["hi"][c], traj["r2"][c] = tail.beta, tail.lo, tail.hi, tail.r2
    fin = final_stats(tau[-1], far_inc, late_half(step_samples), lags, keys[2], p, n_alpha)
    labels.append(fin["label"])
    if fin["tail"] is not None:
        t = fin["tail"]
        traj["beta_tail"][-1], traj["lo"][-1], traj["hi"][-1], traj["r2"][-1] = t.beta, t.lo, t.hi, t.r2
    for c in range(zeta.shape[0]):
        be = safe(est.beta_env, tau[c], lags)
        traj["beta_env"][c] = np.nan if be is None else be
    zk = zeta[:, np.all(np.isfinite(zeta), axis=0)]
    kap = {q: safe(est.kappa_tail, zk, keys[1], q_low=q, n_boot=p["n_boot_aux"]) for q in Q_LOWS}
    path = est.alpha_windows(windows(step_samples, steps), jax.random.key(1), n_max=n_win, reps=p["alpha_reps"])
    nan1 = np.array([np.nan])
    alpha_path = {
        "alpha_eff": np.concatenate([nan1, path.alpha_eff]),
        "alpha_lo": np.concatenate([nan1, path.lo]),
        "alpha_hi": np.concatenate([nan1, path.hi]),
        "alpha_p_gauss": np.concatenate([nan1, path.p_gaussian]),
        "alpha_n": np.concatenate([[0], path.n]),
    }
    labels_authors, labels_calibrated = rule_labels(tau, keys[3], envelopes, lags)
    return dict(
        labels=labels,
        labels_authors=labels_authors,
        labels_calibrated=labels_calibrated,
        traj=traj,
        final=fin["final"],
        final_tail=fin["tail"],
        kappa=kap,
        alpha=fin["alpha"],
        beta_pred=fin["beta_pred"],
        tau=tau[-1],
        t_cross=est.threshold_crossing(labels),
        epochs=np.asarray(steps, dtype=np.float64) / spe,
        dzeta_spread=est.zeta_spread(zeta),
        alpha_path=alpha_path,
        label_code=np.array([est.LABEL_CODES.index(l) for l in labels]),
    )


def late_half(x: np.ndarray) -> np.ndarray:
    return x[x.shape[0] // 2 :]


def ckpt_far_increments(zeta: np.ndarray, q_low: float) -> np.ndarray:
    """Checkpoint-to-checkpoint Δζ of the far-left units (lowest `q_low` at the earlier
    checkpoint), late half: (n_transitions, k)."""
    z = late_half(zeta)
    k = max(1, math.ceil(q_low * z.shape[1]))
    rows = np.argsort(np.where(np.isfinite(z[:-1]), z[:-1], -np.inf), axis=1)[:, :k]
    d = np.take_along_axis(z[1:], rows, 1) - np.take_along_axis(z[:-1], rows, 1)
    return np.where(np.isfinite(d), d, np.nan)


def run_summary(name: str, a: dict[str, Any]) -> dict[str, Any]:
    """Flat per-run numbers for `params` and the notes."""
    fin, bp, al, k10 = a["final"], a["beta_pred"], a["alpha"], a["kappa"][0.10]
    i = -1
    out = {
        "label": a["labels"][-1],
        "label_authors": a["labels_authors"][-1],
        "label_calibrated": a["labels_calibrated"][-1],
        "beta_tail": a["traj"]["beta_tail"][i],
        "beta_tail_ci": [a["traj"]["lo"][i], a["traj"]["hi"][i]],
        "tail_r2": a["traj"]["r2"][i],
        "beta_env": a["traj"]["beta_env"][i],
        "env_winner": None if fin is None else fin.env.winner,
        "tau_max_hat": None if fin is None else fin.env.tau_max,
        "kappa": None if k10 is None else k10.kappa,
        "kappa_ci": None if k10 is None else [k10.lo, k10.hi],
        "kappa_bic_constant": None if k10 is None else k10.bic_prefers_constant,
        "alpha_eff": None if al is None else al.alpha_eff,
        "alpha_ci": None if al is None else [al.lo, al.hi],
        "alpha_p_gauss": None if al is None else al.p_gaussian,
        "beta_pred": None if bp is None else bp.beta,
        "beta_pred_ci": None if bp is None else [bp.lo, bp.hi],
        "runaway": None if bp is None else bp.runaway,
        "t_cross": a["t_cross"][0],
        "t_cross_flag": a["t_cross"][1],
        "t_cross_epoch": None if a["t_cross"][0] is None else float(a["epochs"][a["t_cross"][0]]),
        "labels": list(a["labels"]),
        "labels_authors": list(a["labels_authors"]),
        "labels_calibrated": list(a["labels_calibrated"]),
        "epochs": a["epochs"].tolist(),
        "dzeta_spread": a["dzeta_spread"].tolist(),
        "alpha_path": a["alpha_path"]["alpha_eff"].tolist(),
        "alpha_path_ci": np.stack([a["alpha_path"]["alpha_lo"], a["alpha_path"]["alpha_hi"]], 1).tolist(),
    }
    return out


def fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.3g}"
    return str(x)


def ci_overlap(a: list | None, b: list | None) -> bool | None:
    if a is None or b is None or not all(np.isfinite(a + b)):
        return None
    return bool(a[0] <= b[1] and b[0] <= a[1])


def arm_votes(summ: dict[str, dict[str, Any]], several_seeds: bool) -> dict[str, dict[str, Any]]:
    """Per arm (a run's name without its `_s<seed>` suffix), the seed vote of each rule
    (`estimators.seed_vote`): the arm is `collapsed` when its number of collapsed seeds reaches
    the critical count of Binomial(seeds, 0.05); the per-seed labels are kept beside it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, s in summ.items():
        groups.setdefault(re.sub(r"_s\d+$", "", name) if several_seeds else name, []).append(s)
    out = {}
    for arm, runs in groups.items():
        row: dict[str, Any] = {"seeds": len(runs)}
        for rule in ("authors", "calibrated"):
            labs = [r[f"label_{rule}"] for r in runs]
            lab, n_col, crit = est.seed_vote(labs)
            row[rule] = {"label": lab, "collapsed_seeds": n_col, "critical_count": crit, "per_seed": labs}
        out[arm] = row
    return out


def vote_sentence(votes: dict[str, dict[str, Any]]) -> str:
    """One line: each arm's label under both rules with its seed count."""
    return "Arm labels by seed vote (collapsed seeds / critical count): " + "; ".join(
        f"{arm}: authors {v['authors']['label']} ({v['authors']['collapsed_seeds']}/{v['authors']['critical_count']}), "
        f"calibrated {v['calibrated']['label']} ({v['calibrated']['collapsed_seeds']}/{v['calibrated']['critical_count']})"
        f" of {v['seeds']} seed(s)"
        for arm, v in votes.items()
    )
