r"""Display forms (`theory.equations.Layout`) of the two-neuron loss and its gradient flow.

The closed forms that SymPy returns for the two-neuron loss run to thousands of
characters. Written with the Gramians as named sub-expressions they fit on a page:
with $s=1$ ([§5.1][integrator-s5-1]),

$$
\mathcal L=\tfrac12c_s^\top P_sc_s+\tfrac12b^\top Pb-b^\top Xc_s ,\qquad
\dot a=Yb_s-Qa,\quad \dot b=Xc_s-Pb,\quad \dot M=YX^\top-QP ,
$$

where $P$, $Q$ solve the Lyapunov equations of $(M-I,a)$ and $((M-I)^\top,b)$ and
$X$, $Y$ the Sylvester equations with the target (the adjoint formulas of
`integrator.gradients` at $s=1$). For $2\times2$ matrices they have short explicit forms:
$P=(\Delta\,aa^\top+gg^\top)/(2\Delta\operatorname{tr}(I-M))$ with
$g=\operatorname{adj}(I-M)\,a$ and $\Delta=\det(I-M)$ (and $Q$ likewise with $M^\top$, $b$);
$X c_s=A_\star(\zeta I-M)^{-1}a$ and $Y=(\zeta I-M^\top)^{-1}b$ with $\zeta=1+c_\star$
(leaky target). For the oscillator the two columns of $X$ and $Y$ combine into complex
vectors $\chi=A_\star(\zeta I-M)^{-1}a$ and $\psi=(\bar\zeta I-M^\top)^{-1}b$ with
$\zeta=1+c_\star-i\omega_\star$, and $Xc_s=\operatorname{Re}\chi$,
$YX^\top=\operatorname{Re}(\psi\chi^{\mathsf H})$.

The layouts are checked against the SymPy results they display (`layout_value`, in the tests).
"""

from __future__ import annotations

import functools

import sympy as sp

from theory.equations import Factors, Layout, Row, Slash, Terms
from theory.integrator._derivations import A_star, c_star, omega_star, reduced_state, target_variance

__all__ = ["reduced_loss_layout", "reduced_flow_layout", "state_dots"]

_KINDS = ("leaky", "oscillator")


def state_dots() -> sp.Matrix:
    r"""$(\dot a_1,\dot a_2,\dot b_1,\dot b_2,\dot M_{11},\dot M_{12},\dot M_{21},\dot M_{22})$ as symbols."""
    a, b, M = reduced_state()
    out = []
    for v in list(a) + list(b) + list(M):
        base, idx = v.name.split("_")
        out.append(sp.Symbol(rf"\dot{{{base}}}_{{{idx}}}"))
    return sp.Matrix(out)


