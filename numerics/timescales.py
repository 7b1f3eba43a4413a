r"""Monte Carlo of the coarse-grained time-scale process (spec §3, Livi arXiv:2606.29519).

The Lindley/Kesten recursion (3.2) in :math:`X=\log(\tau/\tau_b)\ge0`,

.. math:: X_{k+1}=\max(0,\;X_k+Y_k),\qquad Y_k=-\kappa+J_k-J'_k+\sigma\xi_k\ \text{i.i.d.},

is run for ``n`` independent units with :func:`jax.lax.scan` over steps, vectorised
over units, with explicit keys. Per-step samplers of :math:`Y_k` exist for every
forcing family of spec §5; their per-step cumulant is the family's Φ (continuous
families: the increment of the Lévy process over one unit of training time), so the
stationary tail exponent is the Lundberg root of :mod:`numerics.lundberg`.
A diffrax SDE solve (:func:`sde_gaussian`, ``VirtualBrownianTree``) cross-checks the
Gaussian (diffusion) case with the reflection replaced by a stiff restoring drift on
X < 0, as (A1) allows.

| code name | symbol | meaning |
|---|---|---|
| ``X`` | :math:`X=\log(\tau/\tau_b)` | height above the bulk (state) |
| ``Y`` | :math:`Y_k=-\Delta\zeta_k` | per-step increment of X |
| ``kappa``, ``sigma`` | :math:`\kappa,\sigma` | pull; Gaussian amplitude |
| ``p``, ``gamma``, ``J_max`` | :math:`p,\gamma,J_{\max}` | push probability, Exp rate, bound |
| ``lam_J`` | :math:`\lambda_J` | Poisson push rate (per unit time = per step) |
| ``c``, ``a``, ``lam``, ``alpha``, ``y_c`` | :math:`c,a,\lambda,\alpha,y_c` | Lévy-measure parameters |

Lévy families (tempered stable, truncated stable) are sampled exactly as compound
Poisson for jumps above ``eps`` (inverse CDF tabulated on a fine log grid) plus the
Asmussen–Rosiński Gaussian approximation of the jumps below ``eps`` (matching mean
and variance); the error in Φ is :math:`O(\theta^3\int_0^\varepsilon y^3\Pi(dy))`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

import numerics  # noqa: F401
from numerics.estimators import stable_symmetric

__all__ = [
    "SAMPLED_FAMILIES",
    "step_sampler",
    "levy_table",
    "simulate",
    "simulate_pushes",
    "EVENT_FAMILIES",
    "simulate_summary",
    "sde_gaussian",
    "stable_symmetric",
]

Sampler = Callable[[PRNGKeyArray, int], Float[Array, " n"]]

#: Families with a per-step sampler (names as in :func:`theory.anticollapse.families`).
SAMPLED_FAMILIES: tuple[str, ...] = (
    "gaussian", "poisson_pareto", "bernoulli_exp", "tempered_lo", "tempered_hi",
    "truncated_stable", "bounded",
)
_MAX_JUMPS = 8  # jump slots per step for compound-Poisson samplers


def levy_table(family: str, params: Sequence[float], eps: float, n_grid: int = 4000) -> dict[str, np.ndarray | float]:
    r"""Tabulate a one-sided Lévy measure :math:`\Pi_+(dy)=\nu(y)dy` for sampling.

    Returns the rate of jumps above ``eps``, the inverse survival function of those
    jumps as a table ``(log S, y)`` (log S increasing), their mean, and the mean and variance of the jumps below
    ``eps`` (:math:`\int_0^\varepsilon y\nu`, :math:`\int_0^\varepsilon y^2\nu`, closed forms
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


def _compound(key, n, rate, inv):
    kn, ku = jax.random.split(key)
    counts = jax.random.poisson(kn, rate, (n,))
    u = jax.random.uniform(ku, (n, _MAX_JUMPS), minval=jnp.finfo(jnp.float64).tiny)
    jumps = jnp.interp(jnp.log(u), inv[0], inv[1])  # S(J) = U
    mask = jnp.arange(_MAX_JUMPS)[None, :] < counts[:, None]
    return jnp.sum(jnp.where(mask, jumps, 0.0), axis=1)


def step_sampler(family: str, params: Sequence[float], *, eps: float | None = None) -> Sampler:
    r"""``sample(key, n) -> Y`` (n i.i.d. steps of X) for a forcing family.

    Params follow :func:`theory.anticollapse.families` order: gaussian (κ, σ);
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
    if family in ("tempered_lo", "tempered_hi", "truncated_stable"):
        compensated = family != "tempered_lo"
        # default ε: 0.01 (a<1) or 0.05, raised so that the big-jump rate c ε^{-a}/a stays <= 1
        base = 0.01 if family == "tempered_lo" else 0.05
        e = eps if eps is not None else max(base, (prm[1] / prm[2]) ** (1.0 / prm[2]))
        tab = levy_table(family, prm, e)
        if tab["rate"] > 2.0:
            raise ValueError(f"eps={e} gives {tab['rate']:.2f} jumps per step; raise eps (need <= 2 for {_MAX_JUMPS} slots)")
        inv = (jnp.asarray(tab["inv_cdf"][0]), jnp.asarray(tab["inv_cdf"][1]))
        shift = -tab["rate"] * tab["mean_big"] if compensated else tab["mean_small"]
        sd = math.sqrt(tab["var_small"])
        kappa = prm[0]

        def s(key, n):
            kj, kg = jax.random.split(key)
            return -kappa + shift + _compound(kj, n, tab["rate"], inv) + sd * jax.random.normal(kg, (n,))
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
    r"""Final state :math:`X_K` of ``n_units`` independent units of (3.2), from X = 0
    (or ``x0``), one :func:`jax.lax.scan` step per optimizer step.

    The tail relaxes in :math:`K\gtrsim3\log(n\rho)/(\beta\Phi'(\beta))` steps (spec §9)."""
    if n_units < 1 or n_steps < 1:
        raise ValueError(f"n_units={n_units}, n_steps={n_steps}; both must be >= 1")
    return _run(key, step_sampler(family, params, eps=eps), int(n_units), int(n_steps), x0)


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
    push is Geometric(p); :math:`X\leftarrow\max(0,\max(0,X-\kappa(G-1))-\kappa+J)`.
    Costs :math:`\approx pK` scan iterations instead of K. The number of iterations is
    :math:`pK+10\sqrt{pK}+20`; a unit still short of step K after them raises (never
    observed; probability below :math:`10^{-20}` per unit)."""
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
    r"""Atom mass :math:`P(X=0)`, :math:`P(X>0)`, max X and the Hill exponent of
    :math:`\tau/\tau_b=e^X` over the top ``k_frac`` (NaN if too few positive X)."""
    from numerics.estimators import hill_tail

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
    r"""Samples of :math:`dX=(-\kappa+k\max(-X,0))\,dt+\sigma\,dW` from X = 0 (diffrax,
    Euler–Maruyama, ``VirtualBrownianTree``): the Gaussian case of (3.1) with the
    reflection at 0 replaced by a stiff restoring drift of rate ``stiffness`` on X < 0,
    as (A1) allows. Each path is saved every ``save_every`` after ``t_burn`` (ergodic
    sampling); the result is all saved values of all paths. The stationary law on
    x > 0 is exactly :math:`\propto e^{-\beta x}`, :math:`\beta=2\kappa/\sigma^2`."""
    if not (0 < t_burn < t1 and dt > 0 and stiffness * dt < 1):
        raise ValueError(f"need 0 < t_burn={t_burn} < t1={t1} and stiffness*dt={stiffness * dt} < 1")
    ts = jnp.arange(t_burn, t1 + 1e-9, save_every)
    drift = lambda t, x, args: -kappa + stiffness * jnp.maximum(-x, 0.0)  # noqa: E731
    diffusion = lambda t, x, args: sigma * jnp.ones_like(x)  # noqa: E731

    def one(k):
        bm = diffrax.VirtualBrownianTree(0.0, t1, tol=dt, shape=(), key=k)
        terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))
        sol = diffrax.diffeqsolve(terms, diffrax.Euler(), 0.0, t1, dt, jnp.asarray(0.0),
                                  saveat=diffrax.SaveAt(ts=ts), max_steps=int(t1 / dt) + 10)
        return sol.ys

    return jax.jit(jax.vmap(one))(jax.random.split(key, n_paths)).reshape(-1)
