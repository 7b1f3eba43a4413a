"""Symbolic integrator results: checked symbolically (simplify to 0) and by an independent
numeric route (quadrature, finite differences, truncated series, special functions)."""

import jax
import numpy as np
import pytest
import scipy.integrate as si
import scipy.special as ss
import sympy as sp

from theory.integrator import _derivations as th, _lazy as lz

A, c, p, d = th.A_star, th.c_star, th.p, th.d


def _num(expr, **vals):
    subs = {getattr(th, k) if hasattr(th, k) else getattr(lz, k): v for k, v in vals.items()}
    return float(expr.subs(subs))


# ------------------------------------------------------------------ registry / LaTeX
def test_registry_names_and_latex(capsys):
    from theory import integrator

    eqs = integrator.equations()
    names = [e.name for e in eqs]
    assert len(names) == len(set(names)) and all(n.startswith("integrator.") for n in names)
    for required in (
        "loss_lyapunov",
        "gradients",
        "loss_1neuron",
        "loss_2neuron",
        "loss_2neuron_oscillator",
        "conserved_Q",
        "conserved_trace",
        "reduced_flow_2x2",
        "oscillator_pair_flow",
        "pair_trace_det",
        "pair_eigenvalues",
        "aligned_loss",
        "aligned_ode",
        "fixed_point",
        "slaved_amplitude",
        "slaved_loss",
        "curvature_at_optimum",
        "learning_time",
        "learning_time_antiderivative",
        "threshold_d1",
        "plateau_escape_time",
        "lazy_kernel",
        "lazy_features",
        "rkhs_norm_sq",
        "lazy_learnable",
        "lazy_learnable_oscillator",
        "loss_discrete",
        "loss_discrete_1neuron",
        "sum_exp_normalisation",
    ):
        assert f"integrator.{required}" in names
    from numerics.cli import main

    assert main(["latex", "integrator.aligned_ode"]) == 0
    out = capsys.readouterr().out
    assert r"c_\star" in out and r"\lambda" in out and r"\sqrt{C^2 + 4 p^2}" in out


# ------------------------------------------------------------------ closed forms
def test_loss_1neuron_matches_quadrature_and_spec_form():
    L1 = th.loss_1neuron()
    spec = sp.Rational(1, 2) * (
        th.s**2 * th.alpha**2 * th.beta**2 / (2 * d) - 2 * th.s * A * th.alpha * th.beta / (d + c) + A**2 / (2 * c)
    )
    assert sp.simplify(L1 - spec) == 0
    vals = dict(alpha=1.3, beta=0.7, d=0.4, A_star=0.9, c_star=0.15, s=0.8)
    ref, _ = si.quad(
        lambda x: 0.5 * (0.8 * 1.3 * 0.7 * np.exp(-0.4 * x) - 0.9 * np.exp(-0.15 * x)) ** 2,
        0,
        np.inf,
        epsabs=0,
        epsrel=1e-12,
    )
    assert _num(L1, **vals) == pytest.approx(ref, rel=1e-9)


def test_aligned_loss_is_spec_form_and_2x2_restriction():
    spec = sp.Rational(1, 2) * (p**2 / (2 * d) - 2 * A * p / (d + c) + A**2 / (2 * c))
    assert sp.simplify(th.aligned_loss() - spec) == 0
    L2, _, _ = th.reduced_loss_2x2("leaky")
    restricted = L2.subs(th._aligned_subs())
    assert sp.simplify(restricted - spec.subs({p: th.alpha * th.beta, d: 1 - th.lam})) == 0


def test_aligned_subset_invariant_and_ode_matches_spec():
    sub, _ = th.aligned_restriction()
    assert all(sp.simplify(sub[i]) == 0 for i in (1, 3, 5, 6, 7))
    (pdot, ddot), _, _ = th.aligned_rhs()
    spec_p = -sp.sqrt(th.C**2 + 4 * p**2) * (p / (2 * d) - A / (d + c))
    spec_d = p**2 / (4 * d**2) - A * p / (d + c) ** 2
    assert sp.simplify(pdot - spec_p) == 0 and sp.simplify(ddot - spec_d) == 0


def test_fixed_point_slaved_and_curvature():
    fp = th.fixed_point()
    assert fp[p] == A and fp[d] == c and fp[th.lam] == 1 - c
    assert sp.simplify(th.slaved_amplitude() - 2 * A * d / (d + c)) == 0
    assert sp.simplify(th.slaved_loss() - A**2 / (4 * c) * ((d - c) / (d + c)) ** 2) == 0
    assert sp.simplify(th.slaved_flow() + A**2 * (d - c) / (d + c) ** 3) == 0
    slaved, fixed = th.curvature_at_optimum()
    assert sp.simplify(slaved - A**2 / (8 * c**3)) == 0 and sp.simplify(fixed - A**2 / (4 * c**3)) == 0
    # numerically: slaved loss = min over p (scan), curvature by central differences
    Lnum = sp.lambdify((p, d, A, c), th.aligned_loss(), "numpy")
    Av, cv = 0.8, 0.2
    for dv in (0.1, 0.3, 1.0):
        ps = np.linspace(0, 3, 300001)
        assert Lnum(ps, dv, Av, cv).min() == pytest.approx(
            _num(th.slaved_loss(), d=dv, A_star=Av, c_star=cv), rel=1e-8, abs=1e-14
        )
    Ls = sp.lambdify((d, A, c), th.slaved_loss(), "numpy")
    h = 1e-4
    fd_slaved = (Ls(cv + h, Av, cv) - 2 * Ls(cv, Av, cv) + Ls(cv - h, Av, cv)) / h**2
    fd_fixed = (Lnum(Av, cv + h, Av, cv) - 2 * Lnum(Av, cv, Av, cv) + Lnum(Av, cv - h, Av, cv)) / h**2
    assert fd_slaved == pytest.approx(Av**2 / (8 * cv**3), rel=1e-6)
    assert fd_fixed == pytest.approx(Av**2 / (4 * cv**3), rel=1e-6)


