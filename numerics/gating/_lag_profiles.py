r"""Lag-dependent effective learning rates: exact transport against the diagonal theory.

the [gating formulation][gating-formulation] §4–§6 and experiment S1. For one probe sequence and every pair
$0\le k<t\le T$ this module returns the exact transport norm
$S_{t,k}=\|M_{t,k}\|_2$, the zeroth-order predictors $\prod g$ and
$\prod(1-g)$ (mean over neurons), and the comparison of the exact diagonal
$[M_{t,k}]_{qq}$ with the first-order diagonal theory
$\mu^{(0)}+\mu^{(1)}$ (`numerics.core.first_order_diagonal`), together with
the rigorous remainder bound of the diagonal splitting $J_j=\Lambda_j+R_j$:

$$
\big|[M]_{qq}-\mu^{(0)}-\mu^{(1)}\big|\le\prod_j(a_j+b_j)-\prod_ja_j-\Big(\prod_ja_j\Big)\sum_i\frac{b_i}{a_i},
\qquad a_j=\|\Lambda_j\|_2,\ b_j=\|R_j\|_2,
$$
the per-step form of [§5][gating-s5]'s bound (sum over all index sets of size ≥ 2).

`lag_gradients` splits the exact BPTT gradient of the input weights by lag with
autodiff (one copy of $W_i$ per time step), the simulation side of the closed form
$\mu_\ell=\eta\alpha(1-\alpha)^\ell$ (`leaky_lag_prediction`).

| code name | symbol |
|---|---|
| `S` | $S_{t,k}$ |
| `P_g`, `P_ret` | $\prod g$, $\prod(1-g)$ |
| `mu0`, `mu1` | $\mu^{(0)},\mu^{(1)}$ |
| `diag` | $[M_{t,k}]_{qq}$ |
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from numerics.core import first_order_diagonal, window_product
from numerics.gating._cells import Cell, Model
from numerics.gating._metrics import masked_fit_power, masked_median
from numerics.gating._products import all_pairs, top_singular_value, trajectory

__all__ = ["probe_sequence", "lag_summaries", "lag_gradients", "leaky_lag_prediction"]


def probe_sequence(cell: Cell, us: Float[Array, "T Ni"], norm: str | None = None) -> dict[str, Array]:
    r"""Everything S1 needs from one probe sequence, indexed `[lag-1, k]` (lags 1..T).

    Keys: `S`, `P_g`, `P_ret`, `valid` and `bound` (`(T, T)`; the bound is the
    same for every neuron); `diag`, `mu0`, `mu1` (`(T, T, N)`). `norm` picks the exact
    spectral-norm route of `numerics.gating.all_pairs` (`"gram"`, `"gk"` or `"svd"`;
    `None`: the backend's default).
    """
    tr = trajectory(cell, us)
    T = us.shape[0]
    S, diag, valid = all_pairs(tr.J, norm)
    lag = jnp.arange(1, T + 1)[:, None]
    start = jnp.broadcast_to(jnp.arange(T)[None, :], (T, T))
    stop = jnp.minimum(start + lag, T)
    P_g = jnp.mean(window_product(tr.gates, start, stop), axis=-1)
    P_ret = jnp.mean(window_product(tr.leak, start, stop), axis=-1)
    mu0, mu1 = first_order_diagonal(tr.leak, tr.rdiag, start, stop)
    a = jnp.max(tr.leak, axis=1)
    b = top_singular_value(tr.J - jax.vmap(jnp.diag)(tr.leak), norm)
    p_ab = window_product(a + b, start, stop)
    p_a, slope = first_order_diagonal(a, b, start, stop)  # slope = prod(a) * sum(b / a)
    bound = p_ab - p_a - slope
    # float64 rounding of the three-term difference: a few ulps of the largest term
    bound = bound + 1e-13 * p_ab
    return dict(S=S, P_g=P_g, P_ret=P_ret, valid=valid, diag=diag, mu0=mu0, mu1=mu1, bound=bound)


def lag_summaries(out: dict[str, Array]) -> dict[str, Array]:
    r"""S1's per-lag summaries of `probe_sequence` on a batch of probe sequences, on the device.

    `out` holds `probe_sequence`'s arrays with a leading probe axis. Medians pool the
    probe sequences, the window starts $k$ (and the neurons for the diagonal entries) over
    valid windows only. Keys: `profile`, `P_g`, `P_ret` (per-lag medians of $S$,
    $\prod g$, $\prod(1-g)$, divided by their lag-1 value); `s_ret`, `r2_ret`,
    `s_g`, `r2_g` (`numerics.gating.masked_fit_power` of $S$ on each
    predictor); `diag`, `mu01`, `mu0` (per-lag medians of $[M_{t,k}]_{qq}$,
    $\mu^{(0)}+\mu^{(1)}$, $\mu^{(0)}$); `err1`, `err0` (per-lag medians of the
    absolute errors of the two); `lag1_err` (largest lag-1 error of the first-order diagonal,
    exact in theory); `bound_ok` (every error within the remainder bound).
    """
    v = out["valid"]
    vv = jnp.broadcast_to(v[..., None], out["diag"].shape)
    diag, mu0 = out["diag"], out["mu0"]
    mu01 = mu0 + out["mu1"]
    e1 = jnp.abs(diag - mu01)
    S = out["S"]
    res = {}
    for key in ("S", "P_g", "P_ret"):
        med = masked_median(out[key], v, 1)
        res["profile" if key == "S" else key] = med / med[0]
    for tag, key in (("ret", "P_ret"), ("g", "P_g")):
        res[f"s_{tag}"], res[f"r2_{tag}"], _ = masked_fit_power(S, out[key], v)
    for key, x in (("diag", diag), ("mu01", mu01), ("mu0", mu0), ("err1", e1), ("err0", jnp.abs(diag - mu0))):
        res[key] = masked_median(x, vv, 1)
    res["lag1_err"] = jnp.max(jnp.where(vv[:, 0], e1[:, 0], -jnp.inf))
    res["bound_ok"] = jnp.all(jnp.where(vv, e1 <= out["bound"][..., None], True))
    return res


def lag_gradients(model: Model, us: Float[Array, "T Ni"], y: Float[Array, ""]) -> Float[Array, "T N Ni"]:
    r"""Exact per-step gradient of the squared error w.r.t. the input weights used at
    step `t` (autodiff through one copy of $W_i$ per step); their sum over `t`
    is the BPTT gradient $\nabla_{W_i}$, and entry `t` is the lag
    $\ell=T-1-t$ contribution $(\partial^+x_t/\partial W_i)^\top M_{T,t}^\top\delta_T$."""
    cell = model.cell

    def loss_of(Wi_seq):
        def body(x, inp):
            u, Wi = inp
            c = Cell(cell.W_r, Wi, cell.b, cell.W_rg, cell.W_ig, cell.b_g, cell.kind, cell.alpha, cell.use_bias)
            return c.step(x, u), None

        xT = jax.lax.scan(body, jnp.zeros(cell.N, us.dtype), (us, Wi_seq))[0]
        return (model.W_o @ xT - y) ** 2

    Wi_seq = jnp.broadcast_to(cell.W_i, (us.shape[0],) + cell.W_i.shape)
    return jax.grad(loss_of)(Wi_seq)


def leaky_lag_prediction(model: Model, us: Float[Array, "T Ni"], y: Float[Array, ""]) -> Float[Array, "T N Ni"]:
    r"""Closed form of `lag_gradients` for a leaky cell with $W_r=0$:
    $\mu_\ell/\eta=\alpha(1-\alpha)^\ell$ times $\delta^{(q)}\phi'(a^{(q)}_t)u_t^\top$,
    with $\delta=2(\hat y-y)W_o$ and $\ell=T-1-t$."""
    cell = model.cell
    alpha, T = cell.alpha, us.shape[0]
    a = us @ cell.W_i.T + cell.b  # W_r = 0: a_t depends on u_t only
    x = jnp.zeros(cell.N, us.dtype)
    xT = jax.lax.scan(lambda x, at: ((1 - alpha) * x + alpha * jnp.tanh(at), None), x, a)[0]
    delta = 2.0 * (model.W_o @ xT - y) * model.W_o
    lag = (T - 1 - jnp.arange(T)).astype(us.dtype)
    mu = alpha * (1 - alpha) ** lag  # mu_ell / eta
    return mu[:, None, None] * (delta[None, :] * (1 - jnp.tanh(a) ** 2))[:, :, None] * us[:, None, :]
