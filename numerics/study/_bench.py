"""`rnn-timescales bench`: the performance suite.

Speed is measured here, never in timed tests. Every entry is a **ratio against a
baseline measured in the same run** (same machine, same moment), with compile time
reported separately. Benchmark modules live in each paper's `benchmarks` package; each
defines `BENCHMARKS: tuple[Benchmark, ...]` and is discovered automatically.

A benchmark function `fn(size: str) -> list[BenchRow]` receives `size` =
`"quick"` or `"full"` and returns rows. `time_call` is the one timing
helper: it blocks on JAX results and reports the best of `repeats` runs.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jax

from numerics.study._results import atomic_write_text, environment

__all__ = ["Benchmark", "BenchRow", "time_call", "compile_and_time", "run_benchmarks", "format_table"]


@dataclass(frozen=True)
class BenchRow:
    """One measured comparison: `candidate` against `baseline` (seconds per call).

    `ratio` = baseline / candidate (> 1 means the candidate is faster).
    `target` is the required ratio, if any (`None`: report only).
    """

    group: str
    name: str
    candidate: str
    baseline: str
    candidate_s: float
    baseline_s: float
    compile_s: float | None = None
    target: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.candidate_s if self.candidate_s > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio >= self.target

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = self.ratio
        d["met"] = self.met
        return d


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    fn: Callable[[str], Sequence[BenchRow]]


def _block(x: Any) -> Any:
    return jax.block_until_ready(x)


def time_call(fn: Callable[[], Any], repeats: int = 3, min_time: float = 0.0) -> float:
    """Best wall time (s) of `repeats` calls of `fn()`, blocking on JAX outputs."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        _block(fn())
        best = min(best, time.perf_counter() - t0)
        if min_time and best > min_time:
            break
    return best


def compile_and_time(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, float]:
    """`(first_call_s - steady_s, steady_s)`: the first call includes compilation."""
    t0 = time.perf_counter()
    _block(fn())
    first = time.perf_counter() - t0
    steady = time_call(fn, repeats)
    return max(first - steady, 0.0), steady


def format_table(rows: Sequence[BenchRow]) -> str:
    """A Markdown table of rows (the README's benchmark table)."""
    lines = [
        "| benchmark | candidate | baseline | candidate (s) | baseline (s) | speed-up | compile (s) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tgt = "—" if r.target is None else f"≥ {r.target:g}× {'✓' if r.met else '✗'}"
        comp = "—" if r.compile_s is None else f"{r.compile_s:.2f}"
        lines.append(
            f"| {r.group}: {r.name} | {r.candidate} | {r.baseline} | {r.candidate_s:.4g} | "
            f"{r.baseline_s:.4g} | {r.ratio:.1f}× | {comp} | {tgt} |"
        )
    return "\n".join(lines)


def run_benchmarks(
    benchmarks: Sequence[Benchmark],
    size: str = "quick",
    out: Path | None = None,
    log: Callable[[str], None] = print,
) -> list[BenchRow]:
    """Run `benchmarks` in order and, if `out` is given, write their rows as JSON."""
    rows: list[BenchRow] = []
    for bench in benchmarks:
        log(f"[bench] {bench.name}: {bench.description}")
        new = list(bench.fn(size))
        for r in new:
            log(f"[bench]   {r.name}: {r.ratio:.1f}x ({r.candidate_s:.4g}s vs {r.baseline_s:.4g}s)")
        rows.extend(new)
    if out is not None:
        payload = {
            "environment": environment() | {"machine": platform.machine(), "processor": platform.processor()},
            "size": size,
            "rows": [r.to_json() for r in rows],
        }
        atomic_write_text(Path(out), json.dumps(payload, indent=2) + "\n")
    return rows
