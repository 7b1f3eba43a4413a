r"""Diagonal transport along a trajectory: leak products and the first-order correction.

Shared by the gating study (Livi, arXiv:2508.12121, per-neuron effective learning
rate) and the anti-collapse study (Livi, arXiv:2606.29519, envelope and time
scales). With per-step, per-unit leak factors $a_{j}=1-g_j$ and first-order
diagonal corrections $r_j$ (the diagonal of the exact Jacobian minus the
leak), the diagonal of an ordered product over the half-open step window
$[\text{start},\text{stop})$ is, to first order in $r$,

$$
\prod_{j=\text{start}}^{\text{stop}-1}(a_j+r_j)\;\approx\;
\underbrace{\prod_j a_j}_{\mu^{(0)}}\Big[1+\sum_j \frac{r_j}{a_j}\Big],
\qquad \mu^{(1)}=\mu^{(0)}\sum_j r_j/a_j .
$$
Both factors come from prefix sums, $P_n=\sum_{j<n}\log a_j$ and
$C_n=\sum_{j<n} r_j/a_j$, so every window costs $O(1)$ after an
$O(T)$ pass: $\mu^{(0)}=e^{P_\text{stop}-P_\text{start}}$,
$\mu^{(1)}=\mu^{(0)}(C_\text{stop}-C_\text{start})$. No loop over lags.

| code name | gating spec | anti-collapse spec |
|---|---|---|
| `a` | $1-g_j^{(q)}$ | $a_{q,t}$ (`leak`) |
| `r` | $[R_j]_{qq}$ | $r_{q,t}$ (`rdiag`) |
| `mu0`, `mu1` | $\mu^{(0)},\mu^{(1)}$ | $\mu^{(0)}_q,\mu^{(1)}_q$ |

Index conventions: the gating spec's $M_{t,k}$ (product over $j=k+1..t$)
is the window `[k+1, t+1)` of 1-based steps stored 0-based as `[k, t)`; the
anti-collapse spec's $\prod_{p=t}^{t+\ell-1}$ is `[t, t+ℓ)`.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float, Int

__all__ = ["prefix_sum", "window_product", "first_order_diagonal"]


def prefix_sum(x: Float[Array, "T ..."]) -> Float[Array, "T+1 ..."]:
    r"""$P_n=\sum_{j<n}x_j$ along axis 0, with $P_0=0$ (length `T+1`)."""
    zero = jnp.zeros((1,) + x.shape[1:], dtype=x.dtype)
    return jnp.concatenate([zero, jnp.cumsum(x, axis=0)], axis=0)


def window_product(
    a: Float[Array, "T ..."],
    start: Int[Array, "*start"],
    stop: Int[Array, "*stop"],
) -> Float[Array, "*out"]:
    r"""$\prod_{j=\text{start}}^{\text{stop}-1}a_j$ for positive `a` (log prefix sums).

    `start`/`stop` are integer arrays of any shapes that broadcast together; the result has
    the broadcast shape followed by `a.shape[1:]`. An empty window gives 1.
    """
    logp = prefix_sum(jnp.log(a))
    return jnp.exp(logp[stop] - logp[start])


def first_order_diagonal(
    a: Float[Array, "T ..."],
    r: Float[Array, "T ..."],
    start: Int[Array, "*start"],
    stop: Int[Array, "*stop"],
) -> tuple[Float[Array, "*out"], Float[Array, "*out"]]:
    r"""`(mu0, mu1)` over windows `[start, stop)`: zeroth- and first-order diagonal
    transport, $\mu^{(0)}=\prod a_j$, $\mu^{(1)}=\mu^{(0)}\sum r_j/a_j$."""
    logp = prefix_sum(jnp.log(a))
    ratio = prefix_sum(r / a)
    mu0 = jnp.exp(logp[stop] - logp[start])
    return mu0, mu0 * (ratio[stop] - ratio[start])
