r"""Synthetic sequence tasks of the gating study ([§9][gating-s9]).

Every task maps a key to one batch `(us, y)` with `us` of shape `(batch, T, Ni)`
and a scalar target per sequence read at the last step (`y` of shape `(batch,)`).
Batches are pure functions of the key, so a training step `s` of seed `k` uses
`fold_in(key_k, s)`: fresh, reproducible data at every step ([§8][gating-s8] protocol notes).

| task | inputs | target |
|---|---|---|
| `adding` | `Ni-1` content channels $\mathcal U(0,1)$, last channel = mask marking one step in $[0,T/2)$ and one in $[T/2,T)$ | sum of the two marked channel-0 values (trivial MSE 1/6) |
| `recall` | as adding, $K=5$ distinct marks in the first third | sum of the marked channel-0 values |
| `sinmix` | two sinusoids (frequencies $\mathcal U[1,7]$ cycles per sequence, random phases), other channels $\mathcal N(0,0.1^2)$ | $(\bar s_1^{\mathrm{late}}-\bar s_1^{\mathrm{early}})+(\bar s_2^{\mathrm{early}}-\bar s_2^{\mathrm{late}})$, quarters |
| `short` | content $\mathcal U(0,1)$, mask channel 0 | sum of channel 0 over the last 6 steps |
| `movingavg` | content $\mathcal U(0,1)$, mask channel 0 | mean of channel 0 over the last 8 steps |
| `delaysum` | content $\mathcal U(0,1)$, mask channel 0 | $\frac14\sum_{d\in\{4,12,24,36\}}u_{T-1-d}$ |
| `ar2` | channel 0 carries $\xi_t\sim\mathcal N(0,0.05^2)$, others 0 | $z_T$, $z_t=1.6z_{t-1}-0.7z_{t-2}+\xi_t$ (predictable from the inputs) |
| `narma10` | channel 0 $u_t\sim\mathcal U(0,0.5)$, others 0 | $y_T$, NARMA-10 recursion |
| `narma20` | as narma10 | $y_T$, NARMA-20 recursion |

Indices are 0-based: the sequence is $u_0,\dots,u_{T-1}$; "the last step" is
$T-1$. NARMA starts from $y=0$ with $u_{t<0}=0$; its target is the value
$y_T$ produced by the recursion after the last input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = ["TASKS", "sample", "min_length", "trivial_mse"]

Batch = tuple[Float[Array, "B T Ni"], Float[Array, " B"]]


def _content(key, batch, T, Ni):
    """`Ni-1` content channels U(0,1) and a zero mask channel (the last one)."""
    u = jax.random.uniform(key, (batch, T, Ni - 1))
    return jnp.concatenate([u, jnp.zeros((batch, T, 1))], axis=-1)


def _adding(key, batch, T, Ni):
    k1, k2, k3 = jax.random.split(key, 3)
    us = _content(k1, batch, T, Ni)
    half = T // 2
    p1 = jax.random.randint(k2, (batch,), 0, half)
    p2 = jax.random.randint(k3, (batch,), half, T)
    mask = jax.nn.one_hot(p1, T) + jax.nn.one_hot(p2, T)
    us = us.at[:, :, -1].set(mask)
    return us, jnp.sum(mask * us[:, :, 0], axis=1)


def _recall(key, batch, T, Ni, K=5):
    k1, k2 = jax.random.split(key)
    us = _content(k1, batch, T, Ni)
    third = T // 3
    pos = jax.vmap(lambda k: jax.random.choice(k, third, (K,), replace=False))(jax.random.split(k2, batch))
    mask = jnp.sum(jax.nn.one_hot(pos, T), axis=1)
    us = us.at[:, :, -1].set(mask)
    return us, jnp.sum(mask * us[:, :, 0], axis=1)


def _sinmix(key, batch, T, Ni):
    k1, k2, k3 = jax.random.split(key, 3)
    freq = jax.random.uniform(k1, (batch, 2), minval=1.0, maxval=7.0)
    phase = jax.random.uniform(k2, (batch, 2), maxval=2 * jnp.pi)
    t = jnp.arange(T) / T
    s = jnp.sin(2 * jnp.pi * freq[:, None, :] * t[None, :, None] + phase[:, None, :])
    noise = 0.1 * jax.random.normal(k3, (batch, T, Ni - 2))
    us = jnp.concatenate([s, noise], axis=-1)
    q = max(T // 4, 1)
    early, late = jnp.mean(s[:, :q], axis=1), jnp.mean(s[:, -q:], axis=1)
    return us, (late[:, 0] - early[:, 0]) + (early[:, 1] - late[:, 1])


def _window(weights: dict[int, float]):
    """Target = sum_d w_d u_{T-1-d} on channel 0 of content inputs."""

    def task(key, batch, T, Ni):
        us = _content(key, batch, T, Ni)
        y = sum(w * us[:, T - 1 - d, 0] for d, w in weights.items())
        return us, y

    return task


def _ar2(key, batch, T, Ni):
    xi = 0.05 * jax.random.normal(key, (batch, T))

    def body(carry, x):
        z1, z2 = carry
        z = 1.6 * z1 - 0.7 * z2 + x
        return (z, z1), z

    zs = jax.lax.scan(body, (jnp.zeros(batch), jnp.zeros(batch)), xi.T)[1]
    us = jnp.zeros((batch, T, Ni)).at[:, :, 0].set(xi)
    return us, zs[-1]


#: NARMA sequences whose recursion leaves `|y_t| <= NARMA_BOUND` are redrawn (toolkit convention).
NARMA_BOUND = 10.0
#: Redraws per diverged NARMA sequence (keys `fold_in(key, 1..NARMA_REDRAWS)`).
NARMA_REDRAWS = 3


def _narma(order: int, a: float, b: float, c: float, d: float):
    r"""$y_{t+1}=a y_t+b y_t\sum_{i<\text{order}}y_{t-i}+c u_{t-\text{order}+1}u_t+d$.

    The recursion is unstable for rare input sequences: at $T=120$, 1 of 12,800
    NARMA-10 sequences ran to infinity (none at $T=60$), and a single non-finite target
    turns every later parameter of a training run into NaN. A sequence whose $|y_t|$
    exceeds `NARMA_BOUND` at any step (the bounded sequences stay below about 2.5) is
    therefore replaced by the first bounded one of `NARMA_REDRAWS` redraws (rejection
    sampling, i.e. the task conditioned on a bounded recursion; a toolkit convention, the spec
    does not say). Batches with no diverged sequence are unchanged by this rule."""

    def recursion(u):  # u: (n, T) -> (y_T, bounded) per row
        n = u.shape[0]
        upad = jnp.concatenate([jnp.zeros((n, order - 1)), u], axis=1)

        def body(carry, t):  # hist: (n, order), hist[:, 0] = y_t, hist[:, i] = y_{t-i}
            hist, peak = carry
            y = hist[:, 0]
            ynew = a * y + b * y * jnp.sum(hist, axis=1) + c * upad[:, t] * upad[:, t + order - 1] + d
            peak = jnp.maximum(peak, jnp.where(jnp.isfinite(ynew), jnp.abs(ynew), jnp.inf))
            return (jnp.concatenate([ynew[:, None], hist[:, :-1]], axis=1), peak), None

        hist, peak = jax.lax.scan(body, (jnp.zeros((n, order)), jnp.zeros(n)), jnp.arange(u.shape[1]))[0]
        return hist[:, 0], peak <= NARMA_BOUND

    def task(key, batch, T, Ni):
        keys = [key] + [jax.random.fold_in(key, i) for i in range(1, NARMA_REDRAWS + 1)]
        u = jnp.stack([jax.random.uniform(k, (batch, T), maxval=0.5) for k in keys])  # (R+1, batch, T)
        y, ok = (x.reshape(len(keys), batch) for x in recursion(u.reshape(-1, T)))  # one scan for all draws
        pick = jnp.argmax(ok, axis=0)  # first bounded draw per sequence (0 if none is bounded)
        u = jnp.take_along_axis(u, pick[None, :, None], axis=0)[0]
        us = jnp.zeros((batch, T, Ni)).at[:, :, 0].set(u)
        return us, jnp.take_along_axis(y, pick[None, :], axis=0)[0]

    return task


_IMPL: dict[str, Callable[..., Batch]] = {
    "adding": _adding,
    "recall": _recall,
    "sinmix": _sinmix,
    "short": _window({d: 1.0 for d in range(6)}),
    "movingavg": _window({d: 1.0 / 8 for d in range(8)}),
    "delaysum": _window({d: 0.25 for d in (4, 12, 24, 36)}),
    "ar2": _ar2,
    "narma10": _narma(10, 0.3, 0.05, 1.5, 0.1),
    "narma20": _narma(20, 0.1, 0.04, 1.5, 0.2),
}

#: Task names, in the spec's order.
TASKS: tuple[str, ...] = tuple(_IMPL)

_MIN_T = {
    "adding": 2,
    "recall": 15,
    "sinmix": 4,
    "short": 6,
    "movingavg": 8,
    "delaysum": 37,
    "ar2": 2,
    "narma10": 10,
    "narma20": 20,
}
_MIN_NI = {"adding": 2, "recall": 2, "sinmix": 2}


def min_length(task: str) -> int:
    """Shortest sequence length the task is defined for."""
    return _MIN_T[task]


def trivial_mse(task: str) -> float | None:
    """MSE of the best constant predictor where it is known in closed form (adding: 1/6)."""
    return {"adding": 1.0 / 6.0}.get(task)


@functools.partial(jax.jit, static_argnames=("task", "batch", "T", "Ni"))
def sample(key: jax.Array, task: str, batch: int, T: int, Ni: int) -> Batch:
    """One batch `(us (batch, T, Ni), y (batch,))` of `task` from `key`."""
    if task not in _IMPL:
        raise ValueError(f"task={task!r} is not allowed; allowed: {', '.join(TASKS)}")
    if T < _MIN_T[task] or Ni < _MIN_NI.get(task, 1):
        raise ValueError(
            f"task {task!r} needs T >= {_MIN_T[task]} and Ni >= {_MIN_NI.get(task, 1)}; got T={T}, Ni={Ni}"
        )
    return _IMPL[task](key, batch, T, Ni)
