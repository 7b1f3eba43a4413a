"""The float64 guard: toolkit calls that need double precision refuse to run in float32.

Importing the toolkit never switches precision on (see [`numerics.configure`][]). A function
whose results would be wrong or misleading in float32 calls [`numerics.core.require_x64`][]
first; with `jax_enable_x64` off it raises at once, before any computation starts.
"""

from __future__ import annotations

import jax

__all__ = ["require_x64", "x64_enabled"]


def x64_enabled() -> bool:
    """Whether JAX creates float64 arrays by default (`jax_enable_x64`)."""
    return bool(jax.config.jax_enable_x64)


def require_x64(what: str) -> None:
    """Raise `RuntimeError` naming `numerics.configure()` unless float64 is on.

    **Arguments:**

    - `what`: the calling function's name, quoted in the message.
    """
    if not x64_enabled():
        raise RuntimeError(
            f"{what} computes in float64, but jax_enable_x64 is off; call numerics.configure() "
            "(or jax.config.update('jax_enable_x64', True)) before creating any array"
        )
