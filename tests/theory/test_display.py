"""Displayed forms (`Equation.layout`) change the LaTeX, never the mathematics.

Every layout built from SymPy expressions must equal the registered `lhs`/`rhs` once its
named sub-expressions are substituted (`theory.equations.layout_value`). Equality is
checked structurally or symbolically where that is cheap, otherwise by evaluation at
random points to 30 digits (the two-neuron losses and flows run to thousands of terms).
"""

import random

import pytest
import sympy as sp

from theory.equations import Factors, Slash, Terms, all_equations, get_equation, layout_value, to_latex
from theory.gating import sigma

_RNG = random.Random(20240611)


def _value(sym: sp.Symbol):
    if sym.is_integer:
        return sp.Integer(_RNG.randint(2, 7))
    if sym.is_positive or sym.is_nonnegative:
        return sp.Rational(_RNG.randint(11, 190), 97)
    return sp.Rational(_RNG.randint(-150, 150), 101)


def _close(a, b) -> bool:
    a, b = (e.replace(sigma, lambda z: 1 / (1 + sp.exp(-z))) for e in (a, b))  # the gate's sigmoid
    free = sorted((a.free_symbols | b.free_symbols), key=str)
    for _ in range(3):
        pt = {s: _value(s) for s in free}
        va, vb = sp.N(a.subs(pt), 30), sp.N(b.subs(pt), 30)
        if not (va.is_number and vb.is_number):
            return False
        if abs(complex(va) - complex(vb)) > 1e-20 * (1 + abs(complex(vb))):
            return False
    return True


def _equal(a, b) -> bool:
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        a, b = sp.Matrix(a), sp.Matrix(b)
        return a.shape == b.shape and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if a == b:
        return True
    if isinstance(a, sp.Piecewise) and isinstance(b, sp.Piecewise):
        return len(a.args) == len(b.args) and all(
            _equal(x.expr, y.expr) and _equal_condition(x.cond, y.cond) for x, y in zip(a.args, b.args, strict=True)
        )
    if isinstance(a, sp.Rel) and isinstance(b, sp.Rel):
        return _equal_condition(a, b)
    if a.has(sp.Order) or b.has(sp.Order):
        oa = [t for t in sp.Add.make_args(a) if isinstance(t, sp.Order)]
        ob = [t for t in sp.Add.make_args(b) if isinstance(t, sp.Order)]
        if oa != ob:
            return False
        a, b = a.removeO(), b.removeO()
    if sp.count_ops(a) + sp.count_ops(b) < 40 and sp.simplify(a - b) == 0:
        return True
    return _close(a, b)


def _equal_condition(a, b) -> bool:
    if a == b:
        return True
    free = sorted((a.free_symbols | b.free_symbols), key=str)
    for _ in range(20):
        pt = {s: _value(s) for s in free}
        if bool(a.subs(pt)) != bool(b.subs(pt)):
            return False
    return True


@pytest.fixture(scope="module")
def equations():
    return all_equations()


def test_every_checkable_layout_equals_the_registered_result(equations):
    checked = 0
    for eq in equations:
        for shown, registered in layout_value(eq):
            assert _equal(shown, registered), f"{eq.name}: layout {shown} != {registered}"
            checked += 1
    assert checked >= 60  # the flows, losses, envelopes, Jacobians, ...


def test_layouts_with_raw_latex_are_definitions_or_verified_elsewhere(equations):
    raw = {e.name for e in equations if e.layout is not None and e.layout.has_raw()}
    # statements about matrices and non-commuting products, which SymPy cannot set in order
    assert raw <= {
        "integrator.loss_lyapunov",
        "integrator.adjoint_equations",
        "gating.jacobian_plain",
        "gating.jacobian_leaky",
        "gating.jacobian_scalar",
        "gating.jacobian_vector",
        "gating.split_A",
        "gating.product_expansion",
    }, raw


def test_reduced_flow_is_printed_as_explicit_odes():
    for name in ("integrator.reduced_flow_2x2", "integrator.oscillator_pair_flow"):
        eq = get_equation(name)
        tex = eq.latex()
        assert r"\partial" not in tex and r"\mathcal{L}" not in tex, name
        for dot in (r"\dot{a}_1", r"\dot{b}_2", r"\dot{M}_{12}", r"\dot{M}_{22}"):
            assert dot + " &= " in tex, (name, dot)
        # the registered right-hand side is the explicit gradient, not -dL/dtheta
        assert not eq.rhs.has(sp.Derivative)
    assert r"\operatorname{Re}(\psi_1 \overline{\chi_2})" in get_equation("integrator.oscillator_pair_flow").latex()


def test_product_expansion_is_written_out():
    tex = get_equation("gating.product_expansion").latex()
    assert r"(A_n + \varepsilon B_n) \cdots (A_1 + \varepsilon B_1)" in tex
    assert r"F(0) + \varepsilon L_F + R_2(\varepsilon)" in tex
    assert r"F(0) &= A_n A_{n-1} \cdots A_1" in tex
    assert r"L_F &= \sum_{i=1}^n A_n \cdots A_{i+1} B_i A_{i-1} \cdots A_1" in tex


def test_reading_order():
    assert get_equation("gating.remainder_bound").latex() == (
        r"\|R_2\| \le (a + \varepsilon b)^n - a^n - n \varepsilon a^{n-1} b"
    )
    assert r"(d - c_\star)" in get_equation("integrator.slaved_loss").latex()
    assert r"F(d_0 - c_\star)" in get_equation("integrator.learning_time").latex()
    assert r"\mu^{(0)}_q + \mu^{(1)}_q" in get_equation("gating.diag_transport").latex()
    assert get_equation("anticollapse.ac_phi_gaussian").latex().startswith(r"\Phi(\theta) = - \kappa \theta")


def test_display_nodes_print_in_order_and_evaluate():
    a, b, n = sp.symbols("a b n", positive=True)
    e = Terms(Terms(a, 2 * b) ** n, -(a**n), -Factors(n, b, a))
    assert to_latex(e) == "(a + 2 b)^n - a^n - n b a"
    assert sp.simplify(e.doit() - ((a + 2 * b) ** n - a**n - n * a * b)) == 0
    assert to_latex(Slash(a, b) ** n) == "(a/b)^n"
    assert Slash(a, b).doit() == a / b
