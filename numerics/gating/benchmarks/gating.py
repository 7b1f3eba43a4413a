"""Benchmarks of the gating numerics ([gating formulation][gating-formulation]; Livi, arXiv:2508.12121).

* `gating-spectral-norm`: the exact spectral norm $\\|M\\|_2$ of 64x64 transport
  products by the scaled Gram matrix + Householder tridiagonalisation + Sturm bisection
  (`numerics.gating.top_singular_value`) against LAPACK's SVD, on a batch of
  real transport products and on the all-pairs S1 probe of one sequence
  (`numerics.gating.all_pairs`, `norm="gram"` vs `"svd"`), and the batched
  Golub–Kahan route (`numerics.core._bidiagonal`, the accelerator default) against the same
  SVD; `extra` holds the largest relative difference of the routes.
* `gating-seeds`: the S1 training protocol (leaky, scalar, vector cells; SGD on adding),
  one compiled run walked over the seeds (`runs="map"`, the default,
  `numerics.core.run_map`) against the same seeds vmapped (`runs="vmap"`), plus the
  same walk split over one worker process per core (start-up and compile included).
* `gating-bptt`: the loss and gradient of one S2 batch (T=120, batch 64, N=64) per cell kind
  by the explicit backward pass (`numerics.gating.loss_and_grad`) against
  `eqx.filter_value_and_grad` of the loss, and S2 training of the four arms with each;
  `extra` holds the largest relative difference of the gradients.
* `gating-first-order`: the prefix/suffix first-order term $L_F$ (O(n) products)
  against the direct sum of n ordered products (O(n^2)).
* `gating-s1-summaries`: one S1 checkpoint probe (all pairs on `probe` sequences, T=80,
  N=64, an untrained vector cell) with its per-lag summaries computed on the device
  (`numerics.gating.lag_summaries`, the accelerator default) against the probe arrays
  copied to the host and summarised in NumPy (the CPU default); both end to end, summaries on
  the host.
* `gating-paper-profile`: wall time of the paper profile of E0 + S1 + S2 (the studies'
  `STUDY.params`: 20 seeds), measured for E0 and extrapolated for S1/S2 from timed one-run
  pieces (fewer steps), divided over the worker processes; `extra` says which figures are
  measured and which extrapolated, the worker-process count and the process CPU seconds of
  every piece.

Wall times on a shared machine are inflated by other processes; every ratio is measured
in the same run, and `extra` carries the process CPU time where it matters.
"""

from __future__ import annotations

import functools
import resource
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from numerics.core import cpu_workers, run_map
from numerics.gating._bptt import loss_and_grad
from numerics.gating._cells import init_cell
from numerics.gating._products import (
    all_pairs,
    first_order_term,
    ordered_product,
    spectral_norm,
    top_singular_value,
    trajectory,
)
from numerics.gating._train import Arm, init_model, loss, train_seeds
from numerics.study import Benchmark, BenchRow, compile_and_time, time_call

__all__ = ["BENCHMARKS"]

_S1 = dict(N=64, Ni=4, T=80, batch=64)
_S2 = dict(N=64, Ni=6, T=120, batch=64)
_S2_ARMS = (
    Arm("plain", "adam", 1e-3),
    Arm("scalar", "sgd", 1e-2),
    Arm("vector", "sgd", 1e-2),
    Arm("vector", "adam", 1e-3),
)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu_of(fn) -> float:
    """Process CPU seconds of one blocking call (less sensitive to other processes than wall time)."""
    c0 = _cpu()
    jax.block_until_ready(fn())
    return _cpu() - c0


