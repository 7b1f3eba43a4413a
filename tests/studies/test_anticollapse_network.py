"""Study anticollapse-network at the smoke profile: same code path, tiny sizes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from numerics.core import UsageError  # noqa: E402
from numerics.study.runner import get_study  # noqa: E402


@pytest.fixture(scope="module")
def result():
    study = get_study("anticollapse-network")
    return study.run(study.config("smoke", seed=0, progress=False))


def test_checks_pass(result):
    names = {c.name for c in result.checks}
    assert {
        "constgate_mu0_envelope_identity",
        "constgate_pathB_collapsed",
        "constgate_pathA_collapsed",
        "diag_lrnn_fft_grad_vs_scan_autodiff",
        "t8_warm_start_reproduces_main_run",
    } <= names
    failed = [(c.name, c.value, c.tolerance) for c in result.checks if not c.passed]
    assert not failed, failed
    # shared-nu arm: structural by construction, reported (not a check that could not fail)
    assert "diag_shared_collapsed" not in names
    sh = result.params["summary"]["shared_nu_arm"]["diag_shared"]
    assert sh["zeta_spread"] == 0.0 and sh["raw_nu_spread"] > 0.0 and sh["label"] == "collapsed"
    p = result.params
    assert p["diag_optimizer"] == "adam" and p["diag_lags"] == "smoke" and p["alpha_reps"] == 200
    assert p["n_fit_lags"] == 32


def test_estimator_failure_is_labelled_error_not_collapsed():
    """An all-NaN spectrum makes classify_phase fail: the label is 'error', never 'collapsed',
    a label check on it fails, and t_cross flags it."""
    import jax

    from numerics.anticollapse import estimators as est
    from numerics.anticollapse.studies import _analysis as an, network as net

    p = net.STUDY.profile_params("smoke")
    lags = net.lag_grid(p.lag_max)
    st = an.final_stats(np.full(16, np.nan), np.full((4, 2), np.nan), np.zeros((4, 8)), lags, jax.random.key(0), p, 64)
    assert st["label"] == est.ESTIMATOR_ERROR and st["final"] is None
    assert est.threshold_crossing(["collapsed", st["label"], "broad", "broad"]) == (2, "error")
    assert an.label_of(None) == "error" and "error" in est.LABEL_CODES and "error" not in est.PHASE_LABELS


def test_per_arm_report_and_outputs(result):
    runs = result.params["summary"]["runs"]
    for arm in ("none", "gauss", "alpha1.5", "alpha1.2", "pull", "clamp", "shared"):
        r = runs[f"diag_{arm}"]
        for k in ("label", "beta_tail", "beta_env", "kappa", "alpha_eff", "beta_pred", "beta_pred_ci"):
            assert k in r
        assert r["label_authors"] in ("collapsed", "extended", "error")
        assert r["label_calibrated"] in ("collapsed", "extended", "unresolved")
        assert len(r["labels_calibrated"]) == len(r["labels"]) == len(r["labels_authors"])
    votes = result.params["summary"]["arm_labels"]
    assert {"constgate_pathA", "diag_none"} <= set(votes)
    assert any(n.startswith("Arm labels by seed vote") for n in result.notes)
    assert {"constgate_pathA", "constgate_pathB", "sharedgate_none", "diaggate_none"} <= set(runs)
    assert any("ordering" in n for n in result.notes) and any("β_pred vs β_tail" in n for n in result.notes)
    assert set(result.figures) == {
        "network_spectrum",
        "network_envelopes",
        "beta_trajectories",
        "kappa_vs_qlow",
        "beta_pred_vs_tail",
        "forcing_and_spread",
        "t8_ladders",
    }
    assert np.all(np.isfinite(result.series["diag_none_zeta"]))
    assert result.series["constgate_pathB_f0"].shape[1] == result.series["lags"].size


def test_forcing_spread_series_and_t8_reports(result):
    s, runs = result.series, result.params["summary"]["runs"]
    for n in ("diaggate_none", "diag_alpha1.5"):
        c = s[f"{n}_zeta"].shape[0]
        for k in ("epochs", "dzeta_spread", "alpha_eff", "alpha_lo", "alpha_hi", "alpha_p_gauss", "label_code"):
            assert s[f"{n}_{k}"].shape == (c,), (n, k)
        assert np.isnan(s[f"{n}_alpha_eff"][0]) and np.isfinite(s[f"{n}_alpha_eff"][1:]).all()
        assert np.all(s[f"{n}_alpha_lo"][1:] <= s[f"{n}_alpha_hi"][1:])
        assert len(runs[n]["dzeta_spread"]) == c and "t_cross_epoch" in runs[n]
    assert s["diag_none_dzeta_spread"][0] == 0.0  # every unit starts at tau = 200
    order = result.params["summary"]["t8_ordering"]["0"]
    assert isinstance(order["holds_tail"], bool) and 0.0 <= order["p_boot_tail"] <= 1.0
    assert "does not hold" in order["sentence"] or "holds" in order["sentence"]
    lad = result.params["summary"]["t8_ladders"]
    for name in ("clip", "batch", "winsor"):
        rows = lad[name]["rungs"]
        assert rows[0]["condition"].startswith("base") and len(rows) >= 2
        assert all(
            r["label"] in ("collapsed", "anticollapsed_unresolved", "concentrated", "broad", "boundary") for r in rows
        )
        assert lad[name]["verdict"] and s[f"t8_{name}_beta_tail"].shape == (len(rows),)
    assert any(n.startswith("Forcing-suppression clip ladder") for n in result.notes)


def test_bad_override():
    opt = {o.key: o for o in get_study("anticollapse-network").options}
    with pytest.raises(UsageError):
        opt["tau_c"].convert("-1")
    with pytest.raises(UsageError):
        opt["diag_H"].convert("3")
    with pytest.raises(UsageError):
        opt["diag_H"].convert("100000")
    # the T8 warm start needs >= 3 epochs (round(250/1400 * 3) = 1): 2 is refused at parse time, 3 accepted
    with pytest.raises(UsageError, match=">= 3|3 <="):
        opt["diag_epochs"].convert("2")
    assert opt["diag_epochs"].convert("3") == 3
    with pytest.raises(UsageError):
        opt["diag_epochs"].convert("1000000")
    with pytest.raises(UsageError):
        get_study("anticollapse-network").config("nope")
    # cross-field: the gated sequences must hold the lag grid plus the diagnostic starts
    with pytest.raises(UsageError, match="gated_T=50 is too short"):
        get_study("anticollapse-network").config("smoke", overrides={"gated_T": 50})


def test_bad_ladder_model():
    opt = {o.key: o for o in get_study("anticollapse-network").options}
    assert opt["ladder_model"].convert("diaggate") == "diaggate"
    with pytest.raises(UsageError):
        opt["ladder_model"].convert("lstm")
