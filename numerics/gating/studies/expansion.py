r"""Study `gating-expansion`: the first-order expansion of gated-RNN Jacobian products ([§5][gating-s5]).

Untrained scalar- and vector-gate cells (all weights $\mathcal N(0,0.2^2)$) are
driven by slow noisy sinusoids; along the trajectory the exact Jacobians split as
$J_j=A_j+B_j$. For $F(\varepsilon)=\prod_j(A_j+\varepsilon B_j)$ the study reports

* $E(\varepsilon)=\|F(\varepsilon)-F(0)-\varepsilon L_F\|_F$ and $C_2=E/\varepsilon^2$, with the
  log–log slope of $E$ on the five smallest ε (theory: 2, the remainder is $O(\varepsilon^2)$);
* $L_F$ (prefix/suffix products) against an independent central finite difference of $F$;
* $E(\varepsilon)$ against the rigorous bound $(a+\varepsilon b)^n-a^n-n\varepsilon ba^{n-1}$;
* the statistics of $r_j=\|B_j\|_2/\|A_j\|_2$ and the relative remainder at $\varepsilon=1$.

One compiled seed per gate kind, mapped over the seeds with `numerics.core.run_map`
(seeds walked one after another on a CPU; vmapped on an accelerator).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np  # noqa: E402

from numerics.core import (
    run_map,  # noqa: E402
    subplots,
)
from numerics.gating._cells import init_cell  # noqa: E402
from numerics.gating._products import (  # noqa: E402
    expansion_error,
    first_order_term,
    ordered_product,
    remainder_bound,
    spectral_norm,
    trajectory,
)
from numerics.study import (  # noqa: E402  # noqa: E402
    Check,
    CheckSpec,
    Measurement,
    Option,
    Params,
    Study,
    StudyConfig,
    check_in,
    check_le,
    integer_at_least,
)

EPS_GRID = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
GATES = ("scalar", "vector")
#: docs: gating §10 reference medians of r_j and their seed spread (the check band).
R_BAND = {"scalar": (0.13, 0.07), "vector": (0.05, 0.03)}
FD_STEP = 1e-4


def _inputs(key, T, Ni):
    """Spec E0 inputs: sin(f_k t + phi_k) + 0.05 xi, t in linspace(0, 12, T)."""
    k1, k2 = jax.random.split(key)
    t = jnp.linspace(0.0, 12.0, T)
    f = jnp.linspace(0.03, 0.09, Ni)
    phi = jax.random.normal(k1, (Ni,))
    return jnp.sin(f[None, :] * t[:, None] + phi[None, :]) + 0.05 * jax.random.normal(k2, (T, Ni))


def _one_seed(key, kind, N, Ni, T, std):
    k_cell, k_in = jax.random.split(key)
    cell = init_cell(k_cell, kind, N, Ni, scheme="normal", std=std)
    tr = trajectory(cell, _inputs(k_in, T, Ni))
    A, B = tr.A, tr.B
    eps = jnp.asarray(EPS_GRID)
    E, normF, normF0 = expansion_error(A, B, eps)
    nA, nB = spectral_norm(A), spectral_norm(B)
    bound = remainder_bound(jnp.max(nA), jnp.max(nB), T, eps)
    L = first_order_term(A, B)
    fd = (ordered_product(A + FD_STEP * B) - ordered_product(A - FD_STEP * B)) / (2 * FD_STEP)
    fd_err = jnp.linalg.norm(fd - L) / jnp.linalg.norm(L)
    return dict(E=E, normF=normF, normF0=normF0, nA=nA, nB=nB, bound=bound, fd_err=fd_err)


def _slope(eps, E):
    x, y = np.log(np.asarray(eps)[:5]), np.log(np.asarray(E)[:5])
    return float(np.polyfit(x, y, 1)[0])


@dataclass(frozen=True)
class ExpansionParams(Params):
    """Parameters of `gating-expansion` (defaults: the paper profile).

    | field | meaning |
    |---|---|
    | `seeds` | untrained cells per gate kind |
    | `N`, `Ni` | hidden and input width |
    | `T` | sequence length $n$ (the number of Jacobian factors) |
    | `std` | standard deviation of every initial weight |
    """

    seeds: int = 20
    N: int = 64
    Ni: int = 3
    T: int = 100
    std: float = 0.2


#: |slope - 2| allowed for log E against log eps on the five smallest eps: the remainder is
#: O(eps^2), and at eps <= 1e-3 the O(eps^3) term moves the slope by well under 0.02.
SLOPE_TOL = 0.02
#: L_F against the central difference: O(h^2) truncation ~1e-8 x C3/C1 plus roundoff.
FD_TOL = 1e-6
#: E(eps) / rigorous bound: must not exceed 1 (plus roundoff).
BOUND_TOL = 1.0 + 1e-12

DECLARED = (
    CheckSpec(
        "{gate}.slope_dev",
        f"<= {SLOPE_TOL}",
        "max over seeds of |slope - 2| of log E vs log eps on the five smallest eps; the remainder is O(eps^2)",
    ),
    CheckSpec(
        "{gate}.median_r",
        "in the reference band of the gate (scalar 0.13 +- 0.07, vector 0.05 +- 0.03)",
        "median over seeds of the per-seed median of r_j = ||B_j||/||A_j||; the band is the seed spread "
        "of the toolkit's formulation",
    ),
    CheckSpec(
        "{gate}.LF_vs_finite_difference",
        f"<= {FD_TOL:g}",
        "L_F against an independent central difference of F; O(h^2) truncation plus roundoff",
    ),
    CheckSpec(
        "{gate}.remainder_within_bound",
        "<= 1 + 1e-12",
        "E(eps) never exceeds the rigorous norm-product bound (guards against a wrong E or bound)",
    ),
)


def measure(config: StudyConfig) -> Measurement:
    """Every seed of every gate kind: the truncation errors, norms, bounds and r_j."""
    p = config.params
    keys = jax.random.split(jax.random.key(config.seed), p.seeds)
    eps = np.asarray(EPS_GRID)
    series, stats, raw = {"eps": eps}, {}, {}
    for kind in GATES:
        out = run_map(lambda k: _one_seed(k, kind, p.N, p.Ni, p.T, p.std))(keys)
        out = jax.tree.map(np.asarray, out)
        r = out["nB"] / out["nA"]  # (seeds, T)
        slopes = np.array([_slope(eps, e) for e in out["E"]])
        med_r = np.median(r, axis=1)
        rel1 = out["E"][:, -1] / out["normF"][:, -1]
        raw[kind] = dict(out=out, slopes=slopes, med_r=med_r)
        stats[kind] = dict(
            slope_median=float(np.median(slopes)),
            slope_min=float(slopes.min()),
            slope_max=float(slopes.max()),
            r_median=float(np.median(med_r)),
            r_median_seed_range=[float(med_r.min()), float(med_r.max())],
            r_p90=float(np.percentile(r, 90)),
            r_p99=float(np.percentile(r, 99)),
            r_max=float(r.max()),
            rel_remainder_eps1=float(np.median(rel1)),
            C2_small=float(np.median(out["E"][:, 0] / eps[0] ** 2)),  # C_2 = E / eps^2
            C2_eps1=float(np.median(out["E"][:, -1])),
            C2_small_relative=float(np.median(out["E"][:, 0] / eps[0] ** 2 / out["normF0"])),  # / ||F(0)||_F
            C2_eps1_relative=float(np.median(out["E"][:, -1] / out["normF0"])),
            normA_median=float(np.median(out["nA"])),
            normB_median=float(np.median(out["nB"])),
        )
        series |= {
            f"{kind}_E": out["E"],
            f"{kind}_C2": out["E"] / eps**2,
            f"{kind}_normF0": out["normF0"],
            f"{kind}_normA": out["nA"],
            f"{kind}_normB": out["nB"],
            f"{kind}_r": r,
            f"{kind}_bound": out["bound"],
            f"{kind}_slope": slopes,
        }
    notes = [
        "E0 per gate: "
        + "; ".join(
            f"{k}: slope {v['slope_median']:.4f} [{v['slope_min']:.4f}, {v['slope_max']:.4f}], median r_j "
            f"{v['r_median']:.3f} (seed range {v['r_median_seed_range'][0]:.3f}-{v['r_median_seed_range'][1]:.3f}), "
            f"p90 {v['r_p90']:.3f}, p99 {v['r_p99']:.3f}, max {v['r_max']:.3f}, E(1)/||F(1)|| "
            f"{v['rel_remainder_eps1']:.3g}, ||A|| {v['normA_median']:.2f}, ||B|| {v['normB_median']:.3f}"
            for k, v in stats.items()
        )
    ]
    return Measurement(data=raw, series=series, summary=stats, notes=notes)


def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """The four checks of each gate kind (see `DECLARED`)."""
    seeds, out_checks = config.params.seeds, []
    for kind in GATES:
        out, slopes, med_r = m.data[kind]["out"], m.data[kind]["slopes"], m.data[kind]["med_r"]
        worst = float(np.max(np.abs(slopes - 2.0)))
        out_checks.append(
            check_le(
                f"{kind}.slope_dev",
                worst,
                SLOPE_TOL,
                f"max over {seeds} seeds of |slope - 2| of log E vs log eps on the 5 smallest eps "
                f"(median slope {np.median(slopes):.4f}); tolerance 2.00 +- {SLOPE_TOL}: the remainder is O(eps^2)",
            )
        )
        centre, spread = R_BAND[kind]
        out_checks.append(
            check_in(
                f"{kind}.median_r",
                float(np.median(med_r)),
                centre - spread,
                centre + spread,
                f"median over seeds of the per-seed median of r_j = ||B_j||/||A_j||; band = reference "
                f"{centre} +- {spread}, the seed spread (computed from the toolkit's formulation)",
            )
        )
        out_checks.append(
            check_le(
                f"{kind}.LF_vs_finite_difference",
                float(out["fd_err"].max()),
                FD_TOL,
                f"max relative Frobenius error of L_F (prefix/suffix products) against the central difference "
                f"(F(h)-F(-h))/2h, h={FD_STEP}: independent route; O(h^2) truncation ~1e-8 x C3/C1 plus roundoff",
            )
        )
        ratio = out["E"] / out["bound"]
        out_checks.append(
            check_le(
                f"{kind}.remainder_within_bound",
                float(np.max(ratio)),
                BOUND_TOL,
                "largest E(eps) / [(a+eps b)^n - a^n - n eps b a^(n-1)] over eps and seeds (rigorous bound, "
                "a = max||A_j||, b = max||B_j||): must be <= 1. With n = T steps and a > 1 the norm-product bound "
                "exceeds E by many orders of magnitude, so this guards against a wrong E or bound, not tightness",
            )
        )
    return out_checks


def figures(config: StudyConfig, m: Measurement) -> dict:
    """Truncation error and C_2 against eps, the r_j histogram and per-step norms."""
    return _figures(m.series, m.series["eps"])


def _figures(s, eps):
    colors = {"scalar": "tab:blue", "vector": "tab:orange"}
    fig, (ax1, ax2) = subplots(1, 2, figsize=(11, 4.2))
    for kind in GATES:
        E = s[f"{kind}_E"] / s[f"{kind}_normF0"][:, None]
        med = np.median(E, axis=0)
        ax1.loglog(eps, med, "o", color=colors[kind], label=f"{kind} gate (median over seeds)")
        ax1.fill_between(eps, E.min(0), E.max(0), color=colors[kind], alpha=0.2)
        C2 = med / eps**2
        ax2.loglog(eps, C2, "o-", color=colors[kind], label=kind)
    guide = np.median(s["scalar_E"][:, 0] / s["scalar_normF0"]) * (eps / eps[0]) ** 2
    ax1.loglog(eps, guide, "k--", label=r"slope 2 guide")
    ax1.set(
        xlabel=r"$\varepsilon$",
        ylabel=r"$E(\varepsilon)/\|F(0)\|_F$",
        title=r"Remainder of $\prod(A_j+\varepsilon B_j)$ after first order",
    )
    ax2.set(xlabel=r"$\varepsilon$", ylabel=r"$C_2=E/(\varepsilon^2\|F(0)\|_F)$", title=r"$C_2(\varepsilon)$")
    ax1.legend(), ax2.legend()
    fig.tight_layout()

    fig2, ax = subplots(figsize=(6, 4))
    for kind in GATES:
        r = s[f"{kind}_r"].ravel()
        ax.hist(r, bins=60, alpha=0.6, color=colors[kind], label=f"{kind} (median {np.median(r):.3f})")
    ax.set(xlabel=r"$r_j=\|B_j\|_2/\|A_j\|_2$", ylabel="count (steps x seeds)", title=r"Size of the gate correction")
    ax.legend()
    fig2.tight_layout()

    fig3, axes = subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, kind in zip(axes, GATES):
        j = np.arange(1, s[f"{kind}_normA"].shape[1] + 1)
        ax.semilogy(j, s[f"{kind}_normA"][0], color="tab:blue", label=r"$\|A_j\|_2$")
        ax.semilogy(j, s[f"{kind}_normB"][0], color="tab:orange", label=r"$\|B_j\|_2$")
        ax.semilogy(j, s[f"{kind}_r"][0], color="tab:green", label=r"$r_j$")
        ax.set(xlabel="step $j$", title=f"{kind} gate, seed 0")
    axes[0].set_ylabel("norm")
    axes[0].legend()
    fig3.tight_layout()
    return {"expansion_error": fig, "r_histogram": fig2, "norm_series": fig3}


STUDY = Study(
    name="gating-expansion",
    title="E0: first-order expansion of gated-RNN Jacobian products (E ~ eps^2)",
    paper="gating",
    params=ExpansionParams(),
    # quick and smoke keep the 20-seed pool: the r_j statistics need it (per-seed medians vary 10x)
    profiles={"quick": {}, "smoke": {}},
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(
        Option(
            "seeds", "--seeds", int, "number of seeds (one compiled computation)", integer_at_least(1), multiple=False
        ),
        Option("T", "--T", int, "sequence length", integer_at_least(6), multiple=False),
    ),
    description=__doc__.splitlines()[0],
)
