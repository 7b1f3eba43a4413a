"""Full linear RNN: closed-form loss/gradients (T9), conservation (§4), GD vs flow, the 2-D
invariant subspace (§5.1), the stability guard (§10) and spec T2."""

import math

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl

from numerics import integrator as lr
from numerics.core import UnstableNetworkError, _ode as ode
from numerics.integrator import Target, make_target, stability_event

TARGETS = {
    "leaky": make_target("leaky", c_star=0.3),
    "oscillator": make_target("oscillator", c_star=0.2, omega_star=1.0),
    "sum_exp": make_target("sum_exp", rates=(0.1, 0.7), weights=(0.6, -0.4)),
}


def _small(seed=0, N=6, sigma=0.5):
    return lr.init_params(jax.random.key(seed), N, sigma)


@pytest.mark.parametrize("name", list(TARGETS))
def test_loss_matches_time_domain_quadrature(name):
    """T9: closed form vs 1/2 int (k - k*)^2 dtau, relative <= 1e-6."""
    p, t = _small(), TARGETS[name]
    N = p.W.shape[0]
    A, u, v = np.asarray(p.W) - np.eye(N), np.asarray(p.u), np.asarray(p.v)
    As, bs, cs = (np.asarray(x) for x in t)
    f = lambda s: 0.5 * (v @ sl.expm(A * s) @ u / N - cs @ sl.expm(As * s) @ bs) ** 2
    ref = si.quad(f, 0, np.inf, limit=500, epsabs=1e-14, epsrel=1e-11)[0]
    assert abs(float(lr.population_loss(p, t)) - ref) <= 1e-6 * ref


@pytest.mark.parametrize(
    "name,time",
    [("leaky", "continuous"), ("oscillator", "continuous"), ("sum_exp", "continuous"), ("oscillator", "discrete")],
)
def test_gradients_match_autodiff_and_finite_differences(name, time):
    """T9: adjoint formulas vs jax.grad through the fixed-iteration doubling solver and vs central
    differences (h = 1e-6); error <= 1e-6 of each gradient's max-norm."""
    p, t = _small(1, N=4, sigma=0.4), TARGETS[name]
    if time == "discrete":  # discrete-time target: A_s -> e^{A_s} (spectral radius < 1)
        t = Target(jnp.asarray(sl.expm(np.asarray(t.As))), t.bs, t.cs)
    s = 1.0 / p.W.shape[0]
    L, g, ok = lr.loss_and_grads_core(p, t, s, time)
    assert bool(ok)
    ad = jax.grad(lambda q: lr.loss_core(q, t, s, time, iterations=16)[0])(p)
    flat, unravel = jax.flatten_util.ravel_pytree(p)
    loss = jax.jit(lambda x: lr.loss_core(unravel(x), t, s, time)[0])
    h = 1e-6
    E = jnp.eye(flat.size)
    fd = jax.vmap(lambda e: (loss(flat + h * e) - loss(flat - h * e)) / (2 * h))(E)
    fd = unravel(fd)
    for name_ in ("W", "u", "v"):
        gi, ai, fi = (np.asarray(getattr(x, name_)) for x in (g, ad, fd))
        scale = np.max(np.abs(gi))
        assert np.max(np.abs(gi - ai)) <= 1e-6 * scale, name_
        assert np.max(np.abs(gi - fi)) <= 1e-6 * scale, name_


def test_discrete_loss_matches_truncated_sum():
    """T9: discrete-time closed form vs 1/2 sum_n (k_n - k*_n)^2, <= 1e-12 relative."""
    p = _small(2, N=8, sigma=0.5)
    rho, amp = math.exp(-0.2), 1.0
    t = Target(jnp.array([[rho]]), jnp.array([amp]), jnp.array([1.0]))
    W, u, v = (np.asarray(x) for x in (p.W, p.u, p.v))
    h, total = u.copy(), 0.0
    for n in range(600):
        total += 0.5 * (v @ h / 8 - amp * rho**n) ** 2
        h = W @ h
    L = float(lr.population_loss(p, t, time="discrete"))
    assert abs(L - total) <= 1e-12 * total
    R = np.eye(8) - rho * W  # spec §3 leaky closed form
    ref = 0.5 * (
        v @ sl.solve_discrete_lyapunov(W, np.outer(u, u)) @ v / 64
        - 2 * amp * v @ np.linalg.solve(R, u) / 8
        + amp**2 / (1 - rho**2)
    )
    assert abs(L - ref) <= 1e-12 * ref


