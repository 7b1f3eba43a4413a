r"""Benchmark: one full-network population-loss gradient ([§3][integrator-s3]).

Candidate: jitted JAX, Cayley + doubling Gramians and the explicit adjoint formulas
(`numerics.integrator.loss_and_grads_core`). Baseline: the same formulas in
NumPy/SciPy with Bartels–Stewart solvers (`solve_continuous_lyapunov` for
$P,Q_o$, `solve_sylvester` for $X,Y$). Leaky target $c_\star=0.2$,
rich-regime state (bulk $\sigma=0.1$ plus an outlier at 0.78, as in spec T2).

Threads: both arms run in the same process under the same thread limits. BLAS threads
(`OPENBLAS_NUM_THREADS`/`MKL_NUM_THREADS`) and `XLA_FLAGS` are read from the
environment and reported in `extra`; they must be set before the process starts
(e.g. `OPENBLAS_NUM_THREADS=1 XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" rnn-timescales bench`) to pin both arms to one thread.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg as sl

from numerics.integrator._linear_rnn import Params, loss_and_grads_core
from numerics.integrator._targets import make_target
from numerics.study import Benchmark, BenchRow, compile_and_time, time_call

__all__ = ["BENCHMARKS", "scipy_loss_and_grads"]


def scipy_loss_and_grads(W, u, v, As, bs, cs, s):
    """Baseline: §3 loss and adjoint gradients with SciPy's Bartels–Stewart solvers."""
    A = W - np.eye(W.shape[0])
    P = sl.solve_continuous_lyapunov(A, -np.outer(u, u))
    Q = sl.solve_continuous_lyapunov(A.T, -np.outer(v, v))
    X = sl.solve_sylvester(A, As.T, -np.outer(u, bs))
    Y = sl.solve_sylvester(A.T, As, -np.outer(v, cs))
    Ps = sl.solve_continuous_lyapunov(As, -np.outer(bs, bs))
    L = 0.5 * (s**2 * v @ P @ v - 2 * s * v @ X @ cs + cs @ Ps @ cs)
    return L, (s**2 * Q @ P - s * Y @ X.T, s**2 * Q @ u - s * Y @ bs, s**2 * P @ v - s * X @ cs)


def _state(N: int) -> Params:
    kW, ku, kv = jax.random.split(jax.random.key(0), 3)
    u, v = jax.random.normal(ku, (N,)), jax.random.normal(kv, (N,))
    x = (u + v) / jnp.linalg.norm(u + v)
    W = 0.1 * jax.random.normal(kW, (N, N)) / jnp.sqrt(N) + 0.78 * jnp.outer(x, x)
    return Params(W, u, v)


def _threads() -> dict[str, str]:
    return {
        k: os.environ.get(k, "unset")
        for k in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "XLA_FLAGS")
    }


def run(size: str) -> list[BenchRow]:
    sizes = (100, 200, 400)  # same sizes for "quick" and "full": one evaluation each is cheap
    target = make_target("leaky", c_star=0.2)
    As, bs, cs = (np.asarray(x) for x in target)
    rows = []
    for N in sizes:
        p = _state(N)
        s = 1.0 / N
        f = jax.jit(lambda q: loss_and_grads_core(q, target, s))
        compile_s, cand = compile_and_time(lambda: f(p), repeats=5)
        Wn, un, vn = (np.asarray(x) for x in (p.W, p.u, p.v))
        base = time_call(lambda: scipy_loss_and_grads(Wn, un, vn, As, bs, cs, s), repeats=5)
        Lj, gj, _ = f(p)
        Ls, gs = scipy_loss_and_grads(Wn, un, vn, As, bs, cs, s)
        err = max(float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b))) for a, b in zip((gj.W, gj.u, gj.v), gs))
        rows.append(
            BenchRow(
                group="integrator",
                name=f"population-loss gradient N={N}",
                candidate="JAX doubling + adjoint (jit)",
                baseline="SciPy Bartels-Stewart, same formulas",
                candidate_s=cand,
                baseline_s=base,
                compile_s=compile_s,
                target=3.0 if N == 400 else None,
                extra={"N": N, "max_rel_grad_diff": err, "threads (both arms, same process)": _threads()},
            )
        )
    return rows


BENCHMARKS = (
    Benchmark("population_loss", "full-network population-loss gradient: JAX doubling vs SciPy Bartels-Stewart", run),
)
