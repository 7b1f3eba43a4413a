r"""Estimators and diagnostics of the learned time-scale spectrum ([§7][anticollapse-s7]; Livi,
arXiv:2606.29519).

Pure functions with explicit `jax.random` keys. Inputs are time scales τ, envelopes
f(ℓ) on a lag grid, log-rate checkpoints ζ, or update increments. Where JAX brings
nothing (sorting a few thousand numbers, small least squares) NumPy is used, but all
randomness (bootstrap indices, synthetic calibration samples) is drawn from the key.

| concept | functions |
|---|---|
| time scales and their tail | `unit_timescales` ([§7.2][anticollapse-s7-2]); `beta_tail`, `hill_beta`, `hill_tail` ([§7.3][anticollapse-s7-3]) |
| envelope and phase | `envelope_from_tau` (2.1); `beta_env` ([§7.4][anticollapse-s7-4]); `fit_envelope` ([§7.5][anticollapse-s7-5]); `power_law_window` ([§7.6][anticollapse-s7-6]); `classify_phase`, `phase_label` ([§7.7][anticollapse-s7-7]); `mixture_audit` ([§7.12][anticollapse-s7-12]) |
| forcing | `kappa_tail` ([§7.8][anticollapse-s7-8]); `alpha_hat`, `alpha_calibration`, `alpha_windows` ([§7.9][anticollapse-s7-9]); `zeta_spread` ([§8.5][anticollapse-s8-5]) |
| collapse tests | `authors_rule`, `authors_rule_tau` (the authors' envelope gate); `calibrated_test` (null hypothesis *extended*), `seed_vote`, `tail_k` ([§7.7][anticollapse-s7-7]) |
| predicted exponent | `beta_pred` ([§7.10][anticollapse-s7-10]) |
| summaries | `threshold_crossing` ([§7.11][anticollapse-s7-11]); `ordering_probability` ([§9][anticollapse-s9]) |

| code name | symbol | meaning |
|---|---|---|
| `tau` | $\tau_q=1/\bar\mu_q$ | per-unit time scale (steps); non-finite entries are dropped |
| `lags` | $\ell$ | lag grid, default `round(linspace(4, 384, 128))` |
| `f` | $f(\ell)$ | envelope; `f_tau` its mixture rebuild (2.1) |
| `beta` | $\beta$ | spectral exponent, $P(\tau>x)\sim Cx^{-\beta}$ |
| `tau_max`, `lstar` | $\tau_{\max}$, $\ell^\star=\beta\tau_{\max}$ | tempered cutoff, crossover lag |
| `zeta` | $\zeta=\log\bar\mu=-\log\tau$ | log-rate; small ζ = slow ("far-left") |
| `kappa` | $\hat\kappa_{\mathrm{tail}}$ | far-left drift plateau (pull toward short τ, > 0) |
| `alpha` | $\alpha$ | stable tail index of increments |
| `Phi_d` | $\hat\Phi_d(\theta)=\log\frac1n\sum e^{-\theta\Delta\zeta_i}$ | empirical discrete Lundberg function |

The symmetric α-stable sampler the α̂ calibration draws from is
`numerics.anticollapse.stable_symmetric`.
"""

from ._collapse_test import (
    AUTHORS_LAGS,
    AUTHORS_TAU_FIT_WINDOW,
    BETA_RES,
    AuthorsVerdict,
    CollapseTest,
    authors_rule,
    authors_rule_tau,
    calibrated_test,
    seed_vote,
    tail_k,
)
from ._envelope import (
    DEFAULT_LAGS,
    ESTIMATOR_ERROR,
    LABEL_CODES,
    PHASE_LABELS,
    AuditResult,
    EnvelopeFit,
    PhaseResult,
    WindowTest,
    beta_env,
    classify_phase,
    envelope_from_tau,
    fit_envelope,
    mixture_audit,
    phase_label,
    power_law_window,
)
from ._forcing import (
    CALIBRATION_REPS,
    AlphaCalibration,
    AlphaFit,
    AlphaPath,
    KappaFit,
    alpha_calibration,
    alpha_hat,
    alpha_windows,
    kappa_tail,
    zeta_spread,
)
from ._lundberg_empirical import BetaPred, beta_pred
from ._summaries import ordering_probability, threshold_crossing
from ._tail import TailFit, beta_tail, ccdf_design, hill_beta, hill_tail, unit_timescales

__all__ = [
    "DEFAULT_LAGS",
    "PHASE_LABELS",
    "ESTIMATOR_ERROR",
    "LABEL_CODES",
    "CALIBRATION_REPS",
    "TailFit",
    "EnvelopeFit",
    "WindowTest",
    "PhaseResult",
    "AuditResult",
    "KappaFit",
    "AlphaCalibration",
    "AlphaFit",
    "AlphaPath",
    "BetaPred",
    "unit_timescales",
    "ccdf_design",
    "beta_tail",
    "hill_tail",
    "hill_beta",
    "envelope_from_tau",
    "beta_env",
    "fit_envelope",
    "power_law_window",
    "classify_phase",
    "phase_label",
    "mixture_audit",
    "kappa_tail",
    "alpha_calibration",
    "alpha_hat",
    "alpha_windows",
    "zeta_spread",
    "beta_pred",
    "ordering_probability",
    "threshold_crossing",
    "AUTHORS_LAGS",
    "AUTHORS_TAU_FIT_WINDOW",
    "BETA_RES",
    "AuthorsVerdict",
    "CollapseTest",
    "authors_rule",
    "authors_rule_tau",
    "calibrated_test",
    "seed_vote",
    "tail_k",
]
