r"""Linear RNN learning a filtered-noise target: closed-form population loss and gradients.

the [integrator formulation][integrator-formulation] §2–§5, §7, §10 (arXiv:2503.18754; the formulation is the toolkit's).
Continuous time $\dot h=-h+Wh+ux(t)$, $y=s\,v^\top h$, white-noise input;
discrete time (`time='discrete'`) $h_n=Wh_{n-1}+ux_n$. With $A=W-I$:

$$
L=\tfrac12\big[s^2v^\top Pv-2s\,v^\top Xc_s+c_s^\top P_sc_s\big],\quad
\partial_vL=s^2Pv-sXc_s,\quad\partial_uL=s^2Q_ou-sYb_s,\quad\partial_WL=s^2Q_oP-sYX^\top,
$$
$AP+PA^\top+uu^\top=0$, $A^\top Q_o+Q_oA+vv^\top=0$, $AX+XA_s^\top+ub_s^\top=0$,
$A^\top Y+YA_s+vc_s^\top=0$. Discrete time: $P=WPW^\top+uu^\top$, $Q=W^\top QW+vv^\top$,
$X=WXA_s^\top+ub_s^\top$, $Y=W^\top YA_s+vc_s^\top$ and
$\partial_WL=s^2QWP-sYA_sX^\top$ (the other two unchanged). Gradients are the explicit
adjoint formulas (never autodiff through the solver in production).

**Stability guard** (§3, §10). Past $\max\operatorname{Re}\lambda(W)=1$ the formulas
return finite, often negative, numbers. Eager entry points (`population_loss`,
`loss_and_grads`) check the spectrum on the host and raise
`numerics.core.UnstableNetworkError`. Traced code uses the in-graph certificate
`ok` of the doubling solver (it converges iff $A$ is Hurwitz, see
`numerics.core._lyapunov`) plus nonnegative diagonals of $P,Q_o$; it costs nothing extra
and needs no eigenvalues (which have no GPU kernel and no autodiff).

| code name | symbol | meaning |
|---|---|---|
| `W, u, v` | $W,u,v$ | recurrent weights, read-in, readout |
| `s` | $s$ | readout scale (`'mean_field'` $1/N$, `'ntk'` $1/\sqrt N$) |
| `rates` | $\eta_W/\eta,\eta_u/\eta,\eta_v/\eta$ | per-group relative rates |
| `P, Q, X, Y` | $P,Q_o,X,Y$ | Gramians and cross-Gramians |
| `Qcons` | $\mathcal Q$ | conserved matrix (§4) |
| `a, b, M, E` | $a,b,M,E$ | reduced coordinates and basis (§5.1) |
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, PRNGKeyArray

from numerics import core
from numerics.core import UnstableNetworkError, require_x64
from numerics.integrator._targets import Target

__all__ = [
    "Params",
    "Rates",
    "Gramians",
    "init_params",
    "readout_scale",
    "default_rates",
    "gramians",
    "loss_core",
    "loss_and_grads_core",
    "population_loss",
    "loss_and_grads",
    "conserved_Q",
    "reduce_from_network",
    "max_re_eig",
    "check_stable",
    "readout_only",
]

Time = Literal["continuous", "discrete"]


class Params(eqx.Module):
    """Trainable parameters $(W,u,v)$ (also the reduced $(M,a,b)$ at `N=2`).

    The fields may carry leading axes `*batch` (draws, saved states), are NumPy arrays in the
    host summaries of `series`, and are the group names `"W"`, `"u"`, `"v"` in the label tree
    of `optimizer`."""

    W: Float[ArrayLike, "*batch n n"] | str
    u: Float[ArrayLike, "*batch n"] | str
    v: Float[ArrayLike, "*batch n"] | str


class Rates(NamedTuple):
    r"""Relative per-group rates $(\eta_W,\eta_u,\eta_v)/\eta$ (0-d arrays inside a traced step)."""

    W: float | Float[Array, ""]
    u: float | Float[Array, ""]
    v: float | Float[Array, ""]


class Gramians(NamedTuple):
    P: Array
    Q: Array
    X: Array
    Y: Array
    var_star: Array  # c_s^T P_s c_s
    ok: Array


def init_params(key: PRNGKeyArray, N: int, sigma: float, eps: float = 1.0) -> Params:
    r"""$W_0=\sigma G/\sqrt N$, $u_0,v_0\sim\mathcal N(0,\varepsilon^2I)$; keys split in the order W, u, v."""
    require_x64("init_params")
    if int(N) < 2:
        raise ValueError(f"N={N} is not allowed; need N >= 2")
    if not 0 <= sigma < 1:
        raise ValueError(f"sigma={sigma} is not allowed; need 0 <= sigma < 1")
    kW, ku, kv = jax.random.split(key, 3)
    return Params(
        W=sigma * jax.random.normal(kW, (N, N)) / math.sqrt(N),
        u=eps * jax.random.normal(ku, (N,)),
        v=eps * jax.random.normal(kv, (N,)),
    )


def readout_scale(N: int, s: float | str) -> float:
    """`'mean_field'` → 1/N, `'ntk'` → 1/√N, or a positive float as given."""
    if s == "mean_field":
        return 1.0 / N
    if s == "ntk":
        return 1.0 / math.sqrt(N)
    if isinstance(s, str) or not (float(s) > 0 and math.isfinite(float(s))):
        raise ValueError(f"readout scale s={s!r} is not allowed; 'mean_field', 'ntk' or a finite float > 0")
    return float(s)


def default_rates(N: int, s: float | str) -> Rates:
    r"""§2 defaults: $(1,N,N)$ for $s=1/N$; $(1/N,1,1)$ for $s=1/\sqrt N$; else $(1,1,1)$."""
    sv = readout_scale(N, s)
    if math.isclose(sv, 1.0 / N):
        return Rates(1.0, float(N), float(N))
    if math.isclose(sv, 1.0 / math.sqrt(N)):
        return Rates(1.0 / N, 1.0, 1.0)
    return Rates(1.0, 1.0, 1.0)


def gramians(params: Params, target: Target, time: Time = "continuous", iterations: int | None = None) -> Gramians:
    """All Gramians of §3 plus the in-graph stability certificate `ok`."""
    W, u, v = params.W, params.u, params.v
    As, bs, cs = target
    m = As.shape[0]
    kw = {} if iterations is None else {"iterations": iterations}
    if time == "continuous":
        A = W - jnp.eye(W.shape[0], dtype=W.dtype)
        if m == 1:  # scalar target: one shared LU (see lyapunov.gramians_scalar_target)
            P, Q, X, Y, ok = core.gramians_scalar_target(A, u, v, As[0, 0], bs[0], cs[0], **kw)
        else:
            P, Q, ok = core.lyapunov_pair(A, u, v, **kw)
            X, Y = core.cross_gramians(A, As, u, bs, v, cs)
        if m == 1:  # A_s P_s + P_s A_s + b_s^2 = 0
            Ps = -jnp.outer(bs, bs) / (2 * As)
        else:
            Ks = jnp.kron(jnp.eye(m), As) + jnp.kron(As, jnp.eye(m))
            Ps = jnp.linalg.solve(Ks, -jnp.outer(bs, bs).reshape(-1)).reshape(m, m)
    elif time == "discrete":
        P, Q, ok = core.stein_pair(W, u, v, **kw)
        X, Y = core.discrete_cross_gramians(W, As, u, bs, v, cs)
        Ps = jnp.linalg.solve(jnp.eye(m * m) - jnp.kron(As, As), jnp.outer(bs, bs).reshape(-1)).reshape(m, m)
    else:
        raise ValueError(f"time={time!r}; allowed: 'continuous', 'discrete'")
    # secondary guard: a PSD Gramian has a nonnegative diagonal (zeros are legitimate, e.g. W = 0)
    tol = 1e-12
    ok = (
        ok
        & (jnp.min(jnp.diag(P)) >= -tol * jnp.max(jnp.diag(P)))
        & (jnp.min(jnp.diag(Q)) >= -tol * jnp.max(jnp.diag(Q)))
    )
    return Gramians(P, Q, X, Y, cs @ Ps @ cs, ok)


def _loss(g: Gramians, params: Params, target: Target, s: float | Float[Array, ""]) -> Float[Array, ""]:
    v = params.v
    return 0.5 * (s**2 * v @ g.P @ v - 2 * s * v @ (g.X @ target.cs) + g.var_star)


def loss_core(
    params: Params,
    target: Target,
    s: float | Float[Array, ""],
    time: Time = "continuous",
    iterations: int | None = None,
) -> tuple[Float[Array, ""], Bool[Array, ""]]:
    """Traceable `(L, ok)`; `L` is NaN when the stability certificate fails."""
    g = gramians(params, target, time, iterations)
    return jnp.where(g.ok, _loss(g, params, target, s), jnp.nan), g.ok


def loss_and_grads_core(
    params: Params, target: Target, s: float | Float[Array, ""], time: Time = "continuous"
) -> tuple[Float[Array, ""], Params, Bool[Array, ""]]:
    """Traceable `(L, grads, ok)` from the explicit adjoint formulas of §3."""
    g = gramians(params, target, time)
    W, u, v = params.W, params.u, params.v
    Xc, Yb = g.X @ target.cs, g.Y @ target.bs
    if time == "continuous":
        gW = s**2 * g.Q @ g.P - s * g.Y @ g.X.T
    else:
        gW = s**2 * g.Q @ W @ g.P - s * g.Y @ target.As @ g.X.T
    grads = Params(W=gW, u=s**2 * g.Q @ u - s * Yb, v=s**2 * g.P @ v - s * Xc)
    L = _loss(g, params, target, s)
    return L, grads, g.ok


def max_re_eig(W: Float[ArrayLike, "n n"], time: Time = "continuous") -> float:
    r"""Host $\max\operatorname{Re}\lambda(W)$ (continuous) or spectral radius (discrete);
    monitoring only, never differentiated. The stable region is `< 1` in both cases."""
    lam = np.linalg.eigvals(np.asarray(W))
    return float(np.max(lam.real) if time == "continuous" else np.max(np.abs(lam)))


def check_stable(params: Params, time: Time = "continuous", t: float = float("nan"), where: str = "") -> None:
    """Raise `UnstableNetworkError` if $\\max\\operatorname{Re}\\lambda(W)\\ge1$ (host eigenvalues)."""
    lam = max_re_eig(params.W, time)
    if not lam < 1.0:
        raise UnstableNetworkError(t, lam, where=where)


def _is_traced(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def population_loss(
    params: Params, target: Target, s: float | str = "mean_field", time: Time = "continuous"
) -> Float[Array, ""]:
    """Closed-form population loss; raises `UnstableNetworkError` eagerly when unstable
    (under a trace it returns NaN instead)."""
    sv = readout_scale(params.W.shape[0], s)
    if not _is_traced(params.W):
        check_stable(params, time, where="population_loss")
    L, ok = loss_core(params, target, sv, time)
    if not _is_traced(params.W) and not bool(ok):
        raise UnstableNetworkError(float("nan"), max_re_eig(params.W, time), where="population_loss (doubling)")
    return L


def loss_and_grads(
    params: Params, target: Target, s: float | str = "mean_field", time: Time = "continuous"
) -> tuple[Float[Array, ""], Params]:
    """`(L, grads)` by the adjoint formulas; raises eagerly when unstable (NaN under a trace)."""
    sv = readout_scale(params.W.shape[0], s)
    if not _is_traced(params.W):
        check_stable(params, time, where="loss_and_grads")
    L, grads, ok = loss_and_grads_core(params, target, sv, time)
    if not _is_traced(params.W) and not bool(ok):
        raise UnstableNetworkError(float("nan"), max_re_eig(params.W, time), where="loss_and_grads (doubling)")
    nan = jnp.where(ok, 1.0, jnp.nan)
    return L * nan, jax.tree.map(lambda x: x * nan, grads)


def conserved_Q(params: Params, rates: Rates) -> Float[Array, "n n"]:
    r"""$\mathcal Q=uu^\top/\eta_u-vv^\top/\eta_v+(WW^\top-W^\top W)/\eta_W$ (relative rates; §4)."""
    W, u, v = params.W, params.u, params.v
    return jnp.outer(u, u) / rates.u - jnp.outer(v, v) / rates.v + (W @ W.T - W.T @ W) / rates.W


def reduce_from_network(u0: Float[Array, " n"], v0: Float[Array, " n"]) -> tuple[Params, Float[Array, "n 2"]]:
    r"""§5.1: `(Params(M=0, u=a, v=b), E)` with $e_1=u_0/|u_0|$, $e_2\propto v_0-(v_0\cdot e_1)e_1$,
    $a=(|u_0|,0)/\sqrt N$, $b=(v_0\cdot e_1,|v_0-(v_0\cdot e_1)e_1|)/\sqrt N$, so
    $u=\sqrt NEa$, $v=\sqrt NEb$, $W=EME^\top$."""
    N = u0.shape[0]
    e1 = u0 / jnp.linalg.norm(u0)
    w = v0 - (v0 @ e1) * e1
    e2 = w / jnp.linalg.norm(w)
    a = jnp.array([jnp.linalg.norm(u0), 0.0]) / math.sqrt(N)
    b = jnp.array([v0 @ e1, jnp.linalg.norm(w)]) / math.sqrt(N)
    return Params(W=jnp.zeros((2, 2)), u=a, v=b), jnp.stack([e1, e2], axis=1)


def readout_only(
    params0: Params,
    target: Target,
    ts: Float[ArrayLike, " T"],
    s: float | str = "mean_field",
    rate_v: float | None = None,
) -> dict[str, np.ndarray]:
    r"""Readout-only flow with $W=W_0$, $u=u_0$ fixed, solved exactly (§7).

    $\dot v=-r_v\partial_vL=-(Gv-g)$ with $G=r_vs^2P$ (symmetric PSD), $g=r_vsXc_s$
    ($G=P/N$, $g=A_\star R^{-1}u$ for $s=1/N$, $r_v=N$). In the eigenbasis
    $G=\sum_i\gamma_iq_iq_i^\top$: $v(t)=v_0+\sum_iq_i\,q_i^\top(Gv_0-g)\,\mathrm{expm1}(-\gamma_it)/\gamma_i$
    ($\to-t$ as $\gamma_i\to0$). Returns `{'ts', 'loss', 'v'}`.
    """
    N = params0.W.shape[0]
    sv = readout_scale(N, s)
    rv = default_rates(N, s).v if rate_v is None else float(rate_v)
    check_stable(params0, where="readout_only")
    g = gramians(params0, target)
    G = rv * sv**2 * g.P
    gvec = rv * sv * g.X @ target.cs
    gam, Qm = jnp.linalg.eigh(G)
    c = Qm.T @ (G @ params0.v - gvec)
    ts = jnp.asarray(ts, jnp.float64)
    safe = jnp.where(gam > 1e-300, gam, 1.0)
    fac = jnp.where(gam[None] > 1e-300, jnp.expm1(-gam[None] * ts[:, None]) / safe[None], -ts[:, None])
    vs = params0.v[None] + (fac * c[None]) @ Qm.T
    loss = jax.vmap(lambda v: _loss(g, Params(params0.W, params0.u, v), target, sv))(vs)
    return {"ts": np.asarray(ts), "loss": np.asarray(loss), "v": np.asarray(vs)}
