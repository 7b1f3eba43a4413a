r"""diffrax wrappers: one solve, vmapped sweeps, a per-element success check.

Every ODE of the toolkit (generated reduced equations, full-network gradient flow)
is integrated here, so step-size control and failure handling are uniform:

* explicit `diffrax.PIDController` (default `rtol=1e-8, atol=1e-10`);
* `Tsit5` by default, `Kvaerno5` (`solver="kvaerno5"`) for stiff problems;
* under `vmap` the solve uses `throw=False` and returns a boolean `ok` per
  element; `raise_on_failure` turns failures into a `SolveError` that
  names the study, the parameter point, and suggests the stiff solver;
* an optional terminating event `cond_fn(t, y, args) -> float` (stop when it
  crosses zero), used for the stability guard of the gradient flow.

| code name | meaning |
|---|---|
| `f(t, y, args)` | vector field (`numerics.core.vector_field` output or plain JAX) |
| `ts` | save times (training time $t$) |
| `ys` | states at `ts` (rows), `inf` after a failure or event |
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, PyTree

from numerics.core._errors import SolveError
from numerics.core._precision import require_x64

__all__ = ["OdeSolution", "solve", "solve_batch", "raise_on_failure", "SOLVERS"]

SOLVERS: dict[str, Callable[[], diffrax.AbstractSolver]] = {
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "kvaerno5": diffrax.Kvaerno5,
}


class OdeSolution(NamedTuple):
    """Result of `solve` (a pytree; under `solve_batch` every leaf gains the leading batch
    axes `*B`, empty for one solve)."""

    ts: Float[Array, "*B T"]
    ys: PyTree
    ok: Bool[Array, "*B"]
    event: Bool[Array, "*B"]  # True if the terminating event fired
    t_final: Float[Array, "*B"]  # last save time reached (before an event/failure)
    num_steps: Array
    t_stop: Float[Array, "*B"] | None = None  # where integration stopped (t1, event time, or failure)
    y_stop: PyTree = None  # state at t_stop


def solve(
    f: Callable[[Any, PyTree, Any], PyTree],
    y0: PyTree,
    args: Any,
    ts: Float[ArrayLike, " T"],
    *,
    solver: str = "tsit5",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    dt0: float | None = None,
    max_steps: int = 200_000,
    event: Callable[[Any, PyTree, Any], Array] | None = None,
    throw: bool = False,
) -> OdeSolution:
    r"""Integrate $\dot y=f(t,y,\text{args})$ from `ts[0]` and save at `ts`.

    `event(t, y, args)` returns a scalar; integration stops when it becomes
    $\le 0$ (the event is located by root finding). Saved values after the stop
    are `inf`. `ok` is `True` iff diffrax reported success (an event stop
    counts as success; check `event`).
    """
    require_x64("solve")
    if solver not in SOLVERS:
        raise ValueError(f"solver={solver!r}; allowed: {', '.join(SOLVERS)}")
    ts = jnp.asarray(ts, dtype=jnp.float64)
    term = diffrax.ODETerm(f)
    ev = None
    if event is not None:
        ev = diffrax.Event(lambda t, y, a, **kw: event(t, y, a), root_finder=None)
    sol = diffrax.diffeqsolve(
        term,
        SOLVERS[solver](),
        t0=ts[0],
        t1=ts[-1],
        dt0=dt0,
        y0=y0,
        args=args,
        saveat=diffrax.SaveAt(ts=ts, t1=True),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
        max_steps=max_steps,
        event=ev,
        throw=throw,
    )
    is_event = sol.result == diffrax.RESULTS.event_occurred
    ok = (sol.result == diffrax.RESULTS.successful) | is_event
    # With SaveAt(ts, t1=True) diffrax writes the stopping state (t1, event step or failure) into
    # the first unused slot; take it as (t_stop, y_stop) and keep only saves at the requested ts.
    i_stop = jnp.max(jnp.where(jnp.isfinite(sol.ts), jnp.arange(sol.ts.shape[0]), 0))
    t_stop = sol.ts[i_stop]
    y_stop = jax.tree.map(lambda y: y[i_stop], sol.ys)
    valid = sol.ts[:-1] == ts
    sol_ts = jnp.where(valid, sol.ts[:-1], jnp.inf)
    ys = jax.tree.map(lambda y: jnp.where(valid.reshape((-1,) + (1,) * (y.ndim - 1)), y[:-1], jnp.inf), sol.ys)
    finite = jnp.isfinite(sol_ts)
    t_last = jnp.max(jnp.where(finite, sol_ts, -jnp.inf))  # last saved time before a stop
    return OdeSolution(sol_ts, ys, ok, is_event, t_last, sol.stats["num_steps"], t_stop, y_stop)


@eqx.filter_jit
def _solve_vmapped(f, y0, args, ts, options):
    return jax.vmap(lambda y, a: solve(f, y, a, ts, **dict(options)))(y0, args)


def solve_batch(
    f: Callable[[Any, PyTree, Any], PyTree],
    y0: PyTree,
    args: Any,
    ts: Float[ArrayLike, " T"],
    **kwargs: Any,
) -> OdeSolution:
    """`solve` vmapped over the leading axis of `y0` and `args`.

    Compiled once per (vector field, shapes, solver options) and cached: `ts` is traced,
    so new save times of the same length do not recompile. Always `throw=False`; check
    the per-element `ok` with `raise_on_failure`.
    """
    require_x64("solve_batch")
    options = tuple(sorted({**kwargs, "throw": False}.items()))
    return _solve_vmapped(f, y0, args, jnp.asarray(ts, dtype=jnp.float64), options)


def raise_on_failure(
    sol: OdeSolution,
    study: str,
    points: Sequence[dict[str, Any]] | None = None,
    solver: str = "tsit5",
) -> None:
    """Raise `SolveError` naming the first failed element's parameter point."""
    ok = np.atleast_1d(np.asarray(sol.ok))
    if ok.all():
        return
    i = int(np.flatnonzero(~ok)[0])
    point = points[i] if points is not None and i < len(points) else {"index": i}
    desc = ", ".join(f"{k}={v}" for k, v in point.items())
    hint = " try solver='kvaerno5' (stiff)" if solver != "kvaerno5" else " tighten tolerances or shorten t"
    raise SolveError(f"{study}: diffrax solve failed for {int((~ok).sum())}/{ok.size} points, first at {desc};{hint}")
