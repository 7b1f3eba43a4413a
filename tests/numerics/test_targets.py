"""State-space targets: table normalisations, impulse responses, CLI parsing and validation."""

import math

import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl

from numerics.core import UsageError
from numerics.integrator import Target, k_star, make_target, parse_target, stationary_variance, validate_target


def test_unit_normalisations_match_table():
    c, w = 0.3, 1.7
    assert math.isclose(float(make_target("leaky", c_star=c, norm="unit").bs[0]), math.sqrt(2 * c), rel_tol=1e-12)
    for phase, sign in (("cos", 1), ("sin", -1)):
        amp = (1 / (4 * c) + sign * c / (4 * (c * c + w * w))) ** -0.5
        t = make_target("oscillator", c_star=c, omega_star=w, norm="unit", phase=phase)
        assert math.isclose(float(t.bs[0]), amp, rel_tol=1e-12)
    t = make_target("sum_exp", rates=(0.1, 0.5, 2.0), weights=(1.0, -0.5, 0.3), norm="unit")
    ww, cc = np.asarray(t.bs), np.array([0.1, 0.5, 2.0])
    assert math.isclose(float(np.sum(np.outer(ww, ww) / (cc[:, None] + cc[None]))), 1.0, rel_tol=1e-12)


def test_impulse_responses_and_variance():
    tau = np.linspace(0, 7, 29)
    osc = make_target("oscillator", c_star=0.2, omega_star=1.3, amp=0.7)
    np.testing.assert_allclose(k_star(osc, tau), 0.7 * np.exp(-0.2 * tau) * np.cos(1.3 * tau), atol=1e-13)
    sin = make_target("oscillator", c_star=0.2, omega_star=1.3, phase="sin")
    np.testing.assert_allclose(k_star(sin, tau), np.exp(-0.2 * tau) * np.sin(1.3 * tau), atol=1e-13)
    se = make_target("sum_exp", rates=(0.1, 1.0), weights=(2.0, -1.0))
    np.testing.assert_allclose(k_star(se, tau), 2 * np.exp(-0.1 * tau) - np.exp(-tau), atol=1e-13)
    for t in (osc, se):
        As, bs, cs = (np.asarray(x) for x in t)
        quad = si.quad(lambda s: float(cs @ sl.expm(As * s) @ bs) ** 2, 0, np.inf, limit=400)[0]
        assert math.isclose(stationary_variance(t), quad, rel_tol=1e-8)
    assert math.isclose(stationary_variance(make_target("leaky", c_star=0.2)), 1 / 0.4, rel_tol=1e-12)


def test_parse_sums_terms():
    t = parse_target("exp:0.2:2+osc:0.1:2.0")
    tau = np.linspace(0, 5, 11)
    np.testing.assert_allclose(
        k_star(t, tau), 2 * np.exp(-0.2 * tau) + np.exp(-0.1 * tau) * np.cos(2 * tau), atol=1e-13
    )
    t2 = parse_target(["exp:0.2:2", "osc:0.1:2.0"])
    np.testing.assert_array_equal(np.asarray(t2.As), np.asarray(t.As))
    assert math.isclose(stationary_variance(parse_target("exp:0.5,exp:0.1", norm="unit")), 1.0, rel_tol=1e-12)


@pytest.mark.parametrize(
    "spec,needle",
    [
        ("exp:-1", "RATE=-1"),
        ("exp:0", "RATE=0"),
        ("exp:nan", "RATE=nan"),
        ("osc:0.1", "malformed"),
        ("lin:1", "malformed"),
        ("exp:x", "numbers expected"),
        ("osc:0.1:inf", "FREQ=inf"),
        ("", "empty"),
        ("exp:1:0", "AMP=0"),
    ],
)
def test_parse_errors_are_one_line(spec, needle):
    with pytest.raises(UsageError) as e:
        parse_target(spec)
    msg = str(e.value)
    assert needle in msg and "\n" not in msg


def test_validate_rejects_bad_targets():
    import jax.numpy as jnp

    with pytest.raises(UsageError, match="max Re eig"):
        validate_target(Target(jnp.array([[0.1]]), jnp.array([1.0]), jnp.array([1.0])))
    with pytest.raises(UsageError, match="non-finite"):
        validate_target(Target(jnp.array([[-0.1]]), jnp.array([jnp.nan]), jnp.array([1.0])))
    with pytest.raises(UsageError, match="malformed"):
        validate_target(Target(jnp.array([[-0.1]]), jnp.array([1.0, 2.0]), jnp.array([1.0])))
    with pytest.raises(UsageError, match="c_star"):
        make_target("leaky", c_star=-0.2)
    with pytest.raises(UsageError, match="kind"):
        make_target("square")
