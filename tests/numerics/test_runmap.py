"""run_map: one process (walked runs) equals vmap; worker processes give the same runs;
shared arguments; bad input is a one-line error."""

import functools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.core import cpu_workers, run_map


def _fn(key_data, W, shift):
    """A picklable per-run function: a seeded tanh recurrence and an SVD (LAPACK)."""
    x = jax.random.normal(jax.random.wrap_key_data(key_data), (W.shape[0],))

    def body(x, _):
        return jnp.tanh(W @ x + shift), None

    return {"x": jax.lax.scan(body, x, None, length=20)[0], "n": jnp.linalg.norm(W, 2)}


def _inputs(n=5):
    keys = jax.random.key_data(jax.random.split(jax.random.key(0), n))
    return keys, jax.random.normal(jax.random.key(1), (n, 6, 6)) / 3


def test_walked_runs_match_vmap():
    keys, Ws = _inputs()
    one = run_map(_fn, in_axes=(0, 0, None))(keys, Ws, 0.1)
    ref = jax.vmap(_fn, in_axes=(0, 0, None))(keys, Ws, 0.1)
    for k in one:
        assert one[k].shape == ref[k].shape
        np.testing.assert_allclose(one[k], ref[k], rtol=1e-12, atol=1e-15)


def test_worker_processes_give_the_same_runs():
    keys, Ws = _inputs()
    f = functools.partial(_fn, shift=0.1)
    one = run_map(f)(keys, Ws)
    two = run_map(f, workers=2)(keys, Ws)  # blocks of 3 and 2 runs in two spawned processes
    for k in one:
        np.testing.assert_allclose(np.asarray(two[k]), np.asarray(one[k]), rtol=1e-13, atol=1e-15)


def test_bad_input_is_one_line_error():
    with pytest.raises(ValueError, match="workers=-1"):
        run_map(_fn, workers=-1)
    keys, Ws = _inputs(2)
    with pytest.raises(ValueError, match="in_axes"):
        run_map(_fn, in_axes=(0, 1, None))(keys, Ws, 0.0)
    assert cpu_workers(3) == 3 and cpu_workers(0) >= 1


def _fails_in_worker(x):
    """Traces fine in the test process (run_map's shape check), raises in a worker process."""
    if os.getpid() != int(os.environ["RUNMAP_TEST_PARENT"]):
        raise FloatingPointError("boom")
    return x


def test_worker_failure_and_unpicklable_fn_are_clear_errors(monkeypatch):
    x = jnp.arange(4.0)
    monkeypatch.setenv("RUNMAP_TEST_PARENT", str(os.getpid()))
    with pytest.raises(RuntimeError, match="worker process failed.*boom"):
        run_map(_fails_in_worker, workers=2)(x)
    with pytest.raises(Exception, match="pickle|Pickl"):
        run_map(lambda v: v + 1, workers=2)(x)
