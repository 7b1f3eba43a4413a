r"""Propagation and update anisotropy of trained cells ([§7][gating-s7], S2).

* **Propagation**: $\mathrm{AI}_r,\mathrm{CE}_r$ of transport matrices $M_{t,k}$ at
  a set of lags. `n` random starts $(b,k)$ (probe sequence, start step, with
  $k$ uniform on $[0,T-\ell_{\max}]$) are drawn once; one scan of
  $\ell_{\max}$ steps from each start gives $M_{k+\ell,k}$ for every lag of the
  set (so every lag has `n` random triples $(b,t=k+\ell,k)$, and lags share starts).
  Jacobians are formed on the fly from stored states; singular values are exact
  (`numerics.core.singular_values`: LAPACK's SVD on a CPU, the batched
  Golub–Kahan route on an accelerator).
* **Update**: the per-example gradient matrix (rows: examples, `vmap`; columns: every
  *trained* parameter, flattened; biases that training keeps at zero are frozen
  (`numerics.gating.frozen_zero`), so their columns are zero and dropped) through `numerics.gating.gradient_anisotropy`
  (row-normalised, column-centred, near-constant columns dropped).

| code name | symbol |
|---|---|
| `lags` | $\ell\in\{1,2,4,8,12,16,24,32,40\}$ |
| `AI`, `CE` | $\mathrm{AI}_{10},\mathrm{CE}_{10}$ |
| `underflow` | $\sigma_1(M)<10^{-140}$ (metrics reported as NaN, never CE = 0) |
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from numerics.core import singular_values
from numerics.gating._cells import Model, state_jacobian
from numerics.gating._metrics import anisotropy, gradient_anisotropy, per_example_gradients
from numerics.gating._products import previous_states
from numerics.gating._train import frozen_zero, predict

__all__ = ["jacobian_anisotropy", "update_anisotropy"]


def jacobian_anisotropy(
    model: Model,
    us: Float[Array, "P T Ni"],
    key: jax.Array,
    lags: Sequence[int],
    n: int,
    r: int = 10,
) -> tuple[Float[Array, "L n"], Float[Array, "L n"], Float[Array, "L n"]]:
    """`(AI, CE, underflow)` of $M_{k+\\ell,k}$ at each lag for `n` random starts."""
    lags = tuple(int(x) for x in lags)
    if list(lags) != sorted(set(lags)) or lags[0] < 1 or lags[-1] > us.shape[1]:
        raise ValueError(f"lags={lags} must be increasing integers in [1, T={us.shape[1]}]")
    cell = model.cell
    P, T = us.shape[:2]
    xs = jax.vmap(lambda u: previous_states(cell, u))(us)  # (P, T, N)
    kb, kk = jax.random.split(key)
    b = jax.random.randint(kb, (n,), 0, P)
    k = jax.random.randint(kk, (n,), 0, T - lags[-1] + 1)

    rec = jnp.asarray(lags)
    buf = jnp.zeros((len(lags), n, cell.N, cell.N))

    def body(carry, i):  # after this step M = M_{k+i+1, k}
        M, buf = carry
        J = jax.vmap(lambda bb, kk_: state_jacobian(cell, xs[bb, kk_ + i], us[bb, kk_ + i])[0])(b, k)
        M = jnp.einsum("nij,njl->nil", J, M)
        hit = (rec == i + 1)[:, None, None, None]
        return (M, jnp.where(hit, M[None], buf)), None

    M0 = jnp.broadcast_to(jnp.eye(cell.N), (n, cell.N, cell.N))
    buf = jax.lax.scan(body, (M0, buf), jnp.arange(lags[-1]))[0][1]
    ai, ce, under = anisotropy(singular_values(buf), r)
    return ai, ce, under.astype(jnp.float64)


def update_anisotropy(
    model: Model, us: Float[Array, "E T Ni"], ys: Float[Array, " E"], r: int = 10
) -> tuple[Float[Array, ""], Float[Array, ""]]:
    r"""`(AI, CE)` of the per-example gradients of the squared error (trained parameters only:
    the gradients of frozen biases are zeroed, so `gradient_anisotropy` drops their columns)."""
    params, static = eqx.partition(model, eqx.is_array)

    def g(p, u, y):
        return frozen_zero(jax.grad(lambda q: (predict(eqx.combine(q, static), u) - y) ** 2)(p), model)

    G = per_example_gradients(g, params, us, ys)
    ai, ce, _ = gradient_anisotropy(G, r)
    return ai, ce
