r"""Extra shared pieces of the oscillator / lazy / multi / SGD integrator studies.

Complements `numerics.integrator.studies._common` (options, tracking, figures, GIFs);
only what those studies need beyond it lives here:

* `ginibre_features` — finite-$N$ lazy features $e^{(W_0-I)\tau}u/\sqrt N$
  by the exact Taylor series $e^{-\tau}\sum_n\tau^nW_0^nu/n!$ (matvecs only, vmapped
  over draws), for the kernel check of [§7][integrator-s7] ([table T7][integrator-t7]);
* `lazy_kernel_fn` — the code-generated $K_\sigma(\tau,\tau')$ of
  `integrator.lazy_kernel`;
* `phase_figure` — the rich/lazy phase diagram ([§11][integrator-s11] figure 5);
* `flow_or_none` — gradient flow that turns an instability into a note, not a crash;
* `complex_path_figure` — theory line vs network markers in the complex plane;
* `freeze_lists` — grids given as lists (Python API overrides) become tuples, for the
  frozen parameter dataclasses of the studies.

| code name | symbol | meaning |
|---|---|---|
| `sigma` | $\sigma$ | bulk radius |
| `taus` | $\tau$ | network lags |
| `K` | $K_\sigma(\tau,\tau')$ | lazy feature kernel |
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np  # noqa: E402
from jaxtyping import Array, Float  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from numerics.core import (
    UnstableNetworkError,  # noqa: E402
    colormap,
    subplots,
)

__all__ = [
    "ginibre_features",
    "kernel_draws",
    "lazy_kernel_fn",
    "phase_figure",
    "flow_or_none",
    "complex_path_figure",
    "loglog_slope",
    "freeze_lists",
]


def _frozen(value: Any) -> Any:
    """A plain list or tuple, recursively as tuples; anything else (a `Target`, a number) as is."""
    if type(value) in (list, tuple):
        return tuple(_frozen(v) for v in value)
    return value


def freeze_lists(params: Any) -> None:
    """Replace, in place, every list-valued field of a frozen dataclass by a tuple (nested
    lists too): grids given through the Python API (`study.config(overrides={"N": [40]})`)
    are held as tuples, like the profile values. Call it from `__post_init__`."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if type(value) in (list, tuple):
            object.__setattr__(params, f.name, _frozen(value))


def _features_one(key, sigma, taus, n: int, n_terms: int):
    kG, ku = jax.random.split(key)
    G = jax.random.normal(kG, (n, n), jnp.float64)
    u = jax.random.normal(ku, (n,), jnp.float64)
    u = u * jnp.sqrt(n) / jnp.linalg.norm(u)  # |u|^2 = N (docs: integrator table T7: halves the spread)
    W = sigma * G / jnp.sqrt(n)

    def body(m, k):
        return W @ m / (k + 1.0), m  # m_k = W^k u / k!

    _, ms = jax.lax.scan(body, u, jnp.arange(n_terms, dtype=jnp.float64))  # (n_terms, n)
    powers = taus[:, None] ** jnp.arange(n_terms)[None, :]  # (T, n_terms)
    return jnp.exp(-taus)[:, None] * (powers @ ms) / jnp.sqrt(n)


def ginibre_features(
    key: Array, sigma: float, taus: Float[Array, " T"], n: int, draws: int, n_terms: int = 60
) -> Float[Array, "D T n"]:
    r"""$\phi(\tau)=e^{(W_0-I)\tau}u/\sqrt N$ for `draws` Ginibre draws ($|u|^2=N$).

    The Taylor series is truncated after `n_terms` terms; with $\lVert W_0\rVert_2\le2\sigma$
    the remainder is below $(2\sigma\tau)^{n}/n!$, i.e. $<10^{-16}$ for
    $\sigma\tau\le4$ and `n_terms = 60`.
    """
    taus = jnp.asarray(taus, jnp.float64)
    return _features_batch(jax.random.split(key, draws), jnp.asarray(sigma, jnp.float64), taus, n, n_terms)


@functools.partial(jax.jit, static_argnames=("n", "n_terms"))
def _features_batch(keys, sigma, taus, n: int, n_terms: int):
    return jax.vmap(lambda k: _features_one(k, sigma, taus, n, n_terms))(keys)


def kernel_draws(key: Array, sigma: float, pairs: Sequence[tuple[float, float]], n: int, draws: int) -> np.ndarray:
    r"""Finite-$N$ kernel $\phi(\tau)\cdot\phi(\tau')$ at `pairs`, one row per draw."""
    taus = sorted({float(t) for pq in pairs for t in pq})
    idx = {t: i for i, t in enumerate(taus)}
    feats = np.asarray(ginibre_features(key, sigma, jnp.asarray(taus), n, draws))
    return np.stack([np.einsum("dn,dn->d", feats[:, idx[a]], feats[:, idx[b]]) for a, b in pairs], axis=1)


@functools.cache
def lazy_kernel_fn() -> Callable[..., Array]:
    r"""Generated $K_\sigma(\tau,\tau')=e^{-(\tau+\tau')}I_0(2\sigma\sqrt{\tau\tau'})$:
    `f(sigma, tau, tau_p)` (from `theory.integrator.lazy_kernel`)."""
    from numerics.core import jax_function
    from theory import integrator as tl
    from theory.integrator import sigma, tau

    return jax_function(tl.lazy_kernel(), [sigma, tau, tl.tau_p], name="lazy_kernel")


