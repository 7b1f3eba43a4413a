"""Tasks: shapes, determinism, targets computed independently in numpy."""

import jax
import numpy as np
import pytest

from numerics.gating import TASKS, sample


@pytest.mark.parametrize("task", TASKS)
def test_shapes_determinism_finiteness(task):
    us, y = sample(jax.random.key(0), task, 16, 48, 6)
    us2, y2 = sample(jax.random.key(0), task, 16, 48, 6)
    assert us.shape == (16, 48, 6) and y.shape == (16,)
    np.testing.assert_array_equal(y, y2)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(us))
    assert not np.array_equal(y, sample(jax.random.key(1), task, 16, 48, 6)[1])


def test_targets_recomputed_in_numpy():
    T = 48  # the shapes of the test above: no new compilation
    us, y = map(np.asarray, sample(jax.random.key(2), "adding", 16, T, 6))
    assert np.all(us[:, :, -1].sum(1) == 2) and np.all(us[:, : T // 2, -1].sum(1) == 1)
    np.testing.assert_allclose(y, (us[:, :, 0] * us[:, :, -1]).sum(1))
    us, y = map(np.asarray, sample(jax.random.key(2), "delaysum", 16, T, 6))
    np.testing.assert_allclose(y, 0.25 * sum(us[:, T - 1 - d, 0] for d in (4, 12, 24, 36)))
    us, y = map(np.asarray, sample(jax.random.key(2), "movingavg", 16, T, 6))
    np.testing.assert_allclose(y, us[:, -8:, 0].mean(1))
    us, y = map(np.asarray, sample(jax.random.key(2), "ar2", 16, T, 6))
    z = np.zeros((16, T + 2))
    for t in range(T):
        z[:, t + 2] = 1.6 * z[:, t + 1] - 0.7 * z[:, t] + us[:, t, 0]
    np.testing.assert_allclose(y, z[:, -1], atol=1e-14)  # predictable from the inputs
    us, y = map(np.asarray, sample(jax.random.key(2), "narma10", 16, T, 6))
    u = us[:, :, 0]
    yy = np.zeros((16, T + 1))
    for t in range(T):
        hist = sum(yy[:, t - i] if t - i >= 0 else 0 for i in range(10))
        um = u[:, t - 9] if t >= 9 else 0
        yy[:, t + 1] = 0.3 * yy[:, t] + 0.05 * yy[:, t] * hist + 1.5 * um * u[:, t] + 0.1
    np.testing.assert_allclose(y, yy[:, -1], atol=1e-12)


def test_diverging_narma_sequence_is_redrawn():
    """Key 82, T = 120: sequence 35 of the plain NARMA-10 draw runs off to infinity (and would make a
    training run NaN); the sampler replaces it by a bounded redraw, and leaves the other 63 as drawn."""
    T = 120
    u0 = np.asarray(jax.random.uniform(jax.random.key(82), (64, T), maxval=0.5))
    us, y = map(np.asarray, sample(jax.random.key(82), "narma10", 64, T, 6))
    assert np.all(np.isfinite(y)) and np.abs(y).max() < 10
    keep = np.arange(64) != 35
    np.testing.assert_array_equal(us[keep, :, 0], u0[keep])
    assert not np.array_equal(us[35, :, 0], u0[35])
    yy = np.zeros((64, T + 1))  # the recursion on the sampled inputs reproduces the targets
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            um = us[:, t - 9, 0] if t >= 9 else 0
            yy[:, t + 1] = (
                0.3 * yy[:, t] + 0.05 * yy[:, t] * yy[:, max(0, t - 9) : t + 1].sum(1) + 1.5 * um * us[:, t, 0] + 0.1
            )
    np.testing.assert_allclose(y, yy[:, -1], atol=1e-12)


def test_adding_trivial_mse_is_one_sixth():
    _, y = sample(jax.random.key(5), "adding", 20000, 20, 2)
    assert abs(float(np.var(y)) - 1 / 6) < 0.01  # 4 standard errors of the variance estimate


def test_bad_task_and_length():
    with pytest.raises(ValueError, match="allowed"):
        sample(jax.random.key(0), "copy", 2, 10, 2)
    with pytest.raises(ValueError, match="T >= 37"):
        sample(jax.random.key(0), "delaysum", 2, 20, 2)
