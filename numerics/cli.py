"""`rnn-timescales`: regenerate derivations, compare theory with simulation, export LaTeX.

Exit codes: 0 success; 1 a check failed (or a solve/training error); 2 bad input
(one-line message naming the bad value and the allowed range, no traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_parser"]

PROG = "rnn-timescales"

EPILOG = textwrap.dedent(
    """\
    typical use:
      rnn-timescales reproduce                      # quick profile of every study -> figures/REPORT.md
      rnn-timescales compare integrator-rich --N 100 --N 200 --sigma 0.1
      rnn-timescales latex integrator.aligned_ode   # paste-ready LaTeX
      rnn-timescales derive --check                 # committed derivations/ up to date?
      rnn-timescales list                           # studies, equations, profiles

    exit codes: 0 ok, 1 a check failed, 2 bad input.
    """
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _seed(raw: str) -> int:
    """argparse type of `--seed`: an integer in [0, 2**32)."""
    try:
        n = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {raw!r} is not an integer; allowed: 0 <= seed < 2**32") from None
    if not 0 <= n < 2**32:
        raise argparse.ArgumentTypeError(f"seed={n} is out of range; allowed: 0 <= seed < 2**32")
    return n


def _writable_dir(path: str) -> Path:
    from numerics.core import UsageError

    if not str(path).strip():
        raise UsageError("output directory '' is empty; give a directory path")
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / ".rnn-timescales-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"output directory {path!r} cannot be written ({exc.strerror or exc})") from None
    return p


def build_parser(study_name: str | None = None, bench_names: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The top-level parser; `compare STUDY` gets that study's own options, `bench` the
    benchmark names (passed in only for that command: importing them loads JAX)."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog=PROG, description=__doc__.splitlines()[0], epilog=EPILOG, formatter_class=fmt)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "derive",
        help="re-derive every symbolic result and write derivations/",
        description="Re-derive every registered equation with SymPy and write one .tex and one "
        ".md file per theory module. With --check nothing is written; the exit code is 1 if the "
        "committed files differ from a fresh derivation.",
        formatter_class=fmt,
    )
    p.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    p.add_argument("--dir", default="derivations", help="derivations directory (default: %(default)s)")

    p = sub.add_parser(
        "latex",
        help="print the LaTeX of named equations",
        description="Print paste-ready LaTeX of the named equations (all if none). "
        "Names look like 'integrator.aligned_ode'; a module name ('integrator') prints the "
        "whole module.",
        formatter_class=fmt,
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="equation or module names")
    p.add_argument("--list", action="store_true", help="list equation names with one-line descriptions")
    p.add_argument(
        "--standalone",
        action="store_true",
        help="print one complete LaTeX document of the named equations (pdflatex compiles it as it is)",
    )

    p = sub.add_parser(
        "compare",
        help="run one theory-vs-simulation study",
        description="Run one study: theory against the full network, with metrics.json "
        "(checks with tolerances), series.npz and figures under OUT/STUDY/ (default OUT: ./results; "
        "only 'reproduce' writes the committed figures/). 'compare STUDY --help' lists that study's "
        "parameter overrides with their quick and paper values, and the checks it makes.",
        formatter_class=fmt,
    )
    p.add_argument("study", metavar="STUDY", help="study name (see 'rnn-timescales list')")
    _common_run_args(p, "results")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run of the same profile, seed and parameters from its checkpoints in "
        "OUT/STUDY/.partial (long trainings save one after every segment); without it a run starts afresh",
    )
    if study_name is not None:
        _add_study_options(p, study_name)

    p = sub.add_parser(
        "reproduce",
        help="derive + every study; writes figures/ and figures/REPORT.md",
        description="Re-derive all equations into derivations/, run every study at the chosen "
        "profile, and collect figures/REPORT.md. Studies already complete in OUT for the same "
        "profile, seed and parameters are skipped with --resume.",
        formatter_class=fmt,
    )
    _common_run_args(p, "figures")
    p.add_argument(
        "--only", action="append", default=[], metavar="STUDY", help="run only this study (repeat the flag for several)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip studies already complete in OUT, and continue an interrupted one from its checkpoints",
    )
    p.add_argument("--derivations", default="derivations", help="derivations directory (default: %(default)s)")

    p = sub.add_parser(
        "bench",
        help="performance suite (ratios against baselines in the same run)",
        description="Benchmarks. Each figure is a ratio against a baseline measured in the same "
        "run; compile time is reported separately."
        + (f"\n\nbenchmarks: {', '.join(bench_names)}" if bench_names else "")
        + "\n\nexample: rnn-timescales bench --only gating-bptt --markdown",
        formatter_class=fmt,
    )
    p.add_argument("--out", default=None, metavar="FILE", help="write the rows as JSON")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this benchmark (repeat the flag for several)",
    )
    p.add_argument("--size", choices=("quick", "full"), default="quick", help="problem sizes (default: quick)")
    p.add_argument("--markdown", action="store_true", help="print the Markdown table at the end")

    sub.add_parser("list", help="studies, equations and profiles", description="List studies, equations and profiles.")
    return parser


def _common_run_args(p: argparse.ArgumentParser, out_default: str) -> None:
    p.add_argument(
        "--profile",
        default="quick",
        metavar="PROFILE",
        help="quick (default; minutes on a 2-core CPU) or paper (the full protocol; an accelerator is "
        "recommended). A smoke profile of tiny sizes exists for the test suite; its results mean nothing.",
    )
    p.add_argument("--out", default=out_default, metavar="DIR", help="output directory (default: %(default)s)")
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="root seed for every jax.random key, 0 <= N < 2**32 (default: 0)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


class _Once(argparse.Action):
    """Store a single-valued study option; giving it twice is a usage error (not last-wins)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice; this study takes one value")
        setattr(namespace, self.dest, values)


