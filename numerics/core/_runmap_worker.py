"""Worker process of [`numerics.core.in_processes`][]: one pickled call in, its result out.

Run as `python -m numerics.core._runmap_worker`; the parent passes its precision in
`JAX_ENABLE_X64` and its BLAS thread settings in the environment.
"""

import pickle
import sys

if __name__ == "__main__":
    fn, args = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(fn(*args)))