@functools.cache
def _pieces(kind: str) -> dict:
    """Named symbols and the where-rows of the Gramians for `kind`."""
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}; allowed: {', '.join(_KINDS)}")
    a, b, M = reduced_state()
    a1, a2 = a
    b1, b2 = b
    M11, M12, M21, M22 = M
    S = sp.Symbol
    Delta, tr = S(r"\Delta"), S(r"\operatorname{tr}(I - M)")
    g1, g2, h1, h2 = S("g_1"), S("g_2"), S("h_1"), S("h_2")
    P11, P12, P22 = S("P_{11}"), S("P_{12}"), S("P_{22}")
    Q11, Q12, Q22 = S("Q_{11}"), S("Q_{12}"), S("Q_{22}")
    zeta, D = S(r"\zeta"), S("D")
    osc = kind == "oscillator"
    if osc:
        X1, X2, Y1, Y2 = S(r"\chi_1"), S(r"\chi_2"), S(r"\psi_1"), S(r"\psi_2")
        zy, Dy = sp.conjugate(zeta), sp.conjugate(D)
    else:
        X1, X2, Y1, Y2 = S("X_1"), S("X_2"), S("Y_1"), S("Y_2")
        zy, Dy = zeta, D

    def lyap(u1, u2, v1, v2):  # noqa: ANN001, ANN202
        den = 2 * Delta * tr
        return (
            Terms(Delta * u1**2, v1**2) / den,
            Terms(Delta * u1 * u2, v1 * v2) / den,
            Terms(Delta * u2**2, v2**2) / den,
        )

    p11, p12, p22 = lyap(a1, a2, g1, g2)
    q11, q12, q22 = lyap(b1, b2, h1, h2)
    # one definition per line for the fractions, two per line for the short ones (the
    # flows' displays must fit the height of a page)
    where = (
        Row(P11, p11),
        Row(P12, p12),
        Row(P22, p22),
        (Row(g1, Terms(Factors(1 - M22, a1), M12 * a2)), Row(g2, Terms(M21 * a1, Factors(1 - M11, a2)))),
    )
    where_q = (
        Row(Q11, q11),
        Row(Q12, q12),
        Row(Q22, q22),
        (Row(h1, Terms(Factors(1 - M22, b1), M21 * b2)), Row(h2, Terms(M12 * b1, Factors(1 - M11, b2)))),
    )
    common = (Row(Delta, Terms(Factors(1 - M11, 1 - M22), -M12 * M21)), Row(tr, Terms(2, -M11, -M22)))
    x_rows = (
        Row(X1, A_star * Slash(Terms(Factors(zeta - M22, a1), M12 * a2), D)),
        Row(X2, A_star * Slash(Terms(M21 * a1, Factors(zeta - M11, a2)), D)),
    )
    y_rows = (
        Row(Y1, Slash(Terms(Factors(zy - M22, b1), M21 * b2), Dy)),
        Row(Y2, Slash(Terms(M12 * b1, Factors(zy - M11, b2)), Dy)),
    )
    zeta_rows = (
        (
            Row(D, Terms(Factors(zeta - M11, zeta - M22), -M12 * M21)),
            Row(zeta, Terms(1, c_star, -sp.I * omega_star) if osc else Terms(1, c_star)),
        ),
    )
    re = sp.re if osc else (lambda e: e)
    return {
        "a": a,
        "b": b,
        "M": M,
        "P": ((P11, P12), (P12, P22)),
        "Q": ((Q11, Q12), (Q12, Q22)),
        "X": (X1, X2),
        "Y": (Y1, Y2),
        "re": re,
        "osc": osc,
        "where_loss": where + common + x_rows + zeta_rows,
        "where_flow": where + where_q + common + x_rows + y_rows + zeta_rows,
    }


def reduced_loss_layout(kind: str) -> Layout:
    r"""$\mathcal L=\tfrac12c_s^\top P_sc_s+\tfrac12(P_{11}b_1^2+2P_{12}b_1b_2+P_{22}b_2^2)-\sum_ib_i\operatorname{Re}X_i$."""
    k = _pieces(kind)
    (P11, P12), (_, P22) = k["P"]
    b1, b2 = k["b"]
    X1, X2 = k["X"]
    re = k["re"]
    quad = Terms(P11 * b1**2, 2 * P12 * b1 * b2, P22 * b2**2)
    const = [target_variance(kind) / 2]
    if kind == "oscillator":  # A^2 (w^2 + 2 c^2)/(8 c (w^2 + c^2)) = A^2/(4 c) - A^2 w^2/(8 c (w^2 + c^2))
        const = [A_star**2 / (4 * c_star), -(A_star**2) * omega_star**2 / (8 * c_star * (omega_star**2 + c_star**2))]
    rhs = Terms(*const, -Factors(b1, re(X1)), -Factors(b2, re(X2)), sp.Rational(1, 2) * quad)
    return Layout((Row(sp.Symbol(r"\mathcal{L}"), rhs),), k["where_loss"])


def reduced_flow_layout(kind: str) -> Layout:
    r"""The 8 ODEs $\dot a=A_\star\operatorname{Re}Y-Qa$, $\dot b=\operatorname{Re}X-Pb$,
    $\dot M_{ij}=\operatorname{Re}(Y_i\bar X_j)-(QP)_{ij}$, one row each."""
    k = _pieces(kind)
    a, b = k["a"], k["b"]
    P, Q, X, Y, re = k["P"], k["Q"], k["X"], k["Y"], k["re"]
    dots = state_dots()
    rows = []
    for i in range(2):
        rows.append(Row(dots[i], Terms(A_star * re(Y[i]), -Q[i][0] * a[0], -Q[i][1] * a[1])))
    for i in range(2):
        rows.append(Row(dots[2 + i], Terms(re(X[i]), -P[i][0] * b[0], -P[i][1] * b[1])))
    for i in range(2):
        for j in range(2):
            yx = re(Y[i] * sp.conjugate(X[j])) if k["osc"] else Factors(Y[i], X[j])
            qp = (-Factors(Q[i][0], P[0][j]), -Factors(Q[i][1], P[1][j]))  # (QP)_ij in matrix order
            rows.append(Row(dots[4 + 2 * i + j], Terms(yx, *qp)))
    return Layout(tuple(rows), k["where_flow"])
