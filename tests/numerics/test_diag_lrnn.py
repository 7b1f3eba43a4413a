"""Diagonal linear RNN: FFT loss and explicit kernel gradient against autodiff of the plain recursion."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.anticollapse import _diag_rnn as dl, make_task


def _setup(H=24, T=150, B=5, seed=0):
    task = make_task(jax.random.key(seed), T)
    x, y = task.batch(jax.random.key(seed + 1), jnp.arange(B))
    p = dl.init_diag_lrnn(jax.random.key(seed + 2), H, 16)
    # spread the time scales over [~3, ~1000] steps so every lag range matters
    nu = p.nu + 1.5 * jax.random.normal(jax.random.key(seed + 3), (H,))
    return dl.DiagLRNN(nu=nu, b=p.b, c=p.c * 10.0), x, y


@pytest.mark.parametrize("shared", [0.0, 1.0])
def test_fft_gradient_matches_autodiff_of_scan(shared):
    p, x, y = _setup()
    L, g = jax.jit(dl.loss_and_grad)(p, x, y, shared)
    Ls, gs = jax.jit(jax.value_and_grad(dl.loss_scan))(p, x, y, shared)
    Lf, gf = jax.jit(jax.value_and_grad(dl.loss_fft))(p, x, y, shared)
    np.testing.assert_allclose(L, Ls, rtol=1e-12)
    np.testing.assert_allclose(Lf, Ls, rtol=1e-12)
    for a, b, c in zip(jax.tree.leaves(g), jax.tree.leaves(gs), jax.tree.leaves(gf)):
        scale = float(jnp.max(jnp.abs(b)))
        assert float(jnp.max(jnp.abs(a - b))) <= 1e-11 * scale
        assert float(jnp.max(jnp.abs(c - b))) <= 1e-11 * scale


def test_nu_gradient_against_central_differences():
    """Independent route: central differences of the scan loss; error shrinks as eps^2."""
    p, x, y = _setup(H=6, T=80, B=3, seed=4)
    _, g = jax.jit(dl.loss_and_grad)(p, x, y)
    q = 2
    errs = []
    loss = jax.jit(lambda nu: dl.loss_scan(dl.DiagLRNN(nu, p.b, p.c), x, y))
    for eps in (1e-3, 5e-4):
        e = jnp.zeros_like(p.nu).at[q].set(eps)
        up, dn = loss(p.nu + e), loss(p.nu - e)
        errs.append(abs(float((up - dn) / (2 * eps)) - float(g.nu[q])))
    assert errs[1] < errs[0] / 3.0  # eps^2 convergence (ratio 4 up to round-off)
    assert errs[1] < 1e-6 * max(1.0, abs(float(g.nu[q])))


def test_kernel_and_transport_are_exact():
    """K(j) = sum_q c_q b_q lambda_q^j and mu_q(l) = lambda_q^l = exp(-l / tau_q), tau = e^{-nu}."""
    p, x, _ = _setup(H=5, T=40, B=2)
    K = jax.jit(dl.kernel, static_argnums=1)(p, 40)
    lam = np.exp(-np.exp(np.asarray(p.nu)))
    ref = np.einsum("q,qd,jq->jd", np.asarray(p.c), np.asarray(p.b), lam[None, :] ** np.arange(40)[:, None])
    np.testing.assert_allclose(K, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lam**37, np.exp(-37.0 / np.exp(-np.asarray(p.nu))), rtol=1e-12)
    # causal convolution: the output at t ignores inputs after t
    pred = jax.jit(dl.predict_fft)
    y1 = pred(K, x)
    y2 = pred(K, x.at[:, 30:].set(0.0))
    np.testing.assert_allclose(y1[:, :30], y2[:, :30], rtol=1e-12, atol=1e-12)


def test_init_and_shared_nu():
    p = dl.init_diag_lrnn(jax.random.key(0), 8, 4)
    np.testing.assert_allclose(p.nu, -math.log(200.0))
    p2 = dl.DiagLRNN(p.nu.at[0].set(0.0), p.b, p.c)
    nu = dl.effective_nu(p2, 1.0)
    assert float(jnp.ptp(nu)) == 0.0 and float(nu[0]) == pytest.approx(float(jnp.mean(p2.nu)))
    with pytest.raises(ValueError):
        dl.init_diag_lrnn(jax.random.key(0), 0, 4)
