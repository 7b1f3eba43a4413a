"""Cells and code-generated Jacobians against jax.jacfwd (float64, <= 1e-12), and the SymPy
N = 3 Jacobian evaluated numerically (an independent route)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

from numerics.gating import (
    KINDS,
    Cell,
    diag_leak_correction,
    init_cell,
    logit,
    param_jacobian,
    rollout,
    state_jacobian,
)
from theory.gating import symbolic_cell


def _point(kind, N=7, Ni=3, use_bias=True, seed=0):
    cell = init_cell(jax.random.key(seed), kind, N, Ni, use_bias=use_bias, gate_bias=0.3)
    cell = jax.tree.map(lambda v: v + 0.1, cell)  # non-zero biases
    k1, k2 = jax.random.split(jax.random.key(seed + 1))
    return cell, 0.5 * jax.random.normal(k1, (N,)), jax.random.normal(k2, (Ni,))


@pytest.mark.parametrize("kind", KINDS)
def test_state_jacobian_matches_jacfwd(kind):
    cell, x, u = _point(kind)
    J, A, B = state_jacobian(cell, x, u)
    np.testing.assert_allclose(J, jax.jacfwd(cell.step)(x, u), atol=1e-12, rtol=0)
    np.testing.assert_allclose(A + B, J, atol=1e-15)
    if kind in ("plain", "leaky"):
        assert float(jnp.abs(B).max()) == 0.0
    else:
        assert float(jnp.abs(B).max()) > 1e-3
        # A is the Jacobian with the gate frozen at its current value
        g = cell.gate(x, u)
        frozen = lambda xp: g * jnp.tanh(cell.preact(xp, u)) + (1 - g) * xp  # noqa: E731
        np.testing.assert_allclose(A, jax.jacfwd(frozen)(x), atol=1e-12, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_diag_leak_correction(kind):
    cell, x, u = _point(kind)
    a, r = diag_leak_correction(cell, x, u)
    np.testing.assert_allclose(a + r, jnp.diag(jax.jacfwd(cell.step)(x, u)), atol=1e-12, rtol=0)
    np.testing.assert_allclose(a, 1 - cell.gate(x, u), atol=1e-15)


@pytest.mark.parametrize("kind", KINDS)
def test_param_jacobian_matches_jacfwd(kind):
    cell, x, u = _point(kind)
    got = param_jacobian(cell, x, u)
    ref = jax.jacfwd(lambda c: c.step(x, u))(cell)
    for g, r in zip(jax.tree.leaves(got), jax.tree.leaves(ref)):
        np.testing.assert_allclose(g, r, atol=1e-12, rtol=0)
    frozen = param_jacobian(_point(kind, use_bias=False)[0], x, u)
    assert float(jnp.abs(frozen.b).max()) == 0.0


@pytest.mark.parametrize("kind", ["leaky", "scalar", "vector"])
def test_symbolic_N3_jacobian_numerically(kind):
    """SymPy's explicit N = 3 Jacobian, lambdified, equals the JAX cell's Jacobian."""
    f, x, Jd, _, theta = symbolic_cell(kind, 3, Ni=1)
    cell, xv, uv = _point(kind, N=3, Ni=1, use_bias=False)
    cell = Cell(
        cell.W_r,
        cell.W_i,
        jnp.zeros(3),
        cell.W_rg,
        cell.W_ig,
        None if cell.b_g is None else jnp.zeros_like(cell.b_g),
        kind,
        cell.alpha,
    )
    subs = {s: float(v) for name in theta for s, v in zip(theta[name], np.ravel(getattr(cell, name)))}
    subs |= {s: float(v) for s, v in zip(x, xv)} | {sp.Symbol("u_1", real=True): float(uv[0])}
    from theory.gating import alpha, sigma

    subs[alpha] = cell.alpha
    J = np.array(Jd.subs(subs).replace(sigma, lambda z: 1 / (1 + sp.exp(-z))).evalf(30), dtype=float)
    np.testing.assert_allclose(J, state_jacobian(cell, xv, uv)[0], atol=1e-13, rtol=0)


def test_rollout_and_plain_limit():
    cell = init_cell(jax.random.key(3), "vector", 5, 2)
    us = jax.random.normal(jax.random.key(4), (12, 2))
    xs = rollout(cell, us)
    x = np.zeros(5)
    W_r, W_i, W_rg, W_ig = (np.asarray(w) for w in (cell.W_r, cell.W_i, cell.W_rg, cell.W_ig))
    for t in range(12):  # numpy reference of the vector-gate update
        u = np.asarray(us[t])
        g = 1 / (1 + np.exp(-(W_rg @ x + W_ig @ u)))
        x = g * np.tanh(W_r @ x + W_i @ u) + (1 - g) * x
        np.testing.assert_allclose(xs[t], x, atol=1e-14)
    leaky1 = init_cell(jax.random.key(3), "leaky", 5, 2, alpha=1.0)
    plain = init_cell(jax.random.key(3), "plain", 5, 2)
    np.testing.assert_allclose(rollout(leaky1, us), rollout(plain, us), atol=1e-15)


def test_init_schemes_and_anticollapse_options():
    c = init_cell(
        jax.random.key(0), "vector", 16, 4, scheme="orthogonal", zero_gate=True, gate_bias=logit(0.005), use_bias=True
    )
    np.testing.assert_allclose(c.W_r @ c.W_r.T, np.eye(16), atol=1e-12)
    assert float(jnp.abs(c.W_rg).max()) == 0.0 and c.use_bias
    np.testing.assert_allclose(c.gate(jnp.zeros(16), jnp.ones(4)), 0.005, rtol=1e-12)
    s = init_cell(jax.random.key(0), "scalar", 16, 4)
    assert s.W_rg.shape == (16,) and s.W_ig.shape == (4,) and s.b_g.shape == ()
    assert float(jnp.abs(s.W_r).max()) <= 1 / 4 and float(jnp.abs(s.W_i).max()) <= 1 / 2
    n = init_cell(jax.random.key(0), "vector", 64, 3, scheme="normal", std=0.2)
    assert abs(float(jnp.std(n.W_r)) - 0.2) < 0.01  # 4096 draws: 3.5 standard errors
    for bad in (dict(kind="gru"), dict(scheme="xavier"), dict(alpha=0.0)):
        kw = dict(kind="leaky", scheme="uniform", alpha=0.5) | bad
        with pytest.raises(ValueError):
            init_cell(jax.random.key(0), kw.pop("kind"), 4, 2, **kw)
