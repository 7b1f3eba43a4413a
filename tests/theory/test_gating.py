"""Symbolic gating theory: Jacobians at N = 2, 3, product expansion, effective learning rates, LaTeX."""

import sympy as sp

from theory import gating as G
from theory.equations import get_equation


def test_cell_factors_are_the_partial_derivatives():
    f = G.scalar_update()
    fac = G.cell_factors()
    sub = {G.sigma(G.z_sym): G.g_sym}
    assert sp.expand(sp.diff(f, G.x_sym).subs(sub) - fac["leak"]) == 0
    assert sp.expand(sp.diff(f, G.a_sym).subs(sub) - fac["write"]) == 0
    assert sp.expand(sp.diff(f, G.z_sym).subs(sub) - fac["gate"]) == 0


def test_sigmoid_derivative_matches_exp_form():
    z = sp.Symbol("z", real=True)
    explicit = 1 / (1 + sp.exp(-z))
    assert sp.simplify(sp.diff(G.sigma(z), z).rewrite(sp.exp) - sp.diff(explicit, z)) == 0


def test_matrix_form_jacobians_at_N2_N3():
    checked = G.verify_jacobians((2, 3))
    assert set(checked) == {(k, n) for k in ("plain", "leaky", "scalar", "vector") for n in (2, 3)}
    assert all(checked.values())


def test_dropping_the_gate_term_is_detected():
    """The verification can fail: the vector cell's Jacobian differs from its frozen-gate part A."""
    _, x, Jd, Jf, theta = G.symbolic_cell("vector", 2)
    assert G._is_zero(Jd - Jf)
    assert not G._is_zero(Jd - Jf.subs({s: 0 for s in theta["W_rg"]}))


def test_product_expansion_and_diagonal_first_order():
    assert G.verify_expansion(3)
    assert G.verify_expansion(4)
    assert G.verify_diagonal_first_order(4)


def test_remainder_bound_leading_term():
    a, b = sp.symbols("a b", positive=True)
    n, e = G.n_sym, G.eps
    bound = (a + e * b) ** n - a**n - n * e * b * a ** (n - 1)
    lead = sp.series(bound.subs(n, 7), e, 0, 3).removeO()
    assert sp.simplify(lead - sp.binomial(7, 2) * e**2 * b**2 * a**5) == 0


def test_equation_registry_and_latex():
    eqs = G.equations()
    names = [e.name for e in eqs]
    assert len(names) == len(set(names)) and all(n.startswith("gating.") for n in names)
    for required in (
        "jacobian_plain",
        "jacobian_leaky",
        "jacobian_scalar",
        "jacobian_vector",
        "split_A",
        "split_B",
        "product_expansion",
        "remainder_bound",
        "mu0",
        "mu1",
        "mu_effective",
        "mu_constant_gate",
        "momentum_ema",
        "leaky_ema",
        "adam",
        "schedule",
        "immediate_W_r",
    ):
        assert f"gating.{required}" in names
    mu = get_equation("gating.mu_constant_gate")
    assert sp.simplify(mu.rhs - G.eta * G.alpha * (1 - G.alpha) ** G.ell) == 0
    assert mu.latex() == r"\mu_\ell = \alpha \eta (1 - \alpha)^\ell"
    assert r"\operatorname{diag}(d_t)" in get_equation("gating.split_B").latex()
    for e in eqs:
        assert e.latex()
