"""Exceptions with one-line messages, mapped to exit codes by the CLI.

| exception | meaning | exit code |
|---|---|---|
| `UsageError` | bad user input (value, name, path) | 2 |
| `UnstableNetworkError` | training left the stable region, max Re λ(W) ≥ 1 | 1 |
| `SolveError` | a diffrax solve failed at a parameter point | 1 |
"""

from __future__ import annotations

from typing import Any

__all__ = ["UsageError", "UnstableNetworkError", "SolveError"]


class UsageError(ValueError):
    """Bad user input; the message names the value and the allowed range."""


class UnstableNetworkError(ValueError):
    r"""Training reached $\max\operatorname{Re}\lambda(W)\ge 1 - \delta_{\min}$.

    The Lyapunov loss is meaningless past the edge (the true loss is infinite), so
    training stops. `partial` holds the series recorded up to the stop, so a caller
    can save it.
    """

    def __init__(
        self,
        t: float,
        max_re_lambda: float,
        margin: float | None = None,
        partial: dict[str, Any] | None = None,
        where: str = "",
    ) -> None:
        self.t = float(t)
        self.max_re_lambda = float(max_re_lambda)
        self.margin = float(1.0 - max_re_lambda if margin is None else margin)
        self.partial = partial or {}
        loc = f"{where}: " if where else ""
        super().__init__(
            f"{loc}network became unstable at training time t={self.t:.6g}: "
            f"max Re lambda(W)={self.max_re_lambda:.6g} >= 1 (margin {self.margin:.3g}); "
            "the Lyapunov loss is undefined there; lower eta or use the stiff solver"
        )


class SolveError(RuntimeError):
    """A diffrax solve failed; the message names the study and the parameter point."""
