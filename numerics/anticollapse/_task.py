r"""Heavy-tailed-lag regression task of the anti-collapse network experiments ([§8.3][anticollapse-s8-3]).

Livi, arXiv:2606.29519. A scalar target is a sum of delayed projections of a
Gaussian input stream,

$$
y_t=\sum_{k=0}^{K-1}c_k\,u^\top x_{t-\ell_k}+\varepsilon_t,\qquad
x_t\sim\mathcal N(0,I_D),\ u\sim\mathrm{Unif}(S^{D-1}),\
\varepsilon_t\sim\mathcal N(0,\sigma_\varepsilon^2),\ c_k=0.6\cdot0.85^{k},
$$
with the lags $\ell_0<\dots<\ell_{K-1}$ sorted (coefficient 0.6 at the shortest
lag). Inputs before the sequence start are zero (`pre_sequence="zero"`, toolkit
default) or drawn from the same law (`"burn_in"`).

| code name | symbol | meaning |
|---|---|---|
| `lags` | $\ell_k$ | fixed lag list (`SMOKE_LAGS`, `FULL_LAGS`) |
| `coeffs` | $c_k$ | $0.6\cdot0.85^k$ in sorted-lag order |
| `u` | $u$ | unit read-in direction |
| `D` | $D$ | input dimension (16) |
| `noise` | $\sigma_\varepsilon$ | target noise sd (0.3) |

The two lag lists are fixed constants of the formulation; `sample_lags` (a truncated
Pareto, $P(L>l)\propto l^{-\text{index}}$ on `[lo, hi]`; round, dedupe, sort)
serves *new* draws only and never regenerates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = ["SMOKE_LAGS", "FULL_LAGS", "lag_coefficients", "sample_lags", "lagged_sum", "Task", "make_task"]

SMOKE_LAGS: tuple[int, ...] = (9, 10, 13, 18, 23, 30, 37, 62, 90, 106)
"""[§8.3][anticollapse-s8-3] smoke list: K = 10 drawn on [8, 256] with index 0.8 (fixed constant)."""

FULL_LAGS: tuple[int, ...] = (8, 9, 10, 11, 12, 15, 23, 24, 26, 32, 45, 60, 115, 183, 224, 626)
"""[§8.3][anticollapse-s8-3] full list: K = 16 drawn on [8, 640] with index 0.6 (fixed constant)."""


def lag_coefficients(K: int, c0: float = 0.6, decay: float = 0.85) -> np.ndarray:
    r"""$c_k=c_0\,\text{decay}^k$, $k=0..K-1$ (sorted-lag order)."""
    if K < 1:
        raise ValueError(f"K={K} is out of range; allowed: K >= 1")
    return c0 * decay ** np.arange(K, dtype=np.float64)


def sample_lags(key: Array, K: int, lo: float, hi: float, index: float, *, max_rounds: int = 64) -> tuple[int, ...]:
    r"""`K` distinct integer lags from a truncated Pareto on `[lo, hi]`.

    Inverse CDF of $P(L>l)=(l^{-a}-h^{-a})/(l_0^{-a}-h^{-a})$:
    $L=\big(l_0^{-a}-U(l_0^{-a}-h^{-a})\big)^{-1/a}$, rounded; duplicates are
    dropped and fresh draws (new subkeys) fill the list; the result is sorted.
    """
    if not (index > 0 and 1 <= lo < hi):
        raise ValueError(f"need index > 0 and 1 <= lo < hi; got index={index}, lo={lo}, hi={hi}")
    if K > int(np.floor(hi) - np.ceil(lo) + 1):
        raise ValueError(f"K={K} is out of range; allowed: K <= number of integers in [{lo}, {hi}]")
    a = float(index)
    found: list[int] = []
    for _ in range(max_rounds):
        key, sub = jax.random.split(key)
        u = np.asarray(jax.random.uniform(sub, (2 * K,), dtype=jnp.float64))
        draws = (lo**-a - u * (lo**-a - hi**-a)) ** (-1.0 / a)
        for lag in np.clip(np.rint(draws), np.ceil(lo), np.floor(hi)).astype(int).tolist():
            if lag not in found and len(found) < K:
                found.append(lag)
        if len(found) == K:
            return tuple(sorted(found))
    raise ValueError(f"could not draw K={K} distinct lags in {max_rounds} rounds")


@dataclass(frozen=True)
class Task:
    r"""The law of the task (no data): target direction, lags, coefficients, sizes.

    Sequence `i` of a data set with key `key` is a pure function of
    `fold_in(key, i)` (`batch`), so a data set of any size is defined without
    being stored: training draws its minibatches by index, as from a fixed set of
    `n_train` sequences.
    """

    u: Float[Array, " D"]
    lags: tuple[int, ...]
    coeffs: Float[Array, " K"]
    T: int
    noise: float = 0.3
    pre_sequence: str = "zero"

    @property
    def D(self) -> int:
        return int(self.u.shape[0])

    def sequence(self, key: Array) -> tuple[Float[Array, "T D"], Float[Array, " T"]]:
        """One sequence `(x, y)` from its own key."""
        return _sequence(self.u, self.coeffs, key, self.lags, self.T, self.noise, self.pre_sequence)

    def batch(self, key: Array, idx: Array) -> tuple[Float[Array, "B T D"], Float[Array, "B T"]]:
        """Sequences with indices `idx` of the data set `key`: `x` (B, T, D), `y` (B, T)."""
        return _batch(self.u, self.coeffs, key, jnp.asarray(idx), self.lags, self.T, self.noise, self.pre_sequence)


def _sequence(u, coeffs, key, lags, T, noise, pre_sequence):
    kx, ke = jax.random.split(key)
    burn = max(lags) if pre_sequence == "burn_in" else 0
    x = jax.random.normal(kx, (T + burn, u.shape[0]))
    y = lagged_sum((x @ u)[None], lags, coeffs)[0, burn:]
    return x[burn:], y + noise * jax.random.normal(ke, (T,))


@partial(jax.jit, static_argnums=(4, 5, 6, 7))
def _batch(u, coeffs, key, idx, lags, T, noise, pre_sequence):
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(idx)
    return jax.vmap(lambda k: _sequence(u, coeffs, k, lags, T, noise, pre_sequence))(keys)


def lagged_sum(z: Float[Array, "n T"], lags: tuple[int, ...], coeffs: Float[Array, " K"]) -> Float[Array, "n T"]:
    r"""$\sum_k c_k z_{t-\ell_k}$ with $z_{t<0}=0$: static slices of a left-padded copy
    (no loop over time, no scatter)."""
    T = z.shape[1]
    m = max(lags)
    zp = jnp.pad(z, ((0, 0), (m, 0)))
    return sum(coeffs[k] * zp[:, m - lag : m - lag + T] for k, lag in enumerate(lags))


def make_task(
    key: Array,
    T: int,
    *,
    lags: tuple[int, ...] = SMOKE_LAGS,
    D: int = 16,
    noise: float = 0.3,
    pre_sequence: str = "zero",
) -> Task:
    """The task law with `u` drawn uniformly on $S^{D-1}$ from `key`.

    `pre_sequence="burn_in"` draws `max(lags)` extra leading inputs per sequence
    and drops them (the target then sees them); `"zero"` (default) treats inputs
    before the start as zero.
    """
    if T < 1 or D < 1:
        raise ValueError(f"need T, D >= 1; got T={T}, D={D}")
    if not noise >= 0:
        raise ValueError(f"noise={noise} is out of range; allowed: noise >= 0")
    if pre_sequence not in ("zero", "burn_in"):
        raise ValueError(f"pre_sequence={pre_sequence!r}; allowed: 'zero', 'burn_in'")
    lags = tuple(int(v) for v in lags)
    if not lags or sorted(set(lags)) != list(lags) or min(lags) < 0:
        raise ValueError(f"lags={lags} must be distinct sorted non-negative integers")
    g = jax.random.normal(key, (D,))
    coeffs = jnp.asarray(lag_coefficients(len(lags)))
    return Task(g / jnp.linalg.norm(g), lags, coeffs, int(T), float(noise), pre_sequence)
