"""The explicit backward pass equals JAX autodiff of the loss (1e-12) and central finite
differences (error shrinking as h^2); training with it equals training with autodiff."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.gating import KINDS, Arm, init_model, loss, loss_and_grad, sample, sigmoid, train_seeds


def _model(kind, use_bias, seed=0):
    """A model with sizeable, non-symmetric weights and nonzero biases (gates away from 1/2)."""
    m = init_model(jax.random.key(seed), kind, 9, 4, use_bias=use_bias, scheme="normal", std=0.5)
    if use_bias:
        k1, k2 = jax.random.split(jax.random.key(seed + 100))
        m = eqx.tree_at(lambda m: m.cell.b, m, 0.3 * jax.random.normal(k1, m.cell.b.shape))
        if m.cell.b_g is not None:
            m = eqx.tree_at(lambda m: m.cell.b_g, m, 0.5 + 0.3 * jax.random.normal(k2, m.cell.b_g.shape))
    return m


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("use_bias", [False, True])
def test_equals_autodiff(kind, use_bias):
    m = _model(kind, use_bias)
    for task in ("adding", "ar2"):
        us, y = sample(jax.random.key(7), task, 6, 25, 4)
        L_ref, g_ref = eqx.filter_value_and_grad(loss)(m, us, y)
        L, g = jax.jit(loss_and_grad)(m, us, y)
        np.testing.assert_allclose(L, L_ref, rtol=1e-13)
        assert jax.tree.structure(g) == jax.tree.structure(g_ref)
        for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(g_ref)):
            scale = float(jnp.max(jnp.abs(b)))
            assert scale > 0
            assert float(jnp.max(jnp.abs(a - b))) <= 1e-12 * scale


@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_directional_derivative_converges_as_h_squared(kind):
    """Central differences of the loss along a random unit direction: the gap to <grad, v>
    falls about 100x per 10x smaller h (h^2; asserted > 50x). A wrong gradient would make the
    gap level off at its error instead; at h = 1e-3 the gap (h^2 term ~5e-7 of the derivative
    here, rounding ~1e-13) is asserted below 1e-5 of the derivative."""
    m = _model(kind, True, seed=1)
    us, y = sample(jax.random.key(8), "adding", 5, 20, 4)
    _, g = loss_and_grad(m, us, y)
    params, static = eqx.partition(m, eqx.is_array)
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(9), len(leaves))
    raw = [jax.random.normal(k, p.shape) for k, p in zip(keys, leaves)]
    norm = jnp.sqrt(sum(jnp.sum(r**2) for r in raw))
    v = jax.tree.unflatten(tree, [r / norm for r in raw])  # a unit direction
    exact = sum(jnp.vdot(a, b) for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(v)))

    def L(h):
        return loss(eqx.combine(jax.tree.map(lambda p, d: p + h * d, params, v), static), us, y)

    gaps = [abs(float((L(h) - L(-h)) / (2 * h) - exact)) for h in (1e-1, 1e-2, 1e-3)]
    assert gaps[1] < gaps[0] / 50 and gaps[2] < gaps[1] / 50, gaps
    assert gaps[2] < 1e-5 * abs(float(exact)), (gaps, float(exact))


def test_sigmoid_matches_jax_and_saturates():
    z = jnp.linspace(-800.0, 800.0, 4001)
    np.testing.assert_allclose(sigmoid(z), jax.nn.sigmoid(z), rtol=1e-15, atol=0)
    assert float(sigmoid(jnp.array(-1000.0))) == 0.0 and float(sigmoid(jnp.array(1000.0))) == 1.0


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_equals_autodiff_training(optimizer):
    keys = jax.random.split(jax.random.key(3), 2)
    kw = dict(N=8, Ni=6, T=16, batch=8, steps=15, checkpoints=(0, 15))
    arm = Arm("vector", optimizer, 1e-2)
    a, la = train_seeds(keys, arm, ("ar2", "movingavg"), task_ids=jnp.array([0, 1]), **kw)
    b, lb = train_seeds(keys, arm, ("ar2", "movingavg"), task_ids=jnp.array([0, 1]), grad="autodiff", **kw)
    np.testing.assert_allclose(la, lb, rtol=1e-10)
    np.testing.assert_allclose(a.cell.W_rg, b.cell.W_rg, rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="grad='numeric'"):
        train_seeds(keys, arm, "adding", grad="numeric", **kw)
