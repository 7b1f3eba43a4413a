r"""Registry of the `integrator.*` equations derived in `theory.integrator._derivations`.

Builds the `theory.equations.Equation` records (SymPy objects and their LaTeX) for
the model definitions (§2–§4), the two-neuron reduction (§5.1, §6) and the aligned
outlier ODE (§5.2). Notation: see `theory.integrator._derivations`. SymPy only.
"""

from __future__ import annotations

import functools

import sympy as sp

from theory.equations import PAPERS, Equation, Factors, Layout, Row, Terms, to_latex
from theory.integrator._derivations import (
    A_star,
    C,
    N,
    aligned_loss,
    aligned_rhs,
    beta,
    c_star,
    curvature_at_optimum,
    d,
    d0,
    d1,
    eps,
    eta_u,
    eta_v,
    eta_W,
    fixed_point,
    lam,
    learning_rates,
    learning_time,
    loss_1neuron,
    n_s,
    omega_star,
    p,
    pair_effective,
    plateau_escape_time,
    plateau_rate,
    q,
    readout_scale,
    reduced_flow_2x2_rhs,
    reduced_loss_2x2,
    reduced_state,
    s,
    slaved_amplitude,
    slaved_flow,
    slaved_loss,
    threshold_d1,
    unit_amplitude,
    y,
)
from theory.integrator._display import reduced_flow_layout, reduced_loss_layout, state_dots

__all__ = ["equations"]

_PAPER = PAPERS["integrator"]

#: Plateau escape time (left-hand side of `integrator.plateau_escape_time`).
T_ESC = sp.Symbol(r"t_{\mathrm{esc}}")


def _eq(name, lhs, rhs, description, section, **kw) -> Equation:
    return Equation(f"integrator.{name}", lhs, rhs, description, _PAPER, section, **kw)


