"""The shared core: SymPy-to-JAX code generation, diffrax wrappers, errors, run mapping and
sharding over devices, and the linear algebra the papers share (Lyapunov and Stein equations,
bidiagonal spectra, transport products).
"""

from ._bidiagonal import (
    SV_METHODS as SV_METHODS,
    bidiagonalize as bidiagonalize,
    default_sv_method as default_sv_method,
    golub_kahan as golub_kahan,
    singular_values as singular_values,
    top_from_golub_kahan as top_from_golub_kahan,
    top_singular_value_gk as top_singular_value_gk,
)
from ._checkpoint import Checkpoint as Checkpoint
from ._codegen import (
    ALLOWED_FUNCTIONS as ALLOWED_FUNCTIONS,
    CodegenError as CodegenError,
    check_whitelist as check_whitelist,
    jax_function as jax_function,
    vector_field as vector_field,
)
from ._errors import (
    SolveError as SolveError,
    UnstableNetworkError as UnstableNetworkError,
    UsageError as UsageError,
)
from ._lyapunov import (
    cayley as cayley,
    cross_gramians as cross_gramians,
    discrete_cross_gramians as discrete_cross_gramians,
    doubling as doubling,
    gramians_scalar_target as gramians_scalar_target,
    lyapunov as lyapunov,
    lyapunov_pair as lyapunov_pair,
    stein as stein,
    stein_pair as stein_pair,
    sylvester as sylvester,
)
from ._ode import (
    SOLVERS as SOLVERS,
    OdeSolution as OdeSolution,
    raise_on_failure as raise_on_failure,
    solve as solve,
    solve_batch as solve_batch,
)
from ._plotting import (
    colormap as colormap,
    subplots as subplots,
)
from ._precision import (
    require_x64 as require_x64,
    x64_enabled as x64_enabled,
)
from ._runmap import (
    cpu_workers as cpu_workers,
    in_processes as in_processes,
    run_map as run_map,
    split_runs as split_runs,
)
from ._sharding import (
    AXIS as AXIS,
    n_runs_of as n_runs_of,
    pad_runs as pad_runs,
    run_mesh as run_mesh,
    shard_runs as shard_runs,
    sharded_vmap as sharded_vmap,
)
from ._transport import (
    first_order_diagonal as first_order_diagonal,
    prefix_sum as prefix_sum,
    window_product as window_product,
)

__all__ = [
    "ALLOWED_FUNCTIONS",
    "AXIS",
    "bidiagonalize",
    "cayley",
    "Checkpoint",
    "check_whitelist",
    "CodegenError",
    "colormap",
    "cpu_workers",
    "cross_gramians",
    "default_sv_method",
    "discrete_cross_gramians",
    "doubling",
    "first_order_diagonal",
    "golub_kahan",
    "gramians_scalar_target",
    "in_processes",
    "jax_function",
    "lyapunov",
    "lyapunov_pair",
    "n_runs_of",
    "OdeSolution",
    "pad_runs",
    "prefix_sum",
    "raise_on_failure",
    "require_x64",
    "run_map",
    "run_mesh",
    "shard_runs",
    "sharded_vmap",
    "singular_values",
    "solve",
    "solve_batch",
    "SolveError",
    "SOLVERS",
    "split_runs",
    "stein",
    "stein_pair",
    "subplots",
    "SV_METHODS",
    "sylvester",
    "top_from_golub_kahan",
    "top_singular_value_gk",
    "UnstableNetworkError",
    "UsageError",
    "vector_field",
    "x64_enabled",
    "window_product",
]
