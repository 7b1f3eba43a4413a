"""Test configuration: float64 before any array exists; threads pinned for 2-core CI."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numerics  # noqa: E402,F401  (enables jax_enable_x64)

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Studies return open figures (the results writer closes them after saving); tests that
    call a study directly leave them open, so close them after every test."""
    yield
    plt.close("all")
