r"""The authors' S1 transport measurement, as their public code computes it.

Reference: `lorenzolivi/effective-learning-rates`, `s1_effective_lr.py` (functions
`compute_J_blocks`, `product_sensitivities`, `gate_product_predictor`,
`per_lag_median_profile`, `fit_loglog_slope`); `s1_robust.py` (`run_single_seed`)
imports and calls those same functions. This module re-expresses their conventions in
JAX on this toolkit's trajectories (`numerics.gating.trajectory`); none of their code is
used. The exact measurement of the toolkit (`numerics.gating.probe_sequence`) differs in
four conventions and in the norm:

1. **Norm: a few power iterations, not $\sigma_1$** (`product_sensitivities`). From a
   Gaussian start $v_0\sim\mathcal N(0,I)$, fresh for every window,
   $$
   v\leftarrow\frac{v}{\lVert v\rVert+\epsilon},\qquad
   v\leftarrow\frac{Pv}{\lVert Pv\rVert+\epsilon}\ \ (n\text{ times}),\qquad
   \hat S=\lVert Pv\rVert ,
   $$
   with $n=5$ and $\epsilon=10^{-12}$ (their `iters=5` and `1e-12`). The iteration is on $P$
   itself, not on $P^\top P$: since $\lVert v\rVert\le1$, $\hat S\le\sigma_1(P)$ always, and as
   $n\to\infty$ $\hat S$ tends to the modulus of the dominant eigenvalue (the spectral radius
   $\rho(P)$ when it is unique), which equals $\sigma_1(P)$ only for a normal $P$. Below
   $\lVert P\rVert\sim\epsilon$ the $\epsilon$ in the denominators shrinks $v$ at every
   iteration, so $\hat S$ falls far below $\lVert P\rVert$ for long-lag products.
2. **Product order** (`product_sensitivities`: `P = Js[j] @ P` for `j = t, t-1, ..., 1`): the
   earliest step on the left,
   $P_{t,k}=J_{k+1}J_{k+2}\cdots J_t$, where the exact transport is $M_{t,k}=J_t\cdots J_{k+1}$.
3. **Gate correction from the post-step state** (`compute_J_blocks`: `xjm1 = X[:, j-1]`, where
   `X[:, j-1]` is the state *after* step $j$). With $d=\phi(a_j)-x_j$ instead of
   $\phi(a_j)-x_{j-1}$, and $x_j=g_j\phi(a_j)+(1-g_j)x_{j-1}$, the correction is
   $\phi(a_j)-x_j=(1-g_j)(\phi(a_j)-x_{j-1})$: their Jacobian is
   $\tilde J_j=A_j+\mathrm{diag}(1-g_j)B_j$ (`post_step_jacobians`).
4. **Windows never start at the first step** (`product_sensitivities` stops at `j = 1`, so
   `Js[0]` enters no product; `per_lag_median_profile` pools exactly those pairs). In this
   toolkit's indexing (window `[k, k+ℓ)` of 0-based Jacobians `J[k]`, arrays indexed
   `[ℓ-1, k]`) their windows are $1\le k$, $k+\ell\le T$: lags $1,\dots,T-1$ and $T-\ell$ windows
   per lag, one fewer than the exact measurement.
5. **Predictor $\prod g$ over $h+1$ gates** (`gate_product_predictor`: `GP[t, j]` multiplies
   `g[j..t]`, and the pair $(t,k)$ reads `GP[t, k]`): the gates of steps $k-1,\dots,k+\ell-1$ in
   this toolkit's indexing, one more than the $\ell$ steps of the window (vector gate: mean over
   neurons of the per-neuron products). For the leaky cell they use $\alpha^{h}$ ($h$ factors);
   a constant factor, so it changes neither the normalised profile nor the fitted slope or $R^2$.

Their medians (`per_lag_median_profile`) and fit (`fit_loglog_slope`: OLS of $\log S$ on
$\log P$ over the central 1–99 % of $P$) are those of `numerics.gating.lag_medians` and
`numerics.gating.fit_power` on these windows; the $+10^{-12}$ they add to the lag-1 median when
normalising is below float64 resolution of an $O(1)$ median and is not reproduced. They train
and probe in float32; this module computes in the dtype it is given (float64 in the studies).

| code name | symbol | meaning |
|---|---|---|
| `P` | $P$ | one transport product |
| `v0` | $v_0$ | Gaussian start of the power iteration |
| `iters`, `eps` | $n$, $\epsilon$ | power iterations (5), regulariser of the normalisation ($10^{-12}$) |
| `S` | $\hat S_{t,k}$ | the authors' transport norm, indexed `[ℓ-1, k]` |
| `J_post` | $\tilde J_j=A_j+\mathrm{diag}(1-g_j)B_j$ | Jacobian with the post-step gate correction |
| `P_g` | $\overline{\prod g}$ over $h+1$ gates | the authors' predictor |
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

from numerics.core import window_product
from numerics.gating._cells import Cell
from numerics.gating._lag_profiles import probe_sequence
from numerics.gating._products import Trajectory, ordered_product, trajectory

__all__ = [
    "AUTHORS_ITERS",
    "AUTHORS_EPS",
    "power_norm",
    "reversed_product",
    "post_step_jacobians",
    "authors_pairs",
    "authors_gate_product",
    "authors_probe_sequence",
]

#: Power iterations of `product_sensitivities` (their `--power-iters` default).
AUTHORS_ITERS: int = 5
#: The regulariser `1e-12` of every normalisation in `product_sensitivities`.
AUTHORS_EPS: float = 1e-12


def power_norm(
    P: Float[Array, "N N"], v0: Float[Array, " N"], iters: int = AUTHORS_ITERS, eps: float = AUTHORS_EPS
) -> Float[Array, ""]:
    r"""$\hat S=\lVert Pv\rVert$ after `iters` normalised power iterations on $P$ from `v0`
    (module docstring, item 1). A lower bound of $\lVert P\rVert_2$ for any `v0`."""
    v = v0 / (jnp.linalg.norm(v0) + eps)

    def body(_, v):
        w = P @ v
        return w / (jnp.linalg.norm(w) + eps)

    v = jax.lax.fori_loop(0, iters, body, v)
    return jnp.linalg.norm(P @ v)


def reversed_product(mats: Float[Array, "n N N"]) -> Float[Array, "N N"]:
    r"""`mats[0] @ mats[1] @ ... @ mats[n-1]`: the earliest step on the left (item 2), the
    reverse of `numerics.gating.ordered_product`'s time order."""
    return ordered_product(mats[::-1])


