"""Symbolic theory (SymPy only; this package never imports jax).

Modules: :mod:`theory.equations` (the Equation record and registry),
:mod:`theory.integrator._derivations`, :mod:`theory.gating`, :mod:`theory.anticollapse`,
and :mod:`theory.export` (LaTeX / Markdown files under ``derivations/``).
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
