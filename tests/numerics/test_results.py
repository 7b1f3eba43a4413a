"""The results contract: computed pass flags, atomic files, the report."""

import json

import matplotlib
import numpy as np

from numerics.study import StudyResult, check_ge, check_in, check_le, check_true, write_report, write_study

matplotlib.use("Agg")


def test_checks_compute_pass_and_reject_nan():
    assert check_le("a", 0.1, 0.2, "").passed and not check_le("a", 0.3, 0.2, "").passed
    assert not check_le("a", float("nan"), 0.2, "").passed
    assert check_ge("b", 3, 2, "").passed and not check_in("c", 5, 0, 1, "").passed
    assert check_true("d", True, "").passed and not check_true("d", False, "").passed


def test_write_study_and_report(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    res = StudyResult(
        "demo",
        "quick",
        [check_le("err", 0.01, 0.02, "demo check"), check_ge("slope", 1.0, 2.0, "fails on purpose")],
        {"N": [100, 200]},
        {"t": np.arange(3.0)},
        {"curve": fig},
    )
    d = write_study(res, tmp_path)
    m = json.loads((d / "metrics.json").read_text())
    assert m["passed"] is False and m["checks"][0]["passed"] is True
    assert set(m["environment"]) >= {"jax", "backend", "x64", "git"} and m["environment"]["x64"]
    assert (d / "curve.png").stat().st_size > 0 and "t" in np.load(d / "series.npz")
    assert not list(d.glob(".*tmp"))  # no temporary files left behind
    report = write_report(tmp_path).read_text()
    assert "1 / 2 checks pass" in report and "**FAIL**" in report
