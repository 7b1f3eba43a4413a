r"""Lyapunov, Sylvester and Stein solvers from matmuls: Cayley transform plus Smith doubling.

the [integrator formulation][integrator-formulation] §3 "Solvers". The continuous Lyapunov equation

$$
AP+PA^\top+G=0
$$
is mapped by the Cayley transform with shift $\mu>0$ (default 1) to the Stein
equation $P=A_dPA_d^\top+G_d$,

$$
A_d=(A-\mu I)^{-1}(A+\mu I),\qquad G_d=2\mu(A-\mu I)^{-1}G(A-\mu I)^{-\top},
$$
(from $(A-\mu)P(A-\mu)^\top-(A+\mu)P(A+\mu)^\top=-2\mu(AP+PA^\top)$), whose solution
$P=\sum_{j\ge0}A_d^jG_dA_d^{j\top}$ is summed by **doubling**:
$P\leftarrow P+A_kPA_k^\top$, $A_{k+1}=A_k^2$; after $k$ steps
$P$ holds $2^k$ terms. The Sylvester equation $AX+XB+C=0$ is handled the
same way with $B_d=(B+\mu)(B-\mu)^{-1}$.

Why this solver (and not Bartels–Stewart or eigenvectors):

* **GPU-friendly**: one LU factorisation plus $O(\log)$ dense matmuls; no Schur
  form (LAPACK `gees` has no GPU kernel) and no host round-trip.
* **No eigenvectors**: a non-diagonalisable $W$ (double eigenvalue when a
  conjugate pair is born, [§6][integrator-s6]) is harmless; eigenvector formulas blow up there.
* **Cost** $O(N^3)$ per doubling, about 5–11 doublings for outliers up to
  $\operatorname{Re}\lambda(W)=0.99$ (the Cayley image has spectral radius
  $\approx 1-2\delta/\mu$ for a real eigenvalue at distance $\delta$ from the
  imaginary axis, and $\rho^{2^k}$ falls below $10^{-16}$ after
  $k\approx\log_2(18/\delta)$ steps).
* **A stability certificate**: $\rho(A_d)<1$ iff $A$ is Hurwitz, so the
  iteration converges iff $A$ is Hurwitz; otherwise $A_k$ grows and the
  relative increment never falls below the tolerance. The returned `ok` flag is
  therefore a cheap in-graph stability test (used by the training guard).

Convergence: `lax.while_loop` until the relative Frobenius increment
$\lVert A_kPA_k^\top\rVert_F/\lVert P\rVert_F\le$ `rtol` or `maxit` doublings.
`while_loop` is not reverse-differentiable; pass `iterations=k` for a fixed number of
doublings (a `fori_loop` with static trip count) when differentiating through the
solver (tests only; production gradients use adjoint formulas).

Cross-Gramians (`cross_gramians`) couple the $N$-dimensional network with the
$n_s$-dimensional target ($n_s\le$ a few). They are solved **exactly** in
Kronecker form, $(I_{n_s}\otimes A+A_s\otimes I_N)\,\mathrm{vec}X=-\mathrm{vec}(ub_s^\top)$:
an $Nn_s$ real linear system, whose *transpose* is the adjoint equation for
$Y$, so one LU gives both. This stays real for the oscillator (whose $A_s$ has
complex eigenvalues), needs no eigendecomposition (which has no GPU kernel and fails for
defective $A_s$), and costs $O((Nn_s)^3)$, below one doubling sweep for
$n_s\le3$. The alternative of diagonalising $A_s$ (`method="eig"`, $n_s$
complex shifted solves $(A+\lambda_jI)x_j=-u\,(b_s^\top V)_j$, then
$X=\mathrm{Re}[\tilde XV^{-1}]$) is cheaper for large $Nn_s$ and offered for
diagonalisable targets.

| code name | symbol | meaning |
|---|---|---|
| `A` | $A=W-I$ | state matrix (continuous time) |
| `W` | $W$ | state matrix (discrete time, Stein) |
| `G` | $G$ | right-hand side (`u u^T`) |
| `mu` | $\mu$ | Cayley shift |
| `As, bs, cs` | $A_s,b_s,c_s$ | target realisation |
| `P, Q` | $P,Q_o$ | controllability / observability Gramians |
| `X, Y` | $X,Y$ | cross-Gramians |
"""

