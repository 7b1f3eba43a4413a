"""Shared integrator-study helpers on synthetic data: options, tracking, fits, figures, GIFs."""

import io

import jax
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from numerics.core import UsageError
from numerics.integrator.studies import _common as ic


def _bulk(key, n, radius):
    """n points uniform in a disk of the given radius (complex), from an explicit key."""
    k1, k2 = jax.random.split(key)
    r = radius * np.sqrt(np.asarray(jax.random.uniform(k1, (n,))))
    th = 2 * np.pi * np.asarray(jax.random.uniform(k2, (n,)))
    return r * np.exp(1j * th)


def _snapshots(n_snap=30, n_bulk=40, sigma=0.1, shuffle=True):
    """An outlier escaping along the real axis from inside the bulk to 0.8, in shuffled order."""
    ts = np.linspace(0, 5, n_snap)
    path = 0.8 * (1 - np.exp(-ts))  # starts at 0, inside the disk
    snaps = []
    for k, lam in enumerate(path):
        key = jax.random.fold_in(jax.random.PRNGKey(1), k)
        bulk = _bulk(key, n_bulk, sigma) + 0.002 * k  # slowly drifting bulk
        e = np.concatenate([bulk, [lam]])
        if shuffle:
            e = e[np.asarray(jax.random.permutation(jax.random.fold_in(key, 7), e.size))]
        snaps.append(e)
    return ts, path, snaps


def test_track_outlier_follows_escape_from_bulk():
    _, path, snaps = _snapshots()
    tr = ic.track_outliers(snaps)  # from the end, where the outlier is separated
    assert tr.shape == (len(snaps), 1)
    # once outside the bulk (|lam| > 0.15) the track is exactly the outlier
    out = path > 0.15
    np.testing.assert_allclose(tr[out, 0], path[out], atol=0)
    # tracking forward from t=0 would start on a bulk eigenvalue: the "first" start differs
    fwd = ic.track_outliers(snaps, start="first")
    assert fwd.shape == tr.shape


def test_track_two_crossing_eigenvalues_never_share_a_value():
    # two real eigenvalues crossing: 0.2 -> 0.6 and 0.6 -> 0.2 with distinct imaginary parts
    s = np.linspace(0, 1, 21)
    e1 = 0.2 + 0.4 * s + 0.05j
    e2 = 0.6 - 0.4 * s - 0.05j
    snaps = [np.array([b, a, -0.5]) for a, b in zip(e1, e2)]
    tr = ic.track_outliers(snaps, n_tracks=2, start="first")
    assert np.all(tr[:, 0] != tr[:, 1])
    np.testing.assert_allclose(tr[:, 0], e2 if tr[0, 0] == e2[0] else e1)


def test_track_conjugate_pair_starts_in_upper_half_plane():
    snaps = [np.array([0.3 + 0.5j, 0.3 - 0.5j, 0.01]), np.array([0.4 - 0.6j, 0.02, 0.4 + 0.6j])]
    tr = ic.track_outliers(snaps, conjugate_pairs=True)
    np.testing.assert_allclose(tr[:, 0], [0.3 + 0.5j, 0.4 + 0.6j])


def test_track_rejects_bad_arguments():
    with pytest.raises(ValueError):
        ic.track_outliers([])
    with pytest.raises(ValueError):
        ic.track_outliers([np.array([1.0])], n_tracks=2)
    with pytest.raises(ValueError):
        ic.track_outliers([np.array([1.0])], start="middle")


def test_top_eigenvalue_and_power_law_fit():
    e = np.array([[0.1, 0.5 + 0.2j, -0.3], [0.9, 0.2, 0.1j]])
    np.testing.assert_allclose(ic.top_eigenvalue(e), [0.5 + 0.2j, 0.9])
    n = np.array([100.0, 200.0, 500.0, 1000.0])
    alpha, c = ic.fit_power_law(n, 3.0 * n**-0.5)
    assert abs(alpha + 0.5) < 1e-12 and abs(c - 3.0) < 1e-9
    with pytest.raises(ValueError):
        ic.fit_power_law([1.0], [1.0])