def test_Q_conserved_under_tight_flow():
    """§4: relative drift of Q <= 1e-9 (N=8, sigma=0.3, oscillator, t=3, rtol 1e-10)."""
    p = lr.init_params(jax.random.key(3), 8, 0.3)
    ser = lr.gradient_flow(p, TARGETS["oscillator"], jnp.array([0.0, 3.0]), rtol=1e-10, atol=1e-12)
    assert ser["Q_drift"][-1] <= 1e-9
    assert ser["loss"][-1] < ser["loss"][0]


def test_gd_converges_to_flow_and_Q_drift_is_order_eta():
    """GD is explicit Euler of the flow: at fixed t=1 the error and the Q drift are O(eta)
    (halving eta halves both, ratio 2 +- 0.25)."""
    p, t = lr.init_params(jax.random.key(4), 4, 0.3), TARGETS["leaky"]
    flow = lr.gradient_flow(p, t, jnp.array([0.0, 1.0]), rtol=1e-11, atol=1e-13)
    errs, drifts = [], []
    for eta in (0.02, 0.01):
        gd = lr.gradient_descent(p, t, eta, int(round(1 / eta)))
        errs.append(np.max(np.abs(gd["W"][-1] - flow["W"][-1])))
        drifts.append(gd["Q_drift"][-1])
    for r in np.array(errs[:-1]) / np.array(errs[1:]):
        assert 1.75 <= r <= 2.25
    for r in np.array(drifts[:-1]) / np.array(drifts[1:]):
        assert 1.75 <= r <= 2.25


def test_zero_W0_stays_in_two_dim_subspace():
    """§5.1/T9: from W0=0 the network equals E M(t) E^T of the N=2, s=1 flow, <= 1e-8
    (oscillator target: the conjugate pair is born from the double eigenvalue 0)."""
    N, t = 10, TARGETS["oscillator"]
    p = lr.init_params(jax.random.key(5), N, 0.0)
    red0, E = lr.reduce_from_network(p.u, p.v)
    ts = jnp.array([0.0, 1.5, 4.0])
    full = lr.gradient_flow(p, t, ts, rtol=1e-11, atol=1e-13)
    red = lr.gradient_flow(red0, t, ts, s=1.0, rates=(1.0, 1.0, 1.0), rtol=1e-11, atol=1e-13)
    E = np.asarray(E)
    for i in range(len(ts)):
        W_red = E @ red["W"][i] @ E.T
        assert np.max(np.abs(full["W"][i] - W_red)) <= 1e-8 * max(1.0, np.max(np.abs(W_red)))
        assert np.max(np.abs(full["u"][i] - math.sqrt(N) * E @ red["u"][i])) <= 1e-8 * math.sqrt(N)
        assert np.max(np.abs(full["v"][i] - math.sqrt(N) * E @ red["v"][i])) <= 1e-8 * math.sqrt(N)
    lam_full = np.linalg.eigvals(full["W"][-1])
    lam_full = np.sort_complex(lam_full[np.argsort(-np.abs(lam_full))[:2]])
    np.testing.assert_allclose(lam_full, np.sort_complex(np.linalg.eigvals(red["W"][-1])), atol=1e-8)


def test_population_loss_raises_when_unstable():
    p = _small(6, N=4)
    bad = lr.Params(p.W + 1.2 * jnp.eye(4), p.u, p.v)
    with pytest.raises(UnstableNetworkError) as e:
        lr.population_loss(bad, TARGETS["leaky"])
    assert e.value.max_re_lambda >= 1
    with pytest.raises(UnstableNetworkError):
        lr.loss_and_grads(bad, TARGETS["leaky"])


def test_gd_crossing_the_edge_raises_with_partial_series():
    """A too-large step pushes the outlier past Re lambda = 1: raise with t = eta k, lambda, partial."""
    p = lr.Params(jnp.diag(jnp.array([0.9, 0.0, 0.0, 0.0])), jnp.array([2.0, 0, 0, 0]), jnp.array([2.0, 0, 0, 0]))
    t = make_target("leaky", c_star=0.02, amp=3.0)
    with pytest.raises(UnstableNetworkError) as e:
        lr.gradient_descent(p, t, eta=0.5, n_steps=20, save_every=1)
    err = e.value
    assert err.t > 0 and err.max_re_lambda >= 1 and "step" in str(err)
    assert len(err.partial["ts"]) >= 1 and np.all(np.isfinite(err.partial["loss"]))
    assert np.all(err.partial["max_re"] < 1)


