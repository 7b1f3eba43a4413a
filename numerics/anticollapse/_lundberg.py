r"""Numeric Lundberg roots: Φ code-generated from `theory.anticollapse`, bracketed
on a θ grid, refined by `optimistix.root_find` (bisection).

[§4][anticollapse-s4]–§5 (Livi, arXiv:2606.29519; toolkit's formulation). The positive root β of
$\Phi(\beta)=0$ is the spectral exponent; $\Phi'(0)\ge0$ means runaway; no
sign change on $(0,\theta_\infty]$ means collapse ($\theta_\infty=\infty$,
Φ < 0 throughout: c1) or forcing-limited (finite $\theta_\infty$, β pinned there: d1).

| code name | symbol |
|---|---|
| `phi` | $\Phi(\theta)$ / $\Phi_d(\theta)$ |
| `theta_inf` | $\theta_\infty$ |
| `beta` | $\beta$ |
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

from numerics.core import jax_function
from theory import anticollapse as th

__all__ = [
    "FAMILIES",
    "phi_function",
    "theta_inf",
    "RootResult",
    "lundberg_root",
    "PHASES",
    "BETA_RES",
    "OPERATIONAL_PHASES",
]

FAMILIES: tuple[str, ...] = tuple(th.families())
PHASES: tuple[str, ...] = ("runaway", "collapsed", "extended", "forcing_limited")
_GL_X, _GL_W0 = np.polynomial.legendre.leggauss(96)
_GL_T, _GL_W = 0.5 * (_GL_X + 1.0), 0.5 * _GL_W0  # Gauss–Legendre on [0, 1]


@functools.cache
def phi_function(family: str) -> Callable[..., jax.Array]:
    """`phi(theta, *params)` for a family (params in `theory.anticollapse.Family` order).

    Closed forms go through `numerics.core.jax_function` (the family's
    overflow-safe `numeric` form where it has one); the truncated-stable
    integral is Gauss–Legendre quadrature (96 nodes) of the code-generated smooth
    integrand on t ∈ [0, 1]."""
    if family not in th.families():
        raise ValueError(f"family={family!r}; allowed: {', '.join(FAMILIES)}")
    fam = th.families()[family]
    theta = th.SYM.theta
    if fam.integrand is None:
        expr = fam.numeric if fam.numeric is not None else fam.phi
        return jax_function(expr, [theta, *fam.params], name=f"phi_{family}")
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
    """Right end of the interval where Φ is finite (`inf` if unbounded)."""
    fam = th.families()[family]
    val = fam.theta_inf.subs(dict(zip(fam.params, params)))
    return math.inf if val == sp.oo else float(val)


#: docs: anticollapse §4 (c3), *toolkit default*: an `extended` point with β above this is reported as
#: operationally collapsed (its power law is unresolvable in the lag window).
BETA_RES: float = 3.0
#: Labels of :meth:`RootResult.operational_phase`: :data:`PHASES` plus the c3 label.
OPERATIONAL_PHASES: tuple[str, ...] = PHASES + ("operationally_collapsed",)


class RootResult(NamedTuple):
    """Lundberg root and process phase ([§4][anticollapse-s4] labels).

    `beta` and `phase` are the mathematical answer (the root of Φ and the theorem's
    label); `operational_phase` applies the formulation's c3 reporting rule on top."""

    beta: float
    phase: str
    dphi0: float

    def operational_phase(self, beta_res: float = BETA_RES) -> str:
        r"""[§4][anticollapse-s4] (c3): `extended` with $\beta>\beta_{\mathrm{res}}$ (default 3, *toolkit
        default*) is reported as `operationally_collapsed`; every other phase unchanged."""
        return "operationally_collapsed" if self.phase == "extended" and self.beta > beta_res else self.phase


