r"""Training drivers for the linear RNN: gradient flow (diffrax), GD (optax), BPTT-SGD.

the [integrator formulation][integrator-formulation] §2 (learning rule), §10 (stability after every step). Re-exported
by `numerics.integrator._linear_rnn`. Flow time $t$; per-group rates
$\dot\theta=-(\eta_\theta/\eta)\partial_\theta L$; GD is the explicit Euler scheme
$\theta_{k+1}=\theta_k-\eta_\theta\nabla_\theta L$, $t=\eta k$.

**Stability guard.** Inside the jitted flow the vector field returns NaN when the
doubling certificate fails (non-Hurwitz $A$), so diffrax's PID controller rejects
the step and shrinks it (pinned by a unit test); a terminating event fires on the margin
$1-\max\operatorname{Re}\lambda(W)<\delta_{\min}=10^{-6}$ (eigenvalues in the event
only, never differentiated). Then `numerics.core.UnstableNetworkError` is raised
with the stop time, the eigenvalue and the series so far in `partial`. GD checks the
certificate at every step inside `lax.scan` (the carry freezes at the first unstable
iterate) and the host spectrum at every chunk boundary.

| code name | symbol |
|---|---|
| `eta` | $\eta$ (GD step = flow-time increment) |
| `rates` | $(\eta_W,\eta_u,\eta_v)/\eta$ |
| `dt, window, burn_in` | Euler–Maruyama step, loss window, burn-in (time units) |
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from numerics import core
from numerics.core import SolveError, UnstableNetworkError
from numerics.integrator._linear_rnn import (
    Params,
    Rates,
    Time,
    conserved_Q,
    default_rates,
    loss_and_grads_core,
    loss_core,
    max_re_eig,
    readout_scale,
)
from numerics.integrator._targets import Target

__all__ = [
    "flow_rhs",
    "stability_event",
    "series",
    "gradient_flow",
    "gradient_flow_draws",
    "gradient_descent",
    "bptt_sgd",
    "optimizer",
]

MARGIN = 1e-6


def flow_rhs(t, params: Params, args) -> Params:
    r"""Gradient-flow vector field $-(\eta_\theta/\eta)\partial_\theta L$; NaN when unstable.

    `args = (target, s, rates_array, time)` with `rates_array` = `[r_W, r_u, r_v]`.
    """
    target, s, r, time = args
    _, g, ok = loss_and_grads_core(params, target, s, time)
    bad = jnp.where(ok, 1.0, jnp.nan)
    return Params(W=-r[0] * bad * g.W, u=-r[1] * bad * g.u, v=-r[2] * bad * g.v)


def _abscissa(W, time):
    lam = jnp.linalg.eigvals(W)
    return jnp.max(lam.real) if time == "continuous" else jnp.max(jnp.abs(lam))


def _far_from_edge(W, time, squarings: int = 10):
    r"""Cheap certificate $\lVert T^{2^{10}}\rVert_F<1/2$ for the Cayley image $T=A_d$
    (continuous) or $T=W$ (discrete). Since $\rho(T)\le\lVert T^n\rVert^{1/n}$, it gives
    $\rho(T)<2^{-1/1024}\approx1-6.8\times10^{-4}$, hence a margin $\ge3.4\times10^{-4}\gg\delta_{\min}$."""
    T = core.cayley(W - jnp.eye(W.shape[0], dtype=W.dtype))[1] if time == "continuous" else W
    T = jax.lax.fori_loop(0, squarings, lambda i, T: T @ T, T)
    return jnp.linalg.norm(T) < 0.5


def stability_event(margin: float = MARGIN):
    r"""Event function $1-\max\operatorname{Re}\lambda(W)-\delta_{\min}$ (stop when $\le0$).

    Host-LAPACK eigenvalues cost more than a gradient at $N=100$ (and run on the host
    on GPU), so they are computed only when the cheap matmul certificate
    `_far_from_edge` cannot exclude the edge (`lax.cond`); otherwise the event
    value is the constant 1 (the margin is then provably $>3\times10^{-4}$).
    """

    def cond(t, params, args):
        W, time = params.W, args[3]
        return jax.lax.cond(
            _far_from_edge(W, time), lambda W: jnp.asarray(1.0, W.dtype), lambda W: 1.0 - _abscissa(W, time) - margin, W
        )

    return cond


def series(
    ts,
    ys: Params,
    target: Target,
    s: float,
    rates: Rates,
    *,
    time: Time = "continuous",
    keep_W: bool = True,
    n_eigs: int = 4,
) -> dict[str, Any]:
    """Host-side summary of saved states: loss, top eigenvalues, overlaps, Q drift, snapshots.

    `n_eigs=0` skips the host eigenvalue solves (no `eig_top` or `max_re` in the output)."""
    ts = np.asarray(ts)
    n = len(ts)
    W, u, v = (np.asarray(x)[:n] for x in (ys.W, ys.u, ys.v))
    N = W.shape[-1]
    out: dict[str, Any] = {"ts": ts}
    if n == 0:
        return out
    loss = jax.lax.map(
        lambda p: loss_core(p, target, s, time)[0], Params(jnp.asarray(W), jnp.asarray(u), jnp.asarray(v))
    )
    if n_eigs > 0:
        lam = [np.linalg.eigvals(w) for w in W]
        key = (lambda z: -z.real) if time == "continuous" else (lambda z: -np.abs(z))
        out["eig_top"] = np.stack([lz[np.argsort(key(lz), kind="stable")][: min(n_eigs, N)] for lz in lam])
        out["max_re"] = np.array([np.max(lz.real) if time == "continuous" else np.max(np.abs(lz)) for lz in lam])
    Q0 = np.asarray(conserved_Q(Params(W[0], u[0], v[0]), rates))
    q0 = np.linalg.norm(Q0) or 1.0  # relative drift (absolute if Q(0) = 0)
    drift = [np.linalg.norm(np.asarray(conserved_Q(Params(W[i], u[i], v[i]), rates)) - Q0) / q0 for i in range(n)]
    out |= {
        "loss": np.asarray(loss),
        "uv": np.einsum("ti,ti->t", u, v) / N,
        "uu": np.einsum("ti,ti->t", u, u) / N,
        "vv": np.einsum("ti,ti->t", v, v) / N,
        "Q_drift": np.array(drift),
        "u": u,
        "v": v,
    }
    if keep_W:
        out["W"] = W
    return out


def _schedule(eta: float, n_steps: int, save_every: int | None) -> int:
    """Validate a GD/SGD schedule (`eta > 0`; `save_every >= 1` divides `n_steps >= 1`); return
    the save interval (default `n_steps`). One-line `ValueError` naming the value and the range."""
    if not eta > 0:
        raise ValueError(f"eta={eta} is not allowed; need eta > 0")
    if not (isinstance(n_steps, (int, np.integer)) and n_steps >= 1):
        raise ValueError(f"n_steps={n_steps} is not allowed; need an integer n_steps >= 1")
    every = n_steps if save_every is None else save_every
    if not (isinstance(every, (int, np.integer)) and every >= 1 and n_steps % every == 0):
        raise ValueError(
            f"save_every={save_every} is not allowed; must be an integer >= 1 that divides n_steps={n_steps}"
        )
    return int(every)


def _setup(params0, s, rates):
    N = params0.W.shape[0]
    sv = readout_scale(N, s)
    r = default_rates(N, s) if rates is None else Rates(*map(float, rates))
    return sv, r


def gradient_flow(
    params0: Params,
    target: Target,
    ts: Float[ArrayLike, " T"],
    *,
    s: float | str = "mean_field",
    rates: Rates | tuple[float, float, float] | None = None,
    time: Time = "continuous",
    solver: str = "tsit5",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_steps: int = 200_000,
    margin: float = MARGIN,
    keep_W: bool = True,
    n_eigs: int = 4,
) -> dict[str, Any]:
    """Integrate the gradient flow with diffrax (`numerics.core.solve`); return `series`.

    Raises `UnstableNetworkError` (with `partial`) when the margin event fires or the
    solve fails next to the edge, `SolveError` for other solver failures.
    `series['num_steps']` is the number of solver steps (Tsit5: 6 RHS evaluations per step).
    """
    sv, r = _setup(params0, s, rates)
    _check_start(params0, ts, time, margin, "gradient_flow (initial state)")
    args = (target, sv, jnp.asarray(r, jnp.float64), time)
    sol = _flow_solve(params0, args, jnp.asarray(ts, jnp.float64), solver, rtol, atol, max_steps, margin)
    return _summarise(sol, params0, target, sv, r, time, keep_W, n_eigs, "gradient_flow")


def gradient_flow_draws(
    params0: Params, target: Target, ts: Float[ArrayLike, " T"], **options: Any
) -> list[dict[str, Any]]:
    r"""`gradient_flow` for $D$ independent draws in one compiled diffrax computation.

    `params0` carries a leading draw axis (`W` of shape `(D, N, N)`, `u` and `v` of shape
    `(D, N)`), e.g. `jax.vmap(lambda k: init_params(k, N, sigma))(keys)`. The draws are mapped by
    `numerics.core.run_map`: `vmap` on an accelerator; on a CPU one compiled `lax.map`
    (`vmap` there was measured 15 % slower than one draw after another at N = 100: the batched
    while loop steps every draw until the slowest is done, and batched 100 × 100 products run no
    faster than single ones). Each draw keeps its own adaptive step size and gives the same
    result as a single `gradient_flow` call (tested bit for bit on a CPU). Returns one
    `series` per draw, in order. A draw that goes unstable or fails raises as
    `gradient_flow` does, with `draw j of D` in the message. `options` are
    `gradient_flow`'s keyword arguments (`s, rates, time, solver, rtol, atol, max_steps,
    margin, keep_W, n_eigs`), same defaults.
    """
    bound = inspect.signature(gradient_flow).bind(params0, target, ts, **options)  # TypeError on a bad name
    bound.apply_defaults()
    o = bound.arguments
    time, margin = o["time"], o["margin"]
    if params0.W.ndim != 3:
        raise ValueError(
            f"params0.W has shape {params0.W.shape}; gradient_flow_draws needs a leading draw axis (D, N, N)"
        )
    D = params0.W.shape[0]
    draw = lambda j: jax.tree.map(lambda x: x[j], params0)  # noqa: E731
    sv, r = _setup(draw(0), o["s"], o["rates"])
    for j in range(D):
        _check_start(draw(j), ts, time, margin, f"gradient_flow_draws (initial state, draw {j} of {D})")
    solve = _flow_solver_draws(
        time, o["solver"], float(o["rtol"]), float(o["atol"]), int(o["max_steps"]), float(margin)
    )
    sols = solve(params0, target, sv, jnp.asarray(r, jnp.float64), jnp.asarray(ts, jnp.float64))
    return [
        _summarise(
            jax.tree.map(lambda x: x[j], sols),
            draw(j),
            target,
            sv,
            r,
            time,
            o["keep_W"],
            o["n_eigs"],
            f"gradient_flow_draws (draw {j} of {D})",
        )
        for j in range(D)
    ]


def _check_start(params0, ts, time, margin, where):
    max_re0 = max_re_eig(params0.W, time)
    if not max_re0 < 1 - margin:
        raise UnstableNetworkError(float(np.asarray(ts)[0]), max_re0, where=where)


def _summarise(sol, params0, target, sv, r, time, keep_W, n_eigs, where) -> dict[str, Any]:
    """`series` of one solution, or the error its stop calls for (margin event, failed solve)."""
    finite = np.isfinite(np.asarray(sol.ts)) & np.all(np.isfinite(np.asarray(sol.ys.W)), axis=(1, 2))
    n_ok = int(np.argmin(finite)) if not finite.all() else len(finite)
    out = series(np.asarray(sol.ts)[:n_ok], sol.ys, target, sv, r, time=time, keep_W=keep_W, n_eigs=n_eigs)
    out["num_steps"] = int(sol.num_steps)
    if bool(sol.event) or not bool(sol.ok):
        t_stop = float(sol.t_stop)
        y_stop = np.asarray(sol.y_stop.W)
        last = y_stop if np.all(np.isfinite(y_stop)) else (out["W"][-1] if keep_W and n_ok else np.asarray(params0.W))
        lam = max_re_eig(last, time)
        if bool(sol.event) or lam > 1 - 1e-3:
            raise UnstableNetworkError(
                t_stop if np.isfinite(t_stop) else float(sol.t_final), lam, partial=out, where=where
            )
        raise SolveError(
            f"{where}: diffrax failed near t={float(sol.t_final):.6g} (num_steps="
            f"{int(sol.num_steps)}); try solver='kvaerno5' (stiff)"
        )
    return out


def _flow_solve(params0, args, ts, solver, rtol, atol, max_steps, margin):
    return _flow_solve_jit(params0, args[0], args[1], args[2], ts, args[3], solver, rtol, atol, max_steps, margin)


def _flow_solve_one(params0, target, s, r, ts, time, solver, rtol, atol, max_steps, margin):
    return core.solve(
        flow_rhs,
        params0,
        (target, s, r, time),
        ts,
        solver=solver,
        rtol=rtol,
        atol=atol,
        max_steps=max_steps,
        event=stability_event(margin),
    )


_STATIC = ("time", "solver", "rtol", "atol", "max_steps", "margin")
_flow_solve_jit = functools.partial(jax.jit, static_argnames=_STATIC)(_flow_solve_one)


@functools.cache
def _flow_solver_draws(time, solver, rtol, atol, max_steps, margin):
    """The draw-mapped flow solve for one set of static options (compiled once per shape by
    `numerics.core.run_map`: `vmap` on an accelerator, one compiled `lax.map` on a CPU)."""
    from numerics.core import run_map

    fn = functools.partial(
        _flow_solve_one, time=time, solver=solver, rtol=rtol, atol=atol, max_steps=max_steps, margin=margin
    )
    return run_map(fn, in_axes=(0, None, None, None, None))


def optimizer(eta: float | Float[Array, ""], rates: Rates) -> optax.GradientTransformation:
    r"""Plain SGD per group with step $\eta_\theta=\eta\,r_\theta$ (`optax.multi_transform`)."""
    return optax.multi_transform(
        {k: optax.sgd(eta * getattr(rates, k)) for k in ("W", "u", "v")}, Params(W="W", u="u", v="v")
    )


def gradient_descent(
    params0: Params,
    target: Target,
    eta: float,
    n_steps: int,
    *,
    s: float | str = "mean_field",
    rates: Rates | tuple[float, float, float] | None = None,
    time: Time = "continuous",
    save_every: int | None = None,
    keep_W: bool = True,
    n_eigs: int = 4,
) -> dict[str, Any]:
    """Full-batch GD on the population loss (optax SGD per group inside `lax.scan`), $t=\\eta k$.

    Saves every `save_every` steps (default `n_steps`: start and end). `series['loss_steps']` is
    the loss before every step. Raises `UnstableNetworkError` with the step's time and
    eigenvalue (series so far in `partial`) at the first unstable iterate.
    """
    every = _schedule(eta, n_steps, save_every)
    sv, r = _setup(params0, s, rates)
    tx = optimizer(eta, r)

    @jax.jit
    def chunk(params, st):
        def step(carry, _):
            p, st, bad = carry
            L, g, ok = loss_and_grads_core(p, target, sv, time)
            upd, st2 = tx.update(g, st, p)
            go = ok & ~bad
            p2 = jax.tree.map(lambda a, b: jnp.where(go, a, b), optax.apply_updates(p, upd), p)
            return (p2, st2, bad | ~ok), (L, ok)

        (p, st, _), (Ls, oks) = jax.lax.scan(step, (params, st, jnp.asarray(False)), None, length=every)
        return p, st, Ls, oks

    p, st = params0, tx.init(params0)
    saved, losses = [p], []
    for c in range(n_steps // every):
        p, st, Ls, oks = chunk(p, st)
        oks = np.asarray(oks)
        lam = max_re_eig(p.W, time)
        if not oks.all() or not lam < 1:
            k = c * every + (int(np.argmin(oks)) if not oks.all() else every)
            losses.append(np.asarray(Ls)[: k - c * every])
            part = _gd_series(saved, eta, every, target, sv, r, time, keep_W, n_eigs, losses)
            raise UnstableNetworkError(eta * k, lam, partial=part, where=f"gradient_descent (step {k}, eta={eta:g})")
        losses.append(np.asarray(Ls))
        saved.append(p)
    return _gd_series(saved, eta, every, target, sv, r, time, keep_W, n_eigs, losses)


def _gd_series(saved, eta, every, target, s, r, time, keep_W, n_eigs, losses):
    ys = jax.tree.map(lambda *x: jnp.stack(x), *saved)
    out = series(eta * every * np.arange(len(saved)), ys, target, s, r, time=time, keep_W=keep_W, n_eigs=n_eigs)
    out["loss_steps"] = np.concatenate(losses) if losses else np.zeros(0)
    return out


def bptt_sgd(
    key: PRNGKeyArray,
    params0: Params,
    target: Target,
    *,
    dt: float,
    batch: int,
    window: float,
    burn_in: float,
    eta: float,
    n_steps: int,
    s: float | str = "mean_field",
    rates: Rates | tuple[float, float, float] | None = None,
    save_every: int | None = None,
) -> dict[str, Any]:
    r"""SGD on sampled white noise with BPTT through `lax.scan` (§10 cross-check).

    Euler–Maruyama: $h\leftarrow h+\Delta t(-h+Wh)+u\sqrt{\Delta t}\xi$, target state
    $z\leftarrow z+\Delta tA_sz+b_s\sqrt{\Delta t}\xi$ with the same $\xi$,
    $y_\star=c_s^\top z$. Loss $\tfrac12$ mean of $(y-y_\star)^2$ over the batch
    and the `window` after `burn_in` (both in time units, from $h=z=0$). Same per-group
    rates as GD (`optax`), $t=\eta k$. Bias $O(\Delta t)$ in $L$.
    Returns `{'ts', 'loss' (closed form at saves), 'loss_sampled' (per step), 'W','u','v'}`.
    """
    every = _schedule(eta, n_steps, save_every)
    if not dt > 0:
        raise ValueError(f"dt={dt} is not allowed; need dt > 0")
    if not (isinstance(batch, (int, np.integer)) and batch >= 1):
        raise ValueError(f"batch={batch} is not allowed; need an integer batch >= 1")
    n_burn, n_win = int(round(burn_in / dt)), int(round(window / dt))
    if burn_in < 0 or n_win < 1:
        raise ValueError(f"burn_in={burn_in}, window={window} are not allowed; need burn_in >= 0 and window >= dt={dt}")
    sv, r = _setup(params0, s, rates)
    tx = optimizer(eta, r)
    args = (target, jnp.asarray(sv, jnp.float64), jnp.asarray(eta, jnp.float64), jnp.asarray(r, jnp.float64))
    static = {"dt": float(dt), "batch": int(batch), "n_burn": n_burn, "n_win": n_win, "every": every}
    p, st = params0, tx.init(params0)
    saved, sampled = [p], []
    for kk in jax.random.split(key, n_steps // every):
        p, st, Ls = _bptt_chunk(p, st, kk, *args, **static)
        sampled.append(np.asarray(Ls))
        lam = max_re_eig(p.W)
        if not lam < 1:
            raise UnstableNetworkError(eta * every * len(saved), lam, where="bptt_sgd")
        saved.append(p)
    ys = jax.tree.map(lambda *x: jnp.stack(x), *saved)
    loss = _closed_form_losses(ys, target, jnp.asarray(sv, jnp.float64))
    return {
        "ts": eta * every * np.arange(len(saved)),
        "loss": np.asarray(loss),
        "loss_sampled": np.concatenate(sampled),
        "W": np.asarray(ys.W),
        "u": np.asarray(ys.u),
        "v": np.asarray(ys.v),
    }


@jax.jit
def _closed_form_losses(ys: Params, target: Target, sv) -> Array:
    """Closed-form population loss of stacked parameters (compiled once per shapes)."""
    return jax.lax.map(lambda q: loss_core(q, target, sv)[0], ys)


@functools.partial(jax.jit, static_argnames=("dt", "batch", "n_burn", "n_win", "every"))
def _bptt_chunk(p, st, key, target, sv, eta, r, *, dt, batch, n_burn, n_win, every):
    """`every` SGD steps of `bptt_sgd` (module-level jit: compiled once per shapes and static
    arguments, so seeds and repeated calls reuse it; `eta`, rates, `s` and the target are traced)."""
    tx = optimizer(eta, Rates(r[0], r[1], r[2]))
    sq = jnp.sqrt(dt)

    def sampled_loss(p, xi):
        def step(c, x):
            h, z = c
            h = h + dt * (p.W @ h - h) + p.u * sq * x
            z = z + dt * (target.As @ z) + target.bs * sq * x
            return (h, z), sv * p.v @ h - target.cs @ z

        _, err = jax.lax.scan(step, (jnp.zeros_like(p.u), jnp.zeros_like(target.bs)), xi)
        return 0.5 * jnp.mean(err[n_burn:] ** 2)

    def batch_loss(p, xis):
        return jnp.mean(jax.vmap(lambda x: sampled_loss(p, x))(xis))

    def step(c, kk):
        p, st = c
        xis = jax.random.normal(kk, (batch, n_burn + n_win))
        L, g = jax.value_and_grad(batch_loss)(p, xis)
        upd, st = tx.update(g, st, p)
        return (optax.apply_updates(p, upd), st), L

    (p, st), Ls = jax.lax.scan(step, (p, st), jax.random.split(key, every))
    return p, st, Ls
