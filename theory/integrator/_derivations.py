r"""Linear RNNs learning to integrate white noise: losses, reduced flows, outlier ODE.

Bordelon, Cotler, Pehlevan, Zavatone-Veth, arXiv:2503.18754; the formulation is the
toolkit's (documented on the [integrator page][integrator-formulation]), not a transcription of the paper.
SymPy only (never imports jax). Every result is derived here by SymPy from the
model definitions (solving the Lyapunov/Sylvester equations, differentiating the
closed-form loss, integrating, solving for fixed points); `equations` registers
them as `integrator.<name>` (records built in `theory.integrator._registry`).
The lazy-regime kernel, the discrete-time loss and the multi-timescale normalisation
live in `theory.integrator._lazy`, registered through `equations` as well.

| code name | symbol | meaning |
|---|---|---|
| `N` | $N$ | number of hidden units |
| `sigma` | $\sigma$ | initial recurrent scale (bulk radius) |
| `c_star`, `omega_star` | $c_\star,\omega_\star$ | target decay rate, frequency |
| `A_star` | $A_\star$ | target amplitude (`'raw'`: 1; `'unit'`: `unit_amplitude`) |
| `s` | $s$ | readout scale ($1/N$ mean-field default, $1/\sqrt N$ NTK) |
| `eta`; `eta_u, eta_v, eta_W` | $\eta;\eta_u,\eta_v,\eta_W$ | base / per-group rates |
| `W, u, v`; `A` | $W,u,v$; $A=W-I$ | weights; state matrix (unit leak) |
| `As, bs, cs` | $A_s,b_s,c_s$ | target state space, $k_\star=c_s^\top e^{A_s\tau}b_s$ |
| `P, Qo, Ps, X, Y` | $P,Q_o,P_s,X,Y$ | Gramians and cross-Gramians |
| `Qcons` | $\mathcal Q$ | conserved matrix (§4) |
| `a, b, M` | $a,b\in\mathbb R^2, M\in\mathbb R^{2\times2}$ | reduced coordinates (§5.1) |
| `alpha, beta, C` | $\alpha,\beta,C=\alpha^2-\beta^2$ | aligned amplitudes, imbalance |
| `p, d, lam` | $p=\alpha\beta, d=1-\lambda, \lambda$ | outlier amplitude, decay, eigenvalue |
| `eps` | $\varepsilon$ | initial read-in/readout scale |
| `t, tau` | $t,\tau$ | training (flow) time; network lag |

Conventions (toolkit defaults, each a parameter): `s = 1/N`; raw target
($A_\star$ symbolic, `'unit'` substitutes `unit_amplitude`); rates
$\eta_u=\eta_v=N\eta,\ \eta_W=\eta$ (`learning_rates`); oscillator in cosine
phase (`phase='sin'` uses $c_s=[0,1]$). Reduced flows are exact gradient flow in
flow time $t$ of the two-neuron loss with $s=1$.
"""

from __future__ import annotations

import functools

import sympy as sp

__all__ = [
    # symbols
    "c_star",
    "omega_star",
    "A_star",
    "lam",
    "eps",
    "sigma",
    "s",
    "tau",
    "t",
    "p",
    "d",
    "C",
    "alpha",
    "beta",
    "N",
    "eta",
    "f_frac",
    "x",
    "y",
    "q",
    "d0",
    "d1",
    "eta_u",
    "eta_v",
    "eta_W",
    "n_s",
    "trM",
    "detM",
    # model / conventions
    "readout_scale",
    "learning_rates",
    "target_state_space",
    "target_kernel",
    "target_variance",
    "unit_amplitude",
    # closed forms and flows
    "lyapunov_2x2",
    "sylvester",
    "loss_1neuron",
    "reduced_loss_2x2",
    "reduced_state",
    "reduced_flow_2x2_rhs",
    "pair_effective",
    "aligned_loss",
    "aligned_restriction",
    "aligned_rhs",
    "fixed_point",
    "slaved_amplitude",
    "slaved_loss",
    "slaved_flow",
    "curvature_at_optimum",
    "learning_time",
    "threshold_d1",
    "plateau_rate",
    "plateau_escape_time",
]

