"""Theory-vs-simulation studies: one module per study, discovered automatically.

A study module defines ``STUDY = Study(...)``. :func:`all_studies` imports every
module of this package and collects their ``STUDY`` objects, so adding a study is
adding a file (no shared list to edit). A study's ``run(config)`` is a pure
function of its :class:`StudyConfig` (profile, seed, parameters) and returns a
:class:`numerics.results.StudyResult`; writing files is the caller's job.

Profiles: ``quick`` (default; minutes on a 2-core CPU), ``paper`` (the full
protocol, GPU recommended) and ``smoke`` (tiny sizes used by the test-suite; the
same code path, not listed as a user profile).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from numerics.errors import UsageError

__all__ = [
    "PROFILES",
    "Option",
    "Study",
    "StudyConfig",
    "UsageError",
    "all_studies",
    "get_study",
    "positive",
    "nonnegative",
    "integer_at_least",
    "in_range",
    "steps_cover_checkpoints",
]

PROFILES: tuple[str, ...] = ("quick", "paper")
_ALL_PROFILES: tuple[str, ...] = PROFILES + ("smoke",)


# ----------------------------------------------------------------------------- validators
def _finite(name: str, x: float) -> float:
    if not math.isfinite(x):
        raise UsageError(f"{name}={x} is not finite; give a finite number")
    return x


def positive(name: str, x: float) -> float:
    """``x > 0`` and finite."""
    _finite(name, x)
    if not x > 0:
        raise UsageError(f"{name}={x} is out of range; allowed: {name} > 0")
    return x


def nonnegative(name: str, x: float) -> float:
    """``x >= 0`` and finite."""
    _finite(name, x)
    if not x >= 0:
        raise UsageError(f"{name}={x} is out of range; allowed: {name} >= 0")
    return x


def integer_at_least(lo: int) -> Callable[[str, int], int]:
    """Validator factory: an integer ``>= lo``."""

    def check(name: str, x: int) -> int:
        if not x >= lo:
            raise UsageError(f"{name}={x} is out of range; allowed: integer {name} >= {lo}")
        return x

    return check


def in_range(lo: float, hi: float, *, closed_hi: bool = False) -> Callable[[str, float], float]:
    """Validator factory: ``lo <= x < hi`` (or ``<= hi`` when ``closed_hi``)."""

    def check(name: str, x: float) -> float:
        _finite(name, x)
        ok = lo <= x <= hi if closed_hi else lo <= x < hi
        if not ok:
            rel = "<=" if closed_hi else "<"
            raise UsageError(f"{name}={x} is out of range; allowed: {lo} <= {name} {rel} {hi}")
        return x

    return check


def steps_cover_checkpoints(params: dict) -> None:
    """Raise :class:`UsageError` if ``params["steps"]`` is below the last of ``params["checkpoints"]``
    (a checkpoint after the last training step cannot be probed)."""
    steps, last = params["steps"], max(params["checkpoints"])
    if steps < last:
        raise UsageError(f"steps={steps} is out of range; allowed: steps >= {last}, the profile's last "
                         f"checkpoint (checkpoints {tuple(params['checkpoints'])})")


# ----------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Option:
    """A study parameter the CLI can override.

    ``flag`` is the command-line spelling (``--c-star``); ``key`` the parameter name in
    the config. ``parse`` turns one string into a value; ``validate(key, value)`` raises
    :class:`UsageError`. ``multiple`` options may repeat and give a list (a grid).
    """

    key: str
    flag: str
    parse: Callable[[str], Any]
    help: str
    validate: Callable[[str, Any], Any] | None = None
    multiple: bool = True
    metavar: str = "X"

    def convert(self, raw: str) -> Any:
        try:
            value = self.parse(raw)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, UsageError):
                raise
            raise UsageError(f"{self.flag} {raw!r} is not a valid {self.metavar}: {exc}") from None
        if self.validate is not None:
            self.validate(self.key, value)
        return value


# ----------------------------------------------------------------------------- study
@dataclass(frozen=True)
class StudyConfig:
    """Everything a study run depends on (its results are a function of this)."""

    study: str
    profile: str
    seed: int
    params: Mapping[str, Any]
    progress: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"animate": True}

    def __getitem__(self, key: str) -> Any:
        return self.params[key]


@dataclass(frozen=True)
class Study:
    """A registered study.

    Attributes:
        name: CLI name (``integrator-rich``).
        title: one line for ``list`` and ``--help``.
        paper: source paper key (``integrator``, ``gating``, ``anticollapse``).
        profiles: ``{profile: {param: value}}`` for ``quick``, ``paper`` and ``smoke``.
        run: ``run(config) -> StudyResult``.
        options: CLI overrides.
        description: longer text shown by ``compare STUDY --help``.
        flags: boolean CLI switches (``{"animate": "help text"}``).
    """

    name: str
    title: str
    paper: str
    profiles: Mapping[str, Mapping[str, Any]]
    run: Callable[[StudyConfig], Any]
    options: Sequence[Option] = ()
    description: str = ""
    flags: Mapping[str, str] = field(default_factory=dict)

    def config(
        self,
        profile: str = "quick",
        seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        progress: bool = True,
        options: Mapping[str, Any] | None = None,
    ) -> StudyConfig:
        """Merge a profile's parameters with validated overrides."""
        if profile not in self.profiles:
            raise UsageError(
                f"unknown profile {profile!r} for {self.name}; allowed: "
                f"{', '.join(p for p in _ALL_PROFILES if p in self.profiles)}"
            )
        params = dict(self.profiles[profile])
        for key, value in (overrides or {}).items():
            if key not in params and key not in {o.key for o in self.options}:
                raise UsageError(f"unknown parameter {key!r} for study {self.name}")
            params[key] = value
        return StudyConfig(self.name, profile, int(seed), params, progress, dict(options or {}))


def all_studies() -> dict[str, Study]:
    """Every study, keyed by name, in a stable order (paper, then module order)."""
    import numerics.studies as pkg

    found: list[Study] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"numerics.studies.{info.name}")
        study = getattr(mod, "STUDY", None)
        if isinstance(study, Study):
            found.append(study)
    order = {"integrator": 0, "gating": 1, "anticollapse": 2}
    found.sort(key=lambda s: (order.get(s.paper, 9), s.name))
    return {s.name: s for s in found}


def get_study(name: str) -> Study:
    studies = all_studies()
    if name not in studies:
        raise UsageError(f"unknown study {name!r}; allowed: {', '.join(studies) or '(none)'}")
    return studies[name]
