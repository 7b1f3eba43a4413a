r"""Numeric Lundberg roots: Φ code-generated from :mod:`theory.anticollapse`, bracketed
on a θ grid, refined by :func:`optimistix.root_find` (bisection).

Spec §4–§5 (Livi, arXiv:2606.29519; toolkit's formulation). The positive root β of
:math:`\Phi(\beta)=0` is the spectral exponent; :math:`\Phi'(0)\ge0` means runaway; no
sign change on :math:`(0,\theta_\infty]` means collapse (:math:`\theta_\infty=\infty`,
Φ < 0 throughout: c1) or forcing-limited (finite :math:`\theta_\infty`, β pinned there: d1).

| code name | symbol |
|---|---|
| ``phi`` | :math:`\Phi(\theta)` / :math:`\Phi_d(\theta)` |
| ``theta_inf`` | :math:`\theta_\infty` |
| ``beta`` | :math:`\beta` |
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import sympy as sp

import numerics  # noqa: F401
from numerics.codegen import jax_function
from theory import anticollapse as th

__all__ = ["FAMILIES", "phi_function", "theta_inf", "RootResult", "lundberg_root", "PHASES"]

FAMILIES: tuple[str, ...] = tuple(th.families())
PHASES: tuple[str, ...] = ("runaway", "collapsed", "extended", "forcing_limited")
_GL_X, _GL_W0 = np.polynomial.legendre.leggauss(96)
_GL_T, _GL_W = 0.5 * (_GL_X + 1.0), 0.5 * _GL_W0  # Gauss–Legendre on [0, 1]


@functools.cache
def phi_function(family: str) -> Callable[..., jax.Array]:
    """``phi(theta, *params)`` for a family (params in :class:`theory.anticollapse.Family` order).

    Closed forms go through :func:`numerics.codegen.jax_function`; the truncated-stable
    integral is Gauss–Legendre quadrature (96 nodes) of the code-generated smooth
    integrand on t ∈ [0, 1]."""
    if family not in th.families():
        raise ValueError(f"family={family!r}; allowed: {', '.join(FAMILIES)}")
    fam = th.families()[family]
    theta = th.SYM.theta
    if fam.integrand is None:
        return jax_function(fam.phi, [theta, *fam.params], name=f"phi_{family}")
    t = sp.Symbol("t", positive=True)
    g = jax_function(fam.integrand, [t, theta, *fam.params], name=f"phi_{family}_integrand")
    kappa_index = 0
    nodes, weights = jnp.asarray(_GL_T), jnp.asarray(_GL_W)

    def phi(theta_v, *params):
        vals = jax.vmap(lambda tt: g(tt, theta_v, *params))(nodes)
        return -params[kappa_index] * theta_v + jnp.sum(weights * vals)

    phi.__name__ = f"phi_{family}"
    return phi


@functools.cache
def _dphi0_function(family: str) -> Callable[..., jax.Array]:
    fam = th.families()[family]
    return jax_function(fam.dphi0, list(fam.params), name=f"dphi0_{family}")


def theta_inf(family: str, params: Sequence[float]) -> float:
    """Right end of the interval where Φ is finite (``inf`` if unbounded)."""
    fam = th.families()[family]
    val = fam.theta_inf.subs(dict(zip(fam.params, params)))
    return math.inf if val == sp.oo else float(val)


class RootResult(NamedTuple):
    """Lundberg root and process phase (spec §4 labels)."""

    beta: float
    phase: str
    dphi0: float


def lundberg_root(
    family: str,
    params: Sequence[float],
    *,
    theta_max: float = 1e4,
    n_grid: int = 400,
    rtol: float = 1e-12,
) -> RootResult:
    r"""Positive root of Φ for ``family`` at ``params``.

    1. :math:`\Phi'(0)` (SymPy limit, code-generated); ≥ 0 ⇒ ``runaway`` (β = NaN).
    2. Bracket: Φ on a geometric θ grid in :math:`(0,\min(\theta_\infty,\theta_{\max})]`;
       the first sign change (− → +) brackets β. None: ``forcing_limited`` with
       β = θ∞ if θ∞ is finite, else ``collapsed`` (β = ∞).
    3. ``optimistix.root_find`` with :class:`optimistix.Bisection` on the bracket."""
    p = tuple(jnp.asarray(v, dtype=jnp.float64) for v in params)
    fam = th.families()[family]
    if len(p) != len(fam.params):
        raise ValueError(f"{family} takes {len(fam.params)} parameters {[str(s) for s in fam.params]}; got {len(p)}")
    dphi0 = float(_dphi0_function(family)(*p))
    if dphi0 >= 0:
        return RootResult(float("nan"), "runaway", dphi0)
    tinf = theta_inf(family, params)
    top = min(tinf, theta_max)
    grid = np.geomspace(1e-6 * max(top, 1.0), top, n_grid)
    vals = np.asarray(_grid_eval(family)(jnp.asarray(grid), p))
    vals = np.where(np.isnan(vals), np.inf, vals)
    pos = np.nonzero(vals >= 0)[0]
    if pos.size == 0:
        return RootResult(tinf if math.isfinite(tinf) else math.inf,
                          "forcing_limited" if math.isfinite(tinf) else "collapsed", dphi0)
    i = int(pos[0])
    if vals[i] == 0.0:
        return RootResult(float(grid[i]), "extended", dphi0)
    lo = grid[i - 1] if i > 0 else 0.0
    hi = grid[i]
    root = _bisect(family, rtol)(jnp.asarray(lo), jnp.asarray(hi), p)
    return RootResult(float(root), "extended", dphi0)


@functools.cache
def _grid_eval(family: str):
    phi = phi_function(family)
    return jax.jit(lambda grid, p: jax.vmap(lambda x: phi(x, *p))(grid))


@functools.cache
def _bisect(family: str, rtol: float):
    phi = phi_function(family)
    solver = optx.Bisection(rtol=rtol, atol=1e-14)

    @jax.jit
    def run(lo, hi, p):
        sol = optx.root_find(lambda x, args: phi(x, *args), solver, 0.5 * (lo + hi), p,
                             options=dict(lower=lo, upper=hi), max_steps=400, throw=False)
        return sol.value

    return run
