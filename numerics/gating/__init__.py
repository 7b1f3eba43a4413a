"""Time-scale coupling (Livi, arXiv:2508.12121): leaky and gated cells with exact Jacobians,
the tasks, training with an explicit backward pass, transport products, lag profiles and
anisotropy metrics.
"""

from ._anisotropy import (
    jacobian_anisotropy as jacobian_anisotropy,
)
from ._anisotropy import (
    update_anisotropy as update_anisotropy,
)
from ._bptt import (
    loss_and_grad as loss_and_grad,
)
from ._bptt import (
    sigmoid as sigmoid,
)
from ._cells import (
    KINDS as KINDS,
)
from ._cells import (
    SCHEMES as SCHEMES,
)
from ._cells import (
    Cell as Cell,
)
from ._cells import (
    Model as Model,
)
from ._cells import (
    diag_leak_correction as diag_leak_correction,
)
from ._cells import (
    factors as factors,
)
from ._cells import (
    init_cell as init_cell,
)
from ._cells import (
    logit as logit,
)
from ._cells import (
    param_jacobian as param_jacobian,
)
from ._cells import (
    rollout as rollout,
)
from ._cells import (
    state_jacobian as state_jacobian,
)
from ._lag_profiles import (
    lag_gradients as lag_gradients,
)
from ._lag_profiles import (
    lag_summaries as lag_summaries,
)
from ._lag_profiles import (
    leaky_lag_prediction as leaky_lag_prediction,
)
from ._lag_profiles import (
    probe_sequence as probe_sequence,
)
from ._metrics import (
    UNDERFLOW as UNDERFLOW,
)
from ._metrics import (
    anisotropy as anisotropy,
)
from ._metrics import (
    fit_power as fit_power,
)
from ._metrics import (
    gradient_anisotropy as gradient_anisotropy,
)
from ._metrics import (
    lag_medians as lag_medians,
)
from ._metrics import (
    local_power as local_power,
)
from ._metrics import (
    masked_fit_power as masked_fit_power,
)
from ._metrics import (
    masked_median as masked_median,
)
from ._metrics import (
    per_example_gradients as per_example_gradients,
)
from ._products import (
    NORMS as NORMS,
)
from ._products import (
    Trajectory as Trajectory,
)
from ._products import (
    all_pairs as all_pairs,
)
from ._products import (
    default_norm as default_norm,
)
from ._products import (
    expansion_error as expansion_error,
)
from ._products import (
    first_order_term as first_order_term,
)
from ._products import (
    ordered_product as ordered_product,
)
from ._products import (
    previous_states as previous_states,
)
from ._products import (
    remainder_bound as remainder_bound,
)
from ._products import (
    spectral_norm as spectral_norm,
)
from ._products import (
    top_singular_value as top_singular_value,
)
from ._products import (
    trajectory as trajectory,
)
from ._products import (
    window_product_at as window_product_at,
)
from ._tasks import (
    TASKS as TASKS,
)
from ._tasks import (
    min_length as min_length,
)
from ._tasks import (
    sample as sample,
)
from ._tasks import (
    trivial_mse as trivial_mse,
)
from ._train import (
    GRADS as GRADS,
)
from ._train import (
    Arm as Arm,
)
from ._train import (
    frozen_zero as frozen_zero,
)
from ._train import (
    init_model as init_model,
)
from ._train import (
    loss as loss,
)
from ._train import (
    make_optimizer as make_optimizer,
)
from ._train import (
    predict as predict,
)
from ._train import (
    sample_switch as sample_switch,
)
from ._train import (
    train_seeds as train_seeds,
)

__all__ = [
    "all_pairs",
    "anisotropy",
    "Arm",
    "Cell",
    "default_norm",
    "diag_leak_correction",
    "expansion_error",
    "factors",
    "first_order_term",
    "fit_power",
    "frozen_zero",
    "gradient_anisotropy",
    "GRADS",
    "init_cell",
    "init_model",
    "jacobian_anisotropy",
    "KINDS",
    "lag_gradients",
    "lag_medians",
    "lag_summaries",
    "leaky_lag_prediction",
    "local_power",
    "logit",
    "loss",
    "loss_and_grad",
    "make_optimizer",
    "masked_fit_power",
    "masked_median",
    "min_length",
    "Model",
    "NORMS",
    "ordered_product",
    "param_jacobian",
    "per_example_gradients",
    "predict",
    "previous_states",
    "probe_sequence",
    "remainder_bound",
    "rollout",
    "sample",
    "sample_switch",
    "SCHEMES",
    "sigmoid",
    "spectral_norm",
    "state_jacobian",
    "TASKS",
    "top_singular_value",
    "train_seeds",
    "Trajectory",
    "trajectory",
    "trivial_mse",
    "UNDERFLOW",
    "update_anisotropy",
    "window_product_at",
]
