"""Study anticollapse-network at the smoke profile: same code path, tiny sizes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from numerics.errors import UsageError  # noqa: E402
from numerics.studies import get_study  # noqa: E402


@pytest.fixture(scope="module")
def result():
    study = get_study("anticollapse-network")
    return study.run(study.config("smoke", seed=0, progress=False))


def test_checks_pass(result):
    names = {c.name for c in result.checks}
    assert {"constgate_mu0_envelope_identity", "constgate_pathB_collapsed", "constgate_pathA_collapsed",
            "diag_shared_collapsed", "diag_lrnn_fft_grad_vs_scan_autodiff"} <= names
    failed = [(c.name, c.value, c.tolerance) for c in result.checks if not c.passed]
    assert not failed, failed


def test_per_arm_report_and_outputs(result):
    runs = result.params["runs"]
    for arm in ("none", "gauss", "alpha1.5", "alpha1.2", "pull", "clamp", "shared"):
        r = runs[f"diag_{arm}"]
        for k in ("label", "beta_tail", "beta_env", "kappa", "alpha_eff", "beta_pred", "beta_pred_ci"):
            assert k in r
    assert {"constgate_pathA", "constgate_pathB", "sharedgate_none", "diaggate_none"} <= set(runs)
    assert any("ordering" in n for n in result.notes) and any("β_pred vs β_tail" in n for n in result.notes)
    assert set(result.figures) == {"network_spectrum", "network_envelopes", "beta_trajectories",
                                   "kappa_vs_qlow", "beta_pred_vs_tail"}
    assert np.all(np.isfinite(result.series["diag_none_zeta"]))
    assert result.series["constgate_pathB_f0"].shape[1] == result.series["lags"].size


def test_bad_override():
    opt = {o.key: o for o in get_study("anticollapse-network").options}
    with pytest.raises(UsageError):
        opt["tau_c"].convert("-1")
    with pytest.raises(UsageError):
        opt["diag_H"].convert("3")
    with pytest.raises(UsageError):
        get_study("anticollapse-network").config("nope")
