"""Study integrator-loss: smoke profile passes; crossing time, GD bound, plateau law; the GD check can fail."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics import integrator as lr
from numerics.core import UsageError
from numerics.integrator import _reduced as rd, make_target
from numerics.integrator.studies import loss as il
from numerics.study.runner import get_study


def _cfg(profile="smoke", **over):
    study = get_study(il.NAME)
    return study.config(profile, seed=0, progress=False, overrides=over)


def test_loss_smoke():
    res = get_study(il.NAME).run(_cfg())
    failed = [(c.name, c.value, c.tolerance) for c in res.checks if not c.passed]
    assert not failed, failed
    names = [c.name for c in res.checks]
    for p in ("gd_order_raw_", "gd_order_unit_", "gd_richardson_order_", "plateau_law_unit_", "plateau_convergence_"):
        assert any(n.startswith(p) for n in names), p
    assert all(c.description for c in res.checks)
    for name in ("loss_curves", "plateau", "learning_time", "gd_convergence"):
        assert isinstance(res.figures[name], Figure)
    assert res.series["gd_eta[raw_c0.3]"].shape == (3,)
    np.testing.assert_allclose(res.series["gd_eta[raw_c0.3]"][1:] / res.series["gd_eta[raw_c0.3]"][:-1], 0.5)


def test_gd_eta_bound_is_spec_formula():
    """min(1, 8 c*^3 / A*^2): raw (A* = 1) and unit (A*^2 = 2 c*)."""
    assert il.gd_eta_bound(make_target("leaky", c_star=0.05)) == pytest.approx(1e-3)
    assert il.gd_eta_bound(make_target("leaky", c_star=0.05, norm="unit")) == pytest.approx(0.01)
    assert il.gd_eta_bound(make_target("leaky", c_star=1.0)) == 1.0


def test_plateau_slope_per_decade():
    assert il.plateau_slope(0.2, 1.0) == pytest.approx(1.2 * math.log(10))
    assert il.plateau_slope(0.2, 1.0, 100.0) == pytest.approx(2 * il.plateau_slope(0.2, 1.0))


def test_crossing_time_matches_a_dense_solve():
    """Two-pass crossing time equals the crossing read off one dense solve (to its interpolation error)."""
    n = 8
    target = make_target("leaky", c_star=0.3)
    p0 = lr.init_params(jax.random.PRNGKey(3), n, 0.0, 0.05)
    T, coarse = il.crossing_time(p0, target, 12.0, 0.5, rtol=1e-10, atol=1e-12)
    ts = np.linspace(0.0, 12.0, 6001)
    dense = lr.gradient_flow(p0, target, jnp.asarray(ts), keep_W=False, n_eigs=1, rtol=1e-10, atol=1e-12)
    T_dense = rd.time_to_fraction(ts, dense["loss"], il.F_LEARN)
    assert 0.5 < T < 12.0
    assert abs(T - T_dense) < 1e-4
    assert np.asarray(coarse["loss"])[0] == pytest.approx(float(dense["loss"][0]))


def test_gd_order_check_fails_when_gd_targets_another_flow(monkeypatch):
    """Power of gd_order: GD with a doubled read-in rate converges to a different flow, so its error vs
    the default-rate flow stalls (order ~0) and the check fails."""
    cfg = _cfg(N=8)
    target = make_target("leaky", c_star=0.3)
    p0 = lr.init_params(jax.random.PRNGKey(0), 8, 0.1)
    wrong = functools.partial(lr.gradient_descent, rates=(1.0, 16.0, 8.0))  # r_u = 2N instead of N
    monkeypatch.setattr(il.lr, "gradient_descent", wrong)
    g = il._gd_part(p0, target, "wrong", cfg.params)
    order = next(c for c in il._gd_checks(g) if c.name == "gd_order_wrong")
    assert not order.passed and abs(order.value) < 0.5


def test_options_reject_bad_values():
    opts = {o.key: o for o in get_study(il.NAME).options}
    with pytest.raises(UsageError):
        opts["N"].convert("1")
    with pytest.raises(UsageError):
        opts["c_star"].convert("-0.1")
    with pytest.raises(UsageError):
        get_study(il.NAME).run(_cfg(sigma=1.2))
