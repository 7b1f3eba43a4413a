r"""The equation record and the registry that `derive`, `latex` and codegen read.

Every symbolic result of the toolkit is an `Equation`: a name, a SymPy
left-hand side and right-hand side, a one-line description and its source (paper
and section). Theory modules expose their equations through a pure function
`equations() -> tuple[Equation, ...]`; `all_equations` collects them from
the modules listed in `THEORY_MODULES`. There is no mutable global registry:
the registry *is* the list of modules, and deriving is calling their functions.

Names are `<module>.<equation>`, e.g. `integrator.aligned_ode`. LaTeX comes
from `sympy.latex`; symbols are created with LaTeX-ready names (`c_\star`,
`\lambda`), so the printed equations use the papers' notation directly.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import sympy as sp

from theory.papers import PAPER_TABLE, paper_keys

__all__ = [
    "Equation",
    "THEORY_MODULES",
    "PAPERS",
    "all_equations",
    "equations_of",
    "get_equation",
    "to_latex",
    "UnknownEquationError",
]

#: Theory modules, in the order their equations are listed and exported (one per paper).
THEORY_MODULES: tuple[str, ...] = paper_keys()

#: Source papers, by short key (from the paper registry, `theory.papers`).
PAPERS: dict[str, str] = {p.key: p.citation for p in PAPER_TABLE}


class UnknownEquationError(KeyError):
    """Raised for an equation name that is not in the registry."""


Expr = sp.Basic | sp.MatrixBase


@dataclass(frozen=True)
class Equation:
    r"""One named symbolic result `lhs = rhs`.

    Attributes:
        name: registry name `<module>.<equation>`.
        lhs, rhs: SymPy expressions or matrices (an ODE system is a column of
            derivatives on the left and its right-hand side on the right).
        description: one line, what the equation says.
        paper: source paper (one of `PAPERS` values).
        section: the section of the paper's documentation page, e.g. `"§5.2"`.
        relation: LaTeX relation symbol between the sides (`=`, `\le`, `\iff`...).
        provenance: how the toolkit obtained it (`"derived"`: computed by SymPy
            from earlier results; `"definition"`: stated as a model definition;
            `"verified"`: stated and checked symbolically in tests).
    """

    name: str
    lhs: Expr
    rhs: Expr
    description: str
    paper: str
    section: str
    relation: str = "="
    provenance: str = "derived"
    notes: str = field(default="")

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    def latex(self) -> str:
        """Paste-ready LaTeX (no surrounding `$`)."""
        return to_latex(self.lhs) + f" {self.relation} " + to_latex(self.rhs)


def to_latex(expr: Expr) -> str:
    """LaTeX of an expression or matrix, with column vectors printed as `bmatrix`."""
    return sp.latex(expr, mat_delim="", mat_str="bmatrix") if isinstance(expr, sp.MatrixBase) else sp.latex(expr)


def equations_of(module: str) -> tuple[Equation, ...]:
    """Equations of one theory module (`"integrator"`, `"gating"`, ...)."""
    if module not in THEORY_MODULES:
        raise UnknownEquationError(f"unknown theory module {module!r}; allowed: {', '.join(THEORY_MODULES)}")
    try:
        mod = importlib.import_module(f"theory.{module}")
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name == f"theory.{module}":
            return ()
        raise
    return tuple(mod.equations())


def all_equations(modules: Iterable[str] = THEORY_MODULES) -> tuple[Equation, ...]:
    """Every registered equation, module by module; names are unique."""
    eqs = tuple(e for m in modules for e in equations_of(m))
    names = [e.name for e in eqs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"duplicate equation names: {sorted(dup)}")
    return eqs


def get_equation(name: str) -> Equation:
    """Look one equation up by its full name."""
    module = name.split(".", 1)[0]
    for eq in equations_of(module) if module in THEORY_MODULES else ():
        if eq.name == name:
            return eq
    raise UnknownEquationError(f"unknown equation {name!r}; run 'rnn-timescales latex --list' for the names")