def test_learning_time_antiderivative_and_quadrature():
    T, F = th.learning_time()
    y = th.y
    assert sp.simplify(sp.diff(F, y) - (y + 2 * c) ** 3 / y) == 0
    d1 = th.threshold_d1().subs(th.q, th._q_expr())
    # threshold: L(d1) = f L(d0)
    Ls = th.slaved_loss()
    assert sp.simplify(Ls.subs(d, d1) - th.f_frac * Ls.subs(d, th.d0)) == 0
    # numerically: T = int_{d1}^{d0} dx / |d-dot|
    Av, cv, d0v, fv = 0.6, 0.1, 1.0, 1e-2
    d1v = _num(d1, c_star=cv, d0=d0v, f_frac=fv)
    ref, _ = si.quad(lambda x: (x + cv) ** 3 / (Av**2 * (x - cv)), d1v, d0v, epsabs=0, epsrel=1e-12)
    assert _num(T, A_star=Av, c_star=cv, d0=d0v, d1=d1v) == pytest.approx(ref, rel=1e-10)
    # unit target: T = 1/(6 c*) + O(1)
    for cv in (1e-3, 1e-4):
        q = np.sqrt(fv) * (1 - cv) / (1 + cv)
        Tv = _num(T, A_star=np.sqrt(2 * cv), c_star=cv, d0=1.0, d1=cv * (1 + q) / (1 - q))
        assert abs(Tv - 1 / (6 * cv)) < 2.0


def test_plateau_rate_and_escape_time():
    assert sp.simplify(th.plateau_rate() - 2 * A / (1 + c)) == 0
    tesc = th.plateau_escape_time()
    assert sp.simplify(tesc - (1 + c) / (2 * A) * sp.log(1 / th.eps**2)) == 0


def test_unit_amplitudes_match_spec_and_quadrature():
    w = th.omega_star
    assert sp.simplify(th.unit_amplitude("leaky") - sp.sqrt(2 * c)) == 0
    for phase, sign in (("cos", 1), ("sin", -1)):
        spec = (1 / (4 * c) + sign * c / (4 * (c**2 + w**2))) ** sp.Rational(-1, 2)
        assert sp.simplify(th.unit_amplitude("oscillator", phase=phase) - spec) == 0
        Av = _num(th.unit_amplitude("oscillator", phase=phase), c_star=0.3, omega_star=1.7)
        trig = np.cos if phase == "cos" else np.sin
        var, _ = si.quad(lambda x: (Av * np.exp(-0.3 * x) * trig(1.7 * x)) ** 2, 0, np.inf, limit=200, epsrel=1e-12)
        assert var == pytest.approx(1.0, rel=1e-9)
    for kind, phase in (("leaky", "cos"), ("oscillator", "cos"), ("oscillator", "sin")):
        k = th.target_kernel(kind, phase)
        want = (
            A
            * sp.exp(-c * th.tau)
            * {"leaky": 1, "cos": sp.cos(w * th.tau), "sin": sp.sin(w * th.tau)}["leaky" if kind == "leaky" else phase]
        )
        assert sp.simplify(k - want) == 0


def test_reduced_symmetry_identity_and_conserved_Q2():
    """Z = dL/da a^T - b dL/db^T + dL/dM M^T - M^T dL/dM = 0 at random points (so Q2 is conserved)."""
    for kind in ("leaky", "oscillator"):
        rhs, state, params = th.reduced_flow_2x2_rhs(kind)
        g = sp.lambdify([state, params], [-r for r in rhs], "numpy")
        prm = [1.2, 0.3] + ([0.8] if kind == "oscillator" else [])
        pts = np.asarray(jax.random.normal(jax.random.key(3), (4, 8))) * np.r_[np.ones(4), 0.3 * np.ones(4)]
        for y in pts:
            gr = np.array(g(y, prm))
            a, b, M = y[:2], y[2:4], y[4:].reshape(2, 2)
            ga, gb, gM = gr[:2], gr[2:4], gr[4:].reshape(2, 2)
            Z = np.outer(ga, a) - np.outer(b, gb) + gM @ M.T - M.T @ gM
            assert np.max(np.abs(Z)) <= 1e-12 * max(1.0, np.max(np.abs(gr)))


