"""Figures of the `anticollapse-network` study (figure 5 of [§10][anticollapse-s10]; the
forcing-suppression ladders of [table T8][anticollapse-t8]).

Pure functions from the study's per-run analysis dictionaries to matplotlib `Figure` objects;
no computation beyond plotting. Split from `numerics.anticollapse.studies.network` so that
the study module holds the protocol and this one the drawing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numerics.anticollapse import estimators as est
from numerics.core import colormap, subplots

__all__ = ["network_figures", "forcing_figure", "ladder_figure"]


def network_figures(gated: dict, diag: dict, summ: dict, lags: np.ndarray, p: Any) -> dict[str, Any]:
    cmap = colormap("tab10")
    figs: dict[str, Any] = {}
    # 1. final p(zeta) and tau-CCDF, SharedGate vs DiagGate (+ diag RNN arms)
    fig, ax = subplots(1, 3, figsize=(15, 4.2))
    sel = [n for n in gated if n.startswith(("sharedgate", "diaggate"))]
    for i, n in enumerate(sel):
        z = gated[n]["zeta"][-1]
        z = z[np.isfinite(z)]
        ax[0].hist(z, bins=20, density=True, histtype="step", lw=2, color=cmap(i), label=n)
        tau = np.sort(np.exp(-z))
        ax[1].loglog(tau, 1.0 - (np.arange(tau.size) + 0.5) / tau.size, "o", ms=3, color=cmap(i), label=n)
    for i, n in enumerate(diag):
        tau = np.sort(diag[n]["tau"][np.isfinite(diag[n]["tau"])])
        ax[2].loglog(tau, 1.0 - (np.arange(tau.size) + 0.5) / tau.size, "o", ms=2, color=cmap(i % 10), label=n)
    for a_ in ax[1:]:
        xr = np.array(a_.get_xlim())
        a_.loglog(xr, 0.5 * (xr / xr[0]) ** -1.0, "k--", lw=1, label="β = 1 slope")
        a_.set_xlabel(r"$\tau$ (steps)")
        a_.set_ylabel(r"$P(\tau > x)$")
        a_.legend(fontsize=7)
    ax[0].set_xlabel(r"$\zeta=-\log\tau$")
    ax[0].set_ylabel(r"$p(\zeta)$")
    ax[0].legend(fontsize=7)
    ax[0].set_title("final log-rate density (gated)")
    ax[1].set_title(r"final $\tau$-CCDF: SharedGate vs DiagGate")
    ax[2].set_title(r"final $\tau$-CCDF: diagonal linear RNN arms")
    fig.tight_layout()
    figs["network_spectrum"] = fig
    # 2. canonical and audit envelopes, log-log
    fig, ax = subplots(1, 2, figsize=(11, 4.2))
    for i, n in enumerate(gated):
        ax[0].loglog(lags, gated[n]["f0"][-1], "-", color=cmap(i), label=f"{n} canonical")
        ax[0].loglog(lags, gated[n]["f_audit"][-1], ":", color=cmap(i), label=f"{n} audit")
    ax[0].loglog(lags, 0.995**lags, "k--", lw=1, label=r"$0.995^\ell$ (ConstGate theory)")
    for i, n in enumerate(diag):
        ax[1].loglog(lags, est.envelope_from_tau(diag[n]["tau"], lags), color=cmap(i % 10), label=n)
    ax[1].axvline(p["tau_c"], color="grey", lw=0.8, ls="--", label=r"$\tau_c$ (clamp arm)")
    for a_, t in zip(
        ax,
        (
            "gated cells: canonical $E|\\mu^{(0)}|$ and audit $E|\\mu^{(0)}+\\mu^{(1)}|$",
            r"diagonal RNN: $f_\tau(\ell)=\frac{1}{H}\sum_q e^{-\ell/\tau_q}$ (exact)",
        ),
    ):
        a_.set_xlabel(r"lag $\ell$ (steps)")
        a_.set_ylabel(r"$f(\ell)$")
        a_.set_title(t, fontsize=9)
        a_.legend(fontsize=6)
    fig.tight_layout()
    figs["network_envelopes"] = fig
    # 3. beta_tail, beta_env vs training step
    fig, ax = subplots(1, 2, figsize=(12, 4.2))
    for a_, group in zip(ax, (gated, diag)):
        for i, (n, a) in enumerate(group.items()):
            t, tr = a["steps"], {k: np.where(v > 0, v, np.nan) for k, v in a["traj"].items()}
            a_.plot(t, tr["beta_tail"], "o-", ms=3, color=cmap(i % 10), label=rf"{n} $\hat\beta_{{tail}}$")
            a_.fill_between(t, tr["lo"], tr["hi"], color=cmap(i % 10), alpha=0.15)
            a_.plot(t, tr["beta_env"], "s:", ms=3, color=cmap(i % 10))
        a_.axhline(1.0, color="k", lw=1, ls="--", label=r"$\beta=1$ (critical)")
        a_.set_xlabel("training step")
        a_.set_ylabel(r"$\hat\beta$ (tail: circles + 90% band; env: squares)")
        a_.set_yscale("log")
        a_.legend(fontsize=6)
    ax[0].set_title("gated cells")
    ax[1].set_title("diagonal linear RNN arms")
    fig.tight_layout()
    figs["beta_trajectories"] = fig
    # 4. kappa vs q_low
    fig, ax = subplots(figsize=(6.5, 4.2))
    for i, (n, a) in enumerate({**gated, **diag}.items()):
        q_lows = sorted(a["kappa"])
        k = [a["kappa"][q] for q in q_lows]
        y = np.array([np.nan if v is None else v.kappa for v in k])
        lo = np.array([np.nan if v is None else v.lo for v in k])
        hi = np.array([np.nan if v is None else v.hi for v in k])
        x = np.array(q_lows) + 0.002 * (i - 5)
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o-", ms=3, capsize=2, color=cmap(i % 10), label=n)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel(r"far-left quantile $q_{\mathrm{low}}$")
    ax.set_ylabel(r"$\hat\kappa_{\mathrm{tail}}$ (Δζ per checkpoint; > 0 = pull)")
    ax.set_title(r"drift plateau $\hat\kappa_{\mathrm{tail}}$ vs $q_{\mathrm{low}}$ (90% block-bootstrap CI)")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    figs["kappa_vs_qlow"] = fig
    # 5. beta_pred vs beta_tail
    fig, ax = subplots(figsize=(6, 5))
    pts = []
    for i, n in enumerate(summ):
        s = summ[n]
        if s["beta_pred"] is None or not np.isfinite(s["beta_pred"]) or not np.isfinite(s["beta_tail"]):
            continue
        x, y = s["beta_tail"], s["beta_pred"]
        xe = np.abs(np.array([[x - s["beta_tail_ci"][0]], [s["beta_tail_ci"][1] - x]]))
        ye = np.abs(np.array([[y - s["beta_pred_ci"][0]], [s["beta_pred_ci"][1] - y]]))
        ax.errorbar(
            x, y, xerr=np.nan_to_num(xe), yerr=np.nan_to_num(ye), fmt="o", capsize=2, color=cmap(i % 10), label=n
        )
        pts += [x, y]
    lim = [min(pts + [0.1]) * 0.5, max(pts + [10.0]) * 2]
    ax.loglog(lim, lim, "k--", lw=1, label="identity")
    ax.set_xlabel(r"$\hat\beta_{\mathrm{tail}}$ (measured spectrum)")
    ax.set_ylabel(r"$\hat\beta_{\mathrm{pred}}$ (Lundberg root of far-left increments)")
    ax.set_title("theory vs network per arm (runaway arms omitted)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    figs["beta_pred_vs_tail"] = fig
    return figs


def forcing_figure(gated: dict, diag: dict):
    """Figure 5 of [§10][anticollapse-s10]: α̂ of the slow-row increments per checkpoint window (90% CI band) and
    Δζ = ζ_q90 − ζ_q10 vs epoch, gated cells and diagonal-RNN arms."""
    cmap = colormap("tab10")
    fig, ax = subplots(2, 2, figsize=(13, 8), sharex="col")
    for col, (group, title) in enumerate(((gated, "gated cells"), (diag, "diagonal linear RNN arms"))):
        for i, (n, a) in enumerate(group.items()):
            ep, ap = a["epochs"], a["alpha_path"]
            ax[0, col].plot(ep, ap["alpha_eff"], "o-", ms=3, color=cmap(i % 10), label=n)
            ax[0, col].fill_between(ep, ap["alpha_lo"], ap["alpha_hi"], color=cmap(i % 10), alpha=0.12)
            ax[1, col].plot(ep, a["dzeta_spread"], "o-", ms=3, color=cmap(i % 10), label=n)
        ax[0, col].axhline(2.0, color="k", lw=1, ls="--", label=r"$\alpha=2$ (Gaussian)")
        ax[0, col].axhline(1.5, color="grey", lw=1, ls=":", label=r"$\alpha=1.5$ (Path A injection)")
        ax[0, col].set(
            ylabel=r"$\hat\alpha_{\mathrm{eff}}$ of slow-row increments",
            ylim=(0.95, 2.05),
            title=f"forcing tail index per checkpoint window: {title}",
        )
        ax[1, col].set(
            xlabel="epoch",
            ylabel=r"$\Delta\zeta=\zeta_{q90}-\zeta_{q10}$",
            yscale="log",
            title=rf"log-rate spread $\Delta\zeta$: {title} ($\Delta\zeta=0$ not drawn)",
        )
        for a_ in ax[:, col]:
            a_.legend(fontsize=6, ncol=2)
    fig.suptitle(
        r"Forcing and spread through training: $\hat\alpha$ with 90% CI bands; "
        r"$\Delta\zeta$ grows when time scales spread"
    )
    fig.tight_layout()
    return fig


def ladder_figure(lp: dict, p: Any):
    """[Table T8][anticollapse-t8]: β̂_tail (90% CI) per rung of each forcing-suppression ladder; filled markers
    collapsed, open markers non-collapsed; β̂_pred as crosses."""
    fig, ax = subplots(1, 3, figsize=(15, 4.4), sharey=True)
    col = colormap("tab10")
    for a_, lad in zip(ax, ("clip", "batch", "winsor")):
        rows = lp[lad]["rungs"]
        x = np.arange(len(rows))
        for i, r in enumerate(rows):
            if r["beta_tail"] is None:
                continue
            y, (lo, hi) = r["beta_tail"], r["beta_tail_ci"]
            coll = r["label"] == "collapsed"
            a_.errorbar(
                i,
                y,
                yerr=[[max(y - lo, 0)], [max(hi - y, 0)]],
                fmt="o",
                ms=8,
                capsize=3,
                color=col(0),
                mfc=col(0) if coll else "white",
                label=None,
            )
            if r["runaway"]:
                a_.plot(i, 0.03, "v", color=col(1), ms=8, transform=a_.get_xaxis_transform())
            elif r["beta_pred"] is not None and np.isfinite(r["beta_pred"]):
                a_.plot(i, r["beta_pred"], "x", color=col(1), ms=8)
        a_.plot([], [], "o", color=col(0), label=r"$\hat\beta_{\mathrm{tail}}$, collapsed")
        a_.plot([], [], "o", color=col(0), mfc="white", label=r"$\hat\beta_{\mathrm{tail}}$, non-collapsed")
        a_.plot([], [], "x", color=col(1), label=r"$\hat\beta_{\mathrm{pred}}$ (far-left increments)")
        a_.plot(
            [], [], "v", color=col(1), label=r"$\hat\beta_{\mathrm{pred}}$: runaway (mean $\Delta\zeta\leq0$, no root)"
        )
        a_.axhline(1.0, color="k", ls="--", lw=1, label=r"$\beta=1$")
        a_.set_xticks(x, [r["condition"].split(" (")[0] for r in rows], rotation=20, fontsize=8)
        a_.set_yscale("log")
        a_.set_title(f"{lad} ladder: {lp[lad]['verdict']}", fontsize=8)
        a_.set_xlabel("suppression rung (increasing →)")
    ax[0].set_ylabel(r"$\hat\beta$ (90% bootstrap CI)")
    ax[0].legend(fontsize=7)
    fig.suptitle(
        f"Forcing-suppression ladders ({'DiagGate' if lp['model'] == 'diaggate' else 'diagonal linear RNN'}"
        f", warm start at epoch {lp['warm_epoch']}/{lp['epochs']})"
    )
    fig.tight_layout()
    return fig
