"""CLI conventions: one-line errors with exit code 2, list/latex/derive behaviour."""

import subprocess
import sys

import pytest

from numerics.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "numerics", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["compare", "no-such-study"], "unknown study"),
        (["latex", "integrator.no_such_equation"], "unknown equation"),
        (["reproduce", "--only", "no-such-study"], "unknown study"),
        (["bench", "--only", "no-such-bench"], "unknown benchmark"),
        (["frobnicate"], "invalid choice"),
        (["compare", "gating-lr", "--steps", "100", "--no-progress"], "steps=100 is out of range"),
        (["compare", "gating-anisotropy", "--steps", "100", "--no-progress"], "steps=100 is out of range"),
        (["compare", "gating-lr", "--seed", "-1"], "seed=-1 is out of range"),
        (["latex", "--list", "integrator.aligned_ode"], "--list takes no equation names"),
        (["derive", "--check", "--dir", "/nonexistent-derivations"], "does not exist"),
        (["bench", "--out", "/", "--only", "gating-first-order"], "is a directory"),
        (["compare", "integrator-rich", "--out", ""], "is empty"),
        (["compare", "integrator-rich", "--target", "exp:0.2", "--target", "exp:0.5"], "given twice"),
        (["compare", "integrator-rich", "--N", "2.5"], "'2.5' is not an integer"),
        (["compare", "integrator-rich", "--N", "100000000"], "GiB of memory"),
        (["compare", "integrator-rich", "--c-star", "-1"], "c_star=-1.0 is out of range"),
        (["compare", "integrator-rich", "--sigma", "1.5"], "sigma=1.5 is out of range"),
        (["compare", "integrator-rich", "--profile", "nope"], "unknown profile 'nope'"),
        (["compare", "integrator-rich", "--target", "garbage"], "is malformed"),
        (["compare", "integrator-rich", "--target", "osc:0.2:1"], "takes one leaky target"),
        (["compare", "gating-expansion", "--seeds", "0"], "seeds=0 is out of range"),
        (["compare", "gating-expansion", "--T", "3"], "T=3 is out of range"),
        (["compare", "gating-expansion", "--seeds", "abc"], "'abc' is not an integer"),
        (["compare", "gating-expansion", "--bogus", "1"], "unrecognized arguments"),
        (["compare", "gating-lr", "--probe", "0"], "probe=0 is out of range"),
        (["compare", "gating-lr", "--workers", "-1"], "workers=-1 is out of range"),
        (
            ["compare", "gating-lr", "--measure", "spectral"],
            "measure='spectral' is not allowed; allowed: exact, authors",
        ),
        (["compare", "gating-lr", "--seed", "abc"], "is not an integer"),
        (["compare", "gating-anisotropy", "--seeds", "0"], "seeds=0 is out of range"),
        (["compare", "gating-anisotropy", "--workers", "abc"], "'abc' is not an integer"),
        (["compare", "anticollapse-network", "--tau-c", "-5"], "tau_c=-5.0 is out of range"),
        (["compare", "anticollapse-network", "--ladder-model", "nope"], "is not allowed"),
        (["compare", "anticollapse-network", "--diag-epochs", "1"], "diag_epochs=1 is out of range"),
        (["compare", "anticollapse-process", "--n-units", "5"], "n_units=5 is out of range"),
        (["compare", "anticollapse-envelope", "--resamples", "1"], "resamples=1 is out of range"),
        (["compare", "integrator-lazy", "--draws", "0"], "network_draws=0 is out of range"),
        (["compare", "integrator-lazy", "--sigma", "-0.1"], "sigma=-0.1 is out of range"),
        (["compare", "integrator-multi", "--eps", "-1"], "eps=-1.0 is out of range"),
        (["compare", "integrator-oscillator", "--omega-star", "-1"], "omega_star=-1.0 is out of range"),
        (["compare", "integrator-loss", "--c-star", "0"], "c_star=0.0 is out of range"),
        (["compare", "integrator-sgd", "--profile", "paperr"], "unknown profile 'paperr'"),
        (["compare"], "required: STUDY"),
        (["latex", "--list", "--standalone"], "exclude each other"),
        (["latex", "integrator.nope", "--standalone"], "unknown equation"),
        (["latex", "nosuchpaper"], "unknown equation"),
        (["reproduce", "--profile", "nope"], "unknown profile 'nope'"),
        (["reproduce", "--seed", "4294967296"], "is out of range"),
        (["reproduce", "--only", "integrator-rich", "--out", ""], "is empty"),
        (["derive", "--dir", ""], "is empty"),
        (["bench", "--size", "huge"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, needle, capsys):
    with pytest.raises(SystemExit) as exc_info:
        raise SystemExit(main(args))
    assert exc_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_unwritable_output_directory_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["reproduce", "--out", str(blocker / "sub"), "--only", "integrator-rich"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot be written" in err


def test_help_teaches():
    out = run_cli("--help").stdout
    for word in ("derive", "latex", "compare", "reproduce", "bench", "list", "exit codes"):
        assert word in out


def test_derive_check_roundtrip(tmp_path, capsys):
    assert main(["derive", "--dir", str(tmp_path)]) == 0
    assert main(["derive", "--check", "--dir", str(tmp_path)]) == 0
    first = sorted(tmp_path.glob("*.tex"))[0]
    first.write_text(first.read_text() + "% edited\n")
    assert main(["derive", "--check", "--dir", str(tmp_path)]) == 1
    assert first.name in capsys.readouterr().out


def test_resume_recognises_a_complete_study_by_its_config(tmp_path):
    import dataclasses

    from numerics.cli import _already_done
    from numerics.study import Params, StudyConfig, StudyResult, check_le, write_study

    @dataclasses.dataclass(frozen=True)
    class Demo(Params):
        N: tuple[int, ...] = (100, 200)
        c_star: float = 0.2

    cfg = StudyConfig("demo", "quick", 3, Demo())
    res = StudyResult("demo", "quick", [check_le("x", 0.0, 1.0, "")], {"derived": 1.0}, seed=3, config=Demo().as_dict())
    assert not _already_done(tmp_path, cfg)
    write_study(res, tmp_path)
    assert _already_done(tmp_path, cfg)
    assert not _already_done(tmp_path, StudyConfig("demo", "quick", 4, cfg.params))
    assert not _already_done(tmp_path, StudyConfig("demo", "quick", 3, Demo(N=(100,))))


def test_resume_counts_a_skipped_failed_study(tmp_path):
    """`reproduce --resume` skips a study already complete in OUT, but a skipped study that
    failed its checks still makes the run fail (exit 1)."""
    import json

    from numerics.study.runner import get_study

    study = get_study("gating-expansion")
    assert (
        main(
            [
                "reproduce",
                "--profile",
                "smoke",
                "--only",
                study.name,
                "--out",
                str(tmp_path),
                "--derivations",
                str(tmp_path / "d"),
                "--no-progress",
            ]
        )
        == 0
    )
    p = tmp_path / study.name / "metrics.json"
    m = json.loads(p.read_text())
    m["passed"] = False
    p.write_text(json.dumps(m))
    assert (
        main(
            [
                "reproduce",
                "--profile",
                "smoke",
                "--only",
                study.name,
                "--out",
                str(tmp_path),
                "--derivations",
                str(tmp_path / "d"),
                "--no-progress",
                "--resume",
            ]
        )
        == 1
    )


def test_closed_pipe_is_not_an_error():
    """``rnn-timescales list | head -1``: the reader closes the pipe early; no traceback, exit 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "numerics", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
    )
    proc.stdout.close()  # before the first write: every write of the listing hits a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0 and "Traceback" not in err, err
