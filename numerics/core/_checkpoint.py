r"""Checkpoints of long computations, so that an interrupted run resumes where it stopped.

A [`Checkpoint`][numerics.core.Checkpoint] is a directory of numbered parts. Each part is one
`.npz` file holding the leaves of a pytree of arrays; it is written to a temporary name and
renamed, so a part on disk is always complete (an interrupt or a full disk never leaves a
truncated part). A part is read back into the structure of a *template* pytree, which the
caller always has (the initial state of the computation), so no pickling is involved.

A checkpoint is bound to a *fingerprint*, a string naming everything the computation's results
depend on (profile, seed, parameters). A checkpoint with another fingerprint is cleared before
use: a resumed run never mixes parts of two different computations.

| code name | meaning |
|---|---|
| `root` | directory of the parts (created on first use) |
| `fingerprint` | what the stored parts were computed from |
| `part` | one saved pytree, addressed by a name (`"state"`, `"seg-0003"`) |
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np

__all__ = ["Checkpoint"]

_META = "checkpoint.json"


class Checkpoint:
    """A directory of complete, named pytree parts bound to a fingerprint.

    `Checkpoint(root, fingerprint, resume=False)` starts empty (any earlier parts are removed);
    with `resume=True` it keeps the parts of an earlier run with the same fingerprint and clears
    those of any other."""

    def __init__(self, root: str | os.PathLike[str], fingerprint: str, *, resume: bool = False) -> None:
        self.root = Path(root)
        self.fingerprint = str(fingerprint)
        meta = self.root / _META
        same = resume and meta.exists() and json.loads(meta.read_text()).get("fingerprint") == self.fingerprint
        if not same and self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        if not meta.exists():
            _atomic_write_text(meta, json.dumps({"fingerprint": self.fingerprint}))

    def child(self, name: str) -> Checkpoint:
        """A sub-checkpoint (its own directory) with the same fingerprint and resume state."""
        return Checkpoint(self.root / name, self.fingerprint, resume=True)

    def has(self, name: str) -> bool:
        """Whether the part `name` is on disk (complete)."""
        return (self.root / f"{name}.npz").exists()

    def save(self, name: str, tree: Any) -> None:
        """Write the leaves of `tree` (arrays or scalars) as part `name`, atomically."""
        leaves = [np.asarray(jax.random.key_data(x) if _is_key(x) else x) for x in jax.tree.leaves(tree)]
        path = self.root / f"{name}.npz"
        tmp = path.with_suffix(".npz.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, *leaves)
        os.replace(tmp, path)

    def load(self, name: str, template: Any) -> Any:
        """Part `name` in the structure of `template` (leaf count and shapes must match)."""
        leaves, treedef = jax.tree.flatten(template)
        leaves = [jax.random.key_data(x) if _is_key(x) else x for x in leaves]
        with np.load(self.root / f"{name}.npz") as z:
            stored = [z[f"arr_{i}"] for i in range(len(z.files))]
        if len(stored) != len(leaves) or any(np.shape(a) != np.shape(b) for a, b in zip(stored, leaves, strict=True)):
            raise ValueError(f"checkpoint part {self.root / name} does not match the structure of this computation")
        keys = [_is_key(x) for x in jax.tree.leaves(template)]
        return jax.tree.unflatten(treedef, [jax.random.wrap_key_data(a) if k else a for a, k in zip(stored, keys)])

    def save_arrays(self, name: str, arrays: dict[str, Any]) -> None:
        """Write named arrays as part `name`, atomically (read back with `load_arrays`)."""
        path = self.root / f"{name}.npz"
        tmp = path.with_suffix(".npz.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, **{k: np.asarray(v) for k, v in arrays.items()})
        os.replace(tmp, path)

    def load_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The named arrays of part `name`."""
        with np.load(self.root / f"{name}.npz") as z:
            return {k: z[k] for k in z.files}

    def memo(self, name: str, compute: Callable[[], list[dict[str, Any]] | None]) -> list[dict[str, Any]] | None:
        """A list of dicts of arrays: part `name` if it is on disk, else `compute()` (saved when
        it is not `None`). Scalars come back as 0-d arrays; values are the saved float64 bits."""
        if self.has(name):
            a = self.load_arrays(name)
            n = int(a.pop("__rows"))
            return [{k.split("::", 1)[1]: v for k, v in a.items() if k.split("::", 1)[0] == str(i)} for i in range(n)]
        rows = compute()
        if rows is not None:
            self.save_arrays(
                name, {"__rows": len(rows)} | {f"{i}::{k}": v for i, r in enumerate(rows) for k, v in r.items()}
            )
        return rows

    def remove(self, name: str) -> None:
        """Delete part `name` if present."""
        (self.root / f"{name}.npz").unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every part (the run completed and its outputs are written)."""
        shutil.rmtree(self.root, ignore_errors=True)


def _is_key(x: Any) -> bool:
    """A typed PRNG key array (stored as its raw key data)."""
    return hasattr(x, "dtype") and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
