"""Architecture rules, read from the source (no import of the toolkit needed):

1. no import cycles between the toolkit's modules;
2. no module imports another module's private (`_name`) names, and private modules
   (`pkg/_mod.py`) are imported only from inside their own unit (`numerics.core`,
   `numerics.<paper>`, `numerics.study`, `theory.<module>`); everyone else goes through
   the unit's curated `__init__`;
3. the layer order theory → numerics.core → numerics.study (the contract) → the paper
   packages → their studies and benchmarks → numerics.study.runner → numerics.cli, with
   nothing pointing back up;
4. a paper package imports another paper's package only when the paper registry declares it
   (`theory.papers.Paper.depends_on`);
5. importing the toolkit changes no process state (x64, BLAS threads, matplotlib).

`module_graph` and `violations` are pure functions of a source tree, so the rules can be
shown to fail on a synthetic tree (the tests at the bottom do exactly that).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

from theory.papers import PAPER_TABLE, paper_keys

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(importer: str, is_pkg: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def module_graph(root: Path = ROOT) -> tuple[set[str], list[tuple[str, str, str]]]:
    """All toolkit modules under `root`, and every import edge `(importer, imported, name)`.

    `name` is the imported name for `from X import name` (empty for `import X`). Imports
    under `if TYPE_CHECKING:` are skipped: they do not run.
    """
    modules: set[str] = set()
    edges: list[tuple[str, str, str]] = []
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            me = _module_name(path, root)
            modules.add(me)
            tree = ast.parse(path.read_text())
            skip: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    skip |= {id(n) for s in node.body for n in ast.walk(s)}
            for node in ast.walk(tree):
                if id(node) in skip:
                    continue
                if isinstance(node, ast.Import):
                    edges += [(me, a.name, "") for a in node.names if a.name.split(".")[0] in PACKAGES]
                elif isinstance(node, ast.ImportFrom):
                    target = _resolve(me, path.name == "__init__.py", node.level, node.module)
                    if target.split(".")[0] in PACKAGES:
                        edges += [(me, target, a.name) for a in node.names]
    return modules, edges


def unit(module: str) -> str:
    """The unit a module belongs to: `numerics.core`, `numerics.<paper>`, `numerics.study`,
    `theory.<module>` or a top-level module."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else module


def layer(module: str) -> int:
    """Rank in the layer order; an import may only go to an equal or lower rank."""
    parts = module.split(".")
    if parts[0] == "theory":
        return 0
    if module == "numerics":
        return 0  # the package root only holds configure(); it imports nothing of ours
    second = parts[1]
    if second == "core":
        return 1
    if second == "study":
        return 5 if module.startswith("numerics.study.runner") else 2
    if second in ("cli", "__main__"):
        return 6
    if second in paper_keys():
        if len(parts) > 2 and parts[2] in ("studies", "benchmarks"):
            return 4
        return 3
    raise AssertionError(f"module {module} is in no layer; add it to tests/test_architecture.py::layer")


def _edge_target(imported: str, name: str, modules: set[str]) -> str:
    """The module an edge points to: `X.name` when that is a module, else `X`."""
    sub = f"{imported}.{name}" if name else imported
    return sub if sub in modules else imported