def _plain(text: str) -> str:
    """Docstring Markdown as plain terminal text: links, code and math marks dropped."""
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    return re.sub(r"[`$]", "", text)


def _default_text(value) -> str:
    """A profile value as a user would type it (a grid as space-separated values)."""
    if value is None:
        return "from the profile grid"
    if isinstance(value, (list, tuple)):
        return " ".join(_default_text(v) for v in value) or "(none)"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _profile_defaults(study, key: str) -> str:
    """`quick: X; paper: Y` for one parameter."""
    parts = []
    for prof in ("quick", "paper"):
        try:
            parts.append(f"{prof}: {_default_text(study.profile_params(prof)[key])}")
        except KeyError:
            continue
    return "; ".join(parts)


def _checks_epilog(study) -> str:
    """The study's declared checks, for `compare STUDY --help` (nothing is run)."""
    if not study.declared:
        return ""
    lines = [
        f"checks ({study.name} declares {len(study.declared)}; a check passes when its value meets the tolerance):"
    ]
    for spec in study.declared:
        lines.append(f"  {spec.name}: {spec.tolerance}")
        lines += textwrap.wrap(spec.reason, width=96, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)


def _add_study_options(p: argparse.ArgumentParser, study_name: str) -> None:
    from numerics.study.runner import get_study

    study = get_study(study_name)
    g = p.add_argument_group(f"{study.name} parameters", _plain(study.description or study.title))
    for opt in study.options:
        defaults = _profile_defaults(study, opt.key)
        text = opt.help + (" (repeat for a grid)" if opt.multiple and "repeat" not in opt.help else "")
        g.add_argument(
            opt.flag,
            dest=f"opt_{opt.key}",
            action="append" if opt.multiple else _Once,
            metavar=opt.key.upper() if opt.metavar == "X" else opt.metavar,
            default=None,
            help=_plain(text) + (f" [{defaults}]" if defaults else ""),
        )
    for flag, text in study.flags.items():
        g.add_argument(f"--{flag.replace('_', '-')}", dest=f"flag_{flag}", action="store_true", help=text)
    p.epilog = _checks_epilog(study)


# ----------------------------------------------------------------------------- commands
def _cmd_derive(args: argparse.Namespace) -> int:
    from numerics.core import UsageError
    from theory.export import check_derivations, write_derivations

    t0 = time.perf_counter()
    if args.check:
        if not Path(args.dir).is_dir():
            raise UsageError(f"derivations directory {args.dir!r} does not exist; allowed: an existing directory")
        bad = check_derivations(Path(args.dir))
        if bad:
            print(f"derivations out of date: {', '.join(bad)} (run 'rnn-timescales derive')")
            return 1
        print(f"derivations up to date ({time.perf_counter() - t0:.1f} s)")
        return 0
    _writable_dir(args.dir)
    for path in write_derivations(Path(args.dir)):
        print(f"wrote {path}")
    return 0


def _cmd_latex(args: argparse.Namespace) -> int:
    from theory.equations import THEORY_MODULES, all_equations, equations_of, get_equation

    if args.list:
        if args.names or args.standalone:
            from numerics.core import UsageError

            if args.standalone:
                raise UsageError("--list and --standalone exclude each other; use 'latex --standalone NAME ...'")
            raise UsageError(
                f"--list takes no equation names (got {' '.join(args.names)}); "
                "use either 'latex --list' or 'latex NAME ...'"
            )
        for eq in all_equations():
            print(f"{eq.name:45s} {eq.description}")
        return 0
    if not args.names:
        eqs = all_equations()
    else:
        eqs = []
        for name in args.names:
            eqs.extend(equations_of(name) if name in THEORY_MODULES else [get_equation(name)])
    if args.standalone:
        from theory.export import standalone_document

        print(standalone_document(eqs), end="")
        return 0
    for eq in eqs:
        print(f"% {eq.name}: {eq.description} [{eq.paper}, {eq.section}]")
        print(eq.latex())
    return 0


