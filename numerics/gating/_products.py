r"""Jacobian products along trajectories: transport matrices and the product expansion.

the [gating formulation][gating-formulation] §3–§5. States are 0-based, $x_0$ (initial) to $x_T$; the
Jacobian array `J[j]` is $\partial x_{j+1}/\partial x_j$ (the spec's $J_{j+1}$),
so the transport matrix over the step window `[k, t)` is

$$
M_{t,k}=J_tJ_{t-1}\cdots J_{k+1}\;=\;\texttt{J[t-1]}\cdots\texttt{J[k]},\qquad M_{t,t}=I,
$$
products in time order (later steps on the left). This is the window convention of
`numerics.core._transport`, whose prefix sums give the diagonal predictors.

| code name | symbol | meaning |
|---|---|---|
| `J`, `A`, `B` | $J_j=A_j+B_j$ | per-step Jacobians, `(T, N, N)` |
| `F0`, `L` | $F(0)$, $L_F$ | zeroth- and first-order terms of $\prod(A_j+\varepsilon B_j)$ |
| `E` | $E(\varepsilon)$ | $\|F(\varepsilon)-F(0)-\varepsilon L_F\|_F$ |
| `r` | $r_j=\|B_j\|_2/\|A_j\|_2$ | per-step size of the gate correction |
| `S` | $S_{t,k}=\|M_{t,k}\|_2$ | exact spectral norm, every pair |

**Spectral norm.** `top_singular_value` computes $\sigma_1(M)$ exactly (up to
float64 rounding, like the SVD) without the rest of the spectrum:
$\sigma_1(M)=c\sqrt{\lambda_{\max}(G)}$ with $G=(M/c)(M/c)^\top$, $c=\max_{ij}|M_{ij}|$
(the same spectrum as $(M/c)^\top(M/c)$; this order is the faster batched product here),
$G$ reduced to tridiagonal form by Householder reflections (LAPACK `sytrd`) and
$\lambda_{\max}$ found by Sturm-sequence bisection
(`jax.scipy.linalg.eigh_tridiagonal`, absolute tolerance $\epsilon\|G\|$).
Both steps are backward stable, so the relative error of $\lambda_{\max}=\|G\|_2$ is
$O(N\epsilon)$; forming $G$ adds at most $O(N\epsilon)\,\|M\|_F^2/\sigma_1^2\le O(N^2\epsilon)$
(tests: 1e-10 against the SVD on random and on trained transport products; typical 1e-15).
Squaring loses relative accuracy only for singular values below $\sim10^{-8}\sigma_1$,
which are never used. The scaling by $c\le\sigma_1$ keeps $1\le\lambda_{\max}\le N^2$,
so products far below the float64 square-root range ($\sigma_1<10^{-154}$) neither
underflow in $G$ nor lose digits; an exactly zero product gives 0. For N = 64 on a
CPU core this route is 1.2–1.4x faster than LAPACK's SVD (`gesdd`, all singular values) per
matrix (a batch of SVDs in one process may use two cores, where it is faster), and 1.8–1.9x
inside `all_pairs` (benchmark `gating-spectral-norm`); the Householder reduction
(`sytrd`, ~40 µs per matrix at N = 64) is most of its cost.
`norm="svd"` keeps the SVD route.

**On an accelerator** the LAPACK-style kernels (`sytrd`, the SVD) work through a batch
one matrix at a time, so the default there is `norm="gk"`: the Householder
bidiagonalisation and Golub–Kahan bisection of `numerics.core._bidiagonal`, in batched JAX
operations, with the same exactness (absolute error $O(N\epsilon)\sigma_1$). Measured on
an H100, the S1 probes of one trained cell took 0.17 s by this route, 4.9 s by the Gram route
and 99 s by the SVD.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.linalg import eigh_tridiagonal
from jaxtyping import Array, Bool, Float, Int

from numerics.core import default_sv_method, golub_kahan, top_from_golub_kahan
from numerics.gating._cells import Cell, diag_leak_correction, rollout, state_jacobian

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
    "top_singular_value",
    "NORMS",
    "default_norm",
]

#: Spectral-norm routes of :func:`all_pairs`: exact Gram/tridiagonal (CPU default), the SVD, or
#: the batched Golub–Kahan route of :mod:`numerics.core._bidiagonal` (accelerator default).
NORMS: tuple[str, ...] = ("gram", "svd", "gk")


def default_norm() -> str:
    """The `all_pairs` route for the current backend: `"gram"` where the vendor kernels are
    the default (`numerics.core.default_sv_method`: a CPU), `"gk"` otherwise."""
    return "gram" if default_sv_method() == "svd" else "gk"


class Trajectory(tuple):
    """`(xs_prev, gates, J, A, B, leak, rdiag)` along one input sequence (see `trajectory`)."""

    __slots__ = ()

    xs_prev = property(lambda s: s[0])
    gates = property(lambda s: s[1])
    J = property(lambda s: s[2])
    A = property(lambda s: s[3])
    B = property(lambda s: s[4])
    leak = property(lambda s: s[5])
    rdiag = property(lambda s: s[6])


def trajectory(cell: Cell, us: Float[Array, "T Ni"], x0: Float[Array, " N"] | None = None) -> Trajectory:
    r"""Run the cell and return, per step `j`: previous state $x_j$, gate
    $g_{j+1}$, the exact Jacobians `J, A, B` and the diagonal splitting
    `leak` $=1-g$ and `rdiag` $=[R]_{qq}$ (all by one `lax.scan`)."""
    x0 = jnp.zeros(cell.N, dtype=us.dtype) if x0 is None else x0

    def body(x, u):
        J, A, B = state_jacobian(cell, x, u)
        a, r = diag_leak_correction(cell, x, u)
        out = (x, cell.gate(x, u), J, A, B, a, r)
        return cell.step(x, u), out

    return Trajectory(jax.lax.scan(body, x0, us)[1])


def previous_states(cell: Cell, us: Float[Array, "T Ni"]) -> Float[Array, "T N"]:
    r"""$x_0,\dots,x_{T-1}$ (the state each step starts from), $x_0=0$."""
    xs = rollout(cell, us)
    return jnp.concatenate([jnp.zeros((1, cell.N), xs.dtype), xs[:-1]], axis=0)


def ordered_product(mats: Float[Array, "n N N"]) -> Float[Array, "N N"]:
    r"""$\prod_j$ `mats[j]` in time order, `mats[n-1] @ ... @ mats[0]`."""
    eye = jnp.eye(mats.shape[-1], dtype=mats.dtype)
    return jax.lax.scan(lambda P, m: (m @ P, None), eye, mats)[0]


def first_order_term(A: Float[Array, "n N N"], B: Float[Array, "n N N"]) -> Float[Array, "N N"]:
    r"""$L_F=\sum_i(\prod_{j>i}A_j)B_i(\prod_{j<i}A_j)$ in $O(n)$ matrix products.

    Prefix products $P_i=A_{i-1}\cdots A_0$ come from a forward scan and suffix
    products $Q_i=A_{n-1}\cdots A_{i+1}$ from a reverse scan; $L_F=\sum_iQ_iB_iP_i$.
    """
    eye = jnp.eye(A.shape[-1], dtype=A.dtype)
    prefix = jax.lax.scan(lambda P, a: (a @ P, P), eye, A)[1]  # P_i (product of A_j, j < i)
    suffix = jax.lax.scan(lambda Q, a: (Q @ a, Q), eye, A, reverse=True)[1]  # Q_i (j > i)
    return jnp.einsum("nij,njk,nkl->il", suffix, B, prefix)


def expansion_error(
    A: Float[Array, "n N N"], B: Float[Array, "n N N"], eps: Float[Array, " E"]
) -> tuple[Float[Array, " E"], Float[Array, " E"], Float[Array, ""]]:
    r"""`(E, normF, normF0)`: $E(\varepsilon)=\|F(\varepsilon)-F(0)-\varepsilon L_F\|_F$
    and $\|F(\varepsilon)\|_F$ on the grid, and $\|F(0)\|_F$."""
    F0 = ordered_product(A)
    L = first_order_term(A, B)
    F = jax.vmap(lambda e: ordered_product(A + e * B))(eps)
    E = jnp.linalg.norm(F - F0[None] - eps[:, None, None] * L[None], axis=(1, 2))
    return E, jnp.linalg.norm(F, axis=(1, 2)), jnp.linalg.norm(F0)


def remainder_bound(a: Float[Array, ""], b: Float[Array, ""], n: int, eps: Float[Array, " E"]) -> Float[Array, " E"]:
    r"""[§5][gating-s5] bound $\|R_2\|\le(a+\varepsilon b)^n-a^n-n\varepsilon b a^{n-1}$."""
    return (a + eps * b) ** n - a**n - n * eps * b * a ** (n - 1)


def spectral_norm(M: Float[Array, "*b N N"]) -> Float[Array, "*b"]:
    r"""Exact $\|M\|_2$ (largest singular value, LAPACK SVD)."""
    return jnp.linalg.svd(M, compute_uv=False)[..., 0]


def _gram_tridiagonal(M: Float[Array, "... N N"]):
    r"""`(c, d, e)`: scale $c=\max|M_{ij}|$ and the tridiagonal form (diagonal `d`,
    off-diagonal `e`) of $G=(M/c)(M/c)^\top$, orthogonally similar to $G$."""
    c = jnp.max(jnp.abs(M), axis=(-2, -1))
    Ms = M / jnp.where(c > 0, c, 1.0)[..., None, None]
    G = jnp.einsum("...ij,...kj->...ik", Ms, Ms)
    _, d, e, _ = jax.lax.linalg.tridiagonal(G)
    return c, d, e


def _top_from_tridiagonal(c, d, e):
    r"""$c\sqrt{\lambda_{\max}}$ of the tridiagonal matrices `(d, e)` (any batch shape)."""
    n = d.shape[-1]
    if n == 1:
        return c * jnp.sqrt(jnp.maximum(d[..., 0], 0.0))
    top = jax.vmap(
        lambda dd, ee: eigh_tridiagonal(dd, ee, eigvals_only=True, select="i", select_range=(n - 1, n - 1))[0]
    )
    lam = top(d.reshape(-1, n), e.reshape(-1, n - 1)).reshape(d.shape[:-1])
    return c * jnp.sqrt(jnp.maximum(lam, 0.0))


def top_singular_value(M: Float[Array, "*b N N"], norm: str | None = None) -> Float[Array, "*b"]:
    r"""Exact $\sigma_1(M)=\|M\|_2$: `norm="gram"` by the scaled Gram matrix, Householder
    tridiagonalisation and Sturm bisection (module docstring: error bound, underflow); `"gk"`
    by the batched Golub–Kahan route (`numerics.core._bidiagonal`);
    `"svd"` by `spectral_norm`; `None`: `default_norm` (`"gram"` on a CPU,
    `"gk"` on an accelerator)."""
    reduce, finish = _route(norm)
    return finish(reduce(M))


def _route(norm: str | None):
    """`(reduce, finish)` of a spectral-norm route: `finish(reduce(M)) = ||M||_2`. `reduce`
    is the per-matrix work, `finish` the bisection, which `all_pairs` runs once after its scan."""
    norm = default_norm() if norm is None else norm
    if norm not in NORMS:
        raise ValueError(f"norm={norm!r} is not allowed; allowed: {', '.join(NORMS)}")
    return {
        "gram": (_gram_tridiagonal, lambda r: _top_from_tridiagonal(*r)),
        "gk": (golub_kahan, lambda r: top_from_golub_kahan(*r)),
        "svd": (spectral_norm, lambda r: r),
    }[norm]


def all_pairs(
    J: Float[Array, "T N N"], norm: str | None = None
) -> tuple[Float[Array, "T T"], Float[Array, "T T N"], Bool[Array, "T T"]]:
    r"""Spectral norms and diagonals of $M_{t,k}$ for every pair $0\le k<t\le T$.

    Returns `(S, diag, valid)` indexed `[lag-1, k]`: `S[ℓ-1, k]` is
    $\|M_{k+\ell,k}\|_2$, `diag[ℓ-1, k]` the diagonal of $M_{k+\ell,k}$, and
    `valid` marks `k + ℓ <= T` (invalid entries are 0).

    Only the $T(T+1)/2$ valid windows are formed and normed: lane `p` of a scan
    of $T+1$ steps extends the windows starting at $k=p$ (lags
    $1,\dots,T-p$) and then, from the identity again, those starting at
    $k=T-1-p$ (lags $1,\dots,p+1$), each by one more Jacobian
    ($M_{k+\ell,k}=J_{k+\ell}M_{k+\ell-1,k}$): $O(T^2)$ matrix products, the
    minimum for all pairs, on $\lceil T/2\rceil$ lanes with no padding (odd `T`: the
    middle start is done twice). `norm` is `"gram"` (`top_singular_value`'s CPU route),
    `"gk"` (its accelerator route) or `"svd"` (`spectral_norm`), all exact to float64
    rounding; the bisections of `"gram"` and `"gk"` run once on all windows after the scan.
    `None` picks `default_norm`.
    """
    reduce, finish = _route(norm)
    T, N = J.shape[0], J.shape[-1]
    P = (T + 1) // 2
    lane = jnp.arange(P)
    first_len = T - lane  # windows of start p; start T-1-p follows with p+1 windows
    eye = jnp.eye(N, dtype=J.dtype)

    def body(M, s):
        first = s < first_len
        start = jnp.where(first, lane, T - 1 - lane)
        lag = jnp.where(first, s + 1, s - first_len + 1)
        M = jnp.where((s == first_len)[:, None, None], eye, M)
        M = jnp.einsum("pij,pjl->pil", J[start + lag - 1], M)
        normed = reduce(M)
        return M, (start, lag, normed, jnp.diagonal(M, axis1=1, axis2=2))

    M0 = jnp.broadcast_to(eye, (P, N, N))
    start, lag, normed, dg = jax.lax.scan(body, M0, jnp.arange(T + 1))[1]
    S = finish(normed)
    at = (lag - 1, start)
    return (
        jnp.zeros((T, T), J.dtype).at[at].set(S),
        jnp.zeros((T, T, N), J.dtype).at[at].set(dg),
        jnp.zeros((T, T), bool).at[at].set(True),
    )


def window_product_at(
    cell: Cell, xs_prev: Float[Array, "T N"], us: Float[Array, "T Ni"], k: Int[Array, ""], lag: int
) -> Float[Array, "N N"]:
    r"""$M_{k+\ell,k}$ of one sequence from its stored previous states (`lag` static):
    the Jacobians of steps `k, ..., k+ℓ-1` are formed on the fly, so no `(T, N, N)`
    array is ever stored (used for random windows of many probe sequences)."""
    eye = jnp.eye(cell.N, dtype=xs_prev.dtype)

    def body(M, i):
        J = state_jacobian(cell, xs_prev[k + i], us[k + i])[0]
        return J @ M, None

    return jax.lax.scan(body, eye, jnp.arange(lag))[0]
