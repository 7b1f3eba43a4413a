r"""Rich/lazy phase diagram over $(\sigma,c_\star)$: one vmapped, jitted GD sweep.

the [integrator formulation][integrator-formulation] §7 (regime boundary $\lvert1-c_\star\rvert=\sigma$) and §11
figure 5. Every grid point trains a full linear RNN (leaky target, mean-field readout
$s=1/N$, rates $\eta_u=\eta_v=N\eta,\ \eta_W=\eta$) by discrete gradient descent
on the closed-form population loss for a fixed training time $T=K\eta$. The whole
grid is **one** `jit(vmap(...))` call whose body is a `lax.scan` over the $K$ GD
steps; there is no Python loop over grid points. Eigenvalues (LAPACK `geev`, no
autodiff) are computed afterwards on the host, for classification only ([§10][integrator-s10]).

Common random numbers: all grid points share one draw $(G,u_0,v_0)$,
$W_0=\sigma G/\sqrt N$, so neighbouring cells differ only in $(\sigma,c_\star)$
and the measured boundary is not blurred by draw-to-draw noise.

Per GD step (leaky target $A_s=-c_\star$, $b_s=A_\star$, $c_s=1$; [§3][integrator-s3]):

$$
R=(1+c_\star)I-W,\quad r=R^{-1}u,\quad q=R^{-\top}v,\qquad
AP+PA^\top+uu^\top=0,\quad A^\top Q+QA+vv^\top=0,
$$
$$
\partial_vL=s^2Pv-sA_\star r,\quad \partial_uL=s^2Qu-sA_\star q,\quad
\partial_WL=s^2QP-sA_\star q\,r^\top,\quad
L=\tfrac12\big[s^2v^\top Pv-2sA_\star v^\top r+\tfrac{A_\star^2}{2c_\star}\big].
$$
Loss and gradients are `numerics.integrator.loss_and_grads_core` (both Gramians from one
doubling loop); its `ok` flag (doubling converged iff $W-I$ is Hurwitz) is the in-graph **stability
guard**: a point whose step would be unstable is frozen and flagged, never silently
continued past the edge.

| code name | symbol | meaning |
|---|---|---|
| `sigma`, `c_star` | $\sigma,c_\star$ | grid axes (initial scale, target decay) |
| `amp` | $A_\star$ | target amplitude (`'unit'`: $\sqrt{2c_\star}$) |
| `eta`, `T`, `K` | $\eta, T=K\eta$ | GD step, training time, steps |
| `rel_change` | $\lVert W_T-W_0\rVert_2/\lVert W_0\rVert_2$ | relative weight change |
| `edge` | $\rho(W_0)$ | finite-$N$ bulk radius of the draw |
| `separation` | $\max\operatorname{Re}\lambda(W_T)-\rho(W_0)$ | outlier separation |
| `delta` | $\delta$ | separation threshold ([§8][integrator-s8] default 0.05) |
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, ArrayLike, Bool, Float

from numerics.integrator._linear_rnn import Params, default_rates, loss_and_grads_core, loss_core
from numerics.integrator._targets import Target
from numerics.integrator._train import optimizer

__all__ = [
    "PhaseSweep",
    "gd_stability_eta",
    "train_point",
    "point_fn",
    "draw_init",
    "sweep",
    "sweep_chunk",
    "CPU_CHUNK_ELEMENTS",
    "classify",
    "boundary_agreement",
]


class PhaseSweep(NamedTuple):
    """Device output of `sweep`; arrays have leading shape `(D, S, C)` (draws, σ rows, c* columns)."""

    sigma: Float[Array, "D S C"]
    c_star: Float[Array, "D S C"]
    W0: Float[Array, "D S C n n"]
    WT: Float[Array, "D S C n n"]
    loss: Float[Array, "D S C K1"]  # loss before each step and after the last
    ok: Bool[Array, "D S C"]  # every step stable (doubling converged)


def gd_stability_eta(c_min: float, norm: str = "unit") -> float:
    r"""[§10][integrator-s10] GD bound $\eta\lesssim 8c_\star^3/A_\star^2$ at the smallest $c_\star$.

    `'unit'` ($A_\star^2=2c_\star$) gives $4c_\star^2$; `'raw'` gives $8c_\star^3$.
    """
    if not c_min > 0:
        raise ValueError(f"c_min={c_min} is out of range; allowed: c_min > 0")
    amp2 = 2 * c_min if norm == "unit" else 1.0
    return 8 * c_min**3 / amp2


def _amp(c_star: Array, norm: str) -> Array:
    return jnp.sqrt(2 * c_star) if norm == "unit" else jnp.ones_like(c_star)


def _leaky(c_star: Array, amp: Array) -> Target:
    """Leaky target triple with a traced rate (`make_target` validates on the host)."""
    return Target(-c_star.reshape(1, 1), amp.reshape(1), jnp.ones(1, c_star.dtype))


def train_point(
    sigma: Float[Array, ""],
    c_star: Float[Array, ""],
    G: Float[Array, "n n"],
    u0: Float[Array, " n"],
    v0: Float[Array, " n"],
    eta: Float[Array, ""],
    *,
    steps: int,
    norm: str = "unit",
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Float[Array, " K1"], Bool[Array, ""]]:
    r"""GD for one $(\sigma,c_\star)$: `steps` updates of size `eta`.

    Gradients from `numerics.integrator.loss_and_grads_core` (adjoint formulas, traced
    stability certificate), per-group optax SGD from `numerics.integrator.optimizer`
    (rates $(1,N,N)$). Returns `(W0, W_T, losses, ok)`; an unstable iterate freezes
    the point (parameters kept, `ok=False`).
    """
    n = G.shape[0]
    s = 1.0 / n
    target = _leaky(c_star, _amp(c_star, norm))
    tx = optimizer(eta, default_rates(n, "mean_field"))  # eta may be traced (optax schedules accept arrays)
    p0 = Params(W=sigma * G / jnp.sqrt(n), u=u0, v=v0)

    def step(carry, _):
        p, st, ok = carry
        L, g, ok_now = loss_and_grads_core(p, target, s)
        upd, st2 = tx.update(g, st, p)
        ok = ok & ok_now
        p = jax.tree.map(lambda a, b: jnp.where(ok, a, b), optax.apply_updates(p, upd), p)
        return (p, st2, ok), L

    (p, _, ok), losses = jax.lax.scan(step, (p0, tx.init(p0), jnp.asarray(True)), None, length=steps)
    L_end, ok_end = loss_core(p, target, s)
    return p0.W, p.W, jnp.concatenate([losses, L_end[None]]), ok & ok_end


#: Largest batched matrix buffer (elements, `chunk * n * n`) that one vmapped chunk of the
#: sweep may hold on the CPU backend. With jaxlib 0.10.2 on a 2-core CPU the single
#: `jit(vmap(train_point))` over the whole grid hangs forever (all XLA threads idle, the host
#: waiting in `AwaitBuffersReady`) once `B * n * n` passes roughly 2e5 elements (measured:
#: 144 x 32^2 and 96 x 40^2 and 48 x 64^2 run; 144 x 40^2 and 288 x 32^2 hang on every try).
#: Below the threshold it never hung in the tests. The grid is therefore
#: swept by `lax.map(..., batch_size=chunk)` inside the same jitted computation: each chunk
#: is vmapped, chunks run in sequence, and there is no Python loop over grid points.
CPU_CHUNK_ELEMENTS = 2**17


def _cpu_options() -> dict | None:
    """Single-threaded Eigen for the sweep on CPU: the batched matmuls are small (`n <= ~100`)
    and the thread-pool hand-off per op cost more than it saved (batched doubling at N = 8:
    0.35 ms single-threaded against 0.56 ms multi-threaded per Gramian pair, 144 points).
    Per-computation option, so nothing else in the process changes."""
    return {"xla_cpu_multi_thread_eigen": False} if jax.default_backend() == "cpu" else None


def sweep_chunk(n: int, points: int) -> int:
    """Grid points per vmapped chunk: all of them off the CPU, else `CPU_CHUNK_ELEMENTS // n^2`."""
    if jax.default_backend() != "cpu":
        return points
    return max(1, min(points, CPU_CHUNK_ELEMENTS // (n * n)))


def draw_init(key: Array, n: int, eps: float = 1.0, edge_normalise: bool = True):
    r"""One draw `(G, u0, v0)` (keys split in the order G, u, v; [§2][integrator-s2]), with
    $G\to\sqrt N\,G/\rho(G)$ when `edge_normalise` (so $\rho(\sigma G/\sqrt N)=\sigma$)."""
    kG, ku, kv = jax.random.split(key, 3)
    G = jax.random.normal(kG, (n, n), jnp.float64)
    if edge_normalise:
        G = G * (np.sqrt(n) / np.abs(np.linalg.eigvals(np.asarray(G))).max())
    return G, eps * jax.random.normal(ku, (n,), jnp.float64), eps * jax.random.normal(kv, (n,), jnp.float64)


@functools.lru_cache(maxsize=16)
def _batched(steps: int, norm: str, chunk: int):
    """One jitted computation over the run axis: `lax.map` over chunks of `chunk` points,
    each chunk `vmap`ped (see `CPU_CHUNK_ELEMENTS`). Cached per `(steps, norm, chunk)`
    so repeated sweeps of the same shapes reuse one compilation. Shared inputs (`G`, `u0`,
    `v0`, `eta`) are broadcast along the run axis by the caller."""
    point = functools.partial(train_point, steps=steps, norm=norm)
    return jax.jit(lambda *xs: jax.lax.map(lambda a: point(*a), xs, batch_size=chunk), compiler_options=_cpu_options())


@functools.lru_cache(maxsize=16)
def point_fn(steps: int, norm: str = "unit"):
    """The same per-point computation, jitted alone (the Python-loop baseline of the benchmark)."""
    return jax.jit(functools.partial(train_point, steps=steps, norm=norm), compiler_options=_cpu_options())


def sweep(
    sigmas: Float[ArrayLike, " S"],
    c_stars: Float[ArrayLike, " C"],
    key: Array,
    *,
    n: int,
    T: float,
    eta: float,
    norm: str = "unit",
    eps: float = 1.0,
    edge_normalise: bool = True,
    draws: int = 1,
    chunk: int | None = None,
) -> PhaseSweep:
    r"""Train every $(\sigma,c_\star)$ of the grid in **one** vmapped, jitted call.

    `draws` independent draws (keys `split(key, draws)`) are trained in the same call; within a
    draw every grid point shares it (common random numbers). Draw order ([§2][integrator-s2]): `G`, `u0`,
    `v0` from each draw's key; `u0, v0 ~ N(0, eps^2 I)`.
    `K = round(T/eta)` GD steps, so the training time is `K*eta` (`≈ T`).
    `chunk` points are vmapped at a time inside the one jitted call (default
    `sweep_chunk`: the whole grid off the CPU, a hang-safe size on it).

    `edge_normalise` (default) rescales the draw so that $\rho(W_0)=\sigma$ exactly
    ($G\to\sqrt N\,G/\rho(G)$): the finite-$N$ spectral radius of a Ginibre matrix
    exceeds $\sigma$ by $\approx7\%\pm6\%$ at $N=60$ (an $O(N^{-1/2})$
    effect that vanishes as $N\to\infty$), which would otherwise shift the measured
    boundary off $|1-c_\star|=\sigma$ by more than a grid cell. The bulk radius is then
    the $\sigma$ of the theory line.
    """
    if n < 2:
        raise ValueError(f"n={n} is out of range; allowed: n >= 2")
    if chunk is not None and chunk < 1:
        raise ValueError(f"chunk={chunk} is out of range; allowed: chunk >= 1")
    if not (eta > 0 and T > 0):
        raise ValueError(f"eta={eta}, T={T} are out of range; allowed: eta > 0, T > 0")
    sg = jnp.asarray(sigmas, jnp.float64)
    cs = jnp.asarray(c_stars, jnp.float64)
    if bool(jnp.any(sg < 0) | jnp.any(sg >= 1)) or bool(jnp.any(cs <= 0)):
        raise ValueError("sigma must lie in [0, 1) and c_star > 0 on the whole grid")
    Gs, us, vs = zip(*[draw_init(k, n, eps, edge_normalise) for k in jax.random.split(key, draws)])
    steps = max(1, int(round(T / eta)))
    S, C = sg.shape[0], cs.shape[0]
    dd, ss, cc = (x.reshape(-1) for x in jnp.meshgrid(jnp.arange(draws), sg, cs, indexing="ij"))
    B = ss.shape[0]
    W0, WT, losses, ok = _batched(steps, norm, sweep_chunk(n, B) if chunk is None else chunk)(
        ss, cc, jnp.stack(Gs)[dd], jnp.stack(us)[dd], jnp.stack(vs)[dd], jnp.full((B,), eta, jnp.float64)
    )
    shape = (draws, S, C)
    return PhaseSweep(
        ss.reshape(shape),
        cc.reshape(shape),
        W0.reshape(shape + W0.shape[1:]),
        WT.reshape(shape + WT.shape[1:]),
        losses.reshape(shape + losses.shape[1:]),
        ok.reshape(shape),
    )


def classify(res: PhaseSweep, delta: float = 0.05) -> dict[str, np.ndarray]:
    r"""Host-side regime measurement (eigenvalues for monitoring only, [§10][integrator-s10]).

    Per draw, the separation $\max\operatorname{Re}\lambda(W_T)-\rho(W_0)$ (outlier beyond
    the bulk of the same draw); the measured regime of a cell is `rich` iff the
    **draw-averaged** separation exceeds $\delta$. Also returns the number of separated
    eigenvalues, the relative weight change (spectral norms, draw mean) and the theory
    regime $1-c_\star>\sigma$ (rich). Per-draw arrays keep the leading draw axis;
    `rich`, `separation`, `rel_change` are `(S, C)`.
    """
    W0 = np.asarray(res.W0)
    WT = np.asarray(res.WT)
    ev0 = np.linalg.eigvals(W0)
    evT = np.linalg.eigvals(WT)
    edge = np.abs(ev0).max(-1)
    top = evT.real.max(-1)
    n_out = (np.abs(evT) > edge[..., None] + delta).sum(-1)
    dW = np.linalg.norm(WT - W0, ord=2, axis=(-2, -1))
    norm0 = np.linalg.norm(W0, ord=2, axis=(-2, -1))
    sigma = np.asarray(res.sigma)[0]
    c = np.asarray(res.c_star)[0]
    sep = (top - edge).mean(0)
    return {
        "edge": edge,
        "top_re": top,
        "separation_draws": top - edge,
        "separation": sep,
        "n_outliers": n_out,
        "rich": sep > delta,
        "rel_change": (dW / np.maximum(norm0, 1e-300)).mean(0),
        "dW_norm": dW,
        "theory_rich": np.abs(1 - c) > sigma,
        "eig_T": evT,
    }


def boundary_agreement(
    rich: Bool[np.ndarray, "S C"], sigma: Float[np.ndarray, " S"], c_star: Float[np.ndarray, " C"]
) -> dict[str, np.ndarray | float]:
    r"""Compare the measured boundary with $c_\star=1-\sigma$ column by column.

    For each $\sigma$ (row) the measured boundary is the step $c_b$ that best
    separates rich ($c_\star<c_b$) from lazy ($c_\star>c_b$) cells (fewest
    disagreements; midpoints between grid values). Its distance to $1-\sigma$, in
    units of the $c_\star$ grid spacing, is `offset_cells`; `within_one` marks
    rows with offset $\le1$. `cell_agreement` is the fraction of cells whose
    measured regime equals the theory regime.
    """
    rich = np.asarray(rich, bool)
    sigma = np.asarray(sigma, float)
    c = np.asarray(c_star, float)
    dc = float(np.mean(np.diff(c)))
    cuts = np.concatenate([[c[0] - dc / 2], 0.5 * (c[1:] + c[:-1]), [c[-1] + dc / 2]])
    bounds = np.empty(len(sigma))
    for i in range(len(sigma)):
        errs = [np.sum(rich[i] != (c < cut)) for cut in cuts]
        best = np.flatnonzero(np.asarray(errs) == np.min(errs))
        bounds[i] = np.mean(cuts[best])
    theory = 1 - sigma
    offset = np.abs(bounds - theory) / dc
    # exactly one cell off must count as within one: the grid arithmetic gives 1 + O(1e-15)
    within = offset <= 1.0 + 1e-9
    theory_rich = (1 - c[None, :]) > sigma[:, None]
    return {
        "measured_boundary": bounds,
        "theory_boundary": theory,
        "offset_cells": offset,
        "within_one": within,
        "fraction_within_one": float(np.mean(within)),
        "cell_agreement": float(np.mean(rich == theory_rich)),
    }
