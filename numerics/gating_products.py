r"""Jacobian products along trajectories: transport matrices and the product expansion.

Spec ``gating.md`` §3–§5. States are 0-based, :math:`x_0` (initial) to :math:`x_T`; the
Jacobian array ``J[j]`` is :math:`\partial x_{j+1}/\partial x_j` (the spec's :math:`J_{j+1}`),
so the transport matrix over the step window ``[k, t)`` is

.. math::
    M_{t,k}=J_tJ_{t-1}\cdots J_{k+1}\;=\;\texttt{J[t-1]}\cdots\texttt{J[k]},\qquad M_{t,t}=I,

products in time order (later steps on the left). This is the window convention of
:mod:`numerics.transport`, whose prefix sums give the diagonal predictors.

| code name | symbol | meaning |
|---|---|---|
| ``J``, ``A``, ``B`` | :math:`J_j=A_j+B_j` | per-step Jacobians, ``(T, N, N)`` |
| ``F0``, ``L`` | :math:`F(0)`, :math:`L_F` | zeroth- and first-order terms of :math:`\prod(A_j+\varepsilon B_j)` |
| ``E`` | :math:`E(\varepsilon)` | :math:`\|F(\varepsilon)-F(0)-\varepsilon L_F\|_F` |
| ``r`` | :math:`r_j=\|B_j\|_2/\|A_j\|_2` | per-step size of the gate correction |
| ``S`` | :math:`S_{t,k}=\|M_{t,k}\|_2` | exact spectral norm (SVD), every pair |
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

import numerics  # noqa: F401
from numerics.gated_rnn import Cell, diag_leak_correction, rollout, state_jacobian

__all__ = [
    "Trajectory",
    "trajectory",
    "previous_states",
    "ordered_product",
    "first_order_term",
    "expansion_error",
    "remainder_bound",
    "all_pairs",
    "window_product_at",
    "spectral_norm",
]


class Trajectory(tuple):
    """``(xs_prev, gates, J, A, B, leak, rdiag)`` along one input sequence (see :func:`trajectory`)."""

    __slots__ = ()

    xs_prev = property(lambda s: s[0])
    gates = property(lambda s: s[1])
    J = property(lambda s: s[2])
    A = property(lambda s: s[3])
    B = property(lambda s: s[4])
    leak = property(lambda s: s[5])
    rdiag = property(lambda s: s[6])


def trajectory(cell: Cell, us: Float[Array, "T Ni"], x0: Float[Array, " N"] | None = None) -> Trajectory:
    r"""Run the cell and return, per step ``j``: previous state :math:`x_j`, gate
    :math:`g_{j+1}`, the exact Jacobians ``J, A, B`` and the diagonal splitting
    ``leak`` :math:`=1-g` and ``rdiag`` :math:`=[R]_{qq}` (all by one ``lax.scan``)."""
    x0 = jnp.zeros(cell.N, dtype=us.dtype) if x0 is None else x0

    def body(x, u):
        J, A, B = state_jacobian(cell, x, u)
        a, r = diag_leak_correction(cell, x, u)
        out = (x, cell.gate(x, u), J, A, B, a, r)
        return cell.step(x, u), out

    return Trajectory(jax.lax.scan(body, x0, us)[1])


def previous_states(cell: Cell, us: Float[Array, "T Ni"]) -> Float[Array, "T N"]:
    r""":math:`x_0,\dots,x_{T-1}` (the state each step starts from), :math:`x_0=0`."""
    xs = rollout(cell, us)
    return jnp.concatenate([jnp.zeros((1, cell.N), xs.dtype), xs[:-1]], axis=0)


def ordered_product(mats: Float[Array, "n N N"]) -> Float[Array, "N N"]:
    r""":math:`\prod_j` ``mats[j]`` in time order, ``mats[n-1] @ ... @ mats[0]``."""
    eye = jnp.eye(mats.shape[-1], dtype=mats.dtype)
    return jax.lax.scan(lambda P, m: (m @ P, None), eye, mats)[0]


def first_order_term(A: Float[Array, "n N N"], B: Float[Array, "n N N"]) -> Float[Array, "N N"]:
    r""":math:`L_F=\sum_i(\prod_{j>i}A_j)B_i(\prod_{j<i}A_j)` in :math:`O(n)` matrix products.

    Prefix products :math:`P_i=A_{i-1}\cdots A_0` come from a forward scan and suffix
    products :math:`Q_i=A_{n-1}\cdots A_{i+1}` from a reverse scan; :math:`L_F=\sum_iQ_iB_iP_i`.
    """
    eye = jnp.eye(A.shape[-1], dtype=A.dtype)
    prefix = jax.lax.scan(lambda P, a: (a @ P, P), eye, A)[1]  # P_i (product of A_j, j < i)
    suffix = jax.lax.scan(lambda Q, a: (Q @ a, Q), eye, A, reverse=True)[1]  # Q_i (j > i)
    return jnp.einsum("nij,njk,nkl->il", suffix, B, prefix)


def expansion_error(
    A: Float[Array, "n N N"], B: Float[Array, "n N N"], eps: Float[Array, " E"]
) -> tuple[Float[Array, " E"], Float[Array, " E"], Float[Array, ""]]:
    r"""``(E, normF, normF0)``: :math:`E(\varepsilon)=\|F(\varepsilon)-F(0)-\varepsilon L_F\|_F`
    and :math:`\|F(\varepsilon)\|_F` on the grid, and :math:`\|F(0)\|_F`."""
    F0 = ordered_product(A)
    L = first_order_term(A, B)
    F = jax.vmap(lambda e: ordered_product(A + e * B))(eps)
    E = jnp.linalg.norm(F - F0[None] - eps[:, None, None] * L[None], axis=(1, 2))
    return E, jnp.linalg.norm(F, axis=(1, 2)), jnp.linalg.norm(F0)


def remainder_bound(a: Float[Array, ""], b: Float[Array, ""], n: int, eps: Float[Array, " E"]) -> Float[Array, " E"]:
    r"""Spec §5 bound :math:`\|R_2\|\le(a+\varepsilon b)^n-a^n-n\varepsilon b a^{n-1}`."""
    return (a + eps * b) ** n - a**n - n * eps * b * a ** (n - 1)


def spectral_norm(M: Float[Array, "... N N"]) -> Float[Array, "..."]:
    r"""Exact :math:`\|M\|_2` (largest singular value, LAPACK SVD)."""
    return jnp.linalg.svd(M, compute_uv=False)[..., 0]


def all_pairs(J: Float[Array, "T N N"]) -> tuple[Float[Array, "L T"], Float[Array, "L T N"], Int[Array, "L T"]]:
    r"""Spectral norms and diagonals of :math:`M_{t,k}` for every pair :math:`0\le k<t\le T`.

    Returns ``(S, diag, valid)`` indexed ``[lag-1, k]``: ``S[ℓ-1, k]`` is
    :math:`\|M_{k+\ell,k}\|_2`, ``diag[ℓ-1, k]`` the diagonal of :math:`M_{k+\ell,k}`, and
    ``valid`` marks ``k + ℓ <= T``. A scan over the lag multiplies every window by one
    more Jacobian (:math:`M_{k+\ell,k}=J_{k+\ell}M_{k+\ell-1,k}`): :math:`O(T^2)` matrix
    products, the minimum for all pairs; each norm is an exact SVD.
    """
    T = J.shape[0]
    ks = jnp.arange(T)

    def body(M, lag):  # M[k] = M_{k+lag-1, k}
        idx = jnp.minimum(ks + lag - 1, T - 1)
        M = jnp.einsum("kij,kjl->kil", J[idx], M)
        valid = ks + lag <= T
        Mv = jnp.where(valid[:, None, None], M, 0.0)
        return M, (spectral_norm(Mv), jnp.diagonal(Mv, axis1=1, axis2=2), valid)

    eye = jnp.broadcast_to(jnp.eye(J.shape[-1], dtype=J.dtype), J.shape)
    return jax.lax.scan(body, eye, jnp.arange(1, T + 1))[1]


def window_product_at(
    cell: Cell, xs_prev: Float[Array, "T N"], us: Float[Array, "T Ni"], k: Int[Array, ""], lag: int
) -> Float[Array, "N N"]:
    r""":math:`M_{k+\ell,k}` of one sequence from its stored previous states (``lag`` static):
    the Jacobians of steps ``k, ..., k+ℓ-1`` are formed on the fly, so no ``(T, N, N)``
    array is ever stored (used for random windows of many probe sequences)."""
    eye = jnp.eye(cell.N, dtype=xs_prev.dtype)

    def body(M, i):
        J = state_jacobian(cell, xs_prev[k + i], us[k + i])[0]
        return J @ M, None

    return jax.lax.scan(body, eye, jnp.arange(lag))[0]
