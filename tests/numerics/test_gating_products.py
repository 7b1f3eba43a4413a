"""Jacobian products: prefix/suffix first-order term, all-pairs transport, window products."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.gating import (
    all_pairs,
    expansion_error,
    first_order_term,
    init_cell,
    ordered_product,
    previous_states,
    spectral_norm,
    top_singular_value,
    trajectory,
    window_product_at,
)


def _traj(kind="vector", N=6, T=9):
    cell = init_cell(jax.random.key(0), kind, N, 2, scheme="normal", std=0.4)
    us = jax.random.normal(jax.random.key(1), (T, 2))
    return cell, us, trajectory(cell, us)


def test_first_order_term_and_eps_squared_remainder():
    _, _, tr = _traj()
    A, B = tr.A, tr.B
    L = first_order_term(A, B)
    brute = sum(ordered_product(A[i + 1 :]) @ B[i] @ ordered_product(A[:i]) for i in range(A.shape[0]))
    np.testing.assert_allclose(L, brute, atol=1e-13)
    E, _, _ = jax.jit(expansion_error)(A, B, jnp.array([1e-4, 5e-5, 2.5e-5]))
    slopes = np.log(E[:-1] / E[1:]) / np.log(2.0)
    np.testing.assert_allclose(slopes, 2.0, atol=0.01)


def test_all_pairs_against_explicit_products():
    cell, us, tr = _traj(T=7)
    S, diag, valid = jax.jit(all_pairs)(tr.J)
    T = 7
    for lag in (1, 3, 7):
        for k in range(T - lag + 1):
            M = ordered_product(tr.J[k : k + lag])
            np.testing.assert_allclose(S[lag - 1, k], np.linalg.norm(M, 2), rtol=1e-12)
            np.testing.assert_allclose(diag[lag - 1, k], np.diag(M), atol=1e-14)
            assert bool(valid[lag - 1, k])
    assert not bool(valid[6, 1]) and int(valid.sum()) == T * (T + 1) // 2
    # J is the derivative of x_{j+1} with respect to x_j: check M_{T,0} = d x_T / d x_0
    dxdx0 = jax.jacfwd(lambda x0: jax.lax.scan(lambda x, u: (cell.step(x, u), None), x0, us)[0])(jnp.zeros(6))
    np.testing.assert_allclose(ordered_product(tr.J), dxdx0, atol=1e-13)


def test_window_product_at_matches_trajectory():
    cell, us, tr = _traj(T=9)
    xs = previous_states(cell, us)
    np.testing.assert_allclose(xs, tr.xs_prev, atol=1e-15)
    M = window_product_at(cell, xs, us, jnp.asarray(2), 5)
    np.testing.assert_allclose(M, ordered_product(tr.J[2:7]), atol=1e-13)


def test_top_singular_value_equals_svd_random_scaled_and_degenerate():
    k = jax.random.split(jax.random.key(3), 4)
    M = jax.random.normal(k[0], (20, 9, 9))
    scales = jnp.logspace(-300, 300, 20)  # far beyond the float64 square-root range both ways
    Ms = M * scales[:, None, None]
    np.testing.assert_allclose(
        top_singular_value(Ms), np.linalg.svd(np.asarray(Ms), compute_uv=False)[:, 0], rtol=1e-10
    )
    u, v = jax.random.normal(k[1], (7,)), jax.random.normal(k[2], (7,))
    Q = jnp.linalg.qr(jax.random.normal(k[3], (7, 7)))[0]
    special = jnp.stack([jnp.outer(u, v), jnp.zeros((7, 7)), 3.0 * Q, jnp.diag(jnp.array([2.0, 2.0] + [1e-9] * 5))])
    np.testing.assert_allclose(
        top_singular_value(special), [np.linalg.norm(u) * np.linalg.norm(v), 0.0, 3.0, 2.0], rtol=1e-10, atol=0
    )
    assert top_singular_value(jnp.array([[-2.5]])) == 2.5


def test_top_singular_value_on_trained_transport_products():
    """The Gram route against the SVD on real transport products spanning many decades."""
    from numerics.gating import Arm, sample, train_seeds

    snaps, _ = train_seeds(
        jax.random.key(4)[None],
        Arm("vector", "sgd", 0.05),
        "adding",
        N=12,
        Ni=3,
        T=30,
        batch=8,
        steps=30,
        checkpoints=(30,),
    )
    cell = jax.tree.map(lambda x: x[0, 0], snaps).cell
    us, _ = sample(jax.random.key(5), "adding", 1, 120, 3)
    J = trajectory(cell, us[0]).J
    S_gram, _, valid = jax.jit(lambda J: all_pairs(J, "gram"))(J)
    S_svd = jax.jit(lambda J: all_pairs(J, "svd"))(J)[0]
    S_gk = jax.jit(lambda J: all_pairs(J, "gk"))(J)[0]  # the accelerator route, here on the CPU
    v = np.asarray(valid)
    assert float(S_svd[v].min()) < 1e-6 * float(S_svd[v].max())  # long lags: many decades below lag 1
    np.testing.assert_allclose(np.asarray(S_gram)[v], np.asarray(S_svd)[v], rtol=1e-10)
    np.testing.assert_allclose(np.asarray(S_gk)[v], np.asarray(S_svd)[v], rtol=1e-10)
    np.testing.assert_allclose(spectral_norm(J), top_singular_value(J), rtol=1e-10)


def test_all_pairs_even_length_and_bad_norm():
    _, _, tr = _traj(T=8)
    S, diag, valid = all_pairs(tr.J)
    for lag, k in ((1, 0), (4, 3), (8, 0), (2, 6)):
        M = ordered_product(tr.J[k : k + lag])
        np.testing.assert_allclose(S[lag - 1, k], np.linalg.norm(M, 2), rtol=1e-12)
        np.testing.assert_allclose(diag[lag - 1, k], np.diag(M), atol=1e-14)
    assert int(valid.sum()) == 36 and float(jnp.abs(S[~valid]).max()) == 0.0
    with pytest.raises(ValueError):
        all_pairs(tr.J, "power")