@pytest.mark.parametrize("spec", ["exp:0.2", "exp:0.05:2", "osc:0.2:1.0", "exp:0.5+osc:0.1:2"])
def test_target_option_parses_valid_specs(spec):
    opt = ic.target_option()
    t = opt.convert(spec)
    assert np.all(np.linalg.eigvals(np.asarray(t.As)).real < 0)


@pytest.mark.parametrize("spec", ["exp:-0.2", "exp:0", "osc:0.1", "foo:1", "exp:abc", "", "exp:nan"])
def test_target_option_rejects_bad_specs_in_one_line(spec):
    with pytest.raises(UsageError) as info:
        ic.target_option().convert(spec)
    msg = str(info.value)
    assert len(msg.splitlines()) == 1 and msg


def test_sum_targets_is_block_diagonal():
    a, b = ic.parse_target_spec("exp:0.5"), ic.parse_target_spec("exp:0.1:2")
    s = ic.sum_targets([a, b])
    np.testing.assert_allclose(np.asarray(s.As), np.diag([-0.5, -0.1]))
    np.testing.assert_allclose(np.asarray(s.bs), [1.0, 2.0])
    assert ic.sum_targets([a]) is a
    with pytest.raises(UsageError):
        ic.sum_targets([])


@pytest.mark.parametrize(
    "option, raw, ok",
    [
        (ic.sigma_option(), "0", True),
        (ic.sigma_option(), "0.99", True),
        (ic.sigma_option(), "1", False),
        (ic.sigma_option(), "-0.1", False),
        (ic.sigma_option(), "inf", False),
        (ic.n_option(), "2", True),
        (ic.n_option(), "1", False),
        (ic.n_option(), "2.5", False),
        (ic.n_option(), "ten", False),
        (ic.c_star_option(), "0.05", True),
        (ic.c_star_option(), "0", False),
        (ic.c_star_option(), "nan", False),
    ],
)
def test_scalar_options_validate(option, raw, ok):
    if ok:
        option.convert(raw)
    else:
        with pytest.raises(UsageError) as info:
            option.convert(raw)
        assert len(str(info.value).splitlines()) == 1


def test_point_keys_are_deterministic_and_distinct():
    k1, k2, k3 = ic.point_key(0, 100, 0), ic.point_key(0, 100, 0), ic.point_key(0, 200, 0)
    assert np.array_equal(np.asarray(k1), np.asarray(k2))
    assert not np.array_equal(np.asarray(k1), np.asarray(k3))


def test_figures_are_built():
    ts, path, snaps = _snapshots(n_snap=6)
    tr = ic.track_outliers(snaps)[:, 0]
    fig = ic.spectrum_snapshots_figure(ts[:4], snaps[:4], 0.1, outlier=tr[:4], theory=path[:4], title="x")
    assert isinstance(fig, Figure) and len([a for a in fig.axes if a.get_visible()]) == 4
    panels = {
        "c=0.2": [
            ic.Curve(ts, path, "theory", "N=100"),
            ic.Curve(ts, tr.real, "net", "N=100", "network"),
            ic.Curve(ts, [0.8], "1-c", kind="target"),
        ],
        "c=0.5": [ic.Curve(ts, path, "theory", "N=100")],
    }
    fig2 = ic.time_figure(panels, ylabel="y", title="t", logy=True)
    assert isinstance(fig2, Figure) and len([a for a in fig2.axes if a.get_visible()]) == 2


def test_spectrum_animation_is_a_valid_gif():
    ts, path, snaps = _snapshots(n_snap=5, n_bulk=10)
    data = ic.spectrum_animation(
        ts, snaps, 0.1, theory_path=path, outlier=ic.track_outliers(snaps)[:, 0], title="test", dpi=40
    )
    assert data[:6] in (b"GIF89a", b"GIF87a")
    img = Image.open(io.BytesIO(data))
    assert img.format == "GIF" and img.n_frames == 5
    with pytest.raises(ValueError):
        ic.spectrum_animation(ts, snaps[:2], 0.1)
