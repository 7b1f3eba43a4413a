"""Smoke profiles of the three gating studies: same code path, tiny sizes; checks pass."""

import pytest

from numerics.study.runner import get_study


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


@pytest.mark.parametrize("name", ["gating-lr", "gating-anisotropy"])
def test_worker_processes_do_not_change_results(name):
    """Training and probes spread over 2 worker processes give the same series as one process."""
    import matplotlib.pyplot as plt
    import numpy as np

    study = get_study(name)
    out = {}
    for w in (1, 2):
        res = study.run(study.config("smoke", seed=3, overrides={"seeds": 2, "workers": w}, progress=False))
        out[w] = res.series
        for fig in res.figures.values():
            plt.close(fig)
    assert out[1].keys() == out[2].keys()
    for k in out[1]:
        np.testing.assert_allclose(
            np.asarray(out[2][k], float), np.asarray(out[1][k], float), rtol=1e-12, atol=1e-14, err_msg=k
        )


@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_summary_routes_agree(kind):
    """S1's device summaries (numerics.gating.lag_summaries) equal the host NumPy ones on probed cells."""
    import jax
    import numpy as np

    from numerics.gating import init_model, sample
    from numerics.gating.studies import lr as s1

    cells = jax.tree.map(
        lambda *x: jax.numpy.stack(x), *[init_model(jax.random.key(k), kind, 8, 4).cell for k in (1, 2)]
    )
    us, _ = sample(jax.random.key(5), "adding", 3, 12, 4)
    host, dev = (s1._probe_cells(cells, us, route=r) for r in ("host", "device"))
    assert s1.default_summary_route() == "host"  # CPU
    for h, d in zip(host, dev):
        assert h.keys() == d.keys()
        for k in h:
            if isinstance(h[k], bool):
                assert h[k] is d[k], k
            else:
                np.testing.assert_allclose(d[k], h[k], rtol=1e-12, atol=0, err_msg=k)
    with pytest.raises(ValueError, match="route"):
        s1._probe_cells(cells, us, route="gpu")


def test_probe_stats_is_one_cell_of_probe_cells():
    """`probe_stats` (one cell, used by the paper-profile benchmark) equals `_probe_cells` on that cell."""
    import jax
    import numpy as np

    from numerics.gating import init_model, sample
    from numerics.gating.studies import lr as s1

    cell = init_model(jax.random.key(1), "vector", 8, 4).cell
    us, _ = sample(jax.random.key(5), "adding", 2, 12, 4)
    one = s1.probe_stats(cell, us, route="host")
    ref = s1._probe_cells(jax.tree.map(lambda x: x[None], cell), us, route="host")[0]
    assert one.keys() == ref.keys()
    for k in ref:
        np.testing.assert_array_equal(np.asarray(one[k]), np.asarray(ref[k]), err_msg=k)


@pytest.mark.parametrize(
    "name, overrides, match",
    [
        ("gating-lr", {"steps": 10}, "steps=10"),
        ("gating-anisotropy", {"steps": 5}, "steps=5"),
        ("gating-anisotropy", {"T": 4}, "T=4"),
        ("gating-anisotropy", {"arms": ("vector+SGD",)}, "arms="),
        ("gating-anisotropy", {"arms": ("plain+Adam", "lstm+SGD")}, "arms="),
    ],
)
def test_cross_field_validation(name, overrides, match):
    """Inconsistent parameters are refused when the configuration is built, before anything runs."""
    from numerics.core import UsageError

    study = get_study(name)
    with pytest.raises(UsageError, match=match):
        study.config("smoke", overrides=overrides, progress=False)


@pytest.mark.parametrize("name", ["gating-lr", "gating-anisotropy"])
def test_params_are_declarative_and_picklable(name):
    """Profiles are deltas of the paper defaults; the parameters pickle (they travel to worker processes)."""
    import pickle

    study = get_study(name)
    for profile in study.profile_names:
        params = study.profile_params(profile)
        assert pickle.loads(pickle.dumps(params)) == params
    with pytest.raises(Exception, match="unknown parameter"):
        study.config("quick", overrides={"no_such_field": 1})


def test_anisotropy_probe_run_takes_the_paper_params():
    """The benchmark's use of the anisotropy probe: `probe_run` with `STUDY.params`-like parameters."""
    import functools
    import pickle

    from numerics.gating.studies import anisotropy as s2

    p = s2.STUDY.profile_params("smoke")
    fn = functools.partial(s2.probe_run, p=p)
    assert pickle.loads(pickle.dumps(fn)).keywords["p"] == p
