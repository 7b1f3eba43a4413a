r"""Integrator theory, part 2: lazy-regime kernel, discrete time, multi-timescale target.

Registered through `theory.integrator.equations` (names `integrator.*`).
SymPy only. Formulation: [§2][integrator-s2], [§3][integrator-s3], [§7][integrator-s7].

| code name | symbol | meaning |
|---|---|---|
| `sigma` | $\sigma$ | initial recurrent scale (bulk radius) |
| `tau, tau_p` | $\tau,\tau'$ | network lags |
| `n` | $n$ | feature index |
| `phi_n` | $\phi_n(\tau)=\sigma^n\tau^ne^{-\tau}/n!$ | lazy features |
| `K` | $K_\sigma(\tau,\tau')$ | infinite-$N$ feature kernel |
| `c_star, omega_star` | $c_\star,\omega_\star$ | target decay and frequency |
| `rho_star` | $\rho_\star$ | discrete-time target pole |
| `w_i, c_i` | $w_i,c_i$ | sum-of-exponentials weights and rates |
"""

from __future__ import annotations

import functools

import sympy as sp

from theory.equations import PAPERS, Equation, Factors, Layout, Row, Terms
from theory.integrator._derivations import A_star, N, c_star, omega_star, s, sigma, tau

__all__ = [
    "tau_p",
    "n",
    "rho_star",
    "lazy_features",
    "lazy_kernel",
    "target_coefficients",
    "rkhs_norm_sq",
    "lazy_learnable",
    "loss_discrete_1neuron",
    "unit_amplitude_discrete",
    "sum_exp_pair_integral",
    "w_u_v",
    "K_terms",
    "equations",
]

