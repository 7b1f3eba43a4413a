r"""Per-neuron (elementwise) factors of the gated-cell Jacobians, derived with SymPy.

Livi, arXiv:2508.12121 ([§2][gating-s2]–§3). One neuron $q$ of every cell
updates as

$$
x' = \sigma(z)\,\tanh(a) + (1-\sigma(z))\,x ,
$$
with $a$ the candidate pre-activation, $z$ the gate pre-activation and
$x$ the neuron's previous state. Differentiating this scalar map gives the three
factors from which every Jacobian of the toolkit is assembled by broadcasting:

| code name | symbol | factor | meaning |
|---|---|---|---|
| `leak` | $1-g$ | $\partial x'/\partial x$ (explicit) | retention, diagonal of $A_t$ |
| `write` | $g\,\phi'(a)$ | $\partial x'/\partial a$ | row scale of $W_r$ in $A_t$ and of the immediate Jacobians |
| `gate` | $d\,g(1-g)$ | $\partial x'/\partial z$ | row scale of $\partial z/\partial x$ in $B_t$ |

with $g=\sigma(z)$, $d=\phi(a)-x$. The factors are expressed in
$(a, x, g)$ so that the code generator never needs a sigmoid; the numerics pass
the gate value (a constant α for the leaky cell, 1 for the plain cell).

This module is SymPy only and never imports jax.
"""

from __future__ import annotations

import functools

import sympy as sp

from theory.equations import PAPERS, Equation, Factors, Layout, Row, Terms, to_latex

__all__ = [
    "sigma",
    "a_sym",
    "x_sym",
    "g_sym",
    "z_sym",
    "scalar_update",
    "cell_factors",
    "JACOBIAN_FORMS",
    "symbolic_cell",
    "verify_jacobians",
    "verify_expansion",
    "verify_diagonal_first_order",
    "equations",
    "symbol_table",
]


class sigma(sp.Function):  # noqa: N801 - the paper's symbol
    r"""Logistic sigmoid $\sigma(z)=1/(1+e^{-z})$ with $\sigma'=\sigma(1-\sigma)$."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):  # noqa: ANN001
        return 1 / (1 + sp.exp(-z))

    def _latex(self, printer, exp=None):  # noqa: ANN001
        inner = printer._print(self.args[0])
        base = rf"\sigma{{\left({inner} \right)}}"
        return base if exp is None else rf"{base}^{{{exp}}}"


#: Scalar symbols of one neuron: candidate pre-activation, previous state, gate value,
#: gate pre-activation.
a_sym = sp.Symbol("a", real=True)
x_sym = sp.Symbol("x", real=True)
g_sym = sp.Symbol("g", positive=True)
z_sym = sp.Symbol(r"\tilde{a}", real=True)


def scalar_update(a: sp.Expr = a_sym, x: sp.Expr = x_sym, z: sp.Expr = z_sym) -> sp.Expr:
    r"""One neuron's update $\sigma(z)\tanh a+(1-\sigma(z))x$."""
    return sigma(z) * sp.tanh(a) + (1 - sigma(z)) * x


@functools.cache
def cell_factors() -> dict[str, sp.Expr]:
    r"""`{"leak", "write", "gate"}`: the partial derivatives of `scalar_update`
    with respect to $x$ (explicit), $a$ and $z$, written in
    $(a, x, g)$ by substituting $\sigma(z)\to g$. Derived, not typed in."""
    f = scalar_update()
    sub = {sigma(z_sym): g_sym}
    out = {
        "leak": sp.diff(f, x_sym),
        "write": sp.diff(f, a_sym),
        "gate": sp.diff(f, z_sym),
    }
    out = {k: v.subs(sub) for k, v in out.items()}
    # readable forms, each checked equal to the derivative it replaces
    nice = {
        "leak": 1 - g_sym,
        "write": g_sym * (1 - sp.tanh(a_sym) ** 2),
        "gate": (sp.tanh(a_sym) - x_sym) * g_sym * (1 - g_sym),
    }
    for k in out:
        if sp.expand(out[k] - nice[k]) != 0:
            raise RuntimeError(f"cell factor {k!r}: {out[k]} != {nice[k]}")
    return nice


# ============================================================================ symbols
N_sym = sp.Symbol("N", integer=True, positive=True)
n_sym = sp.Symbol("n", integer=True, positive=True)
alpha = sp.Symbol(r"\alpha", positive=True)
eta = sp.Symbol(r"\eta", positive=True)
eps = sp.Symbol(r"\varepsilon", nonnegative=True)
beta = sp.Symbol(r"\beta", positive=True)
ell = sp.Symbol(r"\ell", integer=True, nonnegative=True)
t_sym, k_sym, j_sym, i_sym, m_sym = sp.symbols("t k j i m", integer=True)
q_sym = sp.Symbol("q", integer=True)


