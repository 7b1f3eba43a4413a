"""Anisotropy metrics, power fits and lag medians on cases with known answers."""

import jax.numpy as jnp
import numpy as np

from numerics.gating import anisotropy, fit_power, gradient_anisotropy, lag_medians, local_power


def test_anisotropy_known_spectrum_and_underflow():
    sv = jnp.array([[4.0, 2.0, 1.0, 1.0], [1e-200, 1e-201, 1e-202, 1e-203]])
    ai, ce, under = anisotropy(sv, r=2)
    np.testing.assert_allclose(ai[0], 2.0)
    np.testing.assert_allclose(ce[0], 20.0 / 22.0)
    assert bool(under[1]) and np.isnan(ai[1]) and np.isnan(ce[1])  # never CE = 0


def test_gradient_anisotropy_rank_one_and_constant_columns():
    rng = np.random.default_rng(0)
    v = rng.normal(size=30)
    G = np.outer(rng.normal(size=12), v) + 1e-9 * rng.normal(size=(12, 30))
    G[:, 5] = 3.0  # constant column: dropped after centring
    ai, ce, sv = gradient_anisotropy(jnp.asarray(G), r=3)
    assert float(ce) > 0.999 and float(ai) > 1e3


def test_fit_power_and_local_power():
    P = np.geomspace(1e-6, 1, 200)
    s, r2, n = fit_power(3.0 * P**0.45, P)
    np.testing.assert_allclose([s, r2], [0.45, 1.0], atol=1e-12)
    np.testing.assert_allclose(local_power(np.array([1.0, 0.25]), np.array([1.0, 0.0625])), [np.nan, 0.5])


def test_lag_medians_masks_invalid():
    vals = np.array([[[1.0, 5.0, 9.0], [2.0, 100.0, 3.0]]])
    valid = np.array([[[True, True, True], [True, False, True]]])
    np.testing.assert_allclose(lag_medians(vals, valid), [5.0, 2.5])


def test_masked_median_and_fit_power_equal_the_numpy_versions():
    """The device forms give NumPy's numbers: medians exactly (even and odd counts, empty rows -> NaN),
    the fitted power to rounding; a wrong mask or quantile rule would change them."""
    from numerics.gating import masked_fit_power, masked_median

    rng = np.random.default_rng(3)
    vals = rng.lognormal(size=(3, 7, 9))
    valid = rng.random((3, 7, 9)) < 0.6
    valid[:, 2] = False  # an empty lag
    valid[:, 3] = False
    valid[0, 3, :4] = True  # an even count
    got = np.asarray(masked_median(jnp.asarray(vals), jnp.asarray(valid), 1))
    want = lag_medians(vals, valid)
    assert np.isnan(got[2]) and np.isnan(want[2])
    np.testing.assert_array_equal(got, want)
    vals3 = rng.normal(size=(3, 7, 9, 4))
    v3 = np.broadcast_to(valid[..., None], vals3.shape)
    got3 = np.asarray(masked_median(jnp.asarray(vals3), jnp.asarray(valid[..., None]), 1))
    want3 = [np.median(x[m]) if m.any() else np.nan for x, m in zip(np.moveaxis(vals3, 1, 0), np.moveaxis(v3, 1, 0))]
    np.testing.assert_array_equal(got3, want3)
    P = rng.lognormal(size=(3, 7, 9))
    S = 2.0 * P**0.7 * rng.lognormal(sigma=0.1, size=P.shape)
    S[0, 0, 0] = -1.0  # non-positive: excluded by both
    s, r2, k = masked_fit_power(jnp.asarray(S), jnp.asarray(P), jnp.asarray(valid))
    s0, r20, k0 = fit_power(S[valid], P[valid])
    assert int(k) == k0 and k0 < valid.sum()  # the quantile cut removed pairs
    np.testing.assert_allclose([float(s), float(r2)], [s0, r20], rtol=1e-12)
    none = masked_fit_power(jnp.asarray(S), jnp.asarray(P), jnp.zeros_like(jnp.asarray(valid)))
    assert np.isnan(float(none[0])) and np.isnan(float(none[1]))