from __future__ import annotations

from typing import Literal

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jaxtyping import Array, Bool, Float

__all__ = [
    "cayley",
    "doubling",
    "lyapunov",
    "lyapunov_pair",
    "gramians_scalar_target",
    "sylvester",
    "stein",
    "stein_pair",
    "cross_gramians",
    "discrete_cross_gramians",
]

RTOL = 1e-15
MAXIT = 64


def _rel(d: Array, p: Array) -> Array:
    return jnp.linalg.norm(d) / jnp.linalg.norm(p)


def doubling(
    Ad: Float[Array, "n n"],
    Bd: Float[Array, "m m"],
    Cs: tuple[Float[Array, "n m"], ...],
    *,
    transpose_pair: bool = False,
    rtol: float = RTOL,
    maxit: int = MAXIT,
    iterations: int | None = None,
) -> tuple[tuple[Float[Array, "n m"], ...], Bool[Array, ""]]:
    r"""Sum $X=\sum_j A_d^jC\,B_d^j$ for each `C` in `Cs` by doubling.

    With `transpose_pair=True` (square, two right-hand sides) the second sum uses
    $A_d^\top,B_d^\top$ instead, so a Gramian and its adjoint share the squarings.
    Returns `(Xs, ok)`; `ok` iff the relative increment reached `rtol` (within
    `maxit`) and everything is finite. `iterations=k` runs exactly `k` doublings
    (reverse-differentiable) and reports `ok` from the last increment.
    """

    def step(carry):
        k, A, B, Xs, _ = carry
        if transpose_pair:
            d0 = A @ Xs[0] @ B
            d1 = A.T @ Xs[1] @ B.T
            ds = (d0, d1)
        else:
            ds = tuple(A @ X @ B for X in Xs)
        Xs = tuple(X + d for X, d in zip(Xs, ds))
        rel = jnp.max(jnp.stack([_rel(d, X) for d, X in zip(ds, Xs)]))
        A2 = A @ A
        return k + 1, A2, (A2.T if transpose_pair else B @ B), Xs, rel

    init = (jnp.asarray(0), Ad, Bd, tuple(Cs), jnp.asarray(jnp.inf, Ad.dtype))
    if iterations is None:
        k, _, _, Xs, rel = jax.lax.while_loop(lambda c: (c[0] < maxit) & (c[4] > rtol), step, init)
        ok = rel <= rtol
    else:
        k, _, _, Xs, rel = jax.lax.fori_loop(0, iterations, lambda i, c: step(c), init)
        ok = rel <= max(rtol, 1e-12)
    ok = ok & jnp.all(jnp.stack([jnp.all(jnp.isfinite(X)) for X in Xs]))
    return Xs, ok


def cayley(A: Float[Array, "n n"], mu: float | Float[Array, ""] = 1.0):
    r"""`(lu, Ad)`: LU factors of $A-\mu I$ and $A_d=(A-\mu I)^{-1}(A+\mu I)$."""
    eye = jnp.eye(A.shape[0], dtype=A.dtype)
    lu = jsl.lu_factor(A - mu * eye)
    return lu, jsl.lu_solve(lu, A + mu * eye)


def lyapunov(
    A: Float[Array, "n n"], G: Float[Array, "n n"], *, mu: float = 1.0, **kw
) -> tuple[Float[Array, "n n"], Bool[Array, ""]]:
    r"""Solve $AP+PA^\top+G=0$ (`A` Hurwitz). Returns `(P, ok)`."""
    lu, Ad = cayley(A, mu)
    Z = jsl.lu_solve(lu, G)
    Gd = 2 * mu * jsl.lu_solve(lu, Z.T).T
    (P,), ok = doubling(Ad, Ad.T, (Gd,), **kw)
    return P, ok


