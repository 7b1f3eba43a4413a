"""Anti-collapse dynamics (Livi, arXiv:2606.29519): the coarse-grained time-scale process,
Lundberg roots, the lagged-regression task, network training, the diagonal linear RNN and the
estimators of the learned spectrum (the subpackage `numerics.anticollapse.estimators`, whose
public names are also re-exported here).

This package depends on [`numerics.gating`][] for the gated cell (a declared cross-paper
dependency; see the paper registry in `theory.papers`).
"""

from . import estimators as estimators
from ._diag_rnn import (
    DiagLRNN as DiagLRNN,
)
from ._diag_rnn import (
    effective_nu as effective_nu,
)
from ._diag_rnn import (
    init_diag_lrnn as init_diag_lrnn,
)
from ._diag_rnn import (
    kernel as kernel,
)
from ._diag_rnn import (
    loss_and_grad as loss_and_grad,
)
from ._diag_rnn import (
    loss_fft as loss_fft,
)
from ._diag_rnn import (
    loss_scan as loss_scan,
)
from ._diag_rnn import (
    predict_fft as predict_fft,
)
from ._levy import (
    stable_symmetric as stable_symmetric,
)
from ._lundberg import (
    BETA_RES as BETA_RES,
)
from ._lundberg import (
    FAMILIES as FAMILIES,
)
from ._lundberg import (
    OPERATIONAL_PHASES as OPERATIONAL_PHASES,
)
from ._lundberg import (
    PHASES as PHASES,
)
from ._lundberg import (
    RootResult as RootResult,
)
from ._lundberg import (
    lundberg_root as lundberg_root,
)
from ._lundberg import (
    phi_function as phi_function,
)
from ._lundberg import (
    theta_inf as theta_inf,
)
from ._process import (
    EVENT_FAMILIES as EVENT_FAMILIES,
)
from ._process import (
    LEVY_FAMILIES as LEVY_FAMILIES,
)
from ._process import (
    SAMPLED_FAMILIES as SAMPLED_FAMILIES,
)
from ._process import (
    LevyLaw as LevyLaw,
)
from ._process import (
    levy_law as levy_law,
)
from ._process import (
    levy_table as levy_table,
)
from ._process import (
    sde_gaussian as sde_gaussian,
)
from ._process import (
    simulate as simulate,
)
from ._process import (
    simulate_levy as simulate_levy,
)
from ._process import (
    simulate_pushes as simulate_pushes,
)
from ._process import (
    simulate_summary as simulate_summary,
)
from ._process import (
    step_sampler as step_sampler,
)
from ._task import (
    FULL_LAGS as FULL_LAGS,
)
from ._task import (
    SMOKE_LAGS as SMOKE_LAGS,
)
from ._task import (
    Task as Task,
)
from ._task import (
    lag_coefficients as lag_coefficients,
)
from ._task import (
    lagged_sum as lagged_sum,
)
from ._task import (
    make_task as make_task,
)
from ._task import (
    sample_lags as sample_lags,
)
from ._train import (
    ARM_NAMES as ARM_NAMES,
)
from ._train import (
    GATED_KINDS as GATED_KINDS,
)
from ._train import (
    OPTIMIZERS as OPTIMIZERS,
)
from ._train import (
    Arm as Arm,
)
from ._train import (
    GatedRegressor as GatedRegressor,
)
from ._train import (
    History as History,
)
from ._train import (
    Model as Model,
)
from ._train import (
    RunState as RunState,
)
from ._train import (
    TrainConfig as TrainConfig,
)
from ._train import (
    diag_model as diag_model,
)
from ._train import (
    far_left_rows as far_left_rows,
)
from ._train import (
    gated_diagnose as gated_diagnose,
)
from ._train import (
    gated_model as gated_model,
)
from ._train import (
    gated_transport as gated_transport,
)
from ._train import (
    init_gated as init_gated,
)
from ._train import (
    init_state as init_state,
)
from ._train import (
    inject as inject,
)
from ._train import (
    make_arm as make_arm,
)
from ._train import (
    make_optimizer as make_optimizer,
)
from ._train import (
    segment as segment,
)
from ._train import (
    stack_runs as stack_runs,
)
from ._train import (
    suppress_gradients as suppress_gradients,
)
from ._train import (
    train as train,
)
from .estimators import (
    CALIBRATION_REPS as CALIBRATION_REPS,
)
from .estimators import (
    DEFAULT_LAGS as DEFAULT_LAGS,
)
from .estimators import (
    ESTIMATOR_ERROR as ESTIMATOR_ERROR,
)
from .estimators import (
    LABEL_CODES as LABEL_CODES,
)
from .estimators import (
    PHASE_LABELS as PHASE_LABELS,
)
from .estimators import (
    AlphaCalibration as AlphaCalibration,
)
from .estimators import (
    AlphaFit as AlphaFit,
)
from .estimators import (
    AlphaPath as AlphaPath,
)
from .estimators import (
    AuditResult as AuditResult,
)
from .estimators import (
    BetaPred as BetaPred,
)
from .estimators import (
    EnvelopeFit as EnvelopeFit,
)
from .estimators import (
    KappaFit as KappaFit,
)
from .estimators import (
    PhaseResult as PhaseResult,
)
from .estimators import (
    TailFit as TailFit,
)
from .estimators import (
    WindowTest as WindowTest,
)
from .estimators import (
    alpha_calibration as alpha_calibration,
)
from .estimators import (
    alpha_hat as alpha_hat,
)
from .estimators import (
    alpha_windows as alpha_windows,
)
from .estimators import (
    beta_env as beta_env,
)
from .estimators import (
    beta_pred as beta_pred,
)
from .estimators import (
    beta_tail as beta_tail,
)
from .estimators import (
    classify_phase as classify_phase,
)
from .estimators import (
    envelope_from_tau as envelope_from_tau,
)
from .estimators import (
    fit_envelope as fit_envelope,
)
from .estimators import (
    hill_beta as hill_beta,
)
from .estimators import (
    hill_tail as hill_tail,
)
from .estimators import (
    kappa_tail as kappa_tail,
)
from .estimators import (
    mixture_audit as mixture_audit,
)
from .estimators import (
    ordering_probability as ordering_probability,
)
from .estimators import (
    phase_label as phase_label,
)
from .estimators import (
    power_law_window as power_law_window,
)
from .estimators import (
    threshold_crossing as threshold_crossing,
)
from .estimators import (
    unit_timescales as unit_timescales,
)
from .estimators import (
    zeta_spread as zeta_spread,
)