def _probe_products(T: int = 80, n: int = 512) -> jax.Array:
    """`n` transport products M_{k+l,k} (random starts and lags) of an untrained vector cell."""
    from numerics.gating._tasks import sample

    cell = init_cell(jax.random.key(0), "vector", 64, 4)
    us, _ = sample(jax.random.key(1), "adding", 1, T, 4)
    J = trajectory(cell, us[0]).J
    k = jax.random.randint(jax.random.key(2), (n,), 0, T // 2)
    lag = jax.random.randint(jax.random.key(3), (n,), 1, T // 2 + 1)

    def one(k, lag):
        def body(M, i):
            return jnp.where(i < lag, J[jnp.minimum(k + i, T - 1)] @ M, M), None

        return jax.lax.scan(body, jnp.eye(64), jnp.arange(T // 2))[0]

    return jax.jit(jax.vmap(one))(k, lag)


def _spectral_norm(size: str) -> list[BenchRow]:
    M = _probe_products(n=1024)
    gram, svd = jax.jit(functools.partial(top_singular_value, norm="gram")), jax.jit(spectral_norm)
    gk = jax.jit(functools.partial(top_singular_value, norm="gk"))
    cg, tg = compile_and_time(lambda: gram(M))
    _, ts = compile_and_time(lambda: svd(M))
    ck, tk = compile_and_time(lambda: gk(M))
    rel = float(jnp.max(jnp.abs(gram(M) - svd(M)) / svd(M)))
    n = M.shape[0]
    rows = [
        BenchRow(
            "gating",
            f"spectral norm of {n} transport products, N=64",
            "Gram + tridiagonal + bisection (exact)",
            "vendor SVD (LAPACK gesdd / cuSOLVER)",
            tg,
            ts,
            cg,
            extra={
                "max_rel_diff": rel,
                "us_per_matrix_gram": tg / n * 1e6,
                "us_per_matrix_svd": ts / n * 1e6,
                "cpu_s_gram": _cpu_of(lambda: gram(M)),
                "cpu_s_svd": _cpu_of(lambda: svd(M)),
            },
        ),
        BenchRow(
            "gating",
            f"spectral norm of {n} transport products, N=64",
            "batched Golub-Kahan + bisection (exact; accelerator default)",
            "vendor SVD (LAPACK gesdd / cuSOLVER)",
            tk,
            ts,
            ck,
            extra={"max_rel_diff": float(jnp.max(jnp.abs(gk(M) - svd(M)) / svd(M))), "us_per_matrix_gk": tk / n * 1e6},
        ),
    ]
    from numerics.gating._tasks import sample

    cell = init_cell(jax.random.key(0), "vector", 64, 4)
    us, _ = sample(jax.random.key(1), "adding", 1, 80, 4)
    J = trajectory(cell, us[0]).J
    ag, asv = jax.jit(lambda J: all_pairs(J, "gram")), jax.jit(lambda J: all_pairs(J, "svd"))
    cg, tg = compile_and_time(lambda: ag(J))
    _, ts = compile_and_time(lambda: asv(J))
    S_g, S_s, valid = ag(J)[0], asv(J)[0], asv(J)[2]
    rel = float(jnp.max(jnp.where(valid, jnp.abs(S_g - S_s) / jnp.where(valid, S_s, 1.0), 0.0)))
    rows.append(
        BenchRow(
            "gating",
            "S1 all pairs of one probe sequence (T=80: 3,240 products), N=64",
            "all_pairs norm='gram'",
            "all_pairs norm='svd'",
            tg,
            ts,
            cg,
            extra={"max_rel_diff": rel, "cpu_s_gram": _cpu_of(lambda: ag(J)), "cpu_s_svd": _cpu_of(lambda: asv(J))},
        )
    )
    return rows


def _s1_summaries(size: str) -> list[BenchRow]:
    from numerics.gating._tasks import sample
    from numerics.gating.studies import lr as s1

    probe = 2 if size == "quick" else 12
    cell = init_cell(jax.random.key(0), "vector", 64, 4)
    us, _ = sample(jax.random.key(1), "adding", probe, 80, 4)
    dev = lambda: s1.probe_stats(cell, us, route="device")  # noqa: E731
    host = lambda: s1.probe_stats(cell, us, route="host")  # noqa: E731
    cd, td = compile_and_time(dev, repeats=2)
    _, th = compile_and_time(host, repeats=2)
    d, h = dev(), host()
    rel = lambda a, b: np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))  # noqa: E731
    diff = max(float(rel(np.asarray(d[k]), np.asarray(h[k]))) for k in h if not isinstance(h[k], bool))
    return [
        BenchRow(
            "gating",
            f"S1 probe + per-lag summaries of one cell ({probe} sequences, T=80, N=64)",
            "summaries on the device (lag_summaries)",
            "probe arrays to the host, NumPy summaries",
            td,
            th,
            cd,
            extra={"max_rel_diff": diff, "default_route": s1.default_summary_route()},
        )
    ]


def _train_fn(arms, seeds, steps, S=_S1, runs="map", tasks="adding", workers=1, grad="bptt"):
    keys = jax.random.split(jax.random.key(0), seeds)
    ids = None if isinstance(tasks, str) else jnp.arange(seeds) % len(tasks)

    def fn():
        return [
            train_seeds(
                keys,
                a,
                tasks,
                steps=steps,
                checkpoints=(0, steps),
                runs=runs,
                task_ids=ids,
                workers=workers,
                grad=grad,
                **S,
            )[1]
            for a in arms
        ]

    return fn


def _seeds(size: str) -> list[BenchRow]:
    seeds, steps = (4, 50) if size == "quick" else (20, 200)
    arms = [Arm(k, "sgd", 1e-2) for k in ("leaky", "scalar", "vector")]
    compm, mapped = compile_and_time(_train_fn(arms, seeds, steps), repeats=1)
    compv, vm = compile_and_time(_train_fn(arms, seeds, steps, runs="vmap"), repeats=1)
    w = cpu_workers()
    t0 = time.perf_counter()
    jax.block_until_ready(_train_fn(arms, seeds, steps, workers=w)())
    procs = time.perf_counter() - t0
    return [
        BenchRow(
            "gating",
            f"S1 training, 3 models x {steps} steps, {seeds} seeds",
            "runs='map' (one compiled run walked over seeds)",
            "runs='vmap'",
            mapped,
            vm,
            compm,
            extra={
                "compile_vmap_s": compv,
                "workers": w,
                f"map_over_{w}_processes_s": procs,
                "process_speedup_incl_startup": (compm + mapped) / procs,
                "note": "ratio > 1: walking one compiled run beats vmapping 64x64 products over runs "
                "on a CPU; the process figure includes process start-up and compile",
            },
        )
    ]


def _bptt(size: str) -> list[BenchRow]:
    """Loss and gradient of one S2 batch per cell kind, then S2 training of the four arms:
    the explicit backward pass against `eqx.filter_value_and_grad` of the loss."""
    from numerics.gating._tasks import sample

    us, y = sample(jax.random.key(1), "ar2", _S2["batch"], _S2["T"], _S2["Ni"])
    bp, ad = jax.jit(loss_and_grad), eqx.filter_jit(eqx.filter_value_and_grad(loss))
    rows = []
    for kind in ("plain", "scalar", "vector"):
        m = init_model(jax.random.key(0), kind, _S2["N"], _S2["Ni"])
        comp, cand = compile_and_time(lambda: bp(m, us, y))
        _, base = compile_and_time(lambda: ad(m, us, y))
        rel = max(
            float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))
            for a, b in zip(jax.tree.leaves(bp(m, us, y)[1]), jax.tree.leaves(ad(m, us, y)[1]))
        )
        rows.append(
            BenchRow(
                "gating",
                f"S2 loss and gradient, {kind} cell, T=120, batch 64, N=64",
                "explicit BPTT (gating_bptt)",
                "autodiff of the loss",
                cand,
                base,
                comp,
                extra={"max_rel_diff": rel},
            )
        )
    steps = 10 if size == "quick" else 40
    comp, cand = compile_and_time(_train_fn(_S2_ARMS, 1, steps, S=_S2, tasks="ar2"), repeats=2)
    _, base = compile_and_time(_train_fn(_S2_ARMS, 1, steps, S=_S2, tasks="ar2", grad="autodiff"), repeats=2)
    rows.append(
        BenchRow(
            "gating",
            f"S2 training, 4 arms x {steps} steps, one seed",
            "grad='bptt'",
            "grad='autodiff'",
            cand,
            base,
            comp,
        )
    )
    return rows


