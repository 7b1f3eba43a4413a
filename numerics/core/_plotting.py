"""Figures without global state.

Studies draw on `matplotlib.figure.Figure` objects made here, never through `pyplot`: no
backend is selected, no figure is registered in a global list, and nothing needs closing.
A figure is saved with `fig.savefig` (the results writer does it) or shown in a notebook,
whose display hook renders `Figure` objects directly. This module is the one place the
toolkit touches matplotlib's configuration; it changes none of it.
"""

from __future__ import annotations

from typing import Any

import matplotlib
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

__all__ = ["subplots", "colormap"]

_FIGURE_KEYS = frozenset({"figsize", "dpi", "layout", "constrained_layout", "tight_layout", "facecolor"})


def subplots(nrows: int = 1, ncols: int = 1, **kw: Any) -> tuple[Figure, Any]:
    """`pyplot.subplots` without pyplot: a new `Figure` and its axes (same arguments)."""
    fig = Figure(**{k: v for k, v in kw.items() if k in _FIGURE_KEYS})
    axes = fig.subplots(nrows, ncols, **{k: v for k, v in kw.items() if k not in _FIGURE_KEYS})
    return fig, axes


def colormap(name: str, n: int | None = None) -> Colormap:
    """The registered colormap `name`, resampled to `n` colours if given."""
    cmap = matplotlib.colormaps[name]
    return cmap if n is None else cmap.resampled(n)
