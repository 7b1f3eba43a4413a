r"""Summaries of estimates across arms and checkpoints.

`ordering_probability`: the bootstrap probability of a strict ordering of estimates (the arm
ordering of β, [§9][anticollapse-s9]); [§7.11][anticollapse-s7-11] `threshold_crossing`: the
first persistent crossing of the phase label out of `collapsed`.
"""

from __future__ import annotations

import numpy as np

from numerics.anticollapse.estimators._envelope import ESTIMATOR_ERROR

__all__ = ["ordering_probability", "threshold_crossing"]


def ordering_probability(samples) -> float:
    r"""Bootstrap probability that the strict ordering $x_1>x_2>\dots>x_m$ holds:
    the fraction of index-paired replicates (one array per quantity, independent
    resamples, equal length) in which it holds. NaN replicates count as not ordered."""
    arr = np.stack([np.asarray(s, dtype=np.float64).ravel() for s in samples])
    if arr.shape[0] < 2 or arr.shape[1] == 0:
        raise ValueError(f"need >= 2 quantities with >= 1 replicate each; got shape {arr.shape}")
    return float(np.mean(np.all(arr[:-1] > arr[1:], axis=0)))


def threshold_crossing(labels, *, persist: int = 2) -> tuple[int | None, str | None]:
    r"""$t_{\mathrm{cross}}$ ([§7.11][anticollapse-s7-11]): the first checkpoint index from which the label
    is non-collapsed for `persist` (2) consecutive checkpoints.

    Labels are `"collapsed"`, `ESTIMATOR_ERROR` (the estimator failed at that
    checkpoint: unknown, neither collapsed nor non-collapsed, so it never completes a
    crossing window), or any other (non-collapsed) label.

    Returns `(index, flag)`. `flag` joins with `"+"` the applicable censoring flags, or
    is `None`: `"left"` if the label is non-collapsed at the first checkpoint
    (left-censored, as the formulation defines it, whether or not the first crossing window starts there), `"right"` if
    it never crosses (index `None`), `"error"` if an estimator failure lies before the
    crossing window (or anywhere, when it never crosses), so the crossing may have been
    earlier (or have happened at all)."""
    lab = [str(x) for x in labels]
    nc = [x not in ("collapsed", ESTIMATOR_ERROR) for x in lab]
    idx = next((i for i in range(len(nc) - persist + 1) if all(nc[i : i + persist])), None)
    flags = []
    if nc and nc[0]:
        flags.append("left")
    if idx is None:
        flags.append("right")
    if ESTIMATOR_ERROR in (lab if idx is None else lab[:idx]):
        flags.append("error")
    return idx, ("+".join(flags) or None)