def _study_overrides(args: argparse.Namespace, study) -> tuple[dict, dict]:
    overrides: dict = {}
    for opt in study.options:
        raw = getattr(args, f"opt_{opt.key}", None)
        if raw is None:
            continue
        values = [opt.convert(r) for r in (raw if opt.multiple else [raw])]
        overrides[opt.key] = tuple(values) if opt.multiple else values[0]
    flags = {k: bool(getattr(args, f"flag_{k}", False)) for k in study.flags}
    return overrides, flags


def _run_one(study, config, out: Path) -> bool:
    from numerics.core import UnstableNetworkError
    from numerics.study import atomic_write_bytes, write_study
    from numerics.study.runner import run_study

    print(f"[{study.name}] profile={config.profile} seed={config.seed} -> {out / study.name}")
    try:
        result = run_study(study, config)
    except UnstableNetworkError as exc:
        if exc.partial:
            import io

            import numpy as np

            buf = io.BytesIO()
            np.savez_compressed(buf, **{k: np.asarray(v) for k, v in exc.partial.items()})
            atomic_write_bytes(out / study.name / "partial_series.npz", buf.getvalue())
            print(f"[{study.name}] series up to the stop saved to {out / study.name / 'partial_series.npz'}")
        raise
    d = write_study(result, out)
    if config.work_dir is not None:  # the outputs are written: the checkpoints have served
        shutil.rmtree(config.work_dir, ignore_errors=True)
    n_pass = sum(c.passed for c in result.checks)
    status = "PASS" if result.passed else "FAIL"
    print(f"[{study.name}] {status}: {n_pass}/{len(result.checks)} checks in {result.runtime_s:.1f} s -> {d}")
    for c in result.checks:
        if not c.passed:
            print(f"[{study.name}]   failed {c.name}: {c.value} vs {c.comparison} {c.tolerance}")
    return result.passed


def _with_checkpoints(config, out: Path, resume: bool):
    """`config` with its checkpoint directory `OUT/STUDY/.partial` (long studies save their
    completed parts there; `--resume` continues from them)."""
    return dataclasses.replace(config, work_dir=str(out / config.study / ".partial"), resume=resume)


def _cmd_compare(args: argparse.Namespace) -> int:
    from numerics.study.runner import get_study

    study = get_study(args.study)
    overrides, flags = _study_overrides(args, study)
    config = study.config(args.profile, args.seed, overrides, progress=not args.no_progress, options=flags)
    _announce_cost(study, config)
    out = _writable_dir(args.out)
    config = _with_checkpoints(config, out, args.resume)
    return 0 if _run_one(study, config, out) else 1


def _available_bytes() -> float:
    """Memory available to a new computation (Linux `MemAvailable`; unlimited elsewhere)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    return float("inf")


def _human_time(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def _announce_cost(study, config) -> None:
    """Print the study's cost estimate before it starts; refuse (exit 2) what cannot fit in memory."""
    from numerics.core import UsageError

    if study.estimate is None:
        return
    avail = _available_bytes()
    cost = study.estimate(config.params, avail)
    if cost.peak_bytes > avail:
        raise UsageError(
            f"{study.name} would need about {cost.peak_bytes / 2**30:.3g} GiB of memory and "
            f"{avail / 2**30:.3g} GiB are available; allowed: {cost.largest or 'a smaller size'}"
        )
    print(
        f"[{study.name}] estimate: about {_human_time(cost.seconds)}, peak memory about "
        f"{cost.peak_bytes / 2**30:.2g} GiB ({cost.basis})",
        flush=True,
    )


