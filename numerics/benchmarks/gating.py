"""Benchmarks of the gating numerics (spec ``gating.md``; Livi, arXiv:2508.12121).

* ``gating-seeds``: the S1 training protocol (leaky, scalar, vector cells; SGD on adding),
  all seeds in ONE vmapped computation against one-seed runs repeated per seed
  (ratio = seeds x one-seed time / vmapped time, i.e. per-seed throughput gain).
* ``gating-first-order``: the prefix/suffix first-order term :math:`L_F` (O(n) products)
  against the direct sum of n ordered products (O(n^2)).
* ``gating-paper-profile``: wall time of the 20-seed paper profile of E0 + S1 + S2, measured
  for E0 and extrapolated for S1/S2 from timed pieces (one seed, fewer steps); ``extra``
  says which figures are measured and which extrapolated.
"""

from __future__ import annotations

import time

import jax

import numerics  # noqa: F401
from numerics.bench import Benchmark, BenchRow, compile_and_time, time_call
from numerics.gated_rnn import init_cell
from numerics.gating_products import first_order_term, ordered_product, trajectory
from numerics.gating_train import Arm, train_seeds

__all__ = ["BENCHMARKS"]

_S1 = dict(N=64, Ni=4, T=80, batch=64)


def _train_fn(arms, seeds, steps, S1=_S1):
    keys = jax.random.split(jax.random.key(0), seeds)

    def fn():
        return [train_seeds(keys, a, "adding", steps=steps, checkpoints=(0, steps), **S1)[1] for a in arms]

    return fn


def _seeds(size: str) -> list[BenchRow]:
    seeds, steps = (4, 100) if size == "quick" else (20, 800)
    arms = [Arm(k, "sgd", 1e-2) for k in ("leaky", "scalar", "vector")]
    comp1, one = compile_and_time(_train_fn(arms, 1, steps), repeats=1)
    compv, vm = compile_and_time(_train_fn(arms, seeds, steps), repeats=1)
    return [BenchRow("gating", f"S1 training, 3 models x {steps} steps, {seeds} seeds", f"vmap over {seeds} seeds",
                     f"{seeds} x one-seed run", vm, seeds * one, compv,
                     extra={"one_seed_s": one, "vmapped_s": vm, "compile_one_s": comp1,
                            "note": "ratio > 1: vmapping seeds raises per-seed throughput; on a 2-core CPU "
                                    "batched matmuls gain little, on a GPU the seeds fill the device"})]


def _first_order(size: str) -> list[BenchRow]:
    n = 60 if size == "quick" else 200
    cell = init_cell(jax.random.key(0), "vector", 64, 3, scheme="normal", std=0.2)
    tr = trajectory(cell, jax.random.normal(jax.random.key(1), (n, 3)))
    A, B = tr.A, tr.B
    fast = jax.jit(first_order_term)

    @jax.jit
    def brute(A, B):
        return sum(ordered_product(A[i + 1:]) @ B[i] @ ordered_product(A[:i]) for i in range(n))

    comp, cand = compile_and_time(lambda: fast(A, B))
    base = time_call(lambda: brute(A, B))
    return [BenchRow("gating", f"first-order term L_F, n={n}, N=64", "prefix/suffix O(n)", "direct O(n^2)",
                     cand, base, comp)]


def _paper_profile(size: str) -> list[BenchRow]:
    from numerics.studies import get_study
    from numerics.studies.gating_lr import _probe_jit
    from numerics.gating_tasks import sample

    e0 = get_study("gating-expansion")
    t0 = time.perf_counter()
    e0.run(e0.config("paper", progress=False))
    e0_s = time.perf_counter() - t0
    # S1: one-seed training pieces (per-step cost) and one all-pairs probe (per sequence)
    steps = 50
    arms = [Arm(k, "sgd", 1e-2) for k in ("leaky", "scalar", "vector")]
    _, tr1 = compile_and_time(_train_fn(arms, 1, steps), repeats=1)
    s1_train = tr1 / steps * 800 * 20
    cell = init_cell(jax.random.key(0), "vector", 64, 4)
    us, _ = sample(jax.random.key(1), "adding", 2, 80, 4)
    _, pr = compile_and_time(lambda: _probe_jit(cell, us), repeats=1)
    s1_probe = pr / 2 * 12 * 6 * 3 * 20
    # S2: per-step training cost of the four arms on one task (N=64, T=120, batch 64)
    S2 = dict(N=64, Ni=6, T=120, batch=64)
    arms2 = [Arm("plain", "adam", 1e-3), Arm("scalar", "sgd", 1e-2), Arm("vector", "sgd", 1e-2),
             Arm("vector", "adam", 1e-3)]
    _, tr2 = compile_and_time(_train_fn(arms2, 1, 20, S1=S2), repeats=1)
    s2_train = tr2 / 20 * 1200 * 5 * 20
    total = e0_s + s1_train + s1_probe + s2_train
    extra = {"E0_measured_s": e0_s, "S1_training_extrapolated_s": s1_train, "S1_probes_extrapolated_s": s1_probe,
             "S2_training_extrapolated_s": s2_train, "S2_probes": "not included (smaller than training)",
             "total_s": total, "kind": "E0 measured; S1 and S2 extrapolated linearly from one-seed timed pieces",
             "target_s": 1200.0}
    return [BenchRow("gating", "paper profile E0+S1+S2, 20 seeds (see extra)", "paper profile (extrapolated)",
                     "20-minute target", total, 1200.0, None, target=None, extra=extra)]


BENCHMARKS = (
    Benchmark("gating-seeds", "S1 protocol: vmapped seeds vs one-seed runs", _seeds),
    Benchmark("gating-first-order", "prefix/suffix first-order term vs direct sum", _first_order),
    Benchmark("gating-paper-profile", "20-seed paper profile of E0+S1+S2 (measured/extrapolated)", _paper_profile),
)
