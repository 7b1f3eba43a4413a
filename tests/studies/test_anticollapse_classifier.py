"""Smoke run of `anticollapse-classifier` (same code path, tiny sizes)."""

import numpy as np

from numerics.anticollapse.studies.classifier import SPECTRA, draw_spectra
from numerics.study.runner import get_study


def test_smoke():
    study = get_study("anticollapse-classifier")
    cfg = study.config("smoke", seed=0, progress=False)
    res = study.run(cfg)
    names = [c.name for c in res.checks]
    W = cfg.params.widths
    n_pareto = sum(kind == "extended" for _, kind in SPECTRA)
    assert sum(n.startswith("false_collapse_") for n in names) == n_pareto * len(W)
    assert "authors_false_collapse_pareto_b1_H512" in names
    # the audit finding reproduces even at smoke size; the calibrated test holds its level there too
    by = {c.name: c for c in res.checks}
    assert by["authors_false_collapse_pareto_b1_H512"].passed
    assert by["power_single_lognormal_s0.1_H512"].passed
    rates = res.series["collapsed_calibrated"]
    assert rates.shape == (len(SPECTRA), len(W)) and np.all((rates >= 0) & (rates <= 1))
    assert set(res.figures) == {"collapse_rate_authors", "collapse_rate_calibrated"}


def test_spectra_draws():
    import jax

    for name, _ in SPECTRA:
        t = draw_spectra(name, jax.random.key(0), 3, 16)
        assert t.shape == (3, 16) and np.all(t >= 4.0) and np.all(np.isfinite(t))
    capped = draw_spectra("capped_b1_tc16", jax.random.key(1), 50, 50)
    assert capped.max() <= 16.0
    truncated = draw_spectra("truncated_b1_tc16", jax.random.key(1), 50, 50)
    assert truncated.max() <= 16.0
    # the clamp leaves an atom at the cap (a quarter of the mass for Pareto(1) above 4); truncation none
    assert np.mean(capped == 16.0) > 0.1 and np.mean(truncated == 16.0) == 0.0
