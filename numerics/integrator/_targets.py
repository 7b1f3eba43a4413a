r"""State-space targets $k_\star(\tau)=c_s^\top e^{A_s\tau}b_s$ for the integrator study.

the [integrator formulation][integrator-formulation] §2 (targets table). A target is the triple $(A_s,b_s,c_s)$
with $A_s$ Hurwitz; the filtered noise is
$y_\star(t)=\int_0^\infty k_\star(\tau)x(t-\tau)d\tau$.

| `kind` | $k_\star(\tau)$ | $(A_s,b_s,c_s)$ |
|---|---|---|
| `'leaky'` | $A_\star e^{-c_\star\tau}$ | $([-c_\star],[A_\star],[1])$ |
| `'oscillator'` | $A_\star e^{-c_\star\tau}\cos\omega_\star\tau$ | $\big(\begin{smallmatrix}-c_\star&-\omega_\star\\ \omega_\star&-c_\star\end{smallmatrix}\big),[A_\star,0],[1,0]$ (`phase='sin'`: $c_s=[0,1]$) |
| `'sum_exp'` | $\sum_iw_ie^{-c_i\tau}$ | $(\mathrm{diag}(-c_i),w,\mathbf 1)$ |

Normalisation `norm='raw'` keeps $A_\star=1$ (or the given weights);
`norm='unit'` rescales $b_s$ so that the stationary target variance
$c_s^\top P_sc_s=\int_0^\infty k_\star^2d\tau$ is 1 ($A_sP_s+P_sA_s^\top+b_sb_s^\top=0$),
which reproduces the table's $A_\star=\sqrt{2c_\star}$ (leaky),
$[\tfrac1{4c_\star}\pm\tfrac{c_\star}{4(c_\star^2+\omega_\star^2)}]^{-1/2}$ (oscillator, $+$ cos)
and $\sum_{ij}w_iw_j/(c_i+c_j)=1$ (sum of exponentials).

CLI strings (`parse_target`): `"exp:RATE[:AMP]"` and `"osc:RATE:FREQ[:AMP]"`;
several terms joined by `+` or `,` (or given as a list) are **summed**, i.e. block-diagonal
$A_s$, stacked $b_s,c_s$.

| code name | symbol |
|---|---|
| `As, bs, cs` | $A_s, b_s, c_s$ |
| `c_star, omega_star` | $c_\star,\omega_\star$ |
| `rates, weights` | $c_i, w_i$ |
| `amp` | $A_\star$ |
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg as sl
from jaxtyping import Array, ArrayLike, Float

from numerics.core import UsageError, require_x64

__all__ = [
    "Target",
    "make_target",
    "parse_target",
    "validate_target",
    "sum_targets",
    "normalise",
    "k_star",
    "stationary_variance",
    "target_gramian",
]


class Target(NamedTuple):
    r"""Target realisation $(A_s,b_s,c_s)$, $k_\star(\tau)=c_s^\top e^{A_s\tau}b_s$ (a pytree)."""

    As: Float[Array, "m m"]
    bs: Float[Array, " m"]
    cs: Float[Array, " m"]


def _finite_positive(name: str, x: float) -> float:
    x = float(x)
    if not math.isfinite(x) or x <= 0:
        raise UsageError(f"{name}={x!r} is not allowed; must be finite and > 0")
    return x


def _finite(name: str, x: float) -> float:
    x = float(x)
    if not math.isfinite(x):
        raise UsageError(f"{name}={x!r} is not allowed; must be finite")
    return x


def _target(As, bs, cs) -> Target:
    require_x64("_target")
    return Target(jnp.asarray(As, jnp.float64), jnp.asarray(bs, jnp.float64), jnp.asarray(cs, jnp.float64))


def target_gramian(target: Target) -> np.ndarray:
    r"""$P_s$ with $A_sP_s+P_sA_s^\top+b_sb_s^\top=0$ (host SciPy; $n_s$ is tiny)."""
    As, bs = np.asarray(target.As), np.asarray(target.bs)
    return sl.solve_continuous_lyapunov(As, -np.outer(bs, bs))


def stationary_variance(target: Target) -> float:
    r"""$\mathbb E[y_\star^2]=c_s^\top P_sc_s=\int_0^\infty k_\star(\tau)^2d\tau$."""
    cs = np.asarray(target.cs)
    return float(cs @ target_gramian(target) @ cs)


def normalise(target: Target) -> Target:
    """Rescale `bs` so that the stationary target variance is 1 (`norm='unit'`)."""
    return target._replace(bs=target.bs / math.sqrt(stationary_variance(target)))


def sum_targets(targets: Sequence[Target]) -> Target:
    r"""Sum of filters: block-diagonal $A_s$, stacked $b_s$, $c_s$."""
    if not targets:
        raise ValueError("sum_targets needs at least one target")
    As = sl.block_diag(*[np.asarray(t.As) for t in targets])
    return _target(
        As, np.concatenate([np.asarray(t.bs) for t in targets]), np.concatenate([np.asarray(t.cs) for t in targets])
    )


def make_target(
    kind: str = "leaky",
    *,
    c_star: float = 0.2,
    omega_star: float = 1.0,
    rates: Sequence[float] = (),
    weights: Sequence[float] | None = None,
    norm: str = "raw",
    phase: str = "cos",
    amp: float = 1.0,
) -> Target:
    r"""A target of the [§2][integrator-s2] table; `norm='unit'` gives stationary variance 1.

    `amp` is $A_\star$ for `'raw'` (default 1); ignored for `'unit'`.
    `'sum_exp'` uses `rates` $c_i>0$ and `weights` $w_i$ (default 1 each).
    """
    if norm not in ("raw", "unit"):
        raise UsageError(f"norm={norm!r} is not allowed; choose 'raw' or 'unit'")
    if kind == "leaky":
        c = _finite_positive("c_star", c_star)
        t = _target([[-c]], [_finite("amp", amp)], [1.0])
    elif kind == "oscillator":
        c, w = _finite_positive("c_star", c_star), _finite("omega_star", omega_star)
        if phase not in ("cos", "sin"):
            raise UsageError(f"phase={phase!r} is not allowed; choose 'cos' or 'sin'")
        cs = [1.0, 0.0] if phase == "cos" else [0.0, 1.0]
        t = _target([[-c, -w], [w, -c]], [_finite("amp", amp), 0.0], cs)
    elif kind == "sum_exp":
        if len(rates) == 0:
            raise UsageError("rates=() is not allowed; 'sum_exp' needs at least one rate > 0")
        cr = [_finite_positive(f"rates[{i}]", r) for i, r in enumerate(rates)]
        wt = [1.0] * len(cr) if weights is None else [_finite(f"weights[{i}]", w) for i, w in enumerate(weights)]
        if len(wt) != len(cr):
            raise UsageError(f"weights has {len(wt)} entries; must match rates ({len(cr)})")
        t = _target(np.diag([-r for r in cr]), wt, np.ones(len(cr)))
    else:
        raise UsageError(f"kind={kind!r} is not allowed; choose 'leaky', 'oscillator' or 'sum_exp'")
    if norm == "unit":
        if stationary_variance(t) <= 0:
            raise UsageError("norm='unit' needs a nonzero target (all amplitudes are 0)")
        t = normalise(t)
    return validate_target(t)


def _parse_term(term: str) -> Target:
    parts = term.strip().split(":")
    head, nums = parts[0].strip().lower(), parts[1:]
    try:
        vals = [float(x) for x in nums]
    except ValueError:
        raise UsageError(f"--target term {term!r}: numbers expected, e.g. 'exp:0.2' or 'osc:0.2:1.0'") from None
    shape = {"exp": ("RATE", "AMP"), "osc": ("RATE", "FREQ", "AMP")}.get(head)
    if shape is None or not len(shape) - 1 <= len(vals) <= len(shape):
        raise UsageError(
            f"--target term {term!r} is malformed; allowed: 'exp:RATE[:AMP]' or 'osc:RATE:FREQ[:AMP]' with RATE > 0, finite"
        )
    for name, x in zip(shape, vals):
        if not math.isfinite(x) or (name == "RATE" and x <= 0) or (name == "AMP" and x == 0):
            rng = {"RATE": "finite and > 0", "AMP": "finite and nonzero"}.get(name, "finite")
            raise UsageError(f"--target term {term!r}: {name}={x:g} is not allowed; {name} must be {rng}")
    amp = vals[len(shape) - 1] if len(vals) == len(shape) else 1.0
    if head == "exp":
        return make_target("leaky", c_star=vals[0], amp=amp)
    return make_target("oscillator", c_star=vals[0], omega_star=vals[1], amp=amp)


def parse_target(spec: str | Sequence[str], norm: str = "raw") -> Target:
    """Parse `--target` strings (`exp:RATE[:AMP]`, `osc:RATE:FREQ[:AMP]`); terms are summed.

    Terms may be joined by `+` or `,` or passed as a list (repeated flag).
    `norm='unit'` rescales the summed target to unit variance.
    """
    items = [spec] if isinstance(spec, str) else list(spec)
    terms = [t for s in items for t in s.replace(",", "+").split("+") if t.strip()]
    if not terms:
        raise UsageError(f"--target {spec!r} is empty; allowed: 'exp:RATE[:AMP]' or 'osc:RATE:FREQ[:AMP]'")
    t = sum_targets([_parse_term(x) for x in terms])
    if norm == "unit":
        t = normalise(t)
    elif norm != "raw":
        raise UsageError(f"norm={norm!r} is not allowed; choose 'raw' or 'unit'")
    return validate_target(t)


def validate_target(target: Target) -> Target:
    """Check shapes, finiteness and that $A_s$ is Hurwitz; raise `UsageError`."""
    As, bs, cs = (np.asarray(x) for x in target)
    m = As.shape[0] if As.ndim == 2 else -1
    if As.ndim != 2 or As.shape != (m, m) or bs.shape != (m,) or cs.shape != (m,) or m < 1:
        raise UsageError(
            f"target shapes As{As.shape}, bs{bs.shape}, cs{cs.shape} are malformed; need (m,m), (m,), (m,) with m >= 1"
        )
    if not (np.all(np.isfinite(As)) and np.all(np.isfinite(bs)) and np.all(np.isfinite(cs))):
        raise UsageError("target has non-finite entries; all of As, bs, cs must be finite")
    top = float(np.max(np.linalg.eigvals(As).real))
    if top >= 0:
        raise UsageError(f"target max Re eig(As)={top:.6g} is not allowed; must be < 0 (every RATE > 0)")
    return target


def k_star(target: Target, tau: Float[ArrayLike, "*T"]) -> Float[Array, "*T"]:
    r"""Target impulse response $k_\star(\tau)=c_s^\top e^{A_s\tau}b_s$ at lags `tau`."""
    tau = jnp.asarray(tau, jnp.float64)
    return jax.vmap(lambda s: target.cs @ jax.scipy.linalg.expm(target.As * s) @ target.bs)(jnp.ravel(tau)).reshape(
        tau.shape
    )
