"""Diagonal transport: prefix-sum windows against explicit products (exact and first order)."""

import jax
import jax.numpy as jnp
import numpy as np

from numerics.core import first_order_diagonal, window_product


def test_window_product_matches_loop():
    a = jax.random.uniform(jax.random.key(0), (30, 4), minval=0.2, maxval=0.99)
    start, stop = jnp.array([0, 3, 10, 29, 5]), jnp.array([0, 9, 30, 30, 6])
    got = window_product(a, start, stop)
    for i, (s, e) in enumerate(zip(start.tolist(), stop.tolist())):
        np.testing.assert_allclose(got[i], np.prod(np.asarray(a)[s:e], axis=0), rtol=1e-12)


def test_first_order_error_shrinks_as_eps_squared():
    """prod(a + eps r) - mu0 - eps mu1 = O(eps^2): halving eps quarters the error."""
    k1, k2 = jax.random.split(jax.random.key(1))
    a = jax.random.uniform(k1, (40, 3), minval=0.5, maxval=0.95)
    r = jax.random.normal(k2, (40, 3)) * 0.1
    start, stop = jnp.array([2]), jnp.array([37])
    errs = []
    for eps in (1e-2, 5e-3, 2.5e-3):
        mu0, mu1 = first_order_diagonal(a, eps * r, start, stop)
        exact = np.prod(np.asarray(a + eps * r)[2:37], axis=0)
        errs.append(np.max(np.abs(exact - mu0[0] - mu1[0])))
    slopes = np.log(np.array(errs[:-1]) / np.array(errs[1:])) / np.log(2.0)
    np.testing.assert_allclose(slopes, 2.0, atol=0.05)
