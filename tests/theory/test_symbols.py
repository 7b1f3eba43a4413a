"""Substitution by code name: `theory.symbols(paper)` and `Equation.subs(c_star=0.2, ...)`."""

import pytest
import sympy as sp

import theory
from theory import anticollapse as AC, gating as G
from theory.equations import THEORY_MODULES, UnknownEquationError, UnknownSymbolError, equations_of, get_equation
from theory.integrator import _derivations as I


def test_symbols_maps_code_names_to_the_symbols_of_the_equations():
    table = theory.symbols("integrator")
    assert table["c_star"] is I.c_star and table["A_star"] is I.A_star and table["lam"] is I.lam
    assert table["M_12"].name == "M_12" and table["eta_u"] is I.eta_u
    assert theory.symbols("gating")["alpha"] is G.alpha
    assert theory.symbols("anticollapse")["kappa_eff"] is AC.SYM.kappa_eff
    # a copy: editing it changes nothing
    table.pop("c_star")
    assert "c_star" in theory.symbols("integrator")
    # the LaTeX-named symbol is not the code-named one: this is what subs by code name avoids
    assert sp.Symbol("c_star") not in get_equation("integrator.slaved_amplitude").rhs.free_symbols


def test_every_symbol_with_assumptions_has_a_code_name():
    """Model variables (created with assumptions) are reachable by code name; symbols without
    assumptions are placeholders of the notation (gradients, operators) or equation names."""
    for paper in THEORY_MODULES:
        values = set(theory.symbols(paper).values())
        for eq in equations_of(paper):
            for s in eq.free_symbols():
                if any(v for k, v in s.assumptions0.items() if k != "commutative"):
                    assert s in values, f"{eq.name}: {s.name!r} has no code name in theory.symbols({paper!r})"


def test_subs_by_code_name():
    eq = get_equation("integrator.slaved_amplitude")  # p = 2 A d / (c + d)
    out = eq.subs(c_star=0.2, A_star=1, d=0.3)
    assert float(out.rhs) == pytest.approx(2 * 0.3 / 0.5)
    assert out.name == eq.name and out.lhs == eq.lhs
    assert eq.subs({"c_star": 0.2}).rhs == eq.rhs.subs(I.c_star, 0.2)  # a mapping works too
    # a symbol the equation does not contain is left alone
    assert eq.subs(omega_star=3).rhs == eq.rhs


def test_subs_matches_by_printed_name_when_assumptions_differ():
    # the antiderivative is in a plain `y`; the table's `y` is positive
    eq = get_equation("integrator.learning_time_antiderivative")
    val = eq.subs(y=2, c_star=0.1).rhs
    assert float(val) == pytest.approx(8 * 0.1**3 * float(sp.log(2)) + 12 * 0.01 * 2 + 3 * 0.1 * 4 + 8 / 3)


def test_subs_keeps_a_layout_made_of_expressions():
    eq = get_equation("integrator.reduced_flow_2x2")
    out = eq.subs(c_star=sp.Rational(1, 5), A_star=1)
    assert out.layout is not None
    assert r"c_\star" not in out.latex() and r"\zeta = 1 + \frac{1}{5}" in out.latex()
    assert not out.rhs.has(I.c_star)


def test_unknown_names_raise_a_clear_error():
    eq = get_equation("integrator.slaved_amplitude")
    with pytest.raises(UnknownSymbolError, match=r"unknown symbol name\(s\) cstar for integrator.slaved_amplitude"):
        eq.subs(cstar=0.2)
    with pytest.raises(UnknownSymbolError, match="allowed"):
        eq.subs({"c_\\star": 0.2})
    with pytest.raises(UnknownEquationError, match="unknown paper 'nope'"):
        theory.symbols("nope")
