"""Learning to integrate: the SymPy derivations (`_derivations`), the lazy-regime kernel
(`_lazy`) and the equation registry (`_registry`). SymPy only; never imports jax.
"""

from ..equations import Equation
from . import _lazy, _registry
from ._derivations import (
    A_star as A_star,
)
from ._derivations import (
    C as C,
)
from ._derivations import (
    N as N,
)
from ._derivations import (
    aligned_loss as aligned_loss,
)
from ._derivations import (
    aligned_restriction as aligned_restriction,
)
from ._derivations import (
    aligned_rhs as aligned_rhs,
)
from ._derivations import (
    alpha as alpha,
)
from ._derivations import (
    beta as beta,
)
from ._derivations import (
    c_star as c_star,
)
from ._derivations import (
    curvature_at_optimum as curvature_at_optimum,
)
from ._derivations import (
    d as d,
)
from ._derivations import (
    d0 as d0,
)
from ._derivations import (
    d1 as d1,
)
from ._derivations import (
    eps as eps,
)
from ._derivations import (
    eta as eta,
)
from ._derivations import (
    f_frac as f_frac,
)
from ._derivations import (
    fixed_point as fixed_point,
)
from ._derivations import (
    lam as lam,
)
from ._derivations import (
    learning_rates as learning_rates,
)
from ._derivations import (
    learning_time as learning_time,
)
from ._derivations import (
    loss_1neuron as loss_1neuron,
)
from ._derivations import (
    lyapunov_2x2 as lyapunov_2x2,
)
from ._derivations import (
    omega_star as omega_star,
)
from ._derivations import (
    p as p,
)
from ._derivations import (
    pair_effective as pair_effective,
)
from ._derivations import (
    plateau_escape_time as plateau_escape_time,
)
from ._derivations import (
    plateau_rate as plateau_rate,
)
from ._derivations import (
    q as q,
)
from ._derivations import (
    readout_scale as readout_scale,
)
from ._derivations import (
    reduced_flow_2x2_rhs as reduced_flow_2x2_rhs,
)
from ._derivations import (
    reduced_loss_2x2 as reduced_loss_2x2,
)
from ._derivations import (
    reduced_state as reduced_state,
)
from ._derivations import (
    s as s,
)
from ._derivations import (
    sigma as sigma,
)
from ._derivations import (
    slaved_amplitude as slaved_amplitude,
)
from ._derivations import (
    slaved_flow as slaved_flow,
)
from ._derivations import (
    slaved_loss as slaved_loss,
)
from ._derivations import (
    sylvester as sylvester,
)
from ._derivations import (
    t as t,
)
from ._derivations import (
    target_kernel as target_kernel,
)
from ._derivations import (
    target_state_space as target_state_space,
)
from ._derivations import (
    tau as tau,
)
from ._derivations import (
    threshold_d1 as threshold_d1,
)
from ._derivations import (
    unit_amplitude as unit_amplitude,
)
from ._derivations import (
    x as x,
)
from ._derivations import (
    y as y,
)
from ._lazy import (
    lazy_features as lazy_features,
)
from ._lazy import (
    lazy_kernel as lazy_kernel,
)
from ._lazy import (
    lazy_learnable as lazy_learnable,
)
from ._lazy import (
    loss_discrete_1neuron as loss_discrete_1neuron,
)
from ._lazy import (
    n as n,
)
from ._lazy import (
    rho_star as rho_star,
)
from ._lazy import (
    rkhs_norm_sq as rkhs_norm_sq,
)
from ._lazy import (
    sum_exp_pair_integral as sum_exp_pair_integral,
)
from ._lazy import (
    target_coefficients as target_coefficients,
)
from ._lazy import (
    tau_p as tau_p,
)
from ._lazy import (
    unit_amplitude_discrete as unit_amplitude_discrete,
)


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
    "equations",
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
    "tau",
    "tau_p",
    "threshold_d1",
    "unit_amplitude",
    "unit_amplitude_discrete",
    "x",
    "y",
]