@functools.cache
def _model_equations() -> tuple[Equation, ...]:
    Am = sp.MatrixSymbol("A", N, N)
    Wm = sp.MatrixSymbol("W", N, N)
    u = sp.MatrixSymbol("u", N, 1)
    v = sp.MatrixSymbol("v", N, 1)
    ns = n_s
    As = sp.MatrixSymbol("A_s", ns, ns)
    bs = sp.MatrixSymbol("b_s", ns, 1)
    cs = sp.MatrixSymbol("c_s", ns, 1)
    P = sp.MatrixSymbol("P", N, N)
    Ps = sp.MatrixSymbol("P_s", ns, ns)
    X = sp.MatrixSymbol("X", N, ns)
    Qo = sp.MatrixSymbol("Q_o", N, N)
    Y = sp.MatrixSymbol("Y", N, ns)
    L = sp.Symbol("L")
    rates = learning_rates()
    eu, ev, ew = eta_u, eta_v, eta_W
    Qc = sp.MatrixSymbol(r"\mathcal{Q}", N, N)
    w2c2 = Terms(omega_star**2, c_star**2)
    return (
        _eq(
            "readout_scale",
            sp.Matrix([s, s]),
            sp.Matrix([readout_scale("mean_field"), readout_scale("ntk")]),
            "readout scale: mean-field 1/N (default) or NTK 1/sqrt(N)",
            "§2",
            provenance="definition",
        ),
        _eq(
            "learning_rates",
            sp.Matrix([eu, ev, ew]),
            sp.Matrix([rates["u"], rates["v"], rates["W"]]),
            "per-group rates for s=1/N; gradient flow in t = eta k",
            "§2",
            provenance="definition",
        ),
        _eq(
            "unit_amplitude_leaky",
            A_star,
            unit_amplitude("leaky"),
            "unit-variance amplitude of the leaky target (solves int k*^2 = 1)",
            "§2",
        ),
        _eq(
            "unit_amplitude_oscillator",
            sp.Matrix([A_star, A_star]),
            sp.Matrix([unit_amplitude("oscillator"), unit_amplitude("oscillator", phase="sin")]),
            "unit-variance amplitude of the oscillator target (cos, sin phase)",
            "§2",
            layout=Layout(
                (
                    Row(
                        A_star,
                        Factors(2, sp.sqrt(c_star), sp.sqrt(w2c2 / Terms(omega_star**2, 2 * c_star**2))),
                        note="cosine phase",
                    ),
                    Row(A_star, Factors(2, sp.sqrt(c_star), sp.sqrt(w2c2)) / omega_star, note="sine phase"),
                )
            ),
        ),
        _eq(
            "loss_lyapunov",
            L,
            sp.Rational(1, 2) * (s**2 * (v.T * P * v) - 2 * s * (v.T * X * cs) + cs.T * Ps * cs),
            "white-noise population loss of a state-space target (Parseval, stationary input)",
            "§3",
            provenance="definition",
            layout=Layout(
                (
                    Row(
                        L,
                        r"\frac{1}{2}\left("
                        + " - ".join(to_latex(e) for e in (s**2 * (v.T * P * v), 2 * s * (v.T * X * cs)))
                        + f" + {to_latex(cs.T * Ps * cs)}\\right)",
                    ),
                )
            ),
        ),
        _eq(
            "lyapunov_equations",
            sp.BlockMatrix([[Am * P + P * Am.T + u * u.T, Am * X + X * As.T + u * bs.T]]),
            sp.ZeroMatrix(N, N + ns),
            "controllability Gramian and network-target cross-Gramian (A = W - I); "
            "target Gramian: A_s P_s + P_s A_s^T + b_s b_s^T = 0",
            "§3",
            provenance="definition",
        ),
        _eq(
            "adjoint_equations",
            sp.BlockMatrix([[Am.T * Qo + Qo * Am + v * v.T, Am.T * Y + Y * As + v * cs.T]]),
            sp.ZeroMatrix(N, N + ns),
            "observability Gramian and adjoint cross-Gramian",
            "§3",
            provenance="definition",
            layout=Layout(
                (
                    Row(" + ".join(to_latex(e) for e in (Am.T * Qo, Qo * Am, v * v.T)), "0"),
                    Row(" + ".join(to_latex(e) for e in (Am.T * Y, Y * As, v * cs.T)), "0"),
                )
            ),
        ),
        _eq(
            "gradients",
            sp.Matrix([sp.Symbol(r"\partial_{v}L"), sp.Symbol(r"\partial_{u}L"), sp.Symbol(r"\partial_{W}L")]),
            sp.Matrix(
                [
                    sp.Symbol(to_latex(e))
                    for e in (s**2 * P * v - s * X * cs, s**2 * Qo * u - s * Y * bs, s**2 * Qo * P - s * Y * X.T)
                ]
            ),
            "adjoint gradient formulas (checked against autodiff in numerics.integrator._linear_rnn tests)",
            "§3",
            provenance="verified",
        ),
        _eq(
            "conserved_Q",
            Qc,
            u * u.T / eu - v * v.T / ev + (Wm * Wm.T - Wm.T * Wm) / ew,
            "conserved under per-group gradient flow (symmetry (u,v,W) -> (Su, S^-T v, S W S^-1))",
            "§4",
            provenance="verified",
            notes="d/dt Q = -(Z+Z^T)/eta = 0 with Z = dL/du u^T - v dL/dv^T + dL/dW W^T - W^T dL/dW = 0.",
        ),
        _eq(
            "conserved_trace",
            sp.Symbol(r"\operatorname{tr}\mathcal{Q}"),
            sp.Symbol(r"|u|^2") / rates["u"] - sp.Symbol(r"|v|^2") / rates["v"],
            "trace corollary (tr(WW^T - W^TW) = 0): |u|^2 - |v|^2 conserved for eta_u = eta_v",
            "§4",
        ),
    )


