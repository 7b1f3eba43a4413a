"""`numerics.core.Checkpoint` and resumable anti-collapse training."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from numerics.anticollapse import _diag_rnn as dl, _train as at
from numerics.core import Checkpoint


def test_round_trip_with_typed_keys_and_atomic_parts(tmp_path):
    tree = {"w": jnp.arange(6.0).reshape(2, 3), "key": jax.random.key(3), "n": jnp.asarray(7)}
    ck = Checkpoint(tmp_path / "c", "fp")
    ck.save("state", tree)
    back = ck.load("state", tree)
    assert np.array_equal(back["w"], tree["w"]) and int(back["n"]) == 7
    assert np.array_equal(jax.random.key_data(back["key"]), jax.random.key_data(tree["key"]))
    assert not list((tmp_path / "c").glob("*.tmp"))  # written under a temporary name, then renamed
    with pytest.raises(ValueError, match="does not match"):
        ck.load("state", {"w": jnp.zeros((3, 3)), "key": jax.random.key(0), "n": jnp.asarray(0)})


def test_resume_keeps_parts_of_the_same_run_only(tmp_path):
    Checkpoint(tmp_path, "run-a").save_arrays("seg-0000", {"x": np.ones(3)})
    assert Checkpoint(tmp_path, "run-a", resume=True).has("seg-0000")
    assert not Checkpoint(tmp_path, "run-b", resume=True).has("seg-0000")  # another run: cleared
    Checkpoint(tmp_path, "run-b").save_arrays("seg-0000", {"x": np.ones(3)})
    assert not Checkpoint(tmp_path, "run-b").has("seg-0000")  # no resume: starts empty


def _run(ck, steps):
    H, T, B = 12, 24, 4
    cfg = at.TrainConfig(optimizer="adam", batch=B, n_record=4)
    key = jax.random.key(0)
    x = jax.random.normal(key, (8, T, 3))
    y = jnp.cumsum(x[..., 0], axis=1) * 0.1
    state = at.stack_runs([at.init_state(dl.init_diag_lrnn(jax.random.fold_in(key, 1), H, 3), cfg, key)])
    arms = at.stack_runs([at.make_arm("alpha1.5")])

    def diagnose(params, arms_):
        return {"zeta": np.asarray(jax.vmap(dl.effective_nu)(params, arms_.shared))}

    perm = jnp.stack([jax.random.fold_in(key, 2)])
    return at.train(at.diag_model(), cfg, (x, y), state, arms, perm, steps, diagnose, checkpoint=ck)


def test_training_resumed_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path):
    steps = [0, 3, 6, 9, 12]
    ref = _run(None, steps)
    _run(Checkpoint(tmp_path, "t"), steps[:3])  # "interrupted" after two segments
    ck = Checkpoint(tmp_path, "t", resume=True)
    assert int(ck.load_arrays("progress")["segments"]) == 2
    got = _run(ck, steps)
    for a, b in [(ref.zeta, got.zeta), (ref.loss, got.loss), (ref.dzeta, got.dzeta), (ref.inc, got.inc)]:
        assert np.array_equal(a, b, equal_nan=True)
    for a, b in zip(jax.tree.leaves(ref.params), jax.tree.leaves(got.params)):
        assert np.array_equal(a, b)


def test_memo_computes_once_and_returns_the_saved_rows(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return [{"loss": np.linspace(0, 1, 5), "num_steps": 7}, {"loss": np.ones(5), "num_steps": 9}]

    first = Checkpoint(tmp_path, "m").memo("flow-a", compute)
    again = Checkpoint(tmp_path, "m", resume=True).memo("flow-a", compute)
    assert len(calls) == 1 and len(again) == 2
    for a, b in zip(first, again):
        assert np.array_equal(a["loss"], b["loss"]) and int(b["num_steps"]) == a["num_steps"]
    assert Checkpoint(tmp_path, "m").memo("flow-b", lambda: None) is None  # nothing saved for None
    assert not Checkpoint(tmp_path, "m", resume=True).has("flow-b")
