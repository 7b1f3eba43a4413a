r"""Leaky and gated RNN cells with exact, code-generated Jacobians.

Livi, arXiv:2508.12121 ([§2][gating-s2]–§3); also the cell of the anti-collapse
study ([§8.1][anticollapse-s8-1]–§8.2). Every cell updates as

$$
x_t = g_t\odot\phi(a_t) + (1-g_t)\odot x_{t-1},\qquad a_t = W_r x_{t-1}+W_i u_t+b,
$$
with $\phi=\tanh$ and the gate $g_t$ set by `kind`:

| `kind` | gate $g_t$ | trainable gate fields |
|---|---|---|
| `"plain"` | $1$ (so $x_t=\phi(a_t)$) | none |
| `"leaky"` | $\alpha$ (frozen constant) | none |
| `"scalar"` | $\sigma(w_{r,g}^\top x_{t-1}+w_{i,g}^\top u_t+b_g)\mathbf 1$ | `W_rg (N,)`, `W_ig (Ni,)`, `b_g ()` |
| `"vector"` | $\sigma(W_{r,g}x_{t-1}+W_{i,g}u_t+b_g)$ | `W_rg (N,N)`, `W_ig (N,Ni)`, `b_g (N,)` |

Notation ([§1][gating-s1]):

| code name | symbol | meaning |
|---|---|---|
| `x_prev`, `u` | $x_{t-1}, u_t$ | previous state, input |
| `W_r`, `W_i`, `b` | $W_r, W_i, b$ | recurrent, input weights, bias |
| `W_rg`, `W_ig`, `b_g` | $W_{r,g}, W_{i,g}, b_g$ | gate weights and bias |
| `J`, `A`, `B` | $J_t=A_t+B_t$ | state Jacobian, frozen-gate part, gate correction |
| `leak`, `rdiag` | $1-g_t$, $[R_t]_{qq}$ | diagonal splitting $\mathrm{diag}J_t = (1-g_t)+[R_t]_{qq}$ |

The Jacobians are assembled from the elementwise factors `leak` $=1-g$,
`write` $=g\phi'(a)$, `gate` $=(\phi(a)-x_{t-1})g(1-g)$ that
`theory.gating.cell_factors` derives symbolically; they are code-generated here
through `numerics.core.jax_function` and broadcast into matrices:

$$
A_t = \mathrm{diag}(\text{leak}) + \mathrm{diag}(\text{write})W_r,\qquad
B_t = \mathrm{diag}(\text{gate})\,\partial\tilde a_t/\partial x_{t-1},
$$
with $\partial\tilde a_t/\partial x_{t-1}=W_{r,g}$ (vector gate) or
$\mathbf 1 w_{r,g}^\top$ (scalar gate). Tests compare them with
`jax.jacfwd` of `Cell.step` to 1e-12 in float64.
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from numerics.core import jax_function, require_x64

__all__ = [
    "Model",
    "KINDS",
    "SCHEMES",
    "Cell",
    "init_cell",
    "rollout",
    "factors",
    "state_jacobian",
    "diag_leak_correction",
    "param_jacobian",
    "logit",
]

KINDS: tuple[str, ...] = ("plain", "leaky", "scalar", "vector")
SCHEMES: tuple[str, ...] = ("uniform", "normal", "orthogonal")


def logit(p: float) -> float:
    """$\\log(p/(1-p))$, e.g. `logit(0.005) = -5.2933` (anti-collapse gate bias)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p={p} is out of range; allowed: 0 < p < 1")
    return math.log(p / (1.0 - p))


@functools.cache
def _generated():
    """The three elementwise factors, generated once from the SymPy derivation."""
    from theory.gating import a_sym, cell_factors, g_sym, x_sym

    f = cell_factors()
    args = [a_sym, x_sym, g_sym]
    return {k: jax_function(f[k], args, name=f"gating_{k}") for k in ("leak", "write", "gate")}


