"""Batched Golub–Kahan singular values (numerics.core._bidiagonal) against LAPACK's SVD."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.core import (
    bidiagonalize,
    default_sv_method,
    golub_kahan,
    singular_values,
    top_from_golub_kahan,
    top_singular_value_gk,
)


def _graded(key, n, smallest):
    """U diag(logspace(0, smallest)) V^T with Haar-like U, V (known singular values)."""
    k1, k2 = jax.random.split(key)
    U = jnp.linalg.qr(jax.random.normal(k1, (n, n)))[0]
    V = jnp.linalg.qr(jax.random.normal(k2, (n, n)))[0]
    s = jnp.logspace(0.0, smallest, n)
    return (U * s) @ V.T, s


def test_bidiagonal_form_keeps_singular_values():
    M = jax.random.normal(jax.random.key(0), (2, 3, 9, 9))
    d, e = bidiagonalize(M)
    assert d.shape == (2, 3, 9) and e.shape == (2, 3, 8)
    B = jax.vmap(jax.vmap(lambda dd, ee: jnp.diag(dd) + jnp.diag(ee, 1)))(d, e)
    sv = np.linalg.svd(np.asarray(M), compute_uv=False)
    np.testing.assert_allclose(np.linalg.svd(np.asarray(B), compute_uv=False), sv, atol=1e-13 * sv.max())


@pytest.mark.parametrize("shape", [(40, 64, 64), (5, 7, 7), (3, 10, 4), (3, 4, 10), (2, 5, 1), (2, 1, 5), (2, 2, 2)])
def test_singular_values_match_lapack(shape):
    M = jax.random.normal(jax.random.key(1), shape)
    sv = np.linalg.svd(np.asarray(M), compute_uv=False)
    gk = np.asarray(jax.jit(lambda m: singular_values(m, "gk"))(M))
    # absolute error O(n eps) sigma_1, the accuracy of LAPACK's own SVD
    np.testing.assert_allclose(gk, sv, rtol=0, atol=64 * max(shape) * 2.2e-16 * sv.max())
    np.testing.assert_allclose(top_singular_value_gk(M) if shape[1] == shape[2] else sv[:, 0], sv[:, 0], rtol=1e-13)


def test_small_singular_values_keep_their_digits():
    """A graded spectrum down to 1e-12 sigma_1: the Gram route would lose every value below
    ~1e-8; Golub–Kahan keeps absolute accuracy ~eps sigma_1, so AI = sigma_1/sigma_10 of a
    product with AI ~ 1e6 has ~1e-9 relative error."""
    M, s = _graded(jax.random.key(2), 64, -12.0)
    gk = np.asarray(singular_values(M[None], "gk")[0])
    assert np.max(np.abs(gk - s)) < 1e-14
    np.testing.assert_allclose(gk[0] / gk[9], s[0] / s[9], rtol=1e-12)
    M, s = _graded(jax.random.key(3), 64, -24.0)  # sigma_10 ~ 2e-4 of sigma_1 ... down to 1e-24
    gk = np.asarray(singular_values(M[None], "gk")[0])
    np.testing.assert_allclose(gk[0] / gk[9], s[0] / s[9], rtol=1e-10)


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_scaling_and_zero(scale):
    M = jax.random.normal(jax.random.key(4), (3, 6, 6))
    sv = np.linalg.svd(np.asarray(M), compute_uv=False)
    np.testing.assert_allclose(np.asarray(singular_values(scale * M, "gk")) / scale, sv, rtol=0, atol=1e-13 * sv.max())
    np.testing.assert_array_equal(singular_values(jnp.zeros((2, 5, 5)), "gk"), 0.0)
    np.testing.assert_array_equal(top_singular_value_gk(jnp.zeros((2, 5, 5))), 0.0)


def test_split_form_and_methods():
    M = jax.random.normal(jax.random.key(5), (4, 8, 8))
    np.testing.assert_allclose(
        top_from_golub_kahan(*golub_kahan(M)), np.linalg.norm(np.asarray(M), 2, axis=(1, 2)), rtol=1e-13
    )
    assert default_sv_method() == ("svd" if jax.default_backend() == "cpu" else "gk")
    np.testing.assert_allclose(singular_values(M), np.linalg.svd(np.asarray(M), compute_uv=False), rtol=1e-12)
    with pytest.raises(ValueError, match="method='qr' is not allowed"):
        singular_values(M, "qr")
    with pytest.raises(ValueError, match="square"):
        bidiagonalize(jnp.zeros((3, 4)))
