"""Test configuration: the toolkit's one explicit set-up call, before any array exists."""

import numerics

numerics.configure()  # float64; host BLAS pinned to one thread for 2-core CI

import jax  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Studies return open figures (the results writer closes them after saving); tests that
    call a study directly leave them open, so close them after every test."""
    yield
    plt.close("all")


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_programs():
    """Every compiled XLA CPU program keeps memory mappings alive until it is freed. Run in one
    process, the whole suite compiled enough programs to pass the kernel's default
    ``vm.max_map_count`` (65,530): an ``mmap`` inside XLA's compiler then failed and the process
    died with a segmentation fault (seen 2026-11-24, twice at the same test). Clearing JAX's caches
    after each test module releases the programs that module compiled."""
    yield
    jax.clear_caches()