def test_diffrax_rejects_non_finite_vector_field():
    """Pin the installed diffrax: a NaN vector field rejects the step (the state never becomes
    NaN; the controller shrinks the step until max_steps, reported as failure)."""
    f = lambda t, y, a: jnp.where(y < 1.0, 1.0, jnp.nan)
    sol = ode.solve(f, jnp.asarray(0.0), None, jnp.array([0.0, 0.5, 2.0]), max_steps=300)
    assert not bool(sol.ok)
    ys = np.asarray(sol.ys)
    assert ys[1] == pytest.approx(0.5, abs=1e-12)
    assert np.all(ys[np.isfinite(ys)] <= 1.0)


def test_margin_event_fires_and_flow_guard_raises():
    """The margin event stops a drift W(t) = W0 + t I at 1 - max Re lambda = 1e-6; gradient
    *ascent* (negative rates) runs into the edge and the driver raises with a partial series."""
    p = _small(7, N=4, sigma=0.3)
    lam0 = lr.max_re_eig(p.W)
    drift = lambda t, q, a: lr.Params(jnp.eye(4), jnp.zeros(4), jnp.zeros(4))
    sol = ode.solve(drift, p, (None, None, None, "continuous"), jnp.array([0.0, 2.0]), event=stability_event())
    assert bool(sol.event)
    # no root finding: the solve stops at the end of the step in which the margin crossed 1e-6
    t_cross = 1 - 1e-6 - lam0
    assert t_cross - 1e-9 <= float(sol.t_stop) < 2.0
    assert lr.max_re_eig(sol.y_stop.W) >= 1 - 1e-6 - 1e-12
    with pytest.raises(UnstableNetworkError) as e:
        lr.gradient_flow(p, TARGETS["leaky"], jnp.linspace(0.0, 5.0, 11), rates=(-1.0, -4.0, -4.0), max_steps=300)
    assert e.value.max_re_lambda > 0.999 and len(e.value.partial["ts"]) >= 1


def test_flow_draws_equal_single_flows():
    """gradient_flow_draws (one compiled computation over a leading draw axis) gives every draw the
    series of its own gradient_flow call; a draw that runs into the edge is named in the error."""
    keys = jax.random.split(jax.random.key(21), 3)
    P = jax.vmap(lambda k: lr.init_params(k, 6, 0.4))(keys)
    ts = jnp.linspace(0.0, 3.0, 7)
    outs = lr.gradient_flow_draws(P, TARGETS["oscillator"], ts, n_eigs=6)
    assert len(outs) == 3
    for j, out in enumerate(outs):
        one = lr.gradient_flow(jax.tree.map(lambda x: x[j], P), TARGETS["oscillator"], ts, n_eigs=6)
        for name in ("loss", "eig_top", "W", "u", "v"):
            np.testing.assert_allclose(out[name], one[name], rtol=1e-12, atol=1e-14)
    with pytest.raises(UnstableNetworkError, match="draw 0 of 3"):
        lr.gradient_flow_draws(P, TARGETS["leaky"], jnp.linspace(0.0, 5.0, 11), rates=(-1.0, -4.0, -4.0), max_steps=300)
    with pytest.raises(ValueError, match="leading draw axis"):
        lr.gradient_flow_draws(_small(), TARGETS["leaky"], ts)


def test_readout_only_matches_flow():
    """Exact eigenbasis solution vs the matrix exponential of v' = -(Gv - g), G = P/N,
    g = R^{-1}u (SciPy Bartels-Stewart and expm: an independent route)."""
    N, p, t = 12, lr.init_params(jax.random.key(8), 12, 0.6), TARGETS["leaky"]
    ts = jnp.array([0.0, 1.0, 10.0, 100.0])
    ex = lr.readout_only(p, t, ts)
    W, u, v0 = (np.asarray(x) for x in (p.W, p.u, p.v))
    G = sl.solve_continuous_lyapunov(W - np.eye(N), -np.outer(u, u)) / N
    g = np.linalg.solve((1 + 0.3) * np.eye(N) - W, u)
    vstar = np.linalg.solve(G, g)
    ref = np.stack([vstar + sl.expm(-G * float(s)) @ (v0 - vstar) for s in ts])
    np.testing.assert_allclose(ex["v"], ref, atol=1e-7 * np.max(np.abs(ref)))
    assert np.all(np.diff(ex["loss"]) < 0)


