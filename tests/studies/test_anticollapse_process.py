"""Smoke runs of the anti-collapse process-level studies (same code path, tiny sizes)."""

import numpy as np
import pytest

from numerics.studies import get_study


@pytest.mark.parametrize("name,series,figures", [
    ("anticollapse-process", ("t1_rows", "t2_rows", "t3_rows", "phase_mc", "ts_phase", "ts_mc", "ts_mc_hill",
                              "levy_rows"),
     ("phase_diagram", "beta_vs_forcing", "tau_ccdf")),
    ("anticollapse-envelope", ("t4_uncapped", "t4_capped", "t5_sd_tail", "lags"),
     ("tau_ccdf", "envelope", "finite_H")),
])
def test_smoke(name, series, figures):
    study = get_study(name)
    res = study.run(study.config("smoke", seed=0, progress=False))
    failed = [(c.name, c.value, c.tolerance) for c in res.checks if not c.passed]
    assert not failed, failed
    assert len(res.checks) >= 10
    for key in series:
        assert key in res.series and np.asarray(res.series[key]).size > 0
    for key in figures:
        assert key in res.figures
    import matplotlib.pyplot as plt

    for fig in res.figures.values():
        plt.close(fig)