def post_step_jacobians(tr: Trajectory) -> Float[Array, "T N N"]:
    r"""$\tilde J_j=A_j+\mathrm{diag}(1-g_j)B_j$: the Jacobians with the gate correction
    evaluated at the post-step state (item 3; equal to `tr.J` for leaky and plain cells)."""
    return tr.A + tr.leak[:, :, None] * tr.B


def authors_pairs(
    J: Float[Array, "T N N"],
    v0: Float[Array, "T T N"],
    iters: int = AUTHORS_ITERS,
    eps: float = AUTHORS_EPS,
) -> tuple[Float[Array, "T T"], Bool[Array, "T T"]]:
    r"""`(S, valid)` indexed `[ℓ-1, k]`: $\hat S$ (`power_norm` from `v0[ℓ-1, k]`) of the
    reversed product `J[k] @ ... @ J[k+ℓ-1]` on the authors' windows $k\ge1$, $k+\ell\le T$
    (items 1, 2 and 4; 0 elsewhere).

    As in `product_sensitivities`, each window end $e$ grows its products leftwards,
    $P\leftarrow J_jP$ for $j=e,e-1,\dots,1$: one lane per end, $T$ steps of a scan.
    """
    T = J.shape[0]
    end = jnp.arange(T)
    eye = jnp.broadcast_to(jnp.eye(J.shape[-1], dtype=J.dtype), J.shape)
    norms = jax.vmap(power_norm, in_axes=(0, 0, None, None))

    def body(P, s):
        start = end - s  # lag s + 1
        ok = start >= 1
        k = jnp.where(ok, start, 1)
        P = jnp.where(ok[:, None, None], jnp.einsum("eij,ejl->eil", J[k], P), P)
        return P, (norms(P, v0[s, k], iters, eps), jnp.where(ok, start, T))

    S, k = jax.lax.scan(body, eye, jnp.arange(T))[1]  # (lag, end)
    lag = jnp.broadcast_to(jnp.arange(T)[:, None], k.shape)
    return (
        jnp.zeros((T, T), J.dtype).at[lag, k].set(S, mode="drop"),
        jnp.zeros((T, T), bool).at[lag, k].set(True, mode="drop"),
    )


def authors_gate_product(gates: Float[Array, "T N"], kind: str) -> Float[Array, "T T"]:
    r"""The authors' predictor indexed `[ℓ-1, k]` (item 5): the mean over neurons of $\prod g$
    over the gates of steps $k-1,\dots,k+\ell-1$ ($h+1$ gates); $\alpha^{\ell}$ for the leaky
    cell. Entries outside the authors' windows are finite but meaningless (mask with `valid`)."""
    T = gates.shape[0]
    lag = jnp.arange(1, T + 1)[:, None]
    start = jnp.broadcast_to(jnp.arange(T)[None, :], (T, T))
    stop = jnp.minimum(start + lag, T)
    first = start if kind == "leaky" else jnp.maximum(start - 1, 0)
    return jnp.mean(window_product(gates, first, stop), axis=-1)


def authors_probe_sequence(
    cell: Cell,
    us: Float[Array, "T Ni"],
    key: Array,
    norm: str | None = None,
    iters: int = AUTHORS_ITERS,
    eps: float = AUTHORS_EPS,
) -> dict[str, Array]:
    r"""`numerics.gating.probe_sequence` with S1's transport measured as the authors measure it.

    `S` is $\hat S$ of `authors_pairs` on `post_step_jacobians`, with the power-iteration starts
    `v0[ℓ-1, k]` drawn from `key` (standard normal, one fresh start per window); `P_g` is
    `authors_gate_product`; `valid` marks the authors' windows. `P_ret` ($\prod(1-g)$ over the
    window's own $\ell$ gates) and the first-order diagonal theory (`diag`, `mu0`, `mu1`,
    `bound`, on the exact Jacobians) are those of `probe_sequence` (`norm`: its exact route),
    read on the authors' windows through `valid`.
    """
    out = probe_sequence(cell, us, norm)
    tr = trajectory(cell, us)
    T, N = us.shape[0], cell.N
    v0 = jax.random.normal(key, (T, T, N), us.dtype)
    S, valid = authors_pairs(post_step_jacobians(tr), v0, iters, eps)
    return out | dict(S=S, P_g=authors_gate_product(tr.gates, cell.kind), valid=valid)