def test_bptt_sgd_tracks_population_gd():
    """Sampled-noise BPTT (dt=0.05) follows closed-form GD: O(dt) bias plus sampling noise, so
    only a loose check (population loss after 10 steps within 25% of GD's, both decreasing)."""
    p, t = lr.init_params(jax.random.key(9), 8, 0.3), make_target("leaky", c_star=0.5)
    b = lr.bptt_sgd(jax.random.key(10), p, t, dt=0.05, batch=32, window=10.0, burn_in=5.0, eta=0.02, n_steps=10)
    g = lr.gradient_descent(p, t, 0.02, 10)
    assert b["loss"][-1] < b["loss"][0]
    assert abs(b["loss"][-1] - g["loss"][-1]) <= 0.25 * (g["loss"][0] - g["loss"][-1])


@pytest.mark.parametrize(
    "bad",
    [
        dict(n_steps=5, save_every=2),
        dict(save_every=0),
        dict(eta=0.0),
        dict(eta=-0.1),
        dict(n_steps=0),
        dict(dt=0.0),
        dict(batch=0),
        dict(window=0.0),
    ],
)
def test_bptt_sgd_and_gd_validate_the_schedule(bad):
    """bptt_sgd validates like gradient_descent (one-line ValueError naming the value); no silent
    truncation of n_steps to a multiple of save_every."""
    p, t = _small(N=4), make_target("leaky", c_star=0.5)
    kw = dict(dt=0.1, batch=2, window=1.0, burn_in=1.0, eta=0.02, n_steps=4, save_every=2) | bad
    name = next(iter(bad))
    with pytest.raises(ValueError) as e:
        lr.bptt_sgd(jax.random.key(0), p, t, **kw)
    assert len(str(e.value).splitlines()) == 1 and f"{name}=" in str(e.value)
    if name in ("n_steps", "save_every", "eta"):
        with pytest.raises(ValueError) as e2:
            lr.gradient_descent(p, t, kw["eta"], kw["n_steps"], save_every=kw["save_every"])
        assert str(e2.value) == str(e.value)


def test_bptt_sgd_reuses_its_compilation():
    """Repeated calls with the same shapes and static arguments run the cached chunk (seeds are cheap)."""
    from numerics.integrator import _train as lrt

    p, t = _small(N=4), make_target("leaky", c_star=0.5)
    kw = dict(dt=0.1, batch=3, window=2.0, burn_in=1.0, eta=0.02, n_steps=4, save_every=2)
    lr.bptt_sgd(jax.random.key(0), p, t, **kw)
    size = lrt._bptt_chunk._cache_size()
    outs = [lr.bptt_sgd(jax.random.key(k), p, t, **(kw | {"eta": 0.02 * k})) for k in range(1, 4)]
    assert lrt._bptt_chunk._cache_size() == size  # eta is traced: no new compilation
    assert len(outs[0]["ts"]) == 3 and not np.allclose(outs[0]["W"][-1], outs[1]["W"][-1])


def test_spec_T2_top_eigenvalue():
    """Spec T2 (N=100, sigma=0.1, c*=0.2 raw, mean-field, flow): single-draw tolerances
    +-0.015/0.006/0.003 about 0.760/0.784/0.7995 at t=2/6/20."""
    p = lr.init_params(jax.random.key(0), 100, 0.1)
    ser = lr.gradient_flow(p, make_target("leaky", c_star=0.2), jnp.array([0.0, 2.0, 6.0, 20.0]), keep_W=False)
    top = ser["eig_top"][1:, 0]
    assert np.all(np.abs(top.imag) < 1e-12)
    np.testing.assert_array_less(np.abs(top.real - np.array([0.760, 0.784, 0.7995])), [0.015, 0.006, 0.003])
    assert np.all(np.abs(ser["eig_top"][-1, 1:]) <= 0.12)
