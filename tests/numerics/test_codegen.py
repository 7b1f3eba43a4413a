"""The SymPy -> JAX adapter: build-time failures, shapes, float64, and autodiff agreement."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as ss
import sympy as sp

from numerics.core import CodegenError, jax_function, vector_field

x, y, c = sp.symbols("x y c")


def test_unknown_function_fails_at_build_time():
    with pytest.raises(CodegenError, match="besselj"):
        jax_function(sp.besselj(0, x), [x])


def test_missing_argument_fails_at_build_time():
    with pytest.raises(CodegenError, match="free symbols"):
        jax_function(x * c, [x])


def test_unevaluated_integral_fails_at_build_time():
    with pytest.raises(CodegenError):
        jax_function(sp.Integral(sp.exp(-x * y), (y, 0, 1)), [x])


def test_shapes_and_dtype():
    f = jax_function(sp.Matrix([[x * sp.exp(c), 1], [2, x]]), [x, c])
    out = f(1.0, 0.5)
    assert out.shape == (2, 2) and out.dtype == jnp.float64
    g = jax_function([x, x**2, sp.Integer(3)], [x])
    assert g(2.0).shape == (3,)
    assert jax.vmap(g)(jnp.arange(4.0)).shape == (4, 3)
    assert jax_function(x**2, [x])(3.0).shape == ()


@pytest.mark.parametrize(
    "expr, ref",
    [
        (sp.besseli(0, x) * sp.exp(-x), lambda v: ss.i0e(v)),
        (sp.lowergamma(sp.Rational(1, 3), x), lambda v: ss.gammainc(1 / 3, v) * ss.gamma(1 / 3)),
        (sp.uppergamma(sp.Rational(3, 2), x), lambda v: ss.gammaincc(1.5, v) * ss.gamma(1.5)),
        (sp.erf(x) + sp.loggamma(x + 1), lambda v: ss.erf(v) + ss.gammaln(v + 1)),
    ],
)
def test_special_functions_match_scipy(expr, ref):
    f = jax_function(expr, [x])
    for v in (0.3, 1.7, 4.0):
        np.testing.assert_allclose(float(f(v)), ref(v), rtol=1e-12)


def test_generated_gradient_matches_autodiff_of_plain_jax():
    """Differentiate symbolically, generate, and compare with jax.grad of plain JAX."""
    loss = sp.log(1 + x**2 * sp.exp(-c * y)) + sp.sin(x * y) ** 2
    grad = jax_function([sp.diff(loss, v) for v in (x, y, c)], [[x, y, c]])

    def plain(z):
        return jnp.log(1 + z[0] ** 2 * jnp.exp(-z[2] * z[1])) + jnp.sin(z[0] * z[1]) ** 2

    for z in (jnp.array([0.3, -1.2, 0.7]), jnp.array([2.0, 0.5, 1.5])):
        np.testing.assert_allclose(grad(z), jax.grad(plain)(z), rtol=1e-12)


def test_vector_field_matches_plain_and_vmaps():
    f = vector_field([y, -c * x - 0.1 * y], [x, y], [c])
    yv, args = jnp.array([1.0, 2.0]), jnp.array([4.0])
    np.testing.assert_allclose(f(0.0, yv, args), [2.0, -4.2], rtol=1e-14)
    assert jax.vmap(f, in_axes=(None, 0, 0))(0.0, jnp.ones((5, 2)), jnp.ones((5, 1))).shape == (5, 2)