# --------------------------------------------------------------------------- symbols
c_star = sp.Symbol(r"c_\star", positive=True)
omega_star = sp.Symbol(r"\omega_\star", positive=True)
A_star = sp.Symbol(r"A_\star", positive=True)
lam = sp.Symbol(r"\lambda", real=True)
eps = sp.Symbol(r"\varepsilon", positive=True)
sigma = sp.Symbol(r"\sigma", positive=True)
s = sp.Symbol("s", positive=True)
N = sp.Symbol("N", positive=True, integer=True)
eta = sp.Symbol(r"\eta", positive=True)
tau = sp.Symbol(r"\tau", nonnegative=True)
t = sp.Symbol("t", nonnegative=True)
p = sp.Symbol("p", positive=True)
d = sp.Symbol("d", positive=True)
C = sp.Symbol("C", real=True)
alpha = sp.Symbol(r"\alpha", positive=True)
beta = sp.Symbol(r"\beta", positive=True)
f_frac = sp.Symbol("f", positive=True)
d0 = sp.Symbol("d_0", positive=True)
d1 = sp.Symbol("d_1", positive=True)
y = sp.Symbol("y", positive=True)
x = sp.Symbol("x", positive=True)
q = sp.Symbol("q", positive=True)
eta_u, eta_v, eta_W = sp.symbols(r"\eta_u \eta_v \eta_W", positive=True)
n_s = sp.Symbol("n_s", positive=True, integer=True)
trM, detM = sp.symbols(r"\operatorname{tr}M \det{M}", real=True)

_KINDS = ("leaky", "oscillator")
_PHASES = ("cos", "sin")


def _check_kind(kind: str, phase: str = "cos") -> None:
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}; allowed: {', '.join(_KINDS)}")
    if phase not in _PHASES:
        raise ValueError(f"phase={phase!r}; allowed: {', '.join(_PHASES)}")


# --------------------------------------------------------------- model and conventions
def readout_scale(kind: str = "mean_field", n: sp.Expr = N) -> sp.Expr:
    r"""Readout scale $s$: `'mean_field'` $1/N$ (default) or `'ntk'` $1/\sqrt N$."""
    table = {"mean_field": 1 / n, "ntk": 1 / sp.sqrt(n)}
    if kind not in table:
        raise ValueError(f"readout_scale={kind!r}; allowed: mean_field, ntk")
    return table[kind]


def learning_rates(kind: str = "mean_field", n: sp.Expr = N, base: sp.Expr = eta) -> dict[str, sp.Expr]:
    r"""Per-group rates: mean-field $\eta_u=\eta_v=N\eta,\ \eta_W=\eta$; NTK
    $\eta_u=\eta_v=\eta,\ \eta_W=\eta/N$ ([§2][integrator-s2])."""
    if kind == "mean_field":
        return {"u": n * base, "v": n * base, "W": base}
    if kind == "ntk":
        return {"u": base, "v": base, "W": base / n}
    raise ValueError(f"readout_scale={kind!r}; allowed: mean_field, ntk")


def target_state_space(kind: str = "leaky", phase: str = "cos", amp: sp.Expr = A_star):
    r"""Target triple $(A_s,b_s,c_s)$ of [§2][integrator-s2] (SymPy matrices)."""
    _check_kind(kind, phase)
    if kind == "leaky":
        return sp.Matrix([[-c_star]]), sp.Matrix([amp]), sp.Matrix([1])
    As = sp.Matrix([[-c_star, -omega_star], [omega_star, -c_star]])
    cs = sp.Matrix([1, 0]) if phase == "cos" else sp.Matrix([0, 1])
    return As, sp.Matrix([amp, 0]), cs


def target_kernel(kind: str = "leaky", phase: str = "cos", amp: sp.Expr = A_star) -> sp.Expr:
    r"""$k_\star(\tau)=c_s^\top e^{A_s\tau}b_s$ computed from the state-space triple."""
    As, bs, cs = target_state_space(kind, phase, amp)
    return sp.simplify((cs.T * (As * tau).exp() * bs)[0]).rewrite(sp.cos).expand(complex=True).simplify()


