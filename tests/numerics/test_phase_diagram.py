"""The vmapped rich/lazy phase-diagram sweep: shapes, vmap == per-point loop, boundary metric."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics import integrator as lr
from numerics.integrator import _phase_diagram as pdg, make_target


def test_gd_stability_eta_matches_spec_bound():
    # spec §10: eta <~ 8 c^3 / A^2; unit target A^2 = 2c -> 4 c^2, raw -> 8 c^3
    assert pdg.gd_stability_eta(0.1, "unit") == pytest.approx(0.04)
    assert pdg.gd_stability_eta(0.1, "raw") == pytest.approx(8e-3)
    with pytest.raises(ValueError):
        pdg.gd_stability_eta(0.0)


def _tiny():
    sig, cs = np.array([0.1, 0.8]), np.array([0.2, 0.7])
    res = pdg.sweep(sig, cs, jax.random.PRNGKey(3), n=6, T=0.6, eta=0.05)
    return sig, cs, res


def test_sweep_shapes_and_vmap_equals_loop():
    sig, cs, res = _tiny()
    assert res.WT.shape == (1, 2, 2, 6, 6) and res.loss.shape == (1, 2, 2, 13)
    assert bool(np.all(np.asarray(res.ok)))
    # the same per-point computation jitted alone, from the same (edge-normalised) draw
    G, u0, v0 = pdg.draw_init(jax.random.split(jax.random.PRNGKey(3), 1)[0], 6)
    assert np.abs(np.linalg.eigvals(np.asarray(G))).max() == pytest.approx(np.sqrt(6), rel=1e-10)
    f = pdg.point_fn(12)
    for i, s in enumerate(sig):
        for j, c in enumerate(cs):
            W0, WT, L, ok = f(jnp.asarray(s), jnp.asarray(c), G, u0, v0, jnp.asarray(0.05))
            assert np.allclose(np.asarray(WT), np.asarray(res.WT[0, i, j]), rtol=1e-10, atol=1e-12)
            assert np.allclose(np.asarray(L), np.asarray(res.loss[0, i, j]), rtol=1e-10)
    # bulk radius is exactly sigma after edge normalisation
    assert np.abs(np.linalg.eigvals(np.asarray(res.W0[0, 1, 0]))).max() == pytest.approx(0.8, rel=1e-10)


def test_sweep_draws_axis():
    sig, cs = np.array([0.2]), np.array([0.3])
    res = pdg.sweep(sig, cs, jax.random.PRNGKey(5), n=5, T=0.1, eta=0.05, draws=2)
    assert res.WT.shape == (2, 1, 1, 5, 5)
    assert not np.allclose(np.asarray(res.W0[0]), np.asarray(res.W0[1]))
    m = pdg.classify(res)
    assert m["separation"].shape == (1, 1) and m["separation_draws"].shape == (2, 1, 1)


def test_sweep_step_is_gd_on_population_loss():
    """One GD step of the sweep equals eta * (rates x adjoint gradients) of linear_rnn."""
    sig, cs, _ = _tiny()
    res = pdg.sweep(sig[:1], cs[:1], jax.random.PRNGKey(3), n=6, T=0.05, eta=0.05)
    W0 = res.W0[0, 0, 0]
    _, u0, v0 = pdg.draw_init(jax.random.split(jax.random.PRNGKey(3), 1)[0], 6)
    c = float(cs[0])
    t = make_target("leaky", c_star=c, amp=float(np.sqrt(2 * c)))
    L, g = lr.loss_and_grads(lr.Params(W0, u0, v0), t)
    assert float(res.loss[0, 0, 0, 0]) == pytest.approx(float(L), rel=1e-12)
    assert np.allclose(np.asarray(res.WT[0, 0, 0]), np.asarray(W0 - 0.05 * g.W), atol=1e-14)


def test_boundary_agreement_metric_can_fail():
    sig = np.linspace(0.3, 0.9, 12)
    cs = np.linspace(0.1, 0.7, 12)
    exact = (1 - cs[None, :]) > sig[:, None]
    a = pdg.boundary_agreement(exact, sig, cs)
    assert a["cell_agreement"] == 1.0 and a["fraction_within_one"] == 1.0
    # shift the measured boundary by 3 cells: the metric must fail
    shifted = np.roll(exact, -3, axis=1)
    shifted[:, -3:] = False
    b = pdg.boundary_agreement(shifted, sig, cs)
    assert b["fraction_within_one"] < 0.5 and b["cell_agreement"] < 0.9


def test_classify_regimes_on_hand_made_spectra():
    sig, cs, res = _tiny()
    W0 = np.asarray(res.W0)
    WT = W0.copy()
    e = np.zeros(6)
    e[0] = 1.0
    WT[0, 0, 0] = W0[0, 0, 0] + 0.7 * np.outer(e, e)  # an outlier near 0.7 over a bulk of radius 0.1
    fake = res._replace(WT=jnp.asarray(WT))
    m = pdg.classify(fake, 0.05)
    assert m["rich"][0, 0] and not m["rich"][1, 1]
    assert m["theory_rich"][0, 0] and not m["theory_rich"][1, 1]


def test_chunked_sweep_equals_single_chunk_and_rejects_bad_chunk():
    sig, cs, res = _tiny()
    res3 = pdg.sweep(sig, cs, jax.random.PRNGKey(3), n=6, T=0.6, eta=0.05, chunk=3)  # 4 points: 3 + remainder 1
    assert np.allclose(np.asarray(res3.WT), np.asarray(res.WT), rtol=1e-12, atol=1e-14)
    assert pdg.sweep_chunk(48, 432) == min(432, pdg.CPU_CHUNK_ELEMENTS // 48**2)
    with pytest.raises(ValueError, match="chunk=0"):
        pdg.sweep(sig, cs, jax.random.PRNGKey(3), n=6, T=0.6, eta=0.05, chunk=0)


def test_large_sweep_completes_in_a_subprocess():
    """Regression: this sweep (12 x 12 x 3 points at N = 32, some points past the GD stability
    bound) hung forever as one un-chunked jit(vmap) on the 2-core CPU with jaxlib 0.10.2 (it still
    does with ``chunk=432``). Run in a subprocess so that a hang fails the test instead of CI."""
    import subprocess
    import sys

    code = (
        "import numerics; numerics.configure()\n"
        "import jax, numpy as np\n"
        "from numerics.integrator import _phase_diagram as pdg\n"
        "g = np.linspace(0.05, 0.95, 12)\n"
        "r = pdg.sweep(g, g, jax.random.PRNGKey(0), n=32, T=5.0, eta=0.05, draws=3)\n"
        "jax.block_until_ready(r.WT); print('done', int((~np.asarray(r.ok)).sum()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().startswith("done")
