"""The authors' S1 measurement (numerics.gating._authors): the power-iteration norm against the
exact spectral norm, the reversed product, the post-step gate term, their windows and predictor,
and the study `gating-lr` under `measure="authors"`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.gating import (
    authors_gate_product,
    authors_pairs,
    authors_probe_sequence,
    init_cell,
    post_step_jacobians,
    power_norm,
    probe_sequence,
    reversed_product,
    sample,
    trajectory,
)


def _traj(kind="vector", N=6, T=9):
    cell = init_cell(jax.random.key(0), kind, N, 2, scheme="normal", std=0.4)
    us = jax.random.normal(jax.random.key(1), (T, 2))
    return cell, us, trajectory(cell, us)


def test_power_norm_is_a_lower_bound_of_the_spectral_norm():
    """|P v| with |v| <= 1 never exceeds sigma_1, for any start, any number of iterations."""
    P = jax.random.normal(jax.random.key(0), (20, 8, 8))
    v0 = jax.random.normal(jax.random.key(1), (20, 8))
    exact = jax.vmap(lambda M: jnp.linalg.norm(M, 2))(P)
    for iters in (0, 1, 5, 50):
        est = jax.vmap(power_norm, in_axes=(0, 0, None))(P, v0, iters)
        assert np.all(np.asarray(est) <= np.asarray(exact) * (1 + 1e-14)), iters
        assert np.all(np.asarray(est) > 0)


def test_power_norm_converges_to_the_spectral_norm_with_a_spectral_gap():
    """On a symmetric matrix with eigenvalues 3 > |-1.5| >= ... (gap ratio 1/2) the error of
    |P v| falls with the number of iterations and reaches float64 rounding; with the authors'
    regulariser eps = 1e-12 it stops at the bias eps / sigma_1 (relative) that eps introduces."""
    Q = jnp.linalg.qr(jax.random.normal(jax.random.key(2), (8, 8)))[0]
    lam = jnp.array([3.0, -1.5, 1.2, 1.0, 0.7, -0.5, 0.3, 0.1])
    P = (Q * lam) @ Q.T
    exact = float(jnp.linalg.norm(P, 2))
    v0 = jax.random.normal(jax.random.key(3), (8,))
    iters = (1, 5, 10, 20, 60)
    err = np.array([exact - float(power_norm(P, v0, n, eps=0.0)) for n in iters]) / exact
    assert np.all(err >= -1e-15)
    assert np.all(np.diff(err) <= 1e-15)  # monotone in the number of iterations
    assert err[1] <= 1e-2  # 5 iterations
    assert err[-1] <= 1e-14
    err_eps = np.array([exact - float(power_norm(P, v0, n)) for n in iters]) / exact
    assert np.all(err_eps >= -1e-15) and np.all(np.diff(err_eps) <= 1e-15)
    assert err_eps[-1] <= 2e-12 / exact


def test_power_norm_tends_to_the_spectral_radius_of_a_non_normal_matrix():
    """The iteration is on P itself: for a non-normal P it converges to |lambda_max| < sigma_1."""
    P = jnp.array([[0.5, 4.0], [0.0, 0.1]])
    v0 = jnp.array([0.3, 0.7])
    assert float(jnp.linalg.norm(P, 2)) > 4.0
    np.testing.assert_allclose(float(power_norm(P, v0, 200, eps=0.0)), 0.5, rtol=1e-12)


def test_reversed_product_equals_a_plain_loop():
    """`reversed_product` is J[0] @ J[1] @ ... (earliest left): the authors' loop P <- J[j] @ P,
    j from the last step down, and not the time-order product."""
    _, _, tr = _traj()
    J = np.asarray(tr.J)
    P = np.eye(J.shape[-1])
    for j in range(J.shape[0] - 1, -1, -1):
        P = J[j] @ P
    np.testing.assert_allclose(np.asarray(reversed_product(tr.J)), P, rtol=1e-13, atol=1e-15)
    M = np.eye(J.shape[-1])
    for j in range(J.shape[0]):
        M = J[j] @ M
    assert np.max(np.abs(P - M)) > 1e-3 * np.max(np.abs(M))


@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_post_step_gate_term(kind):
    """The gate correction of the post-step Jacobian uses d = phi(a_j) - x_j (the state after the
    step), built here directly from the cell's update."""
    cell, us, tr = _traj(kind)
    x = tr.xs_prev
    for j in range(us.shape[0]):
        a = cell.preact(x[j], us[j])
        g = cell.gate(x[j], us[j])
        x_next = cell.step(x[j], us[j])
        gate = (jnp.tanh(a) - x_next) * g * (1 - g)
        expect = tr.A[j] + gate[:, None] * cell.gate_input_jacobian()
        np.testing.assert_allclose(np.asarray(post_step_jacobians(tr)[j]), expect, rtol=1e-12, atol=1e-14)
    leaky = init_cell(jax.random.key(0), "leaky", 6, 2)
    tr_l = trajectory(leaky, us)
    np.testing.assert_array_equal(np.asarray(post_step_jacobians(tr_l)), np.asarray(tr_l.J))