def unit_amplitude(
    kind: str = "leaky", c: sp.Expr = c_star, omega: sp.Expr = omega_star, phase: str = "cos"
) -> sp.Expr:
    r"""$A_\star$ for `target_norm='unit'`: solves $c_s^\top P_sc_s=\int_0^\infty k_\star^2d\tau=1$
    (target Gramian from its Lyapunov equation; the integral is checked by quadrature in the tests).

    Leaky $\sqrt{2c_\star}$; oscillator $[1/(4c_\star)\pm c_\star/(4(c_\star^2+\omega_\star^2))]^{-1/2}$.
    """
    var = _target_gramian(kind, phase)  # stationary variance c_s^T P_s c_s = int k*^2 (Parseval)
    sol = [r for r in sp.solve(sp.Eq(var, 1), A_star) if r.is_positive is not False]
    return sp.simplify(sol[0]).subs({c_star: c, omega_star: omega})


# ----------------------------------------------------------- Lyapunov / Sylvester solves
def lyapunov_2x2(Am: sp.Matrix, G: sp.Matrix) -> sp.Matrix:
    r"""Symmetric $P$ with $A P+PA^\top+G=0$ for 2×2 $A$ (3 unknowns, `sp.solve`)."""
    p11, p12, p22 = sp.symbols("P_11 P_12 P_22")
    P = sp.Matrix([[p11, p12], [p12, p22]])
    E = Am * P + P * Am.T + G
    sol = sp.solve([E[0, 0], E[0, 1], E[1, 1]], [p11, p12, p22], dict=True)[0]
    return P.subs(sol)


def sylvester(Am: sp.Matrix, As: sp.Matrix, G: sp.Matrix) -> sp.Matrix:
    r"""$X$ with $AX+XA_s^\top+G=0$ (all entries unknown, `sp.solve`)."""
    xs = sp.symbols(f"X_0:{Am.shape[0] * As.shape[0]}")
    X = sp.Matrix(Am.shape[0], As.shape[0], xs)
    E = Am * X + X * As.T + G
    sol = sp.solve(list(E), list(xs), dict=True)[0]
    return X.subs(sol)


def _loss_from_gramians(v, P, X, cs, target_var, scale) -> sp.Expr:
    r"""$L=\tfrac12[s^2v^\top Pv-2s\,v^\top Xc_s+c_s^\top P_sc_s]$ ([§3][integrator-s3]);
    `target_var` is $c_s^\top P_sc_s$."""
    return sp.Rational(1, 2) * (scale**2 * (v.T * P * v)[0] - 2 * scale * (v.T * X * cs)[0] + target_var)


@functools.cache
def _target_gramian(kind: str, phase: str) -> sp.Expr:
    r"""$c_s^\top P_sc_s$ from $A_sP_s+P_sA_s^\top+b_sb_s^\top=0$."""
    As, bs, cs = target_state_space(kind, phase)
    Ps = sp.Matrix([[-(bs[0] ** 2) / (2 * As[0, 0])]]) if kind == "leaky" else lyapunov_2x2(As, bs * bs.T)
    return sp.simplify((cs.T * Ps * cs)[0])


def target_variance(kind: str = "leaky", phase: str = "cos") -> sp.Expr:
    r"""Stationary target variance $c_s^\top P_sc_s=\int_0^\infty k_\star^2d\tau$ (twice the loss of a zero network)."""
    return _target_gramian(kind, phase)