class Cell(eqx.Module):
    """One recurrent cell (see the module docstring for the update and shapes)."""

    # `*batch` is empty for a cell; `param_jacobian` returns a `Cell` of Jacobians whose every
    # field carries a leading `(N,)` axis. The gate fields are `None` (plain, leaky), vector-gate
    # shaped (`(N, N)`, `(N, Ni)`, `(N,)`) or scalar-gate shaped (`(N,)`, `(Ni,)`, `()`).
    W_r: Float[Array, "*batch N N"]
    W_i: Float[Array, "*batch N Ni"]
    b: Float[Array, "*batch N"]
    W_rg: Float[Array, "*batch N N"] | Float[Array, "*batch N"] | None
    W_ig: Float[Array, "*batch N Ni"] | Float[Array, "*batch Ni"] | None
    b_g: Float[Array, "*batch N"] | Float[Array, "*batch"] | None
    kind: str = eqx.field(static=True)
    alpha: float = eqx.field(static=True, default=0.8)
    use_bias: bool = eqx.field(static=True, default=False)

    @property
    def N(self) -> int:
        return self.W_r.shape[0]

    @property
    def Ni(self) -> int:
        return self.W_i.shape[1]

    def preact(self, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]) -> Float[Array, " N"]:
        r"""Candidate pre-activation $a_t=W_rx_{t-1}+W_iu_t+b$."""
        return self.W_r @ x_prev + self.W_i @ u + self.b

    def gate(self, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]) -> Float[Array, " N"]:
        r"""Gate $g_t\in(0,1]^N$ (broadcast to `(N,)` for every kind)."""
        if self.kind == "plain":
            return jnp.ones(self.N, dtype=x_prev.dtype)
        if self.kind == "leaky":
            return jnp.full(self.N, self.alpha, dtype=x_prev.dtype)
        z = self.W_rg @ x_prev + self.W_ig @ u + self.b_g
        return jnp.broadcast_to(jax.nn.sigmoid(z), (self.N,))

    def step(self, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]) -> Float[Array, " N"]:
        r"""$x_t=g_t\odot\tanh(a_t)+(1-g_t)\odot x_{t-1}$ (plain: $\tanh(a_t)$)."""
        a = self.preact(x_prev, u)
        if self.kind == "plain":
            return jnp.tanh(a)
        g = self.gate(x_prev, u)
        return g * jnp.tanh(a) + (1.0 - g) * x_prev

    def gate_input_jacobian(self) -> Float[Array, "N N"] | None:
        r"""$\partial\tilde a_t/\partial x_{t-1}$: $W_{r,g}$ or $\mathbf 1w_{r,g}^\top$."""
        if self.kind == "vector":
            return self.W_rg
        if self.kind == "scalar":
            return jnp.broadcast_to(self.W_rg[None, :], (self.N, self.N))
        return None


def init_cell(
    key: jax.Array,
    kind: str,
    N: int,
    Ni: int,
    *,
    alpha: float = 0.8,
    scheme: str = "uniform",
    std: float = 0.2,
    gate_bias: float = 0.0,
    zero_gate: bool = False,
    use_bias: bool = False,
) -> Cell:
    r"""A freshly initialised cell.

    Schemes: `"uniform"` $\mathcal U(\pm1/\sqrt{\text{fan\_in}})$ per matrix ([§2][gating-s2]
    default; fan_in = number of columns); `"normal"` $\mathcal N(0,\text{std}^2)$ for every
    weight (spec E0); `"orthogonal"` (anti-collapse §8.1): orthogonal `W_r`/`W_i`
    (and gate weights unless `zero_gate`). Biases start at 0 (`b`) and `gate_bias` (`b_g`);
    they are trained only when `use_bias`. `zero_gate` zeroes the gate weights.
    """
    require_x64("init_cell")
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not allowed; allowed: {', '.join(KINDS)}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not allowed; allowed: {', '.join(SCHEMES)}")
    if N < 1 or Ni < 1:
        raise ValueError(f"N={N}, Ni={Ni} are out of range; allowed: N >= 1, Ni >= 1")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha={alpha} is out of range; allowed: 0 < alpha <= 1")
    keys = jax.random.split(key, 4)

    def draw(k, shape):
        fan_in = shape[-1]
        if scheme == "uniform":
            lim = 1.0 / math.sqrt(fan_in)
            return jax.random.uniform(k, shape, jnp.float64, -lim, lim)
        if scheme == "normal":
            return std * jax.random.normal(k, shape, jnp.float64)
        if len(shape) == 1:  # orthogonal scheme, a vector: a random unit vector
            v = jax.random.normal(k, shape, jnp.float64)
            return v / jnp.linalg.norm(v)
        return jax.nn.initializers.orthogonal()(k, shape, jnp.float64)

    W_r, W_i = draw(keys[0], (N, N)), draw(keys[1], (N, Ni))
    b = jnp.zeros(N)
    W_rg = W_ig = b_g = None
    if kind in ("scalar", "vector"):
        rg_shape, ig_shape, bg_shape = ((N, N), (N, Ni), (N,)) if kind == "vector" else ((N,), (Ni,), ())
        if zero_gate:
            W_rg, W_ig = jnp.zeros(rg_shape), jnp.zeros(ig_shape)
        else:
            W_rg, W_ig = draw(keys[2], rg_shape), draw(keys[3], ig_shape)
        b_g = jnp.full(bg_shape, float(gate_bias))
    return Cell(W_r, W_i, b, W_rg, W_ig, b_g, kind, float(alpha), bool(use_bias))


def rollout(cell: Cell, us: Float[Array, "T Ni"], x0: Float[Array, " N"] | None = None) -> Float[Array, "T N"]:
    r"""States $x_1,\dots,x_T$ driven by `us` from `x0` (default 0), by `lax.scan`."""
    x0 = jnp.zeros(cell.N, dtype=us.dtype) if x0 is None else x0

    def body(x, u):
        x = cell.step(x, u)
        return x, x

    return jax.lax.scan(body, x0, us)[1]


