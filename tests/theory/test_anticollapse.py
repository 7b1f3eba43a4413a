"""Symbolic checks S1–S6 of the anti-collapse theory (spec §5.7), each checked two ways."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from theory import anticollapse as A
from theory.equations import get_equation

S = A.SYM


def test_registry_names_and_speed():
    eqs = A.equations()
    assert len(eqs) >= 35
    assert all(e.name.startswith("anticollapse.ac_") for e in eqs)
    for e in eqs:
        assert e.latex()  # every equation prints
    assert get_equation("anticollapse.ac_beta_gaussian").rhs == 2 * S.kappa / S.sigma**2


def test_S1_closed_forms_from_solve():
    b = A.closed_form_betas()
    assert sp.simplify(b["gaussian"] - 2 * S.kappa / S.sigma**2) == 0
    assert sp.simplify(b["poisson_pareto"] - (S.gamma - S.lam_J / S.kappa)) == 0
    spec_half = S.lam - (2 * sp.sqrt(sp.pi) * S.c / S.kappa - sp.sqrt(S.lam)) ** 2
    assert sp.simplify(sp.expand(b["tempered_half"] - spec_half)) == 0
    # spec §5.3 reference values (c=0.02, λ=1)
    f = sp.lambdify(S.kappa, b["tempered_half"].subs({S.c: 0.02, S.lam: 1}))
    np.testing.assert_allclose(
        [f(k) for k in (0.04, 0.05, 0.06, 0.07)], [0.40332, 0.82531, 0.96701, 0.99984], atol=6e-6
    )


def test_S2_poisson_pareto_level_crossing():
    """p(x) = ρβe^{-βx} with β = γ - λ_J/κ, ρ = λ_J/(κγ) solves the level-crossing equation."""
    x, y = S.x, S.y
    b, r = sp.Symbol("b", positive=True), sp.Symbol("r", positive=True)
    conv = sp.integrate(r * b * sp.exp(-b * y) * sp.exp(-S.gamma * (x - y)), (y, 0, x), conds="none")
    lhs = S.kappa * r * b * sp.exp(-b * x)
    rhs = S.lam_J * ((1 - r) * sp.exp(-S.gamma * x) + conv)
    sub = {b: S.gamma - S.lam_J / S.kappa, r: S.lam_J / (S.kappa * S.gamma)}
    resid = (lhs - rhs).subs(sub)
    assert sp.simplify(resid) == 0
    # numeric spot check at a generic point
    assert abs(float(resid.subs({S.kappa: 0.05, S.lam_J: 0.02, S.gamma: 1.3, x: 2.7}))) < 1e-14


def test_S2_gaussian_fokker_planck_zero_flux():
    x = S.x
    beta = 2 * S.kappa / S.sigma**2
    p = beta * sp.exp(-beta * x)
    assert sp.simplify(S.kappa * sp.diff(p, x) + S.sigma**2 / 2 * sp.diff(p, x, 2)) == 0
    assert sp.simplify((S.kappa * p + S.sigma**2 / 2 * sp.diff(p, x)).subs(x, 0)) == 0
    assert sp.integrate(p, (x, 0, sp.oo)) == 1


def test_S3_tempered_laplace_exponent_symbolic():
    """d/dθ of ∫(e^{θy}-1)c y^{-1-a}e^{-λy}dy = c∫y^{-a}e^{-(λ-θ)y}dy equals d/dθ of (5.2); both vanish at 0."""
    q = sp.Symbol("q", positive=True)  # q = λ - θ
    deriv_integral = sp.integrate(S.c * S.y ** (-S.a) * sp.exp(-q * S.y), (S.y, 0, sp.oo), conds="none")
    phi = A.families()["tempered_lo"].phi
    deriv_closed = sp.diff(phi + S.kappa * S.theta, S.theta).subs(S.theta, S.lam - q)
    assert sp.simplify(sp.gammasimp(deriv_integral - deriv_closed)) == 0
    assert (phi + S.kappa * S.theta).subs(S.theta, 0) == 0


@pytest.mark.parametrize(
    "family,a", [("tempered_lo", 0.5), ("tempered_lo", 0.3), ("tempered_hi", 1.5), ("tempered_hi", 1.2)]
)
@pytest.mark.parametrize("theta", [0.3, 0.6])
def test_S3_tempered_quadrature(family, a, theta):
    c, lam = 0.02, 1.0
    fam = A.families()[family]
    kap = fam.params[0]
    closed = float((fam.phi + kap * S.theta).subs({S.c: c, S.a: a, S.lam: lam, S.theta: theta}))
    comp = family == "tempered_hi"

    # (e^{θy} - 1 - comp·θy) c y^{-1-a} e^{-λy} = y^α · g(y) with g smooth at 0: α = 1 - a and
    # g = c e^{-λy}(e^{θy} - 1 - θy)/y² (compensated), or α = -a and g = c e^{-λy}(e^{θy} - 1)/y.
    # On [0, 1] QUADPACK's algebraic weight y^α takes the singularity exactly (QAWS), so the
    # requested 1e-12 is reached; on [1, ∞) the integrand is smooth and decays like e^{(θ-λ)y}.
    def g(y):
        if comp:
            z = theta * y  # (e^z - 1 - z)/y², by its series below z = 1e-3 (cancellation)
            core = theta**2 * (0.5 + z / 6 + z**2 / 24 + z**3 / 120) if z < 1e-3 else (math.expm1(z) - z) / y**2
        else:
            core = math.expm1(theta * y) / y if y > 0 else theta
        return c * math.exp(-lam * y) * core

    def tail(y):
        return (
            c * y ** (-1 - a) * (math.exp((theta - lam) * y) - math.exp(-lam * y) * (1 + (theta * y if comp else 0.0)))
        )

    alpha = 1 - a if comp else -a
    val = (
        quad(g, 0, 1, weight="alg", wvar=(alpha, 0), limit=200, epsabs=0, epsrel=1e-12)[0]
        + quad(tail, 1, np.inf, limit=200, epsabs=0, epsrel=1e-12)[0]
    )
    assert abs(val / closed - 1) <= 1e-11, val / closed - 1  # 10x the requested quadrature accuracy


def test_S4_window_edges():
    lo, hi = A.window_edges()["tempered_lo"]
    m = S.c * sp.gamma(1 - S.a) * S.lam ** (S.a - 1)
    assert sp.simplify(sp.gammasimp(lo - m)) == 0
    assert sp.simplify(sp.gammasimp(hi - m / S.a)) == 0
    e = A.window_edges()["tempered_hi"][1]
    assert sp.simplify(sp.gammasimp(e - S.c * sp.gamma(-S.a) * (S.a - 1) * S.lam ** (S.a - 1))) == 0
    vals = {S.c: 0.02, S.lam: 1, S.a: sp.Rational(1, 2)}
    assert float(lo.subs(vals)) == pytest.approx(0.035449, abs=1e-6)
    assert float(hi.subs(vals)) == pytest.approx(0.070898, abs=1e-6)
    assert float(e.subs({S.c: 0.02, S.lam: 1, S.a: sp.Rational(3, 2)})) == pytest.approx(0.023633, abs=1e-6)


def _num_env(ell, beta, tau0, rho, tau_c):
    return float(
        A.envelope_capped(True).subs({S.ell: ell, S.beta: beta, S.tau0: tau0, S.rho: rho, S.tau_c: tau_c}).evalf(30)
    )


def test_S5_envelope_equals_quadrature():
    beta, tau0, rho, tau_c = 0.7, 4.0, 0.5, 150.0
    dens = A.envelope_density().subs({S.beta: beta, S.tau0: tau0, S.rho: rho, S.tau_c: tau_c})
    dfun = sp.lambdify(S.tau, dens)
    for ell in (1.0, 30.0, 300.0):
        q = (1 - rho) * math.exp(-ell / tau0) + quad(
            lambda t: dfun(t) * math.exp(-ell / t), tau0, tau_c, epsabs=0, epsrel=1e-12, limit=200
        )[0]
        assert abs(_num_env(ell, beta, tau0, rho, tau_c) / q - 1) < 1e-10


def test_S5_three_ranges():
    f = A.envelope_capped(True)
    r = A.envelope_ranges()
    # range 1: series at l = 0 gives 1 - l E[1/τ]
    ser = sp.series(f.subs({S.beta: sp.Rational(1, 2), S.tau0: 4, S.rho: sp.Rational(1, 2), S.tau_c: 100}), S.ell, 0, 2)
    lin = ser.removeO()
    short = r["short"].subs({S.beta: sp.Rational(1, 2), S.tau0: 4, S.rho: sp.Rational(1, 2), S.tau_c: 100})
    assert abs(float(sp.N(lin.subs(S.ell, 1) - short.subs(S.ell, 1), 30))) < 1e-20
    # range 2 and 3 numerically in their regimes (tau0=1, tau_c=1e6 and l >> tau_c)
    vals = {S.beta: 0.6, S.tau0: 1.0, S.rho: 0.5, S.tau_c: 1e12}
    mid = 1e3  # corrections O(e^{-l/τ0}) and O((l/τ_c)^β) = 4e-6
    assert float(f.subs(vals).subs(S.ell, mid).evalf(30)) / float(
        r["power"].subs(vals).subs(S.ell, mid)
    ) == pytest.approx(1, rel=1e-4)
    vals = {S.beta: sp.Rational(3, 5), S.tau0: 1, S.rho: sp.Rational(1, 2), S.tau_c: 10**6}  # exact: the
    far = 10**8  # l/τ_c = 100; γ(β,l/τ0) - γ(β,l/τ_c) ~ e^{-100} needs > 44 digits
    ratio = float(f.subs(vals).subs(S.ell, far).evalf(120)) / float(r["cutoff"].subs(vals).subs(S.ell, far).evalf(120))
    assert ratio == pytest.approx(1, rel=0.02)  # next order is O(tau_c/l) = 1%


def test_S6_lemma_T_limit():
    f = A.envelope_capped(False)
    # γ(β, z) = Γ(β) - Γ(β, z); SymPy takes the limit of each piece
    expr = sp.expand(S.ell**S.beta * f.replace(sp.lowergamma, lambda b, z: sp.gamma(b) - sp.uppergamma(b, z)))
    lim = sum(sp.limit(term, S.ell, sp.oo) for term in expr.as_ordered_terms())
    assert sp.simplify(sp.gammasimp(lim - S.rho * sp.gamma(1 + S.beta) * S.tau0**S.beta)) == 0


def test_bounded_threshold_sign():
    """Φ_d < 0 for all θ > 0 when J_max ≤ κ (sampled θ), and Φ_d(θ) → +∞ when J_max > κ."""
    phi = A.families()["bounded"].phi
    f = sp.lambdify((S.theta, S.kappa, S.p, S.J_max), phi, "mpmath")
    for th in (0.1, 10.0, 1e3):
        assert f(th, 0.05, 0.2, 0.05) < 0
    assert f(1e4, 0.05, 0.2, 0.06) > 0


def test_dphi0_stationarity():
    fam = A.families()
    assert sp.simplify(fam["poisson_pareto"].dphi0 - (S.lam_J / S.gamma - S.kappa)) == 0
    assert sp.simplify(fam["bounded"].dphi0 - (S.p * S.J_max / 2 - S.kappa)) == 0


def test_bounded_numeric_form_equals_phi():
    """The overflow-safe form used for numbers equals Φ_d (e^{θJ} factored out of the log)."""
    fam = A.families()["bounded"]
    args = (S.theta, S.kappa, S.p, S.J_max)
    f = sp.lambdify(args, fam.phi, "mpmath")
    g = sp.lambdify(args, fam.numeric, "mpmath")
    with mpmath.workdps(50):
        for th in ("1e-4", "0.3", "7", "2e3", "1.4e4", "1e5"):
            for prm in (("0.05", "0.2", "0.0501"), ("0.05", "0.2", "0.2"), ("0.01", "0.9", "0.03")):
                a, b = f(mpmath.mpf(th), *map(mpmath.mpf, prm)), g(mpmath.mpf(th), *map(mpmath.mpf, prm))
                assert abs(a - b) <= mpmath.mpf("1e-40") * (1 + abs(a))
    assert all(f_.numeric is None for k, f_ in A.families().items() if k != "bounded")
