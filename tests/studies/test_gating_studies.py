"""Smoke profiles of the three gating studies: same code path, tiny sizes; checks pass."""

import pytest

from numerics.studies import get_study


@pytest.mark.parametrize("name", ["gating-expansion", "gating-lr", "gating-anisotropy"])
def test_smoke(name):
    study = get_study(name)
    result = study.run(study.config("smoke", seed=0, progress=False))
    failed = [(c.name, c.value, c.tolerance) for c in result.checks if not c.passed]
    assert not failed, failed
    assert result.series and result.figures and result.checks
    import matplotlib.pyplot as plt

    for fig in result.figures.values():
        plt.close(fig)