@functools.cache
def loss_1neuron(kind: str = "leaky") -> sp.Expr:
    r"""Closed-form loss of an $N=1$ network ($w=1-d$, read-in $\alpha$,
    readout $\beta$, readout scale $s$), leaky target, obtained by solving the
    scalar Lyapunov and Sylvester equations with `sp.solve`."""
    if kind != "leaky":
        raise ValueError(f"kind={kind!r}; allowed: leaky")
    Pv, Xv = sp.symbols("P X")
    w = 1 - d
    P = sp.solve(sp.Eq(2 * (w - 1) * Pv + alpha**2, 0), Pv)[0]
    X = sp.solve(sp.Eq((w - 1) * Xv - c_star * Xv + alpha * A_star, 0), Xv)[0]
    L = _loss_from_gramians(
        sp.Matrix([beta]), sp.Matrix([[P]]), sp.Matrix([[X]]), sp.Matrix([1]), _target_gramian("leaky", "cos"), s
    )
    return sp.simplify(L)


def reduced_state():
    r"""Symbols of the reduced state $(a_1,a_2,b_1,b_2,M_{11},M_{12},M_{21},M_{22})$."""
    a = sp.symbols("a_1 a_2", real=True)
    b = sp.symbols("b_1 b_2", real=True)
    M = sp.symbols("M_11 M_12 M_21 M_22", real=True)
    return sp.Matrix(a), sp.Matrix(b), sp.Matrix(2, 2, M)


def _params(kind: str) -> list[sp.Symbol]:
    return [A_star, c_star] if kind == "leaky" else [A_star, c_star, omega_star]


@functools.cache
def reduced_loss_2x2(kind: str = "leaky", phase: str = "cos"):
    r"""Closed-form two-neuron loss $\mathcal L(a,b,M)$ ($s=1$, [§5.1][integrator-s5-1]).

    Solves $(M-I)P+P(M-I)^\top+aa^\top=0$ (3 unknowns) and
    $(M-I)X+XA_s^\top+ab_s^\top=0$ symbolically. Returns `(L, state, params)`.
    """
    _check_kind(kind, phase)
    a, b, M = reduced_state()
    As, bs, cs = target_state_space(kind, phase)
    Am = M - sp.eye(2)
    P = lyapunov_2x2(Am, a * a.T)
    X = sylvester(Am, As, a * bs.T)
    L = _loss_from_gramians(b, P, X, cs, _target_gramian(kind, phase), 1)
    return L, list(a) + list(b) + list(M), _params(kind)


@functools.cache
def reduced_flow_2x2_rhs(kind: str = "leaky", phase: str = "cos"):
    r"""Right-hand sides $-\partial\mathcal L/\partial\theta$ of the 8 reduced ODEs,
    by `sp.diff` of `reduced_loss_2x2`. Returns `(rhs, state, params)`."""
    L, state, params = reduced_loss_2x2(kind, phase)
    return [-sp.diff(L, v) for v in state], state, params


def pair_effective():
    r"""Trace/determinant equations and eigenvalue read-out of the pair ([§6][integrator-s6]).

    $\tfrac{d}{dt}\mathrm{tr}M=\mathrm{tr}\dot M$, $\tfrac{d}{dt}\det M=\mathrm{tr}(\mathrm{adj}(M)\dot M)$
    (obtained by differentiating along a path $M(t)$), and
    $\lambda_\pm=\tfrac12\mathrm{tr}M\pm\sqrt{\tfrac14(\mathrm{tr}M)^2-\det M}$.
    Returns `(lhs, rhs, (M, Mdot), (tr, det), (re, im))`.
    """
    tt = sp.Symbol("t")
    Mf = sp.Matrix(2, 2, lambda i, j: sp.Function(f"M_{i + 1}{j + 1}")(tt))
    _, _, M = reduced_state()
    Md = sp.Matrix(2, 2, sp.symbols(r"\dot{M}_{11} \dot{M}_{12} \dot{M}_{21} \dot{M}_{22}"))
    back = {sp.Derivative(Mf[i], tt): Md[i] for i in range(4)} | {Mf[i]: M[i] for i in range(4)}
    dtr = sp.diff(Mf.trace(), tt).subs(back)
    ddet = sp.expand(sp.diff(Mf.det(), tt).subs(back))
    assert sp.expand(ddet - (M.adjugate() * Md).trace()) == 0
    re = trM / 2
    im = sp.sqrt(detM - trM**2 / 4)
    return dtr, ddet, (M, Md), (trM, detM), (re, im)


