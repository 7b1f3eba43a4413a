r"""1,000 reduced-ODE solves over a parameter grid: one vmapped, jitted diffrax call against a
Python loop of `scipy.integrate.solve_ivp`.

Both sides integrate the same SymPy expressions (`integrator.aligned_ode`): the candidate
through `numerics.core.vector_field` and `numerics.integrator.solve_many`
(`numerics.core.solve` vmapped under one persistent jit, Tsit5), the baseline through
`sympy.lambdify` to NumPy and `solve_ivp(method="RK45")`; both with an adaptive
5(4) Runge–Kutta pair at `rtol=1e-8, atol=1e-10`. Grid: unit target,
$c_\star\in[0.05,0.5]$ (log-spaced) × $\varepsilon\in[10^{-2},1]$, balanced start
$p(0)=\varepsilon^2$, $d(0)=1$, flow time $t\in[0,20]$.

| code name | meaning |
|---|---|
| `n_c`, `n_eps` | grid sizes (40 × 25 = 1,000 solves) |
| `n_scipy` | SciPy solves actually timed (`quick`: 100, scaled per solve to 1,000) |
"""

from __future__ import annotations

import time

import jax.numpy as jnp
import numpy as np
import scipy.integrate as si
import sympy as sp

from numerics.integrator import _reduced as R
from numerics.study import Benchmark, BenchRow, compile_and_time
from theory import integrator as th

__all__ = ["BENCHMARKS", "grid"]

RTOL, ATOL = 1e-8, 1e-10
T_END, N_SAVE = 20.0, 201


def grid(n_c: int = 40, n_eps: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """`(y0, args)` rows `(p0, d0)` and `(A_star, c_star, C)` for the (c*, eps) grid."""
    cs, es = np.meshgrid(np.geomspace(0.05, 0.5, n_c), np.geomspace(1e-2, 1.0, n_eps), indexing="ij")
    cs, es = cs.ravel(), es.ravel()
    y0 = np.stack([es**2, np.ones_like(es)], -1)
    args = np.stack([np.sqrt(2 * cs), cs, np.zeros_like(cs)], -1)
    return y0, args


def _scipy_rhs():
    rhs, state, params = th.aligned_rhs()
    f = sp.lambdify([state, params], rhs, "numpy")
    return lambda t, y, a: f(y, a)


def _run(size: str) -> list[BenchRow]:
    y0, args = grid()
    n = y0.shape[0]
    ts = np.linspace(0.0, T_END, N_SAVE)
    field = R.aligned_field()
    y0j, argsj, tsj = jnp.asarray(y0), jnp.asarray(args), jnp.asarray(ts)

    def candidate():
        return R.solve_many(field, y0j, argsj, tsj, rtol=RTOL, atol=ATOL).ys

    compile_s, cand_s = compile_and_time(candidate, repeats=3)
    ys = np.asarray(candidate())

    f = _scipy_rhs()
    n_scipy = 100 if size == "quick" else n
    idx = np.linspace(0, n - 1, n_scipy).round().astype(int)
    t0 = time.perf_counter()
    err = 0.0
    for i in idx:
        sol = si.solve_ivp(f, (0.0, T_END), y0[i], method="RK45", t_eval=ts, args=(args[i],), rtol=RTOL, atol=ATOL)
        err = max(err, float(np.max(np.abs(sol.y.T - ys[i]))))
    base_s = (time.perf_counter() - t0) * n / n_scipy
    extra = {
        "solves": n,
        "scipy_solves_timed": int(n_scipy),
        "scipy_scaled": n_scipy != n,
        "max_abs_diff_vs_scipy": err,
        "note": (
            "baseline timed on an evenly spaced subset of the grid and scaled per solve to the full grid"
            if n_scipy != n
            else "baseline timed on the full grid"
        ),
    }
    return [
        BenchRow(
            "reduced",
            f"aligned ODE, {n} solves over (c*, eps)",
            "diffrax Tsit5, vmap+jit",
            "scipy solve_ivp RK45 loop (lambdify)",
            cand_s,
            base_s,
            compile_s,
            20.0,
            extra,
        )
    ]


BENCHMARKS = (Benchmark("reduced_sweep", "1,000 aligned outlier ODE solves: vmapped diffrax vs a SciPy loop", _run),)
