"""The shared core: SymPy-to-JAX code generation, diffrax wrappers, errors, run mapping and
sharding over devices, and the linear algebra the papers share (Lyapunov and Stein equations,
bidiagonal spectra, transport products).
"""

from ._bidiagonal import (
    SV_METHODS as SV_METHODS,
)
from ._bidiagonal import (
    bidiagonalize as bidiagonalize,
)
from ._bidiagonal import (
    default_sv_method as default_sv_method,
)
from ._bidiagonal import (
    golub_kahan as golub_kahan,
)
from ._bidiagonal import (
    singular_values as singular_values,
)
from ._bidiagonal import (
    top_from_golub_kahan as top_from_golub_kahan,
)
from ._bidiagonal import (
    top_singular_value_gk as top_singular_value_gk,
)
from ._codegen import (
    ALLOWED_FUNCTIONS as ALLOWED_FUNCTIONS,
)
from ._codegen import (
    CodegenError as CodegenError,
)
from ._codegen import (
    check_whitelist as check_whitelist,
)
from ._codegen import (
    jax_function as jax_function,
)
from ._codegen import (
    vector_field as vector_field,
)
from ._errors import (
    SolveError as SolveError,
)
from ._errors import (
    UnstableNetworkError as UnstableNetworkError,
)
from ._errors import (
    UsageError as UsageError,
)
from ._lyapunov import (
    cayley as cayley,
)
from ._lyapunov import (
    cross_gramians as cross_gramians,
)
from ._lyapunov import (
    discrete_cross_gramians as discrete_cross_gramians,
)
from ._lyapunov import (
    doubling as doubling,
)
from ._lyapunov import (
    gramians_scalar_target as gramians_scalar_target,
)
from ._lyapunov import (
    lyapunov as lyapunov,
)
from ._lyapunov import (
    lyapunov_pair as lyapunov_pair,
)
from ._lyapunov import (
    stein as stein,
)
from ._lyapunov import (
    stein_pair as stein_pair,
)
from ._lyapunov import (
    sylvester as sylvester,
)
from ._ode import (
    SOLVERS as SOLVERS,
)
from ._ode import (
    OdeSolution as OdeSolution,
)
from ._ode import (
    raise_on_failure as raise_on_failure,
)
from ._ode import (
    solve as solve,
)
from ._ode import (
    solve_batch as solve_batch,
)
from ._plotting import (
    colormap as colormap,
)
from ._plotting import (
    subplots as subplots,
)
from ._precision import (
    require_x64 as require_x64,
)
from ._precision import (
    x64_enabled as x64_enabled,
)
from ._runmap import (
    cpu_workers as cpu_workers,
)
from ._runmap import (
    in_processes as in_processes,
)
from ._runmap import (
    run_map as run_map,
)
from ._runmap import (
    split_runs as split_runs,
)
from ._sharding import (
    AXIS as AXIS,
)
from ._sharding import (
    n_runs_of as n_runs_of,
)
from ._sharding import (
    pad_runs as pad_runs,
)
from ._sharding import (
    run_mesh as run_mesh,
)
from ._sharding import (
    shard_runs as shard_runs,
)
from ._sharding import (
    sharded_vmap as sharded_vmap,
)
from ._transport import (
    first_order_diagonal as first_order_diagonal,
)
from ._transport import (
    prefix_sum as prefix_sum,
)
from ._transport import (
    window_product as window_product,
)

__all__ = [
    "ALLOWED_FUNCTIONS",
    "AXIS",
    "bidiagonalize",
    "cayley",
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
