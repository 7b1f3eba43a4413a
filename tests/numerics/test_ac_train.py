"""Task, optimizer step, slow-row injection, arm constraints and the training driver."""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from numerics.anticollapse import (
    FULL_LAGS,
    SMOKE_LAGS,
    _diag_rnn as dl,
    _train as at,
    lag_coefficients,
    make_task,
    sample_lags,
)


def test_task_constants_and_target():
    assert len(SMOKE_LAGS) == 10 and len(FULL_LAGS) == 16
    c = lag_coefficients(16)
    assert c[0] == 0.6 and c[-1] == pytest.approx(0.6 * 0.85**15) and abs(c[-1] - 0.052) < 1e-3
    task = make_task(jax.random.key(0), 120, noise=0.0)
    x, y = task.batch(jax.random.key(1), jnp.arange(3))
    z = np.asarray(x @ task.u)
    ref = np.zeros_like(z)
    for k, lag in enumerate(SMOKE_LAGS):
        ref[:, lag:] += float(task.coeffs[k]) * z[:, : 120 - lag]
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    assert abs(float(jnp.linalg.norm(task.u)) - 1.0) < 1e-12
    # sequence i depends only on (key, i)
    x2, _ = task.batch(jax.random.key(1), jnp.array([2, 0]))
    np.testing.assert_array_equal(x2[1], x[0])


def test_sample_lags():
    lags = sample_lags(jax.random.key(3), 10, 8, 256, 0.8)
    assert len(lags) == 10 and list(lags) == sorted(set(lags)) and 8 <= lags[0] and lags[-1] <= 256
    assert sample_lags(jax.random.key(3), 10, 8, 256, 0.8) == lags
    with pytest.raises(ValueError):
        sample_lags(jax.random.key(3), 300, 8, 256, 0.8)


def test_injection_rows_scale_and_gaussian_arm():
    p = dl.init_diag_lrnn(jax.random.key(0), 400, 16)
    upd = jax.tree.map(lambda v: 1e-3 * jax.random.normal(jax.random.key(1), v.shape), p)
    mask = jax.tree.map(lambda _: True, p)
    rows = jnp.arange(0, 400, 2)
    inj = jax.jit(lambda arm: at.inject(p, upd, mask, rows, arm, jax.random.key(2)))
    out = inj(at.make_arm("gauss"))
    d = np.asarray(out.b - p.b)
    assert np.all(d[1::2] == 0.0)  # only the slow rows move
    rms = float(jnp.sqrt(jnp.mean(upd.b[rows] ** 2)))
    z = d[::2].ravel() / rms  # alpha = 2: S_2(1,0,0) = N(0, 2), taper negligible
    se = 2.0 * math.sqrt(2.0 / z.size)
    assert abs(z.var() - 2.0) < 4 * se
    off = inj(at.Arm())
    np.testing.assert_array_equal(off.b, p.b)
    heavy = inj(at.make_arm("alpha1.2"))
    assert float(jnp.max(jnp.abs(heavy.b - p.b))) <= 100.0 * rms * (1 + 1e-12)  # soft taper bound


def test_pull_clamp_and_far_left_rows():
    p = dl.DiagLRNN(jnp.log(1.0 / jnp.array([10.0, 50.0, 500.0])), jnp.zeros((3, 2)), jnp.zeros(3))
    pulled = at._diag_constrain(p, at.make_arm("pull"))
    np.testing.assert_allclose(pulled.nu - p.nu, [0.0, 2e-3, 2e-3])  # only tau > tau_b = 20
    clamped = at._diag_constrain(p, at.make_arm("clamp", tau_c=100.0))
    np.testing.assert_allclose(np.exp(-clamped.nu), [10.0, 50.0, 100.0])
    np.testing.assert_array_equal(at.far_left_rows(jnp.array([0.3, -2.0, 1.0, -1.0]), 0.5), [1, 3])


