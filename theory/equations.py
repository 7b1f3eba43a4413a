r"""The equation record and the registry that `derive`, `latex` and codegen read.

Every symbolic result of the toolkit is an `Equation`: a name, a SymPy
left-hand side and right-hand side, a one-line description and its source (paper
and section). Theory modules expose their equations through a pure function
`equations() -> tuple[Equation, ...]`; `all_equations` collects them from
the modules listed in `THEORY_MODULES`. There is no mutable global registry:
the registry *is* the list of modules, and deriving is calling their functions.

Names are `<module>.<equation>`, e.g. `integrator.aligned_ode`. SymPy symbols are
created with LaTeX-ready names (`c_\star`, `\lambda`), so the printed equations use
the papers' notation directly; each paper's `symbols(paper)` table maps the code
names of its notation table (`c_star`, `lam`) to those symbols, and
`Equation.subs(c_star=0.2)` substitutes by code name.

LaTeX comes from `to_latex` (SymPy's printer with a few changes for reading: a
positive term first in a sum, `(x)` rather than `\left(x\right)` around short content,
one `\sum` per summation index). An equation that would not fit on a page, or that
reads better in another order, carries a `Layout`: the rows of an `aligned` block
(a system, a chain of equalities, a sum broken over lines) and named sub-expressions
set after "where". A layout changes the form, never the mathematics: every layout made
of SymPy expressions equals `lhs`/`rhs` once its named sub-expressions are substituted
(`layout_value`, checked by the tests). Sums are broken between terms so that no line of
`Equation.latex()` is longer than `LINE_LIMIT` characters (a test holds every equation to it).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from theory.papers import PAPER_TABLE, paper_keys

__all__ = [
    "Equation",
    "Layout",
    "Row",
    "Terms",
    "Factors",
    "Slash",
    "LINE_LIMIT",
    "THEORY_MODULES",
    "PAPERS",
    "all_equations",
    "equations_of",
    "get_equation",
    "layout_value",
    "symbols",
    "to_latex",
    "UnknownEquationError",
    "UnknownSymbolError",
]

#: Theory modules, in the order their equations are listed and exported (one per paper).
THEORY_MODULES: tuple[str, ...] = paper_keys()

#: Source papers, by short key (from the paper registry, `theory.papers`).
PAPERS: dict[str, str] = {p.key: p.citation for p in PAPER_TABLE}

#: Longest line (characters of LaTeX source) of a displayed equation: `Equation.latex()`
#: breaks longer results over lines of an `aligned` block.
LINE_LIMIT = 100


class UnknownEquationError(KeyError):
    """Raised for an equation name that is not in the registry."""


class UnknownSymbolError(KeyError):
    """Raised for a symbol code name that is not in a paper's symbol table."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else ""


Expr = sp.Basic | sp.MatrixBase


# ----------------------------------------------------------------------------- display nodes
class Terms(sp.Function):
    r"""A sum printed with its terms in the order given (`Terms(a, -b)` prints `a - b`).

    Display only: `.doit()` (or `layout_value`) turns it into the `Add` it stands for."""

    precedence = PRECEDENCE["Add"]

    @classmethod
    def eval(cls, *args):  # noqa: ANN206 - never evaluates
        return None

    def doit(self, **hints):
        return sp.Add(*[a.doit(**hints) if hints.get("deep", True) else a for a in self.args])

    def _latex(self, printer, exp=None):  # noqa: ANN001
        tex = _join_terms(self.args, printer)
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


class Factors(sp.Function):
    r"""A product printed with its factors in the order given (`Factors(n, eps, b)` prints
    `n \varepsilon b`). Display only, like `Terms`."""

    precedence = PRECEDENCE["Mul"]

    @classmethod
    def eval(cls, *args):  # noqa: ANN206 - never evaluates
        return None

    def doit(self, **hints):
        return sp.Mul(*[a.doit(**hints) if hints.get("deep", True) else a for a in self.args])

    def _latex(self, printer, exp=None):  # noqa: ANN001
        parts = []
        for i, a in enumerate(self.args):
            if i == 0 and a == -1:
                parts.append("-")
                continue
            tex = printer._print(a)
            if printer._needs_mul_brackets(a, first=(i == 0), last=(i == len(self.args) - 1)) or isinstance(a, Terms):
                tex = rf"\left({tex}\right)"
            parts.append(tex)
        tex = " ".join(parts)
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