def _M(name: str) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, N_sym, N_sym)


I_N = sp.Identity(N_sym)
W_r, W_rg = _M("W_{r}"), _M("W_{r,g}")
D_t = _M("D_{t}")
diag_g, diag_1mg = _M(r"\operatorname{diag}(g_{t})"), _M(r"\operatorname{diag}(1 - g_{t})")
diag_d = _M(r"\operatorname{diag}(d_{t})")
diag_gg = _M(r"\operatorname{diag}(g_{t} \odot (1 - g_{t}))")
J_t, A_t, B_t = _M("J_{t}"), _M("A_{t}"), _M("B_{t}")
d_vec = sp.MatrixSymbol("d_{t}", N_sym, 1)
w_rg = sp.MatrixSymbol("w_{r,g}", N_sym, 1)
x_prev_vec = sp.MatrixSymbol("x_{t-1}", N_sym, 1)
g_scalar = sp.Symbol("g_{t}", positive=True)

#: One neuron q at step t (the symbols of the per-neuron equations): state, previous state,
#: candidate and gate pre-activations, gate value, candidate minus previous state, and the
#: previous state of neuron j.
x_q, x_q_prev = sp.Symbol(r"x^{(q)}_{t}"), sp.Symbol(r"x^{(q)}_{t-1}")
a_q, a_tilde_q, g_q = sp.Symbol(r"a^{(q)}_{t}"), sp.Symbol(r"\tilde{a}^{(q)}_{t}"), sp.Symbol(r"g^{(q)}_{t}")
d_q = sp.Symbol(r"d^{(q)}_{t}")
x_j_prev = sp.Symbol(r"x^{(j)}_{t-1}")
#: Entries of the recurrent and gate weights: row q, column j, and the diagonal (q, q).
W_r_qj, W_rg_qj = sp.Symbol(r"(W_r)_{qj}"), sp.Symbol(r"(W_{r,g})_{qj}")
W_r_qq, W_rg_qq = sp.Symbol(r"(W_r)_{qq}"), sp.Symbol(r"(W_{r,g})_{qq}")
#: Bounds of the remainder: a = max ||A_j||, b = max ||B_j|| (printed a, b).
a_norm, b_norm = sp.symbols("a b", positive=True)

#: Matrix form of the state Jacobians (docs: gating §3), per cell kind: (A_t, B_t).
JACOBIAN_FORMS: dict[str, tuple[sp.Basic, sp.Basic]] = {
    "plain": (D_t * W_r, sp.ZeroMatrix(N_sym, N_sym)),
    "leaky": ((1 - alpha) * I_N + alpha * D_t * W_r, sp.ZeroMatrix(N_sym, N_sym)),
    "scalar": ((1 - g_scalar) * I_N + g_scalar * D_t * W_r, g_scalar * (1 - g_scalar) * d_vec * w_rg.T),
    "vector": (diag_1mg + diag_g * D_t * W_r, diag_d * diag_gg * W_rg),
}


# ============================================================================ finite-N derivation
def symbolic_cell(kind: str, N: int, Ni: int = 1):
    r"""Explicit SymPy model of one cell with symbolic weights at small `N`.

    Returns `(f, x, J_derived, J_formula, theta)`: the update vector
    $f(x_{t-1},u_t)$, the state symbols, the Jacobian $\partial f/\partial x$
    computed by SymPy, the same from the matrix form of [§3][gating-s3] (`JACOBIAN_FORMS`)
    written entry by entry, and the parameter symbols `{"W_r": Matrix, ...}`.
    """
    if kind not in ("plain", "leaky", "scalar", "vector"):
        raise ValueError(f"kind={kind!r} is not allowed; allowed: plain, leaky, scalar, vector")
    x = sp.Matrix(sp.symbols(f"x_1:{N + 1}", real=True))
    u = sp.Matrix(sp.symbols(f"u_1:{Ni + 1}", real=True))
    Wr = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"w_{i + 1}{j + 1}", real=True))
    Wi = sp.Matrix(N, Ni, lambda i, j: sp.Symbol(f"v_{i + 1}{j + 1}", real=True))
    theta = {"W_r": Wr, "W_i": Wi}
    a = Wr * x + Wi * u
    if kind == "vector":
        Wg = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"p_{i + 1}{j + 1}", real=True))
        Vg = sp.Matrix(N, Ni, lambda i, j: sp.Symbol(f"s_{i + 1}{j + 1}", real=True))
        z = Wg * x + Vg * u
        g = sp.Matrix([sigma(zi) for zi in z])
        G = Wg
        theta |= {"W_rg": Wg, "W_ig": Vg}
    elif kind == "scalar":
        wg = sp.Matrix(sp.symbols(f"p_1:{N + 1}", real=True))
        vg = sp.Matrix(sp.symbols(f"s_1:{Ni + 1}", real=True))
        z = (wg.T * x + vg.T * u)[0]
        g = sp.Matrix([sigma(z)] * N)
        G = sp.Matrix(N, N, lambda i, j: wg[j])
        theta |= {"W_rg": wg, "W_ig": vg}
    else:
        g = sp.Matrix([alpha if kind == "leaky" else sp.Integer(1)] * N)
        G = sp.zeros(N, N)
    f = sp.Matrix([g[i] * sp.tanh(a[i]) + (1 - g[i]) * x[i] for i in range(N)])
    J_derived = f.jacobian(x)
    fac = cell_factors()
    leak = [fac["leak"].subs(g_sym, g[i]) for i in range(N)]
    write = [fac["write"].subs({g_sym: g[i], a_sym: a[i]}) for i in range(N)]
    gate = [fac["gate"].subs({g_sym: g[i], a_sym: a[i], x_sym: x[i]}) for i in range(N)]
    J_formula = sp.diag(*leak) + sp.diag(*write) * Wr + sp.diag(*gate) * G
    return f, x, J_derived, J_formula, theta


