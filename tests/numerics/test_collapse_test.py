"""The collapse tests: the authors' envelope rule and the calibrated tail test."""

import math

import jax
import numpy as np
import pytest
from scipy import stats

from numerics.anticollapse.estimators._collapse_test import (
    AUTHORS_LAGS,
    authors_rule,
    authors_rule_tau,
    calibrated_test,
    seed_vote,
    tail_k,
)


def _pareto(rng, beta, shape, tau0=4.0):
    return tau0 * (1.0 - rng.uniform(size=shape)) ** (-1.0 / beta)


def test_authors_lags():
    assert AUTHORS_LAGS.size == 128 and AUTHORS_LAGS[0] == 4 and AUTHORS_LAGS[-1] == 384
    assert np.all(AUTHORS_LAGS == np.floor(np.linspace(4, 384, 128)))


def test_tail_k():
    assert [tail_k(H) for H in (9, 32, 128, 2048)] == [8, 8, 32, 512]
    assert tail_k(5) == 4


@pytest.mark.parametrize("H,beta", [(32, 3.0), (64, 1.0), (128, 3.0)])
def test_hill_chi2_calibration_exact_pareto(H, beta):
    """2 beta S ~ chi2_2k exactly on Pareto samples: the p-values of Test A at beta_res = beta are
    uniform, so its rejection rate at 2.5 % is 2.5 % within Monte Carlo error."""
    rng = np.random.default_rng(11)
    R = 4000
    res = calibrated_test(_pareto(rng, beta, (R, H)), jax.random.key(0), beta_res=beta, n_boot=100)
    k = tail_k(H)
    assert res.k == k
    ks = stats.kstest(res.p_tail, "uniform")
    assert ks.pvalue > 1e-3, ks
    rate = np.mean(res.p_tail < 0.025)
    assert abs(rate - 0.025) < 4 * math.sqrt(0.025 * 0.975 / R)
    # shape test (max ratio) is pivotal: same level for any beta
    assert abs(np.mean(res.shape_reject) - 0.025) < 4 * math.sqrt(0.025 * 0.975 / R)


def test_combined_level_and_power_small():
    rng = np.random.default_rng(5)
    R, H = 1000, 64
    null = calibrated_test(_pareto(rng, 1.0, (R, H)), jax.random.key(1), n_boot=200)
    assert np.mean(null.label == "collapsed") <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / R)
    single = calibrated_test(200 * np.exp(0.1 * rng.standard_normal((200, H))), jax.random.key(2), n_boot=200)
    assert np.mean(single.label == "collapsed") > 0.95


def test_single_spectrum_and_sublabels():
    rng = np.random.default_rng(3)
    tau = _pareto(rng, 0.5, 2048)
    r = calibrated_test(tau, jax.random.key(0), n_boot=100)
    assert r.label in ("extended", "unresolved") and r.k == 512
    r2 = calibrated_test(_pareto(rng, 2.0, 4096) * 10, jax.random.key(0), n_boot=100)
    assert r2.label == "extended" and r2.sublabel == "concentrated"
    assert r2.beta_lo < 2.0 < r2.beta_hi


def test_censoring():
    """Non-finite or beyond-horizon units are right-censored: Test A uses min(E, L) by Monte Carlo, the
    shape test does not reject, and more than k censored units make the tail unresolved."""
    rng = np.random.default_rng(7)
    H = 64
    tau = _pareto(rng, 1.0, H)
    cut = np.where(tau > 200.0, np.nan, tau)
    r = calibrated_test(cut, jax.random.key(0), tau_censor=200.0, n_boot=100)
    assert r.n_censored == int(np.sum(tau > 200.0)) and r.n_censored > 0
    assert not r.shape_reject
    assert r.label != "collapsed"  # tau > 200 from a Pareto(1): heavy tail, never shown light
    # censoring at c: the same answer whether the unit is NaN, inf or a value beyond c
    r_inf = calibrated_test(np.where(tau > 200.0, np.inf, tau), jax.random.key(0), tau_censor=200.0, n_boot=100)
    r_big = calibrated_test(tau, jax.random.key(0), tau_censor=200.0, n_boot=100)
    assert r_inf.p_tail == r.p_tail == r_big.p_tail
    # Monte Carlo p-value under censoring is calibrated: Pareto(3) censored at its 90 % point
    R = 400
    t3 = _pareto(rng, 3.0, (R, H))
    c3 = 4.0 * 10 ** (1 / 3)
    rr = calibrated_test(t3, jax.random.key(4), tau_censor=c3, n_boot=50, n_mc=500)
    assert np.mean(rr.p_tail < 0.025) < 0.025 + 4 * math.sqrt(0.025 / R)
    # more than k units censored: the tail is beyond reach
    many = np.concatenate([np.full(40, np.nan), np.full(24, 100.0)])
    rm = calibrated_test(many, jax.random.key(0), n_boot=50)
    assert rm.label == "unresolved"


def test_seed_vote():
    # Binomial(5, 0.05): P(X >= 1) = 0.226, P(X >= 2) = 0.0226 -> critical count 2
    assert seed_vote(["collapsed", "extended", "extended", "extended", "extended"]) == ("extended", 1, 2)
    assert seed_vote(["collapsed", "collapsed", "unresolved", "extended", "extended"])[0] == "collapsed"
    # one seed: P(X >= 1) = 0.05 <= 0.05 -> a single collapsed seed decides
    assert seed_vote(["collapsed"]) == ("collapsed", 1, 1)
    for n in (3, 10, 40):
        _, _, c = seed_vote(["extended"] * n)
        assert stats.binom.sf(c - 1, n, 0.05) <= 0.05 < stats.binom.sf(c - 2, n, 0.05)
    with pytest.raises(ValueError):
        seed_vote([])


def test_authors_rule_runs_test_decides():
    """An exact Pareto mixture envelope passes conditions 1-3 and is labelled collapsed by the runs
    test alone; a noisy version of the same envelope (random residual signs) passes it."""
    rng = np.random.default_rng(0)
    tau = _pareto(rng, 1.0, 512)
    v = authors_rule_tau(tau)
    assert v.winner in ("power", "tempered") and v.window_beta > 0.10 and v.n_window >= 8
    assert v.label == "collapsed" and v.reason == "runs" and v.runs_p < 0.05
    f = np.exp(-AUTHORS_LAGS[:, None] / tau[None, :]).mean(axis=1)
    assert authors_rule(f) == v
    # a pure power law: residuals ~ 0 (<= 1e-10) -> runs test skipped, window exists
    pure = authors_rule(AUTHORS_LAGS**-0.7)
    assert pure.label == "extended" and pure.runs_p == 1.0 and pure.winner in ("power", "tempered")
    # a pure exponential: collapsed by the AIC winner
    ex = authors_rule(np.exp(-AUTHORS_LAGS / 30.0))
    assert ex.label == "collapsed" and ex.winner == "exponential"
    # small multiplicative noise on a pure power law: random residual signs, and the runs test passes
    noisy = AUTHORS_LAGS**-0.7 * np.exp(0.01 * np.random.default_rng(2).standard_normal(AUTHORS_LAGS.size))
    nv = authors_rule(noisy)
    assert nv.label == "extended" and 0.05 < nv.runs_p < 1.0
