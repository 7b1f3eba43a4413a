"""Cayley + doubling solvers against SciPy (Bartels–Stewart) and impulse-response quadrature."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl

from numerics.core import _lyapunov as ly


def _rel(a, b):
    return np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b)


def _network(N, outlier, seed=0, sigma=0.3):
    """W = bulk of radius sigma plus a real outlier and (N >= 4) a complex pair, rescaled so
    max Re eig(W) = outlier; returns A = W - I and random u, v."""
    k1, k2, k3 = jax.random.split(jax.random.key(seed), 3)
    W = np.asarray(sigma * jax.random.normal(k1, (N, N)) / np.sqrt(N))
    u, v = np.asarray(jax.random.normal(k2, (N,))), np.asarray(jax.random.normal(k3, (N,)))
    x = u / np.linalg.norm(u)
    W = W + 0.99 * np.outer(x, x)
    if N >= 4:  # a rotation block near the edge: complex pair at about 0.9 +- 0.5i
        e = np.linalg.qr(np.asarray(jax.random.normal(k3, (N, 2))))[0]
        W = W + e @ np.array([[0.9, -0.5], [0.5, 0.9]]) @ e.T
    W = W * outlier / np.max(np.linalg.eigvals(W).real)
    return jnp.asarray(W - np.eye(N)), jnp.asarray(u), jnp.asarray(v)


@pytest.mark.parametrize("N,outlier", [(20, 0.5), (20, 0.99), (200, 0.99)])
def test_lyapunov_pair_matches_scipy(N, outlier):
    A, u, v = _network(N, outlier)
    P, Q, ok = ly.lyapunov_pair(A, u, v)
    An = np.asarray(A)
    assert bool(ok)
    assert _rel(P, sl.solve_continuous_lyapunov(An, -np.outer(u, u))) <= 1e-12
    assert _rel(Q, sl.solve_continuous_lyapunov(An.T, -np.outer(v, v))) <= 1e-12
    P1, ok1 = ly.lyapunov(A, jnp.outer(u, u))
    assert bool(ok1) and _rel(P1, np.asarray(P)) <= 1e-13


def test_lyapunov_matches_impulse_response_quadrature():
    """P = int_0^inf e^{A tau} u u^T e^{A^T tau} dtau (adaptive vector quadrature)."""
    A, u, _ = _network(8, 0.7)
    An, un = np.asarray(A), np.asarray(u)
    f = lambda t: (lambda x: np.outer(x, x))(sl.expm(An * t) @ un)
    ref, _ = si.quad_vec(f, 0, np.inf, epsabs=1e-13, epsrel=1e-12)
    P, ok = ly.lyapunov(A, jnp.outer(u, u))
    assert bool(ok) and _rel(P, ref) <= 1e-9


@pytest.mark.parametrize("method", ["kron", "eig"])
def test_cross_gramians_match_scipy(method):
    A, u, v = _network(200, 0.99)
    As = np.array([[-0.2, -1.0], [1.0, -0.2]])
    bs, cs = np.array([1.3, 0.0]), np.array([1.0, 0.4])
    X, Y = ly.cross_gramians(A, jnp.asarray(As), u, jnp.asarray(bs), v, jnp.asarray(cs), method=method)
    An = np.asarray(A)
    assert _rel(X, sl.solve_sylvester(An, As.T, -np.outer(u, bs))) <= 1e-12
    assert _rel(Y, sl.solve_sylvester(An.T, As, -np.outer(v, cs))) <= 1e-12


def test_general_sylvester_doubling():
    A, u, _ = _network(50, 0.95)
    B = jnp.asarray([[-0.3, 2.0, 0.0], [-2.0, -0.3, 0.0], [0.0, 0.0, -0.05]])
    C = jnp.outer(u, jnp.array([1.0, -0.5, 2.0]))
    X, ok = ly.sylvester(A, B, C)
    assert bool(ok) and _rel(X, sl.solve_sylvester(np.asarray(A), np.asarray(B), -np.asarray(C))) <= 1e-12


def test_stein_matches_scipy_and_discrete_cross_gramians():
    A, u, v = _network(100, 0.99)
    W = (A + jnp.eye(100)) * 0.98  # spectral radius < 1
    Wn = np.asarray(W)
    P, Q, ok = ly.stein_pair(W, u, v)
    assert bool(ok)
    assert _rel(P, sl.solve_discrete_lyapunov(Wn, np.outer(u, u))) <= 1e-12
    assert _rel(Q, sl.solve_discrete_lyapunov(Wn.T, np.outer(v, v))) <= 1e-12
    As, bs, cs = np.array([[0.8, -0.3], [0.3, 0.8]]), np.array([1.0, 0.0]), np.array([0.5, 1.0])
    X, Y = ly.discrete_cross_gramians(W, jnp.asarray(As), u, jnp.asarray(bs), v, jnp.asarray(cs))
    # X = W X As^T + u bs^T  <=>  W X (As^T) - X = -u bs^T  (Stein-Sylvester); check the residual
    assert np.linalg.norm(Wn @ np.asarray(X) @ As.T + np.outer(u, bs) - X) <= 1e-12 * np.linalg.norm(X)
    assert np.linalg.norm(Wn.T @ np.asarray(Y) @ As + np.outer(v, cs) - Y) <= 1e-12 * np.linalg.norm(Y)


def test_non_hurwitz_fails_and_jordan_block_is_harmless():
    A, u, v = _network(30, 1.02)
    assert not bool(ly.lyapunov_pair(A, u, v)[2])
    # a defective A (Jordan block at -0.3): no eigenvectors needed
    J = jnp.array([[-0.3, 1.0, 0.0], [0.0, -0.3, 1.0], [0.0, 0.0, -0.3]])
    g = jnp.array([1.0, -2.0, 0.5])
    P, ok = ly.lyapunov(J, jnp.outer(g, g))
    assert bool(ok)
    assert _rel(P, sl.solve_continuous_lyapunov(np.asarray(J), -np.outer(g, g))) <= 1e-12


@pytest.mark.parametrize("outlier", [0.5, 0.9, 0.99])
def test_doubling_count_near_edge(outlier):
    """Spec §3: about 5-11 doublings reach 1e-14 relative (Frobenius increment, the stopping rule) for
    outliers up to Re lambda(W) = 0.99 (measured 5 / 8 / 11 here), and the result matches SciPy to
    <= 3e-14 at N = 200."""
    A, u, _ = _network(200, outlier)
    G = jnp.outer(u, u)
    assert not bool(ly.lyapunov(A, G, rtol=1e-14, maxit=4)[1])  # 4 doublings never reach 1e-14
    P, ok = ly.lyapunov(A, G, rtol=1e-14, maxit=11)
    assert bool(ok)  # converged to a 1e-14 relative increment within 11 doublings
    assert _rel(P, sl.solve_continuous_lyapunov(np.asarray(A), -np.asarray(G))) <= 3e-14