def violations(root: Path = ROOT, depends_on: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Every breach of rules 1-4 in the tree under `root`, as readable lines."""
    deps = depends_on if depends_on is not None else {p.key: p.depends_on for p in PAPER_TABLE}
    modules, edges = module_graph(root)
    out: list[str] = []
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for src, imported, name in edges:
        dst = _edge_target(imported, name, modules)
        if dst not in modules:
            continue
        if dst != src and not src.startswith(dst + ".") or dst == src:
            graph[src].add(dst)
        # rule 2: private names and private modules
        private_module = any(p.startswith("_") and p != "__init__" for p in dst.split(".")[1:])
        if name.startswith("_") and f"{imported}.{name}" not in modules:
            out.append(f"private name: {src} imports {imported}.{name}")
        elif private_module and unit(src) != unit(dst) and not src.startswith("tests"):
            out.append(f"private module from another unit: {src} imports {dst}")
        # rule 3: layers
        if layer(dst) > layer(src):
            out.append(f"layer: {src} (layer {layer(src)}) imports {dst} (layer {layer(dst)})")
        # rule 4: declared cross-paper dependencies
        ps, pd = src.split("."), dst.split(".")
        if (
            len(ps) > 1
            and len(pd) > 1
            and ps[0] == pd[0] == "numerics"
            and ps[1] in deps
            and pd[1] in deps
            and ps[1] != pd[1]
            and pd[1] not in deps[ps[1]]
        ):
            out.append(f"undeclared cross-paper import: {src} imports {dst} (declare it in theory.papers)")
    # rule 1: cycles (package __init__ re-exports of its own children are not cycles)
    for m in modules:
        graph[m] = {d for d in graph[m] if not (m == d.rsplit(".", 1)[0] or d.startswith(m + "."))}
    out += [f"import cycle: {' -> '.join(c)}" for c in _cycles(graph)]
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One representative cycle per strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                comps.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


# ----------------------------------------------------------------------------- the rules hold
def test_the_toolkit_obeys_the_architecture_rules():
    found = violations()
    assert not found, "\n".join(found)


def test_importing_the_toolkit_changes_no_process_state():
    code = textwrap.dedent(
        """
        import os, sys, pkgutil, importlib
        before = {v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
        import numerics, theory
        for pkg in (numerics, theory):
            for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                if not m.name.endswith(("__main__", "_runmap_worker")):
                    importlib.import_module(m.name)
        from numerics.study.runner import all_studies, all_benchmarks
        all_studies(); all_benchmarks()
        import jax
        assert jax.config.jax_enable_x64 is False, "x64 switched on at import"
        after = {v: os.environ.get(v) for v in before}
        assert after == before, (before, after)
        assert "matplotlib.pyplot" not in sys.modules, "pyplot imported (it selects a backend)"
        print("ok")
        """
    )
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("JAX_ENABLE_X64",)}
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        env.pop(var, None)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stderr[-2000:]


def test_float64_calls_refuse_to_run_without_x64():
    code = textwrap.dedent(
        """
        import numerics.integrator as itg
        try:
            itg.make_target("leaky", c_star=0.2)
        except RuntimeError as exc:
            assert "numerics.configure()" in str(exc), exc
            print("refused")
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={k: v for k, v in __import__("os").environ.items() if k != "JAX_ENABLE_X64"},
    )
    assert res.stdout.strip() == "refused", res.stdout + res.stderr[-2000:]


def test_no_py_file_sits_directly_in_numerics():
    loose = {p.name for p in (ROOT / "numerics").glob("*.py")}
    assert loose <= {"__init__.py", "__main__.py", "cli.py"}, sorted(loose)


# ----------------------------------------------------------------------------- the rules can fail
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir(exist_ok=True)
        (tmp_path / pkg / "__init__.py").touch()
    return tmp_path


def test_a_cycle_is_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "numerics/core/__init__.py": "",
            "numerics/core/_a.py": "from numerics.core._b import g\ndef f(): pass\n",
            "numerics/core/_b.py": "from numerics.core._a import f\ndef g(): pass\n",
        },
    )
    assert any(v.startswith("import cycle") for v in violations(root))


def test_a_private_import_is_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "numerics/core/__init__.py": "",
            "numerics/core/_a.py": "def _helper(): pass\n",
            "numerics/core/_b.py": "from numerics.core._a import _helper\n",
            "numerics/gating/__init__.py": "",
            "numerics/gating/_c.py": "from numerics.core._a import f\n",
        },
    )
    found = violations(root, depends_on={"gating": ()})
    assert any(v.startswith("private name") for v in found), found
    assert any(v.startswith("private module from another unit") for v in found), found


def test_an_upward_import_and_an_undeclared_paper_dependency_are_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "numerics/core/__init__.py": "from numerics.gating import x\n",
            "numerics/gating/__init__.py": "x = 1\n",
            "numerics/integrator/__init__.py": "from numerics.gating import x\n",
        },
    )
    found = violations(root, depends_on={"gating": (), "integrator": ()})
    assert any(v.startswith("layer") for v in found), found
    assert any(v.startswith("undeclared cross-paper import") for v in found), found
