"""Smoke run of `anticollapse-diag-long`: both rules' labels per seed and arm, the resume check."""

from numerics.study.runner import get_study


def test_smoke_labels_every_seed_under_both_rules_and_resumes_exactly():
    study = get_study("anticollapse-diag-long")
    cfg = study.config("smoke", seed=0, progress=False)
    res = study.run(cfg)
    by = {c.name: c for c in res.checks}
    assert by["resume_reproduces_uninterrupted_run_none"].passed
    assert by["resume_reproduces_uninterrupted_run_alpha1.5"].passed
    assert by["fft_grad_vs_scan_autodiff"].passed
    votes = res.params["summary"]["arm_labels"]
    assert set(votes) == {"none", "alpha1.5"}
    for v in votes.values():
        assert v["seeds"] == 3 and len(v["calibrated"]["per_seed"]) == 3 and len(v["authors"]["per_seed"]) == 3
        assert v["calibrated"]["critical_count"] == 2  # Binomial(3, 0.05): two collapsed seeds are needed
    assert set(res.figures) == {"diag_long"}
