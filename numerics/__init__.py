"""rnn-timescales numerics: JAX, diffrax, optax and equinox. Everything that produces numbers.

Importing `numerics` changes nothing in the process. The toolkit computes in float64, and
the one call that sets the process up for it is [`numerics.configure`][]: the command line
calls it first thing, and so does the test suite. In a notebook or script, call it before
creating any array:

```python
import numerics

numerics.configure()  # float64 on; host BLAS pinned to one thread unless you set it
```

A toolkit function that needs float64 raises a `RuntimeError` naming `configure()` when
x64 is off; it never silently computes in float32.

Packages: `numerics.core` (shared machinery), one package per paper (`numerics.integrator`,
`numerics.gating`, `numerics.anticollapse`, each with its `studies`), `numerics.study`
(the study contract) and `numerics.cli` (the `rnn-timescales` command).
"""

from __future__ import annotations

import os

__all__ = ["configure"]

#: Host BLAS/OpenMP thread variables that :func:`configure` defaults to one thread.
BLAS_THREAD_VARIABLES: tuple[str, ...] = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def configure(*, x64: bool = True, blas_threads: int | None = 1) -> None:
    """Set the process up for the toolkit: float64 in JAX and single-threaded host BLAS.

    **Arguments:**

    - `x64`: switch on `jax_enable_x64` (the toolkit's default precision). Call this before
      any JAX array exists; arrays made before keep their dtype.
    - `blas_threads`: default for `OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS` and
      `OMP_NUM_THREADS` when the user has not set them (`None` leaves them alone). The
      toolkit's CPU work is many small $O(N^3)$ calls beside XLA's own thread pool;
      oversubscribed BLAS threads were measured to make an $N=100$ training run about ten
      times slower. The host BLAS reads these variables when it is first loaded, so they
      only take effect if `configure()` runs before NumPy is imported.

    Idempotent: calling it twice is harmless.
    """
    if blas_threads is not None:
        if int(blas_threads) < 1:
            raise ValueError(f"blas_threads={blas_threads} is out of range; allowed: an integer >= 1, or None")
        for var in BLAS_THREAD_VARIABLES:
            os.environ.setdefault(var, str(int(blas_threads)))
    import jax

    jax.config.update("jax_enable_x64", bool(x64))