def _tiny(arms, steps=6, H=12, T=40, B=4, n=8):
    task = make_task(jax.random.key(0), T)
    data = task.batch(jax.random.key(1), jnp.arange(n))
    cfg = at.TrainConfig(batch=B)
    p0 = dl.init_diag_lrnn(jax.random.key(2), H, 16)
    states = at.stack_runs([at.init_state(p0, cfg, jax.random.key(3 + i)) for i in range(len(arms))])
    perm = jnp.stack([jax.random.key(9)] * len(arms))
    diagnose = lambda pp, aa: {"zeta": np.asarray(jax.vmap(dl.effective_nu)(pp, aa.shared))}
    h = at.train(at.diag_model(), cfg, data, states, at.stack_runs(arms), perm, [0, steps // 2, steps], diagnose)
    return h, data, cfg, p0


def test_first_step_is_the_optax_step_and_records_are_increments():
    arms = [at.Arm(), at.make_arm("shared")]
    h, (X, Y), cfg, p0 = _tiny(arms, steps=2)
    perm = jax.random.permutation(jax.random.fold_in(jax.random.key(9), 0), X.shape[0])
    idx = perm[: cfg.batch]
    opt = at.make_optimizer(cfg)

    @jax.jit
    def step(p):
        _, g = dl.loss_and_grad(p, X[idx], Y[idx])
        u, _ = opt.update(g, opt.init(p), p)
        return optax.apply_updates(p, u)

    p1 = step(p0)
    assert h.zeta.shape == (2, 3, 12) and h.dzeta.shape == (2, 2, 2) and h.loss.shape == (2, 2)
    rows = np.argsort(np.asarray(p0.nu), kind="stable")[:2]
    np.testing.assert_allclose(h.dzeta[0, 0], np.asarray(p1.nu)[rows] - np.asarray(p0.nu)[rows], rtol=1e-10, atol=1e-15)
    assert float(np.ptp(h.zeta[1, -1])) == 0.0  # shared nu stays a point spectrum under injection


def test_gated_constgate_envelope_and_rows():
    m = at.init_gated(jax.random.key(0), "const", 8, 16)
    task = make_task(jax.random.key(1), 60)
    x, _ = task.batch(jax.random.key(2), jnp.arange(2))
    lags = jnp.array([4, 10, 30, 50])
    out = jax.jit(at.gated_transport)(m, x, lags, jnp.array([0, 5, 10]))
    np.testing.assert_allclose(out["f0"], 0.995 ** np.asarray(lags), rtol=1e-12)
    mask = at._gated_rows(at.init_gated(jax.random.key(0), "diag", 8, 16))
    assert mask.cell.W_r and mask.cell.W_rg and mask.cell.b_g and not mask.w_o
    mask_s = at._gated_rows(at.init_gated(jax.random.key(0), "shared", 8, 16))
    assert mask_s.cell.W_r and not mask_s.cell.W_rg


def test_suppress_gradients_winsorise_and_clip():
    k = jax.random.split(jax.random.key(4), 3)
    g = dl.DiagLRNN(jax.random.cauchy(k[0], (50,)), jax.random.cauchy(k[1], (50, 4)), jax.random.normal(k[2], (50,)))
    same = at.suppress_gradients(g, jnp.inf, 100.0)
    for a, b in zip(jax.tree.leaves(same), jax.tree.leaves(g)):
        np.testing.assert_array_equal(a, b)  # the unsuppressed setting is an exact no-op
    w = at.suppress_gradients(g, jnp.inf, 80.0)
    for a, b in zip(jax.tree.leaves(w), jax.tree.leaves(g)):
        c = np.percentile(np.abs(np.asarray(b)), 80.0)
        small = np.abs(np.asarray(b)) <= c
        np.testing.assert_array_equal(np.asarray(a)[small], np.asarray(b)[small])
        np.testing.assert_allclose(np.abs(np.asarray(a)[~small]), c, rtol=1e-12)
    cl = at.suppress_gradients(g, 0.01, 100.0)
    assert float(optax.tree.norm(cl)) == pytest.approx(0.01, rel=1e-12)
    np.testing.assert_allclose(cl.b / 0.01, g.b / float(optax.tree.norm(g)), rtol=1e-12)
    both = jax.jit(jax.vmap(lambda c_, w_: at.suppress_gradients(g, c_, w_)))(
        jnp.array([0.01, jnp.inf]), jnp.array([100.0, 80.0])
    )
    np.testing.assert_allclose(both.b[0], cl.b, rtol=1e-12)
    np.testing.assert_allclose(both.b[1], w.b, rtol=1e-12)


def test_warm_start_continues_the_run_exactly():
    """Train 0→8 in one call vs 0→4, then a warm start from History.state (start_step=4, suppression
    stage compiled in at its no-op setting): the same computation, so final parameters agree to round-off."""
    task = make_task(jax.random.key(0), 40)
    data = task.batch(jax.random.key(1), jnp.arange(8))
    cfg = at.TrainConfig(batch=4, injection=False)
    p0 = dl.init_diag_lrnn(jax.random.key(2), 12, 16)
    one = lambda t: at.stack_runs([t])  # noqa: E731
    diagnose = lambda pp, aa: {"zeta": np.asarray(jax.vmap(dl.effective_nu)(pp, aa.shared))}  # noqa: E731
    st0, arm, perm = one(at.init_state(p0, cfg, jax.random.key(3))), one(at.Arm()), jnp.stack([jax.random.key(9)])
    full = at.train(at.diag_model(), cfg, data, st0, arm, perm, [0, 4, 8], diagnose)
    half = at.train(at.diag_model(), cfg, data, st0, arm, perm, [0, 4], diagnose)
    rest = at.train(
        at.diag_model(),
        dataclasses.replace(cfg, suppression=True),
        data,
        half.state,
        arm,
        perm,
        [4, 8],
        diagnose,
        start_step=4,
    )
    assert int(rest.state.step[0]) == 8 and rest.dzeta.shape == (1, 4, 2)
    for a, b in zip(jax.tree.leaves(rest.params), jax.tree.leaves(full.params)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rest.dzeta[0], full.dzeta[0, 4:], rtol=1e-10, atol=1e-15)
    with pytest.raises(ValueError):
        at.train(at.diag_model(), cfg, data, half.state, arm, perm, [2, 8], diagnose, start_step=4)


def test_micro_batched_gradient_equals_the_full_batch():
    task = make_task(jax.random.key(0), 30)
    x, y = task.batch(jax.random.key(1), jnp.arange(12))
    m = at.init_gated(jax.random.key(2), "diag", 6, 16)
    model = at.gated_model("diag")
    assert (
        at.TrainConfig(batch=12, micro_batch=5).micro_batches() == 3 and at.TrainConfig(batch=12).micro_batches() == 1
    )
    full = jax.jit(lambda p: at._batch_loss_and_grad(model, p, at.Arm(), x, y, 1))(m)
    acc = jax.jit(lambda p: at._batch_loss_and_grad(model, p, at.Arm(), x, y, 3))(m)
    for a, b in zip(jax.tree.leaves(acc), jax.tree.leaves(full)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_adam_has_no_weight_decay_and_adamw_does():
    """Spec §8.5 trains the diagonal RNN with Adam (no decay; §6: decoupled wd on a log-rate is a
    non-saturating pull). A zero gradient leaves ν unchanged under Adam; AdamW moves it by -lr·wd·ν."""
    p = {"nu": jnp.full((3,), -math.log(200.0))}
    g = jax.tree.map(jnp.zeros_like, p)
    for name, expect in (("adam", 0.0), ("adamw", -1e-3 * 1e-4 * -math.log(200.0))):
        opt = at.make_optimizer(at.TrainConfig(optimizer=name))
        u, _ = opt.update(g, opt.init(p), p)
        np.testing.assert_allclose(np.asarray(u["nu"]), expect, rtol=1e-12, atol=1e-300)
    with pytest.raises(ValueError):
        at.TrainConfig(optimizer="rmsprop")
