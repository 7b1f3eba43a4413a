r"""Study `integrator-rich`: the outlier of a small-$\sigma$ linear RNN vs the reduced theory.

[§5][integrator-s5] (rich regime), [tables T2][integrator-t2], [T3][integrator-t3] and
[T9][integrator-t9], and [§11][integrator-s11] figures 1–3 of the
[integrator formulation][integrator-formulation] (arXiv:2503.18754; the formulation and every
reference value are the toolkit's). The full network ($N$ units, $W_0=\sigma G/\sqrt N$,
$u_0,v_0\sim\mathcal N(0,I)$, raw leaky target $e^{-c_\star\tau}$, mean-field $s=1/N$, default
rates) is trained by gradient flow (`numerics.integrator.gradient_flow`) and compared with

* the **idealised reduced 2×2 flow** (code-generated, `numerics.integrator.reduced_flow`)
  from the orthogonal start $a=e_1,b=e_2,M=0$ ([§5.3][integrator-s5-3]): the large-$N$,
  $\sigma=0$ limit, so the gap at $\sigma=0$ is the finite-$N$ effect of
  $u_0\cdot v_0/N\ne0$, $|u_0|^2/N\ne1$ ($O(N^{-1/2})$);
* the **aligned 2-D outlier ODE** (`numerics.integrator.aligned_flow`, [§5.2][integrator-s5-2])
  from the balanced aligned start $p_0=1,\lambda_0=0,C=0$ (the convention of table T1; no
  alignment phase);
* the **exact reduction** ([table T9][integrator-t9]): at $\sigma=0$ ($W_0=0$) the network equals
  the 2×2 flow started from `numerics.integrator.reduce_from_network` ($W=EME^\top$,
  $u=\sqrt NEa$, $v=\sqrt NEb$). Because of this identity the draw-to-draw
  distribution of the $\sigma=0$ gap is computed for many draws through the reduction
  (an *ensemble*), which gives the $N^{-1/2}$ exponent with a small standard error.

| code name | symbol | meaning |
|---|---|---|
| `c_star` | $c_\star$ | target rate; learned outlier $1-c_\star$ |
| `sigma` | $\sigma$ | bulk radius of $W_0$ |
| `N` | $N$ | hidden units |
| `lam_net`, `lam_th` | $\lambda_{\mathrm{out}}(t)$ | network outlier (tracked), 2×2-theory top eigenvalue |
| `gap` | $\max_t|\lambda_{\mathrm{net}}-\lambda_{\mathrm{th}}|$ | largest outlier gap over training |
| `L` | $L(t)$ | population loss |

**Checks** (tolerances and their reasons are stated in each check's description):

* `exact_reduction_*` (σ=0): [table T9][integrator-t9], network vs code-generated 2×2 flow from
  its own start, ≤1e-8. σ=0 points are integrated at `rtol=1e-10, atol=1e-12` for this; σ>0
  points at `rtol_bulk`/`atol_bulk` (default 1e-8/1e-10, the toolkit default).
* **Network draws** (`network_draws` = $D$, `--draws`): every grid point trains $D$
  networks (keys `0..D-1`) in one compiled computation
  (`numerics.integrator.gradient_flow_draws`); quick uses one ([§11][integrator-s11]), paper five. Every
  network check below holds the *worst* draw; the notes give mean ± SD and range.
* `outlier_gap_*`, `loss_logratio_*` (σ=0): each draw against 4× the RMS of the same
  quantity over the exact-reduction ensemble at that $N$ (the gap is $|Z|N^{-1/2}$ with
  a random $Z$, so a single draw cannot be held to a fixed number). The ensemble draws
  exclude the networks' own draws (keys `D..D+K-1`), so the tolerance is independent of the
  values it judges.
* `gap_exponent_sigma0_*`: exponent of the ensemble-RMS gap vs $N$, $-1/2\pm0.2$, fitted
  over $N\ge$ `fit_N_min` (quick and paper: 1000; the ensemble costs almost nothing per
  $N$, so it runs to $N=10^5$). The law is asymptotic: the gap is the largest eigenvalue
  difference during the outlier's rise, linear in the $O(N^{-1/2})$ escape-time shift only
  once that shift is small against the rise, which steepens as $c_\star$ falls (at
  $c_\star=0.05$ the exponent over $N=100$–2000 is about −0.3);
  `gap_rms_N500_*`: RMS gap at $N=500$ ≤ 0.02 where that holds ($c_\star\ge0.5$;
  for smaller $c_\star$ the fast rise of the outlier turns the $O(N^{-1/2})$ shift of the
  escape time into a larger gap, reported in the notes).
* `final_outlier_*`: $|\lambda_{\mathrm{net}}(T)-(1-c_\star)|$ within the idealised flow's own
  residual (slow second mode, [§5.3][integrator-s5-3]) plus 4× the (independent) ensemble
  spread of $\lambda(T)$.
* [Table T2][integrator-t2] (`T2_top_eigenvalue_t*`, `outlier_rel_gap_*`, `bulk_rel_offset_*`,
  `bulk_speeds_late_convergence_*`): only at $N=100,\sigma=0.1,c_\star=0.2$, $T\ge20$,
  where the formulation states them; other σ>0 points report the bulk-induced offsets in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from numerics.core import SolveError, UsageError, subplots
from numerics.integrator.studies import _common as ic, _extra as ex
from numerics.study import (
    Check,
    CheckSpec,
    Cost,
    Measurement,
    Params,
    Study,
    StudyConfig,
    check_in,
    check_le,
    check_true,
)

__all__ = ["STUDY", "RichParams", "measure", "checks", "figures"]

NAME = "integrator-rich"
T2_POINT = (0.2, 0.1, 100)
#: reference table T2 of the toolkit's formulation (docs: integrator §9): t -> (top eigenvalue,
#: single-draw tolerance)
T2_REF = {2.0: (0.760, 0.015), 6.0: (0.784, 0.006), 20.0: (0.7995, 0.003)}
#: relative outlier gap at the table T2 point: reference table T2 (docs: integrator §9) states that the
#: outlier agrees to <= 1.5%; the same 1.5% is the study tolerance of the bulk offset (see
#: `bulk_rel_offset_*`: the toolkit's draw at that point gives 1.06%, so 1.5% leaves ~40% margin for the draw)
REL_TOL_BULK = 0.015
DELTA_ESCAPE = 0.05  # docs: integrator §8: outside the disk of radius sigma + delta
T_LATE = 2.0  # relative outlier agreement is measured for t >= T_LATE (after the escape; the table T2 times)
#: a single draw is held to this multiple of the RMS of the same quantity over an independent
#: ensemble (outlier gap, loss log-ratio, final-outlier spread): see `ENSEMBLE_WHY`
ENSEMBLE_FACTOR = 4
#: why a single draw is held to 4x the RMS of an independent ensemble (shared by three checks)
ENSEMBLE_WHY = (
    "the deviation is |Z| N^-1/2 with Z random and the ensemble independent of this draw, so a "
    "Gaussian-like Z exceeds 4 RMS with probability ~1e-4; the RMS estimate itself has relative "
    "SE ~1/sqrt(2K)"
)
#: the finite-N spread of lambda(T) used by `final_outlier_*` only when no ensemble runs
#: (`ensemble_draws` < 2 or fewer than two ensemble sizes): a nominal value, not a derived one; every
#: profile runs the ensemble
LATE_RMS_FALLBACK = 0.01
#: expected exponent of the sigma=0 gap vs N: O(N^-1/2) initial deviations (docs: integrator §5.1, §5.3)
GAP_EXPONENT = -0.5
#: tolerance of the fitted exponent: >= 3 bootstrap SE at the quick/paper draw counts, plus the O(1/N)
#: curvature of the pre-asymptotic law
GAP_EXPONENT_TOL = 0.2
#: RMS sigma=0 gap at N = 500 (a study requirement), held only for c* >= GAP_N500_C_MIN: below that
#: the fast rise of the outlier turns the O(N^-1/2) escape-time shift into a larger gap (notes)
GAP_N500_TOL = 0.02
GAP_N500_C_MIN = 0.5

DECLARED = (
    CheckSpec(
        "exact_reduction_c{c}_s{s}_N{N}",
        f"<= {ic.EXACT_TOL:g}",
        "sigma=0: full network (worst draw) against the code-generated 2x2 flow from reduce_from_network "
        "(docs: integrator §5.1, table T9), max deviation of W, u, v and L; both solved at rtol 1e-10, atol 1e-12",
    ),
    CheckSpec(
        "outlier_gap_c{c}_s{s}_N{N}",
        f"<= {ENSEMBLE_FACTOR} x the ensemble RMS gap at this N",
        "sigma=0: max_t |lambda_net - lambda_2x2| (worst draw); the gap is |Z| N^-1/2 with Z random, so it is "
        "held to 4x the RMS over independent exact-reduction draws (exceeded with probability ~1e-4)",
    ),
    CheckSpec(
        "loss_logratio_c{c}_s{s}_N{N}",
        f"<= {ENSEMBLE_FACTOR} x the ensemble RMS at this N",
        "sigma=0: max_t |log(L_net/L_2x2)| (worst draw); a draw-dependent O(N^-1/2) offset, held like the gap",
    ),
    CheckSpec(
        "outlier_rel_gap_c{c}_s{s}_N{N}",
        f"<= {REL_TOL_BULK}",
        "table T2 point only: max over t >= 2 of |lambda_net - lambda_2x2| / |lambda_2x2| (worst draw); the 1.5% "
        "of reference table T2 (docs: integrator §9)",
    ),
    CheckSpec(
        "bulk_rel_offset_c{c}_s{s}_N{N}",
        f"<= {REL_TOL_BULK}",
        "table T2 point only: max over t >= 2 of the relative outlier offset between the sigma > 0 and the "
        "W0 = 0 network with the same u0, v0 (study tolerance; the toolkit's draw at this point gives 1.06%)",
    ),
    CheckSpec(
        "bulk_speeds_late_convergence_c{c}_s{s}_N{N}",
        "is True",
        "table T2 point only: with the same u0, v0 the sigma > 0 network ends closer to 1 - c* and at lower loss "
        "than the W0 = 0 network, in every draw (the bulk removes the slow second mode)",
    ),
    CheckSpec(
        "final_outlier_c{c}_s{s}_N{N}",
        "<= the 2x2 flow's own residual + 4 x the ensemble RMS of lambda(T)",
        "|lambda_net(T) - (1 - c*)| (worst draw); the idealised flow's residual is its slow second mode "
        "(docs: integrator §5.3), the finite-N spread comes from independent exact-reduction draws",
    ),
    CheckSpec(
        "T2_top_eigenvalue_t{t}",
        "in the reference +- its single-draw tolerance (t=2: 0.760 +- 0.015, 6: 0.784 +- 0.006, 20: 0.7995 +- 0.003)",
        "top eigenvalue at N=100, sigma=0.1, c*=0.2 (the draw furthest from the reference) against reference "
        "table T2 (docs: integrator §9)",
    ),
    CheckSpec(
        "gap_exponent_sigma0_c{c}",
        f"in [{GAP_EXPONENT - GAP_EXPONENT_TOL:g}, {GAP_EXPONENT + GAP_EXPONENT_TOL:g}]",
        "fitted exponent of the ensemble-RMS sigma=0 outlier gap vs N over N >= fit_N_min; O(N^-1/2) initial "
        "deviations; the tolerance is >= 3 bootstrap SE plus O(1/N) curvature",
    ),
    CheckSpec(
        "gap_rms_N500_c{c}",
        f"<= {GAP_N500_TOL}",
        f"RMS sigma=0 outlier gap at N=500 over the exact-reduction draws (study requirement; only for "
        f"c* >= {GAP_N500_C_MIN})",
    ),
)


@dataclass(frozen=True)
class RichParams(Params):
    """Parameters of `integrator-rich` (defaults: the paper profile, the grid of [§11][integrator-s11]).

    | field | meaning |
    |---|---|
    | `points` | explicit $(c_\\star,\\sigma,N)$ grid points (used when `c_star`, `sigma`, `N` are all `None`) |
    | `c_star`, `sigma`, `N` | grid axes: the grid is their product (an axis that is `None` takes the values used by `points`) |
    | `target` | `--target` override: one leaky target `exp:RATE[:AMP]` replacing the $e^{-c_\\star\\tau}$ family |
    | `t_max` | training horizon; `t_max_small_c` caps it for $c_\\star<0.1$ (`None`: no cap) |
    | `t_early`, `n_early`, `dt_late` | save times: `n_early` on $[0,t_{\\mathrm{early}}]$, then every `dt_late` |
    | `ensemble_N`, `ensemble_draws` | sizes and draws $K$ of the $\\sigma=0$ exact-reduction ensemble |
    | `fit_N_min` | smallest ensemble $N$ in the exponent fit |
    | `network_draws` | full-network draws $D$ per grid point |
    | `snapshot_times` | training times of the spectrum snapshots |
    | `rtol`, `atol` | solver tolerances of the theory, the ensemble and the $\\sigma=0$ networks |
    | `rtol_bulk`, `atol_bulk` | solver tolerances of the $\\sigma>0$ networks |
    """

    points: tuple[tuple[float, float, int], ...] = ()
    c_star: tuple[float, ...] | None = (0.5, 0.2, 0.1, 0.05)
    sigma: tuple[float, ...] | None = (0.0, 0.05, 0.1)
    N: tuple[int, ...] | None = (100, 200, 500)
    target: Any = None
    t_max: float = 20.0
    t_max_small_c: float | None = 5.0
    t_early: float = 2.0
    n_early: int = 81
    dt_late: float = 0.25
    ensemble_N: tuple[int, ...] = (100, 200, 500, 1000, 2000, 5000, 10_000, 100_000)
    fit_N_min: int = 1000
    ensemble_draws: int = 256
    network_draws: int = 5  # docs: integrator §11: >= 5 draws per point
    snapshot_times: tuple[float, ...] = (0.0, 0.5, 2.0, 20.0)
    rtol: float = 1e-10
    atol: float = 1e-12
    rtol_bulk: float = 1e-8
    atol_bulk: float = 1e-10

    def __post_init__(self) -> None:
        ex.freeze_lists(self)  # grids given as lists (Python API overrides) are held as tuples


def _get(params, key: str, default: Any = None) -> Any:
    """`params[key]` of a `RichParams` or a plain mapping; `default` if it is absent or `None`."""
    value = params[key] if key in params else None
    return default if value is None else value


# ----------------------------------------------------------------------------- cost
#: Measured full-network flow cost on the 2-core development CPU: one draw at N = 500
#: (sigma = 0.1, c* = 0.2, 254 Tsit5 steps, each solving N x N Lyapunov equations) took about
#: 150 s; the work per step is O(N^3), so the model scales that figure by (N / 500)^3.
FLOW_SECONDS_AT_500 = 150.0
#: N x N float64 arrays alive per flow besides the saved path (solver stages, Lyapunov
#: doubling workspace, gradients): a generous count, so the guard errs on the safe side.
FLOW_WORK_MATRICES = 40


def estimate(params: RichParams, available_bytes: float) -> Cost:
    """Time and peak memory of the full-network flows (the exact-reduction ensemble and the
    reduced flows are negligible next to them)."""
    pts = _grid(params)
    draws = int(params.network_draws)
    n_saves = len(_times(params, float(params.t_max)))
    seconds = sum(draws * (FLOW_SECONDS_AT_500 * (n / 500.0) ** 3 + 1.0) for _, _, n in pts)
    per_n2 = 8.0 * (draws * n_saves + FLOW_WORK_MATRICES)
    n_max = max(n for _, _, n in pts)
    largest = int((available_bytes / per_n2) ** 0.5) if available_bytes < float("inf") else 0
    return Cost(
        seconds=seconds,
        peak_bytes=per_n2 * n_max**2,
        basis=f"{len(pts)} grid points x {draws} draws; flows scaled as N^3 from a measured N = 500 flow "
        "of about 150 s on a 2-core CPU",
        largest=f"N <= {largest} with {draws} draws and {n_saves} save times" if largest else "",
    )


# ----------------------------------------------------------------------------- grid
def _grid(params) -> list[tuple[float, float, int]]:
    """Parameter points: the explicit `points` list, or the product of the `c_star`,
    `sigma`, `N` lists (an axis not given takes the values used by `points`)."""
    pts = [tuple(p) for p in _get(params, "points", [])]
    axes = {}
    for i, key in enumerate(("c_star", "sigma", "N")):
        given = _get(params, key)
        axes[key] = list(given) if given is not None else sorted({p[i] for p in pts}, reverse=(i == 0))
    if any(_get(params, k) is not None for k in ("c_star", "sigma", "N")) or not pts:
        pts = [(c, s, n) for c in axes["c_star"] for s in axes["sigma"] for n in axes["N"]]
    return [(float(c), float(s), int(n)) for c, s, n in pts]


def _times(params, t_max: float) -> np.ndarray:
    """Save times: dense on `[0, t_early]` (the fast rise of the outlier), then every `dt_late`."""
    te = min(float(params["t_early"]), t_max)
    early = np.linspace(0.0, te, int(params["n_early"]))
    late = np.arange(te, t_max + 1e-9, float(params["dt_late"]))[1:]
    ts = np.concatenate([early, late])
    if ts[-1] < t_max - 1e-9:
        ts = np.append(ts, t_max)
    return ts


def _t_max(params, c: float) -> float:
    """`t_max`; stiff small $c_\\star<0.1$ use `t_max_small_c` (rate $\\approx1/4c_\\star^3$)."""
    t = float(params["t_max"])
    if c < 0.1 and _get(params, "t_max_small_c") is not None:
        t = min(t, float(params["t_max_small_c"]))
    return t


def _override(params) -> tuple[Any, float]:
    """The `--target` override and its amplitude `(target, A*)`, or `(None, 1.0)`; a target that is
    not a single leaky mode raises `UsageError`."""
    t = _get(params, "target")
    if not t:
        return None, 1.0
    # one spec (the option is not repeatable); a list of targets from the Python API is summed
    override = ic.sum_targets(t) if isinstance(t, list) or (isinstance(t, tuple) and not hasattr(t, "As")) else t
    if np.asarray(override.As).shape != (1, 1):
        raise UsageError(
            f"{NAME} takes one leaky target (exp:RATE[:AMP]); for oscillators use "
            "integrator-oscillator, for sums integrator-multi"
        )
    return override, float(np.asarray(override.bs)[0] * np.asarray(override.cs)[0])


def _validate(params: RichParams) -> None:
    """`network_draws` is an integer >= 1; the `--target` override is one leaky mode."""
    ic.network_draws(params)
    _override(params)


# ----------------------------------------------------------------------------- theory
def _tp(c: float, amp: float) -> np.ndarray:
    """Parameters `[A_star, c_star]` of the generated leaky flows."""
    return np.array([float(amp), float(c)])


def _theory(c: float, amp: float, ts: np.ndarray, rtol: float, atol: float) -> dict[str, np.ndarray]:
    """Idealised 2×2 flow (orthogonal start) and aligned ODE (balanced start) for raw $e^{-c\\tau}$."""
    from numerics.integrator import _reduced as rd

    tp = _tp(c, amp)
    a0, b0, M0 = rd.orthogonal_start()
    try:
        red = rd.reduced_flow(a0, b0, M0, tp, ts, "leaky", rtol=rtol, atol=atol)
        al = rd.aligned_flow(1.0, 1.0, amp, c, 0.0, ts, rtol=rtol, atol=atol)
    except SolveError as exc:
        raise SolveError(f"{NAME}: reduced theory failed at c_star={c}: {exc}") from None
    return {"lam": red["eig"][:, 0], "eig": red["eig"], "L": red["L"], "lam_aligned": al["lam"], "L_aligned": al["L"]}


#: key index `k` of the first full-network draw at each `N` (`point_key(seed, N, NETWORK_DRAW + j)`
#: for draw `j < network_draws`)
NETWORK_DRAW = 0


def _reduction_starts(seed: int, Ns, draws: int, network_draws: int = 1):
    """`_common.reduction_starts` of the σ=0 ensemble, `draws` members per `N`.

    Member `j` at size `N` uses the key `point_key(seed, N, NETWORK_DRAW + network_draws + j)`, so
    the ensemble never contains a full network's own draw (keys `NETWORK_DRAW .. NETWORK_DRAW +
    network_draws - 1`): the tolerances built from it are independent of the networks they judge
    (pinned by a test).
    """
    import jax

    a0 = np.empty((len(Ns), draws, 2))
    b0 = np.empty((len(Ns), draws, 2))
    for i, n in enumerate(Ns):
        base = ic.point_key(seed, n)
        keys = jax.vmap(lambda k: jax.random.fold_in(base, k))(jnp.arange(draws) + NETWORK_DRAW + network_draws)
        a0[i], b0[i] = ic.reduction_starts(keys, n)
    return a0, b0


def _ensemble(
    c: float, amp: float, ts: np.ndarray, a0: np.ndarray, b0: np.ndarray, theory: dict, rtol: float, atol: float
) -> dict[str, np.ndarray]:
    r"""σ=0 gap, loss log-ratio and final-outlier deviation for every draw via the exact reduction
    ([table T9][integrator-t9]); each of shape `(len(N), draws)`. Solved in batches of `BATCH_QUANTUM` so the
    compiled solver of the theory lines is reused."""
    from numerics.integrator import _reduced as rd

    shape = a0.shape[:2]
    a0f, b0f = a0.reshape(-1, 2), b0.reshape(-1, 2)
    tp = _tp(c, amp)
    q = rd.BATCH_QUANTUM  # one compiled batch size, shared with the theory solves
    eig, L = [], []
    try:
        for i in range(0, a0f.shape[0], q):
            out = rd.reduced_flow(
                a0f[i : i + q],
                b0f[i : i + q],
                np.zeros((len(a0f[i : i + q]), 2, 2)),
                tp,
                ts,
                "leaky",
                rtol=rtol,
                atol=atol,
            )
            eig.append(np.atleast_2d(out["eig"][..., 0]))
            L.append(np.atleast_2d(out["L"]))
    except SolveError as exc:
        raise SolveError(f"{NAME}: ensemble reduced flow failed at c_star={c}, sigma=0: {exc}") from None
    lam = np.concatenate(eig).reshape(shape + (len(ts),))
    L = np.concatenate(L).reshape(shape + (len(ts),))
    gap = np.max(np.abs(lam - theory["lam"]), axis=-1)
    logr = np.max(np.abs(np.log(L / theory["L"])), axis=-1)
    late = np.abs(lam[..., -1] - theory["lam"][-1])
    return {"gap": gap, "logratio": logr, "late": late}


# ----------------------------------------------------------------------------- network
def _networks(
    c: float, sigma: float, n: int, target, ts: np.ndarray, seed: int, draws: int, rtol: float, atol: float
) -> list[dict[str, Any]]:
    """`draws` full networks (keys `point_key(seed, n, NETWORK_DRAW + j)`), trained in one compiled
    computation (`numerics.integrator.gradient_flow_draws`). The same key gives the same
    $u_0,v_0$ at every σ (only $W_0$ scales with σ), so draw `j` at σ>0 and at σ=0 differ
    only by the bulk."""
    import jax

    from numerics import integrator as lr

    keys = jnp.stack([ic.point_key(seed, n, NETWORK_DRAW + j) for j in range(draws)])
    P0 = jax.vmap(lambda k: lr.init_params(k, n, sigma))(keys)
    try:
        outs = lr.gradient_flow_draws(
            P0, target, jnp.asarray(ts), rtol=rtol, atol=atol, keep_W=(sigma == 0.0), n_eigs=n
        )
    except SolveError as exc:
        raise SolveError(
            f"{NAME}: network gradient flow failed at c_star={c}, sigma={sigma}, N={n} "
            f"({exc}); try solver='kvaerno5' (stiff) or a shorter t_max"
        ) from None
    nets = []
    for j, out in enumerate(outs):
        eigs = np.asarray(out["eig_top"])
        nets.append(
            {
                "p0": jax.tree.map(lambda x: x[j], P0),
                "out": out,
                "eigs": eigs,
                "lam": ic.track_outliers(list(eigs))[:, 0],
                "L": np.asarray(out["loss"]),
            }
        )
    return nets


def _exactness(net: dict[str, Any], c: float, amp: float, ts: np.ndarray, rtol: float, atol: float) -> dict:
    r"""[Table T9][integrator-t9]: deviation of the σ=0 network from the code-generated 2×2 flow started from
    `reduce_from_network` (`_common.reduction_deviation`: $W$ vs
    $EME^\top$; $u/\sqrt N$ vs $Ea$; $v/\sqrt N$ vs $Eb$; the loss)."""
    from numerics.integrator import _reduced as rd
    from numerics.integrator._linear_rnn import reduce_from_network

    p0, out = net["p0"], net["out"]
    red0, E = reduce_from_network(p0.u, p0.v)
    try:
        red = rd.reduced_flow(red0.u, red0.v, red0.W, _tp(c, amp), ts, "leaky", rtol=rtol, atol=atol)
    except SolveError as exc:
        raise SolveError(
            f"{NAME}: reduced flow from reduce_from_network failed at c_star={c}, sigma=0, N={E.shape[0]}: {exc}"
        ) from None
    return ic.reduction_deviation(out["W"], out["u"], out["v"], out["loss"], E, red["M"], red["a"], red["b"], red["L"])


def _target_for(c: float, override) -> Any:
    r"""The raw leaky target $e^{-c\tau}$, or the `--target` override."""
    from numerics.integrator._targets import make_target

    return make_target("leaky", c_star=c) if override is None else override


# ----------------------------------------------------------------------------- measure
def measure(config: StudyConfig) -> Measurement:
    """Theory lines per $c_\\star$, the σ=0 exact-reduction ensemble, the full networks of every grid
    point, and what the checks compare (one record per point, one per $c_\\star$ for the $N^{-1/2}$ law)."""
    params = config.params
    seed = config.seed
    rtol, atol = float(params["rtol"]), float(params["atol"])
    override, amp = _override(params)
    grid = _grid(params)
    if override is not None:  # --target replaces the exp(-c* tau) family: c* is read off the target
        rates = -np.linalg.eigvals(np.asarray(override.As)).real
        grid = sorted({(float(rates[0]), s, n) for _, s, n in grid}, key=lambda p: (-p[0], p[1], p[2]))
    c_values = list(dict.fromkeys(p[0] for p in grid))
    notes, series = [], {}
    theory, times = {}, {}
    for c in c_values:
        times[c] = _times(params, _t_max(params, c))
        theory[c] = _theory(c, amp, times[c], rtol, atol)
        series[f"t_c{c:g}"] = times[c]
        series[f"theory_lam_c{c:g}"] = theory[c]["lam"].real
        series[f"theory_L_c{c:g}"] = theory[c]["L"]
        series[f"aligned_lam_c{c:g}"] = theory[c]["lam_aligned"]

    # --- ensemble of σ=0 draws via the exact reduction (N^{-1/2} law with small error bars)
    D = ic.network_draws(params)
    Ns_ens = sorted(set(int(n) for n in params["ensemble_N"]) | {n for _, _, n in grid})
    K = int(params["ensemble_draws"])
    ens: dict[float, dict[str, np.ndarray]] = {}
    if K >= 2 and len(Ns_ens) >= 2:
        a0, b0 = _reduction_starts(seed, Ns_ens, K, D)
        for c in c_values:
            ens[c] = _ensemble(c, amp, times[c], a0, b0, theory[c], rtol, atol)
            series[f"ensemble_gap_c{c:g}"] = ens[c]["gap"]
            series[f"ensemble_logratio_c{c:g}"] = ens[c]["logratio"]
        series["ensemble_N"] = np.asarray(Ns_ens)

    # --- full networks (D draws per point, one compiled computation each)
    nets: dict[tuple[float, float, int], list[dict[str, Any]]] = {}
    for c, s, n in tqdm(grid, desc=NAME, disable=not config.progress):
        tol = (rtol, atol) if s == 0.0 else (float(params["rtol_bulk"]), float(params["atol_bulk"]))
        nets[(c, s, n)] = _networks(c, s, n, _target_for(c, override), times[c], seed, D, *tol)
        tag = f"c{c:g}_s{s:g}_N{n}"
        series[f"net_lam_{tag}"] = nets[(c, s, n)][0]["lam"]
        series[f"net_L_{tag}"] = nets[(c, s, n)][0]["L"]
        if D > 1:
            series[f"net_lam_draws_{tag}"] = np.stack([d["lam"] for d in nets[(c, s, n)]])
            series[f"net_L_draws_{tag}"] = np.stack([d["L"] for d in nets[(c, s, n)]])

    # --- what each point's checks compare
    points = []
    gaps: dict[tuple[float, float, int], np.ndarray] = {}  # per-draw max_t outlier gap
    for (c, s, n), draws in nets.items():
        tag = f"c{c:g}_s{s:g}_N{n}"
        th, ts = theory[c], times[c]
        lam_th = th["lam"]
        if s == 0.0:
            mask = np.ones_like(ts, dtype=bool)
        else:  # compare only once the theory outlier is outside the bulk disk
            mask = np.abs(lam_th) > s + DELTA_ESCAPE
        gap = np.array([np.max(np.abs(d["lam"][mask] - lam_th[mask])) if mask.any() else np.nan for d in draws])
        gaps[(c, s, n)] = gap
        logr = np.array([np.max(np.abs(np.log(d["L"] / th["L"]))) for d in draws])
        pt: dict[str, Any] = {
            "tag": tag,
            "point": (c, s, n),
            "t_end": ts[-1],
            "gap": gap,
            "logr": logr,
            "resid_th": abs(lam_th[-1].real - (1 - c)),
            "resid_net": np.array([abs(d["lam"][-1].real - (1 - c)) for d in draws]),
            "exact": None,
            "ens_rms": None,
            "is_t2": False,
        }
        if s == 0.0:
            pt["exact"] = [_exactness(d, c, amp, ts, rtol, atol) for d in draws]
            if c in ens:
                i = Ns_ens.index(n)
                pt["ens_rms"] = (
                    float(np.sqrt(np.mean(ens[c]["gap"][i] ** 2))),
                    float(np.sqrt(np.mean(ens[c]["logratio"][i] ** 2))),
                )
        else:
            late = ts >= T_LATE
            rel_th = np.array(
                [
                    np.max(np.abs(d["lam"][late] - lam_th[late]) / np.abs(lam_th[late])) if late.any() else np.nan
                    for d in draws
                ]
            )
            # the formulation states the 1.5% agreement and the faster late convergence for the table T2 point
            # only (t = 20); elsewhere (e.g. c* = 0.5, whose sigma=0 outlier is still far from 1-c* at t = 20)
            # the bulk offset is reported in the notes
            is_t2 = (c, s, n) == T2_POINT and override is None and ts[-1] >= 20.0 - 1e-9
            pt |= {"is_t2": is_t2, "late_any": bool(late.any()), "rel_th": rel_th, "zero": None}
            key0 = (c, 0.0, n)
            rel_bulk = np.full(D, np.nan)
            if key0 in nets:
                zero = nets[key0]
                off = np.array([d["lam"][-1].real - z["lam"][-1].real for d, z in zip(draws, zero)])
                series[f"bulk_offset_{tag}"] = np.asarray(draws[0]["lam"].real - zero[0]["lam"].real)
                if late.any():
                    rel_bulk = np.array(
                        [
                            np.max(np.abs(d["lam"][late] - z["lam"][late]) / np.abs(z["lam"][late]))
                            for d, z in zip(draws, zero)
                        ]
                    )
                pt["zero"] = {
                    "rel_bulk": rel_bulk,
                    "off": off,
                    "closer": [
                        abs(d["lam"][-1].real - (1 - c)) < abs(z["lam"][-1].real - (1 - c)) and d["L"][-1] < z["L"][-1]
                        for d, z in zip(draws, zero)
                    ],
                    "L_ratio": np.array([d["L"][-1] / z["L"][-1] for d, z in zip(draws, zero)]),
                }
            dev = np.array([d["lam"][-1].real - lam_th[-1].real for d in draws])
            Lr = np.array([d["L"][-1] / th["L"][-1] for d in draws])
            over = "one draw" if D == 1 else f"mean +- SD [range] over {D} draws"
            notes.append(
                f"{tag}: bulk-induced offsets at t={ts[-1]:g} ({over}): lambda_net - lambda_2x2 = "
                f"{ic.spread(dev, '+.4f')}, L_net/L_2x2 = {ic.spread(Lr, '.3g')}; max over t >= {T_LATE:g} of "
                f"the relative outlier gap to the 2x2 flow {ic.spread(rel_th, '.3g')} and to the sigma=0 "
                f"network {ic.spread(rel_bulk, '.3g')}; max |log L ratio| = {ic.spread(logr, '.3g')}"
            )
        pt["late_rms"] = (
            float(np.sqrt(np.mean(ens[c]["late"][Ns_ens.index(n)] ** 2))) if c in ens else LATE_RMS_FALLBACK
        )
        pt["t2"] = None
        if (c, s, n) == T2_POINT and override is None and ts[-1] >= 20.0 - 1e-9:
            pt["t2"] = {
                t_ref: np.array([d["lam"][int(np.argmin(np.abs(ts - t_ref)))].real for d in draws]) for t_ref in T2_REF
            }
        points.append(pt)

    # --- the N^{-1/2} law at σ=0
    laws = []
    gap_table = []
    fit = _fit_window(Ns_ens, params)
    Ns_fit = [n for n, f in zip(Ns_ens, fit) if f]
    for c in c_values:
        if c not in ens:
            continue
        rms = np.sqrt(np.mean(ens[c]["gap"] ** 2, axis=1))
        alpha, C = ic.fit_power_law(Ns_fit, rms[fit])
        series[f"ensemble_gap_rms_c{c:g}"] = rms
        law: dict[str, Any] = {"c": c, "alpha": alpha, "Ns_fit": Ns_fit, "se": _slope_se(Ns_fit, ens[c]["gap"][fit])}
        if not fit.all():
            a_all, _ = ic.fit_power_law(Ns_ens, rms)
            notes.append(
                f"c*={c:g}: over all N in {Ns_ens} the sigma=0 gap exponent is {a_all:.3f}; local slopes "
                + ", ".join(f"{x:.2f}" for x in np.diff(np.log(rms)) / np.diff(np.log(Ns_ens)))
                + " (pre-asymptotic at small N for small c*)"
            )
        law["g500"] = None
        if 500 in Ns_ens:
            g500 = float(rms[Ns_ens.index(500)])
            if c >= GAP_N500_C_MIN:
                law["g500"] = g500
            else:
                notes.append(
                    f"c*={c:g}: RMS sigma=0 outlier gap at N=500 is {g500:.3g}. It is not held to 0.02: "
                    "the outlier rises from 0 to ~1-c* in a time ~O(1) that shrinks with c*, so the "
                    "O(N^-1/2) shift of the escape time becomes a large eigenvalue gap during the rise."
                )
        for n, g in zip(Ns_ens, rms):
            net_gap = gaps.get((c, 0.0, n))
            gap_table.append(
                {
                    "c_star": c,
                    "N": n,
                    "gap_rms": float(g),
                    "gap_network_draw0": None if net_gap is None else float(net_gap[0]),
                    "gap_network_rms": None if net_gap is None else float(np.sqrt(np.mean(net_gap**2))),
                }
            )
        notes.append(f"c*={c:g}: sigma=0 gap ~ {C:.3g} N^{alpha:.3f} (RMS over {K} draws, fitted over N={Ns_fit})")
        net_pts = sorted((n, float(np.sqrt(np.mean(g**2)))) for (c2, s2, n), g in gaps.items() if c2 == c and s2 == 0.0)
        if len(net_pts) >= 2:
            a_net, _ = ic.fit_power_law(*zip(*net_pts))
            what = "draw 0" if D == 1 else f"RMS over {D} draws"
            notes.append(
                f"c*={c:g}: full-network sigma=0 gaps ({what}) "
                + ", ".join(f"N={n}: {g:.4g}" for n, g in net_pts)
                + f"; fitted exponent {a_net:.2f} (a few draws per N scatter by the random "
                "factor |Z|, hence the ensemble fit above)"
            )
        laws.append(law)

    extra = {}
    if config.options.get("animate"):
        c, s, n = _showcase(grid)
        net, th = nets[(c, s, n)][0], theory[c]
        extra["spectrum.gif"] = ic.spectrum_animation(
            times[c],
            list(net["eigs"]),
            s,
            theory_path=th["lam"],
            outlier=net["lam"],
            title=f"c*={c:g}, sigma={s:g}, N={n}",
        )
    data = {
        "D": D,
        "K": K,
        "points": points,
        "laws": laws,
        "grid": grid,
        "nets": nets,
        "theory": theory,
        "times": times,
        "ens": ens,
        "Ns_ens": Ns_ens,
        "gaps": gaps,
    }
    summary = {"grid": [list(p) for p in grid], "gap_table": gap_table}
    return Measurement(data=data, series=series, summary=summary, notes=notes, extra_files=extra)


# ----------------------------------------------------------------------------- checks
def checks(config: StudyConfig, m: Measurement) -> list[Check]:
    """Per grid point, then per $c_\\star$ (the $N^{-1/2}$ law); see `DECLARED`."""
    rtol, atol = float(config.params["rtol"]), float(config.params["atol"])
    D, K = m.data["D"], m.data["K"]
    dtext = ic.draws_text(D)
    indep = f"exclude the networks' own draw{'s' if D > 1 else ''}"
    out: list[Check] = []
    for pt in m.data["points"]:
        tag, s = pt["tag"], pt["point"][1]
        if pt["exact"] is not None:
            worst = max(pt["exact"], key=lambda e: e["max"])
            out.append(
                check_le(
                    f"exact_reduction_{tag}",
                    worst["max"],
                    ic.EXACT_TOL,
                    f"exact reduction ({dtext}; docs: integrator §5.1, table T9): full network from W0=0 vs the "
                    f"code-generated 2x2 flow from reduce_from_network(u0,v0), max over training of: "
                    f"{ic.exactness_text(worst)}; tolerance 1e-8 (both solves at rtol {rtol:g}, atol {atol:g})",
                )
            )
        if pt["ens_rms"] is not None:
            rms, rms_l = pt["ens_rms"]
            out.append(
                check_le(
                    f"outlier_gap_{tag}",
                    float(np.max(pt["gap"])),
                    ENSEMBLE_FACTOR * rms,
                    f"max_t |lambda_net - lambda_2x2(orthogonal start)|, {dtext}; tolerance 4x the RMS gap "
                    f"({rms:.3g}) of {K} exact-reduction draws at this N that {indep} ({ENSEMBLE_WHY})",
                )
            )
            out.append(
                check_le(
                    f"loss_logratio_{tag}",
                    float(np.max(pt["logr"])),
                    ENSEMBLE_FACTOR * rms_l,
                    f"max_t |log(L_net/L_2x2)|, {dtext}; tolerance 4x the RMS ({rms_l:.3g}) over {K} "
                    f"exact-reduction draws at this N that {indep}: the finite-N loss "
                    f"offset is a draw-dependent O(N^-1/2) effect ({ENSEMBLE_WHY})",
                )
            )
        if pt["is_t2"] and pt["late_any"]:
            out.append(
                check_le(
                    f"outlier_rel_gap_{tag}",
                    float(np.max(pt["rel_th"])),
                    REL_TOL_BULK,
                    f"max over t >= {T_LATE:g} of |lambda_net - lambda_2x2| / |lambda_2x2| (idealised theory), "
                    f"{dtext}; tolerance of reference table T2 (docs: integrator §9): the outlier agrees to <= 1.5% "
                    "at N=100, sigma=0.1, c*=0.2",
                )
            )
        zero = pt.get("zero")
        if pt["is_t2"] and zero is not None:
            if pt["late_any"]:
                out.append(
                    check_le(
                        f"bulk_rel_offset_{tag}",
                        float(np.max(zero["rel_bulk"])),
                        REL_TOL_BULK,
                        f"max over t >= {T_LATE:g} of |lambda_net(sigma=0.1) - lambda_net(sigma=0)| / "
                        f"|lambda_net(sigma=0)| with the same u0, v0 ({dtext}; the draw effect cancels, the bulk "
                        "effect remains). Study tolerance 1.5%, not the formulation's (the 1.5% of reference "
                        "table T2 bounds network vs idealised flow): the toolkit's draw at this point gives 0.800 (sigma=0.1) "
                        "vs 0.7916 (W0=0, same u0, v0) at t=20, a bulk offset of 1.06%, and 1.5% leaves ~40% "
                        "margin for the draw",
                    )
                )
            out.append(
                check_true(
                    f"bulk_speeds_late_convergence_{tag}",
                    all(zero["closer"]),
                    f"reference table T2 (docs: integrator §9): with the same u0, v0 the sigma={s:g} network ends "
                    f"closer to 1-c* and at lower loss than the W0=0 network (bulk directions remove the slow "
                    f"second mode), in {'the draw' if D == 1 else f'each of {D} draws'}; late offset "
                    "lambda(sigma)-lambda(0) = "
                    + ", ".join(f"{x:+.4g}" for x in zero["off"])
                    + "; L ratio "
                    + ", ".join(f"{x:.3g}" for x in zero["L_ratio"]),
                )
            )
        resid_th, late_rms = pt["resid_th"], pt["late_rms"]
        out.append(
            check_le(
                f"final_outlier_{tag}",
                float(np.max(pt["resid_net"])),
                resid_th + ENSEMBLE_FACTOR * late_rms,
                f"|lambda_net(T) - (1-c*)| at T={pt['t_end']:g}, {dtext}; tolerance = the idealised 2x2 flow's own "
                f"residual {resid_th:.3g} (slow second mode near a pole-zero cancellation, docs: integrator §5.3) + "
                f"4x the RMS finite-N spread of lambda(T) ({late_rms:.3g}) over {K} sigma=0 exact-reduction draws "
                f"at this N that {indep} ({ENSEMBLE_WHY})",
            )
        )
        if pt["t2"] is not None:
            for t_ref, (ref, tol) in T2_REF.items():
                vals = pt["t2"][t_ref]
                worst = float(vals[np.argmax(np.abs(vals - ref))])
                out.append(
                    check_in(
                        f"T2_top_eigenvalue_t{t_ref:g}",
                        worst,
                        ref - tol,
                        ref + tol,
                        f"reference table T2 (docs: integrator §9; N=100, sigma=0.1, c*=0.2, raw, mean-field): top "
                        f"eigenvalue at t={t_ref:g}, "
                        f"{'the draw' if D == 1 else f'the draw furthest from the reference of {D}'}, within the "
                        f"single-draw tolerance +-{tol:g} of {ref:g}"
                        + ("" if D == 1 else "; all draws: " + ", ".join(f"{x:.4f}" for x in vals)),
                    )
                )
    for law in m.data["laws"]:
        c, Ns_fit = law["c"], law["Ns_fit"]
        out.append(
            check_in(
                f"gap_exponent_sigma0_c{c:g}",
                law["alpha"],
                GAP_EXPONENT - GAP_EXPONENT_TOL,
                GAP_EXPONENT + GAP_EXPONENT_TOL,
                f"fitted exponent of the RMS (over {K} draws) sigma=0 outlier gap vs N in {Ns_fit}; "
                f"expected -1/2 (O(N^-1/2) initial deviations, docs: integrator §5.1, §5.3) as N -> infinity, hence "
                f"fitted from N >= {Ns_fit[0]} (the gap is the largest eigenvalue difference during the outlier's "
                "rise, linear in the O(N^-1/2) escape-time shift only once that shift is small against the rise "
                f"time, which shrinks with c*); bootstrap SE {law['se']:.2g}; tolerance +-0.2 (>= 3 SE at the "
                "quick/paper draw counts, plus O(1/N) curvature)",
            )
        )
        if law["g500"] is not None:
            out.append(
                check_le(
                    f"gap_rms_N500_c{c:g}",
                    law["g500"],
                    GAP_N500_TOL,
                    "RMS sigma=0 outlier gap at N=500 (exact-reduction draws) <= 0.02 (study requirement)",
                )
            )
    return out


# ----------------------------------------------------------------------------- figures
def figures(config: StudyConfig, m: Measurement) -> dict[str, Any]:
    """Outlier and loss vs time, spectrum snapshots at the showcase point, the σ=0 gap vs N."""
    d = m.data
    return _figures(d["grid"], d["nets"], d["theory"], d["times"], d["ens"], d["Ns_ens"], d["gaps"], config.params)


def _fit_window(Ns, params) -> np.ndarray:
    """Mask of the ensemble sizes used in the exponent fit: `N >= fit_N_min` (all if that leaves < 2)."""
    fit = np.asarray(Ns) >= int(_get(params, "fit_N_min", 0))
    return fit if fit.sum() >= 2 else np.ones(len(Ns), bool)


def _slope_se(Ns, gaps: np.ndarray, n_boot: int = 200) -> float:
    """Bootstrap standard error of the fitted exponent (draws resampled with replacement, fixed key)."""
    import jax

    K = gaps.shape[1]
    idx = np.asarray(jax.random.randint(jax.random.PRNGKey(12345), (n_boot, K), 0, K))
    slopes = [ic.fit_power_law(Ns, np.sqrt(np.mean(gaps[:, i] ** 2, axis=1)))[0] for i in idx]
    return float(np.std(slopes))


def _showcase(grid) -> tuple[float, float, int]:
    """The point shown in spectrum snapshots/animation: the table T2 point if present, else largest σ then N."""
    if T2_POINT in grid:
        return T2_POINT
    return max(grid, key=lambda p: (p[1], p[2], -p[0]))


def _figures(grid, nets, theory, times, ens, Ns_ens, gaps, params) -> dict[str, Any]:
    panels_lam, panels_L = {}, {}
    for c in dict.fromkeys(p[0] for p in grid):
        for s in dict.fromkeys(p[1] for p in grid if p[0] == c):
            key = rf"$c_\star={c:g}$, $\sigma={s:g}$"
            ts, th = times[c], theory[c]
            cl = [
                ic.Curve(ts, th["lam"].real, "2x2 flow (orthogonal start)", "2x2 theory"),
                ic.Curve(ts, th["lam_aligned"], "aligned 2-D ODE (p0=1)", "aligned ODE", "aux"),
            ]
            # the closed-form loss is a difference of O(1) terms: below ~1e-12 L0 it is round-off
            la = th["L_aligned"] / th["L_aligned"][0]
            la = np.where(la > 1e-12, la, np.nan)
            cL = [
                ic.Curve(ts, th["L"] / th["L"][0], "2x2 flow", "2x2 theory"),
                ic.Curve(ts, la, "aligned 2-D ODE (above round-off)", "aligned ODE", "aux"),
            ]
            for (c2, s2, n), draws in nets.items():
                if (c2, s2) != (c, s):
                    continue
                net = draws[0]
                label = f"network N={n}" + (f" (draw 0 of {len(draws)})" if len(draws) > 1 else "")
                cl.append(ic.Curve(ts, net["lam"].real, label, f"N={n}", "network"))
                cL.append(ic.Curve(ts, net["L"] / net["L"][0], label, f"N={n}", "network"))
                if len(draws) > 1:  # the range over the draws
                    lam = np.stack([d["lam"].real for d in draws])
                    Lr = np.stack([d["L"] / d["L"][0] for d in draws])
                    cl.append(
                        ic.Curve(
                            ts, [lam.min(0), lam.max(0)], f"N={n}: range of {len(draws)} draws", f"N={n}", "spread"
                        )
                    )
                    cL.append(
                        ic.Curve(ts, [Lr.min(0), Lr.max(0)], f"N={n}: range of {len(draws)} draws", f"N={n}", "spread")
                    )
            cl.append(ic.Curve(ts, [1 - c], r"target $1-c_\star$", kind="target"))
            panels_lam[key], panels_L[key] = cl, cL
    figs = {
        "outlier_vs_time": ic.time_figure(
            panels_lam,
            ylabel=r"top eigenvalue $\lambda_{\mathrm{out}}(t)$",
            title="Outlier of W: network (markers) vs reduced theory (lines)",
        ),
        "loss_vs_time": ic.time_figure(
            panels_L,
            ylabel=r"$L(t)/L_0$",
            logy=True,
            title="Population loss: network (markers) vs reduced theory (lines)",
        ),
    }
    c, s, n = _showcase(grid)
    net, th, ts = nets[(c, s, n)][0], theory[c], times[c]
    idx = [int(np.argmin(np.abs(ts - t))) for t in params["snapshot_times"]]
    idx = list(dict.fromkeys(idx))
    figs["spectrum_snapshots"] = ic.spectrum_snapshots_figure(
        ts[idx],
        [net["eigs"][i] for i in idx],
        s,
        outlier=[net["lam"][i] for i in idx],
        theory=[th["lam"][i] for i in idx],
        title=rf"Spectrum of $W(t)$: $c_\star={c:g}$, $\sigma={s:g}$, $N={n}$ (x: 2x2 theory)",
    )
    if ens:
        figs["gap_vs_N"] = _gap_figure(ens, Ns_ens, gaps, _fit_window(Ns_ens, params))
    return figs


def _gap_figure(ens, Ns_ens, gaps, fit):

    fig, ax = subplots(figsize=(5.2, 4.0))
    cols = ic.palette([f"{c:g}" for c in ens])
    Ns = np.asarray(Ns_ens, float)
    for c, e in ens.items():
        rms = np.sqrt(np.mean(e["gap"] ** 2, axis=1))
        alpha, C = ic.fit_power_law(Ns[fit], rms[fit])
        col = cols[f"{c:g}"]
        ax.plot(
            Ns[fit],
            C * Ns[fit] ** alpha,
            "-",
            color=col,
            lw=1.4,
            label=rf"$c_\star={c:g}$ fit $N^{{{alpha:.2f}}}$ ($N\geq{Ns[fit][0]:.0f}$)",
        )
        ax.plot(Ns, rms, "o", color=col, mfc="none", label=rf"RMS over draws ($c_\star={c:g}$)")
        net = [(n, np.sqrt(np.mean(g**2)), g.size) for (c2, s, n), g in gaps.items() if c2 == c and s == 0.0]
        if net:
            D = net[0][2]
            ax.plot(
                [x[0] for x in net],
                [x[1] for x in net],
                "x",
                ms=8,
                color=col,
                label="full network " + ("(one draw)" if D == 1 else f"(RMS over {D} draws)"),
            )
    ax.plot(
        Ns,
        0.3 * Ns**-0.5 / (Ns[0] ** -0.5) * np.max([np.sqrt(np.mean(e["gap"][0] ** 2)) for e in ens.values()]),
        ":",
        color="0.5",
        label=r"$\propto N^{-1/2}$",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$N$")
    ax.set_ylabel(r"$\max_t|\lambda_{\mathrm{net}}-\lambda_{2\times2}|$ at $\sigma=0$")
    ax.set_title("Finite-N outlier gap vs N (sigma = 0)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


STUDY = Study(
    name=NAME,
    title="rich regime: outlier eigenvalue of W vs the reduced 2x2 flow and the aligned ODE",
    paper="integrator",
    params=RichParams(),
    estimate=estimate,
    profiles={
        "quick": {
            "points": (
                (0.5, 0.0, 100),
                (0.5, 0.0, 200),
                (0.2, 0.0, 100),
                (0.2, 0.1, 100),
                (0.05, 0.0, 100),
                (0.05, 0.1, 100),
            ),
            "c_star": None,
            "sigma": None,
            "N": None,
            "n_early": 41,
            "dt_late": 0.5,
            "ensemble_N": (100, 200, 500, 1000, 2000, 10_000, 100_000),
            "ensemble_draws": 64,
            "network_draws": 1,
        },
        "smoke": {
            "points": ((0.5, 0.0, 16), (0.5, 0.1, 16)),
            "c_star": None,
            "sigma": None,
            "N": None,
            "t_max": 3.0,
            "t_max_small_c": None,
            "t_early": 1.0,
            "n_early": 11,
            "dt_late": 0.5,
            "ensemble_N": (16, 64, 256, 1024),
            "fit_N_min": 0,
            "ensemble_draws": 16,
            "network_draws": 2,
            "snapshot_times": (0.0, 0.5, 3.0),
            "rtol_bulk": 1e-10,
            "atol_bulk": 1e-12,
        },
    },
    measure=measure,
    checks=checks,
    figures=figures,
    declared=DECLARED,
    options=(ic.c_star_option(), ic.sigma_option(), ic.n_option(), ic.target_option(single=True), ic.draws_option()),
    validate=_validate,
    description="Full linear RNN (gradient flow on the closed-form loss) against the idealised reduced "
    "2x2 flow and the aligned 2-D outlier ODE: top eigenvalue and loss over training for several N, "
    "the N^-1/2 finite-N gap at sigma=0, the exact-reduction check and the values of reference table T2 "
    "(docs: integrator §5, §9).",
    flags={"animate": "write spectrum.gif: the spectrum of W over training (bulk circle, theory path)"},
)
