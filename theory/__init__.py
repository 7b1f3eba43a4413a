"""Symbolic theory (SymPy only; this package never imports jax).

Modules: `theory.equations` (the Equation record and registry),
`theory.integrator._derivations`, `theory.gating`, `theory.anticollapse`,
and `theory.export` (LaTeX / Markdown files under `derivations/`). `symbols(paper)` maps
the code names of a paper's notation table to its SymPy symbols (`Equation.subs` uses it).
"""

from theory.equations import (
    PAPERS,
    THEORY_MODULES,
    Equation,
    UnknownEquationError,
    UnknownSymbolError,
    all_equations,
    equations_of,
    get_equation,
    symbols,
    to_latex,
)

__all__ = [
    "PAPERS",
    "THEORY_MODULES",
    "Equation",
    "UnknownEquationError",
    "UnknownSymbolError",
    "all_equations",
    "equations_of",
    "get_equation",
    "symbols",
    "to_latex",
]