def _is_zero(M: sp.Matrix) -> bool:
    return all(sp.expand(e) == 0 for e in M)


@functools.cache
def verify_jacobians(sizes: tuple[int, ...] = (2, 3)) -> dict[tuple[str, int], bool]:
    r"""`{(kind, N): True}` iff SymPy's Jacobian of the explicit cell equals the
    matrix form entry by entry (expanded difference is 0), for every kind and `N`."""
    out = {}
    for kind in ("plain", "leaky", "scalar", "vector"):
        for N in sizes:
            _, _, Jd, Jf, _ = symbolic_cell(kind, N)
            out[(kind, N)] = _is_zero(Jd - Jf)
    return out


@functools.cache
def verify_expansion(n: int = 3) -> bool:
    r"""First-order coefficient of $\prod_j(A_j+\varepsilon B_j)$ (non-commuting symbols,
    time order) equals $\sum_i(\prod_{j>i}A_j)B_i(\prod_{j<i}A_j)$."""
    A = sp.symbols(f"A_1:{n + 1}", commutative=False)
    B = sp.symbols(f"B_1:{n + 1}", commutative=False)
    F = sp.Integer(1)
    for j in range(n):
        F = (A[j] + eps * B[j]) * F
    F = sp.expand(F)
    LF = sum((sp.Mul(*A[i + 1 :][::-1]) * B[i] * sp.Mul(*A[:i][::-1]) for i in range(n)), sp.Integer(0))
    first = F.coeff(eps, 1)
    zeroth = F.subs(eps, 0)
    return sp.expand(first - LF) == 0 and sp.expand(zeroth - sp.Mul(*A[::-1])) == 0


@functools.cache
def verify_diagonal_first_order(n: int = 4) -> bool:
    r"""For diagonal leaks $\lambda_j$ and corrections $r_j$, the
    $O(\varepsilon)$ term of $\prod(\lambda_j+\varepsilon r_j)$ is
    $\prod\lambda_j\sum_i r_i/\lambda_i$ (the $\mu^{(1)}$ of [§5][gating-s5])."""
    lam = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    r = sp.symbols(f"r_1:{n + 1}")
    P = sp.expand(sp.Mul(*[lam[j] + eps * r[j] for j in range(n)]))
    mu1 = sp.Mul(*lam) * sum(r[i] / lam[i] for i in range(n))
    return sp.simplify(P.coeff(eps, 1) - mu1) == 0


# ============================================================================ equations
def _jacobian_terms(A: sp.Basic, B: sp.Basic) -> tuple[str, ...]:
    """The terms of `A + B` as LaTeX, the retention term (identity or diag(1 - g)) first."""
    parts = list(A.args) if isinstance(A, sp.MatAdd) else [A]
    parts.sort(key=lambda t: 0 if (t.has(I_N) or t.has(diag_1mg)) else 1)
    if not isinstance(B, sp.ZeroMatrix):
        parts.append(B)
    return tuple(to_latex(p) for p in parts)