def _first_order(size: str) -> list[BenchRow]:
    n = 60 if size == "quick" else 200
    cell = init_cell(jax.random.key(0), "vector", 64, 3, scheme="normal", std=0.2)
    tr = trajectory(cell, jax.random.normal(jax.random.key(1), (n, 3)))
    A, B = tr.A, tr.B
    fast = jax.jit(first_order_term)

    @jax.jit
    def brute(A, B):
        return sum(ordered_product(A[i + 1 :]) @ B[i] @ ordered_product(A[:i]) for i in range(n))

    comp, cand = compile_and_time(lambda: fast(A, B))
    base = time_call(lambda: brute(A, B))
    return [
        BenchRow(
            "gating", f"first-order term L_F, n={n}, N=64", "prefix/suffix O(n)", "direct O(n^2)", cand, base, comp
        )
    ]


def _timed(fn) -> tuple[float, float]:
    """`(wall_s, cpu_s)` of one blocking call after a warm-up (compiling) call."""
    jax.block_until_ready(fn())
    c0, t0 = _cpu(), time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t0, _cpu() - c0


def _paper_profile(size: str) -> list[BenchRow]:
    """E0 measured; S1/S2 extrapolated linearly in steps, runs and checkpoints from timed
    pieces of ONE run in this process (compile excluded), at the sizes of the studies' paper
    profiles (`STUDY.params`). Training runs are spread over `cpu_workers()` processes in the
    paper profile, so their time is divided by the worker count, as are the probes."""
    from numerics.gating._tasks import sample
    from numerics.gating.studies.anisotropy import STUDY as s2, probe_run
    from numerics.gating.studies.expansion import STUDY as e0
    from numerics.gating.studies.lr import STUDY as s1, probe_stats

    p1, p2 = s1.params, s2.params
    S1 = dict(N=p1.N, Ni=p1.Ni, T=p1.T, batch=p1.batch)
    S2 = dict(N=p2.N, Ni=p2.Ni, T=p2.T, batch=p2.batch)
    n_w = cpu_workers()
    c0, t0 = _cpu(), time.perf_counter()
    e0.run(e0.config("paper", progress=False))
    pieces = {"E0": (time.perf_counter() - t0, _cpu() - c0)}
    # S1 training: one run, per step; `seeds` runs over n_w processes
    steps = 20 if size == "quick" else 100
    arms1 = [Arm(k, "sgd", p1.lr, alpha=p1.alpha) for k in ("leaky", "scalar", "vector")]
    w, c = _timed(_train_fn(arms1, 1, steps, S=S1))
    pieces["S1_training"] = (w * p1.steps / steps * p1.seeds / n_w, c * p1.steps / steps * p1.seeds)
    # S1 probes: one checkpoint (`probe` sequences, per-lag statistics included) of each model;
    # seeds x checkpoints over n_w processes
    us, _ = sample(jax.random.key(1), "adding", p1.probe, p1.T, p1.Ni)
    n1 = len(p1.checkpoints) * p1.seeds
    w = c = 0.0
    for kind in ("leaky", "scalar", "vector"):
        cell = init_cell(jax.random.key(0), kind, p1.N, p1.Ni)
        dw, dc = _timed(lambda: probe_stats(cell, us))
        w, c = w + dw * n1 / n_w, c + dc * n1
    pieces["S1_probes"] = (w, c)
    # S2 training: one run of each arm, per step; tasks x seeds runs over n_w processes
    n2 = len(p2.tasks) * p2.seeds
    arms2 = (
        Arm("plain", "adam", p2.lr_adam),
        Arm("scalar", "sgd", p2.lr_sgd),
        Arm("vector", "sgd", p2.lr_sgd),
        Arm("vector", "adam", p2.lr_adam),
    )
    steps2 = 10 if size == "quick" else 40
    w, c = _timed(_train_fn(arms2, 1, steps2, S=S2, tasks=p2.tasks))
    pieces["S2_training"] = (w * p2.steps / steps2 * n2 / n_w, c * p2.steps / steps2 * n2)
    # S2 probes: one run x all checkpoints of each arm; tasks x seeds runs over n_w processes
    keys = jax.random.split(jax.random.key(0), 1)
    ids = jnp.zeros(1, int)
    ckpts = (0,) + (1,) * (len(p2.checkpoints) - 1)
    w = c = 0.0
    for arm in arms2:
        snaps, _ = train_seeds(keys, arm, p2.tasks, steps=1, checkpoints=ckpts, task_ids=ids, **S2)
        probe = run_map(functools.partial(probe_run, p=p2))
        dw, dc = _timed(lambda: probe(snaps, ids, jax.random.key_data(keys)))
        w, c = w + dw * n2 / n_w, c + dc * n2
    pieces["S2_probes"] = (w, c)
    wall = sum(v[0] for v in pieces.values())
    cpu = sum(v[1] for v in pieces.values())
    extra = {f"{k}_wall_s": v[0] for k, v in pieces.items()} | {f"{k}_cpu_s": v[1] for k, v in pieces.items()}
    extra |= {
        "total_wall_s": wall,
        "total_cpu_s": cpu,
        "training_workers": n_w,
        "target_s": 1200.0,
        "kind": "E0 measured (full paper profile); S1 and S2 extrapolated linearly (steps, runs, "
        f"checkpoints) from timed one-run pieces at paper sizes, compile excluded; training "
        f"and probes divided over {n_w} worker process(es)",
    }
    return [
        BenchRow(
            "gating",
            f"paper profile E0+S1+S2, {p1.seeds} seeds (see extra)",
            "paper profile (extrapolated)",
            "20-minute target",
            wall,
            1200.0,
            None,
            target=None,
            extra=extra,
        )
    ]


BENCHMARKS = (
    Benchmark("gating-spectral-norm", "exact spectral norm: Gram/tridiagonal/bisection vs LAPACK SVD", _spectral_norm),
    Benchmark(
        "gating-seeds", "S1 protocol: one compiled run walked over seeds (and over worker processes) vs vmapped", _seeds
    ),
    Benchmark("gating-bptt", "S2 loss and gradient: explicit backward pass vs autodiff", _bptt),
    Benchmark("gating-first-order", "prefix/suffix first-order term vs direct sum", _first_order),
    Benchmark("gating-s1-summaries", "S1 probe summaries: on the device vs NumPy on the host", _s1_summaries),
    Benchmark("gating-paper-profile", "20-seed paper profile of E0+S1+S2 (measured/extrapolated)", _paper_profile),
)