class Slash(sp.Function):
    r"""`a/b` set inline (`Slash(tau0, tau_c) ** beta` prints `(\tau_0/\tau_c)^{\beta}`). Display only."""

    nargs = 2

    @classmethod
    def eval(cls, *args):  # noqa: ANN206 - never evaluates
        return None

    def doit(self, **hints):
        a, b = (x.doit(**hints) for x in self.args)
        return a / b

    def _latex(self, printer, exp=None):  # noqa: ANN001
        a, b = (printer.parenthesize(x, PRECEDENCE["Mul"]) for x in self.args)
        return f"{a}/{b}" if exp is None else rf"\left({a}/{b}\right)^{{{exp}}}"


def _is_neg(term: Any) -> bool:
    if not isinstance(term, sp.Basic) or isinstance(term, (sp.Add, Terms)):
        return False  # a sum is set as it prints (1 - g, not -(g - 1))
    if isinstance(term, sp.MatMul):  # could_extract_minus_sign is False for -s*X*c
        scalar = sp.Mul(*[a for a in term.args if not getattr(a, "is_Matrix", False)])
        return bool(scalar.as_coeff_Mul()[0].is_negative)
    return term.could_extract_minus_sign()


def _join_terms(args, printer) -> str:  # noqa: ANN001
    out = ""
    for i, a in enumerate(args):
        neg = _is_neg(a)
        body = printer._print(-a) if neg else printer._print(a)
        if neg and isinstance(-a, (sp.Add, Terms)):
            body = rf"\left({body}\right)"
        if not neg and body.startswith("- "):  # a sum that starts with a negative term
            neg, body = True, body[2:]
        if i == 0:
            out = f"- {body}" if neg else body
        else:
            out += f" - {body}" if neg else f" + {body}"
    return out


def _plain(expr: Any) -> Any:
    """`expr` with every `Terms`/`Factors` node turned into the `Add`/`Mul` it stands for."""
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        return expr
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(_plain)
    kinds = {Terms: sp.Add, Factors: sp.Mul, Slash: lambda a, b: a / b}
    return expr.replace(lambda e: type(e) in kinds, lambda e: kinds[type(e)](*e.args))


