r"""Diagonal linear RNN: the cheap test bed of the anti-collapse experiments ([§8.5][anticollapse-s8-5]).

Livi, arXiv:2606.29519. Each unit is one exponential mode with a log-rate parameter:

$$
h_{q,t}=\lambda_q h_{q,t-1}+b_q^\top x_t,\qquad \hat y_t=\sum_q c_q h_{q,t},\qquad
\lambda_q=\exp(-e^{\nu_q}),
$$
so the per-unit transport is $\mu_q(\ell)=\lambda_q^\ell=e^{-\ell/\tau_q}$ exactly,
$\tau_q=e^{-\nu_q}$ and $\zeta_q=\nu_q$ (no estimator needed). With
$h_{-1}=0$ the output is a causal convolution with the kernel

$$
K(j)=\sum_q c_q\,b_q\,\lambda_q^{j}\in\mathbb R^D,\qquad
\hat y_t=\sum_{j=0}^{t}K(j)^\top x_{t-j}.
$$
The loss is the MSE over all (B, T) outputs, $L=\frac1{BT}\sum(\hat y-y)^2$.
Its gradient goes through $G(j)=\partial L/\partial K(j)=\frac{2}{BT}\sum_{b,t}e_{b,t}x_{b,t-j}$
(an FFT cross-correlation, $e=\hat y-y$) and the chain rule

$$
\frac{\partial L}{\partial b_q}=c_q\sum_j\lambda_q^jG(j),\quad
\frac{\partial L}{\partial c_q}=b_q^\top\sum_j\lambda_q^jG(j),\quad
\frac{\partial L}{\partial \nu_q}=-c_q e^{\nu_q}\,b_q^\top\sum_j j\lambda_q^{j}G(j),
$$
using $\partial K(j)/\partial\nu_q=-c_qb_q\,j\,e^{\nu_q}\lambda_q^j$. Cost
$O(BDT\log T+HDT)$ per step; no loop over time. The shared-ν capacity arm ties
all units to $\bar\nu=\frac1H\sum_q\nu_q$ (its gradient is the mean).

| code name | symbol | meaning |
|---|---|---|
| `nu` | $\nu_q$ | log-rate parameter; $\zeta_q=\nu_q$, $\tau_q=e^{-\nu_q}$ |
| `b` | $b_q\in\mathbb R^D$ | input weights (rows = units) |
| `c` | $c_q$ | readout |
| `K` | $K(j)$ | convolution kernel, shape (T, D) |
| `shared` | — | 1.0: shared-ν arm (all units use the mean ν) |
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from numerics.core import require_x64

__all__ = [
    "DiagLRNN",
    "init_diag_lrnn",
    "effective_nu",
    "kernel",
    "predict_fft",
    "loss_fft",
    "loss_and_grad",
    "loss_scan",
]


class DiagLRNN(eqx.Module):
    """Parameters of the diagonal linear RNN (a pytree; rows are units)."""

    nu: Float[Array, " H"]
    b: Float[Array, "H D"]
    c: Float[Array, " H"]


def init_diag_lrnn(key: Array, H: int, D: int, *, tau0: float = 200.0) -> DiagLRNN:
    r"""Initialisation of the formulation, $\nu_q=-\log\tau_0$ (τ₀ = 200). Toolkit-default scales:
    $b\sim\mathcal N(0,1/D)$ and $c\sim\mathcal N(0,(1-\lambda_0^2)/H)$, so that
    the initial output has O(1) variance (the state variance is $|b|^2/(1-\lambda_0^2)$)."""
    require_x64("init_diag_lrnn")
    if H < 1 or D < 1 or not tau0 > 0:
        raise ValueError(f"need H, D >= 1 and tau0 > 0; got H={H}, D={D}, tau0={tau0}")
    kb, kc = jax.random.split(key)
    return DiagLRNN(
        nu=jnp.full((H,), -math.log(tau0)),
        b=jax.random.normal(kb, (H, D)) / math.sqrt(D),
        c=jax.random.normal(kc, (H,)) * math.sqrt(-math.expm1(-2.0 / tau0) / H),
    )


def effective_nu(p: DiagLRNN, shared: Float[Array, ""] | float = 0.0) -> Float[Array, " H"]:
    r"""ν used by the model: `nu`, or its mean broadcast when `shared` = 1 (shared-ν arm)."""
    return jnp.where(jnp.asarray(shared) > 0.5, jnp.full_like(p.nu, jnp.mean(p.nu)), p.nu)


def _powers(nu: Float[Array, " H"], T: int) -> Float[Array, "H T"]:
    r"""$V_{qj}=\lambda_q^j=\exp(-j\,e^{\nu_q})$, $j=0..T-1$."""
    return jnp.exp(-jnp.arange(T, dtype=nu.dtype)[None, :] * jnp.exp(nu)[:, None])


def kernel(p: DiagLRNN, T: int, shared: float = 0.0) -> Float[Array, "T D"]:
    r"""$K(j)=\sum_q c_q b_q\lambda_q^j$ for $j<T$."""
    return _powers(effective_nu(p, shared), T).T @ (p.c[:, None] * p.b)


def _nfft(T: int) -> int:
    """FFT length ≥ 2T (padding makes the circular convolution causal and exact)."""
    return 2 * T


def predict_fft(K: Float[Array, "T D"], x: Float[Array, "B T D"]) -> Float[Array, "B T"]:
    r"""$\hat y_t=\sum_{j\le t}K(j)^\top x_{t-j}$ by zero-padded real FFTs along time."""
    T = x.shape[1]
    n = _nfft(T)
    xf = jnp.fft.rfft(jnp.swapaxes(x, 1, 2), n=n, axis=-1)  # (B, D, F), FFT on the contiguous axis
    kf = jnp.fft.rfft(K.T, n=n, axis=-1)  # (D, F)
    return jnp.fft.irfft(jnp.einsum("bdf,df->bf", xf, kf), n=n, axis=-1)[:, :T]


def loss_fft(p: DiagLRNN, x: Float[Array, "B T D"], y: Float[Array, "B T"], shared: float = 0.0) -> Float[Array, ""]:
    """MSE over all (B, T) outputs, forward by FFT (differentiable by `jax.grad`)."""
    e = predict_fft(kernel(p, x.shape[1], shared), x) - y
    return jnp.mean(e**2)


def loss_and_grad(
    p: DiagLRNN, x: Float[Array, "B T D"], y: Float[Array, "B T"], shared: float = 0.0
) -> tuple[Float[Array, ""], DiagLRNN]:
    r"""`(L, ∂L/∂params)` with the explicit kernel gradient (module docstring).

    $G(j)=\frac2{BT}\sum_{b,t}e_{b,t}x_{b,t-j}$ is one zero-padded FFT
    cross-correlation (`irfft(E_f · conj(X_f))`); the parameter gradients are two
    (H, T) × (T, D) products.
    """
    B, T, _ = x.shape
    n = _nfft(T)
    nu = effective_nu(p, shared)
    V = _powers(nu, T)
    xf = jnp.fft.rfft(jnp.swapaxes(x, 1, 2), n=n, axis=-1)  # (B, D, F)
    kf = jnp.fft.rfft((p.c[:, None] * p.b).T @ V, n=n, axis=-1)  # (D, F)
    e = jnp.fft.irfft(jnp.einsum("bdf,df->bf", xf, kf), n=n, axis=-1)[:, :T] - y
    ef = jnp.fft.rfft(e, n=n, axis=-1)
    Gt = jnp.fft.irfft(jnp.einsum("bf,bdf->df", ef, jnp.conj(xf)), n=n, axis=-1)[:, :T] * (2.0 / (B * T))
    M = V @ Gt.T  # (H, D): sum_j lambda^j G(j)
    W = (V * jnp.arange(T, dtype=V.dtype)[None, :]) @ Gt.T  # sum_j j lambda^j G(j)
    g_nu = -p.c * jnp.exp(nu) * jnp.sum(p.b * W, axis=1)
    g_nu = jnp.where(jnp.asarray(shared) > 0.5, jnp.full_like(g_nu, jnp.mean(g_nu)), g_nu)
    grads = DiagLRNN(nu=g_nu, b=p.c[:, None] * M, c=jnp.sum(p.b * M, axis=1))
    return jnp.mean(e**2), grads


def loss_scan(p: DiagLRNN, x: Float[Array, "B T D"], y: Float[Array, "B T"], shared: float = 0.0) -> Float[Array, ""]:
    r"""Reference: the recursion $h_t=\lambda\odot h_{t-1}+Bx_t$ by `lax.scan` over time."""
    lam = jnp.exp(-jnp.exp(effective_nu(p, shared)))

    def step(h, xt):
        h = lam * h + xt @ p.b.T
        return h, h @ p.c

    _, yhat = jax.lax.scan(step, jnp.zeros((x.shape[0], p.nu.shape[0]), x.dtype), jnp.swapaxes(x, 0, 1))
    return jnp.mean((yhat.T - y) ** 2)
