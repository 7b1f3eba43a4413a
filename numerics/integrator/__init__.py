"""Learning to integrate (Bordelon, Cotler, Pehlevan, Zavatone-Veth, arXiv:2503.18754):
targets, the linear RNN and its training, the code-generated reduced flows and the phase diagram.
"""

from ._linear_rnn import (
    Gramians as Gramians,
)
from ._linear_rnn import (
    Params as Params,
)
from ._linear_rnn import (
    Rates as Rates,
)
from ._linear_rnn import (
    check_stable as check_stable,
)
from ._linear_rnn import (
    conserved_Q as conserved_Q,
)
from ._linear_rnn import (
    default_rates as default_rates,
)
from ._linear_rnn import (
    gramians as gramians,
)
from ._linear_rnn import (
    init_params as init_params,
)
from ._linear_rnn import (
    loss_and_grads as loss_and_grads,
)
from ._linear_rnn import (
    loss_and_grads_core as loss_and_grads_core,
)
from ._linear_rnn import (
    loss_core as loss_core,
)
from ._linear_rnn import (
    max_re_eig as max_re_eig,
)
from ._linear_rnn import (
    population_loss as population_loss,
)
from ._linear_rnn import (
    readout_only as readout_only,
)
from ._linear_rnn import (
    readout_scale as readout_scale,
)
from ._linear_rnn import (
    reduce_from_network as reduce_from_network,
)
from ._phase_diagram import (
    CPU_CHUNK_ELEMENTS as CPU_CHUNK_ELEMENTS,
)
from ._phase_diagram import (
    PhaseSweep as PhaseSweep,
)
from ._phase_diagram import (
    boundary_agreement as boundary_agreement,
)
from ._phase_diagram import (
    classify as classify,
)
from ._phase_diagram import (
    draw_init as draw_init,
)
from ._phase_diagram import (
    gd_stability_eta as gd_stability_eta,
)
from ._phase_diagram import (
    point_fn as point_fn,
)
from ._phase_diagram import (
    sweep as sweep,
)
from ._phase_diagram import (
    sweep_chunk as sweep_chunk,
)
from ._phase_diagram import (
    train_point as train_point,
)
from ._reduced import (
    BATCH_QUANTUM as BATCH_QUANTUM,
)
from ._reduced import (
    aligned_field as aligned_field,
)
from ._reduced import (
    aligned_flow as aligned_flow,
)
from ._reduced import (
    aligned_loss_fn as aligned_loss_fn,
)
from ._reduced import (
    eigenvalues_2x2 as eigenvalues_2x2,
)
from ._reduced import (
    escape_time_fn as escape_time_fn,
)
from ._reduced import (
    flow_field as flow_field,
)
from ._reduced import (
    flow_loss_fn as flow_loss_fn,
)
from ._reduced import (
    orthogonal_start as orthogonal_start,
)
from ._reduced import (
    pack_state as pack_state,
)
from ._reduced import (
    reduced_flow as reduced_flow,
)
from ._reduced import (
    solve_many as solve_many,
)
from ._reduced import (
    target_params as target_params,
)
from ._reduced import (
    time_to_fraction as time_to_fraction,
)
from ._reduced import (
    unit_amplitude as unit_amplitude,
)
from ._reduced import (
    unpack_state as unpack_state,
)
from ._targets import (
    Target as Target,
)
from ._targets import (
    k_star as k_star,
)
from ._targets import (
    make_target as make_target,
)
from ._targets import (
    normalise as normalise,
)
from ._targets import (
    parse_target as parse_target,
)
from ._targets import (
    stationary_variance as stationary_variance,
)
from ._targets import (
    sum_targets as sum_targets,
)
from ._targets import (
    target_gramian as target_gramian,
)
from ._targets import (
    validate_target as validate_target,
)
from ._train import (
    bptt_sgd as bptt_sgd,
)
from ._train import (
    flow_rhs as flow_rhs,
)
from ._train import (
    gradient_descent as gradient_descent,
)
from ._train import (
    gradient_flow as gradient_flow,
)
from ._train import (
    gradient_flow_draws as gradient_flow_draws,
)
from ._train import (
    optimizer as optimizer,
)
from ._train import (
    series as series,
)
from ._train import (
    stability_event as stability_event,
)

__all__ = [
    "aligned_field",
    "aligned_flow",
    "aligned_loss_fn",
    "BATCH_QUANTUM",
    "boundary_agreement",
    "bptt_sgd",
    "check_stable",
    "classify",
    "conserved_Q",
    "CPU_CHUNK_ELEMENTS",
    "default_rates",
    "draw_init",
    "eigenvalues_2x2",
    "escape_time_fn",
    "flow_field",
    "flow_loss_fn",
    "flow_rhs",
    "gd_stability_eta",
    "gradient_descent",
    "gradient_flow",
    "gradient_flow_draws",
    "Gramians",
    "gramians",
    "init_params",
    "k_star",
    "loss_and_grads",
    "loss_and_grads_core",
    "loss_core",
    "make_target",
    "max_re_eig",
    "normalise",
    "optimizer",
    "orthogonal_start",
    "pack_state",
    "Params",
    "parse_target",
    "PhaseSweep",
    "point_fn",
    "population_loss",
    "Rates",
    "readout_only",
    "readout_scale",
    "reduce_from_network",
    "reduced_flow",
    "series",
    "solve_many",
    "stability_event",
    "stationary_variance",
    "sum_targets",
    "sweep",
    "sweep_chunk",
    "Target",
    "target_gramian",
    "target_params",
    "time_to_fraction",
    "train_point",
    "unit_amplitude",
    "unpack_state",
    "validate_target",
]
