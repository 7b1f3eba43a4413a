r"""Loss and gradient of a gated RNN by an explicit backward pass through time.

The same numbers as `eqx.filter_value_and_grad(numerics.gating.loss)` (tests: 1e-12
relative, every cell kind), written out so that a CPU spends its time in matrix products.
the [gating formulation][gating-formulation] §2 (cells) and §8 (training); the loss is the batch MSE of the readout
of the last state, $L=\frac1B\sum_b(W_ox_T^{(b)}-y_b)^2$.

Forward, for the batch `(B, N)` stepped together in time:

$$
a_t = x_{t-1}W_r^\top+u_tW_i^\top+b,\quad
z_t = x_{t-1}W_{r,g}^\top+u_tW_{i,g}^\top+b_g,\quad
g_t=\sigma(z_t),\quad \phi_t=\tanh a_t,\quad x_t = x_{t-1}+g_t\odot(\phi_t-x_{t-1}).
$$
Backward, with $\delta_t=\partial L/\partial x_t$ and $\delta_T=\frac2B r\,W_o^\top$,
$r=x_TW_o^\top-y$:

$$
\bar a_t=\delta_t\odot g_t\odot(1-\phi_t^2),\qquad
\bar z_t=\delta_t\odot(\phi_t-x_{t-1})\odot g_t(1-g_t),
$$
$$
\delta_{t-1}=\delta_t\odot(1-g_t)+\bar a_tW_r+\bar z_tW_{r,g},\qquad
\frac{\partial L}{\partial W_r}=\sum_t\bar a_t^\top x_{t-1},\quad
\frac{\partial L}{\partial W_{r,g}}=\sum_t\bar z_t^\top x_{t-1},
$$
and likewise $\sum_t\bar a_t^\top u_t$, $\sum_t\bar a_t$ for $W_i, b$ (gate:
$\bar z$). The scalar gate shares one $z_t$ per sequence, so its $\bar z_t$ is
the row sum of the vector expression and $W_{r,g}$ enters through the outer product
$\bar z_t w_{r,g}^\top$; the leaky cell has $g\equiv\alpha$; the plain cell
$g\equiv1$.

| code name | symbol | meaning |
|---|---|---|
| `saved`, `phis`, `gs` | $x_t, \phi_t, g_t$ | stored forward states, `(T, B, N)` (`(T, B)` for a scalar gate) |
| `xprev` | $x_{t-1}$ | the stored states shifted by one step |
| `dx` | $\delta_t$ | loss gradient with respect to the state |
| `da`, `dz` | $\bar a_t, \bar z_t$ | loss gradient with respect to the pre-activations |
| `r` | $r$ | readout residual, `(B,)` |

Why not autodiff: JAX's reverse pass of the time-major scan (`gating_train.loss`) does the
same matrix products, but with transposes and a 64x64 weight-gradient accumulation inside
every reverse step. Here the weight gradients are one contraction over all (t, b) after the
scan, and the vector gate's two backward products are one, $[\bar a_t,\bar z_t]
[W_r;W_{r,g}]$. At the S2 sizes a training step of the four S2 arms is about 1.3x faster on a
CPU (`rnn-timescales bench --only gating-bptt`, README Performance).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from numerics.gating._cells import Cell, Model

__all__ = ["loss_and_grad", "sigmoid"]


def sigmoid(z: Float[Array, "*s"]) -> Float[Array, "*s"]:
    r"""$\sigma(z)=1/(1+e^{-z})$, written out (with XLA's CPU `logistic` the vector gate's
    forward scan was measured 2.4x slower). For $z\to-\infty$, $e^{-z}$ overflows to `inf` and $\sigma$ to 0,
    as it should."""
    return 1.0 / (1.0 + jnp.exp(-z))


def _sums(d, xprev, ut):
    r"""$(\sum_{t,b}d^\top x_{t-1},\ \sum_{t,b}d^\top u_t,\ \sum_{t,b}d)$ for `d` of shape
    `(T, B, M)` (or `(T, B)`, the scalar gate's shared pre-activation)."""
    sub = "tb,tbj->j" if d.ndim == 2 else "tbi,tbj->ij"
    return jnp.einsum(sub, d, xprev), jnp.einsum(sub, d, ut), jnp.sum(d, axis=(0, 1))


def loss_and_grad(model: Model, us: Float[Array, "B T Ni"], y: Float[Array, " B"]) -> tuple[Float[Array, ""], Model]:
    r"""`(L, grads)`: the batch MSE of `numerics.gating.loss` and its gradient
    with respect to every array of `model` (a `numerics.gating.Model`; the
    gradient has the same structure, `None` where the model has `None`)."""
    cell = model.cell
    kind, B = cell.kind, us.shape[0]
    ut = jnp.swapaxes(us, 0, 1)  # (T, B, Ni)
    ain = ut @ cell.W_i.T + cell.b
    gated = kind in ("scalar", "vector")
    # gate weights as right factors: z_t is (B, N) for the vector gate, (B,) for the scalar gate
    W_rg, W_ig = (cell.W_rg.T, cell.W_ig.T) if kind == "vector" else (cell.W_rg, cell.W_ig)
    zin = ut @ W_ig + cell.b_g if gated else None
    x0 = jnp.zeros((B, cell.N), us.dtype)

    def forward(x, inputs):
        ai, zi = inputs
        phi = jnp.tanh(x @ cell.W_r.T + ai)
        if kind == "plain":
            return phi, (phi,)
        if kind == "leaky":
            xn = x + cell.alpha * (phi - x)
            return xn, (xn, phi)
        g = sigmoid(x @ W_rg + zi)
        xn = x + (g[:, None] if kind == "scalar" else g) * (phi - x)
        return xn, (xn, phi, g)

    xT, saved = jax.lax.scan(forward, x0, (ain, zin))
    xprev = jnp.concatenate([x0[None], saved[0][:-1]], axis=0)
    r = xT @ model.W_o - y
    dx = (2.0 / B) * r[:, None] * model.W_o[None, :]
    W_cat = jnp.concatenate([cell.W_r, cell.W_rg], axis=0) if kind == "vector" else None

    def backward(dx, inputs):
        xp, phi, g = inputs
        if kind == "plain":
            da = dx * (1.0 - phi * phi)
            return da @ cell.W_r, (da,)
        g = cell.alpha if kind == "leaky" else (g[:, None] if kind == "scalar" else g)
        da = dx * g * (1.0 - phi * phi)
        if not gated:
            return dx * (1.0 - g) + da @ cell.W_r, (da,)
        dz = dx * (phi - xp) * g * (1.0 - g)
        if kind == "scalar":
            dz = jnp.sum(dz, axis=1)  # (B,)
            return dx * (1.0 - g) + da @ cell.W_r + dz[:, None] * cell.W_rg[None, :], (da, dz)
        daz = jnp.concatenate([da, dz], axis=1)  # (B, 2N): one product for both matrices
        return dx * (1.0 - g) + daz @ W_cat, (daz,)

    phis = saved[0] if kind == "plain" else saved[1]
    gs = saved[2] if gated else None
    _, back = jax.lax.scan(backward, dx, (xprev, phis, gs), reverse=True)
    if kind == "vector":  # [dL/dW_r; dL/dW_rg] as one (2N, N) contraction over all (t, b)
        n = cell.N
        dW, dWi, db = _sums(back[0], xprev, ut)
        grads = dict(W_r=dW[:n], W_i=dWi[:n], b=db[:n], W_rg=dW[n:], W_ig=dWi[n:], b_g=db[n:])
    else:
        grads = dict(zip(("W_r", "W_i", "b"), _sums(back[0], xprev, ut)), W_rg=None, W_ig=None, b_g=None)
    if kind == "scalar":
        grads |= dict(zip(("W_rg", "W_ig", "b_g"), _sums(back[1], xprev, ut)))
    gcell = Cell(**grads, kind=kind, alpha=cell.alpha, use_bias=cell.use_bias)
    return jnp.mean(r**2), type(model)(gcell, (2.0 / B) * (xT.T @ r))
