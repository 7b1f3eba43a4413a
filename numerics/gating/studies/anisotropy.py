r"""Study `gating-anisotropy` (experiment S2, [§8][gating-s8]): gates vs Adam as sources of anisotropy.

Four arms — plain + Adam, scalar gate + SGD, vector gate + SGD, and a third comparison arm
vector gate + Adam (do gate- and optimizer-driven anisotropy add up?) — are trained on
adding, movingavg, delaysum, ar2 and narma10. Each arm is one compiled run: tasks and
seeds are a single run axis (`lax.switch` picks the task's data) mapped with
`numerics.core.run_map` (walked on a CPU, optionally over worker processes;
vmapped on an accelerator). At every
checkpoint the study measures

* propagation anisotropy: $\mathrm{AI}_{10}$ and $\mathrm{CE}_{10}$ of transport
  matrices $M_{t,k}$ vs lag (random triples; underflowed products flagged, never CE = 0);
* update anisotropy: $\mathrm{AI}_{10}$, $\mathrm{CE}_{10}$ of the per-example
  gradient matrix ([§7][gating-s7] normalisation).

Every metric per (model, optimizer, task) goes to `metrics.json`. The qualitative finding of
the toolkit's reference values ([§10][gating-s10], computed from its own formulation: gated +
SGD more concentrated than plain + Adam after training) is checked in aggregate; the per-task
outcome is recorded in the notes whichever way it goes.

**Workers.** On a CPU the training runs and their probes are spread over `workers`
processes (`--workers`; 0 = one per core, the paper-profile default; 1 = this process,
the quick and smoke default, where a process start-up and compile would cost more than it
saves). Every run is the same computation on the same inputs, so the results do not
depend on the worker count. The probe sent to the workers is `functools.partial(probe_run,
p=params)`: a module-level function and a frozen `AnisotropyParams`, both picklable.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from numerics.core import UsageError, colormap, run_map, subplots
from numerics.gating._anisotropy import jacobian_anisotropy, update_anisotropy
from numerics.gating._train import Arm, sample_switch, train_seeds
from numerics.gating.studies._options import training_options
from numerics.study import (
    Check,
    CheckSpec,
    Measurement,
    Params,
    Study,
    StudyConfig,
    check_ge,
    check_true,
    steps_cover_checkpoints,
)

TASKS = ("adding", "movingavg", "delaysum", "ar2", "narma10")
LAGS = (1, 2, 4, 8, 12, 16, 24, 32, 40)
ARMS = ("plain+Adam", "scalar+SGD", "vector+SGD", "vector+Adam")
#: The baseline arm every gated arm is compared with.
BASE = "plain+Adam"

#: Tasks (of the five) on which a gated + SGD arm must be more concentrated than plain + Adam on
#: the paper profile: the toolkit's reference values ([§10][gating-s10], computed from its own
#: formulation) show the finding on all five tasks for the S2 protocol.
MIN_TASKS_PAPER = len(TASKS)
#: The quick profile (300 steps, N = 32, T = 60) is not that protocol: a majority of the tasks.
MIN_TASKS_QUICK = 3


def _arms(p):
    every = (
        Arm("plain", "adam", p.lr_adam),
        Arm("scalar", "sgd", p.lr_sgd),
        Arm("vector", "sgd", p.lr_sgd),
        Arm("vector", "adam", p.lr_adam),
    )
    return tuple(a for a in every if a.label in p.arms)


def _probe(model, task_id, key, p):
    """Propagation and update anisotropy of one model on its task's fixed probe batch."""
    k_data, k_grad, k_tri = jax.random.split(key, 3)
    tasks, lags = tuple(p.tasks), tuple(p.lags)
    us, _ = sample_switch(k_data, task_id, tasks, p.probe, p.T, p.Ni)
    ug, yg = sample_switch(k_grad, task_id, tasks, p.grads, p.T, p.Ni)
    ai, ce, under = jacobian_anisotropy(model, us, k_tri, lags, p.triples)
    gai, gce = update_anisotropy(model, ug, yg)
    return dict(jac_AI=ai, jac_CE=ce, jac_underflow=under, grad_AI=gai, grad_CE=gce)


def probe_run(snaps, task_id, key_data, p):
    """`_probe` at every checkpoint of one run (`snaps`: leading checkpoint axis; `p`: an
    `AnisotropyParams`, e.g. `STUDY.params`)."""
    key = jax.random.wrap_key_data(key_data)
    return jax.lax.map(lambda m: _probe(m, task_id, key, p), snaps)