def _jacobian_n2_layout() -> Layout:
    r"""`jacobian_vector_N2` entry by entry: $J_{ij}=\delta_{ij}(1-g_i)+g_i(1-\tanh^2a_i)w_{ij}
    +d_ig_i(1-g_i)p_{ij}$ with the pre-activations, gates and $d_i=\tanh a_i-x_i$ named."""
    _, x, _, _, theta = symbolic_cell("vector", 2)
    Wr, Wi, Wg, Vg = theta["W_r"], theta["W_i"], theta["W_rg"], theta["W_ig"]
    u = sp.Matrix(sp.symbols("u_1:2", real=True))
    J = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"J_{{{i + 1}{j + 1}}}"))
    rows_J, defs = [], []
    for i in range(2):
        a_i, z_i = sp.Symbol(f"a_{i + 1}"), sp.Symbol(rf"\tilde{{a}}_{i + 1}")
        g_i, d_i = sp.Symbol(f"g_{i + 1}"), sp.Symbol(f"d_{i + 1}")
        for j in range(2):
            terms = [Factors(g_i, 1 - sp.tanh(a_i) ** 2, Wr[i, j]), Factors(d_i, g_i, 1 - g_i, Wg[i, j])]
            if i == j:
                terms.insert(0, 1 - g_i)
            rows_J.append(Row(J[i, j], Terms(*terms)))
        defs += [
            Row(a_i, Terms(*[Wr[i, k] * x[k] for k in range(2)], Factors(Wi[i, 0], u[0]))),
            Row(z_i, Terms(*[Wg[i, k] * x[k] for k in range(2)], Factors(Vg[i, 0], u[0]))),
            Row(g_i, sigma(z_i)),
            Row(d_i, Terms(sp.tanh(a_i), -x[i])),
        ]
    lhs = sp.Symbol(r"J_t\big|_{N=2}")
    return Layout((Row(lhs, J),), tuple(rows_J + defs))


def _eq(name, lhs, rhs, description, section, **kw) -> Equation:
    return Equation(f"gating.{name}", lhs, rhs, description, PAPERS["gating"], section, **kw)