# ----------------------------------------------------------------------------- printer
class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with a few changes for reading (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__({"mat_delim": "", "mat_str": "bmatrix"})

    def _print_Add(self, expr, order=None):  # noqa: ANN001
        terms = list(self._as_ordered_terms(expr, order=order))
        if terms and _is_neg(terms[0]):
            pos = next((i for i, t in enumerate(terms) if not _is_neg(t)), None)
            if pos is not None:  # a positive term first: d - c_star, not -c_star + d
                terms.insert(0, terms.pop(pos))
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                pass
            elif _is_neg(term):
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = r"\left(%s\right)" % term_tex
            tex += term_tex
        return tex

    def _print_Mul(self, expr):  # noqa: ANN001
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1 and isinstance(rest, Terms):
            return r"- \left(%s\right)" % self._print(rest)
        return super()._print_Mul(expr)

    def _print_MatMul(self, expr):  # noqa: ANN001
        coeff, mats = expr.as_coeff_matrices()
        if not any(isinstance(m, sp.KroneckerProduct) for m in mats):
            return super()._print_MatMul(expr)
        tex = " ".join(
            rf"\left({self._print(m)}\right)" if isinstance(m, (sp.KroneckerProduct, sp.MatAdd)) else self._print(m)
            for m in mats
        )  # (I \otimes P) v, not I \otimes P v
        if coeff == 1:
            return tex
        if coeff == -1:
            return "- " + tex
        return self.parenthesize(coeff, PRECEDENCE["Mul"]) + " " + tex

    def _print_Pow(self, expr):  # noqa: ANN001
        base, e = expr.base, expr.exp
        if isinstance(base, sp.Symbol) and _compound_name(base.name) and (not e.is_Rational or e.is_Integer and e > 0):
            return r"\left(%s\right)^{%s}" % (self._print(base), self._print(e))  # (tr M)^2, not tr M^2
        return super()._print_Pow(expr)

    def _print_nested(self, expr, op: str) -> str:  # noqa: ANN001
        def one(i, a, b) -> str:  # noqa: ANN001
            if b == sp.oo:
                return rf"\{op}_{{{self._print(i)} \ge {self._print(a)}}}"
            return rf"\{op}_{{{self._print(i)}={self._print(a)}}}^{{{self._print(b)}}}"

        tex = " ".join(one(*lim) for lim in reversed(expr.limits))
        body = self._print(expr.function)
        if isinstance(expr.function, (sp.Add, Terms)):
            body = rf"\left({body}\right)"
        return f"{tex} {body}"

    def _print_Sum(self, expr):  # noqa: ANN001
        return self._print_nested(expr, "sum")

    def _print_Product(self, expr):  # noqa: ANN001
        return self._print_nested(expr, "prod")

    def _folded(self, expr) -> str:  # noqa: ANN001
        """`expr` with short fractions inline (`\\ell / \\tau_{0}`), for exponents and arguments."""
        saved = self._settings["fold_short_frac"]
        self._settings["fold_short_frac"] = True
        try:
            return self._print(expr)
        finally:
            self._settings["fold_short_frac"] = saved

    def _print_ExpBase(self, expr, exp=None):  # noqa: ANN001
        return self._do_exponent(r"e^{%s}" % self._folded(expr.args[0]), exp)

    def _print_lowergamma(self, expr, exp=None):  # noqa: ANN001
        tex = r"\left(%s, %s\right)" % (self._folded(expr.args[0]), self._folded(expr.args[1]))
        return r"\gamma^{%s}%s" % (exp, tex) if exp is not None else r"\gamma%s" % tex

    def _print_Derivative(self, expr):  # noqa: ANN001
        if isinstance(expr.expr, sp.Symbol) and len(expr.variables) == 1 and expr.derivative_count == 1:
            return r"\frac{\partial %s}{\partial %s}" % (self._print(expr.expr), self._print(expr.variables[0]))
        return super()._print_Derivative(expr)

    def _print_Indexed(self, expr):  # noqa: ANN001
        label = self._print(expr.base)
        idx = ",".join(self._print(i) for i in expr.indices)
        m = re.fullmatch(r"\[(.+)\](_\{.+\})", label)
        if m:  # [R]_{qq} indexed by i -> [R_{i}]_{qq}
            return f"[{m.group(1)}_{{{idx}}}]{m.group(2)}"
        if "^" in label and "_" not in label:  # g^{(q)} indexed by j -> g^{(q)}_{j}
            return f"{label}_{{{idx}}}"
        return super()._print_Indexed(expr)

    def _print_Subs(self, expr):  # noqa: ANN001
        d, var, point = expr.args[0], expr.variables[0], expr.point[0]
        if (
            len(expr.variables) == 1
            and isinstance(d, sp.Derivative)
            and d.derivative_count == 1
            and isinstance(d.expr, sp.core.function.AppliedUndef)
            and d.expr.args == (var,)
        ):  # Phi'(0), not \left. d/dtheta Phi(theta) \right|_{theta=0}
            return r"%s'(%s)" % (self._print(type(d.expr)), self._print(point))
        return super()._print_Subs(expr)

    def _print_Identity(self, expr):  # noqa: ANN001
        return "I"

    def _print_log(self, expr, exp=None):  # noqa: ANN001
        arg = self._print(expr.args[0])
        if exp is None and _single_frac(arg):
            return r"\log" + arg  # \log\frac{1}{x}, not \log{\left(\frac{1}{x}\right)}
        return super()._print_log(expr, exp)

    def _print_re(self, expr, exp=None):  # noqa: ANN001
        return self._do_exponent(r"\operatorname{Re}%s" % self.parenthesize(expr.args[0], PRECEDENCE["Func"]), exp)

    def _print_im(self, expr, exp=None):  # noqa: ANN001
        return self._do_exponent(r"\operatorname{Im}%s" % self.parenthesize(expr.args[0], PRECEDENCE["Func"]), exp)

    def _print_Piecewise(self, expr):  # noqa: ANN001
        rows = []
        for e, c in expr.args:
            cond = r"\text{otherwise}" if c == sp.true else r"\text{if } " + self._print(c)
            rows.append(f"{self._print(e)} & {cond}")
        return "\\begin{cases}\n" + " \\\\\n".join(rows) + "\n\\end{cases}"


def _single_frac(tex: str) -> bool:
    """True if `tex` is exactly one `\\frac{..}{..}`."""
    if not tex.startswith("\\frac{"):
        return False
    i, groups = len("\\frac"), 0
    while i < len(tex) and groups < 2:
        if tex[i] != "{":
            return False
        depth = 0
        for k in range(i, len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[k], 0)
            if depth == 0:
                break
        i, groups = k + 1, groups + 1
    return groups == 2 and i == len(tex)


def _compound_name(name: str) -> bool:
    """True for a symbol whose name is more than one token (`\\operatorname{tr}M`, `\\det{M}`),
    so that its power needs parentheses."""
    return bool(re.search(r"\\operatorname|\\det|\s|/", name))


_PRINTER = _Printer()

_TALL = (r"\frac", r"\sum", r"\prod", r"\int", r"\begin", r"\left", r"\sqrt", r"\binom", r"\Big", r"\big", r"\limits")
_DELIM = re.compile(r"\\(left|right)(\\[A-Za-z]+|\\.|.)")
_ARG_COMMANDS = ("mathcal", "operatorname", "mathrm", "mathbb")


def _group_start(tex: str, close: int) -> int:
    """Index of the `{` matching the `}` at `close` (or -1)."""
    depth = 0
    for i in range(close, -1, -1):
        if tex[i] == "}":
            depth += 1
        elif tex[i] == "{":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _function_brace(tex: str, brace: int) -> bool:
    """True if the `{` at `brace` only wraps a function's argument list (`\\tanh{(a)}`)."""
    if brace == 0:
        return False
    prev = tex[brace - 1]
    if prev.isalpha() or prev == "'":
        m = re.search(r"\\([A-Za-z]+)$", tex[:brace])
        return m is None or m.group(1) not in {
            "frac", "sqrt", "text", "operatorname", "mathcal", "mathrm", "mathbb", "dot", "hat", "tilde",
            "bar", "binom", "substack", "begin", "end", "overline", "underline", "mathbf", "left", "right",
        }  # fmt: skip
    if prev == "}":
        start = _group_start(tex, brace - 1)
        if start <= 0:
            return False
        if tex[start - 1] in "^_":
            return True
        m = re.search(r"\\([A-Za-z]+)$", tex[:start])
        return m is not None and m.group(1) in _ARG_COMMANDS
    return False


def _compact(tex: str) -> str:
    r"""`\left(x\right)` -> `(x)` (and `[x]`, `|x|`) where `x` holds nothing tall, and
    `f{(x)}` -> `f(x)`. Same rendering up to spacing; the source gets shorter and easier to edit."""
    nodes: list[list] = []  # [open match, close match, children, parent index]
    stack: list[int] = []
    for m in _DELIM.finditer(tex):
        if m.group(1) == "left":
            nodes.append([m, None, [], stack[-1] if stack else None])
            if stack:
                nodes[stack[-1]][2].append(len(nodes) - 1)
            stack.append(len(nodes) - 1)
        elif stack:
            nodes[stack.pop()][1] = m
    if stack:
        return tex  # unbalanced: leave as printed
    ok: dict[int, bool] = {}

    def qualifies(k: int) -> bool:
        if k not in ok:
            op, cl, kids, _ = nodes[k]
            inner, pos = [], op.end()
            for c in kids:
                inner.append(tex[pos : nodes[c][0].start()])
                pos = nodes[c][1].end()
            inner.append(tex[pos : cl.start()])
            text = "".join(inner)
            ok[k] = (
                op.group(2) + cl.group(2) in ("()", "[]", "||")
                and not any(t in text for t in _TALL)
                and all(qualifies(c) for c in kids)
            )
        return ok[k]

    edits: list[tuple[int, int, str]] = []
    for k, (op, cl, _, _) in enumerate(nodes):
        if not qualifies(k):
            continue
        a, b = op.start(), op.end()
        c, d = cl.start(), cl.end()
        while b < c and tex[b] == " ":
            b += 1
        while c > b and tex[c - 1] == " ":
            c -= 1
        if tex[a - 1 : a] == "{" and tex[d : d + 1] == "}" and _function_brace(tex, a - 1):
            a, d = a - 1, d + 1
        if op.group(2) == "|" and tex[b : b + 1] == "{" and _group_start(tex, c - 1) == b:
            b, c = b + 1, c - 1  # \left|{x}\right| -> |x|
        edits += [(a, b, op.group(2)), (c, d, cl.group(2))]
    out, pos = [], 0
    for a, b, rep in sorted(edits):
        out += [tex[pos:a], rep]
        pos = b
    out.append(tex[pos:])
    return "".join(out)


_SCRIPT_SPACES = re.compile(r"([\^_])\{([^{}]*)\}")
_SYMBOL_COMMANDS = (
    "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|"
    "upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Phi|Psi|Omega|star|ell|infty|top|prime"
)
_SCRIPT_ONE = re.compile(r"([\^_])\{([A-Za-z0-9]|\\(?:" + _SYMBOL_COMMANDS + r"))\}(?![A-Za-z])")


def _tidy_scripts(tex: str) -> str:
    """`x_{t}` -> `x_t`, `c_{\\star}` -> `c_\\star`, `a^{n - 1}` -> `a^{n-1}` (same rendering)."""
    tex = _SCRIPT_ONE.sub(r"\1\2", tex)
    return _SCRIPT_SPACES.sub(lambda m: m.group(1) + "{" + re.sub(r" ?([-+=]) ?", r"\1", m.group(2)) + "}", tex)


def to_latex(expr: Expr | str) -> str:
    """LaTeX of an expression or matrix (column vectors as `bmatrix`); a string is returned as is."""
    if isinstance(expr, str):
        return expr
    return _tidy_scripts(_compact(_PRINTER.doprint(expr)))


# ----------------------------------------------------------------------------- layout
Piece = Expr | str


@dataclass(frozen=True)
class Row:
    r"""One row of a displayed equation: `lhs relation rhs`.

    `rhs` is a SymPy expression, raw LaTeX, or a tuple of terms (expressions or raw LaTeX,
    a raw term starting with `-` is subtracted) that are set in that order; a sum too long
    for one line is broken between terms. `lhs=""` continues a chain (`&= ...`). `note`
    (plain text) is set after the row."""

    lhs: Piece
    rhs: Piece | tuple[Piece, ...]
    relation: str = "="
    note: str = ""


@dataclass(frozen=True)
class Layout:
    """How an equation is displayed: `rows` (a system, a chain, or one row), then the
    named sub-expressions `where` (rows whose lhs is a symbol used in `rows`; a tuple of
    rows is set on one line, `a = ..., \\qquad b = ...`)."""

    rows: tuple[Row, ...]
    where: tuple[Row | tuple[Row, ...], ...] = ()

    def definitions(self) -> tuple[Row, ...]:
        """The `where` rows, one per named sub-expression."""
        return tuple(r for w in self.where for r in (w if isinstance(w, tuple) else (w,)))

    def has_raw(self) -> bool:
        """True if some piece is raw LaTeX (a form that `layout_value` cannot check)."""
        return any(isinstance(p, str) and p for p in _pieces(self))

    def subs(self, mapping: Mapping) -> Layout:
        def sub(p):  # noqa: ANN001, ANN202
            if isinstance(p, tuple):
                return tuple(sub(q) for q in p)
            return p.subs(mapping) if isinstance(p, (sp.Basic, sp.MatrixBase)) else p

        return Layout(
            tuple(replace(r, lhs=sub(r.lhs), rhs=sub(r.rhs)) for r in self.rows),
            tuple(
                tuple(replace(r, lhs=sub(r.lhs), rhs=sub(r.rhs)) for r in w)
                if isinstance(w, tuple)
                else replace(w, lhs=sub(w.lhs), rhs=sub(w.rhs))
                for w in self.where
            ),
        )


def _pieces(layout: Layout) -> list:
    out = []
    for r in layout.rows + layout.definitions():
        out.append(r.lhs)
        out.extend(r.rhs if isinstance(r.rhs, tuple) else (r.rhs,))
    return out


def _row_value(rhs: Piece | tuple) -> Any:
    if isinstance(rhs, tuple):
        return sp.Add(*rhs)
    return rhs


def layout_value(eq: Equation) -> list[tuple[Any, Any]]:
    """Pairs `(shown, registered)` that must be equal for `eq`'s layout to be a faithful form:
    each row's right-hand side (named sub-expressions substituted, display nodes removed)
    against `eq.rhs` (one row, or each row of a chain) or against the matching entry of a
    column `eq.rhs` (a system); the left-hand sides likewise against `eq.lhs`. Empty for an
    equation without a layout or with raw LaTeX in it."""
    lay = eq.layout
    if lay is None or lay.has_raw():
        return []
    defs = [(r.lhs, _plain(_row_value(r.rhs))) for r in lay.definitions() if isinstance(r.lhs, sp.Basic)]

    def expand(e):  # noqa: ANN001, ANN202
        e = _plain(e)
        for _ in range(len(defs) + 1):
            new = e.subs(defs) if isinstance(e, (sp.Basic, sp.MatrixBase)) else e
            if new == e:
                break
            e = new
        return e

    chain = [r for r in lay.rows if r.lhs == ""]
    main = [r for r in lay.rows if r.lhs != ""]
    want = eq.rhs
    if len(main) == 1:
        pairs = [(expand(_row_value(main[0].rhs)), want)]
        if main[0].lhs is not None and isinstance(main[0].lhs, sp.Basic):
            pairs.append((expand(main[0].lhs), eq.lhs))
    else:
        entries = list(want) if isinstance(want, sp.MatrixBase) else [want]
        if len(entries) != len(main):
            raise ValueError(f"{eq.name}: {len(main)} layout rows for {len(entries)} entries of the rhs")
        pairs = [(expand(_row_value(r.rhs)), w) for r, w in zip(main, entries, strict=True)]
        if isinstance(eq.lhs, sp.MatrixBase) and len(eq.lhs) == len(main):
            pairs += [(r.lhs, w) for r, w in zip(main, eq.lhs, strict=True) if isinstance(r.lhs, sp.Basic)]
    pairs += [(expand(_row_value(r.rhs)), want) for r in chain]
    return pairs


def _lines_of_row(row: Row, prefix: str = "") -> list[str]:
    """The row as lines of an `aligned` block: `lhs &= t1 + t2` then `&\\quad + t3 ...`,
    broken between terms where a line would exceed `LINE_LIMIT`."""
    lhs = to_latex(row.lhs) if not isinstance(row.lhs, str) else row.lhs
    head = f"{prefix}{lhs} &{row.relation} " if lhs else f"{prefix}&{row.relation} "
    terms = _terms_of(row.rhs)

    def line(j: int, i: int) -> str:
        out = head if j == 0 else r"&\quad "
        for k in range(j, i):
            neg, tex = terms[k]
            if k == j:
                out += (f"- {tex}" if neg else tex) if j == 0 else (f"- {tex}" if neg else f"+ {tex}")
            else:
                out += f" - {tex}" if neg else f" + {tex}"
        return out

    def width(text: str) -> int:
        return max(len(x) for x in text.split("\n"))

    cuts, j = [], 0
    while j < len(terms):  # greedy: as many terms on a line as fit (at least one)
        i = j + 1
        while i < len(terms) and width(line(j, i + 1)) <= LINE_LIMIT:
            i += 1
        cuts.append((j, i))
        j = i
    lines = [line(j, i) for j, i in cuts]
    if width(lines[0]) > LINE_LIMIT and lhs:
        # a long left-hand side: set it on a line of its own, the relation at the start of the next
        rest = _lines_of_row(replace(row, lhs="", note=""))
        lines = [prefix + lhs] + rest
    if row.note:
        note = rf"\quad\text{{({row.note})}}"
        if len(lines[-1]) + len(note) > LINE_LIMIT:
            lines.append("&" + note)
        else:
            lines[-1] += note
    return lines


def _terms_of(rhs: Piece | tuple) -> list[tuple[bool, str]]:
    """`(negative, LaTeX of the magnitude)` of each term of a row's right-hand side."""
    if isinstance(rhs, tuple):
        items = list(rhs)
    elif isinstance(rhs, Terms):
        items = list(rhs.args)
    elif isinstance(rhs, sp.Add) and not isinstance(rhs, sp.MatrixBase):
        items = _ordered_terms(rhs)
    else:
        items = [rhs]
    out = []
    for t in items:
        if isinstance(t, str):
            neg = t.startswith("-")
            out.append((neg, t[1:].strip() if neg else t))
        elif _is_neg(t):
            inner = -t
            tex = to_latex(inner)
            out.append((True, rf"\left({tex}\right)" if isinstance(inner, (sp.Add, Terms)) else tex))
        else:
            tex = to_latex(t)
            out.append((True, tex[2:]) if tex.startswith("- ") else (False, tex))
    return out


def _ordered_terms(expr: sp.Add) -> list:
    terms = list(_PRINTER._as_ordered_terms(expr))
    if terms and _is_neg(terms[0]):
        pos = next((i for i, t in enumerate(terms) if not _is_neg(t)), None)
        if pos is not None:
            terms.insert(0, terms.pop(pos))
    return terms


def _auto_layout(lhs: Expr, rhs: Expr, relation: str) -> Layout | None:
    """Rows for a column-vector equation or a block-row `= 0`; `None` for one row."""
    if isinstance(lhs, sp.MatrixBase) and isinstance(rhs, sp.MatrixBase) and lhs.shape == rhs.shape:
        if lhs.shape[1] == 1:
            return Layout(tuple(Row(a, b, relation) for a, b in zip(lhs, rhs, strict=True)))
    if isinstance(lhs, sp.BlockMatrix) and isinstance(rhs, sp.ZeroMatrix) and lhs.blockshape[0] == 1:
        return Layout(tuple(Row(b, sp.Integer(0), relation) for b in lhs.blocks))
    return None


def _sum_tex(rhs: Piece | tuple) -> str:
    """A row's right-hand side on one line."""
    out = ""
    for i, (neg, tex) in enumerate(_terms_of(rhs)):
        out += (f" - {tex}" if neg else f" + {tex}") if i else (f"- {tex}" if neg else tex)
    return out


def _join_definitions(rows: tuple[Row, ...]) -> Row:
    """Several short definitions as one row: `a &= x, \\qquad b = y`."""
    first, *rest = rows
    tail = "".join(rf", \qquad {to_latex(r.lhs)} {r.relation} {_sum_tex(r.rhs)}" for r in rest)
    return Row(first.lhs, _sum_tex(first.rhs) + tail, first.relation)


def _render(lhs: Expr, rhs: Expr, relation: str, layout: Layout | None) -> str:
    if layout is None:
        one = f"{to_latex(lhs)} {relation} {to_latex(rhs)}"
        if len(one) <= LINE_LIMIT and "\n" not in one:
            return one
        layout = _auto_layout(lhs, rhs, relation) or Layout((Row(lhs, rhs, relation),))
    if len(layout.rows) == 1 and not layout.where and not layout.rows[0].note:
        row = layout.rows[0]
        lines = _lines_of_row(row)
        if len(lines) == 1 and "\n" not in lines[0]:
            return lines[0].replace(f" &{row.relation} ", f" {row.relation} ", 1)
    lines = []
    for row in layout.rows:
        lines += _lines_of_row(row)
    for k, item in enumerate(layout.where):
        row = _join_definitions(item) if isinstance(item, tuple) else item
        if k == 0:
            first = _lines_of_row(row)
            label = r"\text{where}\quad "
            if len(label + first[0].split("\n")[0]) <= LINE_LIMIT and "&" in first[0]:
                first[0] = label + first[0]
            else:  # on a line of its own when the first definition is long
                lines.append(r"\text{where}")
            lines += first
        else:
            lines += _lines_of_row(row)
    # no line may start with "[": after \begin{aligned} or a line break it reads as an optional argument
    lines = ["{}" + x if x.startswith("[") else x for x in lines]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


# ----------------------------------------------------------------------------- the record
@dataclass(frozen=True)
class Equation:
    r"""One named symbolic result `lhs = rhs`.

    Attributes:
        name: registry name `<module>.<equation>`.
        lhs, rhs: SymPy expressions or matrices (an ODE system is a column of
            derivatives on the left and its right-hand side on the right).
        description: one line, what the equation says.
        paper: source paper (one of `PAPERS` values).
        section: the section of the paper's documentation page, e.g. `"§5.2"`.
        relation: LaTeX relation symbol between the sides (`=`, `\le`, `\iff`...).
        provenance: how the toolkit obtained it (`"derived"`: computed by SymPy
            from earlier results; `"definition"`: stated as a model definition;
            `"verified"`: stated and checked symbolically in tests).
        notes: one more paragraph for the documentation (optional).
        layout: how it is displayed when SymPy's one-line form is too long or reads
            badly (optional; see `Layout`).
    """

    name: str
    lhs: Expr
    rhs: Expr
    description: str
    paper: str
    section: str
    relation: str = "="
    provenance: str = "derived"
    notes: str = field(default="")
    layout: Layout | None = field(default=None, compare=False)

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    def latex(self) -> str:
        r"""Paste-ready LaTeX (no surrounding `$`): one line, or an `aligned` block (amsmath)
        whose lines are at most `LINE_LIMIT` characters."""
        return _render(self.lhs, self.rhs, self.relation, self.layout)

    def free_symbols(self) -> set[sp.Symbol]:
        """Every `Symbol` in the left- and right-hand side."""
        out: set = set()
        for side in (self.lhs, self.rhs):
            out |= {s for s in side.free_symbols if isinstance(s, sp.Symbol)}
        return out

    def subs(self, values: Mapping[str, Any] | None = None, /, **kw: Any) -> Equation:
        """The equation with symbols replaced by values, named by their code names
        (`eq.subs(c_star=0.2, A_star=1)`; the names of `symbols(paper)`, the notation
        table of the paper's documentation page). A name that the paper does not
        define raises `UnknownSymbolError`; a defined symbol that does not occur in this
        equation is left alone. Returns a new `Equation` (same name)."""
        values = {**(values or {}), **kw}
        table = symbols(self.module)
        unknown = sorted(k for k in values if k not in table)
        if unknown:
            raise UnknownSymbolError(
                f"unknown symbol name(s) {', '.join(unknown)} for {self.name}; "
                f"allowed (theory.symbols({self.module!r})): {', '.join(sorted(table))}"
            )
        free = self.free_symbols()
        if self.layout is not None:
            for p in _pieces(self.layout):
                if isinstance(p, (sp.Basic, sp.MatrixBase)):
                    free |= {s for s in p.free_symbols if isinstance(s, sp.Symbol)}
        mapping: dict = {}
        for code, value in values.items():
            target = table[code]
            hits = {s for s in free if s == target} or {s for s in free if s.name == target.name}
            mapping.update({s: sp.sympify(value) for s in hits})
        if not mapping:
            return self
        layout = self.layout
        if layout is not None:
            layout = None if layout.has_raw() else layout.subs(mapping)
        return replace(self, lhs=self.lhs.subs(mapping), rhs=self.rhs.subs(mapping), layout=layout)


# ----------------------------------------------------------------------------- registry
def _theory_module(module: str):  # noqa: ANN202
    if module not in THEORY_MODULES:
        raise UnknownEquationError(f"unknown theory module {module!r}; allowed: {', '.join(THEORY_MODULES)}")
    try:
        return importlib.import_module(f"theory.{module}")
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name == f"theory.{module}":
            return None
        raise


def equations_of(module: str) -> tuple[Equation, ...]:
    """Equations of one theory module (`"integrator"`, `"gating"`, ...)."""
    mod = _theory_module(module)
    return () if mod is None else tuple(mod.equations())


def symbols(paper: str) -> dict[str, sp.Symbol]:
    """Code name -> SymPy symbol for one paper (`theory.symbols("integrator")["c_star"]`).

    The code names are those of the notation table on the paper's documentation page
    (and of the theory module's attributes); use them with `Equation.subs` or to build
    a substitution dict for SymPy. Unknown paper: `UnknownEquationError`."""
    if paper not in THEORY_MODULES:
        raise UnknownEquationError(f"unknown paper {paper!r}; allowed: {', '.join(THEORY_MODULES)}")
    mod = _theory_module(paper)
    return {} if mod is None else dict(mod.symbol_table())


def all_equations(modules: Iterable[str] = THEORY_MODULES) -> tuple[Equation, ...]:
    """Every registered equation, module by module; names are unique."""
    eqs = tuple(e for m in modules for e in equations_of(m))
    names = [e.name for e in eqs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"duplicate equation names: {sorted(dup)}")
    return eqs


def get_equation(name: str) -> Equation:
    """Look one equation up by its full name."""
    module = name.split(".", 1)[0]
    for eq in equations_of(module) if module in THEORY_MODULES else ():
        if eq.name == name:
            return eq
    raise UnknownEquationError(f"unknown equation {name!r}; run 'rnn-timescales latex --list' for the names")