def factors(
    cell: Cell, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]
) -> tuple[Float[Array, " N"], Float[Array, " N"], Float[Array, " N"]]:
    r"""Elementwise `(leak, write, gate)` = $(1-g,\ g\phi'(a),\ (\phi(a)-x_{t-1})g(1-g))$,
    from the code-generated SymPy factors. For plain/leaky cells `gate` multiplies nothing."""
    gen = _generated()
    a = cell.preact(x_prev, u)
    g = cell.gate(x_prev, u)
    return gen["leak"](a, x_prev, g), gen["write"](a, x_prev, g), gen["gate"](a, x_prev, g)


def state_jacobian(
    cell: Cell, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]
) -> tuple[Float[Array, "N N"], Float[Array, "N N"], Float[Array, "N N"]]:
    r"""`(J, A, B)`: exact $J_t=\partial x_t/\partial x_{t-1}=A_t+B_t$ ([§3][gating-s3]).

    $A_t=\mathrm{diag}(1-g_t)+\mathrm{diag}(g_t\phi'(a_t))W_r$ (gate frozen),
    $B_t=\mathrm{diag}(d_t\,g_t(1-g_t))\,\partial\tilde a_t/\partial x_{t-1}$; `B` is
    exactly zero for plain and leaky cells.
    """
    leak, write, gate = factors(cell, x_prev, u)
    A = jnp.diag(leak) + write[:, None] * cell.W_r
    G = cell.gate_input_jacobian()
    B = jnp.zeros_like(A) if G is None else gate[:, None] * G
    return A + B, A, B


def diag_leak_correction(
    cell: Cell, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]
) -> tuple[Float[Array, " N"], Float[Array, " N"]]:
    r"""`(a, r)`: leak $a=1-g_t$ and first-order diagonal correction
    $r=\mathrm{diag}J_t-a=g_t\phi'(a_t)(W_r)_{qq}+d_t g_t(1-g_t)(\partial\tilde a_t/\partial x_{t-1})_{qq}$
    (gating [§5][gating-s5], anti-collapse [§8.2][anticollapse-s8-2]), without forming `J`."""
    leak, write, gate = factors(cell, x_prev, u)
    r = write * jnp.diag(cell.W_r)
    if cell.kind == "vector":
        r = r + gate * jnp.diag(cell.W_rg)
    elif cell.kind == "scalar":
        r = r + gate * cell.W_rg
    return leak, r


def param_jacobian(cell: Cell, x_prev: Float[Array, " N"], u: Float[Array, " Ni"]) -> Cell:
    r"""Immediate state-to-parameter Jacobians $\partial^+x_t/\partial\theta$ ([§3][gating-s3]).

    Returns a `Cell` whose every array field has shape `(N, *field.shape)`:
    entry `[q, ...]` is $\partial^+x_t^{(q)}/\partial\theta$. Row-local parameters
    give $\partial^+x^{(q)}/\partial(W_r)_{pj}=\delta_{qp}\,g^{(q)}\phi'(a^{(q)})x_{t-1}^{(j)}$
    and $\partial^+x^{(q)}/\partial(W_{r,g})_{pj}=\delta_{qp}\,d^{(q)}g^{(q)}(1-g^{(q)})x_{t-1}^{(j)}$;
    the scalar gate's shared weights give $d^{(q)}g(1-g)x_{t-1}^{(j)}$ for every `q`.
    Biases that are not trained (`use_bias=False`) get zero Jacobians.
    """
    _, write, gate = factors(cell, x_prev, u)
    eye = jnp.eye(cell.N)
    bias_on = 1.0 if cell.use_bias else 0.0

    def rowlocal(scale, z):  # d x_q / d M_pj = delta_qp scale_q z_j
        return scale[:, None, None] * eye[:, :, None] * z[None, None, :]

    out = dict(W_r=rowlocal(write, x_prev), W_i=rowlocal(write, u), b=bias_on * write[:, None] * eye)
    if cell.kind == "vector":
        out |= dict(W_rg=rowlocal(gate, x_prev), W_ig=rowlocal(gate, u), b_g=bias_on * gate[:, None] * eye)
    elif cell.kind == "scalar":
        out |= dict(W_rg=gate[:, None] * x_prev[None, :], W_ig=gate[:, None] * u[None, :], b_g=bias_on * gate)
    else:
        out |= dict(W_rg=None, W_ig=None, b_g=None)
    return Cell(**out, kind=cell.kind, alpha=cell.alpha, use_bias=cell.use_bias)


class Model(eqx.Module):
    """A cell and its linear readout of the last state."""

    cell: Cell
    W_o: Float[Array, " N"]
