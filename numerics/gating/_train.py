r"""Training gated RNNs with optax inside `lax.scan`, one compiled run mapped over seeds.

the [gating formulation][gating-formulation] §2 and §8. The model is a `numerics.gating.Cell` with a
linear readout of the last state, $\hat y=W_ox_T$, trained on the MSE of one
scalar target per sequence. One call of `train_seeds` trains every seed of one
(model, optimizer, task) arm with ONE compiled executable: the seeds are a run axis (see
**Runs**) and the steps a `lax.scan`; parameters are captured *before* the update at each
checkpoint step (and after the last update for a checkpoint equal to `steps`).

| code name | symbol | meaning |
|---|---|---|
| `W_o` | $W_o$ | readout, shape `(N,)` |
| `lr` | $\eta$ | global step size (SGD or Adam) |
| `steps`, `batch`, `T` | | iterations, batch size, sequence length |
| `checkpoints` | | steps at which parameters are probed |

Training batches are drawn from `fold_in(key, step)`: fresh at every step, a pure
function of the seed ([§8][gating-s8] protocol notes). Each step's loss and gradient come from
`numerics.gating.loss_and_grad`, an explicit backward pass through time equal to
autodiff of `loss` to float64 rounding (`grad="autodiff"` uses JAX's).

**Runs.** `runs="map"` (default) maps one compiled run over the runs with
`numerics.core.run_map`: on a CPU the runs are walked one after another, in this
process (`workers=1`) or in `workers` processes (0 = one per core); on an
accelerator the runs are vmapped. `runs="vmap"` is always the vmapped form. On a CPU, vmapping 64x64 matrix
products over runs gains nothing (measured 1.0x to 0.75x per run: batched small products
and the per-run weight-gradient accumulations run slower than one run's).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, Int

from numerics.core import run_map
from numerics.gating._bptt import loss_and_grad
from numerics.gating._cells import Model, init_cell, rollout
from numerics.gating._tasks import sample

__all__ = [
    "Arm",
    "init_model",
    "predict",
    "loss",
    "make_optimizer",
    "train_seeds",
    "frozen_zero",
    "sample_switch",
    "GRADS",
]

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam")
RUNS: tuple[str, ...] = ("map", "vmap")
GRADS: tuple[str, ...] = ("bptt", "autodiff")


@dataclass(frozen=True)
class Arm:
    """One training arm: cell kind, optimizer and step size (e.g. vector + SGD, lr 1e-2)."""

    kind: str
    optimizer: str
    lr: float
    alpha: float = 0.8

    @property
    def label(self) -> str:
        return f"{self.kind}+{'Adam' if self.optimizer == 'adam' else 'SGD'}"


def init_model(key: jax.Array, kind: str, N: int, Ni: int, *, alpha: float = 0.8, **cell_kw) -> Model:
    r"""Cell from `init_cell` and readout $\mathcal U(\pm1/\sqrt N)$."""
    k1, k2 = jax.random.split(key)
    cell = init_cell(k1, kind, N, Ni, alpha=alpha, **cell_kw)
    lim = 1.0 / jnp.sqrt(N)
    return Model(cell, jax.random.uniform(k2, (N,), jnp.float64, -lim, lim))


def predict(model: Model, us: Float[Array, "T Ni"]) -> Float[Array, ""]:
    r"""$\hat y=W_ox_T$ for one sequence."""
    return model.W_o @ rollout(model.cell, us)[-1]


def loss(model: Model, us: Float[Array, "B T Ni"], y: Float[Array, " B"]) -> Float[Array, ""]:
    """Mean squared error over the batch: the mean of `(predict(model, us[b]) - y[b])**2`.

    The batch is stepped together in time-major form (one scan over time of
    `Cell.step` vmapped over the batch): the same arithmetic as vmapping
    `predict`, with fewer transposes in the loop (measured ~10% faster with its
    gradient on a CPU)."""
    cell = model.cell

    def body(x, u):
        return jax.vmap(cell.step)(x, u), None

    xT = jax.lax.scan(body, jnp.zeros((us.shape[0], cell.N), us.dtype), jnp.swapaxes(us, 0, 1))[0]
    return jnp.mean((xT @ model.W_o - y) ** 2)


def frozen_zero(grads: Model, model: Model) -> Model:
    """Zero the gradients of parameters that are not trained (biases when `use_bias` is off)."""
    if model.cell.use_bias:
        return grads
    where = lambda m: [x for x in (m.cell.b, m.cell.b_g) if x is not None]  # noqa: E731
    return eqx.tree_at(where, grads, replace_fn=jnp.zeros_like)


def make_optimizer(name: str, lr: float) -> optax.GradientTransformation:
    """`optax.sgd(lr)` or `optax.adam(lr)`."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer={name!r} is not allowed; allowed: {', '.join(OPTIMIZERS)}")
    if not lr > 0:
        raise ValueError(f"lr={lr} is out of range; allowed: lr > 0")
    return optax.sgd(lr) if name == "sgd" else optax.adam(lr)


