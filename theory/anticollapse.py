r"""Anti-collapse theory (SymPy): envelope from spectrum, Lundberg functions, β.

Livi, *Anti-collapse dynamics and the emergence of multi-time-scale learning in
recurrent neural networks*, arXiv:2606.29519. The coarse-grained process, the
existence theorem and the closed forms are **the toolkit's formulation**
(documented in [§2–§5][anticollapse-s2] of the anti-collapse page), not a transcription of the paper.

| code name | symbol | meaning |
|---|---|---|
| `ell` | $\ell$ | lag |
| `tau`, `tau0`, `tau_c`, `tau_b` | $\tau,\tau_0,\tau_c,\tau_b$ | time scale; atom; cap; bulk level |
| `tau_max`, `lstar` | $\tau_{\max}$, $\ell^\star$ | envelope cutoff; crossover lag |
| `beta`, `rho` | $\beta,\rho$ | spectral exponent; tail mass |
| `theta` | $\theta$ | Lundberg argument |
| `kappa`, `kappa_eff`, `sigma` | $\kappa,\kappa_{\mathrm{eff}},\sigma$ | pull; net pull; Gaussian amplitude |
| `lam_J`, `gamma` | $\lambda_J,\gamma$ | push rate; Exp rate of log-size |
| `c`, `a`, `lam` | $c,a,\lambda$ | tempered-stable intensity, index, tempering |
| `alpha`, `y_c` | $\alpha,y_c$ | stable index; truncation |
| `p`, `J_max` | $p,J_{\max}$ | Bernoulli push probability; bound of pushes |
| `kappa_alpha` | $\kappa_\alpha$ | learnability exponent |

Public: `equations` (registry, names `anticollapse.ac_*`), `families`
(Lundberg function of each forcing family as a named parameterised expression,
used by `numerics.anticollapse._lundberg` through the codegen adapter), `envelope_capped`
(2.3) and the symbol table `SYM`.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import NamedTuple

import sympy as sp

from theory.equations import PAPERS, Equation, Factors, Layout, Row, Slash, Terms

__all__ = [
    "SYM",
    "Family",
    "families",
    "envelope_capped",
    "envelope_ranges",
    "closed_form_betas",
    "window_edges",
    "equations",
    "symbol_table",
]

_P = dict(positive=True)
SYM = SimpleNamespace(
    ell=sp.Symbol(r"\ell", **_P),
    tau=sp.Symbol(r"\tau", **_P),
    tau0=sp.Symbol(r"\tau_0", **_P),
    tau_c=sp.Symbol(r"\tau_c", **_P),
    tau_b=sp.Symbol(r"\tau_b", **_P),
    tau_max=sp.Symbol(r"\tau_{\max}", **_P),
    lstar=sp.Symbol(r"\ell^\star", **_P),
    beta=sp.Symbol(r"\beta", **_P),
    rho=sp.Symbol(r"\rho", **_P),
    theta=sp.Symbol(r"\theta", **_P),
    kappa=sp.Symbol(r"\kappa", **_P),
    kappa_eff=sp.Symbol(r"\kappa_{\mathrm{eff}}", **_P),
    sigma=sp.Symbol(r"\sigma", **_P),
    lam_J=sp.Symbol(r"\lambda_J", **_P),
    gamma=sp.Symbol(r"\gamma", **_P),
    c=sp.Symbol("c", **_P),
    a=sp.Symbol("a", **_P),
    lam=sp.Symbol(r"\lambda", **_P),
    alpha=sp.Symbol(r"\alpha", **_P),
    y_c=sp.Symbol("y_c", **_P),
    y=sp.Symbol("y", **_P),
    u=sp.Symbol("u", **_P),
    x=sp.Symbol("x", **_P),
    p=sp.Symbol("p", **_P),
    J_max=sp.Symbol(r"J_{\max}", **_P),
    kappa_alpha=sp.Symbol(r"\kappa_\alpha", **_P),
    N=sp.Symbol("N", **_P),
    H=sp.Symbol("H", **_P),
    A=sp.Symbol("A", **_P),
    C=sp.Symbol("C", **_P),
)
S = SYM
_PAPER = PAPERS["anticollapse"]

f_ = sp.Function("f")
Phi = sp.Function(r"\Phi")
Phi_d = sp.Function(r"\Phi_d")
E_ = sp.Function(r"\mathbb{E}")
P_ = sp.Function("P")


class Family(NamedTuple):
    r"""One forcing family: Lundberg function $\Phi(\theta)$ and its parameters.

    `phi` is a closed expression in `theta` and `params` (for the truncated
    stable family, `phi` holds an unevaluated integral and `integrand` the smooth
    integrand in `t` on [0, 1] that `numerics.anticollapse._lundberg` integrates by quadrature).
    `theta_inf` is the right end of the finiteness interval (`oo` if none).
    `discrete` marks a per-step $\Phi_d$ of the recursion (3.2).
    `dphi0` is $\Phi'(0)$, the net mean drift of X (stationarity iff < 0).
    `numeric` (optional) is an algebraically identical form of `phi` that stays
    finite in float64 where `phi` overflows; `numerics.anticollapse._lundberg` evaluates it
    instead of `phi` (tests check that the two agree to high precision)."""

    name: str
    phi: sp.Expr
    params: tuple[sp.Symbol, ...]
    theta_inf: sp.Expr
    discrete: bool
    description: str
    integrand: sp.Expr | None = None
    dphi0: sp.Expr | None = None
    numeric: sp.Expr | None = None


_t = sp.Symbol("t", **_P)


@functools.cache
def families() -> dict[str, Family]:
    """The six forcing families of [§5][anticollapse-s5] (plus the discrete Bernoulli–Exp analogue)."""
    th = S.theta
    gauss = -S.kappa * th + S.sigma**2 * th**2 / 2
    pp_jump = sp.integrate(
        (sp.exp(th * S.y) - 1) * S.lam_J * S.gamma * sp.exp(-S.gamma * S.y), (S.y, 0, sp.oo), conds="none"
    )
    pp = -S.kappa * th + sp.simplify(pp_jump)
    bern_exp = -S.kappa * th + sp.log(1 + S.p * th / (S.gamma - th))
    ts_lo = -S.kappa * th + S.c * sp.gamma(-S.a) * ((S.lam - th) ** S.a - S.lam**S.a)
    ts_hi = -S.kappa_eff * th + S.c * sp.gamma(-S.a) * (
        (S.lam - th) ** S.a - S.lam**S.a + S.a * th * S.lam ** (S.a - 1)
    )
    y = S.y
    trunc_int = sp.Integral((sp.exp(th * y) - 1 - th * y) * y ** (-1 - S.alpha), (y, 0, S.y_c))
    trunc = -S.kappa_eff * th + S.c * trunc_int
    # y = y_c t^{1/(2-α)} maps y^{1-α} dy to y_c^{2-α}/(2-α) dt; g(z)=(e^z-1-z)/z^2 is smooth
    z = th * S.y_c * _t ** (1 / (2 - S.alpha))
    # g(z) by its Taylor series below z = 1e-2 (no cancellation; truncation error < 1e-11 relative)
    g = sp.Piecewise(
        (sp.Rational(1, 2) + z / 6 + z**2 / 24 + z**3 / 120, z < sp.Rational(1, 100)),
        ((sp.exp(z) - 1 - z) / z**2, True),
    )
    trunc_integrand = S.c * S.y_c ** (2 - S.alpha) / (2 - S.alpha) * th**2 * g
    bounded = -S.kappa * th + sp.log(1 - S.p + S.p * (sp.exp(th * S.J_max) - 1) / (th * S.J_max))
    # the same function with e^{θJ} factored out of the logarithm, x = θJ_max > 0:
    # log(1 - p + p(e^x - 1)/x) = x + log((1 - p)e^{-x} + p(1 - e^{-x})/x). The first form
    # overflows at x > 709 (float64), where the true Φ_d may still be negative (e.g. β ≈ 1e5 at
    # κ = 0.05, p = 0.2, J_max = 0.0501); the second is finite for every x > 0.
    xb = th * S.J_max
    bounded_numeric = -S.kappa * th + xb + sp.log((1 - S.p) * sp.exp(-xb) + S.p * (1 - sp.exp(-xb)) / xb)
    fams = {
        "gaussian": Family(
            "gaussian",
            gauss,
            (S.kappa, S.sigma),
            sp.oo,
            False,
            "Gaussian forcing (3.3) with Pi=0; discrete Phi_d = Phi",
        ),
        "poisson_pareto": Family(
            "poisson_pareto",
            pp,
            (S.kappa, S.lam_J, S.gamma),
            S.gamma,
            False,
            "Poisson pushes, Exp(gamma) log-size (Pareto factor on tau)",
        ),
        "bernoulli_exp": Family(
            "bernoulli_exp",
            bern_exp,
            (S.kappa, S.p, S.gamma),
            S.gamma,
            True,
            "discrete analogue: Bernoulli(p) x Exp(gamma) push per step",
        ),
        "tempered_lo": Family(
            "tempered_lo",
            ts_lo,
            (S.kappa, S.c, S.a, S.lam),
            S.lam,
            False,
            "one-sided tempered stable, 0<a<1, no compensation (5.2)",
        ),
        "tempered_hi": Family(
            "tempered_hi",
            ts_hi,
            (S.kappa_eff, S.c, S.a, S.lam),
            S.lam,
            False,
            "one-sided tempered stable, 1<a<2, compensated (5.3)",
        ),
        "truncated_stable": Family(
            "truncated_stable",
            trunc,
            (S.kappa_eff, S.c, S.alpha, S.y_c),
            sp.oo,
            False,
            "truncated alpha-stable pushes, compensated (5.4)",
            trunc_integrand,
        ),
        "bounded": Family(
            "bounded",
            bounded,
            (S.kappa, S.p, S.J_max),
            sp.oo,
            True,
            "bounded discrete pushes J = B U[0, J_max] (5.6)",
            numeric=bounded_numeric,
        ),
    }
    # Φ'(0) by limit (the closed forms are 0/0 at θ = 0 for the bounded family);
    # the compensated truncated-stable integral has zero slope at 0.
    return {
        k: f._replace(
            dphi0=-S.kappa_eff if f.integrand is not None else sp.simplify(sp.limit(sp.diff(f.phi, th), th, 0))
        )
        for k, f in fams.items()
    }


# ----------------------------------------------------------------------------- envelope
def envelope_capped(capped: bool = True) -> sp.Expr:
    r"""(2.3): atom $1-\rho$ at $\tau_0$ plus Pareto(β) tail capped at $\tau_c$."""
    b, l, t0, tc, rho = S.beta, S.ell, S.tau0, S.tau_c, S.rho
    if capped:
        Z = 1 - (t0 / tc) ** b
        bracket = sp.lowergamma(b, l / t0) - sp.lowergamma(b, l / tc)
    else:
        Z, bracket = 1, sp.lowergamma(b, l / t0)
    return (1 - rho) * sp.exp(-l / t0) + rho * b * t0**b * l ** (-b) / Z * bracket


def envelope_density() -> sp.Expr:
    """Density of the capped Pareto tail on (τ0, τc] (mass ρ)."""
    b, t0, tc = S.beta, S.tau0, S.tau_c
    return S.rho * b * t0**b * S.tau ** (-1 - b) / (1 - (t0 / tc) ** b)


@functools.cache
def envelope_ranges() -> dict[str, sp.Expr]:
    r"""The three asymptotic ranges of (2.3) (`Z` = $1-(\tau_0/\tau_c)^\beta$)."""
    b, l, t0, tc, rho = S.beta, S.ell, S.tau0, S.tau_c, S.rho
    Z = 1 - (t0 / tc) ** b
    mean_rate = (1 - rho) / t0 + sp.integrate(envelope_density() / S.tau, (S.tau, t0, tc), conds="none")
    return {
        "short": 1 - l * sp.simplify(mean_rate),
        "power": rho * sp.gamma(1 + b) * (t0 / l) ** b / Z,
        "cutoff": rho * b * (t0 / tc) ** b * (tc / l) * sp.exp(-l / tc) / Z,
    }


# ----------------------------------------------------------------------------- closed forms
def _positive_root(phi: sp.Expr) -> sp.Expr:
    sols = [s for s in sp.solve(sp.Eq(sp.cancel(phi / S.theta), 0), S.theta) if s != 0]
    if len(sols) != 1:
        raise RuntimeError(f"expected one non-zero root, got {sols}")
    return sp.factor(sols[0])


@functools.cache
def closed_form_betas() -> dict[str, sp.Expr]:
    """β from SymPy `solve` of Φ(β)=0: Gaussian, Poisson–Pareto, tempered a = 1/2."""
    fam = families()
    half = fam["tempered_lo"].phi.subs(S.a, sp.Rational(1, 2))
    return {
        "gaussian": _positive_root(fam["gaussian"].phi),
        "poisson_pareto": _positive_root(fam["poisson_pareto"].phi),
        "tempered_half": _positive_root(half),
    }


@functools.cache
def window_edges() -> dict[str, tuple[sp.Expr, sp.Expr]]:
    r"""Existence windows in κ from $\Phi'(0)=0$ (stationarity edge) and
    $\Phi(\lambda)=0$ (root reaches $\theta_\infty$): tempered a<1 gives
    $(m, m/a]$; a∈(1,2) gives $(0, c\Gamma(-a)(a-1)\lambda^{a-1}]$."""
    fam = families()
    lo = fam["tempered_lo"].phi
    k_lo = sp.solve(sp.diff(lo, S.theta).subs(S.theta, 0), S.kappa)[0]
    k_hi = sp.solve(lo.subs(S.theta, S.lam), S.kappa)[0]
    hi = fam["tempered_hi"].phi
    e_hi = sp.solve(hi.subs(S.theta, S.lam), S.kappa_eff)[0]
    return {
        "tempered_lo": (sp.simplify(sp.gammasimp(k_lo)), sp.simplify(sp.gammasimp(k_hi))),
        "tempered_hi": (sp.Integer(0), sp.simplify(sp.gammasimp(e_hi))),
    }


# ----------------------------------------------------------------------------- registry
_RELATIONS = {"<", ">", r"\le", r"\ge", r"\sim", r"\iff", r"\approx", r"\simeq", r"\propto"}


def _eq(name, lhs, rhs, *args, relation="=", provenance="derived", notes="", layout=None):
    """`_eq(name, lhs, rhs, [relation,] description, section, ...)`."""
    if args[0] in _RELATIONS:
        relation, args = args[0], args[1:]
    desc, section = args
    return Equation(
        f"anticollapse.ac_{name}", lhs, rhs, desc, _PAPER, section, relation, provenance, notes, layout=layout
    )


def _drift_first(lhs: sp.Basic, phi: sp.Expr) -> Layout | None:
    """`Phi(theta) = -kappa theta + ...`: the drift term first, as in the definitions."""
    terms = list(sp.Add.make_args(phi))
    drift = [t for t in terms if t.has(S.kappa) or t.has(S.kappa_eff)]
    if len(drift) != 1 or len(terms) == 1:
        return None
    rest = [t for t in terms if t is not drift[0]]
    rest.sort(key=lambda t: (isinstance(t, sp.Integral), "Pi_-" in str(t), str(t)))
    return Layout((Row(lhs, Terms(drift[0], *rest)),))


@functools.cache
def equations() -> tuple[Equation, ...]:
    """Every anti-collapse equation ([§2][anticollapse-s2]–§6), names `anticollapse.ac_*`."""
    b, l, th = S.beta, S.ell, S.theta
    fam = families()
    betas = closed_form_betas()
    edges = window_edges()
    rng = envelope_ranges()
    tau_gt = lambda x: P_(sp.StrictGreaterThan(S.tau, x, evaluate=False))  # noqa: E731
    local_slope = sp.simplify(-sp.diff(sp.log(S.A * l ** (-b) * sp.exp(-l / S.tau_max)), l) * l)
    lstar = sp.solve(sp.Eq(l / S.tau_max, b), l)[0]
    X = sp.Symbol("X")
    Y = sp.Symbol("Y_k")
    # display pieces of the envelope (2.3): Z = 1 - (tau_0/tau_c)^beta, I(l) the incomplete-gamma bracket
    t0, tc, rho = S.tau0, S.tau_c, S.rho
    Z, I_l, inv_tau = sp.Symbol("Z"), sp.Symbol(r"I(\ell)"), sp.Symbol(r"\mathbb{E}[\tau^{-1}]")
    Z_def = Row(Z, Terms(1, -(Slash(t0, tc) ** b)))
    t0_l = sp.Pow(t0 / l, b, evaluate=False)
    out = [
        _eq(
            "envelope_laplace",
            f_(l),
            E_(sp.exp(-l / S.tau)),
            "envelope is the Laplace transform of the time-scale law (mixture of exponentials)",
            "§2 (2.1)",
            provenance="definition",
        ),
        _eq(
            "tauberian",
            tau_gt(S.x) * S.x**b,
            f_(l) * l**b / sp.gamma(1 + b),
            r"\iff",
            "Lemma T: P(tau>x) ~ x^-beta L(x) iff f(l) ~ Gamma(1+beta) l^-beta L(l) (both sides -> same L)",
            "§2 (2.2)",
            provenance="verified",
            notes="Checked on (2.3): l^beta f -> rho Gamma(1+beta) tau_0^beta as l -> oo (tests, S6).",
        ),
        _eq(
            "envelope_capped",
            f_(l),
            envelope_capped(True),
            "exact envelope of an atom at tau_0 plus a Pareto(beta) tail capped at tau_c",
            "§2 (2.3)",
            provenance="verified",
            notes="Equals quadrature of its defining integral (tests, S5).",
            layout=Layout(
                (Row(f_(l), Terms(Factors(1 - rho, sp.exp(-l / t0)), Factors(b * rho / Z, t0_l, I_l))),),
                (Row(I_l, Terms(sp.lowergamma(b, l / t0), -sp.lowergamma(b, l / tc))), Z_def),
            ),
        ),
        _eq(
            "envelope_short",
            f_(l),
            rng["short"],
            "range 1, l << tau_0: no mode has decayed",
            "§2 (2.3) range 1",
            relation=r"\simeq",
            layout=Layout(
                (Row(f_(l), Terms(1, -Factors(l, inv_tau)), r"\simeq"),),
                (
                    Row(
                        inv_tau,
                        Terms(
                            (1 - rho) / t0,
                            Factors(b * rho / ((b + 1) * t0), Terms(1, -(Slash(t0, tc) ** (b + 1))) / Z),
                        ),
                    ),
                    Z_def,
                ),
            ),
        ),
        _eq(
            "envelope_power",
            f_(l),
            rng["power"],
            "range 2, tau_0 << l << tau_c: Tauberian power law",
            "§2 (2.3) range 2",
            relation=r"\simeq",
            layout=Layout((Row(f_(l), Factors(rho * sp.gamma(1 + b) / Z, t0_l), r"\simeq"),), (Z_def,)),
        ),
        _eq(
            "envelope_cutoff",
            f_(l),
            rng["cutoff"],
            "range 3, l >> tau_c: exponential cutoff at rate 1/tau_c",
            "§2 (2.3) range 3",
            relation=r"\simeq",
            layout=Layout(
                (
                    Row(
                        f_(l),
                        Factors(b * rho / Z, Slash(t0, tc) ** b, tc / l, sp.exp(-l / tc)),
                        r"\simeq",
                    ),
                ),
                (Z_def,),
            ),
        ),
        _eq(
            "local_slope",
            -l * sp.Derivative(sp.log(f_(l)), l),
            local_slope,
            "local log-log slope of the tempered form A l^-beta exp(-l/tau_max)",
            "§2",
        ),
        _eq("crossover", S.lstar, lstar, "cutoff share equals power-law share", "§2 (2.4)"),
        _eq(
            "learnability",
            sp.Function("N")(l),
            f_(l) ** (-S.kappa_alpha),
            "data needed to learn a lag-l dependence (arXiv:2512.05790)",
            "§2",
            relation=r"\propto",
            provenance="definition",
        ),
        _eq(
            "horizon_collapsed",
            sp.Symbol(r"\mathcal{H}_N"),
            S.tau_max / S.kappa_alpha * sp.log(S.N),
            "learnable horizon, exponential envelope",
            "§2",
            provenance="definition",
        ),
        _eq(
            "horizon_extended",
            sp.Symbol(r"\mathcal{H}_N"),
            S.N ** (1 / (S.kappa_alpha * b)),
            "learnable horizon, power-law envelope",
            "§2",
            relation=r"\propto",
            provenance="definition",
        ),
        _eq(
            "lindley",
            sp.Symbol("X_{k+1}"),
            sp.Max(0, sp.Symbol("X_k") + Y),
            "discrete coarse-grained process (Lindley/Kesten), X = log(tau/tau_b)",
            "§3 (3.2)",
            provenance="definition",
        ),
        _eq(
            "lundberg",
            Phi(th),
            -S.kappa * th
            + S.sigma**2 * th**2 / 2
            + sp.Integral((sp.exp(th * S.y) - 1) * sp.Function(r"\Pi_+")(S.y), (S.y, 0, sp.oo))
            + sp.Integral((sp.exp(-th * S.y) - 1) * sp.Function(r"\Pi_-")(S.y), (S.y, 0, sp.oo)),
            "Lundberg (cumulant) function of the free far-left motion, finite-variation jumps",
            "§3 (3.3)",
            provenance="definition",
            layout=_drift_first(
                Phi(th),
                -S.kappa * th
                + S.sigma**2 * th**2 / 2
                + sp.Integral((sp.exp(th * S.y) - 1) * sp.Function(r"\Pi_+")(S.y), (S.y, 0, sp.oo))
                + sp.Integral((sp.exp(-th * S.y) - 1) * sp.Function(r"\Pi_-")(S.y), (S.y, 0, sp.oo)),
            ),
        ),
        _eq(
            "lundberg_discrete",
            Phi_d(th),
            sp.log(E_(sp.exp(th * Y))),
            "discrete-time Lundberg function of the step Y_k",
            "§3 (3.4)",
            provenance="definition",
        ),
        _eq(
            "stationarity",
            sp.Subs(sp.Derivative(Phi(th), th), th, 0),
            sp.Integer(0),
            "<",
            "a stationary spectrum exists iff the net mean drift of X is negative",
            "§4 (a)",
            provenance="definition",
        ),
        _eq(
            "extended",
            Phi(b),
            sp.Integer(0),
            "extended regime: positive root beta in (0, theta_inf] (discrete: E A^beta = 1)",
            "§4 (4.1)",
            provenance="definition",
        ),
        _eq(
            "tail_law",
            tau_gt(S.x),
            S.C * (S.x / S.tau_b) ** (-b),
            r"\sim",
            "Cramer-Lundberg / Kesten-Goldie tail of the spectrum",
            "§4 (4.2)",
            provenance="definition",
        ),
    ]
    for key, sec in (
        ("gaussian", "5.1"),
        ("poisson_pareto", "5.2"),
        ("bernoulli_exp", "5.2"),
        ("tempered_lo", "5.3 (5.2)"),
        ("tempered_hi", "5.4 (5.3)"),
        ("truncated_stable", "5.5 (5.4)"),
        ("bounded", "5.6"),
    ):
        fm = fam[key]
        out.append(
            _eq(
                f"phi_{key}",
                (Phi_d if fm.discrete else Phi)(th),
                fm.phi,
                f"Lundberg function: {fm.description}",
                f"§{sec}",
                provenance="derived" if key == "poisson_pareto" else "definition",
                layout=_drift_first((Phi_d if fm.discrete else Phi)(th), fm.phi),
            )
        )
    m = S.c * sp.gamma(1 - S.a) * S.lam ** (S.a - 1)
    out += [
        _eq("beta_gaussian", b, betas["gaussian"], "solve Phi(beta)=0, Gaussian forcing", "§5.1"),
        _eq(
            "density_gaussian",
            sp.Function("p_X")(S.x),
            b * sp.exp(-b * S.x),
            "stationary density, Gaussian forcing (Fokker-Planck, zero flux)",
            "§5.1",
            provenance="verified",
        ),
        _eq(
            "beta_poisson_pareto",
            b,
            betas["poisson_pareto"],
            "solve Phi(beta)=0, Poisson-Pareto kicks",
            "§5.2 (5.1)",
        ),
        _eq(
            "rho_poisson_pareto",
            S.rho,
            S.lam_J / (S.kappa * S.gamma),
            "tail mass (atom 1-rho at tau_b)",
            "§5.2 (5.1)",
            provenance="verified",
        ),
        _eq(
            "law_poisson_pareto",
            tau_gt(S.x),
            S.rho * (S.x / S.tau_b) ** (-b),
            "exact law; satisfies the level-crossing equation",
            "§5.2 (5.1)",
            provenance="verified",
        ),
        _eq(
            "atom_bernoulli_exp",
            P_(sp.Eq(X, 0)),
            sp.Symbol(r"\beta_d") / S.gamma,
            "discrete analogue: atom mass from Exp(gamma) ladder heights",
            "§5.2",
            provenance="verified",
        ),
        _eq(
            "mean_tempered_lo",
            sp.Symbol("m"),
            m,
            "mean push of tempered stable, 0<a<1",
            "§5.3",
            provenance="definition",
        ),
        _eq(
            "window_tempered_lo_lower",
            S.kappa,
            edges["tempered_lo"][0],
            ">",
            "stationarity edge: solve Phi'(0)=0 for kappa (kappa > m)",
            "§5.3",
        ),
        _eq(
            "window_tempered_lo_upper",
            S.kappa,
            edges["tempered_lo"][1],
            r"\le",
            "root edge: solve Phi(lambda)=0 for kappa (kappa <= m/a)",
            "§5.3",
        ),
        _eq(
            "beta_tempered_half",
            b,
            betas["tempered_half"],
            "solve Phi(beta)=0 at a=1/2",
            "§5.3",
            layout=Layout((Row(b, Terms(S.lam, -(Terms(2 * sp.sqrt(sp.pi) * S.c / S.kappa, -sp.sqrt(S.lam)) ** 2))),)),
        ),
        _eq(
            "window_tempered_hi",
            S.kappa_eff,
            edges["tempered_hi"][1],
            r"\le",
            "root edge for 1<a<2: solve Phi(lambda)=0 for kappa_eff",
            "§5.4",
        ),
        _eq(
            "beta_truncated_asymptotic",
            b,
            (1 + S.alpha) * sp.log(S.y_c) / S.y_c,
            r"\approx",
            "leading order for beta y_c >> 1 (an asymptotic form: at moderate beta y_c it is far from the root, see §5.5)",
            "§5.5",
            provenance="definition",
        ),
        _eq(
            "bounded_threshold",
            S.J_max,
            S.kappa,
            r"\le",
            "sharp threshold: collapse (X = 0 exactly) iff J_max <= kappa",
            "§5.6",
            provenance="verified",
        ),
        _eq(
            "bounded_stationarity",
            S.p * S.J_max / 2,
            S.kappa,
            "<",
            "bounded pushes: stationarity (extended | runaway boundary)",
            "§5.6",
            provenance="derived",
        ),
        _eq(
            "max_unit",
            sp.Symbol(r"\tau_{(H)}"),
            S.tau_b * (S.rho * S.H) ** (1 / b),
            r"\approx",
            "largest of H draws: end of the empirical power-law window",
            "§6",
            provenance="definition",
        ),
    ]
    return tuple(out)


def symbol_table() -> dict[str, sp.Symbol]:
    """Code name -> symbol of the anti-collapse notation (`theory.symbols("anticollapse")`):
    the fields of `SYM` (`ell`, `tau`, `tau0`, `tau_c`, `tau_b`, `beta`, `rho`, `theta`, `kappa`,
    `kappa_eff`, `sigma`, `lam_J`, `gamma`, `c`, `a`, `lam`, `alpha`, `y_c`, `p`, `J_max`,
    `kappa_alpha`, ...), the names of the notation table."""
    return dict(vars(SYM))
