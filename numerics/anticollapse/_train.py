r"""Training with per-step forcing on slow rows: the anti-collapse network protocol ([§8][anticollapse-s8]).

Livi, arXiv:2606.29519. One optimizer step on a minibatch of the heavy-tailed-lag task
(`numerics.anticollapse._task`) is followed by the arm's interventions, in this order:

0. **forcing suppression** (the ladders of [table T8][anticollapse-t8]; only when `TrainConfig.suppression`): per leaf,
   winsorise the raw gradient entries at the arm's `winsor`-th percentile of
   $|g|$, then rescale to global norm ≤ the arm's `clip` (`suppress_gradients`).
1. **optimizer** (optax): AdamW (lr 1e-3, wd 1e-4) after global-norm clipping at 1.0;
   Adam (no weight decay), SGD and SGD-momentum are options; update $\Delta\theta$.
2. **injection** on the *slow rows* (rows indexed by the units in the lowest
   $q_{\mathrm{low}}=10\%$ of ζ, re-selected at every checkpoint) of every leaf with a
   unit axis: $\theta_{\mathrm{rows}}\mathrel{+}=s\cdot\mathrm{RMS}(\Delta\theta_{\mathrm{rows}})\cdot
   100\tanh(X/100)$, $X\sim S_\alpha(1,0,0)$ per entry (Chambers–Mallows–Stuck,
   `numerics.anticollapse.stable_symmetric`; α = 2 is the Gaussian arm).
3. **diagonal-RNN constraints**: explicit far-left pull $\nu\leftarrow\nu+\kappa_{\mathrm{pull}}$
   where $\nu<-\log\tau_b$; capacity clamp $\nu\ge-\log\tau_c$; the shared-ν
   arm ties all units to one ν inside the model (`numerics.anticollapse.effective_nu`).

Every step records the loss, the increments $\Delta\zeta$ of the far-left units
(diagonal RNN: $\zeta=\nu$ exactly) and a fixed number of post-step parameter
increments on the slow rows (samples for the tail index α̂, §7.9).

| code name | symbol | meaning |
|---|---|---|
| `Arm` | — | numeric switches of one experimental arm (vmappable) |
| `alpha` | $\alpha$ | stable index of the injected noise |
| `scale` | $s$ | noise scale in units of the update RMS on the rows (1.0) |
| `taper` | 100 | soft taper $X\mapsto100\tanh(X/100)$ |
| `pull`, `tau_b` | $\kappa_{\mathrm{pull}}$, $\tau_b$ | explicit far-left pull (2e-3 per step toward τ = 20) |
| `nu_floor` | $-\log\tau_c$ | capacity clamp (−∞: none) |
| `q_low` | $q_{\mathrm{low}}$ | far-left / slow-row quantile (0.10) |
| `clip` | — | forcing-suppression ladder: extra global-norm clip of the raw gradient (∞: off) |
| `winsor` | — | forcing-suppression ladder: per-leaf winsorisation percentile of the raw gradient (100: off) |
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, Int
from tqdm import tqdm

from numerics.anticollapse import _diag_rnn as diag_lrnn
from numerics.anticollapse._levy import stable_symmetric
from numerics.anticollapse.estimators import unit_timescales
from numerics.core import Checkpoint, first_order_diagonal, require_x64, sharded_vmap
from numerics.gating import Cell, diag_leak_correction, init_cell, logit, rollout

__all__ = [
    "Arm",
    "ARM_NAMES",
    "make_arm",
    "stack_runs",
    "TrainConfig",
    "OPTIMIZERS",
    "make_optimizer",
    "Model",
    "diag_model",
    "GATED_KINDS",
    "GatedRegressor",
    "init_gated",
    "gated_model",
    "gated_transport",
    "gated_diagnose",
    "inject",
    "suppress_gradients",
    "RunState",
    "init_state",
    "segment",
    "History",
    "train",
    "far_left_rows",
]


class Arm(NamedTuple):
    """Numeric switches of one arm; stack several with `stack_runs` to vmap them."""

    inject: float = 0.0
    alpha: float = 2.0
    scale: float = 1.0
    taper: float = 100.0
    pull: float = 0.0
    tau_b: float = 20.0
    nu_floor: float = -math.inf
    shared: float = 0.0
    clip: float = math.inf
    winsor: float = 100.0


ARM_NAMES: tuple[str, ...] = ("none", "gauss", "alpha1.5", "alpha1.2", "pull", "clamp", "shared")


def make_arm(name: str, *, tau_c: float = 100.0, pull: float = 2e-3, tau_b: float = 20.0, alpha: float = 1.5) -> Arm:
    r"""The [§8.5][anticollapse-s8-5] arms. `none`; `gauss` (α = 2); `alpha1.5`; `alpha1.2`;
    `pull` (α-injection `alpha` plus the explicit pull $\kappa_{\mathrm{pull}}$ toward
    $\tau_b$); `clamp` (α-injection plus $\nu\ge-\log\tau_c$); `shared`
    (α-injection on one shared ν). The capacity and pull arms inject `alpha` (1.5)."""
    arms = {
        "none": Arm(),
        "gauss": Arm(inject=1.0, alpha=2.0),
        "alpha1.5": Arm(inject=1.0, alpha=1.5),
        "alpha1.2": Arm(inject=1.0, alpha=1.2),
        "pull": Arm(inject=1.0, alpha=alpha, pull=pull, tau_b=tau_b),
        "clamp": Arm(inject=1.0, alpha=alpha, nu_floor=-math.log(tau_c)),
        "shared": Arm(inject=1.0, alpha=alpha, shared=1.0),
    }
    if name not in arms:
        raise ValueError(f"arm={name!r} is not allowed; allowed: {', '.join(ARM_NAMES)}")
    return arms[name]


def stack_runs(trees: Sequence[Any]) -> Any:
    """Stack pytrees along a new leading (run) axis."""
    return jax.tree.map(lambda *xs: jnp.stack([jnp.asarray(x, dtype=jnp.result_type(x)) for x in xs]), *trees)


# ----------------------------------------------------------------------------- optimizer
#: `adamw` (docs: anticollapse §8.4, gated cells), `adam` (no weight decay; docs: anticollapse §8.5, diagonal RNN),
#: `sgd`, `momentum`.
OPTIMIZERS: tuple[str, ...] = ("adamw", "adam", "sgd", "momentum")


@dataclass(frozen=True)
class TrainConfig:
    """Optimizer and minibatch protocol ([§8.4][anticollapse-s8-4]); `wd` is ignored by `adam`."""

    optimizer: str = "adamw"
    lr: float = 1e-3
    wd: float = 1e-4
    clip: float = 1.0
    momentum: float = 0.9
    batch: int = 380
    q_low: float = 0.10
    n_record: int = 32
    injection: bool = True  # False: no arm injects; the noise draw is left out of the compiled step
    suppression: bool = False  # True: apply the arms' gradient clip / winsorisation (the forcing-suppression ladders)
    micro_batch: int | None = None  # largest micro-batch of the gradient (memory); None: whole batch at once

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r}; allowed: {', '.join(OPTIMIZERS)}")
        if not (self.lr > 0 and self.wd >= 0 and self.clip > 0 and 0 < self.q_low < 1):
            raise ValueError("need lr > 0, wd >= 0, clip > 0 and 0 < q_low < 1")
        if self.batch < 1 or self.n_record < 1:
            raise ValueError("need batch, n_record >= 1")
        if self.micro_batch is not None and self.micro_batch < 1:
            raise ValueError(f"micro_batch={self.micro_batch} is out of range; allowed: None or >= 1")

    def micro_batches(self) -> int:
        """Number of equal micro-batches the gradient is accumulated over: the smallest
        divisor of `batch` that keeps each at most `micro_batch` (1 when off)."""
        if self.micro_batch is None or self.batch <= self.micro_batch:
            return 1
        m = -(-self.batch // self.micro_batch)
        while self.batch % m:
            m += 1
        return m

    def steps_per_epoch(self, n_train: int) -> int:
        """⌈n_train / batch⌉ (22 for the formulation's 8000 sequences at batch 380)."""
        return -(-n_train // self.batch)


def make_optimizer(cfg: TrainConfig) -> optax.GradientTransformation:
    """Global-norm clip, then AdamW (decoupled wd), Adam (no wd) or SGD(+momentum) with additive wd."""
    clip = optax.clip_by_global_norm(cfg.clip)
    if cfg.optimizer == "adamw":
        return optax.chain(clip, optax.adamw(cfg.lr, weight_decay=cfg.wd))
    if cfg.optimizer == "adam":
        return optax.chain(clip, optax.adam(cfg.lr))
    mom = cfg.momentum if cfg.optimizer == "momentum" else None
    return optax.chain(clip, optax.add_decayed_weights(cfg.wd), optax.sgd(cfg.lr, momentum=mom))


# ----------------------------------------------------------------------------- models
@dataclass(frozen=True)
class Model:
    """What training needs from a model.

    `loss_and_grad(params, arm, x, y) -> (L, grads)`; `unit_rows(params)` a pytree
    of bools, True for leaves whose axis 0 indexes units (injection targets);
    `zeta(params, arm)` the parameter-level log-rate (H,) or `None` (gated cells:
    ζ comes from the transport diagnostics); `constrain(params, arm)` the arm's
    post-step constraints.
    """

    name: str
    loss_and_grad: Callable[..., tuple[Array, Any]]
    unit_rows: Callable[[Any], Any]
    zeta: Callable[[Any, Arm], Array] | None = None
    constrain: Callable[[Any, Arm], Any] = lambda p, arm: p


def _diag_constrain(p: diag_lrnn.DiagLRNN, arm: Arm) -> diag_lrnn.DiagLRNN:
    nu = p.nu + arm.pull * (p.nu < -jnp.log(arm.tau_b))
    return diag_lrnn.DiagLRNN(nu=jnp.maximum(nu, arm.nu_floor), b=p.b, c=p.c)


def diag_model() -> Model:
    """The diagonal linear RNN with the explicit FFT gradient (`numerics.anticollapse._diag_rnn`)."""
    return Model(
        name="diag_lrnn",
        loss_and_grad=lambda p, arm, x, y: diag_lrnn.loss_and_grad(p, x, y, arm.shared),
        unit_rows=lambda p: jax.tree.map(lambda _: True, p),
        zeta=lambda p, arm: diag_lrnn.effective_nu(p, arm.shared),
        constrain=_diag_constrain,
    )


GATED_KINDS: dict[str, str] = {"const": "leaky", "shared": "scalar", "diag": "vector"}
"""ConstGate, SharedGate, DiagGate ([§8.1][anticollapse-s8-1]) → `numerics.gating.Cell` kinds."""


class GatedRegressor(eqx.Module):
    r"""A gated cell with the per-step readout $\hat y_t=w_o^\top h_t+b_o$ (Linear(H, 1))."""

    cell: Cell
    w_o: Float[Array, " H"]
    b_o: Float[Array, ""]


def init_gated(key: Array, kind: str, H: int, D: int, *, s0: float = 0.005) -> GatedRegressor:
    r"""[§8.1][anticollapse-s8-1] init: orthogonal $W_h, W_x$; zero gate weights; gate bias
    $\mathrm{logit}(s_0)$; ConstGate frozen at $s=s_0$; readout
    $w_o\sim\mathcal N(0,1/H)$ (toolkit default), $b_o=0$."""
    if kind not in GATED_KINDS:
        raise ValueError(f"kind={kind!r} is not allowed; allowed: {', '.join(GATED_KINDS)}")
    kc, ko = jax.random.split(key)
    cell = init_cell(
        kc, GATED_KINDS[kind], H, D, alpha=s0, scheme="orthogonal", gate_bias=logit(s0), zero_gate=True, use_bias=True
    )
    return GatedRegressor(cell, jax.random.normal(ko, (H,)) / math.sqrt(H), jnp.zeros(()))


def _gated_loss(m: GatedRegressor, x: Float[Array, "B T D"], y: Float[Array, "B T"]) -> Float[Array, ""]:
    h = jax.vmap(lambda xs: rollout(m.cell, xs))(x)
    return jnp.mean((h @ m.w_o + m.b_o - y) ** 2)


def _gated_rows(m: GatedRegressor) -> GatedRegressor:
    """Unit-row leaves: W_h, W_x, b, and (DiagGate) the gate rows W_s, U_s, b_s."""
    mask = jax.tree.map(lambda _: False, m)
    on = [lambda t: t.cell.W_r, lambda t: t.cell.W_i, lambda t: t.cell.b]
    if m.cell.kind == "vector":
        on += [lambda t: t.cell.W_rg, lambda t: t.cell.W_ig, lambda t: t.cell.b_g]
    for get in on:
        mask = eqx.tree_at(get, mask, True)
    return mask


def gated_model(kind: str) -> Model:
    """ConstGate / SharedGate / DiagGate regressor; gradients by `jax.value_and_grad`
    through the `lax.scan` rollout (ζ comes from `gated_diagnose`)."""
    if kind not in GATED_KINDS:
        raise ValueError(f"kind={kind!r} is not allowed; allowed: {', '.join(GATED_KINDS)}")
    return Model(
        name=f"gated_{kind}",
        loss_and_grad=lambda m, arm, x, y: jax.value_and_grad(_gated_loss)(m, x, y),
        unit_rows=_gated_rows,
    )


def gated_transport(
    m: GatedRegressor, x: Float[Array, "n T D"], lags: Int[Array, " L"], starts: Int[Array, " S"]
) -> dict[str, Array]:
    r"""Transport along trajectories of `x` ([§7.1][anticollapse-s7-1]–7.2).

    Leaks and first-order corrections $(a_{q,t},r_{q,t})$ from
    `numerics.gating.diag_leak_correction`; windows $[t,t+\ell)$ for every
    start `t` and lag ℓ by prefix sums (`numerics.core.first_order_diagonal`).
    Returns `log_mu` (L, H) $=\mathbb E_{\mathrm{seq},t}\log|\mu^{(0)}+\mu^{(1)}|$,
    the canonical envelope `f0` (L,) $=\mathbb E\frac1H\sum_q|\mu^{(0)}_q|$ and the
    audit envelope `f_audit` (L,) $=\mathbb E\frac1H\sum_q|\mu^{(0)}_q+\mu^{(1)}_q|$."""
    cell = m.cell

    def one(xs):
        hs = rollout(cell, xs)
        hprev = jnp.concatenate([jnp.zeros_like(hs[:1]), hs[:-1]], axis=0)
        a, r = jax.vmap(diag_leak_correction, in_axes=(None, 0, 0))(cell, hprev, xs)
        mu0, mu1 = first_order_diagonal(a, r, starts[:, None], starts[:, None] + lags[None, :])
        mu = jnp.abs(mu0 + mu1)
        return jnp.mean(jnp.log(mu), axis=0), jnp.mean(jnp.abs(mu0), axis=(0, 2)), jnp.mean(mu, axis=(0, 2))

    log_mu, f0, fa = jax.lax.map(one, x, batch_size=min(32, x.shape[0]))
    return {"log_mu": log_mu.mean(0), "f0": f0.mean(0), "f_audit": fa.mean(0)}


def gated_diagnose(
    x: Float[Array, "n T D"],
    lags: Sequence[float],
    starts: Int[Array, " S"],
    window: tuple[float, float],
    *,
    n_fit_lags: int | None = 32,
) -> Callable[[Any, Arm], dict[str, np.ndarray]]:
    """A `diagnose` for `train`: per-run τ (§7.2, order 1; OLS over `n_fit_lags`
    = 32 lags of the grid in `window`, `numerics.anticollapse.unit_timescales`) and
    ζ = −log τ (rejected units: τ = NaN, ζ = −∞ so they count as the slowest), envelopes,
    rejections."""
    lag_arr = jnp.asarray(np.asarray(lags, dtype=np.int64))
    run = sharded_vmap(lambda mm: gated_transport(mm, x, lag_arr, starts))

    def diagnose(params: Any, arms: Arm) -> dict[str, np.ndarray]:
        out = jax.tree.map(np.asarray, run(params))
        taus, rej = zip(
            *(
                unit_timescales(lm, np.asarray(lags, float), window=window, n_fit_lags=n_fit_lags)
                for lm in out["log_mu"]
            )
        )
        tau = np.stack(taus)
        zeta = np.where(np.isfinite(tau), -np.log(np.where(np.isfinite(tau), tau, 1.0)), -np.inf)
        return {"zeta": zeta, "tau": tau, "f0": out["f0"], "f_audit": out["f_audit"], "n_rejected": np.asarray(rej)}

    return diagnose


# ----------------------------------------------------------------------------- injection
def inject(params: Any, updates: Any, mask: Any, rows: Int[Array, " k"], arm: Arm, key: Array) -> Any:
    r"""Add $\text{inject}\cdot s\cdot\mathrm{RMS}(\Delta\theta_{\mathrm{rows}})\cdot\text{taper}\tanh(X/\text{taper})$,
    $X\sim S_\alpha(1,0,0)$, to `rows` of every masked leaf (RMS per leaf)."""
    leaves, treedef = jax.tree.flatten(params)
    ups = treedef.flatten_up_to(updates)
    msk = treedef.flatten_up_to(mask)
    shapes = [up[rows].shape for up, m in zip(ups, msk) if m]
    sizes = [math.prod(sh) for sh in shapes]
    # one draw for every masked entry (a single CMS kernel), split per leaf
    X = stable_symmetric(key, arm.alpha, (sum(sizes),))
    X = arm.taper * jnp.tanh(X / arm.taper)
    chunks = iter(jnp.split(X, np.cumsum(sizes)[:-1].tolist()) if sizes else [])
    out = []
    for leaf, up, m in zip(leaves, ups, msk):
        if not m:
            out.append(leaf)
            continue
        u = up[rows]
        rms = jnp.sqrt(jnp.mean(u * u))
        out.append(leaf.at[rows].add(arm.inject * arm.scale * rms * next(chunks).reshape(u.shape)))
    return jax.tree.unflatten(treedef, out)


def suppress_gradients(grads: Any, clip: Float[Array, ""] | float, winsor: Float[Array, ""] | float) -> Any:
    r"""Forcing suppression on raw gradients (the ladders of [table T8][anticollapse-t8]).

    1. Winsorisation: per leaf, $g\mapsto\mathrm{clip}(g,-c,c)$ with
       $c=Q_{w}(|g|)$ the `winsor`-th percentile of the leaf's $|g|$
       (w = 100 leaves the leaf unchanged: c is its largest entry).
    2. Global-norm clipping: $g\mapsto g\min(1,\text{clip}/\|g\|)$ (clip = ∞: off).

    Both are traced (vmappable over arms)."""

    def wins(g):
        c = jnp.percentile(jnp.abs(g).reshape(-1), winsor)
        return jnp.clip(g, -c, c)

    g = jax.tree.map(wins, grads)
    norm = optax.tree.norm(g)
    scale = jnp.minimum(1.0, clip / jnp.maximum(norm, jnp.finfo(jnp.float64).tiny))
    return jax.tree.map(lambda x: x * scale, g)


def far_left_rows(zeta: Float[Array, "... H"], q_low: float) -> Int[Array, "... k"]:
    """Indices of the ⌈q_low·H⌉ units with the smallest ζ (the slow, far-left units)."""
    H = zeta.shape[-1]
    k = max(1, math.ceil(q_low * H))
    return jnp.argsort(zeta, axis=-1)[..., :k]


# ----------------------------------------------------------------------------- one segment
class RunState(NamedTuple):
    """Per-run training state: parameters, optimizer state, noise key, global step."""

    params: Any
    opt_state: Any
    key: Array
    step: Int[Array, ""]


class Record(NamedTuple):
    loss: Float[Array, " n"]
    dzeta: Float[Array, "n k"]
    inc: Float[Array, "n m"]


def init_state(params: Any, cfg: TrainConfig, key: Array) -> RunState:
    return RunState(params, make_optimizer(cfg).init(params), key, jnp.asarray(0))


def _row_increments(new: Any, old: Any, mask: Any, rows: Array, m: int) -> Array:
    parts = [
        (a[rows] - b[rows]).reshape(-1)
        for a, b, keep in zip(jax.tree.leaves(new), jax.tree.leaves(old), jax.tree.leaves(mask))
        if keep
    ]
    flat = jnp.concatenate(parts) if parts else jnp.zeros((0,))
    if flat.size <= m:
        return jnp.pad(flat, (0, m - flat.size), constant_values=jnp.nan)
    return flat[np.linspace(0, flat.size - 1, m).astype(int)]  # spread over rows and leaves


def _batch_loss_and_grad(model: Model, params: Any, arm: Arm, x: Array, y: Array, n_micro: int) -> tuple[Array, Any]:
    """Loss and gradient of the batch mean, accumulated over `n_micro` equal micro-batches
    by `lax.scan` (the mean of equal-size micro-batch means is the batch mean: exact up to
    summation order; bounds the memory of backpropagation through time)."""
    if n_micro == 1:
        return model.loss_and_grad(params, arm, x, y)
    xs = x.reshape(n_micro, x.shape[0] // n_micro, *x.shape[1:])
    ys = y.reshape(n_micro, y.shape[0] // n_micro, *y.shape[1:])

    def body(acc, xy):
        loss, g = model.loss_and_grad(params, arm, *xy)
        return jax.tree.map(jnp.add, acc, (loss, g)), None

    zero = jax.tree.map(jnp.zeros_like, (jnp.zeros(()), params))
    tot, _ = jax.lax.scan(body, zero, (xs, ys))
    return jax.tree.map(lambda v: v / n_micro, tot)


def segment(
    model: Model,
    cfg: TrainConfig,
    n_steps: int,
    state: RunState,
    rows: Int[Array, " k"],
    arm: Arm,
    perm_key: Array,
    data: tuple[Float[Array, "n T D"], Float[Array, "n T"]],
) -> tuple[RunState, Record]:
    """`n_steps` training steps of one run by `lax.scan` (slow rows fixed within).

    Minibatch `s` of epoch `e` takes the sequences `perm_e[(sB + i) mod n_train]`
    of `data = (x, y)`, `perm_e` a permutation drawn from `fold_in(perm_key, e)`."""
    opt = make_optimizer(cfg)
    mask = model.unit_rows(state.params)
    n_micro = cfg.micro_batches()
    X, Y = data
    n_train = X.shape[0]
    spe, B = cfg.steps_per_epoch(n_train), cfg.batch

    def body(st: RunState, _):
        epoch, s = st.step // spe, st.step % spe
        perm = jax.random.permutation(jax.random.fold_in(perm_key, epoch), n_train)
        idx = perm[(s * B + jnp.arange(B)) % n_train]
        x, y = X[idx], Y[idx]
        loss, g = _batch_loss_and_grad(model, st.params, arm, x, y, n_micro)
        if cfg.suppression:
            g = suppress_gradients(g, arm.clip, arm.winsor)
        upd, opt_state = opt.update(g, st.opt_state, st.params)
        key, kn = jax.random.split(st.key)
        new = optax.apply_updates(st.params, upd)
        if cfg.injection:
            new = inject(new, upd, mask, rows, arm, kn)
        new = model.constrain(new, arm)
        if model.zeta is not None:
            dz = model.zeta(new, arm)[rows] - model.zeta(st.params, arm)[rows]
        else:
            dz = jnp.zeros((0,))
        inc = _row_increments(new, st.params, mask, rows, cfg.n_record)
        return RunState(new, opt_state, key, st.step + 1), Record(loss, dz, inc)

    return jax.lax.scan(body, state, None, length=n_steps)


# ----------------------------------------------------------------------------- driver
@dataclass
class History:
    """Training record of R runs: checkpoints (C), per-step records, diagnostics."""

    ckpt_steps: np.ndarray  # (C,)
    zeta: np.ndarray  # (R, C, H) log-rate at checkpoints
    diag: dict[str, np.ndarray]  # name -> (R, C, ...) extra checkpoint diagnostics
    loss: np.ndarray  # (R, S)
    dzeta: np.ndarray  # (R, S, k) far-left per-step increments (empty for gated cells)
    inc: np.ndarray  # (R, S, m) slow-row parameter increments
    params: Any  # final, stacked over runs
    state: RunState | None = None  # final training state (warm starts), stacked over runs


def train(
    model: Model,
    cfg: TrainConfig,
    data: tuple[Float[Array, "n T D"], Float[Array, "n T"]],
    states: RunState,
    arms: Arm,
    perm_keys: Array,
    ckpt_steps: Sequence[int],
    diagnose: Callable[[Any, Arm], dict[str, Array]],
    *,
    progress: bool = False,
    desc: str = "train",
    start_step: int = 0,
    checkpoint: Checkpoint | None = None,
) -> History:
    """Train R runs (leading axis of `states`, `arms`, `perm_keys`) to each checkpoint.

    `data = (x, y)` is the training set, shared by every run (replicated on each
    device); `perm_keys` give each run its own minibatch order.

    `ckpt_steps` are increasing global step counts (0 allowed: a diagnostic at init).
    `diagnose(params_R, arms_R)` returns arrays with a leading run axis and must
    contain `"zeta"` (R, H); the slow rows of the next segment are its lowest
    `q_low` units. Runs are vmapped and sharded over devices
    (`numerics.core.sharded_vmap`).

    Warm start: pass `states` of a previous `History.state` and `start_step`
    (their global step count); `ckpt_steps` are then global steps ≥ `start_step`
    (`start_step` itself allowed: a diagnostic at the warm start).

    Resume: with a [`Checkpoint`][numerics.core.Checkpoint], every completed segment (its
    records and diagnostics) and the state after it are saved, and segments already on disk are
    loaded instead of recomputed. The loaded state is the saved float64 state, and the segments
    that follow run the same compiled program on it, so a resumed run equals an uninterrupted
    one bit for bit."""
    require_x64("train")
    steps = [int(s) for s in ckpt_steps]
    if not steps or any(b <= a for a, b in zip(steps, steps[1:])) or steps[0] < start_step:
        raise ValueError(f"ckpt_steps={steps} must be non-empty, strictly increasing and >= start_step={start_step}")
    compiled: dict[int, Callable[..., Any]] = {}
    done = int(start_step)
    records: list[Record] = []
    zetas, diags = [], []
    d = diagnose(states.params, arms)
    if steps[0] == done:
        zetas.append(np.asarray(d["zeta"]))
        diags.append({k: np.asarray(v) for k, v in d.items() if k != "zeta"})
        steps = steps[1:]
    n_done = int(checkpoint.load_arrays("progress")["segments"]) if checkpoint and checkpoint.has("progress") else 0
    for i in range(n_done):  # resume: the completed segments and the state after the last of them
        seg = checkpoint.load_arrays(f"seg-{i:04d}")  # type: ignore[union-attr]
        records.append(Record(seg["loss"], seg["dzeta"], seg["inc"]))
        d = {k[5:]: v for k, v in seg.items() if k.startswith("diag_")}
        zetas.append(d["zeta"])
        diags.append({k: v for k, v in d.items() if k != "zeta"})
        done = steps[i]
    if n_done:
        states = checkpoint.load(f"state-{n_done - 1:04d}", states)  # type: ignore[union-attr]
    bar = tqdm(steps, desc=desc, disable=not progress, initial=n_done)
    for i, target in enumerate(steps[n_done:], start=n_done):
        n = target - done
        if n not in compiled:
            compiled[n] = sharded_vmap(partial(segment, model, cfg, n), in_axes=(0, 0, 0, 0, None))
        rows = far_left_rows(jnp.asarray(d["zeta"]), cfg.q_low)
        states, rec = compiled[n](states, rows, arms, perm_keys, data)
        records.append(jax.tree.map(np.asarray, rec))
        done = target
        d = diagnose(states.params, arms)
        zetas.append(np.asarray(d["zeta"]))
        diags.append({k: np.asarray(v) for k, v in d.items() if k != "zeta"})
        if checkpoint is not None:
            checkpoint.save_arrays(f"seg-{i:04d}", records[-1]._asdict() | {f"diag_{k}": v for k, v in d.items()})
            checkpoint.save(f"state-{i:04d}", states)
            checkpoint.save_arrays("progress", {"segments": i + 1})  # the commit point
            checkpoint.remove(f"state-{i - 1:04d}")
        bar.update()
    bar.close()
    cat = (lambda xs: np.concatenate(xs, axis=1)) if records else (lambda xs: np.zeros((0,)))
    return History(
        ckpt_steps=np.asarray([int(s) for s in ckpt_steps]),
        zeta=np.stack(zetas, axis=1),
        diag={k: np.stack([dd[k] for dd in diags], axis=1) for k in (diags[0] if diags else {})},
        loss=cat([r.loss for r in records]),
        dzeta=cat([r.dzeta for r in records]),
        inc=cat([r.inc for r in records]),
        params=states.params,
        state=states,
    )