def train_seeds(
    keys: jax.Array,
    arm: Arm,
    task: str | tuple[str, ...],
    *,
    N: int,
    Ni: int,
    T: int,
    batch: int,
    steps: int,
    checkpoints: Sequence[int],
    task_ids: Int[Array, " S"] | None = None,
    runs: str = "map",
    workers: int = 1,
    grad: str = "bptt",
) -> tuple[Model, Float[Array, "S steps"]]:
    r"""Train one arm for every seed key in `keys` (shape `(S,)`) with one compiled run.

    `task` is one task name, or a tuple of names with `task_ids` (shape `(S,)`)
    choosing the task of each run: several tasks then share one compiled computation
    (`lax.switch` on the task index). `runs` is `"map"` (`numerics.core.run_map`:
    runs walked on a CPU, in this process or in worker processes) or `"vmap"` (module docstring); both give the same runs up to
    float64 rounding. `workers` is how many CPU processes `runs="map"` uses (1 = this process, 0 = one
    per core; each extra process costs a start-up and a compile of a few seconds). `grad` is
    `"bptt"` (`numerics.gating.loss_and_grad`, the explicit backward pass) or
    `"autodiff"` (`eqx.filter_value_and_grad` of `loss`): the same gradient up to
    float64 rounding; the first is faster on a CPU.

    Returns `(snapshots, losses)`: `snapshots` is a `Model` whose arrays carry
    leading axes `(S, C)` (run, checkpoint) and `losses` the training loss per step.
    """
    ckpts = tuple(int(c) for c in checkpoints)
    if any(c < 0 or c > steps for c in ckpts):
        raise ValueError(f"checkpoints={ckpts} are out of range; allowed: 0 <= c <= steps={steps}")
    if runs not in RUNS:
        raise ValueError(f"runs={runs!r} is not allowed; allowed: {', '.join(RUNS)}")
    if grad not in GRADS:
        raise ValueError(f"grad={grad!r} is not allowed; allowed: {', '.join(GRADS)}")
    tasks = (task,) if isinstance(task, str) else tuple(task)
    ids = jnp.zeros(keys.shape[0], int) if task_ids is None else jnp.asarray(task_ids)
    if ids.shape != keys.shape[:1]:
        raise ValueError(f"task_ids has shape {ids.shape}; allowed: ({keys.shape[0]},), one per key")
    # key data, not typed keys, cross the process boundary of run_map's worker processes
    k = keys if runs == "vmap" else jax.random.key_data(keys)
    return _trainer(arm, tasks, N, Ni, T, batch, steps, ckpts, runs, workers, grad)(k, ids)


def sample_switch(key, task_id, tasks: tuple[str, ...], batch: int, T: int, Ni: int):
    """A batch of `tasks[task_id]` (`task_id` may be traced)."""
    if len(tasks) == 1:
        return sample(key, tasks[0], batch, T, Ni)
    branches = [lambda k, t=t: sample(k, t, batch, T, Ni) for t in tasks]
    return jax.lax.switch(task_id, branches, key)


@functools.lru_cache(maxsize=32)
def _trainer(arm, tasks, N, Ni, T, batch, steps, ckpts, runs, workers, grad):
    """The compiled all-runs training of one static configuration (cached: one compile each)."""
    one = functools.partial(
        _train_one if runs == "vmap" else _train_one_data,
        arm=arm,
        tasks=tasks,
        N=N,
        Ni=Ni,
        T=T,
        batch=batch,
        steps=steps,
        ckpts=ckpts,
        grad=grad,
    )
    return jax.jit(jax.vmap(one)) if runs == "vmap" else run_map(one, workers=workers)


def _train_one_data(key_data, task_id, **kw):
    """`_train_one` from the raw key data of a default-implementation PRNG key."""
    return _train_one(jax.random.wrap_key_data(key_data), task_id, **kw)


def _train_one(key, task_id, *, arm, tasks, N, Ni, T, batch, steps, ckpts, grad):
    k_init, k_data = jax.random.split(key)
    model = init_model(k_init, arm.kind, N, Ni, alpha=arm.alpha)
    params, static = eqx.partition(model, eqx.is_array)
    opt = make_optimizer(arm.optimizer, arm.lr)
    ck = jnp.asarray(ckpts)
    saved = jax.tree.map(lambda p: jnp.zeros((len(ckpts),) + p.shape, p.dtype), params)
    value_and_grad = loss_and_grad if grad == "bptt" else eqx.filter_value_and_grad(loss)

    def record(saved, params, step):
        hit = ck == step  # (C,)
        return jax.tree.map(lambda s, p: jnp.where(hit.reshape((-1,) + (1,) * p.ndim), p[None], s), saved, params)

    def body(carry, step):
        params, state, saved = carry
        saved = record(saved, params, step)
        us, y = sample_switch(jax.random.fold_in(k_data, step), task_id, tasks, batch, T, Ni)
        m = eqx.combine(params, static)
        value, grads = value_and_grad(m, us, y)
        grads = eqx.partition(frozen_zero(grads, m), eqx.is_array)[0]
        updates, state = opt.update(grads, state, params)
        return (optax.apply_updates(params, updates), state, saved), value

    (params, _, saved), losses = jax.lax.scan(body, (params, opt.init(params), saved), jnp.arange(steps))
    saved = record(saved, params, steps)
    return eqx.combine(saved, static), losses
