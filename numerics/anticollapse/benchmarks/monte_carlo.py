"""Benchmark: Monte Carlo throughput of the coarse-grained process (3.2), unit-steps per second.

Candidates: the JAX `lax.scan` over steps vectorised over units (`numerics.anticollapse.simulate`),
the event-driven simulation of Bernoulli pushes (`numerics.anticollapse.simulate_pushes`) and the
tempered-stable (Lévy) step law: per-unit Poisson counts by inverse CDF, jump sizes from one shared
buffer, per-unit sums as differences of prefix sums (`numerics.anticollapse.step_sampler`).
Baseline: a NumPy loop over steps vectorised over units, the same recursion
$X\\leftarrow\\max(0,X+Y)$ with the same step law (for the Lévy family: `Generator.poisson`
counts, the same tabulated inverse survival function, `np.bincount` sums), in the same run. Randomness of the baseline comes from a local
`numpy.random.Generator` seeded from a JAX key (no global RNG).
"""

from __future__ import annotations

import jax
import numpy as np

from numerics.anticollapse._process import levy_law, simulate, simulate_pushes
from numerics.study import Benchmark, BenchRow, compile_and_time, time_call

__all__ = ["BENCHMARKS"]


def _numpy_lindley(family: str, params, n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    if family == "gaussian":
        kappa, sigma = params
        for _ in range(k):
            x = np.maximum(0.0, x - kappa + sigma * rng.standard_normal(n))
    elif family == "bernoulli_exp":
        kappa, p, gam = params
        for _ in range(k):
            jump = (rng.random(n) < p) * rng.standard_exponential(n) / gam
            x = np.maximum(0.0, x - kappa + jump)
    else:  # a Lévy family: the same law as numerics.anticollapse.levy_law
        law = levy_law(family, params)
        drift, sd, rate, lo = (float(v) for v in (law.drift, law.sd, law.rate, law.log_s_min))
        grid, log_y = np.linspace(lo, 0.0, law.log_y.size), np.asarray(law.log_y)
        for _ in range(k):
            counts = rng.poisson(rate, n)
            sizes = np.exp(np.interp(np.log(rng.random(counts.sum()) + 1e-300), grid, log_y))
            jumps = np.bincount(np.repeat(np.arange(n), counts), weights=sizes, minlength=n)
            x = np.maximum(0.0, x + drift + jumps + sd * rng.standard_normal(n))
    return x


def _bench(size: str) -> list[BenchRow]:
    n, k = (100_000, 400) if size == "quick" else (200_000, 4000)
    seed = int(jax.random.randint(jax.random.key(0), (), 0, 2**31 - 1))
    rows = []
    for fam, prm, cand_name, cand in (
        (
            "gaussian",
            (0.02, 0.2),
            "jax scan (stepwise)",
            lambda: simulate("gaussian", (0.02, 0.2), jax.random.key(1), n_units=n, n_steps=k),
        ),
        (
            "bernoulli_exp",
            (0.05, 0.02, 1.0),
            "jax scan (event-driven)",
            lambda: simulate_pushes("bernoulli_exp", (0.05, 0.02, 1.0), jax.random.key(1), n_units=n, n_steps=k),
        ),
        (
            "tempered_lo",
            (0.05, 0.02, 0.5, 1.0),
            "jax scan (compound Poisson, prefix-sum gather)",
            lambda: simulate("tempered_lo", (0.05, 0.02, 0.5, 1.0), jax.random.key(1), n_units=n, n_steps=k),
        ),
    ):
        compile_s, cand_s = compile_and_time(cand, repeats=2)
        base_s = time_call(lambda f=fam, p=prm: _numpy_lindley(f, p, n, k, seed), repeats=1)
        rows.append(
            BenchRow(
                group="anticollapse-mc",
                name=f"{fam} n={n} K={k}",
                candidate=cand_name,
                baseline="numpy loop over steps",
                candidate_s=cand_s,
                baseline_s=base_s,
                compile_s=compile_s,
                target=None,
                extra={"unit_steps_per_s_candidate": n * k / cand_s, "unit_steps_per_s_baseline": n * k / base_s},
            )
        )
    return rows


BENCHMARKS = (
    Benchmark("anticollapse-mc", "process Monte Carlo throughput (unit-steps/s): JAX scan vs NumPy loop", _bench),
)