@functools.cache
def equations() -> tuple[Equation, ...]:
    """Every registered equation of the gating theory (cached; a few seconds)."""
    fac = cell_factors()
    checked = verify_jacobians()
    if not all(checked.values()):
        raise RuntimeError(f"symbolic Jacobian check failed: {checked}")
    if not (verify_expansion() and verify_diagonal_first_order()):
        raise RuntimeError("symbolic product-expansion check failed")
    xq, xprev, aq, zq, gq = x_q, x_q_prev, a_q, a_tilde_q, g_q
    sub_q = {a_sym: aq, x_sym: xprev, g_sym: gq}
    d_def = Row(d_q, Terms(sp.tanh(aq), -xprev))  # candidate minus previous state
    write_q = Factors(gq, 1 - sp.tanh(aq) ** 2)
    dphi_q = sp.Symbol(r"\phi'(a^{(q)}_{t})")  # phi = tanh
    dphi_def = Row(dphi_q, 1 - sp.tanh(aq) ** 2)
    gate_q = Factors(d_q, gq, 1 - gq)
    eqs = [
        _eq(
            "cell_update",
            xq,
            scalar_update(aq, xprev, zq),
            "one neuron of every cell: gate times candidate plus retention of the previous state",
            "§2",
            provenance="definition",
            notes="Plain: g = 1; leaky: g = alpha; scalar gate: one shared gate; vector gate: one gate per neuron.",
            layout=Layout((Row(xq, Terms(Factors(sigma(zq), sp.tanh(aq)), Factors(1 - sigma(zq), xprev))),)),
        ),
        _eq(
            "factor_leak",
            sp.Derivative(xq, xprev),
            fac["leak"].subs(sub_q),
            "explicit retention factor (diagonal of A_t)",
            "§3",
        ),
        _eq(
            "factor_write",
            sp.Derivative(xq, aq),
            fac["write"].subs(sub_q),
            "row scale of W_r in A_t and of the immediate parameter Jacobians",
            "§3",
        ),
        _eq(
            "factor_gate",
            sp.Derivative(xq, zq),
            fac["gate"].subs(sub_q),
            "row scale of the gate-input Jacobian in B_t: d_t g(1-g), d_t = phi(a_t) - x_{t-1}",
            "§3",
            layout=Layout((Row(sp.Derivative(xq, zq), gate_q),), (d_def,)),
        ),
    ]
    titles = {
        "plain": "plain tanh",
        "leaky": "leaky (constant gate alpha)",
        "scalar": "scalar gate",
        "vector": "vector gate",
    }
    for kind, (A, B) in JACOBIAN_FORMS.items():
        rhs = A if kind in ("plain", "leaky") else sp.MatAdd(A, B)
        eqs.append(
            _eq(
                f"jacobian_{kind}",
                J_t,
                rhs,
                f"exact state Jacobian, {titles[kind]} cell",
                "§3",
                provenance="verified",
                notes="Checked entry by entry against SymPy's Jacobian of the explicit cell at N = 2 and 3.",
                layout=Layout((Row(J_t, _jacobian_terms(A, B)),)),
            )
        )
    eqs += [
        _eq(
            "split_A",
            A_t,
            JACOBIAN_FORMS["vector"][0],
            "frozen-gate part of J_t (vector gate; scalar: diag g -> g)",
            "§3",
            provenance="verified",
            layout=Layout((Row(A_t, _jacobian_terms(JACOBIAN_FORMS["vector"][0], sp.ZeroMatrix(N_sym, N_sym))),)),
        ),
        _eq(
            "split_B",
            B_t,
            JACOBIAN_FORMS["vector"][1],
            "gate-derivative correction of J_t (vector gate; scalar: g(1-g) d_t w_rg^T; leaky/plain: 0)",
            "§3",
            provenance="verified",
        ),
    ]
    f2, xs, _, _, _ = symbolic_cell("vector", 2)
    eqs.append(
        _eq(
            "jacobian_vector_N2",
            sp.Symbol(r"J_t\big|_{N=2}"),
            f2.jacobian(xs),
            "vector-gate Jacobian written out for N = 2 (symbolic weights "
            "w = W_r, p = W_rg, v = W_i, s = W_ig, one input)",
            "§3",
            layout=_jacobian_n2_layout(),
        )
    )
    Wq, Wgq, xj = W_r_qj, W_rg_qj, x_j_prev
    eqs += [
        _eq(
            "immediate_W_r",
            sp.Derivative(xq, Wq),
            sp.diff(scalar_update(aq + Wq * xj, xprev, zq), Wq).subs(Wq, 0).subs(sigma(zq), gq).factor(),
            "immediate state-to-parameter Jacobian, recurrent weights (row q)",
            "§3",
            layout=Layout((Row(sp.Derivative(xq, Wq), Factors(gq, dphi_q, xj)),), (dphi_def,)),
        ),
        _eq(
            "immediate_W_rg",
            sp.Derivative(xq, Wgq),
            sp.diff(scalar_update(aq, xprev, zq + Wgq * xj), Wgq).subs(Wgq, 0).subs(sigma(zq), gq).factor(),
            "immediate state-to-parameter Jacobian, gate weights (row q)",
            "§3",
            layout=Layout((Row(sp.Derivative(xq, Wgq), Factors(d_q, gq, 1 - gq, xj)),), (d_def,)),
        ),
        _eq(
            "immediate_matrix",
            sp.Symbol(r"\partial^{+} x_t/\partial\operatorname{vec}W_r"),
            diag_g * D_t * sp.kronecker_product(x_prev_vec.T, I_N),
            "matrix form: the gate multiplies each row's immediate Jacobian (a per-neuron step size)",
            "§3",
            provenance="definition",
        ),
    ]
    # ---------------------------------------------------------------- BPTT and expansion
    Mtk = sp.MatrixSymbol("M_{t,k}", N_sym, N_sym)
    grad = sp.Symbol(r"\nabla_{\theta}\mathcal{L}")
    term = sp.Symbol(r"\Big(\frac{\partial^{+}x_{k}}{\partial\theta}\Big)^{\top}M_{t,k}^{\top}\delta_{t}")
    G_tk = sp.Symbol("G_{t,k}")
    eqs.append(
        _eq(
            "bptt_lags",
            grad,
            sp.Sum(sp.Sum(term, (k_sym, 1, t_sym)), (t_sym, 1, sp.Symbol("T"))),
            "BPTT as a sum over lags l = t - k of transported immediate Jacobians",
            "§4",
            provenance="definition",
            notes=r"$M_{t,k}=J_tJ_{t-1}\cdots J_{k+1}$, $M_{t,t}=I$.",
            layout=Layout(
                (Row(grad, sp.Sum(sp.Sum(G_tk, (k_sym, 1, t_sym)), (t_sym, 1, sp.Symbol("T")))),),
                (Row(G_tk, term),),
            ),
        )
    )
    eqs.append(
        _eq(
            "transport",
            Mtk,
            sp.Symbol(r"J_{t} J_{t-1} \cdots J_{k+1}"),
            "transport matrix over lag l = t - k, products in time order",
            "§1",
            provenance="definition",
        )
    )
    F = sp.Function("F")(eps)
    LF = sp.Symbol("L_F")
    eqs += [
        _eq(
            "product_expansion",
            F,
            sp.Function("F")(0) + eps * LF + sp.Function("R_2")(eps),
            "first-order expansion of the ordered product prod_j (A_j + eps B_j)",
            "§5",
            provenance="verified",
            notes="Coefficients checked on non-commuting symbols (n = 3).",
            layout=Layout(
                (
                    Row(F, r"(A_n + \varepsilon B_n) \cdots (A_1 + \varepsilon B_1)"),
                    Row(
                        "",
                        (to_latex(sp.Function("F")(0)), to_latex(Factors(eps, LF)), to_latex(sp.Function("R_2")(eps))),
                    ),
                ),
                (
                    Row(sp.Function("F")(0), r"A_n A_{n-1} \cdots A_1"),
                    Row(LF, r"\sum_{i=1}^n A_n \cdots A_{i+1} B_i A_{i-1} \cdots A_1"),
                ),
            ),
        ),
        _eq(
            "first_order_term",
            LF,
            sp.Sum(sp.Symbol(r"\Big(\prod_{j>i}A_j\Big)B_i\Big(\prod_{j<i}A_j\Big)"), (i_sym, 1, n_sym)),
            "first-order term, O(n) matrix products by prefix and suffix products",
            "§5",
            provenance="verified",
        ),
    ]
    a_, b_ = a_norm, b_norm
    bound = (a_ + eps * b_) ** n_sym - a_**n_sym - n_sym * eps * b_ * a_ ** (n_sym - 1)
    lead = sp.simplify(sp.series((a_ + eps * b_) ** n_sym, eps, 0, 3).removeO().coeff(eps, 2))
    bound_shown = Terms(Terms(a_, eps * b_) ** n_sym, -(a_**n_sym), -Factors(n_sym, eps, a_ ** (n_sym - 1), b_))
    lead_shown = Terms(Factors(sp.binomial(n_sym, 2), eps**2, a_ ** (n_sym - 2), b_**2), sp.O(eps**3))
    eqs += [
        _eq(
            "remainder_bound",
            sp.Symbol(r"\|R_{2}\|"),
            bound,
            "remainder bound with a = max ||A_j||, b = max ||B_j||",
            "§5",
            relation=r"\le",
            layout=Layout((Row(sp.Symbol(r"\|R_{2}\|"), bound_shown, relation=r"\le"),)),
        ),
        _eq(
            "remainder_leading",
            bound,
            sp.factor(lead) * eps**2 * b_**0 + sp.O(eps**3),
            "leading order of the bound: binom(n,2) eps^2 b^2 a^(n-2)",
            "§5",
            layout=Layout((Row(bound_shown, lead_shown),)),
        ),
        _eq(
            "gate_ratio",
            sp.Symbol("r_j"),
            sp.Symbol(r"\lVert B_{j}\rVert") / sp.Symbol(r"\lVert A_{j}\rVert"),
            "size of the gate correction (spectral norms); the expansion is accurate when r_j << 1",
            "§5",
            provenance="definition",
        ),
    ]
    # ---------------------------------------------------------------- diagonal transport
    g_j = sp.Indexed(sp.IndexedBase("g^{(q)}"), j_sym)
    g_i = sp.Indexed(sp.IndexedBase("g^{(q)}"), i_sym)
    R_i = sp.Indexed(sp.IndexedBase("[R]_{qq}"), i_sym)
    mu0 = sp.Product(1 - g_j, (j_sym, k_sym + 1, t_sym))
    Wqq, Wgqq = W_r_qq, W_rg_qq
    mu0_sym, mu1_sym = sp.Symbol(r"\mu^{(0)}_{q}"), sp.Symbol(r"\mu^{(1)}_{q}")
    eqs += [
        _eq(
            "mu0",
            sp.Symbol(r"\mu^{(0)}_{q}"),
            mu0,
            "zeroth-order diagonal transport (retention product)",
            "§5",
            provenance="definition",
        ),
        _eq(
            "mu1",
            sp.Symbol(r"\mu^{(1)}_{q}"),
            mu0 * sp.Sum(R_i / (1 - g_i), (i_sym, k_sym + 1, t_sym)),
            "first-order diagonal correction, O(T) for all lags by prefix sums",
            "§5",
            provenance="verified",
            notes="Checked: the O(eps) coefficient of prod(lambda_j + eps r_j) is prod(lambda) sum(r_i/lambda_i).",
            layout=Layout(
                (Row(mu1_sym, Factors(mu0_sym, sp.Sum(R_i / (1 - g_i), (i_sym, k_sym + 1, t_sym)))),),
                (Row(mu0_sym, mu0),),
            ),
        ),
        _eq(
            "R_diag",
            sp.Symbol(r"[R_{i}]_{qq}"),
            fac["write"].subs(sub_q) * Wqq + fac["gate"].subs(sub_q) * Wgqq,
            "diagonal of J minus the leak: write factor x (W_r)_qq + gate factor x (W_rg)_qq",
            "§5",
            layout=Layout(
                (Row(sp.Symbol(r"[R_{i}]_{qq}"), Terms(Factors(write_q, Wqq), Factors(gate_q, Wgqq))),), (d_def,)
            ),
        ),
        _eq(
            "diag_transport",
            sp.Symbol(r"[M_{t,k}]_{qq}"),
            sp.Symbol(r"\mu^{(0)}_{q}") + sp.Symbol(r"\mu^{(1)}_{q}") + sp.O(sp.Symbol("R") ** 2),
            "per-neuron effective transport to first order in R",
            "§5",
            relation=r"\approx",
            layout=Layout(
                (Row(sp.Symbol(r"[M_{t,k}]_{qq}"), Terms(mu0_sym, mu1_sym, sp.O(sp.Symbol("R") ** 2)), r"\approx"),)
            ),
        ),
    ]
    # ---------------------------------------------------------------- effective learning rates
    gq_l = sp.Indexed(sp.IndexedBase("g^{(q)}"), t_sym - ell)
    mu_gate = eta * gq_l * sp.Product(1 - g_j, (j_sym, t_sym - ell + 1, t_sym))
    gbase = g_j.base
    G_ql = sp.Symbol(r"G^{(q)}_{t,\ell}")  # the lag-l contribution to row q (display name)
    mu_const = sp.simplify(
        mu_gate.replace(lambda e: isinstance(e, sp.Indexed) and e.base == gbase, lambda e: alpha).doit()
    )
    eqs += [
        _eq(
            "mu_effective",
            sp.Symbol(r"\mu^{(q)}_{t,\ell}"),
            mu_gate,
            "per-neuron, lag-dependent effective learning rate (zeroth-order diagonal transport)",
            "§6",
            provenance="derived",
        ),
        _eq(
            "mu_constant_gate",
            sp.Symbol(r"\mu_{\ell}"),
            mu_const,
            "constant gate: isotropic geometric decay with lag",
            "§6",
        ),
        _eq(
            "retention_time",
            sp.Symbol(r"\tau_{\alpha}"),
            -1 / sp.log(1 - alpha),
            "time constant of the constant-gate decay (about 1/alpha for small alpha)",
            "§6",
            provenance="definition",
        ),
        _eq(
            "weight_update_lag",
            sp.Symbol(r"\Delta W_{q,:}"),
            -sp.Sum(
                sp.Sum(
                    sp.Symbol(r"\mu^{(q)}_{t,\ell}")
                    * sp.Symbol(r"\delta^{(q)}_{t}\,\phi'(a^{(q)}_{t-\ell})\,z_{t-\ell}^{\top}"),
                    (ell, 0, t_sym - 1),
                ),
                (t_sym, 1, sp.Symbol("T")),
            ),
            "row q of the input-side weights receives mu-weighted "
            "lag contributions (lags l = t - k, k = 1..t, as in bptt_lags: x_0 is fixed)",
            "§6",
            relation=r"\approx",
            provenance="definition",
            layout=Layout(
                (
                    Row(
                        sp.Symbol(r"\Delta W_{q,:}"),
                        -sp.Sum(
                            sp.Sum(Factors(sp.Symbol(r"\mu^{(q)}_{t,\ell}"), G_ql), (ell, 0, t_sym - 1)),
                            (t_sym, 1, sp.Symbol("T")),
                        ),
                        r"\approx",
                    ),
                ),
                (Row(G_ql, sp.Symbol(r"\delta^{(q)}_{t}\,\phi'(a^{(q)}_{t-\ell})\,z_{t-\ell}^{\top}")),),
            ),
        ),
        _eq(
            "preconditioner_vector_gate",
            sp.Symbol(r"\Delta\operatorname{vec}W"),
            -sp.kronecker_product(sp.Identity(sp.Symbol("m")), _M(r"P_{t,\ell}"))
            * sp.MatrixSymbol(r"\operatorname{vec}\nabla_{W}\ell_{t,\ell}", N_sym * sp.Symbol("m"), 1),
            "vector gate: diagonal preconditioner P = diag(mu^{(q)}_{t,l}) in neuron coordinates",
            "§6",
            relation=r"\approx",
            provenance="definition",
        ),
    ]
    # ---------------------------------------------------------------- analogies
    grad_n = sp.IndexedBase(r"\nabla\mathcal{L}")
    phi_a = sp.IndexedBase(r"\phi(a)")
    ema_unrolled = _unroll_ema(beta, grad_n, sp.Symbol("n", integer=True), 4)
    eqs += [
        _eq(
            "schedule",
            sp.Symbol(r"\eta_{\mathrm{eff}}(\ell)"),
            sp.Symbol(r"\mu_{\ell}"),
            "a gate is a lag-indexed step-size schedule, data-driven and drifting with theta",
            "§6",
            provenance="definition",
        ),
        _eq(
            "momentum_ema",
            sp.Symbol(r"\Delta\theta_{n}"),
            -eta * sp.Sum((1 - beta) * beta**m_sym * grad_n[sp.Symbol("n") - m_sym], (m_sym, 0, sp.oo)),
            "EMA momentum v_n = beta v_(n-1) + (1-beta) grad_n unrolled (over iterations)",
            "§6",
            notes=f"Unrolled 4 steps by SymPy: v_n = {sp.sstr(ema_unrolled)} + O(beta^4).",
        ),
        _eq(
            "leaky_ema",
            sp.Symbol(r"x_{t}"),
            sp.Sum(alpha * (1 - alpha) ** m_sym * phi_a[t_sym - m_sym], (m_sym, 0, sp.oo)),
            "the leaky state is the same EMA over lags with beta <-> 1 - alpha (W_r x folded into a_t)",
            "§6",
            notes="Derived by substituting beta = 1 - alpha in the EMA unrolling; a gate makes beta "
            "time-varying and per-neuron. Momentum accumulates over iterations, gates over lag.",
        ),
        _eq(
            "adam",
            sp.Symbol(r"\Delta\theta"),
            -eta * sp.Symbol(r"\hat m") / (sp.sqrt(sp.Symbol(r"\hat v")) + sp.Symbol(r"\epsilon")),
            "Adam: diagonal preconditioner in parameter coordinates from gradient statistics over iterations; "
            "a vector gate preconditions in neuron coordinates from state dynamics, per lag (complementary)",
            "§6",
            provenance="definition",
        ),
    ]
    return tuple(eqs)


