"""Training: batched seeds equal separate runs (mapped over threads, vmapped);
checkpoints; frozen biases; loss decreases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.gating import Arm, init_model, loss, predict, sample, train_seeds


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
    snaps, losses = train_seeds(
        keys,
        Arm("plain", "adam", 1e-2),
        ("movingavg", "adding"),
        N=8,
        Ni=3,
        T=12,
        batch=16,
        steps=60,
        checkpoints=(60,),
        task_ids=jnp.array([0, 1]),
    )
    assert losses.shape == (2, 60)
    assert float(losses[0, -10:].mean()) < float(losses[0, :5].mean())


def test_time_major_loss_equals_per_sequence_predictions():
    for kind in ("plain", "scalar", "vector"):
        m = init_model(jax.random.key(3), kind, 7, 3)
        us, y = sample(jax.random.key(4), "adding", 5, 11, 3)
        ref = jnp.mean((jax.vmap(predict, in_axes=(None, 0))(m, us) - y) ** 2)
        np.testing.assert_allclose(loss(m, us, y), ref, rtol=1e-14)


def test_map_equals_vmap_and_bad_options():
    keys = jax.random.split(jax.random.key(2), 3)
    kw = dict(N=6, Ni=3, T=10, batch=4, steps=5, checkpoints=(0, 5))
    arm = Arm("vector", "sgd", 0.05)
    m, lm = train_seeds(keys, arm, "adding", runs="map", **kw)
    v, lv = train_seeds(keys, arm, "adding", runs="vmap", **kw)
    np.testing.assert_allclose(lm, lv, rtol=1e-12)
    np.testing.assert_allclose(m.cell.W_rg, v.cell.W_rg, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError):
        train_seeds(keys, arm, "adding", runs="pmap", **kw)
    with pytest.raises(ValueError):
        train_seeds(keys, arm, "adding", workers=-1, **kw)


def test_worker_processes_equal_one_process():
    keys = jax.random.split(jax.random.key(5), 3)
    kw = dict(N=6, Ni=3, T=10, batch=4, steps=5, checkpoints=(0, 5))
    arm = Arm("scalar", "adam", 0.01)
    one, l1 = train_seeds(keys, arm, ("adding", "ar2"), task_ids=jnp.array([0, 1, 1]), **kw)
    two, l2 = train_seeds(keys, arm, ("adding", "ar2"), task_ids=jnp.array([0, 1, 1]), workers=2, **kw)
    np.testing.assert_allclose(l2, l1, rtol=1e-13)
    np.testing.assert_allclose(two.cell.W_r, one.cell.W_r, rtol=1e-13, atol=1e-15)
    assert two.cell.kind == "scalar"
