"""Training: vmapped seeds equal separate runs; checkpoints; frozen biases; loss decreases."""

import jax
import jax.numpy as jnp
import numpy as np

from numerics.gating_train import Arm, init_model, train_seeds


def test_vmapped_seeds_equal_single_runs_and_checkpoints():
    keys = jax.random.split(jax.random.key(0), 3)
    kw = dict(N=6, Ni=3, T=10, batch=4, steps=6, checkpoints=(0, 3, 6))
    arm = Arm("vector", "sgd", 0.05)
    snaps, losses = train_seeds(keys[:2], arm, "adding", **kw)
    # the same seed at another position of the vmapped batch (same compiled program) gives the same run
    other, l1 = train_seeds(keys[1:], arm, "adding", **kw)
    np.testing.assert_allclose(losses[1], l1[0], rtol=1e-12)
    np.testing.assert_allclose(snaps.cell.W_r[1], other.cell.W_r[0], rtol=1e-12)
    init = init_model(jax.random.split(keys[0])[0], "vector", 6, 3)
    np.testing.assert_allclose(snaps.cell.W_r[0, 0], init.cell.W_r, rtol=0, atol=0)
    assert not np.allclose(snaps.cell.W_r[0, 1], snaps.cell.W_r[0, 2])
    assert float(jnp.abs(snaps.cell.b).max()) == 0.0  # biases are not trained (no biases, spec §2)


def test_multi_task_runs_and_adam_learns():
    keys = jax.random.split(jax.random.key(1), 2)
    snaps, losses = train_seeds(keys, Arm("plain", "adam", 1e-2), ("movingavg", "adding"), N=8, Ni=3, T=12,
                                batch=16, steps=60, checkpoints=(60,), task_ids=jnp.array([0, 1]))
    assert losses.shape == (2, 60)
    assert float(losses[0, -10:].mean()) < float(losses[0, :5].mean())
