"""Studies integrator-oscillator / -lazy / -multi / -sgd: smoke profiles pass, outputs exist, bad input."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import numerics  # noqa: F401
from numerics.errors import UsageError
from numerics.studies import get_study
from numerics.studies import integrator_multi as im
from numerics.studies import integrator_oscillator as io_


def _run(name, **options):
    study = get_study(name)
    return study.run(study.config("smoke", seed=0, progress=False, options=options))


def _assert_passes(res, prefixes):
    failed = [(c.name, c.value, c.tolerance) for c in res.checks if not c.passed]
    assert not failed, failed
    names = [c.name for c in res.checks]
    for p in prefixes:
        assert any(n.startswith(p) for n in names), p
    for c in res.checks:
        assert c.description


def test_oscillator_smoke():
    res = _run("integrator-oscillator")
    _assert_passes(res, ("T4_", "pair_equations_", "exact_reduction_", "path_gap_", "final_pair_"))
    for name in ("pair_paths", "loss", "re_im"):
        assert isinstance(res.figures[name], Figure)
    assert any(k.startswith("theory_lambda[") for k in res.series)


def test_lazy_smoke_with_animation():
    res = _run("integrator-lazy", animate=True)
    _assert_passes(res, ("T7_", "T5_"))
    for name in ("kernel", "readout_only", "full_training"):
        assert isinstance(res.figures[name], Figure)
    _assert_passes(res, ("phase_boundary_within_one_cell_fraction", "phase_cell_agreement"))
    assert isinstance(res.figures["phase_diagram"], Figure)
    assert res.series["phase_rich"].shape == (4, 4)
    gif = Image.open(io.BytesIO(res.extra_files["animation.gif"]))
    assert gif.format == "GIF" and gif.n_frames > 2


def test_multi_smoke():
    res = _run("integrator-multi", animate=True)
    _assert_passes(res, ("two_pole_subspace_", "two_pole_reduced_match_"))
    assert isinstance(res.figures["outlier_paths"], Figure) and "animation.gif" in res.extra_files
    assert any(k.startswith("escape_times[") for k in res.series)


def test_sgd_smoke():
    res = _run("integrator-sgd")
    _assert_passes(res, ("discrete_closed_form_vs_monte_carlo", "em_bias_order_dt", "sgd_gap_monotone_in_batch"))
    assert res.series["gap_lambda"].shape[0] == 3
    assert isinstance(res.figures["gap_vs_batch"], Figure)


def test_escape_times_and_path_gap():
    ts = np.linspace(0, 4, 5)
    tracks = np.array([[0.0, 0.1], [0.3, 0.1], [0.2, 0.1], [0.5, 0.2], [0.6, 0.1]], complex)
    t = im.escape_times(ts, tracks, 0.25)
    assert t[0] == 3.0 and np.isnan(t[1])  # leaves for good at t=3; the second never leaves
    line = np.array([0, 1 + 0j])
    assert io_.path_gap(np.array([0.5 + 0.1j]), line) == pytest.approx(0.1)


def test_target_option_for_lazy_and_multi():
    for name in ("integrator-lazy", "integrator-multi"):
        opt = {o.key: o for o in get_study(name).options}["target"]
        t = opt.convert("exp:0.2+exp:0.5")
        assert np.asarray(t.As).shape == (2, 2)
        with pytest.raises(UsageError):
            opt.convert("exp:-1")
        with pytest.raises(UsageError):
            opt.convert("sine:1")