@functools.cache
def _reduced_equations() -> tuple[Equation, ...]:
    a, b, M = reduced_state()
    dots = state_dots()
    dtr, ddet, (_, _), (tr, det), (re, im) = pair_effective()
    Q2 = a * a.T - b * b.T + M * M.T - M.T * M
    q11, q12, q22 = sp.symbols("q_{11} q_{12} q_{22}")
    a1, a2 = a
    b1, b2 = b
    M11, M12, M21, M22 = M
    Q2_layout = Layout(
        (Row(sp.Symbol(r"\mathcal{Q}_2"), sp.Matrix([[q11, q12], [q12, q22]])),),
        (
            Row(q11, Terms(a1**2, -(b1**2), M12**2, -(M21**2))),
            Row(q12, Terms(a1 * a2, -b1 * b2, Factors(M11 - M22, M21 - M12))),
            Row(q22, Terms(a2**2, -(b2**2), M21**2, -(M12**2))),
        ),
    )
    L1 = loss_1neuron()
    L1_terms = [sp.factor(t) for t in sp.Add.make_args(sp.apart(L1, d))]
    L1_terms.sort(key=lambda t: (-sp.degree(t, beta), -int(d in t.free_symbols)))  # quadratic, cross, constant
    return (
        _eq(
            "loss_1neuron",
            sp.Symbol(r"\mathcal{L}_1"),
            loss_1neuron(),
            "N = 1 closed form (w = 1 - d) from the scalar Lyapunov/Sylvester solutions, leaky target",
            "§3",
            layout=Layout((Row(sp.Symbol(r"\mathcal{L}_1"), Terms(*L1_terms)),)),
        ),
        _eq(
            "loss_2neuron",
            sp.Symbol(r"\mathcal{L}"),
            reduced_loss_2x2("leaky")[0],
            "two-neuron loss L(a,b,M) (s=1), 2x2 Lyapunov and cross-Gramian solved symbolically, leaky",
            "§5.1",
            notes="Set with the Gramians as named sub-expressions: P (controllability, Delta = det(I - M)), "
            "X = A* (zeta I - M)^-1 a (cross-Gramian, zeta = 1 + c*); the registered right-hand side is "
            "SymPy's closed form (theory.integrator.reduced_loss_2x2('leaky')).",
            layout=reduced_loss_layout("leaky"),
        ),
        _eq(
            "loss_2neuron_oscillator",
            sp.Symbol(r"\mathcal{L}"),
            reduced_loss_2x2("oscillator")[0],
            "two-neuron loss L(a,b,M) (s=1), oscillator target, cosine phase",
            "§6",
            notes="The two columns of the cross-Gramian X combine into the complex vector "
            "chi = A* (zeta I - M)^-1 a with zeta = 1 + c* - i omega*, X c_s = Re chi; the registered "
            "right-hand side is SymPy's closed form (theory.integrator.reduced_loss_2x2('oscillator')).",
            layout=reduced_loss_layout("oscillator"),
        ),
        _eq(
            "reduced_flow_2x2",
            dots,
            sp.Matrix(reduced_flow_2x2_rhs("leaky")[0]),
            "8 reduced ODEs: unit-rate gradient flow of integrator.loss_2neuron (leaky)",
            "§5.1",
            notes="The right-hand sides are -dL/d(theta) for theta = a_1, ..., M_22 "
            "(theory.integrator.reduced_flow_2x2_rhs('leaky'): sp.diff of the closed-form loss, "
            "code-generated by numerics.integrator._reduced), set in the adjoint form "
            "a-dot = Y b_s - Q a, b-dot = X c_s - P b, M-dot = Y X^T - Q P of integrator.gradients.",
            layout=reduced_flow_layout("leaky"),
        ),
        _eq(
            "oscillator_pair_flow",
            dots,
            sp.Matrix(reduced_flow_2x2_rhs("oscillator")[0]),
            "8 reduced ODEs for the conjugate pair: gradient flow of integrator.loss_2neuron_oscillator",
            "§6",
            notes="The right-hand sides are -dL/d(theta) (reduced_flow_2x2_rhs('oscillator')), set in "
            "the adjoint form with the complex vectors chi (columns of X) and psi (columns of Y): "
            "X c_s = Re chi, Y b_s = A* Re psi, Y X^T = Re(psi chi^H).",
            layout=reduced_flow_layout("oscillator"),
        ),
        _eq(
            "reduced_conserved_Q2",
            sp.Symbol(r"\mathcal{Q}_2"),
            Q2,
            "conserved symmetric matrix of the reduced flow (removes 3 of 8 ODEs)",
            "§5.1",
            provenance="verified",
            notes="Q_2 = a a^T - b b^T + M M^T - M^T M.",
            layout=Q2_layout,
        ),
        _eq(
            "pair_trace_det",
            sp.Matrix([sp.Symbol(r"\dot{\operatorname{tr}M}"), sp.Symbol(r"\dot{\det M}")]),
            sp.Matrix([dtr, ddet]),
            "trace and determinant of M along the flow (tr(adj(M) Mdot))",
            "§6",
        ),
        _eq(
            "pair_eigenvalues",
            sp.Matrix([sp.Symbol(r"\operatorname{Re}\lambda_\pm"), sp.Symbol(r"\operatorname{Im}\lambda_\pm")]),
            sp.Matrix([re, sp.Symbol(r"\pm") * im]),
            "read-out of the conjugate pair from tr M and det M (reporting only)",
            "§6",
        ),
    )