# --------------------------------------------------------------- aligned outlier (§5.2)
@functools.cache
def aligned_loss() -> sp.Expr:
    r"""$\mathcal L(p,d)$: the $N=1$, $s=1$ closed form with $p=\alpha\beta$."""
    L1 = loss_1neuron("leaky").subs(s, 1)
    return _tidy(sp.cancel(L1.subs(beta, p / alpha)), d)


def _tidy(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """Partial fractions in `var` with each term factored (display form; same expression)."""
    return sp.Add(*[sp.factor(term) for term in sp.Add.make_args(sp.apart(expr, var))])


def _aligned_subs() -> dict:
    a, b, M = reduced_state()
    return {a[0]: alpha, a[1]: 0, b[0]: beta, b[1]: 0, M[0, 0]: lam, M[0, 1]: 0, M[1, 0]: 0, M[1, 1]: 0}


@functools.cache
def aligned_restriction():
    r"""The leaky 2×2 flow on the aligned subset $a=(\alpha,0), b=(\beta,0), M=\mathrm{diag}(\lambda,0)$.

    Returns `(rhs8, (alpha_dot, beta_dot, lambda_dot))`; the other five components
    vanish (invariance of the subset, checked in the tests)."""
    rhs, _, _ = reduced_flow_2x2_rhs("leaky")
    sub = [sp.cancel(r.subs(_aligned_subs())) for r in rhs]
    return sub, (sub[0], sub[2], sub[4])


@functools.cache
def aligned_rhs():
    r"""The aligned 2-D ODE $(\dot p,\dot d)$, derived from the 2×2 flow.

    $\dot p=\beta\dot\alpha+\alpha\dot\beta$ and $\dot d=-\dot\lambda$ are computed
    on the aligned subset; $\dot p$ factors as $-(\alpha^2+\beta^2)\partial_p\mathcal L$
    (asserted), and $(\alpha^2+\beta^2)^2=C^2+4p^2$ with $C=\alpha^2-\beta^2$.
    Returns `(rhs, state=[p, d], params=[A_star, c_star, C])`.
    """
    _, (ad, bd, ld) = aligned_restriction()
    Lp = sp.diff(aligned_loss(), p)
    to_ab = {p: alpha * beta, d: 1 - lam}
    pdot_ab = beta * ad + alpha * bd
    factor = sp.factor(sp.cancel(pdot_ab / Lp.subs(to_ab)))
    if sp.expand(factor + alpha**2 + beta**2) != 0:
        raise AssertionError(f"aligned p-dot does not factor as -(alpha^2+beta^2) dL/dp: {factor}")
    pdot = -sp.sqrt(C**2 + 4 * p**2) * _tidy(Lp, d)
    ddot = sp.cancel((-ld).subs(lam, 1 - d).subs(beta, p / alpha))
    if alpha in ddot.free_symbols:
        raise AssertionError("aligned d-dot depends on alpha beyond p = alpha*beta")
    return [pdot, _tidy(ddot, p)], [p, d], [A_star, c_star, C]


@functools.cache
def fixed_point() -> dict:
    r"""Fixed point of the aligned ODE: solve $\partial_p\mathcal L=\partial_d\mathcal L=0$
    ($d=c_\star$, $p=A_\star$, so $\lambda^\star=1-c_\star$)."""
    L = aligned_loss()
    sols = sp.solve([sp.diff(L, p), sp.diff(L, d)], [p, d], dict=True)
    (sol,) = [x for x in sols if all(v.is_positive for v in x.values())]
    return {p: sol[p], d: sol[d], lam: 1 - sol[d]}


@functools.cache
def slaved_amplitude() -> sp.Expr:
    r"""$p(d)$ solving $\partial_p\mathcal L=0$: $2A_\star d/(d+c_\star)$."""
    return sp.factor(sp.solve(sp.diff(aligned_loss(), p), p)[0])


@functools.cache
def slaved_loss() -> sp.Expr:
    r"""$\mathcal L(d)=\mathcal L(p(d),d)=\tfrac{A_\star^2}{4c_\star}\big(\tfrac{d-c_\star}{d+c_\star}\big)^2$."""
    return sp.factor(aligned_loss().subs(p, slaved_amplitude()))


def slaved_flow() -> sp.Expr:
    r"""$\dot d=-\mathcal L'(d)=-A_\star^2(d-c_\star)/(d+c_\star)^3$."""
    return sp.factor(-sp.diff(slaved_loss(), d))


@functools.cache
def curvature_at_optimum() -> tuple[sp.Expr, sp.Expr]:
    r"""`(slaved, fixed_p)`: $\mathcal L''(c_\star)=A_\star^2/(8c_\star^3)$ and
    $\partial_d^2\mathcal L|_{p=A_\star,d=c_\star}=A_\star^2/(4c_\star^3)$."""
    fp = fixed_point()
    slaved = sp.factor(sp.diff(slaved_loss(), d, 2).subs(d, c_star))
    fixed = sp.factor(sp.diff(aligned_loss(), d, 2).subs({p: fp[p], d: fp[d]}))
    return slaved, fixed


@functools.cache
def learning_time() -> tuple[sp.Expr, sp.Expr]:
    r"""`(T, F)`: slaved learning time from $d_0$ to $d_1$ and its antiderivative.

    $T=\int_{d_1}^{d_0}dx/(-\dot d)$ with $\dot d$ from `slaved_flow`;
    with $y=x-c_\star$, $F(y)=\int(y+2c_\star)^3/y\,dy$ (`sp.integrate`) and
    $T=[F(d_0-c_\star)-F(d_1-c_\star)]/A_\star^2$. `F` is returned in $y$.
    """
    integrand = sp.cancel(-1 / slaved_flow()).subs(d, x)  # (x+c)^3/(A^2 (x-c))
    g = sp.cancel(integrand.subs(x, y + c_star) * A_star**2)
    F = sp.expand(sp.integrate(g, y))
    T = (F.subs(y, d0 - c_star) - F.subs(y, d1 - c_star)) / A_star**2
    return T, F


@functools.cache
def threshold_d1() -> sp.Expr:
    r"""$d_1$ with $\mathcal L(d_1)=f\mathcal L(d_0)$ ($c_\star<d_1<d_0$):
    $d_1=c_\star(1+q)/(1-q)$, $q=\sqrt f(d_0-c_\star)/(d_0+c_\star)$."""
    r = sp.Symbol("r", positive=True)  # (d1-c)/(d1+c), positive branch
    sol = sp.solve(sp.Eq((d1 - c_star) / (d1 + c_star), r), d1)[0]
    # the ratio squared equals f * ((d0-c)/(d0+c))^2, i.e. r = q
    return sp.factor(sol.subs(r, q))


def _q_expr() -> sp.Expr:
    return sp.sqrt(f_frac) * (d0 - c_star) / (d0 + c_star)


def plateau_rate() -> sp.Expr:
    r"""Growth rate of $p$ on the plateau ($C=0$, $d=1$, $p\to0$):
    linearising `aligned_rhs` gives $\dot p\approx 2A_\star p/(1+c_\star)$."""
    pdot = aligned_rhs()[0][0].subs({C: 0, d: 1})
    return sp.simplify(sp.limit(pdot / p, p, 0))


@functools.cache
def plateau_escape_time() -> sp.Expr:
    r"""$t_{\mathrm{esc}}$: $p(t)=\varepsilon^2e^{rt}$ (`dsolve`) reaches $O(1)$:
    $t_{\mathrm{esc}}\approx\frac{1+c_\star}{2A_\star}\ln\frac1{\varepsilon^2}$."""
    pf = sp.Function("p")
    sol = sp.dsolve(sp.Eq(pf(t).diff(t), plateau_rate() * pf(t)), pf(t), ics={pf(0): eps**2})
    tt = sp.Symbol("t", positive=True)
    return sp.simplify(sp.solve(sp.Eq(sol.rhs.subs(t, tt), 1), tt)[0])


# ------------------------------------------------------------------------ registry