def lundberg_root(
    family: str,
    params: Sequence[float],
    *,
    theta_max: float = 1e4,
    theta_limit: float = 1e15,
    n_grid: int = 400,
    rtol: float = 1e-12,
) -> RootResult:
    r"""Positive root of Φ for `family` at `params`.

    1. $\Phi'(0)$ (SymPy limit, code-generated); ≥ 0 ⇒ `runaway` (β = NaN).
    2. Bracket, first pass: Φ on a geometric grid of `n_grid` points in
       $(0,\min(\theta_\infty,\theta_{\max})]$; the first sign change (− → +) brackets β.
    3. Bracket, adaptive extension when the first pass finds none: Φ at
       $\theta_{\max}2^k$, k = 1, 2, …, up to $\min(\theta_\infty,\theta_{\mathrm{limit}})$
       (the last point clipped to it). Φ is convex with Φ(0) = 0, so if it is still negative
       but increasing between the last two points $\theta_1<\theta_2$, a root exists
       and lies below the secant's zero $\theta_2-\Phi(\theta_2)(\theta_2-\theta_1)/
       (\Phi(\theta_2)-\Phi(\theta_1))$ (a convex function lies above its secant extended to the
       right), which closes the bracket (used when `theta_limit` < θ∞; the secant's zero
       is clipped to θ∞).
    4. No bracket: `forcing_limited` with β = θ∞ if θ∞ ≤ `theta_limit` is finite; else
       `collapsed` (β = ∞): Φ < 0 and non-increasing up to `theta_limit`, so any root
       would exceed `theta_limit` (default 1e15, far beyond any resolvable β; *toolkit
       default*).
    5. `optimistix.root_find` with `optimistix.Bisection` on the bracket.

    Φ is evaluated in the overflow-safe form of the family (`Family.numeric` where
    given); a non-finite value (NaN included) is read as +∞, the overflow of a positive
    term (e.g. $e^{\theta y}$ of the truncated-stable integrand, or the pole at
    θ∞ of the Bernoulli–Exp family).

    The returned `phase` is the mathematical label; `RootResult.operational_phase`
    applies the c3 rule (β > β_res reported as operationally collapsed)."""
    p = tuple(jnp.asarray(v, dtype=jnp.float64) for v in params)
    fam = th.families()[family]
    if len(p) != len(fam.params):
        raise ValueError(f"{family} takes {len(fam.params)} parameters {[str(s) for s in fam.params]}; got {len(p)}")
    if not 0 < theta_max <= theta_limit:
        raise ValueError(f"theta_max={theta_max}, theta_limit={theta_limit}; need 0 < theta_max <= theta_limit")
    dphi0 = float(_dphi0_function(family)(*p))
    if dphi0 >= 0:
        return RootResult(float("nan"), "runaway", dphi0)
    tinf = theta_inf(family, params)
    top = min(tinf, theta_max)
    bracket = _first_sign_change(family, np.geomspace(1e-6 * max(top, 1.0), top, n_grid), p, lo0=0.0)
    end = min(tinf, theta_limit)
    if bracket is None and end > top:
        n_ext = int(math.ceil(math.log2(end / top)))
        chain = np.minimum(top * 2.0 ** np.arange(0, n_ext + 1), end)
        bracket = _first_sign_change(family, chain, p, lo0=top)
        if bracket is None and end < tinf:  # θ_limit reached inside the finiteness interval
            (t1, t2), (f1, f2) = chain[-2:], _phi_values(family, chain[-2:], p)
            if f2 > f1 and np.isfinite(f1) and np.isfinite(f2):
                hi = min(t2 - f2 * (t2 - t1) / (f2 - f1), tinf)
                bracket = _first_sign_change(family, np.array([t2, hi]), p, lo0=t2)
    if bracket is None:
        if math.isfinite(tinf) and tinf <= theta_limit:
            return RootResult(tinf, "forcing_limited", dphi0)
        return RootResult(math.inf, "collapsed", dphi0)
    lo, hi, exact = bracket
    if exact:
        return RootResult(float(hi), "extended", dphi0)
    root = _bisect(family, rtol)(jnp.asarray(lo), jnp.asarray(hi), p)
    return RootResult(float(root), "extended", dphi0)


def _phi_values(family: str, grid: np.ndarray, p: tuple) -> np.ndarray:
    """Φ on `grid`; non-finite values read as +∞ (see `lundberg_root`)."""
    vals = np.asarray(_grid_eval(family)(jnp.asarray(grid, dtype=jnp.float64), p))
    return np.where(np.isfinite(vals), vals, np.inf)


def _first_sign_change(family: str, grid: np.ndarray, p: tuple, *, lo0: float) -> tuple[float, float, bool] | None:
    """`(lo, hi, exact)` around the first grid point with Φ ≥ 0 (`lo0` left of the
    first point; `exact` when Φ = 0 there), or `None`."""
    vals = _phi_values(family, grid, p)
    pos = np.nonzero(vals >= 0)[0]
    if pos.size == 0:
        return None
    i = int(pos[0])
    return (float(grid[i - 1]) if i > 0 else lo0), float(grid[i]), bool(vals[i] == 0.0)


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
        sol = optx.root_find(
            lambda x, args: phi(x, *args),
            solver,
            0.5 * (lo + hi),
            p,
            options=dict(lower=lo, upper=hi),
            max_steps=400,
            throw=False,
        )
        return sol.value

    return run
