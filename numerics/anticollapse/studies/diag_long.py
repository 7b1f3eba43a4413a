r"""Study `anticollapse-diag-long`: the diagonal linear RNN trained long enough for the stationary
tail, resumable per arm ([§8.5][anticollapse-s8-5], [§9][anticollapse-s9]; Livi, arXiv:2606.29519).

The diagonal linear RNN ($\lambda_q=e^{-e^{\nu_q}}$, so $\zeta_q=\nu_q$ exactly and the envelope
is $f(\ell)=\frac1H\sum_q\lambda_q^\ell$ with no estimation error) on the heavy-tailed-lag task,
trained with Adam (lr 10⁻³, no weight decay) in two arms: no injection, and symmetric α = 1.5
injection on the slow rows (`numerics.anticollapse.train`). The formulation's relaxation estimate
([§9][anticollapse-s9]) asks for ≳ 2×10⁴ steps before the far-left tail is stationary; the
paper profile runs H = 2048, T = 512, batch 380 for 2×10⁴ steps, which the quick profile of
`anticollapse-network` (a few hundred steps) cannot.

Each arm trains in segments of `ckpt_every` steps. After every segment its records and state are
saved (`OUT/anticollapse-diag-long/.partial/arm-<name>/`), so an interrupted run continues with
`compare anticollapse-diag-long --resume`; a resumed run equals an uninterrupted one bit for
bit, which the quick profile checks.

Reported per run and per arm (seed vote): the label under the authors' envelope rule and under
the calibrated test, $\hat\beta_{\mathrm{pred}}$ (far-left increments, [§7.10][anticollapse-s7-10]),
$\hat\beta_{\mathrm{tail}}$ ([§7.3][anticollapse-s7-3]) and $\hat\beta_{\mathrm{env}}$
([§7.4][anticollapse-s7-4]) with their intervals, α̂ ([§7.9][anticollapse-s7-9]) and the spread
Δζ = ζ_q90 − ζ_q10 through training. Whether β_pred and β_tail agree is reported, not checked:
the formulation predicts it only at stationarity.

| code name | symbol | meaning |
|---|---|---|
| `H`, `T`, `batch` | $H$, $T$, $B$ | width, sequence length, batch |
| `steps`, `ckpt_every` | — | training steps; steps per saved segment (one diagnostic each) |
| `arms` | — | `none`, `alpha1.5` (and any other arm of `numerics.anticollapse.ARM_NAMES`) |
| `zeta` | $\zeta_q=\nu_q=-\log\tau_q$ | log-rate of unit q |
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numerics.anticollapse import _diag_rnn as dl, _train as at, estimators as est
from numerics.anticollapse._task import SMOKE_LAGS, make_task
from numerics.anticollapse.studies._analysis import (
    alpha_pool,
    analyse_run,
    arm_votes,
    ci_overlap,
    fft_grad_error,
    fmt,
    lag_grid,
    late_half,
    run_summary,
    vote_sentence,
    windows,
)
from numerics.core import Checkpoint, UsageError, colormap, subplots
from numerics.study import (
    Check,
    CheckSpec,
    Cost,
    Measurement,
    Option,
    Params,
    Study,
    StudyConfig,
    check_le,
    in_range,
)

__all__ = ["STUDY", "DiagLongParams", "draw"]

#: FFT/kernel gradient against jax.grad of the lax.scan recursion; float64 FFT round-off is ~1e-14.
FFT_GRAD_TOL = 1e-10
#: A resumed run runs the same compiled segments on the saved float64 state: equal bit for bit.
RESUME_TOL = 0.0
#: Input dimension of the task (as in `anticollapse-network`).
D_IN = 16
#: Cost model: seconds per training step of one run at H = 2048, T = 512, B = 380, measured on the
#: 2-core CPU (`bench --only ac_diag_lrnn_step`); other sizes scale as B·T·log2(2T) + H·T.
STEP_SECONDS_REF = 0.08
MAX_H, MAX_STEPS = 8192, 200_000  # CLI bounds


@dataclass(frozen=True)
class DiagLongParams(Params):
    """Parameters of `anticollapse-diag-long` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `H`, `T`, `batch`, `n_train` | width, sequence length, batch, training sequences |
    | `steps`, `ckpt_every` | training steps; steps per segment (saved checkpoint and diagnostic) |
    | `arms` | arms (`numerics.anticollapse.make_arm` names) |
    | `n_seeds` | seeds per arm (study seed, seed + 1, …) |
    | `lag_max` | top of the diagnostic lag grid `round(linspace(4, lag_max, 128))` |
    | `q_low` | far-left / slow-row quantile |
    | `n_alpha`, `alpha_reps` | most α̂ samples of the final increments; α̂ calibration replicates |
    | `n_boot`, `n_boot_aux` | bootstrap resamples of β̂_tail; of κ̂_tail and β̂_pred |
    | `verify_resume` | also train each arm without a break and check the resumed run against it |
    """

    H: int = 2048
    T: int = 512
    batch: int = 380
    n_train: int = 8000
    steps: int = 20_000
    ckpt_every: int = 1000
    arms: tuple[str, ...] = ("none", "alpha1.5")
    n_seeds: int = 1
    lag_max: float = 384.0
    q_low: float = 0.10
    n_alpha: int = 4000
    alpha_reps: int = est.CALIBRATION_REPS
    n_boot: int = 2000
    n_boot_aux: int = 1000
    verify_resume: bool = False


QUICK = dict(
    H=128, T=256, batch=32, n_train=320, steps=600, ckpt_every=100, n_seeds=3, lag_max=192.0, verify_resume=True
)
SMOKE = dict(
    H=64,
    T=128,
    batch=8,
    n_train=16,
    steps=80,
    ckpt_every=20,
    n_seeds=3,
    lag_max=64.0,
    n_alpha=2000,
    n_boot=200,
    n_boot_aux=100,
    verify_resume=True,
)

DECLARED = (
    CheckSpec(
        "fft_grad_vs_scan_autodiff",
        f"<= {FFT_GRAD_TOL:g}",
        "FFT/kernel gradient of the trained model against jax.grad of the lax.scan recursion; float64 round-off",
    ),
    CheckSpec(
        "resume_reproduces_uninterrupted_run_{arm}",
        f"<= {RESUME_TOL:g}",
        "max |difference| of every record and checkpoint between a run stopped halfway and resumed from its "
        "checkpoint and the same run without a break (profiles with verify_resume): bit for bit",
    ),
)


def _validate(p: DiagLongParams) -> None:
    for a in p.arms:
        at.make_arm(a)  # raises on an unknown arm
    if p.ckpt_every < 1 or p.steps < 2 * p.ckpt_every:
        raise UsageError(f"steps={p.steps} is too few; allowed: steps >= 2 * ckpt_every = {2 * p.ckpt_every}")
    if p.T < lag_grid(p.lag_max).max():
        raise UsageError(f"T={p.T} is shorter than the lag grid's top {p.lag_max:g}; allowed: T >= lag_max")


def estimate(p: DiagLongParams, available_bytes: float) -> Cost:
    """Training time from a measured step rate; memory of the training set and the per-step records."""
    scale = (p.batch * p.T * math.log2(2 * p.T) + p.H * p.T) / (380 * 512 * 10 + 2048 * 512)
    runs = len(p.arms) * p.n_seeds * (2 if p.verify_resume else 1)
    seconds = runs * p.steps * STEP_SECONDS_REF * scale
    k = max(1, math.ceil(p.q_low * p.H))
    data = 8.0 * p.n_train * p.T * (D_IN + 1)
    records = 8.0 * p.steps * (k + 32 + 1) * p.n_seeds
    per_step = 8.0 * p.batch * p.T * D_IN * 12  # activations, FFT buffers, gradients
    return Cost(
        seconds=seconds,
        peak_bytes=data + records + per_step,
        basis=f"{runs} runs of {p.steps} steps at {STEP_SECONDS_REF} s per step for H = 2048, T = 512, B = 380 "
        "(2-core CPU), scaled by B·T·log2(2T) + H·T",
        largest="fewer steps or a shorter T",
    )


# ----------------------------------------------------------------------------- training
def _train_arm(name: str, p: DiagLongParams, seeds: list[int], data, ck: list[int], checkpoint, progress: bool):
    """Train the seeds of one arm (vmapped), saving every segment to `checkpoint`."""
    arm = at.make_arm(name)
    cfg = at.TrainConfig(optimizer="adam", batch=p.batch, q_low=p.q_low, injection=arm.inject > 0)
    idx = at.ARM_NAMES.index(name)
    states = at.stack_runs(
        [
            at.init_state(
                dl.init_diag_lrnn(jax.random.fold_in(jax.random.key(s), 11), p.H, D_IN),
                cfg,
                jax.random.fold_in(jax.random.key(s), 12 + idx),
            )
            for s in seeds
        ]
    )
    perm = jnp.stack([jax.random.fold_in(jax.random.key(s), 13) for s in seeds])
    arms = at.stack_runs([arm] * len(seeds))

    def diagnose(params, arms_):
        return {"zeta": np.asarray(jax.vmap(dl.effective_nu)(params, arms_.shared))}

    return at.train(
        at.diag_model(), cfg, data, states, arms, perm, ck, diagnose, progress=progress, desc=f"diag {name}",
        checkpoint=checkpoint,
    )  # fmt: skip


def _resume_gap(name, p, seeds, data, ck, h, progress) -> float:
    """Train the arm again, stopped after half of its segments and resumed from the checkpoint;
    max |difference| of every record and checkpoint against `h` (a run without a break)."""
    mid = len(ck) // 2
    with tempfile.TemporaryDirectory() as tmp:
        _train_arm(name, p, seeds, data, ck[: mid + 1], Checkpoint(tmp, "verify"), progress)
        h2 = _train_arm(name, p, seeds, data, ck, Checkpoint(tmp, "verify", resume=True), progress)
    pairs = [(h.zeta, h2.zeta), (h.loss, h2.loss), (h.dzeta, h2.dzeta), (h.inc, h2.inc)]
    pairs += list(zip(jax.tree.leaves(h.params), jax.tree.leaves(h2.params)))
    return max(float(np.nanmax(np.abs(np.asarray(a) - np.asarray(b)), initial=0.0)) for a, b in pairs)


# ----------------------------------------------------------------------------- measure
def measure(config: StudyConfig) -> Measurement:
    """Train each arm (resumably), analyse every run and vote the labels over seeds."""
    p = config.params
    seeds = [config.seed + i for i in range(p.n_seeds)]
    root = jax.random.key(config.seed)
    lags = lag_grid(p.lag_max)
    task = make_task(jax.random.fold_in(root, 300), p.T, lags=SMOKE_LAGS)
    data = task.batch(jax.random.fold_in(root, 301), jnp.arange(p.n_train))
    ck = sorted({*range(0, p.steps + 1, p.ckpt_every), p.steps})
    spe = -(-p.n_train // p.batch)
    hist, gaps = {}, {}
    for name in p.arms:
        ckpt = config.checkpoint(f"arm-{name}")
        hist[name] = _train_arm(name, p, seeds, data, ck, ckpt, config.progress)
        if p.verify_resume:
            gaps[name] = _resume_gap(name, p, seeds, data, ck, hist[name], config.progress)

    # one α̂ sample size for every run (as in anticollapse-network)
    avail = [alpha_pool(late_half(h.dzeta[r])).size for h in hist.values() for r in range(len(seeds))]
    n_alpha = int(min([p.n_alpha, *avail]))
    med = [
        np.median([alpha_pool(w).size for w in windows(h.dzeta[r], h.ckpt_steps)])
        for h in hist.values()
        for r in range(len(seeds))
    ]
    n_win = int(max(64, min([n_alpha, *med])))
    runs, summ = {}, {}
    for i, name in enumerate(p.arms):
        h = hist[name]
        for r, s in enumerate(seeds):
            run = f"{name}_s{s}"
            key = jax.random.fold_in(root, 400 + 100 * i + r)
            a = analyse_run(
                h.zeta[r], late_half(h.dzeta[r]), h.dzeta[r], h.ckpt_steps, spe, lags, key, p, n_alpha, n_win
            )
            a["steps"], a["zeta"] = h.ckpt_steps, h.zeta[r]
            runs[run] = a
            summ[run] = run_summary(run, a)
    votes = arm_votes(summ, several_seeds=True)

    grad_err = fft_grad_error(hist[p.arms[0]].params, *data)

    notes = [
        f"{len(seeds)} seed(s) per arm ({seeds}); H = {p.H}, T = {p.T}, batch {p.batch}, {p.n_train} training "
        f"sequences, {p.steps} Adam steps (lr 1e-3), a checkpoint every {p.ckpt_every} steps.",
        vote_sentence(votes),
    ]
    for run, s in summ.items():
        agree = ci_overlap(s["beta_pred_ci"], s["beta_tail_ci"])
        notes.append(
            f"{run}: authors' rule {s['label_authors']}, calibrated {s['label_calibrated']}, phase "
            f"{s['label']}; β_pred {'runaway (no root)' if s['runaway'] else fmt(s['beta_pred'])} "
            f"CI {fmt(s['beta_pred_ci'])}; β_tail {fmt(s['beta_tail'])} CI {fmt(s['beta_tail_ci'])}; β_env "
            f"{fmt(s['beta_env'])}; α̂ {fmt(s['alpha_eff'])} CI {fmt(s['alpha_ci'])}; Δζ "
            f"{fmt(s['dzeta_spread'][0])} → {fmt(s['dzeta_spread'][-1])}; β_pred vs β_tail "
            f"{'agree' if agree else 'disagree' if agree is not None else 'n/a'} (90 % intervals overlap)"
        )
    series: dict[str, Any] = {"lags": lags, "steps": np.asarray(ck, dtype=np.float64)}
    for run, a in runs.items():
        series[f"{run}_zeta"] = a["zeta"]
        series[f"{run}_dzeta_spread"] = a["dzeta_spread"]
        for k, v in a["traj"].items():
            series[f"{run}_{k}"] = v
        for k, v in a["alpha_path"].items():
            series[f"{run}_{k}"] = v
    summary = {"seeds": seeds, "runs": summ, "arm_labels": votes, "resume_gap": gaps}
    data_out = dict(runs=runs, summ=summ, votes=votes, grad_err=grad_err, gaps=gaps, lags=lags)
    return Measurement(data=data_out, series=series, summary=summary, notes=notes)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """The gradient identity, and (with `verify_resume`) a resumed run equal to an uninterrupted one."""
    d = m.data
    out = [
        check_le(
            "fft_grad_vs_scan_autodiff",
            d["grad_err"],
            FFT_GRAD_TOL,
            "max relative error of the FFT/kernel gradient against jax.grad of the lax.scan recursion "
            "(trained parameters); float64 FFT round-off is ~1e-14",
        )
    ]
    for arm, gap in d["gaps"].items():
        out.append(
            check_le(
                f"resume_reproduces_uninterrupted_run_{arm}",
                gap,
                RESUME_TOL,
                "max |difference| over ζ checkpoints, losses, increments and final parameters between the run "
                "stopped after half its segments and resumed from its checkpoint, and the same run without a "
                "break: the same compiled segments on the same float64 state, so equal bit for bit",
            )
        )
    return out


# ----------------------------------------------------------------------------- figures
def figures(config: StudyConfig, m: Measurement) -> dict:
    """Final τ-CCDF with both labels; β_tail and β_env through training against β_pred; α̂ and Δζ.

    Drawn from what the run writes (`series.npz` and `params.summary`), so the figure can be
    redrawn from a finished run's files."""
    return {"diag_long": draw(m.series, m.summary, list(config.params.arms))}


