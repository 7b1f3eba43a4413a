r"""Independent runs mapped one at a time (CPU), over worker processes, or batched (accelerator).

A batch of independent runs (seeds, tasks, probe sequences) is one leading axis of every
mapped argument. `run_map` turns a per-run function `fn` into a function of the
whole batch:

* **Accelerator (GPU/TPU):** `jax.jit(jax.vmap(fn))`: the runs fill the device.
* **CPU, one worker (default):** `jax.jit(lax.map(fn))`: ONE compiled computation that
  walks the runs one after another. On a CPU, `vmap` over runs gains nothing when each
  run is a chain of small (64x64) matrix products or LAPACK calls: XLA lowers batched
  small products to a loop of single products (measured 15 GFLOP/s for a batch of 64x64
  products, against ~100 GFLOP/s for one 64x64x64 product on one core).
* **CPU, `workers > 1`:** the runs are cut into `workers` contiguous blocks, and each
  block is walked as above in its own **process** (a fresh `python -m numerics.core._runmap_worker`
  fed the pickled block on stdin, so the caller's main module is never re-imported and
  scripts need no `if __name__ == "__main__"` guard; each process has its own XLA
  client and compiles its own copy, a few seconds). The parent gathers the blocks.
  `fn` must then be picklable (a module-level function, or a `functools.partial`
  of one with picklable arguments) and take arrays only; typed PRNG keys are passed as
  their key data and re-wrapped by the caller's `fn`.

Why processes and not threads or emulated host devices: with jaxlib 0.10.2 on CPU,
two computations of one process running at the same time (from two Python threads on
one device, or on two emulated host devices, `--xla_force_host_platform_device_count`)
were seen to deadlock: every XLA thread idle and the host waiting in
`AwaitBuffersReady` for a result that never comes (reproduced with the E0 per-seed
computation; gdb stacks in the project notes). Separate processes share nothing.

Every run is the same computation on the same inputs whatever `workers` is (tested:
equal to float64 rounding; bitwise on one machine in practice).

| code name | meaning |
|---|---|
| `in_axes` | per argument: `0` (mapped, leading run axis) or `None` (shared by every run) |
| `workers` | CPU processes (`1`: in this process; `0`: one per available core) |
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numerics.core._precision import x64_enabled
from numerics.core._sharding import n_runs_of

__all__ = ["run_map", "in_processes", "split_runs", "cpu_workers"]


def cpu_workers(workers: int = 0) -> int:
    """Worker processes `run_map` uses on a CPU: `workers`, or one per available core if 0."""
    if workers < 0:
        raise ValueError(f"workers={workers} is out of range; allowed: workers >= 0 (0 = one per core)")
    if workers:
        return workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def split_runs(tree: Any, n: int, workers: int) -> list[Any]:
    """`tree` (leading run axis of length `n`) cut into contiguous NumPy blocks, one per
    worker process to use: `min(cpu_workers(workers), n)` blocks on a CPU, one block (the
    whole tree, unchanged) on an accelerator or when a single worker results."""
    w = min(cpu_workers(workers), n) if jax.default_backend() == "cpu" else 1
    if w == 1:
        return [tree]
    return [jax.tree.map(lambda x: np.asarray(x)[c[0] : c[-1] + 1], tree) for c in np.array_split(np.arange(n), w)]


def _walk(fn: Callable[..., Any], axes: tuple[int | None, ...]) -> Callable[..., Any]:
    """`fn` over the leading axis of the mapped arguments, one run after another (`lax.map`)."""

    def walked(*args):
        mapped = tuple(a for a, ax in zip(args, axes) if ax == 0)

        def one(m):
            it = iter(m)
            return fn(*(next(it) if ax == 0 else a for a, ax in zip(args, axes)))

        return jax.lax.map(one, mapped)

    return walked


def _block(fn, axes, args):
    """Worker-process work: walk one block of runs; the output leaves as numpy arrays."""
    return [np.asarray(x) for x in jax.tree.leaves(jax.jit(_walk(fn, axes))(*args))]


def in_processes(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """`[fn(*args) for args in calls]`, each call in its own `python -m numerics.core._runmap_worker`
    process, all running at once (for Python-level work, e.g. JAX plus NumPy summaries).

    `fn`, the arguments and the results must be picklable. A failing call raises
    `RuntimeError` naming the worker's exception; no worker outlives the call."""
    payloads = [pickle.dumps((fn, tuple(args))) for args in calls]  # fails here if not picklable
    # the worker inherits this process's precision (and, through os.environ, its BLAS threads)
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_ENABLE_X64="1" if x64_enabled() else "0")
    errs = [tempfile.TemporaryFile() for _ in calls]  # a file, not a pipe: a chatty worker cannot block
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "numerics.core._runmap_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=env,
        )
        for e in errs
    ]
    outs = []
    try:
        for proc, payload in zip(procs, payloads):  # all processes start before the first is read
            proc.stdin.write(payload)
            proc.stdin.close()
        for proc, e in zip(procs, errs):
            out = proc.stdout.read()
            if proc.wait() != 0:
                e.seek(0)
                lines = e.read().decode(errors="replace").strip().splitlines() or ["(no message)"]
                raised = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Interrupt)\b", ln)]
                raise RuntimeError(f"run_map worker process failed (exit {proc.returncode}): {(raised or lines)[-1]}")
            outs.append(pickle.loads(out))
    finally:  # an error or an interrupt leaves no worker behind
        for proc, e in zip(procs, errs):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            e.close()
    return outs


def run_map(
    fn: Callable[..., Any], *, in_axes: Sequence[int | None] | None = None, workers: int = 1
) -> Callable[..., Any]:
    """`fn` applied to every run (module docstring: one process, worker processes, or vmap).

    Arguments with axis `0` (default: all) carry a leading run axis; arguments with
    axis `None` are passed whole to every run. Outputs gain a leading run axis, as with
    `jax.vmap`. The backend is read at call time (`jax.default_backend()`).
    """
    cpu_workers(workers)  # validate now, not at the first call
    compiled: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def call(*args):
        axes = tuple(in_axes) if in_axes is not None else (0,) * len(args)
        if len(axes) != len(args) or any(ax not in (0, None) for ax in axes):
            raise ValueError(f"in_axes={axes} does not fit {len(args)} arguments; allowed per argument: 0 or None")
        on_cpu = jax.default_backend() == "cpu"
        if (on_cpu, axes) not in compiled:
            compiled[on_cpu, axes] = jax.jit(_walk(fn, axes) if on_cpu else jax.vmap(fn, in_axes=axes))
        mapped = tuple(a for a, ax in zip(args, axes) if ax == 0)
        blocks = split_runs(mapped, n_runs_of(mapped), workers)
        if len(blocks) == 1:
            return compiled[on_cpu, axes](*args)
        shape = jax.eval_shape(compiled[on_cpu, axes], *args)

        def full(block):  # the block's mapped arguments back among the shared ones
            it = iter(block)
            return [next(it) if ax == 0 else a for a, ax in zip(args, axes)]

        outs = in_processes(_block, [(fn, axes, full(b)) for b in blocks])
        leaves = [jnp.asarray(np.concatenate(xs)) for xs in zip(*outs)]
        return jax.tree.unflatten(jax.tree.structure(shape), leaves)

    return call
