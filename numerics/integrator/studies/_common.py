r"""Shared pieces of the `integrator-*` studies: CLI options, outlier tracking, figures, GIFs.

Every integrator study (rich, oscillator, lazy, multi, ...) imports its options and its
figure helpers from here, so the spelling of `--target`/`--c-star`/`--sigma`/`--N`,
their validation, the complex-plane conventions (bulk circle of radius $\sigma$,
outlier marker, theory path) and the colour map are the same everywhere.

| code name | symbol | meaning |
|---|---|---|
| `c_star` | $c_\star$ | target decay rate; learned outlier $\lambda^\star=1-c_\star$ |
| `sigma` | $\sigma$ | initial recurrent scale, radius of the bulk disk of $W_0$ |
| `N` | $N$ | number of hidden units |
| `eigs` | $\{\lambda_i(W(t_k))\}$ | eigenvalue snapshots of $W$ at training times $t_k$ |
| `track` | $\lambda_{\mathrm{out}}(t_k)$ | outlier followed across snapshots by nearest neighbour |
| `t` | $t$ | training (flow) time |

Nothing here trains a network or solves an ODE; the helpers take arrays and return
`Option` objects, arrays, matplotlib `Figure` objects or GIF bytes (no file is
written except a private temporary file inside `spectrum_animation`).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

from numerics.core import (
    UsageError,  # noqa: E402
    colormap,
    subplots,
)
from numerics.study import Option, in_range, integer_at_least, positive  # noqa: E402

__all__ = [
    "target_option",
    "c_star_option",
    "sigma_option",
    "n_option",
    "int_option",
    "parse_target_spec",
    "sum_targets",
    "point_key",
    "draws_option",
    "network_draws",
    "draw_keys",
    "draws_text",
    "spread",
    "reduction_starts",
    "track_outliers",
    "top_eigenvalue",
    "fit_power_law",
    "EXACT_TOL",
    "EXACT_SOLVER",
    "reduction_deviation",
    "exactness_text",
    "Curve",
    "palette",
    "time_figure",
    "spectrum_snapshots_figure",
    "spectrum_animation",
]


# ----------------------------------------------------------------------------- options
def parse_target_spec(raw: str) -> Any:
    """Parse and validate one `--target` spec (`exp:RATE[:AMP]` or `osc:RATE:FREQ[:AMP]`).

    Delegates to `numerics.integrator.parse_target` and
    `numerics.integrator.validate_target`; any `ValueError` (malformed spec, a rate
    $\\le 0$, i.e. a non-Hurwitz $A_s$) becomes a one-line `UsageError`
    naming the spec, so the CLI exits with code 2.
    """
    from numerics.integrator._targets import parse_target, validate_target

    try:
        target = parse_target(raw)
        validate_target(target)
    except UsageError as exc:
        raise UsageError(_one_line(str(exc))) from None
    except (ValueError, TypeError) as exc:
        raise UsageError(_one_line(f"--target {raw!r} is not a valid target: {exc}")) from None
    return target


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


def sum_targets(targets: Sequence[Any]) -> Any:
    """The sum of several targets (repeated `--target`): block-diagonal state space.

    $k_\\star=\\sum_j k_j$ is realised by $A_s=\\mathrm{diag}(A_j)$,
    $b_s=(b_1;\\dots)$, $c_s=(c_1;\\dots)$ (`numerics.integrator.sum_targets`).
    """
    targets = list(targets)
    if not targets:
        raise UsageError("no target given; use e.g. --target exp:0.2")
    if len(targets) == 1:
        return targets[0]
    from numerics.integrator._targets import sum_targets as _sum, validate_target

    return validate_target(_sum(targets))


def target_option(single: bool = False) -> Option:
    """`--target SPEC`: repeatable, repeats summed into one target; `single=True`: one
    spec, not repeatable (a study that takes a single leaky target, e.g. `integrator-rich`)."""
    if single:
        return Option(
            key="target",
            flag="--target",
            parse=parse_target_spec,
            help="one leaky target exp:RATE[:AMP] (A e^{-RATE tau}, RATE > 0); replaces the --c-star values",
            multiple=False,
            metavar="SPEC",
        )
    return Option(
        key="target",
        flag="--target",
        parse=parse_target_spec,
        help="target filter: exp:RATE[:AMP] (A e^{-RATE tau}) or osc:RATE:FREQ[:AMP] "
        "(A e^{-RATE tau} cos(FREQ tau)); RATE > 0; repeats are summed",
        metavar="SPEC",
    )


def c_star_option() -> Option:
    """`--c-star X` (repeatable), $c_\\star>0$."""
    return Option("c_star", "--c-star", float, "target decay rate c* > 0 (learned outlier 1 - c*)", validate=positive)


def _sigma_validate(name: str, x: float) -> float:
    return in_range(0.0, 1.0)(name, x)


def sigma_option() -> Option:
    """`--sigma X` (repeatable), $0\\le\\sigma<1$ (stable bulk)."""
    return Option("sigma", "--sigma", float, "initial recurrent scale sigma, 0 <= sigma < 1", validate=_sigma_validate)


def _parse_int(raw: str) -> int:
    value = float(raw)
    if not value.is_integer():
        raise ValueError(f"{raw!r} is not an integer")
    return int(value)


def int_option(key: str, flag: str, help: str, lo: int = 2, multiple: bool = True) -> Option:
    """An integer option `>= lo`; accepts integral floats such as `1e3` (same parser everywhere)."""
    return Option(key, flag, _parse_int, help, validate=integer_at_least(lo), multiple=multiple, metavar="K")


def n_option() -> Option:
    """`--N K` (repeatable), integer $N\\ge 2$."""
    return int_option("N", "--N", "number of hidden units N (integer >= 2)")


def point_key(seed: int, *ints: int):
    """A `jax.random` key for one parameter point: `fold_in` of `seed` with `ints`.

    Using the same `(N, draw)` integers at every $c_\\star,\\sigma$ gives common
    random numbers across the grid (the same $G,u_0,v_0$ draw at every point).
    """
    import jax

    key = jax.random.PRNGKey(int(seed))
    for i in ints:
        key = jax.random.fold_in(key, int(i))
    return key


def draws_option() -> Option:
    """`--draws D`: network draws per grid point, integer $D\\ge1$ ([§11][integrator-s11]: $\\ge5$ in `paper`)."""
    return int_option(
        "network_draws",
        "--draws",
        "full-network draws per grid point, trained in one compiled "
        "computation (integer >= 1; docs: integrator §11 asks for >= 5 in the paper profile, which uses 5); every network check holds the "
        "worst draw",
        lo=1,
        multiple=False,
    )


def network_draws(params: Mapping[str, Any] | Any) -> int:
    """The validated `network_draws` entry of a study's parameters, a mapping or a `Params`
    dataclass (default 1 where there is no such entry)."""
    D = params["network_draws"] if "network_draws" in params else 1
    if int(D) != D or int(D) < 1:
        raise UsageError(f"network_draws={D} is not allowed; need an integer >= 1")
    return int(D)


def draw_keys(seed: int, *ints: int, draws: int):
    """Keys of `draws` network draws at one point, stacked: draw 0 is `point_key` `(seed, *ints)`
    (the single-draw key, so `draws=1` reproduces a one-draw run), draw `j > 0` is
    `point_key(seed, *ints, j)`."""
    import jax.numpy as jnp

    return jnp.stack([point_key(seed, *ints, *((j,) if j else ())) for j in range(int(draws))])


def draws_text(D: int) -> str:
    """How a check aggregates the network draws: `one draw` or `worst of D draws`."""
    return "one draw" if D == 1 else f"worst of {D} draws"


def spread(x: Sequence[float] | np.ndarray, fmt: str) -> str:
    """One value, or `mean +- SD [min, max]` over the network draws (for the notes)."""
    x = np.asarray(x, float).ravel()
    if x.size == 1:
        return format(float(x[0]), fmt)
    return (
        f"{format(float(np.mean(x)), fmt)} +- {float(np.std(x, ddof=1)):.2g} "
        f"[{format(float(np.min(x)), fmt)}, {format(float(np.max(x)), fmt)}]"
    )


def reduction_starts(keys, n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact-reduction starts `(a0, b0)`, each of shape `(K, 2)`, of the σ=0 networks of size `n`
    drawn from the `K` stacked `keys`: `numerics.integrator.reduce_from_network` of the
    $u_0,v_0$ that `numerics.integrator.init_params` draws from each key (its key order
    W, u, v), so draw `k` starts where the full network of key `k` does. Only $u_0,v_0$ are
    drawn: $W_0=0$ at σ=0, and an $N\times N$ draw per key would dominate at large `n`."""
    import jax

    from numerics.integrator._linear_rnn import reduce_from_network

    def start(key):
        _, ku, kv = jax.random.split(key, 3)
        red, _ = reduce_from_network(jax.random.normal(ku, (n,)), jax.random.normal(kv, (n,)))
        return red.u, red.v

    a, b = jax.vmap(start)(keys)
    return np.asarray(a), np.asarray(b)


