"""Project-wide invariants: layering, registries, profiles, LaTeX export."""

import subprocess
import sys

import sympy as sp

from numerics.study import PROFILES, Study
from numerics.study.runner import all_studies
from theory.equations import PAPERS, THEORY_MODULES, all_equations


def test_theory_never_imports_jax():
    code = (
        "import sys, theory.equations, theory.export\n"
        f"for m in {THEORY_MODULES!r}:\n"
        "    try: __import__('theory.' + m)\n"
        "    except ModuleNotFoundError: pass\n"
        "theory.equations.all_equations()\n"
        "bad = [m for m in sys.modules if m == 'jax' or m.startswith('jax.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_every_equation_is_complete_and_renders():
    eqs = all_equations()
    assert eqs, "no equations registered"
    for eq in eqs:
        assert eq.module in THEORY_MODULES and eq.name.count(".") == 1
        assert eq.paper in PAPERS.values() and eq.section and eq.description
        assert eq.provenance in {"derived", "definition", "verified"}
        tex = eq.latex()
        assert tex.count("{") == tex.count("}"), eq.name
        assert isinstance(eq.lhs, (sp.Basic, sp.MatrixBase)) and isinstance(eq.rhs, (sp.Basic, sp.MatrixBase))


def test_studies_have_all_profiles_and_unique_names():
    studies = all_studies()
    assert studies, "no studies registered"
    for name, study in studies.items():
        assert isinstance(study, Study) and name == study.name
        assert set(PROFILES) | {"smoke"} <= set(study.profile_names), name
        assert study.paper in PAPERS, name
        flags = [o.flag for o in study.options]
        assert len(flags) == len(set(flags)), name
