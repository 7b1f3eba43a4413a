"""Study and benchmark discovery, above the paper packages.

Studies live in `numerics/<paper>/studies/`, one module per study defining `STUDY`;
benchmarks in `numerics/<paper>/benchmarks/`, one module per group defining
`BENCHMARKS`. The papers are the rows of the paper registry (`theory.papers`), so adding
a study is adding a file and adding a paper is adding a registry row and its package. This
module imports the paper packages only through `importlib`, at call time: the study
contract (`numerics.study`) stays below the papers, the runner above them.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from types import ModuleType

from numerics.core import UsageError
from numerics.study._bench import Benchmark
from numerics.study._contract import Study, StudyConfig
from numerics.study._results import StudyResult
from theory.papers import paper_keys

__all__ = ["all_studies", "get_study", "all_benchmarks", "get_benchmarks", "run_study"]


def _modules(paper: str, kind: str) -> list[ModuleType]:
    """The public modules of `numerics.<paper>.<kind>` (`studies` or `benchmarks`), by name."""
    try:
        pkg = importlib.import_module(f"numerics.{paper}.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name == f"numerics.{paper}.{kind}":
            return []
        raise
    infos = sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
    return [importlib.import_module(f"{pkg.__name__}.{i.name}") for i in infos if not i.name.startswith("_")]


def all_studies() -> dict[str, Study]:
    """Every study, keyed by name, in a stable order (paper registry order, then name)."""
    found: list[Study] = []
    for paper in paper_keys():
        studies = [m.STUDY for m in _modules(paper, "studies") if isinstance(getattr(m, "STUDY", None), Study)]
        found += sorted(studies, key=lambda s: s.name)
    return {s.name: s for s in found}


def get_study(name: str) -> Study:
    """One study by name; `UsageError` naming the allowed studies otherwise."""
    studies = all_studies()
    if name not in studies:
        raise UsageError(f"unknown study {name!r}; allowed: {', '.join(studies) or '(none)'}")
    return studies[name]


def all_benchmarks() -> dict[str, Benchmark]:
    """Every benchmark, keyed by name, in paper registry order."""
    out: dict[str, Benchmark] = {}
    for paper in paper_keys():
        for mod in _modules(paper, "benchmarks"):
            for b in getattr(mod, "BENCHMARKS", ()):
                out[b.name] = b
    return out


def get_benchmarks(names: tuple[str, ...] | list[str] = ()) -> list[Benchmark]:
    """The named benchmarks (all if none), in the order given; `UsageError` for an unknown name."""
    benches = all_benchmarks()
    unknown = [n for n in names if n not in benches]
    if unknown:
        raise UsageError(f"unknown benchmark {unknown[0]!r}; allowed: {', '.join(benches)}")
    return [benches[n] for n in (names or list(benches))]


def run_study(study: Study, config: StudyConfig) -> StudyResult:
    """Run one study: its measure → checks → figures, timed; the result carries the seed
    and the parameters it ran with. The runner is the only place that owns these three."""
    t0 = time.perf_counter()
    result = study.run(config)
    result.runtime_s = time.perf_counter() - t0
    result.seed = config.seed
    result.config = config.params.as_dict()
    return result
