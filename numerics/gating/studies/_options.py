"""Command-line options shared by the gating training studies (`gating-lr`, `gating-anisotropy`)."""

from __future__ import annotations

from numerics.study import Option, integer_at_least

__all__ = ["training_options"]


def training_options(steps_help: str, runs: str) -> tuple[Option, Option, Option]:
    """`--steps`, `--seeds` and `--workers`; `runs` names what the worker processes share."""
    return (
        Option("steps", "--steps", int, steps_help, integer_at_least(1), multiple=False),
        Option("seeds", "--seeds", int, "seeds (one compiled computation)", integer_at_least(1), multiple=False),
        Option(
            "workers",
            "--workers",
            int,
            f"CPU processes the {runs} are spread over (0 = one per core, 1 = this process)",
            integer_at_least(0),
            multiple=False,
        ),
    )