@dataclass(frozen=True)
class AnisotropyParams(Params):
    """Parameters of `gating-anisotropy` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `seeds` | training runs per (arm, task) |
    | `steps`, `batch` | training iterations and batch size |
    | `T` | sequence length (must exceed the largest of `lags`) |
    | `N`, `Ni` | hidden and input width |
    | `lr_sgd`, `lr_adam` | step sizes of the SGD and Adam arms |
    | `checkpoints` | training steps at which the models are probed (the last must not exceed `steps`) |
    | `probe` | probe sequences for the propagation anisotropy |
    | `triples` | random (sequence, start, lag) triples per lag |
    | `grads` | examples of the per-example gradient matrix (update anisotropy) |
    | `tasks` | tasks trained on |
    | `lags` | lags of the transport products |
    | `min_tasks` | tasks on which a gated + SGD arm must beat plain + Adam (0: not checked, notes only) |
    | `arms` | arms trained: `plain+Adam` plus any of the others |
    | `workers` | CPU processes for training and probes (0 = one per core, 1 = this process) |
    """

    seeds: int = 20
    steps: int = 1200
    batch: int = 64
    T: int = 120
    N: int = 64
    Ni: int = 6
    lr_sgd: float = 1e-2
    lr_adam: float = 1e-3
    checkpoints: tuple[int, ...] = (0, 400, 800, 1200)
    probe: int = 64
    triples: int = 64
    grads: int = 256
    tasks: tuple[str, ...] = TASKS
    lags: tuple[int, ...] = LAGS
    min_tasks: int = MIN_TASKS_PAPER
    arms: tuple[str, ...] = ARMS
    workers: int = 0


def validate(p: AnisotropyParams) -> None:
    """Cross-field checks: the checkpoints within `steps`, `T` beyond the largest lag, and the arms."""
    steps_cover_checkpoints(p)
    if p.T <= p.lags[-1]:
        raise UsageError(f"T={p.T} is out of range; allowed: T > {p.lags[-1]} (largest probed lag)")
    if BASE not in p.arms or not set(p.arms) <= set(ARMS):
        raise UsageError(f"arms={p.arms} is not allowed; allowed: plain+Adam plus any of {', '.join(ARMS[1:])}")


DECLARED = (
    CheckSpec(
        "{arm}.tasks_more_concentrated_than_plain_Adam",
        f">= min_tasks ({MIN_TASKS_PAPER} on the paper profile, {MIN_TASKS_QUICK} on quick; not checked on smoke)",
        "tasks where the gated + SGD arm has larger gradient-covariance AI_10 AND higher CE_10 than plain+Adam at the "
        "final checkpoint; the toolkit's reference values show it on all five tasks for the S2 protocol "
        "(docs: gating §10); the quick sizes are not that protocol and require a majority",
    ),
    CheckSpec(
        "propagation_NaN_iff_underflow",
        "true",
        "propagation AI and CE are NaN exactly where the product underflowed and positive elsewhere "
        "(docs: gating §8: underflowed products are reported as such, never CE = 0)",
    ),
)