def test_authors_pairs_and_predictor_against_loops():
    """Every entry [l-1, k] of `authors_pairs` is power_norm of J[k] @ ... @ J[k+l-1] from
    v0[l-1, k], on the windows k >= 1, k + l <= T only; the predictor multiplies the h + 1 gates
    k-1 .. k+l-1 (leaky: alpha^l)."""
    cell, us, tr = _traj("vector", N=5, T=8)
    T = us.shape[0]
    v0 = jax.random.normal(jax.random.key(7), (T, T, 5))
    S, valid = authors_pairs(tr.J, v0)
    S, valid = np.asarray(S), np.asarray(valid)
    lag, k = np.meshgrid(np.arange(1, T + 1), np.arange(T), indexing="ij")
    np.testing.assert_array_equal(valid, (k >= 1) & (k + lag <= T))
    assert not valid[:, 0].any() and not valid[-1].any()  # never the first step; no lag T
    J, g = np.asarray(tr.J), np.asarray(tr.gates)
    Pg = np.asarray(authors_gate_product(tr.gates, cell.kind))
    for ell in range(1, T):
        for kk in range(1, T - ell + 1):
            P = np.eye(5)
            for j in range(kk + ell - 1, kk - 1, -1):
                P = J[j] @ P
            np.testing.assert_allclose(S[ell - 1, kk], float(power_norm(P, v0[ell - 1, kk])), rtol=1e-12)
            np.testing.assert_allclose(Pg[ell - 1, kk], np.mean(np.prod(g[kk - 1 : kk + ell], 0)), rtol=1e-12)
    leaky = init_cell(jax.random.key(0), "leaky", 5, 2, alpha=0.8)
    PgL = np.asarray(authors_gate_product(trajectory(leaky, us).gates, "leaky"))
    np.testing.assert_allclose(PgL[: T - 3, 3], 0.8 ** np.arange(1, T - 2), rtol=1e-12)


def test_authors_probe_sequence_is_keyed_and_keeps_the_exact_parts():
    """Same key, same result; another key, another S; the first-order theory is the exact one."""
    cell = init_cell(jax.random.key(4), "scalar", 8, 4)
    us, _ = sample(jax.random.key(5), "adding", 1, 10, 4)
    f = jax.jit(authors_probe_sequence)
    a, b = f(cell, us[0], jax.random.key(1)), f(cell, us[0], jax.random.key(1))
    c = f(cell, us[0], jax.random.key(2))
    np.testing.assert_array_equal(np.asarray(a["S"]), np.asarray(b["S"]))
    assert np.any(np.asarray(a["S"]) != np.asarray(c["S"]))
    ex = jax.jit(probe_sequence)(cell, us[0])
    for key in ("diag", "mu0", "mu1", "bound", "P_ret"):
        np.testing.assert_allclose(np.asarray(a[key]), np.asarray(ex[key]), rtol=1e-13, atol=1e-300, err_msg=key)


def test_smoke_study_with_the_authors_measure():
    """`gating-lr --measure authors` runs on the smoke profile and computes every check."""
    from numerics.study.runner import get_study

    study = get_study("gating-lr")
    cfg = study.config("smoke", seed=0, overrides={"measure": "authors"}, progress=False)
    result = study.run(cfg)
    assert len(result.checks) == 16  # the two leaky identities, 2 x 3 per cell, 4 x 2 per gate
    assert all(np.isfinite(c.value) for c in result.checks if not isinstance(c.value, bool))
    failed = [(c.name, c.value, c.tolerance) for c in result.checks if not c.passed]
    assert not failed, failed
    assert result.params["measure"] == "authors"
    prof = result.series["vector_profile"]  # (seed, checkpoint, lag): the authors' lags stop at T - 1
    assert np.all(np.isnan(prof[..., -1])) and np.all(np.isfinite(prof[..., :-1]))


def test_measure_is_validated():
    from numerics.core import UsageError
    from numerics.study.runner import get_study

    with pytest.raises(UsageError, match=r"measure='bogus' is not allowed; allowed: exact, authors"):
        get_study("gating-lr").config("smoke", overrides={"measure": "bogus"}, progress=False)


def test_summary_routes_agree_under_the_authors_measure():
    """The study's host and device summaries agree on the authors' measurement (lag T: NaN in both)."""
    from numerics.gating import init_model
    from numerics.gating.studies import lr as s1

    cells = jax.tree.map(lambda *x: jnp.stack(x), *[init_model(jax.random.key(k), "scalar", 8, 4).cell for k in (1, 2)])
    us, _ = sample(jax.random.key(5), "adding", 3, 12, 4)
    keys = np.asarray(jax.random.key_data(jax.random.split(jax.random.key(9), 3)))
    host, dev = (s1._probe_cells(cells, us, route=r, authors_keys=keys) for r in ("host", "device"))
    for h, d in zip(host, dev):
        assert h.keys() == d.keys()
        for k in h:
            np.testing.assert_allclose(d[k], h[k], rtol=1e-12, atol=0, err_msg=k)
        assert np.isnan(h["profile"][-1]) and np.all(np.isfinite(h["profile"][:-1]))
