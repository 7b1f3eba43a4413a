"""The paper registry: one row per paper the toolkit reproduces.

Adding a paper means adding one row here, a theory module `theory/<key>` (with an
`equations()` function) and a numerics package `numerics/<key>/` with its `studies/`
(and, optionally, `benchmarks/`). Everything else (the equation registry, study and
benchmark discovery, the layering tests, the documentation tables) reads this table.

| field | meaning |
|---|---|
| `key` | short name: theory module, numerics package and study-name prefix |
| `title` | the paper's subject, as the toolkit calls it |
| `citation` | authors and arXiv identifier |
| `depends_on` | other papers' numerics packages this paper's numerics may import |
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Paper", "PAPER_TABLE", "paper_keys", "get_paper"]


@dataclass(frozen=True)
class Paper:
    """One row of the paper registry."""

    key: str
    title: str
    citation: str
    depends_on: tuple[str, ...] = ()


#: The papers, in the order their equations and studies are listed.
PAPER_TABLE: tuple[Paper, ...] = (
    Paper("integrator", "Learning to integrate", "Bordelon, Cotler, Pehlevan, Zavatone-Veth, arXiv:2503.18754"),
    Paper("gating", "Time-scale coupling", "Livi, arXiv:2508.12121"),
    # The anti-collapse networks are gated cells: numerics.anticollapse imports numerics.gating.
    Paper("anticollapse", "Anti-collapse dynamics", "Livi, arXiv:2606.29519", depends_on=("gating",)),
)


def paper_keys() -> tuple[str, ...]:
    """The registered paper keys, in registry order."""
    return tuple(p.key for p in PAPER_TABLE)


def get_paper(key: str) -> Paper:
    """The registry row of one paper; `KeyError` naming the allowed keys otherwise."""
    for p in PAPER_TABLE:
        if p.key == key:
            return p
    raise KeyError(f"unknown paper {key!r}; allowed: {', '.join(paper_keys())}")