def lyapunov_pair(
    A: Float[Array, "n n"], u: Float[Array, " n"], v: Float[Array, " n"], *, mu: float = 1.0, **kw
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Bool[Array, ""]]:
    r"""Both Gramians of a rank-one pair in one doubling loop:

    $AP+PA^\top+uu^\top=0$ and $A^\top Q+QA+vv^\top=0$. The Cayley image of
    $A^\top$ is $A_d^\top$, so the squarings are shared. Returns `(P, Q, ok)`.
    """
    lu, Ad = cayley(A, mu)
    pu = jsl.lu_solve(lu, u)
    qv = jsl.lu_solve(lu, v, trans=1)
    (P, Q), ok = doubling(Ad, Ad.T, (2 * mu * jnp.outer(pu, pu), 2 * mu * jnp.outer(qv, qv)), transpose_pair=True, **kw)
    return P, Q, ok


def gramians_scalar_target(
    A: Float[Array, "n n"],
    u: Float[Array, " n"],
    v: Float[Array, " n"],
    a: Float[Array, ""],
    b: Float[Array, ""],
    c: Float[Array, ""],
    **kw,
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Float[Array, "n 1"], Float[Array, "n 1"], Bool[Array, ""]]:
    r"""All four Gramians for a scalar target $A_s=a<0$ with **one** LU.

    With the Cayley shift $\mu=-a>0$ the factorised matrix $A-\mu I=A+aI$ is
    exactly the cross-Gramian operator, so $X=-(A+aI)^{-1}u\,b$ and
    $Y=-(A+aI)^{-\top}v\,c$ come from the solves that `lyapunov_pair` needs anyway
    ($p_u,q_v$). Any $\mu>0$ is a valid Cayley shift; $\mu=-a$ maps a
    learned outlier at $\lambda(A)=a$ to $0$. One LU per gradient instead of two.
    Returns `(P, Q, X, Y, ok)`; `ok` is also false when $a\ge0$.
    """
    mu = -a
    lu, Ad = cayley(A, mu)
    pu = jsl.lu_solve(lu, u)
    qv = jsl.lu_solve(lu, v, trans=1)
    (P, Q), ok = doubling(Ad, Ad.T, (2 * mu * jnp.outer(pu, pu), 2 * mu * jnp.outer(qv, qv)), transpose_pair=True, **kw)
    return P, Q, -(pu * b)[:, None], -(qv * c)[:, None], ok & (mu > 0)


def sylvester(
    A: Float[Array, "n n"], B: Float[Array, "m m"], C: Float[Array, "n m"], *, mu: float = 1.0, **kw
) -> tuple[Float[Array, "n m"], Bool[Array, ""]]:
    r"""Solve $AX+XB+C=0$ (`A`, `B` Hurwitz) by Cayley + doubling:
    $X=A_dXB_d+2\mu(A-\mu)^{-1}C(B-\mu)^{-1}$. Returns `(X, ok)`."""
    luA, Ad = cayley(A, mu)
    luB, BdT = cayley(B.T, mu)  # (B^T - mu)^{-1}(B^T + mu) = B_d^T
    Cd = 2 * mu * jsl.lu_solve(luB, jsl.lu_solve(luA, C).T).T
    (X,), ok = doubling(Ad, BdT.T, (Cd,), **kw)
    return X, ok


def stein(W: Float[Array, "n n"], G: Float[Array, "n n"], **kw) -> tuple[Float[Array, "n n"], Bool[Array, ""]]:
    r"""Solve the discrete Lyapunov (Stein) equation $P=WPW^\top+G$ by doubling
    (converges iff the spectral radius of `W` is below 1). Returns `(P, ok)`."""
    (P,), ok = doubling(W, W.T, (G,), **kw)
    return P, ok


def stein_pair(
    W: Float[Array, "n n"], u: Float[Array, " n"], v: Float[Array, " n"], **kw
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Bool[Array, ""]]:
    r"""$P=WPW^\top+uu^\top$ and $Q=W^\top QW+vv^\top$ in one loop."""
    (P, Q), ok = doubling(W, W.T, (jnp.outer(u, u), jnp.outer(v, v)), transpose_pair=True, **kw)
    return P, Q, ok