def loglog_slope(t: np.ndarray, y: np.ndarray, t_lo: float, t_hi: float) -> float:
    """Least-squares slope of $\\log y$ vs $\\log t$ on `[t_lo, t_hi]`."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    m = (t >= t_lo * (1 - 1e-9)) & (t <= t_hi * (1 + 1e-9)) & (y > 0)
    return float(np.polyfit(np.log(t[m]), np.log(y[m]), 1)[0])


def flow_or_none(fn: Callable[[], dict[str, Any]], notes: list[str], what: str) -> dict[str, Any] | None:
    """Run a training driver; an `UnstableNetworkError` becomes a note and `None`."""
    try:
        return fn()
    except UnstableNetworkError as exc:
        notes.append(f"{what}: {exc}")
        return None


def phase_figure(
    sigma: np.ndarray,
    c_star: np.ndarray,
    rel_change: np.ndarray,
    rich: np.ndarray,
    measured_boundary: np.ndarray,
    *,
    title: str,
    n: int,
    T: float,
) -> Figure:
    r"""Phase diagram: colour = $\lVert W_T-W_0\rVert_2/\lVert W_0\rVert_2$ (log), open
    circles = cells where an outlier separated (rich), the theory line $c_\star=1-\sigma$
    ($\lvert1-c_\star\rvert=\sigma$), the measured boundary and the stability limit $\sigma=1$."""
    fig, ax = subplots(figsize=(6.4, 5.0))
    ds, dc = np.mean(np.diff(sigma)), np.mean(np.diff(c_star))
    ext = (sigma[0] - ds / 2, sigma[-1] + ds / 2, c_star[0] - dc / 2, c_star[-1] + dc / 2)
    rc = np.clip(rel_change, 1e-3, None)
    im = ax.imshow(
        rc.T, origin="lower", extent=ext, aspect="auto", cmap="viridis", norm=LogNorm(vmin=rc.min(), vmax=rc.max())
    )
    fig.colorbar(im, ax=ax, label=r"$\|W_T-W_0\|_2/\|W_0\|_2$")
    S, C = np.meshgrid(sigma, c_star, indexing="ij")
    ax.plot(
        S[rich],
        C[rich],
        ls="none",
        marker="o",
        ms=6,
        mfc="none",
        mec="white",
        mew=1.2,
        label="outlier separated (rich)",
    )
    ax.plot(S[~rich], C[~rich], ls="none", marker=".", ms=3, color="0.85", label="no outlier (lazy)")
    ss = np.linspace(0, 1, 100)
    ax.plot(ss, 1 - ss, color="tab:orange", lw=2.2, label=r"theory $|1-c_\star|=\sigma$")
    ax.step(sigma, measured_boundary, where="mid", color="tab:red", lw=1.4, ls="--", label="measured boundary")
    ax.axvline(1.0, color="black", lw=1.2, ls=":", label=r"stability limit $\sigma=1$")
    ax.set_xlim(ext[0], 1.02)
    ax.set_ylim(ext[2], ext[3])
    ax.set_xlabel(r"initial scale $\sigma$")
    ax.set_ylabel(r"target decay rate $c_\star$")
    ax.set_title(f"{title}\n(N={n}, gradient descent to t={T:.3g})", fontsize=10)
    ax.legend(fontsize=7, loc="upper right", framealpha=0.8)
    fig.tight_layout()
    return fig


def complex_path_figure(panels: Sequence[dict[str, Any]], *, title: str) -> Figure:
    r"""Eigenvalue paths in the complex plane, one panel per entry.

    Each panel dict: `title`; `theory` (list of complex arrays, lines); `network`
    (`{label: complex array}`, markers); `fixed` (complex points, stars); `sigma`
    (bulk circle radius, optional).
    """
    n = len(panels)
    fig, axes = subplots(1, n, figsize=(4.6 * n, 4.2), squeeze=False)
    for ax, pnl in zip(axes[0], panels):
        if pnl.get("sigma"):
            th = np.linspace(0, 2 * np.pi, 200)
            r = pnl["sigma"]
            ax.plot(r * np.cos(th), r * np.sin(th), color="0.6", lw=1, label=rf"bulk $|\lambda|={r:g}$")
        for i, path in enumerate(pnl.get("theory", [])):
            path = np.asarray(path, complex)
            ax.plot(path.real, path.imag, color="black", lw=1.6, label="reduced theory" if i == 0 else None)
        cols = colormap("viridis")(np.linspace(0.15, 0.8, max(len(pnl.get("network", {})), 1)))
        for (lab, z), col, mk in zip(pnl.get("network", {}).items(), cols, "osD^v"):
            z = np.asarray(z, complex)
            ax.plot(z.real, z.imag, ls="none", marker=mk, ms=4, mfc="none", color=col, label=lab)
        fx = np.atleast_1d(np.asarray(pnl.get("fixed", []), complex))
        if fx.size:
            ax.plot(fx.real, fx.imag, ls="none", marker="*", ms=13, color="tab:red", label="fixed point")
        ax.axhline(0, color="0.85", lw=0.6)
        ax.axvline(0, color="0.85", lw=0.6)
        ax.set_xlabel(r"Re $\lambda$")
        ax.set_ylabel(r"Im $\lambda$")
        ax.set_title(pnl.get("title", ""), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
