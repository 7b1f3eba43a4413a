"""The documentation's runnable examples: every `docs/examples/*.py` runs to completion.

Each script runs in a fresh interpreter from the repository root, as a reader would run it
(`python docs/examples/quickstart.py`); the scripts use smoke sizes, so this stays fast. The
strict documentation build (`mkdocs build --strict`) runs in `.ci/run`, not here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))


def test_the_docs_have_examples():
    assert EXAMPLES, "no scripts in docs/examples/"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path):
    proc = subprocess.run(
        [sys.executable, str(script.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{script.name} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
