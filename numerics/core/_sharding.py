r"""Independent runs (seeds × arms) vmapped and sharded over the available devices.

A batch of independent training runs is one leading axis ("runs") of every input
pytree. `run_mesh` builds a one-axis `jax.sharding.Mesh` over
`jax.devices()`; `shard_runs` places the run axis across it with a
`jax.sharding.NamedSharding` (`PartitionSpec("runs")`), padding the axis to a
multiple of the device count by repeating the last run; `sharded_vmap` wraps a
per-run function as `jit(vmap(fn))` over that axis, so XLA (GSPMD) runs each
device's slice of runs locally with no cross-device traffic, and drops the padding
from the outputs. With one device (this CPU) it is plain `jit(vmap(fn))`; on CPU
several devices can be emulated with `XLA_FLAGS=--xla_force_host_platform_device_count=N`
(set before JAX starts), which is how the tests exercise the multi-device path.

| code name | meaning |
|---|---|
| `runs` | the mesh axis name, and the leading (run) axis of every argument |
| `n_runs` | number of real runs (before padding) |
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["AXIS", "run_mesh", "pad_runs", "shard_runs", "sharded_vmap", "n_runs_of"]

AXIS = "runs"


def run_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A one-axis mesh (axis `"runs"`) over `devices` (default: all of `jax.devices()`)."""
    devs = list(jax.devices() if devices is None else devices)
    if not devs:
        raise ValueError("no devices given; need at least one")
    return Mesh(np.array(devs), (AXIS,))


def n_runs_of(tree: Any) -> int:
    """Length of the common leading axis of every array leaf (ValueError if they differ)."""
    sizes = {int(jnp.shape(x)[0]) for x in jax.tree.leaves(tree) if jnp.ndim(x) >= 1}
    if len(sizes) != 1:
        raise ValueError(f"run axes differ or are missing: leading sizes {sorted(sizes)}; need one common size")
    return sizes.pop()


def pad_runs(tree: Any, multiple: int) -> tuple[Any, int]:
    """Pad the run axis to a multiple of `multiple` by repeating the last run.

    Returns `(padded_tree, n_runs)`; padded runs are exact copies and are dropped by
    the caller (`sharded_vmap` does it)."""
    n = n_runs_of(tree)
    pad = (-n) % multiple
    if pad == 0:
        return tree, n

    def grow(x):
        return jnp.concatenate([x, jnp.repeat(x[-1:], pad, axis=0)], axis=0)

    return jax.tree.map(grow, tree), n


def shard_runs(tree: Any, mesh: Mesh) -> Any:
    """`device_put` every leaf with its leading (run) axis split over `mesh`'s devices.

    The run axis must already be a multiple of the device count (see `pad_runs`)."""
    n_dev = mesh.devices.size
    n = n_runs_of(tree)
    if n % n_dev:
        raise ValueError(f"{n} runs do not split over {n_dev} devices; pad with pad_runs first")
    spec = NamedSharding(mesh, PartitionSpec(AXIS))
    return jax.tree.map(lambda x: jax.device_put(x, spec), tree)


def sharded_vmap(
    fn: Callable[..., Any], mesh: Mesh | None = None, *, in_axes: Sequence[int | None] | None = None
) -> Callable[..., Any]:
    """`jit(vmap(fn, in_axes))` over the leading (run) axis, sharded over `mesh`.

    Arguments with axis 0 (default: all) are padded to a multiple of the device count
    and split with `shard_runs`; arguments with axis `None` (e.g. a data set
    shared by every run) are replicated on every device. Outputs (each with a leading
    run axis) are cut back to the real runs.
    """
    mesh = run_mesh() if mesh is None else mesh
    n_dev = mesh.devices.size
    compiled: dict[int, Callable[..., Any]] = {}
    replicated = NamedSharding(mesh, PartitionSpec())

    def call(*args):
        axes = tuple(in_axes) if in_axes is not None else (0,) * len(args)
        if len(axes) != len(args):
            raise ValueError(f"in_axes has {len(axes)} entries for {len(args)} arguments")
        if len(args) not in compiled:
            compiled[len(args)] = jax.jit(
                jax.vmap(fn, in_axes=axes), out_shardings=NamedSharding(mesh, PartitionSpec(AXIS))
            )
        mapped = tuple(a for a, ax in zip(args, axes) if ax == 0)
        padded, n = pad_runs(mapped, n_dev)
        placed = iter(shard_runs(padded, mesh))
        full = [next(placed) if ax == 0 else jax.device_put(a, replicated) for a, ax in zip(args, axes)]
        out = compiled[len(args)](*full)
        return out if n == n_runs_of(padded) else jax.tree.map(lambda x: x[:n], out)

    return call