tau_p = sp.Symbol(r"\tau'", nonnegative=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
rho_star = sp.Symbol(r"\rho_\star", real=True)
#: Weight, read-in and readout of the N = 1 discrete-time network (`loss_discrete_1neuron`).
w_u_v = sp.symbols("w u v", real=True)
#: Number of exponentials of a sum-of-exponentials target.
K_terms = sp.Symbol("K", integer=True, positive=True)
_PAPER = PAPERS["integrator"]


def _convergent(expr: sp.Expr) -> sp.Expr:
    """Replace every `Piecewise` left by `summation` with its convergent branch."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[0].expr)


def lazy_features(x: sp.Expr = tau) -> sp.Expr:
    r"""$\phi_n(\tau)=\sigma^n\tau^ne^{-\tau}/n!$ (Ginibre moments, $|u|^2=N$)."""
    return sigma**n * x**n * sp.exp(-x) / sp.factorial(n)


@functools.cache
def lazy_kernel() -> sp.Expr:
    r"""$K_\sigma(\tau,\tau')=\sum_n\phi_n(\tau)\phi_n(\tau')=e^{-(\tau+\tau')}I_0(2\sigma\sqrt{\tau\tau'})$
    (`sp.summation` of the series)."""
    return sp.summation(lazy_features(tau) * lazy_features(tau_p), (n, 0, sp.oo))


@functools.cache
def target_coefficients(kind: str = "leaky") -> tuple[sp.Expr, sp.Expr]:
    r"""`(coefficient, z)`: the target $k_\star/A_\star$ as $\sum_n\mathrm{Re}(z^n)\sigma^{-n}\phi_n$.

    Leaky $z=1-c_\star$; oscillator (cos phase) $z=1-c_\star+i\omega_\star$. The
    series is summed by SymPy to the target kernel (asserted)."""
    z = 1 - c_star if kind == "leaky" else 1 - c_star + sp.I * omega_star
    total = sp.summation((z / sigma) ** n * lazy_features(tau), (n, 0, sp.oo))
    want = sp.exp(-c_star * tau) * (1 if kind == "leaky" else sp.exp(sp.I * omega_star * tau))
    if sp.simplify(sp.expand(total - want)) != 0:
        raise AssertionError(f"feature expansion of the {kind} target does not sum to it: {total}")
    return (z / sigma) ** n, z


@functools.cache
def rkhs_norm_sq() -> sp.Expr:
    r"""$\|e^{-c_\star\tau}\|_K^2=\sum_n((1-c_\star)/\sigma)^{2n}$ (geometric series; a
    `Piecewise` whose first branch holds iff $|1-c_\star|<\sigma$)."""
    coef, _ = target_coefficients("leaky")
    return sp.summation(coef**2, (n, 0, sp.oo))


def lazy_learnable(kind: str = "leaky", time: str = "continuous") -> sp.Expr:
    r"""Lazy-learnability criterion (RKHS norm finite): leaky $|1-c_\star|<\sigma$,
    oscillator $|1-c_\star+i\omega_\star|<\sigma$, discrete $|\rho_\star|<\sigma$."""
    if time == "discrete":
        return sp.Abs(rho_star) < sigma
    _, z = target_coefficients(kind)
    return sp.Abs(z) < sigma


@functools.cache
def loss_discrete_1neuron() -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    r"""$N=1$ discrete-time loss $\tfrac12\sum_{n\ge0}(s\,v w^nu-A_\star\rho_\star^n)^2$,
    summed as geometric series (convergent branch, $|w|,|\rho_\star|<1$).
    Returns `(L, (w, u, v))`."""
    w, u, v = w_u_v
    L = sp.summation(sp.expand((s * v * w**n * u - A_star * rho_star**n) ** 2), (n, 0, sp.oo)) / 2
    return sp.collect(sp.expand(_convergent(L)), A_star), (w, u, v)


@functools.cache
def unit_amplitude_discrete() -> sp.Expr:
    r"""$A_\star$ with $\sum_{n\ge0}A_\star^2\rho_\star^{2n}=1$: $\sqrt{1-\rho_\star^2}$."""
    var = _convergent(sp.summation(A_star**2 * rho_star ** (2 * n), (n, 0, sp.oo)))
    return sp.solve(sp.Eq(var, 1), A_star)[0]


@functools.cache
def sum_exp_pair_integral() -> sp.Expr:
    r"""$\int_0^\infty e^{-(c_i+c_j)\tau}d\tau=1/(c_i+c_j)$ (`sp.integrate`), the term of
    $\int k_\star^2=\sum_{ij}w_iw_j/(c_i+c_j)$ for $k_\star=\sum_iw_ie^{-c_i\tau}$."""
    ci, cj = sp.symbols("c_i c_j", positive=True)
    return sp.cancel(sp.integrate(sp.exp(-(ci + cj) * tau), (tau, 0, sp.oo)))


def _eq(name, lhs, rhs, description, section, **kw) -> Equation:
    return Equation(f"integrator.{name}", lhs, rhs, description, _PAPER, section, **kw)


@functools.cache
def equations() -> tuple[Equation, ...]:
    """Lazy-regime, discrete-time and multi-timescale equations."""
    phi = sp.Function(r"\phi_n")
    K = sp.Function(r"K_\sigma")
    coef, z_osc = target_coefficients("oscillator")
    Ld, (w, u, v) = loss_discrete_1neuron()
    Wm, Pm = sp.MatrixSymbol("W", N, N), sp.MatrixSymbol("P", N, N)
    um, vm = sp.MatrixSymbol("u", N, 1), sp.MatrixSymbol("v", N, 1)
    Rd = sp.MatrixSymbol("R_d", N, N)
    i, j = sp.symbols("i j", integer=True, positive=True)
    Kk = K_terms
    wi, cI = sp.IndexedBase("w"), sp.IndexedBase("c")
    ci, cj = sp.symbols("c_i c_j", positive=True)
    pair = sp.cancel(sum_exp_pair_integral())
    norm = sp.Sum(wi[i] * wi[j] * pair.subs({ci: cI[i], cj: cI[j]}), (i, 1, Kk), (j, 1, Kk))
    return (
        _eq(
            "lazy_features",
            phi(tau),
            lazy_features(),
            "lazy-regime features (Ginibre moments, |u|^2 = N)",
            "§7",
            provenance="definition",
        ),
        _eq(
            "lazy_kernel",
            K(tau, tau_p),
            lazy_kernel(),
            "infinite-N feature kernel: sum_n phi_n(tau) phi_n(tau') summed by SymPy",
            "§7",
        ),
        _eq(
            "lazy_target_expansion",
            sp.exp(-c_star * tau),
            sp.Sum(((1 - c_star) / sigma) ** n * phi(tau), (n, 0, sp.oo)),
            "leaky target in the lazy features (series summed back and asserted)",
            "§7",
        ),
        _eq(
            "rkhs_norm_sq",
            sp.Symbol(r"\|e^{-c_\star\tau}\|_{K}^2"),
            rkhs_norm_sq(),
            "RKHS norm^2 of the leaky target: geometric series, finite iff |1 - c*| < sigma",
            "§7",
            layout=Layout(
                (
                    Row(
                        sp.Symbol(r"\|e^{-c_\star\tau}\|_{K}^2"),
                        sp.Piecewise(
                            (sigma**2 / Terms(sigma**2, -((1 - c_star) ** 2)), sp.Abs(1 - c_star) < sigma),
                            (sp.Sum(((1 - c_star) / sigma) ** (2 * n), (n, 0, sp.oo)), True),
                        ),
                    ),
                )
            ),
        ),
        _eq(
            "lazy_learnable",
            sp.Symbol(r"\|k_\star\|_{K}<\infty"),
            lazy_learnable("leaky"),
            "lazy criterion, leaky target: target pole inside the bulk disk",
            "§7",
            relation=r"\iff",
        ),
        _eq(
            "lazy_learnable_oscillator",
            sp.Symbol(r"\|k_\star\|_{K}<\infty"),
            sp.Abs(z_osc) < sigma,
            "lazy criterion, oscillator: coefficients Re(z^n)/sigma^n, z = 1 - c* + i omega*",
            "§7",
            relation=r"\iff",
            layout=Layout(
                (
                    Row(
                        sp.Symbol(r"\|k_\star\|_{K}<\infty"),
                        sp.StrictLessThan(sp.sqrt(Terms((1 - c_star) ** 2, omega_star**2)), sigma),
                        relation=r"\iff",
                    ),
                )
            ),
            notes=f"coefficient of phi_n: Re({sp.sstr(coef)})",
        ),
        _eq(
            "lazy_learnable_discrete",
            sp.Symbol(r"\|k_\star\|_{K}<\infty"),
            lazy_learnable(time="discrete"),
            "lazy criterion in discrete time (no leak)",
            "§2",
            relation=r"\iff",
        ),
        _eq(
            "loss_discrete",
            sp.Symbol("L"),
            sp.Rational(1, 2)
            * (
                s**2 * sp.Symbol(sp.latex(vm.T * Pm * vm))
                - 2 * s * A_star * sp.Symbol(sp.latex(vm.T * Rd.I * um))
                + A_star**2 / (1 - rho_star**2)
            ),
            "discrete-time loss: P = W P W^T + u u^T, R_d = I - rho* W",
            "§3",
            provenance="definition",
            notes=f"P solves the Stein equation P = {sp.sstr(Wm * Pm * Wm.T + um * um.T)}.",
            layout=Layout(
                (
                    Row(
                        sp.Symbol("L"),
                        Terms(
                            s**2 * sp.Symbol(sp.latex(vm.T * Pm * vm)) / 2,
                            -s * A_star * sp.Symbol(sp.latex(vm.T * Rd.I * um)),
                            A_star**2 / Factors(2, Terms(1, -(rho_star**2))),
                        ),
                    ),
                )
            ),
        ),
        _eq(
            "loss_discrete_1neuron",
            sp.Symbol(r"\mathcal{L}_1"),
            Ld,
            "N = 1 discrete-time loss, geometric series summed by SymPy (|w|, |rho*| < 1)",
            "§3",
            layout=Layout(
                (
                    Row(
                        sp.Symbol(r"\mathcal{L}_1"),
                        Terms(
                            s**2 * u**2 * v**2 / Factors(2, Terms(1, -(w**2))),
                            -s * A_star * u * v / Terms(1, -rho_star * w),
                            A_star**2 / Factors(2, Terms(1, -(rho_star**2))),
                        ),
                    ),
                )
            ),
        ),
        _eq(
            "unit_amplitude_discrete",
            A_star,
            unit_amplitude_discrete(),
            "unit-variance amplitude in discrete time (sum A^2 rho^{2n} = 1)",
            "§2",
        ),
        _eq(
            "sum_exp_normalisation",
            norm,
            sp.Integer(1),
            "unit normalisation of k* = sum_i w_i e^{-c_i tau}: int k*^2 = sum_ij w_i w_j/(c_i+c_j) = 1",
            "§2",
        ),
    )
