r"""Monte Carlo of the coarse-grained time-scale process ([§3][anticollapse-s3], Livi arXiv:2606.29519).

The Lindley/Kesten recursion (3.2) in $X=\log(\tau/\tau_b)\ge0$,

$$
X_{k+1}=\max(0,\;X_k+Y_k),\qquad Y_k=-\kappa+J_k-J'_k+\sigma\xi_k\ \text{i.i.d.},
$$
is run for `n` independent units with `jax.lax.scan` over steps, vectorised
over units, with explicit keys. Per-step samplers of $Y_k$ exist for every
forcing family of [§5][anticollapse-s5]; their per-step cumulant is the family's Φ (continuous
families: the increment of the Lévy process over one unit of training time), so the
stationary tail exponent is the Lundberg root of `numerics.anticollapse._lundberg`.
A diffrax SDE solve (`sde_gaussian`, `VirtualBrownianTree`) cross-checks the
Gaussian (diffusion) case with the reflection replaced by a stiff restoring drift on
X < 0, as (A1) allows.

| code name | symbol | meaning |
|---|---|---|
| `X` | $X=\log(\tau/\tau_b)$ | height above the bulk (state) |
| `Y` | $Y_k=-\Delta\zeta_k$ | per-step increment of X |
| `kappa`, `sigma` | $\kappa,\sigma$ | pull; Gaussian amplitude |
| `p`, `gamma`, `J_max` | $p,\gamma,J_{\max}$ | push probability, Exp rate, bound |
| `lam_J` | $\lambda_J$ | Poisson push rate (per unit time = per step) |
| `c`, `a`, `lam`, `alpha`, `y_c` | $c,a,\lambda,\alpha,y_c$ | Lévy-measure parameters |

Lévy families (tempered stable, truncated stable) are sampled exactly as compound
Poisson for jumps above `eps` (inverse survival function tabulated on a uniform grid
in log S) plus the Asmussen–Rosiński Gaussian approximation of the jumps below `eps`
(matching mean and variance); the error in Φ is $O(\theta^3\int_0^\varepsilon y^3\Pi(dy))$.
Each unit's number of big jumps in a step is drawn by inverse CDF (one uniform); the
jump sizes come from one shared buffer of i.i.d. draws, unit q owning the slots between
the prefix sums of the counts, so its jump sum is a difference of prefix sums of the
buffer: exact compound Poisson at $\approx r$ jump draws per unit and step
(r: the jump rate), instead of a fixed number of slots per unit.
`simulate_levy` runs a whole grid of parameter sets in one compiled scan (traced
tables), as the tempered-stable phase diagram needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from numerics.anticollapse.estimators import hill_tail
from numerics.core import require_x64

__all__ = [
    "SAMPLED_FAMILIES",
    "LEVY_FAMILIES",
    "step_sampler",
    "levy_table",
    "LevyLaw",
    "levy_law",
    "simulate",
    "simulate_levy",
    "simulate_pushes",
    "EVENT_FAMILIES",
    "simulate_summary",
    "sde_gaussian",
]

Sampler = Callable[[PRNGKeyArray, int], Float[Array, " n"]]

#: Families with a per-step sampler (names as in :func:`theory.anticollapse.families`).
SAMPLED_FAMILIES: tuple[str, ...] = (
    "gaussian",
    "poisson_pareto",
    "bernoulli_exp",
    "tempered_lo",
    "tempered_hi",
    "truncated_stable",
    "bounded",
)
#: Families sampled as compound Poisson + small-jump Gaussian (:func:`levy_law`).
LEVY_FAMILIES: tuple[str, ...] = ("tempered_lo", "tempered_hi", "truncated_stable")
_N_TAB = 4096  # points of the uniform log-S grid of the inverse survival function
_LOG_S_MIN = -40.0  # below float64 uniform resolution (log 2^-52 = -36.0): never reached


def levy_table(family: str, params: Sequence[float], eps: float, n_grid: int = 4000) -> dict[str, np.ndarray | float]:
    r"""Tabulate a one-sided Lévy measure $\Pi_+(dy)=\nu(y)dy$ for sampling.

    Returns the rate of jumps above `eps`, the inverse survival function of those
    jumps as a table `(log S, y)` (log S increasing), their mean, and the mean and variance of the jumps below
    `eps` ($\int_0^\varepsilon y\nu$, $\int_0^\varepsilon y^2\nu$, closed forms
    of the power-law part with the tempering factor evaluated by quadrature)."""
    if family in ("tempered_lo", "tempered_hi"):
        _, c, a, lam = params
        nu = lambda y: c * y ** (-1.0 - a) * np.exp(-lam * y)  # noqa: E731
        y_hi = eps + 60.0 / lam
        idx = a
    elif family == "truncated_stable":
        _, c, a, y_c = params
        nu = lambda y: c * y ** (-1.0 - a)  # noqa: E731
        y_hi = y_c
        idx = a
    else:
        raise ValueError(f"family={family!r} has no Lévy table; allowed: tempered_lo, tempered_hi, truncated_stable")
    if not 0 < eps < y_hi:
        raise ValueError(f"eps={eps} is out of range; allowed: 0 < eps < {y_hi}")
    y = np.geomspace(eps, y_hi, n_grid)
    dens = nu(y)
    # tail integrals T(y_i) = ∫_{y_i}^{y_hi} ν by the trapezoid rule in log y (integrand y ν(y)),
    # accumulated from the top so that the far tail keeps full relative precision
    w = np.diff(np.log(y))
    cell = 0.5 * w * (y[1:] * dens[1:] + y[:-1] * dens[:-1])
    tail = np.concatenate([np.cumsum(cell[::-1])[::-1], [0.0]])
    rate = float(tail[0])
    mean_big = float(np.sum(0.5 * w * (y[1:] ** 2 * dens[1:] + y[:-1] ** 2 * dens[:-1])) / rate)
    # inverse of the survival function on a log scale: y = S^{-1}(U) with log S increasing in the table
    keep = tail > 1e-300 * rate
    log_s = np.log(tail[keep] / rate)
    ys_tab = y[keep]
    if not keep[-1]:  # truncated measure: S(y_c) = 0; close the table one decade below the last value
        log_s = np.append(log_s, log_s[-1] - math.log(10.0))
        ys_tab = np.append(ys_tab, y[-1])
    inv = (log_s[::-1], ys_tab[::-1])
    lamt = params[3] if family.startswith("tempered") else 0.0
    mean_small = params[1] * eps ** (1 - idx) / (1 - idx) * math.exp(-lamt * eps / 2) if idx != 1 else float("nan")
    var_small = params[1] * eps ** (2 - idx) / (2 - idx) * math.exp(-lamt * eps / 2)
    return dict(rate=rate, inv_cdf=inv, mean_big=mean_big, mean_small=mean_small, var_small=var_small)


class LevyLaw(NamedTuple):
    r"""Traced step law of a Lévy family: $Y=\text{drift}+\sum_{i\le N}J_i+\text{sd}\,\xi$,
    $N\sim\mathrm{Poisson}(\text{rate})$, $\log J_i$ linear in $\log S$ on the
    uniform grid `[log_s_min, 0]` (`log_y`, `_N_TAB` points). Stack several along
    a leading axis to simulate a parameter grid."""

    drift: Float[Array, ""]
    sd: Float[Array, ""]
    rate: Float[Array, ""]
    log_s_min: Float[Array, ""]
    log_y: Float[Array, " n_tab"]


def levy_law(family: str, params: Sequence[float], *, eps: float | None = None) -> LevyLaw:
    r"""Step law of tempered_lo (κ, c, a, λ), tempered_hi (κ_eff, c, a, λ) or
    truncated_stable (κ_eff, c, α, y_c): jumps above `eps` compound Poisson (rate
    $\int_\varepsilon\Pi_+$), jumps below `eps` Gaussian with their mean and variance.
    Compensated families (index > 1) subtract the big-jump mean $r\,\mathbb E J$ instead.

    Default ε: 0.01 (a < 1) or 0.05, raised to $(c/a)^{1/a}$ so that the big-jump rate
    $c\varepsilon^{-a}/a$ stays ≤ 1 per step."""
    if family not in LEVY_FAMILIES:
        raise ValueError(f"family={family!r}; allowed: {', '.join(LEVY_FAMILIES)}")
    prm = [float(v) for v in params]
    if len(prm) != 4:
        raise ValueError(f"{family} takes 4 parameters; got {len(prm)}")
    base = 0.01 if family == "tempered_lo" else 0.05
    e = eps if eps is not None else max(base, (prm[1] / prm[2]) ** (1.0 / prm[2]))
    tab = levy_table(family, prm, e)
    log_s, ys = tab["inv_cdf"]  # log S increasing to 0, y decreasing to eps
    lo = max(float(log_s[0]), _LOG_S_MIN)
    log_y = np.interp(np.linspace(lo, 0.0, _N_TAB), log_s, np.log(ys))
    shift = -tab["rate"] * tab["mean_big"] if family != "tempered_lo" else tab["mean_small"]
    f = lambda v: jnp.asarray(v, dtype=jnp.float64)  # noqa: E731
    return LevyLaw(f(-prm[0] + shift), f(math.sqrt(tab["var_small"])), f(tab["rate"]), f(lo), f(log_y))


def _count_table(rates: Sequence[float], n: int) -> tuple[Array, int]:
    r"""Per-unit jump counts $N\sim\mathrm{Poisson}(r_g)$ by inverse CDF: the table
    $P(N\le j)$, $j<L$ (one row per rate, common length L, the last entry 1:
    the mass above $r+12\sqrt r+20$, below 1e-30, is folded into it), and the jump
    buffer for `n` units, $\lceil nr+12\sqrt{nr}+20\rceil$ (the total
    $\sum_qN_q\sim\mathrm{Poisson}(nr)$ exceeds it with probability below 1e-30)."""
    from scipy.special import pdtr  # Poisson CDF

    length = max(int(math.ceil(r + 12.0 * math.sqrt(r) + 20.0)) for r in rates)
    cdf = np.stack([pdtr(np.arange(length), r) for r in rates])
    cdf[:, -1] = 1.0
    mu = n * max(rates)
    return jnp.asarray(cdf), int(math.ceil(mu + 12.0 * math.sqrt(mu) + 20.0))


def _levy_increments(key: PRNGKeyArray, law: LevyLaw, count_cdf: Array, n: int, slots: int) -> Array:
    r"""`n` i.i.d. steps of `law`. Unit q draws its count $N_q$ by inverse CDF
    (`_count_table`) and owns the jump slots $[S_{q-1},S_q)$,
    $S_q=\sum_{p\le q}N_p$, of one buffer of i.i.d. jump sizes (tabulated inverse
    survival function); its jump sum is a difference of the buffer's prefix sums (a
    gather: no scatter, no per-unit slots)."""
    kn, ku, kg = jax.random.split(key, 3)
    counts = jnp.searchsorted(count_cdf, jax.random.uniform(kn, (n,)))
    end = jnp.minimum(jnp.cumsum(counts), slots)
    start = jnp.minimum(end - counts, slots)
    u = jax.random.uniform(ku, (slots,), minval=jnp.finfo(jnp.float64).tiny)
    t = jnp.clip((jnp.log(u) - law.log_s_min) / (-law.log_s_min) * (_N_TAB - 1), 0.0, _N_TAB - 1.0)
    i = jnp.minimum(jnp.floor(t).astype(jnp.int32), _N_TAB - 2)
    w = t - i
    jumps = jnp.exp(law.log_y[i] * (1.0 - w) + law.log_y[i + 1] * w)
    csum = jnp.concatenate([jnp.zeros((1,)), jnp.cumsum(jumps)])
    return law.drift + (csum[end] - csum[start]) + law.sd * jax.random.normal(kg, (n,))


def step_sampler(family: str, params: Sequence[float], *, eps: float | None = None) -> Sampler:
    r"""`sample(key, n) -> Y` (n i.i.d. steps of X) for a forcing family.

    Params follow `theory.anticollapse.families` order: gaussian (κ, σ);
    poisson_pareto (κ, λ_J, γ) per unit time; bernoulli_exp (κ, p, γ); tempered_lo
    (κ, c, a, λ); tempered_hi (κ_eff, c, a, λ); truncated_stable (κ_eff, c, α, y_c);
    bounded (κ, p, J_max)."""
    prm = [float(v) for v in params]
    if family == "gaussian":
        kappa, sigma = prm
        return lambda key, n: -kappa + sigma * jax.random.normal(key, (n,))
    if family == "bernoulli_exp":
        kappa, p, gam = prm

        def s(key, n):
            kb, ke = jax.random.split(key)
            return -kappa + jax.random.bernoulli(kb, p, (n,)) * jax.random.exponential(ke, (n,)) / gam

        return s
    if family == "bounded":
        kappa, p, jmax = prm

        def s(key, n):
            kb, ku = jax.random.split(key)
            return -kappa + jax.random.bernoulli(kb, p, (n,)) * jax.random.uniform(ku, (n,)) * jmax

        return s
    if family == "poisson_pareto":
        kappa, lam_j, gam = prm

        def s(key, n):
            kn, kg = jax.random.split(key)
            cnt = jax.random.poisson(kn, lam_j, (n,))
            g = jax.random.gamma(kg, jnp.maximum(cnt, 1).astype(jnp.float64), (n,)) / gam
            return -kappa + jnp.where(cnt > 0, g, 0.0)

        return s
    if family in LEVY_FAMILIES:
        law = levy_law(family, prm, eps=eps)

        def s(key, n):
            cdf, slots = _count_table([float(law.rate)], n)
            return _levy_increments(key, law, cdf[0], n, slots)

        return s
    raise ValueError(f"family={family!r}; allowed: {', '.join(SAMPLED_FAMILIES)}")


@partial(jax.jit, static_argnames=("sampler", "n_units", "n_steps"))
def _run(key, sampler, n_units: int, n_steps: int, x0=None):
    def body(x, k):
        y = sampler(k, n_units)
        return jnp.maximum(0.0, x + y), None

    x0 = jnp.zeros((n_units,)) if x0 is None else x0
    keys = jax.random.split(key, n_steps)
    x, _ = jax.lax.scan(body, x0, keys)
    return x


def simulate(
    family: str,
    params: Sequence[float],
    key: PRNGKeyArray,
    *,
    n_units: int = 200_000,
    n_steps: int = 8000,
    eps: float | None = None,
    x0: Float[Array, " n"] | None = None,
) -> Float[Array, " n"]:
    r"""Final state $X_K$ of `n_units` independent units of (3.2), from X = 0
    (or `x0`), one `jax.lax.scan` step per optimizer step.

    The tail relaxes in $K\gtrsim3\log(n\rho)/(\beta\Phi'(\beta))$ steps ([§9][anticollapse-s9])."""
    require_x64("simulate")
    if n_units < 1 or n_steps < 1:
        raise ValueError(f"n_units={n_units}, n_steps={n_steps}; both must be >= 1")
    return _run(key, step_sampler(family, params, eps=eps), int(n_units), int(n_steps), x0)


@partial(jax.jit, static_argnames=("n_units", "n_steps", "slots"))
def _run_levy(key, laws: LevyLaw, count_cdf, x0, n_units: int, n_steps: int, slots: int):
    step = jax.vmap(lambda kk, law, cdf: _levy_increments(kk, law, cdf, n_units, slots))

    def body(x, k):
        return jnp.maximum(0.0, x + step(jax.random.split(k, x.shape[0]), laws, count_cdf)), None

    x, _ = jax.lax.scan(body, x0, jax.random.split(key, n_steps))
    return x


def simulate_levy(
    specs: Sequence[tuple[str, Sequence[float]]],
    key: PRNGKeyArray,
    *,
    n_units: int = 20_000,
    n_steps: int = 4000,
    eps: float | None = None,
    x0: Float[Array, "G n"] | None = None,
) -> Float[Array, "G n"]:
    r"""Final states $X_K$ of (3.2) for `G` Lévy step laws `specs` = `[(family,
    params), ...]` (families of `LEVY_FAMILIES`), `n_units` each, from X = 0 (or
    `x0`), in one compiled scan vmapped over the laws. The laws (`levy_law`) and
    the jump-count tables are traced, so another grid of the same size reuses the
    compilation."""
    require_x64("simulate_levy")
    if n_units < 1 or n_steps < 1:
        raise ValueError(f"n_units={n_units}, n_steps={n_steps}; both must be >= 1")
    if not specs:
        raise ValueError("specs is empty; need at least one (family, params)")
    laws = [levy_law(fam, prm, eps=eps) for fam, prm in specs]
    stacked = jax.tree.map(lambda *v: jnp.stack(v), *laws)
    cdf, slots = _count_table([float(law.rate) for law in laws], n_units)
    cdf = jnp.pad(cdf, ((0, 0), (0, 64 - cdf.shape[1] % 64)), constant_values=1.0)  # round shapes up: nearby
    slots = 64 * -(-slots // 64)  # grids share one compilation
    x0 = jnp.zeros((len(laws), n_units)) if x0 is None else jnp.asarray(x0, dtype=jnp.float64)
    if x0.shape != (len(laws), n_units):
        raise ValueError(f"x0 has shape {x0.shape}; need ({len(laws)}, {n_units})")
    return _run_levy(key, stacked, cdf, x0, int(n_units), int(n_steps), slots)


#: Families whose pushes arrive as Bernoulli(p) per step (event-driven simulation).
EVENT_FAMILIES: tuple[str, ...] = ("bernoulli_exp", "bounded")


@partial(jax.jit, static_argnames=("family", "n_units", "n_steps", "n_events"))
def _run_events(key, family: str, prm, n_units: int, n_steps: int, n_events: int, x0):
    kappa, p, size = prm

    def body(carry, k):
        x, t, done = carry
        kg, kj = jax.random.split(k)
        u = jax.random.uniform(kg, (n_units,), minval=jnp.finfo(jnp.float64).tiny)
        gap = jnp.maximum(jnp.ceil(jnp.log(u) / jnp.log1p(-p)), 1.0)  # Geometric(p) on {1,2,..}
        if family == "bernoulli_exp":
            jump = jax.random.exponential(kj, (n_units,)) / size
        else:
            jump = jax.random.uniform(kj, (n_units,)) * size
        hit = (t + gap <= n_steps) & ~done  # the next push falls inside [1, K]
        pushed = jnp.maximum(0.0, jnp.maximum(0.0, x - kappa * (gap - 1.0)) - kappa + jump)
        return (jnp.where(hit, pushed, x), jnp.where(hit, t + gap, t), done | ~hit), None

    init = (x0, jnp.zeros((n_units,)), jnp.zeros((n_units,), dtype=bool))
    (x, t, done), _ = jax.lax.scan(body, init, jax.random.split(key, n_events))
    return jnp.maximum(0.0, x - kappa * (n_steps - t)), done


def simulate_pushes(
    family: str,
    params: Sequence[float],
    key: PRNGKeyArray,
    *,
    n_units: int = 200_000,
    n_steps: int = 8000,
    x0: Float[Array, " n"] | None = None,
) -> Float[Array, " n"]:
    r"""The same recursion (3.2) for Bernoulli(p)-push families, simulated exactly event
    by event: between pushes X falls by κ per step (floored at 0); the gap to the next
    push is Geometric(p); $X\leftarrow\max(0,\max(0,X-\kappa(G-1))-\kappa+J)$.
    Costs $\approx pK$ scan iterations instead of K. The number of iterations is
    $pK+10\sqrt{pK}+20$; a unit still short of step K after them raises (never
    observed; probability below $10^{-20}$ per unit)."""
    require_x64("simulate_pushes")
    if family not in EVENT_FAMILIES:
        raise ValueError(f"family={family!r}; allowed: {', '.join(EVENT_FAMILIES)}")
    kappa, p, size = (float(v) for v in params)
    if not 0 < p < 1:
        raise ValueError(f"p={p} is out of range; allowed: 0 < p < 1")
    m = p * n_steps
    n_events = int(math.ceil(m + 10 * math.sqrt(m) + 20))
    x0 = jnp.zeros((n_units,)) if x0 is None else x0
    x, done = _run_events(key, family, (kappa, p, size), int(n_units), int(n_steps), n_events, x0)
    if not bool(jnp.all(done)):
        raise RuntimeError(f"{int((~done).sum())} units ran out of the {n_events} event slots; raise n_events")
    return x


def simulate_summary(x: Float[Array, " n"], k_frac: float = 0.05) -> dict[str, float]:
    r"""Atom mass $P(X=0)$, $P(X>0)$, max X and the Hill exponent of
    $\tau/\tau_b=e^X$ over the top `k_frac` (NaN if too few positive X)."""
    xs = np.asarray(x)
    n = xs.size
    k = max(1, int(k_frac * n))
    pos = int((xs > 0).sum())
    beta = hill_tail(np.exp(xs), k) if pos > k else float("nan")
    return dict(atom=float((xs == 0).mean()), p_pos=pos / n, max=float(xs.max()), hill=beta, k=k)


def sde_gaussian(
    kappa: float,
    sigma: float,
    key: PRNGKeyArray,
    *,
    n_paths: int = 64,
    t1: float = 200.0,
    t_burn: float = 20.0,
    save_every: float = 2.0,
    dt: float = 0.05,
    stiffness: float = 10.0,
) -> Float[Array, " m"]:
    r"""Samples of $dX=(-\kappa+k\max(-X,0))\,dt+\sigma\,dW$ from X = 0 (diffrax,
    Euler–Maruyama, `VirtualBrownianTree`): the Gaussian case of (3.1) with the
    reflection at 0 replaced by a stiff restoring drift of rate `stiffness` on X < 0,
    as (A1) allows. Each path is saved every `save_every` after `t_burn` (ergodic
    sampling); the result is all saved values of all paths. The stationary law on
    x > 0 is exactly $\propto e^{-\beta x}$, $\beta=2\kappa/\sigma^2$."""
    if not (0 < t_burn < t1 and dt > 0 and stiffness * dt < 1):
        raise ValueError(f"need 0 < t_burn={t_burn} < t1={t1} and stiffness*dt={stiffness * dt} < 1")
    ts = jnp.arange(t_burn, t1 + 1e-9, save_every)
    drift = lambda t, x, args: -kappa + stiffness * jnp.maximum(-x, 0.0)  # noqa: E731
    diffusion = lambda t, x, args: sigma * jnp.ones_like(x)  # noqa: E731

    def one(k):
        bm = diffrax.VirtualBrownianTree(0.0, t1, tol=dt, shape=(), key=k)
        terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))
        sol = diffrax.diffeqsolve(
            terms,
            diffrax.Euler(),
            0.0,
            t1,
            dt,
            jnp.asarray(0.0),
            saveat=diffrax.SaveAt(ts=ts),
            max_steps=int(t1 / dt) + 10,
        )
        return sol.ys

    return jax.jit(jax.vmap(one))(jax.random.split(key, n_paths)).reshape(-1)