# ----------------------------------------------------------------------------- tracking
def top_eigenvalue(eigs: np.ndarray) -> np.ndarray:
    """The eigenvalue of largest real part of each snapshot (rows of `eigs`), complex."""
    eigs = np.asarray(eigs)
    idx = np.argmax(eigs.real, axis=-1)
    return np.take_along_axis(eigs, idx[..., None], axis=-1)[..., 0]


def track_outliers(
    eigs: Sequence[np.ndarray] | np.ndarray, n_tracks: int = 1, start: str = "last", conjugate_pairs: bool = False
) -> np.ndarray:
    r"""Follow `n_tracks` eigenvalues through snapshots by nearest-neighbour matching.

    `eigs[k]` holds the eigenvalues of $W(t_k)$ (any order, complex). The tracks
    start at the snapshot where the outliers are unambiguous (`start="last"`: the end
    of training, where they have escaped the bulk; `"first"`: $t_0$) at the
    `n_tracks` eigenvalues of largest real part (ties broken by imaginary part, upper
    half-plane first). Each step assigns the tracked values to the eigenvalues of the
    neighbouring snapshot by minimum total distance (Hungarian assignment, so two tracks
    never take the same eigenvalue). With `conjugate_pairs` the starting set is the
    largest-real-part eigenvalues with $\operatorname{Im}\lambda\ge0$ (one per pair).

    Returns a complex array of shape `(T, n_tracks)` in snapshot order.
    """
    snaps = [np.asarray(e, dtype=complex).ravel() for e in eigs]
    if not snaps:
        raise ValueError("track_outliers needs at least one snapshot")
    if n_tracks < 1 or any(s.size < n_tracks for s in snaps):
        raise ValueError(f"n_tracks={n_tracks}; allowed: 1 <= n_tracks <= eigenvalues per snapshot")
    if start not in ("last", "first"):
        raise ValueError(f"start={start!r}; allowed: 'last', 'first'")
    order = range(len(snaps) - 1, -1, -1) if start == "last" else range(len(snaps))
    order = list(order)
    first = snaps[order[0]]
    cand = first[first.imag >= -1e-12] if conjugate_pairs else first
    if cand.size < n_tracks:
        cand = first
    rank = np.lexsort((-cand.imag, -cand.real))
    current = cand[rank[:n_tracks]]
    out = np.empty((len(snaps), n_tracks), dtype=complex)
    out[order[0]] = current
    for k in order[1:]:
        s = snaps[k]
        cost = np.abs(current[:, None] - s[None, :])
        rows, cols = linear_sum_assignment(cost)
        nxt = np.empty(n_tracks, dtype=complex)
        nxt[rows] = s[cols]
        out[k] = current = nxt
    return out


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    r"""Least-squares fit $y\approx Cx^{\alpha}$ on log–log axes; returns `(alpha, C)`."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_power_law needs >= 2 points with x > 0 and y > 0")
    alpha, logc = np.polyfit(np.log(x), np.log(y), 1)
    return float(alpha), float(math.exp(logc))


# ----------------------------------------------------------------------------- exactness (table T9)
#: reference table T9 (docs: integrator §9): full network from W0 = 0 vs the reduced 2x2 flow, max
#: deviation <= 1e-8
EXACT_TOL = 1e-8
#: solver tolerances of both sides of an exactness comparison (the toolkit default rtol 1e-8 leaves
#: accumulated differences of ~1e-8 over t ~ 30-60, measured; rtol 1e-10 leaves ~1e-10)
EXACT_SOLVER = {"rtol": 1e-10, "atol": 1e-12}


def reduction_deviation(W, u, v, L, E, M, a, b, L_red) -> dict[str, float]:
    r"""[§5.1][integrator-s5-1] / [table T9][integrator-t9]: how far a $\sigma=0$ network is from the
    two-neuron flow started at `numerics.integrator.reduce_from_network` (basis `E`, $N\times2$).

    Network series `W` (T, N, N), `u`, `v` (T, N), `L` (T,); reduced series `M` (T, 2, 2),
    `a`, `b` (T, 2), `L_red` (T,). Returns the max over saves of $|W-EME^\top|$,
    $|u/\sqrt N-Ea|$, $|v/\sqrt N-Eb|$, $|L-L_{\mathrm{red}}|$ (keys `W, u, v, L`) and
    their maximum (`max`). Eigenvalues are not compared: near the birth of a conjugate pair
    (double eigenvalue) they are square-root sensitive to the entries.
    """
    E = np.asarray(E)
    n = E.shape[0]
    W_red = np.einsum("ia,tab,jb->tij", E, np.asarray(M), E)
    dev = {
        "W": float(np.max(np.abs(np.asarray(W) - W_red))),
        "u": float(np.max(np.abs(np.asarray(u) / math.sqrt(n) - np.asarray(a) @ E.T))),
        "v": float(np.max(np.abs(np.asarray(v) / math.sqrt(n) - np.asarray(b) @ E.T))),
        "L": float(np.max(np.abs(np.asarray(L) - np.asarray(L_red)))),
    }
    dev["max"] = max(dev.values())
    return dev


def exactness_text(dev: dict[str, float]) -> str:
    """One-line breakdown of `reduction_deviation` for a check description."""
    return (
        f"max|W - E M E^T| {dev['W']:.2g}, max|u/sqrt(N) - E a| {dev['u']:.2g}, max|v/sqrt(N) - E b| "
        f"{dev['v']:.2g}, max|L - L_red| {dev['L']:.2g}"
    )


# ----------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Curve:
    """One line (theory) or marker series (network) for `time_figure`.

    `group` picks the colour (e.g. `"N=200"`), so a theory line and the network
    markers of the same point share it; `kind` is `"theory"` (line), `"network"`
    (markers), `"aux"` (thin dotted line), `"spread"` (shaded band between `y[0]` and
    `y[1]`, e.g. the range over network draws) or `"target"` (dashed horizontal line at
    `y[0]`; `t` is ignored).
    """

    t: np.ndarray
    y: np.ndarray
    label: str
    group: str = ""
    kind: str = "theory"


def palette(groups: Sequence[str]) -> dict[str, Any]:
    """Colour-blind-safe colours (viridis, end-clipped) for an ordered list of groups."""
    groups = list(dict.fromkeys(groups))
    n = max(len(groups), 1)
    cols = colormap("viridis")(np.linspace(0.0, 0.85, n)) if n > 1 else [colormap("viridis")(0.35)]
    return {g: cols[i] for i, g in enumerate(groups)}


_MARKERS = "osD^vP*X"


def time_figure(
    panels: Mapping[str, Sequence[Curve]],
    *,
    ylabel: str,
    title: str,
    xlabel: str = r"training time $t$",
    logy: bool = False,
    logx: bool = False,
    ncols: int | None = None,
) -> Figure:
    """One panel per key of `panels` (e.g. per $c_\\star$): theory lines, network markers.

    Used for the outlier-vs-time and loss-vs-time figures of every integrator study.
    """
    keys = list(panels)
    n = max(len(keys), 1)
    ncols = ncols or min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, key in zip(axes.ravel(), keys):
        curves = list(panels[key])
        groups = [c.group for c in curves if c.kind in ("theory", "network", "aux", "spread")]
        cols = palette(groups)
        mk = {g: _MARKERS[i % len(_MARKERS)] for i, g in enumerate(dict.fromkeys(groups))}
        for c in curves:
            t, y = np.asarray(c.t, float), np.asarray(c.y, float)
            if c.kind == "target":
                ax.axhline(float(y.ravel()[0]), color="0.3", ls="--", lw=1.2, label=c.label)
            elif c.kind == "network":
                ax.plot(
                    t, y, ls="none", marker=mk[c.group], ms=4.5, mfc="none", mew=1.1, color=cols[c.group], label=c.label
                )
            elif c.kind == "aux":
                ax.plot(t, y, ls=":", lw=1.4, color=cols[c.group], label=c.label)
            elif c.kind == "spread":
                ax.fill_between(t, y[0], y[1], color=cols[c.group], alpha=0.2, lw=0, label=c.label)
            else:
                ax.plot(t, y, ls="-", lw=1.6, color=cols[c.group], label=c.label)
        if logy:
            ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        ax.set_title(str(key), fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both" if logy else "major")
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _complex_plane(
    ax,
    eigs: np.ndarray,
    sigma: float,
    *,
    outlier=None,
    theory=None,
    theory_path=None,
    lim: float = 1.1,
    title: str = "",
) -> None:
    eigs = np.asarray(eigs, complex).ravel()
    th = np.linspace(0, 2 * np.pi, 256)
    if sigma > 0:
        ax.plot(
            sigma * np.cos(th),
            sigma * np.sin(th),
            color="0.45",
            lw=1.0,
            ls="-",
            label=rf"bulk $|\lambda|=\sigma={sigma:g}$",
        )
    ax.axvline(1.0, color="tab:red", lw=0.8, ls=":", label=r"stability edge Re$\,\lambda=1$")
    if theory_path is not None:
        tp = np.asarray(theory_path, complex).ravel()
        ax.plot(tp.real, tp.imag, color=colormap("viridis")(0.75), lw=1.2, alpha=0.8, label="theory path")
    ax.plot(
        eigs.real,
        eigs.imag,
        ls="none",
        marker=".",
        ms=3,
        color=colormap("viridis")(0.25),
        alpha=0.7,
        label=r"eigenvalues of $W$",
    )
    if outlier is not None:
        o = np.atleast_1d(np.asarray(outlier, complex))
        ax.plot(
            o.real,
            o.imag,
            ls="none",
            marker="o",
            ms=9,
            mfc="none",
            mew=1.6,
            color=colormap("viridis")(0.55),
            label="outlier (network)",
        )
    if theory is not None:
        o = np.atleast_1d(np.asarray(theory, complex))
        ax.plot(o.real, o.imag, ls="none", marker="x", ms=9, mew=1.8, color="black", label="outlier (theory)")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.8", lw=0.6)
    ax.axvline(0, color="0.8", lw=0.6)
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.set_title(title, fontsize=10)


def spectrum_snapshots_figure(
    times: Sequence[float],
    eigs: Sequence[np.ndarray],
    sigma: float,
    *,
    outlier: Sequence[Any] | None = None,
    theory: Sequence[Any] | None = None,
    title: str = "",
    lim: float | None = None,
) -> Figure:
    r"""Eigenvalues of $W(t)$ at a few training times, one complex-plane panel each.

    Each panel shows the spectrum (dots), the bulk circle $|\lambda|=\sigma$, the
    network's tracked outlier (open circle), the theory outlier (cross) and the
    stability edge $\operatorname{Re}\lambda=1$. `outlier[k]`/`theory[k]` may be a
    scalar or an array (a conjugate pair).
    """
    n = len(times)
    if n == 0:
        raise ValueError("spectrum_snapshots_figure needs at least one snapshot")
    if lim is None:
        allv = np.concatenate([np.abs(np.asarray(e, complex)).ravel() for e in eigs] + [[1.0]])
        lim = 1.1 * float(np.max(allv))
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(3.4 * ncols, 3.5 * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for k, ax in enumerate(axes.ravel()[:n]):
        _complex_plane(
            ax,
            eigs[k],
            sigma,
            outlier=None if outlier is None else outlier[k],
            theory=None if theory is None else theory[k],
            lim=lim,
            title=rf"$t={float(times[k]):.3g}$",
        )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def spectrum_animation(
    times: Sequence[float],
    eigs: Sequence[np.ndarray],
    sigma: float,
    *,
    theory_path: np.ndarray | None = None,
    outlier: Sequence[Any] | None = None,
    title: str = "",
    fps: int = 8,
    lim: float | None = None,
    dpi: int = 60,
    max_frames: int = 60,
) -> bytes:
    r"""GIF of the spectrum of $W(t)$ over training (`--animate`); returns the bytes.

    Frame $k$ shows the eigenvalues at `times[k]`, the bulk circle of radius
    $\sigma$, the theory outlier path (`theory_path[:k+1]`, its current point as a
    cross) and the tracked network outlier. At most `max_frames` frames (evenly
    subsampled, first and last kept). Written with matplotlib's `PillowWriter` to a
    private temporary file, whose bytes go to `StudyResult.extra_files`.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    n = len(times)
    if n == 0 or len(eigs) != n:
        raise ValueError("spectrum_animation needs len(times) == len(eigs) >= 1")
    if lim is None:
        allv = np.concatenate([np.abs(np.asarray(e, complex)).ravel() for e in eigs] + [[1.0]])
        lim = 1.1 * float(np.max(allv))
    tp = None if theory_path is None else np.asarray(theory_path, complex)
    if tp is not None and tp.shape[0] != n:
        raise ValueError("theory_path must have one row per snapshot")
    frames = np.unique(np.linspace(0, n - 1, min(n, max(int(max_frames), 1))).round().astype(int))
    fig, ax = subplots(figsize=(4.6, 4.6))

    def draw(k: int):
        ax.clear()
        _complex_plane(
            ax,
            eigs[k],
            sigma,
            outlier=None if outlier is None else outlier[k],
            theory=None if tp is None else tp[k],
            theory_path=None if tp is None else tp[: k + 1].ravel(),
            lim=lim,
            title=f"{title}  t = {float(times[k]):.3g}".strip(),
        )
        ax.legend(fontsize=6, loc="lower left")
        return []

    anim = FuncAnimation(fig, draw, frames=[int(k) for k in frames], blit=False)
    fd, path = tempfile.mkstemp(suffix=".gif")
    os.close(fd)
    try:
        anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
        with open(path, "rb") as fh:
            data = fh.read()
    finally:
        os.unlink(path)
    return data
