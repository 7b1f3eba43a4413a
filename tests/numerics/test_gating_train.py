"""Training: batched seeds equal separate runs (mapped, vmapped, one or two devices);
checkpoints; frozen biases; loss decreases."""

import json
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.gating_tasks import sample
from numerics.gating_train import Arm, init_model, loss, predict, train_seeds


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


# Three S1-style runs trained and probed (all-pairs transport of two probe sequences); run
# here on one device and in a subprocess on two emulated CPU devices.
_SCRIPT = textwrap.dedent(
    """
    import json
    import jax, jax.numpy as jnp, numpy as np
    import numerics
    from numerics.gating_train import Arm, train_seeds
    from numerics.gating_tasks import sample
    from numerics.studies.gating_lr import probe_batch
    keys = jax.random.split(jax.random.key(7), 3)
    snaps, losses = train_seeds(keys, Arm("scalar", "sgd", 0.05), "adding", N=8, Ni=3, T=12, batch=4, steps=5,
                                checkpoints=(5,), devices=0)
    us, _ = sample(jax.random.key(8), "adding", 3, 12, 3)
    out = probe_batch(0)(jax.tree.map(lambda x: x[1, 0], snaps).cell, us)
    RESULT = {"devices": len(jax.devices()), "losses": np.asarray(losses).tolist(),
              "W_r": np.asarray(snaps.cell.W_r).tolist(), "S": np.asarray(out["S"]).tolist()}
    """
)


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
        train_seeds(keys, arm, "adding", devices=-1, **kw)


def test_two_emulated_devices_match_one_device():
    ns: dict = {}
    exec(_SCRIPT, ns)
    one = ns["RESULT"]
    env = dict(os.environ, JAX_NUM_CPU_DEVICES="2", JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", _SCRIPT + "\nprint(json.dumps(RESULT))\n"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    two = json.loads(res.stdout.strip().splitlines()[-1])
    assert one["devices"] == 1 and two["devices"] == 2
    for k in ("losses", "W_r", "S"):
        np.testing.assert_allclose(np.array(two[k]), np.array(one[k]), rtol=1e-12, atol=1e-15)