def test_pair_effective_equations():
    dtr, ddet, (M, Md), (tr, det), (re, im) = th.pair_effective()
    assert sp.expand(dtr - Md.trace()) == 0
    assert sp.expand(ddet - (M.adjugate() * Md).trace()) == 0
    Mv = np.array([[0.8, -1.0], [1.0, 0.8]])
    lam = np.linalg.eigvals(Mv)
    vals = {tr: np.trace(Mv), det: np.linalg.det(Mv)}
    assert float(re.subs(vals)) == pytest.approx(lam.real.max())
    assert float(im.subs(vals)) == pytest.approx(np.abs(lam.imag).max())


# ------------------------------------------------------------------ lazy regime
def test_lazy_kernel_series_and_closed_form():
    K = th.sp.lambdify((th.tau, lz.tau_p, th.sigma), lz.lazy_kernel(), "scipy")
    phi = sp.lambdify((lz.n, th.tau, th.sigma), lz.lazy_features(), "math")
    # term-by-term: the series of I0
    z = sp.Symbol("z", positive=True)
    bessel = sp.series(sp.besseli(0, 2 * sp.sqrt(z)), z, 0, 8).removeO()
    assert sp.expand(bessel - sum(z**k / sp.factorial(k) ** 2 for k in range(8))) == 0
    ref = {(1, 1): 0.21023, (2, 3): 0.046849, (0, 1): np.exp(-1), (2, 2): 0.076144}  # spec T7 theory
    for (t1, t2), want in ref.items():
        series = sum(phi(k, t1, 0.7) * phi(k, t2, 0.7) for k in range(60))
        closed = np.exp(-(t1 + t2)) * ss.i0(2 * 0.7 * np.sqrt(t1 * t2))
        assert float(K(t1, t2, 0.7)) == pytest.approx(closed, rel=1e-13)
        assert series == pytest.approx(closed, rel=1e-13)
        assert closed == pytest.approx(want, rel=1e-4)


def test_rkhs_norm_and_criterion():
    norm = lz.rkhs_norm_sq()
    assert isinstance(norm, sp.Piecewise)
    inside = norm.args[0]
    assert sp.simplify(inside.expr - 1 / (1 - (1 - c) ** 2 / th.sigma**2)) == 0
    crit = lz.lazy_learnable("leaky")
    for sv, cv in [(0.9, 0.2), (0.5, 0.3), (0.8, 0.05), (0.5, 0.8)]:
        r = (1 - cv) / sv
        partial = np.cumsum(r ** (2 * np.arange(400)))
        finite = bool(crit.subs({th.sigma: sv, c: cv}))
        assert finite == (abs(1 - cv) < sv)
        if finite:
            assert partial[-1] == pytest.approx(float(inside.expr.subs({th.sigma: sv, c: cv})), rel=1e-10)
        else:
            assert partial[-1] > 100
    osc = lz.lazy_learnable("oscillator")
    assert not bool(osc.subs({th.sigma: 0.99, c: 0.2, th.omega_star: 1.0}))  # |0.8 + i| = 1.28
    assert bool(osc.subs({th.sigma: 0.9, c: 0.5, th.omega_star: 0.3}))
    coef, zz = lz.target_coefficients("oscillator")
    assert sp.simplify(zz - (1 - c + sp.I * th.omega_star)) == 0


# ------------------------------------------------------------------ discrete time, sum_exp
def test_discrete_loss_vs_truncated_sum():
    L, (w, u, v) = lz.loss_discrete_1neuron()
    vals = {w: 0.7, u: 1.1, v: 0.9, th.s: 0.5, A: 0.8, lz.rho_star: np.exp(-0.2)}
    n = np.arange(2000)
    k = 0.5 * 0.9 * 0.7**n * 1.1
    ks = 0.8 * np.exp(-0.2) ** n
    assert float(L.subs(vals)) == pytest.approx(0.5 * np.sum((k - ks) ** 2), rel=1e-12)
    assert sp.simplify(lz.unit_amplitude_discrete() - sp.sqrt(1 - lz.rho_star**2)) == 0


def test_sum_exp_normalisation_vs_quadrature():
    pair = lz.sum_exp_pair_integral()
    assert sp.simplify(pair - 1 / (sp.Symbol("c_i", positive=True) + sp.Symbol("c_j", positive=True))) == 0
    w, cs = np.array([0.7, -0.2, 1.1]), np.array([0.3, 1.0, 0.05])
    closed = sum(w[i] * w[j] / (cs[i] + cs[j]) for i in range(3) for j in range(3))
    ref, _ = si.quad(lambda x: np.sum(w * np.exp(-cs * x)) ** 2, 0, np.inf, limit=200, epsrel=1e-12)
    assert closed == pytest.approx(ref, rel=1e-9)


def test_bad_kind_raises():
    with pytest.raises(ValueError):
        th.target_state_space("square")
    with pytest.raises(ValueError):
        th.reduced_loss_2x2("leaky", phase="tan")
    with pytest.raises(ValueError):
        th.readout_scale("xavier")
