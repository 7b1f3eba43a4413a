"""Studies integrator-oscillator / -lazy / -multi / -sgd: smoke profiles pass, outputs exist, bad input."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from numerics.core import UsageError
from numerics.integrator.studies import multi as im, oscillator as io_
from numerics.study.runner import get_study


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
    exact = [c for c in res.checks if c.name.startswith("exact_reduction_")]
    assert exact and all(c.tolerance == 1e-8 and "max|W - E M E^T|" in c.description for c in exact)  # spec T9
    for name in ("pair_paths", "loss", "re_im"):
        assert isinstance(res.figures[name], Figure)
    assert any(k.startswith("theory_lambda[") for k in res.series)
    # draws 1..D-1 go through the exact reduction; the path-gap check holds the worst draw
    D = io_.STUDY.profile_params("smoke").network_draws
    tag = "c*=0.2, w*=1"
    lam = res.series[f"network_lambda_draws[{tag}, N=80]"]
    assert lam.shape[0] == D and np.array_equal(lam[0], res.series[f"network_lambda[{tag}, N=80]"])
    worst = max(io_.path_gap(x, res.series[f"theory_lambda[{tag}]"]) for x in lam)
    assert {c.name: c for c in res.checks}[f"path_gap_{tag}_N80"].value == pytest.approx(worst, rel=1e-12)


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
    # D network draws per full-training point (docs: integrator §11); draw 0 is the single-draw run's network
    D = get_study("integrator-lazy").profile_params("smoke").network_draws
    lab = "sigma=0.9, c*=0.2, N=24"
    L = res.series[f"full_loss_draws[{lab}]"]
    assert D >= 2 and L.shape[0] == D and np.array_equal(L[0], res.series[f"full_loss[{lab}]"])
    assert not np.array_equal(L[0], L[1])  # independent draws
    check = {c.name: c for c in res.checks}[f"full_{lab}_no_outlier"]
    assert f"worst of {D} draws" in check.description


def test_multi_smoke():
    res = _run("integrator-multi", animate=True)
    _assert_passes(res, ("two_pole_subspace_", "two_pole_reduced_match_"))
    assert all(c.tolerance == 1e-8 for c in res.checks if c.name.startswith("two_pole_"))  # table T9 (integrator docs)
    assert isinstance(res.figures["outlier_paths"], Figure) and "animation.gif" in res.extra_files
    assert any(k.startswith("escape_times[") for k in res.series)
    D = im.STUDY.profile_params("smoke").network_draws
    tag = "K=3, c=(0.1, 0.4, 0.7), sigma=0.2, N=16"
    L = res.series[f"loss_draws[{tag}]"]
    assert D >= 2 and L.shape[0] == D and np.array_equal(L[0], res.series[f"loss[{tag}]"])
    assert res.series[f"escape_times_draws[{tag}]"].shape == (D, 3)
    # each sigma > 0 draw is held against the two-pole floor of its own sigma = 0 reduction
    ratio = res.series["loss_over_two_pole_floor[K=3, c=(0.1, 0.4, 0.7), sigma=0.2, N=16]"]
    floor = res.series["two_pole_floor[K=3, c=(0.1, 0.4, 0.7), sigma=0, N=16]"]
    np.testing.assert_allclose(ratio, L[:, -1] / floor, rtol=1e-12)
    assert all(f"worst of {D} draws" in c.description for c in res.checks if c.name.startswith("two_pole_"))


def test_draw_keys_and_count():
    """Draw 0 is the single-draw key (a one-draw run is draw 0 of a D-draw run); bad counts are refused."""
    from numerics.integrator.studies import _common as ic

    keys = ic.draw_keys(0, 3, 24, draws=3)
    assert keys.shape[0] == 3 and np.array_equal(keys[0], ic.point_key(0, 3, 24))
    assert len({tuple(np.asarray(k).tolist()) for k in keys}) == 3
    assert ic.network_draws({}) == 1 and ic.network_draws({"network_draws": 5}) == 5
    for bad in (0, -1, 2.5):
        with pytest.raises(UsageError, match="network_draws"):
            ic.network_draws({"network_draws": bad})
    for name in ("integrator-lazy", "integrator-multi", "integrator-rich"):
        opt = {o.key: o for o in get_study(name).options}["network_draws"]
        assert opt.convert("5") == 5
        with pytest.raises(UsageError):
            opt.convert("0")


def test_sgd_smoke():
    res = _run("integrator-sgd")
    _assert_passes(
        res,
        (
            "discrete_closed_form_vs_monte_carlo",
            "em_bias_order_dt",
            "sgd_gap_monotone_in_batch",
            "sgd_gap_rate_in_batch",
        ),
    )
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


def test_reduction_deviation_sees_each_component():
    """The shared exactness helper (table T9, integrator docs) compares W, u/sqrt(N), v/sqrt(N) and L,
    and reports each separately."""
    from numerics.integrator.studies import _common as ic

    rng = np.random.default_rng(0)
    n, T = 6, 3
    E = np.linalg.qr(rng.normal(size=(n, 2)))[0]
    M, a, b = rng.normal(size=(T, 2, 2)), rng.normal(size=(T, 2)), rng.normal(size=(T, 2))
    W = np.einsum("ia,tab,jb->tij", E, M, E)
    u, v, L = np.sqrt(n) * a @ E.T, np.sqrt(n) * b @ E.T, rng.random(T)
    assert ic.reduction_deviation(W, u, v, L, E, M, a, b, L)["max"] <= 1e-14
    h = 1e-6 * np.sqrt(n)  # u and v are compared after division by sqrt(N)
    for key, bump in [
        ("W", (W + 1e-6, u, v, L)),
        ("u", (W, u + h, v, L)),
        ("v", (W, u, v + h, L)),
        ("L", (W, u, v, L + 1e-6)),
    ]:
        dev = ic.reduction_deviation(*bump, E, M, a, b, L)
        assert dev[key] > 5e-7 and dev["max"] == dev[key], key


def test_gd_on_em_loss_is_gd_on_the_discretised_loss():
    """gd_on_em_loss (discrete-time GD with chain-rule rates) equals GD on L_dt(W, u, v) by autodiff."""
    import jax
    import jax.numpy as jnp

    from numerics import integrator as lr
    from numerics.integrator import make_target
    from numerics.integrator.studies import sgd as sg

    n, dt, eta = 6, 0.1, 0.05
    p = lr.init_params(jax.random.key(4), n, 0.3)
    t = make_target("leaky", c_star=0.5)
    r = lr.default_rates(n, "mean_field")

    def L_dt(q):
        a, b = sg.em_discretise(q, t, dt)
        return lr.loss_core(a, b, 1.0 / n, "discrete", iterations=40)[0]

    for _ in range(3):
        g = jax.grad(L_dt)(p)
        p = lr.Params(p.W - eta * r.W * g.W, p.u - eta * r.u * g.u, p.v - eta * r.v * g.v)
    out = sg.gd_on_em_loss(lr.init_params(jax.random.key(4), n, 0.3), t, dt, eta, 3, 3)
    np.testing.assert_allclose(out["W"][-1], np.asarray(p.W), atol=1e-12)
    np.testing.assert_allclose(out["u"][-1], np.asarray(p.u), atol=1e-12)
    np.testing.assert_allclose(out["v"][-1], np.asarray(p.v), atol=1e-12)
    assert out["loss"][-1] == pytest.approx(float(lr.population_loss(p, t)), rel=1e-12)
    assert float(jnp.max(jnp.abs(p.W))) > 0  # moved


def test_sgd_batch_statistics_can_fail():
    """The monotone check's z-scores and the rate fit on synthetic per-seed gaps."""
    from numerics.integrator.studies import sgd as sg

    rng = np.random.default_rng(1)
    flat = 0.01 * (1 + 0.1 * rng.standard_normal((3, 16)))  # no decrease: z ~ 0, rate ~ 0
    _, _, z = sg._shrink_z(flat)
    assert np.min(z) < 2
    assert abs(sg._rate_fit([2, 8, 32], flat)[0]) < 0.05
    B = np.array([2, 8, 32])
    noisy = 0.01 * B[:, None] ** -0.5 * (1 + 0.1 * rng.standard_normal((3, 16)))
    _, _, z = sg._shrink_z(noisy)
    alpha, se = sg._rate_fit(B, noisy)
    assert np.min(z) > 2 and abs(alpha + 0.5) < 3 * se


