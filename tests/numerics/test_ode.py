"""diffrax wrappers: accuracy, events, vmapped per-element success, failure messages."""

import jax.numpy as jnp
import numpy as np
import pytest

from numerics.core import SolveError, raise_on_failure, solve, solve_batch


def decay(t, y, a):
    return -a[0] * y


def test_solve_accuracy_converges_with_tolerance():
    ts = jnp.linspace(0.0, 2.0, 5)
    errs = []
    for rtol in (1e-4, 1e-7, 1e-10):
        sol = solve(decay, jnp.array([1.0]), jnp.array([1.5]), ts, rtol=rtol, atol=rtol * 1e-2)
        errs.append(float(jnp.max(jnp.abs(sol.ys[:, 0] - jnp.exp(-1.5 * ts)))))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-9


def test_event_stops_and_marks():
    sol = solve(decay, jnp.array([1.0]), jnp.array([1.0]), jnp.linspace(0, 2, 9), event=lambda t, y, a: y[0] - 0.5)
    assert bool(sol.event) and bool(sol.ok)
    assert np.isinf(np.asarray(sol.ys)[-1, 0])
    assert float(sol.t_final) <= np.log(2.0) + 1e-12


def test_batch_reports_each_failure_and_names_the_point():
    blowup = lambda t, y, a: a[0] * y**2  # noqa: E731  (finite-time blow-up at t = 1/a for y0 = 1)
    sol = solve_batch(blowup, jnp.ones((3, 1)), jnp.array([[0.1], [2.0], [0.3]]), jnp.linspace(0, 1, 4), max_steps=2000)
    np.testing.assert_array_equal(np.asarray(sol.ok), [True, False, True])
    with pytest.raises(SolveError, match=r"a=2\.0.*kvaerno5"):
        raise_on_failure(sol, "demo", [{"a": 0.1}, {"a": 2.0}, {"a": 0.3}])