__all__ = [
    "estimators",
    "alpha_calibration",
    "alpha_hat",
    "alpha_windows",
    "AlphaCalibration",
    "AlphaFit",
    "AlphaPath",
    "Arm",
    "ARM_NAMES",
    "AuditResult",
    "beta_env",
    "beta_pred",
    "BETA_RES",
    "beta_tail",
    "BetaPred",
    "CALIBRATION_REPS",
    "classify_phase",
    "DEFAULT_LAGS",
    "diag_model",
    "DiagLRNN",
    "effective_nu",
    "envelope_from_tau",
    "EnvelopeFit",
    "ESTIMATOR_ERROR",
    "EVENT_FAMILIES",
    "FAMILIES",
    "far_left_rows",
    "fit_envelope",
    "FULL_LAGS",
    "gated_diagnose",
    "GATED_KINDS",
    "gated_model",
    "gated_transport",
    "GatedRegressor",
    "hill_beta",
    "hill_tail",
    "History",
    "init_diag_lrnn",
    "init_gated",
    "init_state",
    "inject",
    "kappa_tail",
    "KappaFit",
    "kernel",
    "LABEL_CODES",
    "lag_coefficients",
    "lagged_sum",
    "LEVY_FAMILIES",
    "levy_law",
    "levy_table",
    "LevyLaw",
    "loss_and_grad",
    "loss_fft",
    "loss_scan",
    "lundberg_root",
    "make_arm",
    "make_optimizer",
    "make_task",
    "mixture_audit",
    "Model",
    "OPERATIONAL_PHASES",
    "OPTIMIZERS",
    "ordering_probability",
    "phase_label",
    "PHASE_LABELS",
    "PhaseResult",
    "PHASES",
    "phi_function",
    "power_law_window",
    "predict_fft",
    "RootResult",
    "RunState",
    "sample_lags",
    "SAMPLED_FAMILIES",
    "sde_gaussian",
    "segment",
    "simulate",
    "simulate_levy",
    "simulate_pushes",
    "simulate_summary",
    "SMOKE_LAGS",
    "stable_symmetric",
    "stack_runs",
    "step_sampler",
    "suppress_gradients",
    "TailFit",
    "Task",
    "theta_inf",
    "threshold_crossing",
    "train",
    "TrainConfig",
    "unit_timescales",
    "WindowTest",
    "zeta_spread",
]