def _kron_solve(K, rhs_x, rhs_y, n, m):
    """Solve `K vec X = rhs_x` and `K^T vec Y = rhs_y` (column-major vec) with one LU."""
    lu = jsl.lu_factor(K)
    x = jsl.lu_solve(lu, rhs_x.T.reshape(-1))
    y = jsl.lu_solve(lu, rhs_y.T.reshape(-1), trans=1)
    return x.reshape(m, n).T, y.reshape(m, n).T


def cross_gramians(
    A: Float[Array, "n n"],
    As: Float[Array, "m m"],
    u: Float[Array, " n"],
    bs: Float[Array, " m"],
    v: Float[Array, " n"],
    cs: Float[Array, " m"],
    method: Literal["kron", "eig"] = "kron",
) -> tuple[Float[Array, "n m"], Float[Array, "n m"]]:
    r"""`(X, Y)` with $AX+XA_s^\top+ub_s^\top=0$ and $A^\top Y+YA_s+vc_s^\top=0$.

    `method="kron"`: $K=I_m\otimes A+A_s\otimes I_n$, $K\,\mathrm{vec}X=-\mathrm{vec}(ub_s^\top)$,
    $K^\top\mathrm{vec}Y=-\mathrm{vec}(vc_s^\top)$ (one real LU). `method="eig"`:
    $A_s^\top=V\Lambda V^{-1}$ (complex), columns of $XV$ solve
    $(A+\lambda_jI)x_j=-u(b_s^\top V)_j$; requires a diagonalisable $A_s$.
    """
    n, m = A.shape[0], As.shape[0]
    if method == "kron":
        K = jnp.kron(jnp.eye(m, dtype=A.dtype), A) + jnp.kron(As, jnp.eye(n, dtype=A.dtype))
        return _kron_solve(K, -jnp.outer(u, bs), -jnp.outer(v, cs), n, m)
    if method != "eig":
        raise ValueError(f"method={method!r}; allowed: 'kron', 'eig'")
    lam, V = jnp.linalg.eig(As.T)  # As^T V = V diag(lam)
    Vi = jnp.linalg.inv(V)
    eye = jnp.eye(n, dtype=lam.dtype)
    Ac = A.astype(lam.dtype)
    # X V: (A + lam_j) x_j = -u (bs^T V)_j ;  Y: A^T Y + Y As = -v cs^T, As = (V^{-1})^T lam V^T
    cx = bs.astype(lam.dtype) @ V
    xt = jax.vmap(lambda l, c: jnp.linalg.solve(Ac + l * eye, -u * c), out_axes=1)(lam, cx)
    Wt = Vi.T  # As (Vi^T) = Vi^T diag(lam)  (right eigenvectors of As)
    cy = cs.astype(lam.dtype) @ Wt
    yt = jax.vmap(lambda l, c: jnp.linalg.solve(Ac.T + l * eye, -v * c), out_axes=1)(lam, cy)
    return jnp.real(xt @ Vi), jnp.real(yt @ jnp.linalg.inv(Wt))


def discrete_cross_gramians(
    W: Float[Array, "n n"],
    As: Float[Array, "m m"],
    u: Float[Array, " n"],
    bs: Float[Array, " m"],
    v: Float[Array, " n"],
    cs: Float[Array, " m"],
) -> tuple[Float[Array, "n m"], Float[Array, "n m"]]:
    r"""`(X, Y)` with $X=WXA_s^\top+ub_s^\top$ and $Y=W^\top YA_s+vc_s^\top$
    (Kronecker form $(I-A_s\otimes W)\mathrm{vec}X=\mathrm{vec}(ub_s^\top)$, transpose for
    $Y$; one LU)."""
    n, m = W.shape[0], As.shape[0]
    K = jnp.eye(n * m, dtype=W.dtype) - jnp.kron(As, W)
    return _kron_solve(K, jnp.outer(u, bs), jnp.outer(v, cs), n, m)