def _already_done(out: Path, config) -> bool | None:
    """`None` if `OUT/STUDY/metrics.json` is missing or from another profile, seed or
    parameters; else whether that completed run passed (a skipped failure still fails)."""
    import json

    from numerics.study import jsonable

    p = out / config.study / "metrics.json"
    if not p.exists():
        return None
    m = json.loads(p.read_text())
    same = (
        m.get("profile") == config.profile
        and m.get("seed") == config.seed
        and m.get("config") == jsonable(config.params.as_dict())
    )
    return bool(m.get("passed")) if same else None


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from numerics.study import write_report
    from numerics.study.runner import all_studies, get_study
    from theory.export import write_derivations

    out = _writable_dir(args.out)
    _writable_dir(args.derivations)
    studies = [get_study(n) for n in args.only] if args.only else list(all_studies().values())
    configs = [s.config(args.profile, args.seed, progress=not args.no_progress) for s in studies]
    t0 = time.perf_counter()
    print(f"[derive] writing {args.derivations}/")
    write_derivations(Path(args.derivations))
    ok = True
    for study, config in zip(studies, configs):
        done = _already_done(out, config) if args.resume else None
        if done is not None:
            print(f"[{study.name}] complete in {out}; skipped (--resume; {'PASS' if done else 'FAIL'})")
            ok &= done
            continue
        ok &= _run_one(study, _with_checkpoints(config, out, args.resume), out)
    report = write_report(out, order=[s.name for s in all_studies().values()])
    print(
        f"[reproduce] {'all checks pass' if ok else 'SOME CHECKS FAILED'}; report: {report} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    return 0 if ok else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from numerics.core import UsageError
    from numerics.study import format_table, run_benchmarks
    from numerics.study.runner import get_benchmarks

    benches = get_benchmarks(args.only)
    if args.out:
        if Path(args.out).is_dir():
            raise UsageError(f"--out {args.out!r} is a directory; allowed: a file path for the JSON rows")
        _writable_dir(str(Path(args.out).parent or "."))
    rows = run_benchmarks(benches, args.size, Path(args.out) if args.out else None)
    if args.markdown:
        print(format_table(rows))
    missed = [r for r in rows if r.met is False]
    for r in missed:
        print(f"[bench] target missed: {r.group}: {r.name} {r.ratio:.1f}x < {r.target:g}x")
    return 1 if missed else 0


def _cmd_list(args: argparse.Namespace) -> int:
    from numerics.study import PROFILES
    from numerics.study.runner import all_studies
    from theory.equations import all_equations

    print("studies (rnn-timescales compare STUDY):")
    for s in all_studies().values():
        print(f"  {s.name:24s} {s.title}")
    print(f"\nprofiles: {', '.join(PROFILES)} (default quick)")
    print("\nequations (rnn-timescales latex NAME):")
    for eq in all_equations():
        print(f"  {eq.name:45s} {eq.description}")
    return 0


COMMANDS = {
    "derive": _cmd_derive,
    "latex": _cmd_latex,
    "compare": _cmd_compare,
    "reproduce": _cmd_reproduce,
    "bench": _cmd_bench,
    "list": _cmd_list,
}


def _child_pids() -> list[int]:
    """This process's child processes (Linux `/proc`; empty elsewhere)."""
    pids: list[int] = []
    for f in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(x) for x in f.read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def _exit_promptly_on_interrupt() -> None:
    """Make Ctrl-C take effect at once, even inside a long XLA computation.

    Python runs its SIGINT handler only when control returns to the interpreter, which a
    compiled computation can delay for minutes. The C-level handler still writes the signal
    number to the wakeup file descriptor, so a watcher thread reads it, stops any worker
    processes, prints where the completed results are, and exits with status 130. Outputs
    are written atomically, so nothing on disk is left half-written.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)

    def watch() -> None:
        while True:
            data = os.read(r, 64)
            if signal.SIGINT in data:
                break
        for pid in _child_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        print(
            f"{PROG}: interrupted; every completed output and checkpoint is on disk (rerun with --resume to continue)",
            file=sys.stderr,
            flush=True,
        )
        os._exit(130)

    threading.Thread(target=watch, name="interrupt-watcher", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the process entry point (not a call from Python code or a test)
        _exit_promptly_on_interrupt()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from numerics import configure

    configure()  # float64 and single-threaded host BLAS, before any array or BLAS load
    from numerics.core import SolveError, UnstableNetworkError, UsageError
    from theory.equations import UnknownEquationError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        study_name = None
        if len(argv) >= 2 and argv[0] == "compare" and not argv[1].startswith("-"):
            from numerics.study.runner import get_study

            study_name = get_study(argv[1]).name
        bench_names: list[str] = []
        if argv and argv[0] == "bench":
            from numerics.study.runner import all_benchmarks

            bench_names = list(all_benchmarks())
        args = build_parser(study_name, bench_names).parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 2
        return COMMANDS[args.command](args)
    except (UsageError, UnknownEquationError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return 2
    except (UnstableNetworkError, SolveError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (`rnn-timescales list | head`): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        # Exit at once: a normal interpreter shutdown can run into XLA worker threads still
        # busy with the interrupted computation (seen as a segfault, exit 139).
        print(f"{PROG}: interrupted; completed studies are on disk (rerun with --resume)", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(130)


if __name__ == "__main__":
    raise SystemExit(main())