def _unroll_ema(beta_: sp.Symbol, grad: sp.IndexedBase, n: sp.Symbol, depth: int) -> sp.Expr:
    """`v_n` of `v = beta v + (1-beta) grad` unrolled `depth` steps (v_{n-depth} dropped)."""
    v = sp.Integer(0)
    for m in reversed(range(depth)):
        v = beta_ * v + (1 - beta_) * grad[n - m]
    return sp.expand(v)


@functools.cache
def _symbol_table() -> dict[str, sp.Symbol]:
    table = {
        "a": a_sym, "x": x_sym, "g": g_sym, "a_tilde": z_sym, "alpha": alpha, "eta": eta, "eps": eps,
        "beta": beta, "ell": ell, "N": N_sym, "n": n_sym, "t": t_sym, "k": k_sym, "j": j_sym, "i": i_sym,
        "m": m_sym, "q": q_sym, "g_t": g_scalar, "x_q": x_q, "x_q_prev": x_q_prev, "a_q": a_q,
        "a_tilde_q": a_tilde_q, "g_q": g_q, "d_q": d_q, "x_j_prev": x_j_prev, "W_r_qj": W_r_qj,
        "W_rg_qj": W_rg_qj, "W_r_qq": W_r_qq, "W_rg_qq": W_rg_qq, "a_norm": a_norm, "b_norm": b_norm,
    }  # fmt: skip
    _, x, _, _, theta = symbolic_cell("vector", 2)  # the N = 2 cell of `jacobian_vector_N2`
    for sym in list(x) + [s for M in theta.values() for s in M] + list(sp.symbols("u_1:2", real=True)):
        table.setdefault(sym.name, sym)
    return table


def symbol_table() -> dict[str, sp.Symbol]:
    """Code name -> symbol of the gating notation (`theory.symbols("gating")`): the scalar
    symbols of one neuron (`a`, `x`, `g`, `a_tilde`), the per-neuron symbols at step t
    (`x_q`, `x_q_prev`, `a_q`, `a_tilde_q`, `g_q`, `d_q`, `x_j_prev`, weight entries
    `W_r_qj`, `W_rg_qj`, `W_r_qq`, `W_rg_qq`), the parameters (`alpha`, `eta`, `eps`,
    `beta`), the bounds `a_norm`, `b_norm` of the remainder (printed a, b), indices, and
    the entries of the N = 2 cell (`x_1`, `w_11`, `p_11`, `v_11`, `s_11`, `u_1`, ...)."""
    return dict(_symbol_table())
