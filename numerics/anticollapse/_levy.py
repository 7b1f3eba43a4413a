r"""Symmetric α-stable samples for the anti-collapse Monte Carlo and the injected forcing.

One sampler, `stable_symmetric` (Chambers–Mallows–Stuck), used by the process Monte Carlo
(`numerics.anticollapse.simulate` and friends), by the α-stable injection arms of network
training and by the matched-n calibration of the tail-index estimator α̂
([§7.9][anticollapse-s7-9]). Pure in its `jax.random` key.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

__all__ = ["stable_symmetric"]


def stable_symmetric(key: PRNGKeyArray, alpha: float | Float[Array, ""], shape: tuple[int, ...]) -> Float[Array, ...]:
    r"""Symmetric α-stable $S_\alpha(1,0,0)$ samples by Chambers–Mallows–Stuck:
    $U\sim\mathcal U(-\pi/2,\pi/2)$, $W\sim\mathrm{Exp}(1)$,
    $X=\frac{\sin\alpha U}{(\cos U)^{1/\alpha}}\big(\frac{\cos((1-\alpha)U)}{W}\big)^{(1-\alpha)/\alpha}$
    (α = 2 gives $\mathcal N(0,2)$, α = 1 Cauchy)."""
    ku, kw = jax.random.split(key)
    u = jax.random.uniform(ku, shape, minval=-jnp.pi / 2, maxval=jnp.pi / 2)
    w = jax.random.exponential(kw, shape)
    a = jnp.asarray(alpha, dtype=jnp.float64)
    return (jnp.sin(a * u) / jnp.cos(u) ** (1.0 / a)) * (jnp.cos((1.0 - a) * u) / w) ** ((1.0 - a) / a)
