"""Study integrator-rich: the smoke profile passes its checks; bad input and failures are reported."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.cli import main
from numerics.core import SolveError, UnstableNetworkError
from numerics.integrator.studies import rich as ir
from numerics.study.runner import get_study


@pytest.fixture(scope="module")
def smoke():
    study = get_study("integrator-rich")
    return study.run(study.config("smoke", seed=0, progress=False))


def test_smoke_checks_pass(smoke):
    failed = [(c.name, c.value, c.tolerance) for c in smoke.checks if not c.passed]
    assert not failed, failed
    names = {c.name for c in smoke.checks}
    # every kind of check is exercised by the smoke profile
    for prefix in ("exact_reduction_", "outlier_gap_", "loss_logratio_", "final_outlier_", "gap_exponent_sigma0_"):
        assert any(n.startswith(prefix) for n in names), prefix
    for c in smoke.checks:
        assert c.description and np.isfinite(np.asarray(c.value, float)).all()


def test_smoke_series_and_figures(smoke):
    for name in ("outlier_vs_time", "loss_vs_time", "spectrum_snapshots", "gap_vs_N"):
        assert isinstance(smoke.figures[name], Figure)
    s = smoke.series
    assert s["t_c0.5"][0] == 0 and s["theory_lam_c0.5"].shape == s["t_c0.5"].shape
    assert s["net_lam_c0.5_s0_N16"].shape == s["t_c0.5"].shape
    assert s["ensemble_gap_c0.5"].shape == (len(s["ensemble_N"]), ir.STUDY.profile_params("smoke").ensemble_draws)
    # the exact-reduction check is tight (table T9 tolerance 1e-8)
    exact = [c.value for c in smoke.checks if c.name.startswith("exact_reduction_")]
    assert exact and max(exact) < 1e-8
    rows = smoke.params["summary"]["gap_table"]
    assert {r["N"] for r in rows} >= {16, 64}
    assert smoke.params["summary"]["grid"] == [[0.5, 0.0, 16], [0.5, 0.1, 16]]


def test_grid_points_and_overrides():
    base = {"points": [[0.5, 0.0, 100], [0.2, 0.1, 100]]}
    assert ir._grid(base) == [(0.5, 0.0, 100), (0.2, 0.1, 100)]
    # an override turns the grid into a product; missing axes take the values used by `points`
    g = ir._grid(base | {"N": [50, 60]})
    assert set(g) == {(c, s, n) for c in (0.5, 0.2) for s in (0.0, 0.1) for n in (50, 60)}
    assert ir._grid({"c_star": [0.3], "sigma": [0.0], "N": [10]}) == [(0.3, 0.0, 10)]
    ts = ir._times({"t_early": 2.0, "n_early": 5, "dt_late": 1.0}, 4.5)
    np.testing.assert_allclose(ts, [0, 0.5, 1, 1.5, 2, 3, 4, 4.5])
    assert ir._t_max({"t_max": 20.0, "t_max_small_c": 5.0}, 0.05) == 5.0
    assert ir._t_max({"t_max": 20.0, "t_max_small_c": 5.0}, 0.2) == 20.0


def test_profile_grids():
    """quick: the explicit points; paper: the product of its axes; a CLI axis (a tuple) turns quick into a product."""
    quick, paper = ir.STUDY.profile_params("quick"), ir.STUDY.profile_params("paper")
    assert ir._grid(quick) == [tuple(p) for p in quick.points] and len(quick.points) == 6
    assert len(ir._grid(paper)) == 4 * 3 * 3 and ir._grid(paper)[0] == (0.5, 0.0, 100)
    cfg = ir.STUDY.config("quick", overrides={"N": (50, 60), "sigma": (0.1,)})
    assert set(ir._grid(cfg.params)) == {(c, 0.1, n) for c in (0.5, 0.2, 0.05) for n in (50, 60)}
    assert ir._t_max(ir.STUDY.profile_params("smoke"), 0.05) == 3.0  # smoke has no small-c* cap
    assert ir._t_max(quick, 0.05) == 5.0


@pytest.mark.parametrize(
    "args",
    [
        ["--target", "exp:-0.2"],
        ["--target", "osc:0.1"],
        ["--sigma", "1.0"],
        ["--sigma", "-0.1"],
        ["--N", "1"],
        ["--N", "2.5"],
        ["--c-star", "0"],
    ],
)
def test_bad_input_exits_2_with_one_line(args, tmp_path, capsys):
    code = main(["compare", "integrator-rich", "--profile", "smoke", "--out", str(tmp_path), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err


def test_non_leaky_target_is_refused(capsys, tmp_path):
    code = main(["compare", "integrator-rich", "--profile", "smoke", "--out", str(tmp_path), "--target", "osc:0.2:1.0"])
    err = capsys.readouterr().err
    assert code == 2 and "integrator-oscillator" in err


def test_solver_failure_names_study_and_point(monkeypatch):
    from numerics import integrator as lr

    def boom(*a, **k):
        raise SolveError("gradient_flow: diffrax failed near t=1")

    monkeypatch.setattr(lr, "gradient_flow_draws", boom)
    study = get_study("integrator-rich")
    cfg = study.config(
        "smoke", seed=0, progress=False, overrides={"N": [12], "sigma": [0.0], "c_star": [0.5], "ensemble_draws": 0}
    )
    with pytest.raises(SolveError) as info:
        study.run(cfg)
    msg = str(info.value)
    assert "integrator-rich" in msg and "c_star=0.5" in msg and "N=12" in msg and "kvaerno5" in msg


def test_unstable_network_propagates(monkeypatch):
    from numerics import integrator as lr

    def unstable(*a, **k):
        raise UnstableNetworkError(3.0, 1.0, partial={"ts": np.arange(3.0)}, where="gradient_flow")

    monkeypatch.setattr(lr, "gradient_flow_draws", unstable)
    study = get_study("integrator-rich")
    cfg = study.config(
        "smoke", seed=0, progress=False, overrides={"N": [12], "sigma": [0.0], "c_star": [0.5], "ensemble_draws": 0}
    )
    with pytest.raises(UnstableNetworkError) as info:
        study.run(cfg)
    assert "ts" in info.value.partial


@pytest.mark.parametrize("D", [1, 3])
def test_ensemble_excludes_the_network_draws(D):
    """The sigma=0 ensemble that sets the outlier_gap/loss_logratio/final_outlier tolerances is built
    from keys D..D+K-1, never from a full network's own draw (keys NETWORK_DRAW .. D-1)."""
    from numerics.integrator import init_params, reduce_from_network
    from numerics.integrator.studies import _common as ic

    a0, b0 = ir._reduction_starts(3, [12, 20], 2, D)
    for i, n in enumerate((12, 20)):
        nets = [
            reduce_from_network(*(lambda p: (p.u, p.v))(init_params(ic.point_key(3, n, ir.NETWORK_DRAW + j), n, 0.3)))[
                0
            ]
            for j in range(D)
        ]
        for k in range(2):
            p = init_params(ic.point_key(3, n, ir.NETWORK_DRAW + D + k), n, 0.3)  # sigma does not change u0, v0
            red, _ = reduce_from_network(p.u, p.v)
            np.testing.assert_array_equal(a0[i, k], np.asarray(red.u))
            np.testing.assert_array_equal(b0[i, k], np.asarray(red.v))
            assert not any(np.allclose(a0[i, k], np.asarray(r.u)) for r in nets)


