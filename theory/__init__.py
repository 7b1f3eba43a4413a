"""Symbolic theory (SymPy only; this package never imports jax).

Modules: `theory.equations` (the Equation record and registry),
`theory.integrator._derivations`, `theory.gating`, `theory.anticollapse`,
and `theory.export` (LaTeX / Markdown files under `derivations/`).
"""

from theory.equations import (
    PAPERS,
    THEORY_MODULES,
    Equation,
    UnknownEquationError,
    all_equations,
    equations_of,
    get_equation,
    to_latex,
)

__all__ = [
    "PAPERS",
    "THEORY_MODULES",
    "Equation",
    "UnknownEquationError",
    "all_equations",
    "equations_of",
    "get_equation",
    "to_latex",
]
