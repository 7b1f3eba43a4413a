"""Runs vmapped and sharded over devices: one device in-process, four emulated CPU devices in a subprocess."""

import json
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.core import n_runs_of, pad_runs, run_mesh, shard_runs, sharded_vmap

# A tiny diagonal-RNN training of 5 runs (3 arms + 2 seeds): the multi-device path pads
# 5 -> 8 runs over 4 devices; results must equal the single-device run.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numerics; numerics.configure()
    import jax, jax.numpy as jnp, numpy as np
    from numerics.anticollapse import _train as at
    from numerics.anticollapse import _diag_rnn as dl
    from numerics.anticollapse import make_task
    from numerics.core import sharded_vmap
    task = make_task(jax.random.key(0), 32)
    data = task.batch(jax.random.key(1), jnp.arange(8))
    cfg = at.TrainConfig(batch=4)
    names = ["none", "alpha1.5", "pull", "none", "shared"]
    states = at.stack_runs([at.init_state(dl.init_diag_lrnn(jax.random.key(i), 10, 16), cfg, jax.random.key(20 + i))
                            for i in range(5)])
    arms = at.stack_runs([at.make_arm(n) for n in names])
    perm = jnp.stack([jax.random.key(30 + i) for i in range(5)])
    diagnose = lambda p, a: {"zeta": np.asarray(jax.vmap(dl.effective_nu)(p, a.shared))}
    h = at.train(at.diag_model(), cfg, data, states, arms, perm, [0, 3, 6], diagnose)
    f = sharded_vmap(lambda k, a: jax.random.normal(k, (3,)) * a)
    out = f(jax.random.split(jax.random.key(5), 5), jnp.arange(5.0))
    RESULT = {"devices": len(jax.devices()), "zeta": h.zeta.tolist(), "loss": h.loss.tolist(),
              "dzeta": h.dzeta.tolist(), "toy": np.asarray(out).tolist()}
    """
)


def _run(n_devices: int) -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n_devices}"
    env["JAX_PLATFORMS"] = "cpu"
    code = SCRIPT + "\nprint(json.dumps(RESULT))\n"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_single_device_equals_vmap():
    keys = jax.random.split(jax.random.key(0), 3)
    a = jnp.arange(3.0)
    f = lambda k, s: {"x": jax.random.normal(k, (4,)) * s, "m": s**2}
    out = sharded_vmap(f)(keys, a)
    ref = jax.vmap(f)(keys, a)
    np.testing.assert_array_equal(out["x"], ref["x"])
    np.testing.assert_array_equal(out["m"], ref["m"])
    shared = sharded_vmap(lambda s, v: s * v, in_axes=(0, None))(a, jnp.ones(2))
    np.testing.assert_array_equal(shared, a[:, None] * jnp.ones(2))


def test_padding_and_placement():
    tree = {"a": jnp.arange(5.0), "b": jnp.ones((5, 2))}
    padded, n = pad_runs(tree, 4)
    assert n == 5 and n_runs_of(padded) == 8
    np.testing.assert_array_equal(padded["a"][5:], [4.0, 4.0, 4.0])
    placed = shard_runs(pad_runs(tree, 1)[0], run_mesh())
    np.testing.assert_array_equal(placed["b"], tree["b"])
    with pytest.raises(ValueError):
        n_runs_of({"a": jnp.ones(3), "b": jnp.ones(4)})


def test_four_emulated_devices_match_one_device():
    ns: dict = {}
    exec(SCRIPT, ns)  # the same training on this process's single device
    one, four = ns["RESULT"], _run(4)
    assert one["devices"] == 1 and four["devices"] == 4
    for k in ("zeta", "loss", "dzeta", "toy"):
        np.testing.assert_allclose(np.array(four[k]), np.array(one[k]), rtol=1e-12, atol=1e-14)