def test_smoke_runs_network_draws(smoke):
    """The smoke profile trains two draws per point; checks hold the worst one and the series keep all."""
    s = smoke.series
    D = ir.STUDY.profile_params("smoke").network_draws
    assert D >= 2
    lam = s["net_lam_draws_c0.5_s0_N16"]
    assert lam.shape == (D,) + s["t_c0.5"].shape
    np.testing.assert_array_equal(lam[0], s["net_lam_c0.5_s0_N16"])
    assert not np.allclose(lam[0], lam[1])  # independent draws
    chk = {c.name: c for c in smoke.checks}["outlier_gap_c0.5_s0_N16"]
    gaps = np.max(np.abs(lam - s["theory_lam_c0.5"]), axis=1)
    assert chk.value == pytest.approx(float(np.max(gaps)), rel=1e-12) and f"worst of {D} draws" in chk.description


def test_smoke_tolerances_come_from_independent_draws(smoke):
    """Each 4x-RMS tolerance equals 4x the RMS of the (independent) ensemble draws at that N."""
    s = smoke.series
    i = list(s["ensemble_N"]).index(16)
    rms = float(np.sqrt(np.mean(s["ensemble_gap_c0.5"][i] ** 2)))
    chk = {c.name: c for c in smoke.checks}["outlier_gap_c0.5_s0_N16"]
    assert chk.tolerance == pytest.approx(4 * rms, rel=1e-12)
    assert "exclude the networks' own draws" in chk.description


def test_target_option_is_single_and_help_matches(capsys):
    opt = {o.key: o for o in get_study("integrator-rich").options}["target"]
    assert not opt.multiple and "summed" not in opt.help
    with pytest.raises(SystemExit):
        main(["compare", "integrator-rich", "--help"])
    out = capsys.readouterr().out
    assert "repeats are summed" not in out