@functools.cache
def _aligned_equations() -> tuple[Equation, ...]:
    (pdot, ddot), _, _ = aligned_rhs()
    fp = fixed_point()
    T, F = learning_time()
    slaved, fixed = curvature_at_optimum()
    ys = sp.Symbol("y")
    Ff = sp.Function("F")
    return (
        _eq(
            "aligned_loss",
            sp.Function(r"\mathcal{L}")(p, d),
            aligned_loss(),
            "loss of k = p e^{-d tau} against a leaky target (N=1 closed form, p = alpha beta)",
            "§5.2",
        ),
        _eq(
            "aligned_ode",
            sp.Matrix([sp.Symbol(r"\dot{p}"), sp.Symbol(r"\dot{d}"), sp.Symbol(r"\dot{\lambda}")]),
            sp.Matrix([pdot, ddot, -ddot]),
            "aligned outlier ODE: the 2x2 flow restricted to a=(alpha,0), b=(beta,0), M=diag(lambda,0)",
            "§5.2",
            notes="alpha^2 + beta^2 = sqrt(C^2 + 4 p^2), C = alpha^2 - beta^2 conserved.",
            layout=Layout(
                (
                    Row(
                        sp.Symbol(r"\dot{p}"),
                        Factors(sp.sqrt(C**2 + 4 * p**2), Terms(A_star / (c_star + d), -p / (2 * d))),
                    ),
                    Row(sp.Symbol(r"\dot{d}"), Terms(p**2 / (4 * d**2), -A_star * p / (c_star + d) ** 2)),
                    Row(sp.Symbol(r"\dot{\lambda}"), Terms(A_star * p / (c_star + d) ** 2, -(p**2) / (4 * d**2))),
                )
            ),
        ),
        _eq(
            "fixed_point",
            sp.Matrix([p, d, lam]),
            sp.Matrix([fp[p], fp[d], fp[lam]]),
            "fixed point of the aligned ODE (solve dL/dp = dL/dd = 0)",
            "§5.2",
        ),
        _eq("slaved_amplitude", p, slaved_amplitude(), "amplitude slaved to d (dL/dp = 0)", "§5.2"),
        _eq("slaved_loss", sp.Function(r"\mathcal{L}")(d), slaved_loss(), "loss on the slaved branch", "§5.2"),
        _eq("slaved_flow", sp.Symbol(r"\dot{d}"), slaved_flow(), "slaved decay-rate flow -L'(d)", "§5.2"),
        _eq(
            "curvature_at_optimum",
            sp.Matrix([sp.Symbol(r"\mathcal{L}''(c_\star)"), sp.Symbol(r"\partial_d^2\mathcal{L}|_{p=A_\star}")]),
            sp.Matrix([slaved, fixed]),
            "curvature at the optimum: slaved and at fixed p",
            "§5.2",
        ),
        _eq(
            "learning_time",
            sp.Symbol("T"),
            (Ff(d0 - c_star) - Ff(d1 - c_star)) / A_star**2,
            "slaved learning time from d_0 to d_1 (integral of 1/|d-dot|)",
            "§5.2",
        ),
        _eq(
            "learning_time_antiderivative",
            Ff(ys),
            F.subs(y, ys),
            "antiderivative of (y + 2 c*)^3 / y (sp.integrate; verified by differentiation)",
            "§5.2",
        ),
        _eq(
            "threshold_d1",
            d1,
            threshold_d1().subs(q, sp.Symbol("q")),
            "threshold L(d_1) = f L(d_0), q = sqrt(f)(d_0 - c*)/(d_0 + c*)",
            "§5.2",
            layout=Layout((Row(d1, c_star * Terms(1, sp.Symbol("q")) / Terms(1, -sp.Symbol("q"))),)),
        ),
        _eq(
            "plateau_rate",
            sp.Symbol(r"\dot{p}/p"),
            plateau_rate(),
            "growth rate of p on the small-initialisation plateau (C=0, d=1, p->0)",
            "§5.2",
        ),
        _eq(
            "plateau_escape_time",
            T_ESC,
            plateau_escape_time(),
            "plateau escape time, logarithmic in 1/epsilon",
            "§5.2",
            relation=r"\approx",
            layout=Layout(
                (Row(T_ESC, Factors(Terms(1, c_star) / (2 * A_star), sp.log(eps**-2)), relation=r"\approx"),)
            ),
        ),
    )


@functools.cache
def equations() -> tuple[Equation, ...]:
    """Model, reduced-flow and aligned-outlier equations (`integrator.*`)."""
    return _model_equations() + _reduced_equations() + _aligned_equations()
