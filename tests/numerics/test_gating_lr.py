"""Effective learning rates: lag-split gradients, the closed form mu_l = eta alpha (1-alpha)^l,
and the first-order diagonal theory within its rigorous bound."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from numerics.gating import init_model, lag_gradients, leaky_lag_prediction, loss, probe_sequence, sample


def test_lag_gradients_sum_to_bptt_gradient():
    m = init_model(jax.random.key(0), "vector", 6, 3)
    us, y = sample(jax.random.key(1), "adding", 1, 12, 3)
    G = lag_gradients(m, us[0], y[0])
    full = jax.grad(loss)(m, us, y).cell.W_i
    np.testing.assert_allclose(G.sum(0), full, atol=1e-13)


def test_leaky_closed_form_exact_and_fails_with_recurrence():
    m = init_model(jax.random.key(2), "leaky", 6, 3, alpha=0.7)
    us, y = sample(jax.random.key(3), "adding", 1, 15, 3)
    m0 = eqx.tree_at(lambda q: q.cell.W_r, m, jnp.zeros((6, 6)))
    G, P = lag_gradients(m0, us[0], y[0]), leaky_lag_prediction(m0, us[0], y[0])
    rel = jnp.linalg.norm(G - P, axis=(1, 2)) / jnp.linalg.norm(P, axis=(1, 2))
    assert float(rel.max()) < 1e-12
    # with the recurrence switched back on, the closed form is only approximate at long lags
    G1 = lag_gradients(m, us[0], y[0])
    assert float(jnp.linalg.norm(G1[0] - P[0]) / jnp.linalg.norm(P[0])) > 1e-3


def test_probe_sequence_leaky_mu0_and_bound():
    m = init_model(jax.random.key(4), "scalar", 8, 4)
    us, _ = sample(jax.random.key(5), "adding", 1, 10, 4)
    out = jax.jit(probe_sequence)(m.cell, us[0])
    v = np.asarray(out["valid"])[..., None]
    err = np.abs(np.asarray(out["diag"]) - out["mu0"] - out["mu1"])
    assert np.all((err <= np.asarray(out["bound"])[..., None])[np.broadcast_to(v, err.shape)])
    np.testing.assert_allclose(err[0][v[0, :, 0]], 0.0, atol=1e-14)  # lag 1 exact
    leaky = init_model(jax.random.key(4), "leaky", 8, 4, alpha=0.8)
    out = jax.jit(probe_sequence)(leaky.cell, us[0])
    np.testing.assert_allclose(np.asarray(out["P_ret"])[:, 0], 0.2 ** np.arange(1, 11), rtol=1e-12)
