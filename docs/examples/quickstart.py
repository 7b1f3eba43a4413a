"""Python API quickstart: the toolkit from a script or a notebook.

Run it with `python docs/examples/quickstart.py` (about half a minute on a laptop CPU).
The test suite runs this file (tests/test_docs.py), so what the documentation shows is
what runs.
"""

import numerics

numerics.configure()  # float64 in JAX; call it before any array exists

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import theory  # noqa: E402
from numerics import integrator  # noqa: E402
from numerics.core import jax_function  # noqa: E402
from numerics.study import write_study  # noqa: E402
from numerics.study.runner import get_study, run_study  # noqa: E402
from theory import integrator as th  # noqa: E402
from theory.equations import get_equation  # noqa: E402

# 1. A derived equation, and its paste-ready LaTeX.
eq = get_equation("integrator.plateau_escape_time")
print(f"{eq.name} ({eq.section}): {eq.description}")
print(eq.latex())

# Substitute by the code names of the notation table (the SymPy symbols carry LaTeX names).
print(theory.symbols("integrator")["c_star"], "->", eq.subs(c_star=0.2).latex())
assert eq.subs(c_star=0.2, A_star=1).rhs.free_symbols == {theory.symbols("integrator")["eps"]}

# 2. Code-generate its right-hand side into a JAX function of (eps, A_star, c_star).
t_esc = jax_function(eq.rhs, [th.eps, th.A_star, th.c_star], name="plateau_escape_time")
value = float(t_esc(1e-3, 1.0, 0.2))
assert np.isclose(value, (1 + 0.2) / (2 * 1.0) * np.log(1 / 1e-3**2))
print(f"t_esc(eps=1e-3, A*=1, c*=0.2) = {value:.4f}")

# 3. Solve the reduced flows (code-generated right-hand sides, integrated with diffrax).
ts = np.linspace(0.0, 20.0, 81)
target = integrator.target_params("leaky", c_star=0.2)  # [A_star, c_star], raw amplitude
a0, b0, M0 = integrator.orthogonal_start()  # a = e1, b = e2, M = 0
flow = integrator.reduced_flow(a0, b0, M0, target, ts)  # the 8-state two-neuron flow
top = flow["eig"][:, 0].real  # top eigenvalue of M(t)
print(f"2x2 flow: top eigenvalue {top[-1]:.4f} at t = 20 (target pole 1 - c* = 0.8), loss {flow['L'][-1]:.2e}")

aligned = integrator.aligned_flow(p0=1e-2, d0=1.0, A_star=1.0, c_star=0.2, C=0.0, ts=ts)
print(f"aligned outlier ODE: lambda(t = 20) = {aligned['lam'][-1]:.4f}")

# 4. Run a study at smoke size (the same code path as `rnn-timescales compare`).
study = get_study("gating-expansion")
config = study.config("smoke", seed=0, overrides={"seeds": 4}, progress=False)
result = run_study(study, config)
for check in result.checks:
    print(f"  {check.name:40s} {check.value!s:>24} {check.comparison} {check.tolerance}  passed={check.passed}")
with tempfile.TemporaryDirectory() as tmp:
    out = write_study(result, Path(tmp))  # OUT/STUDY/: metrics.json, series.npz, the figures
    print(
        f"{study.name}: {'PASS' if result.passed else 'FAIL'}; wrote", ", ".join(sorted(f.name for f in out.iterdir()))
    )
