"""Numerics: JAX, diffrax, optax and equinox. Everything that produces numbers.

Importing this package enables float64 (``jax_enable_x64``) before any array exists;
every submodule imports it first, so no float32 array is ever created by the toolkit.
"""

import jax

jax.config.update("jax_enable_x64", True)

__all__: list[str] = []
