"""Lundberg roots (codegen + optimistix vs SciPy brentq), samplers and process Monte Carlo."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from numerics.anticollapse import lundberg_root, phi_function, sde_gaussian, simulate, simulate_pushes, step_sampler


def plain_phi(family, th, *p):
    """Plain JAX implementations of Φ (independent of SymPy/codegen)."""
    if family == "bernoulli_exp":
        k, pp, g = p
        return -k * th + jnp.log1p(pp * th / (g - th))
    if family == "tempered_lo":
        k, c, a, lam = p
        return -k * th + c * jnp.exp(jax.scipy.special.gammaln(-a)) * -1.0 * ((lam - th) ** a - lam**a)
    if family == "bounded":
        k, pp, j = p
        return -k * th + jnp.log(1 - pp + pp * jnp.expm1(th * j) / (th * j))
    raise KeyError(family)


@pytest.mark.parametrize(
    "family,params",
    [
        ("bernoulli_exp", (0.05, 0.02, 1.0)),
        ("tempered_lo", (0.05, 0.02, 0.5, 1.0)),
        ("bounded", (0.05, 0.2, 0.12)),
    ],
)
def test_codegen_phi_matches_plain_jax_and_autodiff(family, params):
    phi = phi_function(family)
    p = [jnp.asarray(v) for v in params]
    for th in (0.1, 0.4, 0.7):
        # Γ(-a) < 0 for 0<a<1; plain form uses -|Γ(-a)| via gammaln (sign restored by the -1 factor)
        assert float(phi(jnp.asarray(th), *p)) == pytest.approx(float(plain_phi(family, th, *params)), rel=1e-12)
        g1 = jax.grad(lambda t: phi(t, *p))(jnp.asarray(th))
        g2 = jax.grad(lambda t: plain_phi(family, t, *params))(jnp.asarray(th))
        assert float(g1) == pytest.approx(float(g2), rel=1e-10)


def _brentq_root(family, params, hi):
    phi = phi_function(family)
    p = [jnp.asarray(v) for v in params]
    return brentq(lambda t: float(phi(jnp.asarray(t), *p)), 1e-6, hi, xtol=1e-14, rtol=1e-13)


@pytest.mark.parametrize(
    "family,params,ref,hi",
    [
        ("tempered_lo", (0.04, 0.02, 0.5, 1.0), 0.40332, 1.0),
        ("tempered_lo", (0.07, 0.02, 0.5, 1.0), 0.99984, 1.0),
        ("tempered_hi", (0.005, 0.02, 1.5, 1.0), 0.26866, 1.0),
        ("tempered_hi", (0.02, 0.02, 1.5, 1.0), 0.89868, 1.0),
        ("truncated_stable", (0.05, 0.01, 1.2, 10.0), 0.4485, 5.0),
        ("truncated_stable", (0.05, 0.01, 1.8, 40.0), 0.1998, 5.0),
        ("bernoulli_exp", (0.05, 0.02, 2.0), 1.6159, 1.9999),
        ("bounded", (0.05, 0.2, 0.06), 501, 2000.0),
        ("bounded", (0.05, 0.2, 0.20), 15.53, 100.0),
    ],
)
def test_roots_reference_values_and_brentq(family, params, ref, hi):
    r = lundberg_root(family, params)
    assert r.phase == "extended"
    assert r.beta == pytest.approx(_brentq_root(family, params, hi), rel=1e-9)
    decimals = len(str(ref).split(".")[1]) if "." in str(ref) else 0
    assert r.beta == pytest.approx(ref, abs=0.5 * 10.0**-decimals)  # the spec's printed precision


def test_truncated_stable_integral_by_quadrature():
    phi = phi_function("truncated_stable")
    for a, yc, th in ((1.2, 10.0, 0.3), (1.8, 40.0, 0.2), (1.5, 20.0, 0.6)):
        val = quad(lambda y: (math.expm1(th * y) - th * y) * y ** (-1 - a), 0, yc, limit=200, epsrel=1e-12)[0]
        assert float(phi(jnp.asarray(th), 0.05, 0.01, a, yc)) == pytest.approx(-0.05 * th + 0.01 * val, rel=1e-9)


def test_phases():
    assert lundberg_root("tempered_lo", (0.03, 0.02, 0.5, 1.0)).phase == "runaway"
    fl = lundberg_root("tempered_lo", (0.08, 0.02, 0.5, 1.0))
    assert fl.phase == "forcing_limited" and fl.beta == 1.0
    assert lundberg_root("bounded", (0.05, 0.2, 0.05)).phase == "collapsed"
    assert lundberg_root("bounded", (0.05, 0.2, 0.6)).phase == "runaway"
    assert lundberg_root("gaussian", (0.02, 0.3)).beta == pytest.approx(2 * 0.02 / 0.09, rel=1e-10)
    # truncated stable: β falls as y_c grows; the leading asymptotic overestimates (spec §5.5)
    b = [lundberg_root("truncated_stable", (0.05, 0.01, 1.5, y)).beta for y in (10.0, 20.0, 40.0)]
    assert b[0] > b[1] > b[2]
    assert all((1 + 1.5) * math.log(y) / y > bb for y, bb in zip((10.0, 20.0, 40.0), b))


@pytest.mark.parametrize(
    "family,params",
    [
        ("gaussian", (0.02, 0.2)),
        ("bernoulli_exp", (0.05, 0.02, 1.0)),
        ("bounded", (0.05, 0.2, 0.2)),
        ("poisson_pareto", (0.05, 0.02, 1.0)),
        ("tempered_lo", (0.05, 0.02, 0.5, 1.0)),
        ("tempered_hi", (0.01, 0.02, 1.5, 1.0)),
        ("truncated_stable", (0.05, 0.01, 1.5, 10.0)),
    ],
)
def test_sampler_cumulant_is_phi(family, params):
    """log mean e^{θY} of 1e5 sampled steps ≈ Φ(θ) at θ = β/2 (e^{θY} has finite variance)."""
    beta = lundberg_root(family, params).beta
    th = 0.5 * beta
    y = np.asarray(step_sampler(family, params)(jax.random.key(3), 100_000))
    e = np.exp(th * y)
    se = e.std() / e.mean() / math.sqrt(y.size)
    phi = float(phi_function(family)(jnp.asarray(th), *[jnp.asarray(v) for v in params]))
    # 4 standard errors + the small-jump (Asmussen–Rosiński) approximation for Lévy families
    extra = 2e-4 if family in ("tempered_lo", "tempered_hi", "truncated_stable") else 0.0
    assert abs(math.log(e.mean()) - phi) < 4 * se + extra


def test_event_driven_equals_stepwise_in_law():
    prm, n, k = (0.05, 0.03, 1.0), 20_000, 1500
    a = np.asarray(simulate("bernoulli_exp", prm, jax.random.key(0), n_units=n, n_steps=k))
    b = np.asarray(simulate_pushes("bernoulli_exp", prm, jax.random.key(1), n_units=n, n_steps=k))
    pa, pb = (a == 0).mean(), (b == 0).mean()
    assert abs(pa - pb) < 4 * math.sqrt(2 * pa * (1 - pa) / n)
    sd = math.sqrt((a.var() + b.var()) / n)
    assert abs(a.mean() - b.mean()) < 4 * sd


def test_bounded_collapse_is_exact():
    x = simulate_pushes("bounded", (0.05, 0.2, 0.05), jax.random.key(2), n_units=5000, n_steps=1000)
    assert float(jnp.max(x)) == 0.0
    y = simulate("bounded", (0.05, 0.2, 0.05), jax.random.key(2), n_units=2000, n_steps=300)
    assert float(jnp.max(y)) == 0.0


def test_sde_gaussian_runs_and_is_stationary_shape():
    xs = np.asarray(sde_gaussian(0.5, 1.0, jax.random.key(4), n_paths=8, t1=30.0))
    assert xs.ndim == 1 and xs.size == 8 * 6 and np.all(np.isfinite(xs))
    assert xs.min() > -1.0  # the stiff wall keeps X near or above 0


def test_simulate_levy_grid_keeps_each_law():
    """One step from X = 1e3 (no reflection) of a two-law grid: each row's cumulant log E e^{θY}
    matches its own Φ(θ) at θ = β/2 (4 standard errors + the small-jump approximation, as above)."""
    from numerics.anticollapse import simulate_levy

    specs = [("tempered_lo", (0.05, 0.02, 0.5, 1.0)), ("truncated_stable", (0.05, 0.01, 1.5, 10.0))]
    x0 = np.full((2, 100_000), 1e3)
    y = np.asarray(simulate_levy(specs, jax.random.key(5), n_units=100_000, n_steps=1, x0=x0)) - 1e3
    for (family, params), yy in zip(specs, y):
        th = 0.5 * lundberg_root(family, params).beta
        e = np.exp(th * yy)
        se = e.std() / e.mean() / math.sqrt(yy.size)
        phi = float(phi_function(family)(jnp.asarray(th), *[jnp.asarray(v) for v in params]))
        assert abs(math.log(e.mean()) - phi) < 4 * se + 2e-4
    with pytest.raises(ValueError):
        simulate_levy([], jax.random.key(0))


def _mp_bounded_root(kappa, p, jmax, lo, hi):
    """Root of Φ_d for bounded pushes in 60-digit arithmetic (no overflow; independent of codegen)."""
    import mpmath as mp

    with mp.workdps(60):
        k, pp, j = mp.mpf(kappa), mp.mpf(p), mp.mpf(jmax)
        f = lambda t: -k * t + mp.log(1 - pp + pp * mp.expm1(t * j) / (t * j))  # noqa: E731
        return float(mp.findroot(f, (mp.mpf(lo), mp.mpf(hi)), solver="anderson"))


def test_root_bracket_extends_beyond_theta_max():
    """Roots above the first-pass grid (θ ≤ 1e4) are found by the adaptive extension, not
    reported as collapsed: the sharp threshold of §5.6 (collapse iff J_max ≤ κ) and §5.1
    (Gaussian: extended whenever κ > 0)."""
    r = lundberg_root("bounded", (0.05, 0.2, 0.0501))
    assert r.phase == "extended"
    # Φ_d(θ) = θ(J - κ) + log(p/(θJ)) + o(1): the root is ≈ 1.0e5; e^{θJ} overflows float64 near θ = 14167
    assert r.beta == pytest.approx(_mp_bounded_root(0.05, 0.2, 0.0501, 5e4, 2e5), rel=1e-9)
    g = lundberg_root("gaussian", (0.5, 0.005))
    assert g.phase == "extended" and g.beta == pytest.approx(2 * 0.5 / 0.005**2, rel=1e-9)
    # secant closure of the bracket: Φ_d turns upward at θ ≈ 1/(J - κ) = 2e10 but its root (5.1e11) lies
    # beyond the doubling chain (theta_limit = 1e11); with theta_limit = 1e10 Φ_d is still decreasing there
    jm = 0.05 * (1 + 1e-9)
    s = lundberg_root("bounded", (0.05, 0.2, jm), theta_limit=1e11)
    assert s.phase == "extended" and s.beta > 1e11
    assert lundberg_root("bounded", (0.05, 0.2, jm), theta_limit=1e10).phase == "collapsed"  # documented limit
    assert s.beta == pytest.approx(_mp_bounded_root(0.05, 0.2, jm, 1e11, 1e12), rel=1e-6)
    # J_max ≤ κ: Φ_d < 0 and non-increasing all the way: collapsed
    for j in (0.05, 0.049):
        c = lundberg_root("bounded", (0.05, 0.2, j))
        assert c.phase == "collapsed" and math.isinf(c.beta)
    # the extension path reproduces first-pass roots
    assert lundberg_root("bounded", (0.05, 0.2, 0.2), theta_max=1.0).beta == pytest.approx(15.533101, abs=1e-5)
    assert lundberg_root("tempered_lo", (0.08, 0.02, 0.5, 1.0), theta_max=1e-3).phase == "forcing_limited"
    with pytest.raises(ValueError):
        lundberg_root("gaussian", (0.5, 0.1), theta_max=10.0, theta_limit=1.0)


def test_operational_phase_c3():
    """Spec §4 (c3): extended with β > β_res = 3 is reported operationally collapsed; the root is unchanged."""
    assert lundberg_root("bernoulli_exp", (0.05, 0.02, 2.0)).operational_phase() == "extended"  # β = 1.616
    b = lundberg_root("bounded", (0.05, 0.2, 0.2))  # β = 15.53
    assert b.phase == "extended" and b.operational_phase() == "operationally_collapsed"
    assert b.operational_phase(beta_res=20.0) == "extended"
    assert lundberg_root("bounded", (0.05, 0.2, 0.05)).operational_phase() == "collapsed"
    assert lundberg_root("tempered_lo", (0.03, 0.02, 0.5, 1.0)).operational_phase() == "runaway"


def test_bounded_phi_is_finite_where_the_closed_form_overflows():
    phi = phi_function("bounded")
    p = [jnp.asarray(v) for v in (0.05, 0.2, 0.0501)]
    for th in (1e4, 1.5e4, 1e6, 1e12):
        v = float(phi(jnp.asarray(th), *p))
        ref = th * (0.0501 - 0.05) + math.log(0.2 / (th * 0.0501))  # e^{-θJ} terms are below 1e-200 here
        assert math.isfinite(v) and v == pytest.approx(ref, rel=1e-9, abs=1e-9)
