r"""Benchmarks of the integrator sweeps: the vmapped phase diagram and BPTT-SGD throughput.

* `phase_diagram_vmap`: the $(\sigma,c_\star)$ sweep of `numerics.integrator._phase_diagram` as
  **one** jitted call (`lax.map` over `vmap`ped chunks) against a Python loop over the same grid points calling the
  same per-point computation jitted alone (`numerics.integrator.point_fn`). Both are
  timed after compilation (compile time reported separately). The target (10×) applies to
  the small-$N$ row, where each point's work is dominated by per-op dispatch and loop
  overhead that batching removes; at the study's $N$ the matmuls dominate and a
  2-core CPU can gain at most its core count from batching, so that row is report-only.
* `bptt_sgd_throughput`: `numerics.integrator.bptt_sgd` in
  sequences × time steps per second (forward + BPTT backward), report only.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from numerics import integrator as lr
from numerics.integrator import _phase_diagram as pdg
from numerics.integrator._targets import make_target
from numerics.study import Benchmark, BenchRow, compile_and_time, time_call

__all__ = ["BENCHMARKS"]


def _grid(S: int):
    return np.linspace(0.3, 0.85, S), np.linspace(0.175, 0.725, S)


def _phase_row(S: int, n: int, steps: int, target: float | None) -> BenchRow:
    sig, cs = _grid(S)
    eta = 0.5 * pdg.gd_stability_eta(float(cs.min()))
    key = jax.random.PRNGKey(0)
    T = steps * eta

    def batched():
        return pdg.sweep(sig, cs, key, n=n, T=T, eta=eta).WT

    compile_s, cand = compile_and_time(batched, repeats=2)
    G, u0, v0 = pdg.draw_init(jax.random.split(key, 1)[0], n)
    f = pdg.point_fn(steps)
    pts = [(jnp.asarray(s), jnp.asarray(c)) for s in sig for c in cs]
    e = jnp.asarray(eta)
    jax.block_until_ready(f(*pts[0], G, u0, v0, e))  # compile the per-point function

    def loop():
        return [f(s, c, G, u0, v0, e)[1] for s, c in pts]

    base = time_call(loop, repeats=2)
    return BenchRow(
        "integrator",
        f"phase diagram {S}x{S}, N={n}, {steps} GD steps",
        "one jitted sweep (vmapped chunks)",
        "Python loop of jitted per-point calls",
        cand,
        base,
        compile_s,
        target,
        {"points": S * S, "N": n, "steps": steps},
    )


def phase_diagram_vmap(size: str):
    if size == "quick":
        return [_phase_row(12, 8, 40, 10.0), _phase_row(12, 40, 20, None)]
    return [_phase_row(12, 8, 100, 10.0), _phase_row(16, 60, 50, None)]


def bptt_sgd_throughput(size: str):
    n, batch, steps = (16, 32, 20) if size == "quick" else (64, 128, 50)
    dt, window, burn = 0.1, 20.0, 10.0
    p0 = lr.init_params(jax.random.PRNGKey(0), n, 0.2)
    target = make_target("leaky", c_star=0.5)

    def call():
        return lr.bptt_sgd(
            jax.random.PRNGKey(1), p0, target, dt=dt, batch=batch, window=window, burn_in=burn, eta=0.05, n_steps=steps
        )["W"]

    t0 = time.perf_counter()
    call()
    first = time.perf_counter() - t0

    # the first call compiles bptt_sgd's chunk for these shapes; time the steady state as the
    # difference between a long and a short run (removes per-call set-up as well)
    def run(k):
        return lambda: lr.bptt_sgd(
            jax.random.PRNGKey(2),
            p0,
            target,
            dt=dt,
            batch=batch,
            window=window,
            burn_in=burn,
            eta=0.05,
            n_steps=k,
            save_every=k,
        )["W"]

    short = time_call(run(steps), repeats=1)
    long = time_call(run(3 * steps), repeats=1)
    per_step = max((long - short) / (2 * steps), 1e-9)
    seq_steps = batch * int(round((window + burn) / dt))
    rate = seq_steps / per_step
    return [
        BenchRow(
            "integrator",
            f"BPTT-SGD N={n}, batch={batch}, dt={dt}",
            "bptt_sgd (steady state per SGD step)",
            "one call incl. compile",
            per_step,
            first / steps,
            max(first - steps * per_step, 0.0),
            None,
            {"sequence_steps_per_s": rate, "sequence_steps_per_sgd_step": seq_steps},
        )
    ]


BENCHMARKS = (
    Benchmark(
        "phase_diagram_vmap",
        "(sigma, c*) GD sweep: one vmapped jit call vs a Python loop of jitted points",
        phase_diagram_vmap,
    ),
    Benchmark(
        "bptt_sgd_throughput",
        "BPTT-SGD throughput in sequences x time steps per second (report only)",
        bptt_sgd_throughput,
    ),
)
