"""The results contract: checks, study results, atomic writes, and `REPORT.md`.

Each study returns a `StudyResult`; `write_study` writes, under
`OUT/STUDY/`:

* `metrics.json` — `{"study", "profile", "passed", "checks": [...], "params",
  "runtime_s", "environment": {"jax", "backend", "x64", "git"}}`;
* `series.npz` — named arrays behind the figures;
* `*.png` — the figures.

Every file is written to a temporary name in the same directory and renamed, so an
interrupted run never leaves a truncated file. `write_report` gathers every
`metrics.json` under a directory into `REPORT.md` (one row per check).

A `Check` compares a measured value with a stated tolerance; construct them
with `check_le`, `check_ge`, `check_in` or `check_true` so
the comparison is recorded with the value. A check can always fail: the `passed`
flag is computed from the value, never passed in.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from theory.export import atomic_write_bytes

__all__ = [
    "Check",
    "StudyResult",
    "check_le",
    "check_ge",
    "check_in",
    "check_true",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_study",
    "read_metrics",
    "write_report",
    "environment",
    "jsonable",
]


@dataclass(frozen=True)
class Check:
    """One measured value against its tolerance.

    `comparison` is `"<="`, `">="`, `"in"` (`tolerance` is `[lo, hi]`) or
    `"is"` (boolean check; `tolerance` is `True`).
    """

    name: str
    value: Any
    tolerance: Any
    comparison: str
    passed: bool
    description: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": jsonable(self.value),
            "tolerance": jsonable(self.tolerance),
            "comparison": self.comparison,
            "passed": bool(self.passed),
            "description": self.description,
        }


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(float(x))


def check_le(name: str, value: float, tolerance: float, description: str) -> Check:
    """Passes iff `value <= tolerance` (and `value` is finite)."""
    v = float(value)
    return Check(name, v, float(tolerance), "<=", _finite(v) and v <= tolerance, description)


def check_ge(name: str, value: float, tolerance: float, description: str) -> Check:
    """Passes iff `value >= tolerance` (and `value` is finite)."""
    v = float(value)
    return Check(name, v, float(tolerance), ">=", _finite(v) and v >= tolerance, description)


def check_in(name: str, value: float, lo: float, hi: float, description: str) -> Check:
    """Passes iff `lo <= value <= hi`."""
    v = float(value)
    return Check(name, v, [float(lo), float(hi)], "in", _finite(v) and lo <= v <= hi, description)


def check_true(name: str, value: bool, description: str) -> Check:
    """A qualitative check: passes iff `value` is true."""
    return Check(name, bool(value), True, "is", bool(value), description)


@dataclass
class StudyResult:
    """What a study returns: checks, parameters, curves and figures."""

    study: str
    profile: str
    checks: list[Check]
    params: dict[str, Any]
    series: dict[str, np.ndarray] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)  # name -> matplotlib Figure
    runtime_s: float = 0.0
    seed: int = 0
    config: dict[str, Any] = field(default_factory=dict)  # the StudyConfig params it ran with
    notes: list[str] = field(default_factory=list)
    extra_files: dict[str, bytes] = field(default_factory=dict)  # e.g. GIF animations

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def metrics(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "profile": self.profile,
            "seed": int(self.seed),
            "passed": self.passed,
            "checks": [c.to_json() for c in self.checks],
            "params": jsonable(self.params),
            "config": jsonable(self.config),
            "notes": list(self.notes),
            "runtime_s": round(float(self.runtime_s), 3),
            "environment": environment(),
        }


def jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray) or hasattr(x, "__array__") and not isinstance(x, (str, bytes)):
        arr = np.asarray(x)
        return jsonable(arr.tolist()) if arr.ndim else jsonable(arr.item())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else str(f)
    return x


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_study(result: StudyResult, out_dir: Path) -> Path:
    """Write `metrics.json`, `series.npz` and figures under `out_dir/STUDY`."""
    d = Path(out_dir) / result.study
    d.mkdir(parents=True, exist_ok=True)
    if result.series:
        buf = io.BytesIO()
        np.savez_compressed(buf, **{k: np.asarray(v) for k, v in result.series.items()})
        atomic_write_bytes(d / "series.npz", buf.getvalue())
    for name, fig in result.figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        atomic_write_bytes(d / f"{name}.png", buf.getvalue())
    for name, data in result.extra_files.items():
        atomic_write_bytes(d / name, data)
    # metrics last: its presence marks a complete study directory
    atomic_write_text(d / "metrics.json", json.dumps(result.metrics(), indent=2) + "\n")
    return d


def read_metrics(out_dir: Path) -> list[dict[str, Any]]:
    """All `metrics.json` files directly under `out_dir/*/`, sorted by study."""
    out = []
    for p in sorted(Path(out_dir).glob("*/metrics.json")):
        out.append(json.loads(p.read_text(encoding="utf-8")))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def write_report(out_dir: Path, order: Iterable[str] = ()) -> Path:
    """Collect every `metrics.json` under `out_dir` into `out_dir/REPORT.md`."""
    metrics = read_metrics(out_dir)
    rank = {name: i for i, name in enumerate(order)}
    metrics.sort(key=lambda m: (rank.get(m["study"], len(rank)), m["study"]))
    n_checks = sum(len(m["checks"]) for m in metrics)
    n_pass = sum(c["passed"] for m in metrics for c in m["checks"])
    lines = [
        "# rnn-timescales: theory vs simulation report",
        "",
        "Generated by `rnn-timescales reproduce`; one row per check, measured value against",
        "its stated tolerance. Regenerate rather than edit.",
        "",
        f"**{n_pass} / {n_checks} checks pass** across {len(metrics)} studies.",
        "",
        "| study | profile | seed | git | passed | runtime (s) |",
        "|---|---|---|---|---|---|",
    ]
    for m in metrics:
        lines.append(
            f"| [{m['study']}]({m['study']}/) | {m['profile']} | {m.get('seed')} | "
            f"`{m.get('environment', {}).get('git')}` | {'PASS' if m['passed'] else 'FAIL'} | {m['runtime_s']:.1f} |"
        )
    runs = {(m["profile"], m.get("seed"), m.get("environment", {}).get("git")) for m in metrics}
    if len(runs) > 1:
        lines[6:6] = [
            "",
            f"**Mixed runs:** these studies come from {len(runs)} different (profile, seed, git) "
            "combinations (see the table); rerun `reproduce` into an empty directory for one run.",
        ]
    for m in metrics:
        env = m.get("environment", {})
        lines += [
            "",
            f"## {m['study']}",
            "",
            f"profile `{m['profile']}`, backend `{env.get('backend')}`, jax {env.get('jax')}, git `{env.get('git')}`",
            "",
            "| check | value | tolerance | pass | what it measures |",
            "|---|---|---|---|---|",
        ]
        for c in m["checks"]:
            desc = str(c["description"]).replace("|", "\\|")
            lines.append(
                f"| `{c['name']}` | {_fmt(c['value'])} | {c['comparison']} {_fmt(c['tolerance'])} | "
                f"{'PASS' if c['passed'] else '**FAIL**'} | {desc} |"
            )
        figures = sorted(p.name for p in (Path(out_dir) / m["study"]).glob("*.png"))
        if figures:
            lines += ["", "Figures:", ""]
            lines += [f"![{m['study']}: {name[:-4].replace('_', ' ')}]({m['study']}/{name})" for name in figures]
        for note in m.get("notes", []):
            lines += ["", f"> {note}"]
    path = Path(out_dir) / "REPORT.md"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def environment() -> dict[str, Any]:
    """Backend facts recorded with every `metrics.json`."""
    import jax

    here = Path(__file__).resolve().parent
    try:
        git = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, cwd=here
            ).stdout.strip()
            or None
        )
        # tracked source differs from the commit; the generated outputs (figures/, derivations/)
        # are excluded, since reproduce itself rewrites them while it runs
        if (
            git
            and subprocess.run(
                [
                    "git",
                    "status",
                    "--porcelain",
                    "--untracked-files=no",
                    "--",
                    ":/",
                    ":(exclude,top)figures",
                    ":(exclude,top)derivations",
                ],
                capture_output=True,
                text=True,
                timeout=5,
                cwd=here,
            ).stdout.strip()
        ):
            git += "-dirty"
    except (OSError, subprocess.SubprocessError):
        git = None
    return {
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": len(jax.devices()),
        "x64": bool(jax.config.jax_enable_x64),
        "git": git,
    }