def draw(series: dict[str, Any], summary: dict[str, Any], arms: list[str]):
    """The study's figure from its `series` and `summary` (see `figures`)."""
    cmap = colormap("tab10")
    x = np.asarray(series["steps"])
    fig, ax = subplots(2, 2, figsize=(9.0, 7.0), layout="constrained")
    for run, s in summary["runs"].items():
        c = cmap(arms.index(run.rsplit("_s", 1)[0]) % 10)
        zeta = np.asarray(series[f"{run}_zeta"])[-1]
        tau = np.sort(np.exp(-zeta[np.isfinite(zeta)]))
        lab = f"{run}: authors {s['label_authors']}, calibrated {s['label_calibrated']}"
        ax[0, 0].loglog(tau, 1.0 - (np.arange(tau.size) + 0.5) / tau.size, ".", ms=2, color=c, label=lab)
        ax[0, 1].plot(x, series[f"{run}_beta_tail"], "-", color=c, label=f"{run} β_tail")
        ax[0, 1].fill_between(x, series[f"{run}_lo"], series[f"{run}_hi"], color=c, alpha=0.15)
        ax[0, 1].plot(x, series[f"{run}_beta_env"], ":", color=c, label=f"{run} β_env")
        if s["beta_pred"] is not None and not s["runaway"]:
            ax[0, 1].axhspan(*s["beta_pred_ci"], color=c, alpha=0.08)
            ax[0, 1].axhline(s["beta_pred"], color=c, ls="--", lw=1, label=f"{run} β_pred (end)")
        ax[1, 0].plot(x, series[f"{run}_alpha_eff"], "o-", ms=2, color=c, label=run)
        ax[1, 1].plot(x, series[f"{run}_dzeta_spread"], "-", color=c, label=run)
    ax[0, 0].set(xlabel=r"$\tau$ (steps)", ylabel=r"$P(\tau>x)$", title="final time-scale spectrum")
    ax[0, 1].set_yscale("log")
    ax[0, 1].set(
        xlabel="step",
        ylabel=r"$\beta$",
        title=r"tail exponents: $\beta_{\rm tail}$ (90 % CI), $\beta_{\rm env}$, $\beta_{\rm pred}$",
    )
    ax[1, 0].set(xlabel="step", ylabel=r"$\hat\alpha$", title="tail index of the far-left increments")
    ax[1, 1].set(xlabel="step", ylabel=r"$\zeta_{q90}-\zeta_{q10}$", title=r"spread of log-rates $\Delta\zeta$")
    ax[1, 0].axhline(1.5, color="grey", lw=0.8, ls="--", label="injected α = 1.5")
    for a_ in ax.flat:
        a_.legend(fontsize=5)
    return fig


STUDY = Study(
    name="anticollapse-diag-long",
    title="Anti-collapse: the diagonal linear RNN trained to the stationary tail, resumable per arm",
    paper="anticollapse",
    params=DiagLongParams(),
    profiles={"quick": QUICK, "smoke": SMOKE},
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    validate=_validate,
    estimate=estimate,
    options=(
        Option("H", "--H", int, f"width (8 to {MAX_H})", in_range(8, MAX_H, closed_hi=True), multiple=False),
        Option(
            "steps",
            "--steps",
            int,
            f"training steps (to {MAX_STEPS})",
            in_range(2, MAX_STEPS, closed_hi=True),
            multiple=False,
        ),
        Option(
            "n_seeds",
            "--seeds",
            int,
            "seeds per arm (1 to 20)",
            in_range(1, 20, closed_hi=True),
            multiple=False,
            metavar="N",
        ),
    ),  # fmt: skip
    description=__doc__.split("\n\n")[0],
)
