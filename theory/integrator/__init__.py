"""Learning to integrate: the SymPy derivations (`_derivations`), the lazy-regime kernel
(`_lazy`) and the equation registry (`_registry`). SymPy only; never imports jax.
"""

import functools

import sympy as sp

from ..equations import Equation
from . import _derivations, _lazy, _registry
from ._derivations import (
    A_star as A_star,
    C as C,
    N as N,
    aligned_loss as aligned_loss,
    aligned_restriction as aligned_restriction,
    aligned_rhs as aligned_rhs,
    alpha as alpha,
    beta as beta,
    c_star as c_star,
    curvature_at_optimum as curvature_at_optimum,
    d as d,
    d0 as d0,
    d1 as d1,
    eps as eps,
    eta as eta,
    f_frac as f_frac,
    fixed_point as fixed_point,
    lam as lam,
    learning_rates as learning_rates,
    learning_time as learning_time,
    loss_1neuron as loss_1neuron,
    lyapunov_2x2 as lyapunov_2x2,
    omega_star as omega_star,
    p as p,
    pair_effective as pair_effective,
    plateau_escape_time as plateau_escape_time,
    plateau_rate as plateau_rate,
    q as q,
    readout_scale as readout_scale,
    reduced_flow_2x2_rhs as reduced_flow_2x2_rhs,
    reduced_loss_2x2 as reduced_loss_2x2,
    reduced_state as reduced_state,
    s as s,
    sigma as sigma,
    slaved_amplitude as slaved_amplitude,
    slaved_flow as slaved_flow,
    slaved_loss as slaved_loss,
    sylvester as sylvester,
    t as t,
    target_kernel as target_kernel,
    target_state_space as target_state_space,
    target_variance as target_variance,
    tau as tau,
    threshold_d1 as threshold_d1,
    unit_amplitude as unit_amplitude,
    x as x,
    y as y,
)
from ._lazy import (
    lazy_features as lazy_features,
    lazy_kernel as lazy_kernel,
    lazy_learnable as lazy_learnable,
    loss_discrete_1neuron as loss_discrete_1neuron,
    n as n,
    rho_star as rho_star,
    rkhs_norm_sq as rkhs_norm_sq,
    sum_exp_pair_integral as sum_exp_pair_integral,
    target_coefficients as target_coefficients,
    tau_p as tau_p,
    unit_amplitude_discrete as unit_amplitude_discrete,
)


@functools.cache
def _symbol_table() -> dict[str, sp.Symbol]:
    d = _derivations
    table = {
        name: getattr(d, name)
        for name in (
            "N", "sigma", "c_star", "omega_star", "A_star", "s", "eta", "eta_u", "eta_v", "eta_W",
            "alpha", "beta", "C", "p", "d", "lam", "eps", "t", "tau", "f_frac", "d0", "d1", "q",
            "x", "y", "n_s", "trM", "detM",
        )
    }  # fmt: skip
    table |= {"tau_p": _lazy.tau_p, "rho_star": _lazy.rho_star, "n": _lazy.n, "K": _lazy.K_terms}
    table |= dict(zip(("w", "u", "v"), _lazy.w_u_v, strict=True))
    a, b, M = d.reduced_state()
    table |= {v.name: v for v in list(a) + list(b) + list(M)}  # a_1, ..., M_22
    return table


def symbol_table() -> dict[str, sp.Symbol]:
    """Code name -> symbol of the integrator notation (`theory.symbols("integrator")`):
    the names of the notation table (`c_star`, `A_star`, `lam`, ...), the reduced
    coordinates `a_1, a_2, b_1, b_2, M_11, ..., M_22`, and `w, u, v` of the N = 1
    discrete-time loss."""
    return dict(_symbol_table())


def equations() -> tuple[Equation, ...]:
    """All `integrator.*` equations: the model, the two-neuron reduction, the aligned outlier ODE
    and the lazy regime, in that order."""
    return _registry.equations() + _lazy.equations()


__all__ = [
    "A_star",
    "aligned_loss",
    "aligned_restriction",
    "aligned_rhs",
    "alpha",
    "beta",
    "C",
    "c_star",
    "curvature_at_optimum",
    "d",
    "d0",
    "d1",
    "eps",
    "equations",
    "symbol_table",
    "eta",
    "f_frac",
    "fixed_point",
    "lam",
    "lazy_features",
    "lazy_kernel",
    "lazy_learnable",
    "learning_rates",
    "learning_time",
    "loss_1neuron",
    "loss_discrete_1neuron",
    "lyapunov_2x2",
    "N",
    "n",
    "omega_star",
    "p",
    "pair_effective",
    "plateau_escape_time",
    "plateau_rate",
    "q",
    "readout_scale",
    "reduced_flow_2x2_rhs",
    "reduced_loss_2x2",
    "reduced_state",
    "rho_star",
    "rkhs_norm_sq",
    "s",
    "sigma",
    "slaved_amplitude",
    "slaved_flow",
    "slaved_loss",
    "sum_exp_pair_integral",
    "sylvester",
    "t",
    "target_coefficients",
    "target_kernel",
    "target_state_space",
    "target_variance",
    "tau",
    "tau_p",
    "threshold_d1",
    "unit_amplitude",
    "unit_amplitude_discrete",
    "x",
    "y",
]
