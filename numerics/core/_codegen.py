r"""SymPy → JAX: the toolkit's single code-generation adapter.

Every derived expression that produces numbers goes through `jax_function`
(or `vector_field`, its ODE form). The adapter

1. **whitelists functions** (`ALLOWED_FUNCTIONS`) and raises
   `CodegenError` *at build time* for anything else, so that an unsupported
   special function never surfaces as a `NameError` deep inside a diffrax solve;
2. applies **common-subexpression elimination** (`sympy.cse` through
   `lambdify(cse=True)`) and prints with SymPy's `JaxPrinter`;
3. **traces the result once** with `jax.eval_shape` on float64 placeholders, so
   any printing or shape error also fails at build time;
4. returns a function whose output is a float64 `jnp` array of the expression's
   shape (scalar, vector or matrix).

Special functions not known to SymPy's JAX printer are supplied through a small
namespace (`_EXTRA_NAMESPACE`): `lowergamma`/`uppergamma` (as
`gammainc`/`gammaincc` times `Γ`; positive first argument) and
`besseli(0|1, x)`.

Tests check every generated right-hand side against `jax.grad`/`jax.jacfwd` of a
plain JAX implementation (`tests/numerics/test_codegen.py` and per-module tests).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import sympy as sp
from jaxtyping import Array, Float
from sympy.printing.numpy import JaxPrinter

from numerics.core._precision import require_x64

__all__ = [
    "ALLOWED_FUNCTIONS",
    "CodegenError",
    "jax_function",
    "vector_field",
    "check_whitelist",
]

#: SymPy function classes the adapter can print to JAX. Powers, products, sums and
#: rationals are not functions and are always allowed.
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "exp",
        "log",
        "sqrt",
        "sin",
        "cos",
        "tan",
        "tanh",
        "sinh",
        "cosh",
        "asin",
        "acos",
        "atan",
        "atan2",
        "Abs",
        "sign",
        "re",
        "im",
        "conjugate",
        "erf",
        "erfc",
        "gamma",
        "loggamma",
        "polygamma",
        "digamma",
        "lowergamma",
        "uppergamma",
        "besseli",
        "Max",
        "Min",
        "Piecewise",
        "Heaviside",
        "ExprCondPair",
        "floor",
        "ceiling",
    }
)


class CodegenError(ValueError):
    """An expression cannot be turned into JAX (raised at build time)."""


def _lowergamma(a, x):
    return jsp.gammainc(a, x) * jnp.exp(jsp.gammaln(a))


def _uppergamma(a, x):
    return jsp.gammaincc(a, x) * jnp.exp(jsp.gammaln(a))


def _besseli(nu, x):
    if nu == 0:
        return jsp.i0(x)
    if nu == 1:
        return jsp.i1(x)
    raise CodegenError(f"besseli order {nu} is not supported (allowed: 0, 1)")


_EXTRA_NAMESPACE: dict[str, Callable[..., Any]] = {
    "lowergamma": _lowergamma,
    "uppergamma": _uppergamma,
    "besseli": _besseli,
    "erf": jsp.erf,
    "erfc": jsp.erfc,
    "gamma": jsp.gamma,
    "loggamma": jsp.gammaln,
    "polygamma": jsp.polygamma,
    "digamma": jsp.digamma,
}


class _Printer(JaxPrinter):
    """`JaxPrinter` that prints the special functions of `_EXTRA_NAMESPACE`
    by name, so that the namespace (not `math`) supplies them."""

    def _print_plain(self, expr):
        args = ", ".join(self._print(a) for a in expr.args)
        return f"{type(expr).__name__}({args})"

    _print_lowergamma = _print_uppergamma = _print_besseli = _print_plain
    _print_erf = _print_erfc = _print_gamma = _print_loggamma = _print_plain
    _print_polygamma = _print_digamma = _print_plain


def _flat_symbols(args: Sequence[Any]) -> list[sp.Symbol]:
    out: list[sp.Symbol] = []
    for a in args:
        if isinstance(a, (list, tuple, sp.MatrixBase)):
            out.extend(_flat_symbols(list(a)))
        else:
            out.append(a)
    return out


def check_whitelist(expr: sp.Basic | sp.MatrixBase, args: Sequence[Any] = ()) -> None:
    """Raise `CodegenError` if `expr` uses a non-whitelisted function or a
    free symbol that is not among `args`."""
    exprs = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
    allowed_syms = set(_flat_symbols(args))
    for e in exprs:
        e = sp.sympify(e)
        for f in e.atoms(sp.Function):
            name = type(f).__name__
            if name not in ALLOWED_FUNCTIONS:
                raise CodegenError(
                    f"function {name!r} in {sp.sstr(e)[:80]!r} is not in the codegen "
                    f"whitelist ({', '.join(sorted(ALLOWED_FUNCTIONS))})"
                )
            if name == "besseli" and f.args[0] not in (0, 1):
                raise CodegenError(f"besseli order {f.args[0]} is not supported (allowed: 0, 1)")
        if isinstance(e, (sp.Derivative, sp.Integral)) or e.atoms(sp.Derivative, sp.Integral):
            raise CodegenError(f"unevaluated derivative/integral in {sp.sstr(e)[:80]!r}")
        free = e.free_symbols - allowed_syms
        if args and free:
            raise CodegenError(f"free symbols {sorted(map(str, free))} are not arguments of the generated function")


def _placeholders(args: Sequence[Any]) -> list[Any]:
    out = []
    for a in args:
        if isinstance(a, (list, tuple, sp.MatrixBase)):
            out.append(jax.ShapeDtypeStruct((len(_flat_symbols(list(a))),), jnp.float64))
        else:
            out.append(jax.ShapeDtypeStruct((), jnp.float64))
    return out


def jax_function(
    expr: sp.Basic | sp.MatrixBase | Sequence[sp.Basic],
    args: Sequence[Any],
    *,
    name: str = "generated",
) -> Callable[..., Float[Array, "*shape"]]:
    """Compile a SymPy expression (scalar, list or matrix) into a pure JAX function.

    Args:
        expr: the expression; a list/tuple is treated as a vector.
        args: the function's positional arguments. A symbol is a scalar argument; a
            list of symbols is one 1-D array argument unpacked in that order.
        name: used in error messages and as the function's `__name__`.

    Returns:
        `f(*args) -> float64 array` with the shape of `expr` (`()` for scalars,
        `(n,)` for a list, `(n, m)` for a matrix). Jit- and vmap-compatible.

    Raises:
        CodegenError: at build time, for a non-whitelisted function, a free symbol
            missing from `args`, or an expression that does not trace.
    """
    require_x64("jax_function")
    if isinstance(expr, (list, tuple)):
        expr = sp.Matrix(list(expr))
        flatten = True
    else:
        flatten = False
    check_whitelist(expr, args)
    raw = sp.lambdify(list(args), expr, modules=[_EXTRA_NAMESPACE, "jax"], printer=_Printer, cse=True)

    def fn(*values):
        out = jnp.asarray(raw(*values), dtype=jnp.float64)
        return out.reshape(-1) if flatten else out

    fn.__name__ = name
    fn.__doc__ = f"Generated from SymPy: {sp.sstr(expr)[:200]}"
    try:
        jax.eval_shape(fn, *_placeholders(args))
    except CodegenError:
        raise
    except Exception as exc:  # noqa: BLE001 - any trace failure is a build error
        raise CodegenError(f"generated function {name!r} does not trace: {exc}") from exc
    return fn


def vector_field(
    rhs: Sequence[sp.Basic],
    state: Sequence[sp.Symbol],
    params: Sequence[sp.Symbol] = (),
    *,
    time: sp.Symbol | None = None,
    name: str = "vector_field",
) -> Callable[[Any, Float[Array, " n"], Float[Array, " p"]], Float[Array, " n"]]:
    r"""Generate a diffrax vector field `f(t, y, args) -> dy/dt` from `rhs`.

    `y` is the state vector ordered as `state`; `args` is a 1-D array of the
    parameters ordered as `params`. Time enters only if `time` is given.
    """
    if len(rhs) != len(state):
        raise CodegenError(f"{name}: {len(rhs)} right-hand sides for {len(state)} states")
    t = time if time is not None else sp.Dummy("t")
    g = jax_function(list(rhs), [t, list(state), list(params)], name=name)

    def f(t_val, y, args):
        return g(t_val, y, args)

    f.__name__ = name
    return f
