"""Propagation and update anisotropy against direct computations."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from numerics.gating import init_model, jacobian_anisotropy, ordered_product, sample, trajectory, update_anisotropy


def test_jacobian_anisotropy_matches_explicit_products():
    m = init_model(jax.random.key(0), "vector", 12, 3)
    us, ys = sample(jax.random.key(1), "adding", 3, 16, 3)
    key = jax.random.key(2)
    ai, ce, under = jacobian_anisotropy(m, us, key, (1, 3), 4, r=3)
    kb, kk = jax.random.split(key)
    b = np.asarray(jax.random.randint(kb, (4,), 0, 3))
    k = np.asarray(jax.random.randint(kk, (4,), 0, 16 - 3 + 1))
    for i in range(4):
        J = trajectory(m.cell, us[b[i]]).J
        s = np.linalg.svd(np.asarray(ordered_product(J[k[i] : k[i] + 3])), compute_uv=False)
        np.testing.assert_allclose(ai[1, i], s[0] / s[2], rtol=1e-10)
        np.testing.assert_allclose(ce[1, i], (s[:3] ** 2).sum() / (s**2).sum(), rtol=1e-10)
    assert not np.any(np.asarray(under))
    gai, gce = update_anisotropy(m, us, ys, r=2)
    assert float(gai) >= 1.0 and 0.0 < float(gce) <= 1.0 + 1e-12


def test_update_anisotropy_uses_trained_parameters_only():
    """Columns are the trained weights (W_r, W_i, gate weights, W_o); the frozen zero biases
    (docs: gating §2, the models have no biases) must not enter. Built here by hand, one example at a time."""
    from numerics.gating import gradient_anisotropy, predict

    for kind in ("plain", "vector"):
        m = init_model(jax.random.key(3), kind, 8, 3)
        us, ys = sample(jax.random.key(4), "adding", 12, 10, 3)
        names = ["W_r", "W_i"] + (["W_rg", "W_ig"] if m.cell.W_rg is not None else [])

        def sq_err(arrs, u, y):
            cell = m.cell
            for name, a in zip(names, arrs[:-1]):
                cell = eqx.tree_at(lambda c, name=name: getattr(c, name), cell, a)
            return (predict(type(m)(cell, arrs[-1]), u) - y) ** 2

        arrs = [getattr(m.cell, name) for name in names] + [m.W_o]
        rows = [np.concatenate([np.ravel(g) for g in jax.grad(sq_err)(arrs, us[i], ys[i])]) for i in range(12)]
        ai, ce, _ = gradient_anisotropy(jnp.asarray(np.stack(rows)), r=4)
        gai, gce = update_anisotropy(m, us, ys, r=4)
        np.testing.assert_allclose([float(gai), float(gce)], [float(ai), float(ce)], rtol=1e-10)