def test_declarative_params_hold_tuples_and_validate():
    """List overrides (the Python API) are held as tuples; cross-field checks refuse bad combinations."""
    lazy = get_study("integrator-lazy").config("smoke", overrides={"N": [24, 32], "readout_rows": [[0.5, 0.3]]})
    assert lazy.params.N == (24, 32) and lazy.params.readout_rows == ((0.5, 0.3),)
    multi = get_study("integrator-multi").config("smoke", overrides={"rates": [[0.1, 0.5]], "sigma": [0.0]})
    assert multi.params.rates == ((0.1, 0.5),) and multi.params.sigma == (0.0,)
    sgd = get_study("integrator-sgd")
    assert sgd.config("smoke", overrides={"batches": [2, 8]}).params.batches == (2, 8)
    with pytest.raises(UsageError, match="dts"):
        sgd.config("smoke", overrides={"dt": 0.07})
    with pytest.raises(UsageError, match="batches"):
        sgd.config("smoke", overrides={"batches": [8]})
    for name in ("integrator-lazy", "integrator-multi"):
        with pytest.raises(UsageError, match="network_draws"):
            get_study(name).config("smoke", overrides={"network_draws": 0})
    with pytest.raises(UsageError, match="unknown parameter"):
        get_study("integrator-multi").config("smoke", overrides={"kernel_N": (10,)})


def test_readout_N_accepts_integral_floats_like_N():
    for name, key in [("integrator-lazy", "readout_N"), ("integrator-lazy", "N"), ("integrator-rich", "N")]:
        opt = {o.key: o for o in get_study(name).options}[key]
        assert opt.convert("1e3") == 1000
        for bad in ("2.5", "1", "abc"):
            with pytest.raises(UsageError):
                opt.convert(bad)