def measure(config: StudyConfig) -> Measurement:
    """Train every arm on every task and seed, probe every checkpoint; the per-task notes."""
    p = config.params
    tasks, lags = tuple(p.tasks), tuple(p.lags)
    S, ckpts = p.seeds, tuple(p.checkpoints)
    root = jax.random.key(config.seed)
    k_train, k_probe = jax.random.split(root)
    # one run per (task, seed); the probe key depends on the task only (fixed probe batches)
    ids = jnp.repeat(jnp.arange(len(tasks)), S)
    keys = jax.random.split(k_train, len(tasks) * S)
    probe_keys = jax.vmap(lambda i: jax.random.fold_in(k_probe, i))(ids)
    # one compiled probe per run, its checkpoints walked one at a time (lax.map: bounded
    # memory; the batched SVDs stay one checkpoint's worth); runs over the worker processes
    probe = run_map(functools.partial(probe_run, p=p), workers=p.workers)
    res, losses = {}, {}
    for arm in tqdm(_arms(p), desc="gating-anisotropy arms", disable=not config.progress):
        snaps, loss = train_seeds(
            keys,
            arm,
            tasks,
            N=p.N,
            Ni=p.Ni,
            T=p.T,
            batch=p.batch,
            steps=p.steps,
            checkpoints=ckpts,
            task_ids=ids,
            workers=p.workers,
        )
        out = jax.tree.map(np.asarray, probe(snaps, ids, jax.random.key_data(probe_keys)))  # (runs, C, ...)
        res[arm.label] = {k: v.reshape((len(tasks), S) + v.shape[1:]) for k, v in out.items()}
        losses[arm.label] = np.asarray(loss).reshape(len(tasks), S, -1)
    labels = [a.label for a in _arms(p)]
    # final-checkpoint update AI / CE, median over seeds: (task,)
    fin = {a: {m: np.median(res[a][m][:, :, -1], axis=1) for m in ("grad_AI", "grad_CE")} for a in labels}
    notes, wins = [], {}
    for a in (x for x in ("scalar+SGD", "vector+SGD") if x in labels):
        ratio = fin[a]["grad_AI"] / fin[BASE]["grad_AI"]
        higher_ce = fin[a]["grad_CE"] > fin[BASE]["grad_CE"]
        wins[a] = int(np.sum((ratio > 1) & higher_ce))
        if p.min_tasks <= 0:
            notes.append(
                f"S2 {a}: the gate-vs-Adam finding is not checked at this profile's sizes "
                f"({p.steps} steps); {wins[a]} of {len(tasks)} tasks show it."
            )
        ratio0 = np.median(res[a]["grad_AI"][:, :, 0], 1) / np.median(res[BASE]["grad_AI"][:, :, 0], 1)
        notes.append(
            f"S2 {a} / plain+Adam gradient AI ratio at step {ckpts[-1]} per task "
            + ", ".join(f"{t}: {r:.3g}{'' if h else ' (CE not higher)'}" for t, r, h in zip(tasks, ratio, higher_ce))
            + " (reference 4-60x on all five tasks, one seed, computed from the toolkit's formulation, "
            "docs: gating §10); at step 0 (untrained, before any optimizer acts): "
            + ", ".join(f"{t}: {r:.3g}" for t, r in zip(tasks, ratio0))
            + "."
        )
        misses = [t for t, r, h in zip(tasks, ratio, higher_ce) if not (r > 1 and h)]
        if misses:
            notes.append(
                f"S2: the toolkit's finding does not hold for {a} on {', '.join(misses)} in this run; "
                "recorded, not forced."
            )
    if {"vector+Adam", "vector+SGD"} <= set(labels):
        add = fin["vector+Adam"]["grad_AI"] / np.maximum(fin["vector+SGD"]["grad_AI"], fin[BASE]["grad_AI"])
        notes.append(
            "S2 third arm: vector+Adam AI / max(vector+SGD, plain+Adam) per task "
            + ", ".join(f"{t}: {r:.3g}" for t, r in zip(tasks, add))
            + " (> 1 means gate- and optimizer-driven anisotropy compound)."
        )
    summary = {
        a: {
            t: {
                "grad_AI": res[a]["grad_AI"][i].tolist(),
                "grad_CE": res[a]["grad_CE"][i].tolist(),
                "jac_AI_median_by_lag": _nanmedian(res[a]["jac_AI"][i], axis=-1).tolist(),
                "jac_CE_median_by_lag": _nanmedian(res[a]["jac_CE"][i], axis=-1).tolist(),
                "jac_underflow_fraction_by_lag": np.mean(res[a]["jac_underflow"][i], axis=-1).tolist(),
                "final_loss": float(np.median(losses[a][i][:, -max(1, p.steps // 20) :])),
            }
            for i, t in enumerate(tasks)
        }
        for a in labels
    }
    series = {"lags": np.asarray(lags), "checkpoints": np.asarray(ckpts)}
    for a in labels:
        for k, v in res[a].items():
            series[f"{a}_{k}"] = v
        series[f"{a}_loss"] = losses[a]
    data = dict(res=res, labels=labels, wins=wins)
    return Measurement(data=data, series=series, summary=summary, notes=notes)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """Gated + SGD against plain + Adam per arm (when `min_tasks` > 0), then the underflow flags."""
    p, res, labels = config.params, m.data["res"], m.data["labels"]
    out = []
    if p.min_tasks > 0:
        for a, wins in m.data["wins"].items():
            out.append(
                check_ge(
                    f"{a}.tasks_more_concentrated_than_plain_Adam",
                    wins,
                    p.min_tasks,
                    f"number of the {len(p.tasks)} tasks where {a} has larger gradient-covariance AI_10 AND higher "
                    f"CE_10 than plain+Adam at the final checkpoint (median over seeds); docs: gating §10 states the "
                    f"finding on all five tasks for the S2 protocol (reference values computed from the toolkit's "
                    f"formulation), which the paper profile requires; the quick profile (300 steps, N = 32, T = 60) "
                    f"is not that protocol and requires a majority; per-task ratios and the tasks where it fails in "
                    f"the notes",
                )
            )
    under = {a: float(np.mean(res[a]["jac_underflow"])) for a in labels}
    consistent = all(
        np.array_equal(np.isnan(res[a][k]), res[a]["jac_underflow"] > 0) and np.all(res[a][k][~np.isnan(res[a][k])] > 0)
        for a in labels
        for k in ("jac_AI", "jac_CE")
    )
    out.append(
        check_true(
            "propagation_NaN_iff_underflow",
            consistent,
            "propagation AI and CE are NaN exactly where the product underflowed (sigma_1 < 1e-140) and positive "
            "everywhere else (docs: gating §8: underflowed products are reported as such, never CE = 0; a NaN from any "
            f"other cause, e.g. overflow, fails this); underflow fraction per arm {under}",
        )
    )
    return out


def figures(config: StudyConfig, m: Measurement) -> dict:
    """Propagation anisotropy vs lag per task, update anisotropy per checkpoint."""
    p = config.params
    return _figures(m.data["res"], m.data["labels"], tuple(p.checkpoints), tuple(p.tasks), tuple(p.lags))


def _nanmedian(x, axis):
    """`np.nanmedian`, NaN where every entry is NaN (lags whose products all underflowed,
    [§8][gating-s8]) without numpy's "All-NaN slice" warning: those NaNs are the expected report."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        return np.nanmedian(x, axis=axis)


def _figures(res, labels, ckpts, tasks, lags):
    colors = dict(zip(labels, colormap("tab10").colors))
    fig, axes = subplots(2, len(tasks), figsize=(3.2 * len(tasks), 6.5), sharex=True)
    for j, task in enumerate(tasks):
        for a in labels:
            for row, m in enumerate(("jac_AI", "jac_CE")):
                v = _nanmedian(res[a][m][j, :, -1], axis=(0, -1))
                axes[row, j].plot(lags, v, "o-", ms=3, color=colors[a], label=a)
        axes[0, j].set(title=task, yscale="log")
        axes[1, j].set(xlabel="lag $\\ell$", ylim=(0, 1.02))
    axes[0, 0].set_ylabel(r"$\mathrm{AI}_{10}(M_{t,k})$")
    axes[1, 0].set_ylabel(r"$\mathrm{CE}_{10}(M_{t,k})$")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"S2: propagation anisotropy vs lag at step {ckpts[-1]} (median over triples and seeds)")
    fig.tight_layout()

    fig2, axes2 = subplots(2, len(tasks), figsize=(3.2 * len(tasks), 6.5))
    width = 0.8 / len(labels)
    x = np.arange(len(ckpts))
    for j, task in enumerate(tasks):
        for i, a in enumerate(labels):
            for row, m in enumerate(("grad_AI", "grad_CE")):
                axes2[row, j].bar(x + i * width, np.median(res[a][m][j], axis=0), width, color=colors[a], label=a)
        axes2[0, j].set(title=task, yscale="log")
        for row in range(2):
            axes2[row, j].set_xticks(x + 0.4 - width / 2, [str(c) for c in ckpts])
        axes2[1, j].set(xlabel="training step")
    axes2[0, 0].set_ylabel(r"gradient $\mathrm{AI}_{10}$")
    axes2[1, 0].set_ylabel(r"gradient $\mathrm{CE}_{10}$")
    axes2[0, 0].legend(fontsize=7)
    fig2.suptitle("S2: update anisotropy of per-example gradients per checkpoint")
    fig2.tight_layout()
    return {"propagation_anisotropy": fig, "update_anisotropy": fig2}


STUDY = Study(
    name="gating-anisotropy",
    title="S2: gradient anisotropy of gated cells (SGD) vs plain RNN (Adam) on five tasks",
    paper="gating",
    params=AnisotropyParams(),
    profiles={
        "quick": dict(
            seeds=1,
            steps=300,
            batch=32,
            T=60,
            N=32,
            checkpoints=(0, 300),
            probe=16,
            triples=16,
            grads=64,
            workers=1,
            min_tasks=MIN_TASKS_QUICK,
        ),
        "smoke": dict(
            seeds=1,
            steps=10,
            batch=4,
            T=8,
            N=8,
            checkpoints=(0, 10),
            probe=2,
            triples=2,
            grads=8,
            tasks=("adding", "movingavg"),
            lags=(1, 2, 4),
            min_tasks=0,
            arms=("plain+Adam", "vector+SGD"),
            workers=1,
        ),
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=training_options("training iterations", "training and probe runs"),
    validate=validate,
    description="Gradient and propagation anisotropy of gated cells trained with SGD against a plain RNN trained "
    "with Adam, on five tasks (docs: gating §8, S2).",
)
