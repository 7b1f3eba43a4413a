"""The study contract: what a theory-vs-simulation study declares.

A study module in `numerics/<paper>/studies/` defines `STUDY = Study(...)`; the runner
(`numerics.study.runner`) discovers it, so adding a study is adding a file. A study
declares:

- its **parameters**, a frozen dataclass (a subclass of [`numerics.study.Params`][]) whose
  defaults are the `paper` profile; `quick` and `smoke` are `dataclasses.replace` deltas
  of it, and an unknown key raises;
- its **checks**, as [`numerics.study.CheckSpec`][] rows (name, tolerance, reason), listed by
  `compare STUDY --help` without running anything;
- three pure functions, run in this order: `measure(config) -> Measurement` (all the
  computation), `checks(config, measurement) -> list[Check]` (tolerances are named
  constants in the study module, each with its reason) and
  `figures(config, measurement) -> {name: Figure}`.

Profiles: `quick` (the default; minutes on a 2-core CPU), `paper` (the full protocol; an
accelerator is recommended) and `smoke` (tiny sizes for the test suite: the same code path,
documented but not meant for results).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from numerics.core import Checkpoint, UsageError
from numerics.study._results import jsonable

__all__ = [
    "PROFILES",
    "Params",
    "CheckSpec",
    "Cost",
    "Measurement",
    "Option",
    "Study",
    "StudyConfig",
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
    """`x > 0` and finite."""
    _finite(name, x)
    if not x > 0:
        raise UsageError(f"{name}={x} is out of range; allowed: {name} > 0")
    return x


def nonnegative(name: str, x: float) -> float:
    """`x >= 0` and finite."""
    _finite(name, x)
    if not x >= 0:
        raise UsageError(f"{name}={x} is out of range; allowed: {name} >= 0")
    return x


def integer_at_least(lo: int) -> Callable[[str, int], int]:
    """Validator factory: an integer `>= lo`."""

    def check(name: str, x: int) -> int:
        if not x >= lo:
            raise UsageError(f"{name}={x} is out of range; allowed: integer {name} >= {lo}")
        return x

    return check


def in_range(lo: float, hi: float, *, closed_hi: bool = False) -> Callable[[str, float], float]:
    """Validator factory: `lo <= x < hi` (or `<= hi` when `closed_hi`)."""

    def check(name: str, x: float) -> float:
        _finite(name, x)
        ok = lo <= x <= hi if closed_hi else lo <= x < hi
        if not ok:
            rel = "<=" if closed_hi else "<"
            raise UsageError(f"{name}={x} is out of range; allowed: {lo} <= {name} {rel} {hi}")
        return x

    return check


def steps_cover_checkpoints(params: dict) -> None:
    """Raise `UsageError` if `params["steps"]` is below the last of `params["checkpoints"]`
    (a checkpoint after the last training step cannot be probed)."""
    steps, last = params["steps"], max(params["checkpoints"])
    if steps < last:
        raise UsageError(
            f"steps={steps} is out of range; allowed: steps >= {last}, the profile's last "
            f"checkpoint (checkpoints {tuple(params['checkpoints'])})"
        )


# ----------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Option:
    """A study parameter the CLI can override.

    `flag` is the command-line spelling (`--c-star`); `key` the parameter name in
    the config. `parse` turns one string into a value; `validate(key, value)` raises
    `UsageError`. `multiple` options may repeat and give a list (a grid).
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
            name = getattr(self.parse, "__name__", "")
            kind = (
                "an integer"
                if self.parse is int or "int" in name
                else "a number"
                if self.parse is float
                else (f"a valid {self.key.replace('_', ' ')}")
            )
            raise UsageError(f"{self.flag} {raw!r} is not {kind}; see --help for the allowed values") from None
        if self.validate is not None:
            self.validate(self.key, value)
        return value


# ----------------------------------------------------------------------------- parameters
class Params:
    """Base class of a study's parameters: subclass it as a frozen dataclass.

    The field defaults are the `paper` profile. Instances read like mappings
    (`params["N"]`, `params.keys()`) so that study code and the results writer can treat
    them uniformly; `as_dict()` gives a plain dictionary (tuples stay tuples).
    """

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]

    def items(self):
        return ((k, getattr(self, k)) for k in self.keys())

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.keys()}


@dataclass(frozen=True)
class CheckSpec:
    """A check a study makes, declared before anything runs.

    `name` is the check's name in `metrics.json`, with `{placeholders}` for the parts
    that depend on the profile's grid (`{gate}.slope_dev`); `tolerance` is the pass rule
    as text (`<= 0.02`, `in [0.06, 0.20]`); `reason` says why that tolerance.
    """

    name: str
    tolerance: str
    reason: str

    def matches(self, check_name: str) -> bool:
        """Whether a concrete check name is an instance of this declaration."""
        import re

        pattern = "".join(
            ".+?" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]*\})", self.name)
        )
        return re.fullmatch(pattern, check_name) is not None


@dataclass(frozen=True)
class Cost:
    """A study's estimated cost on this machine, stated before it runs.

    `seconds` and `peak_bytes` come from the study's cost model; `basis` says what the model
    is calibrated on (a measured rate, with the machine); `largest` names the largest size that
    fits in `available_bytes` (used in the message when the run would not fit).
    """

    seconds: float
    peak_bytes: float
    basis: str
    largest: str = ""


@dataclass
class Measurement:
    """What `measure` returns: the data its checks and figures need, and what is written.

    - `data`: anything the study's `checks` and `figures` read (not written to disk);
    - `series`: named arrays written to `series.npz`;
    - `summary`: JSON-able numbers written under `params.summary` in `metrics.json`;
    - `notes`: lines written to `metrics.json` and the report;
    - `extra_files`: other outputs by file name (e.g. GIF animations).
    """

    data: Any = None
    series: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_files: dict[str, bytes] = field(default_factory=dict)


# ----------------------------------------------------------------------------- study
@dataclass(frozen=True)
class StudyConfig:
    """Everything a study run depends on (its results are a function of this)."""

    study: str
    profile: str
    seed: int
    params: Any  # the study's Params dataclass instance
    progress: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"animate": True}
    work_dir: str | None = None  # where long studies keep their checkpoints (None: they keep none)
    resume: bool = False  # continue from the checkpoints in work_dir instead of starting afresh

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def checkpoint(self, name: str) -> Checkpoint | None:
        """The [`Checkpoint`][numerics.core.Checkpoint] `work_dir/name`, bound to this run's
        study, profile, seed and parameters (parts of any other run are cleared), or `None`
        when the run keeps no checkpoints. Without `resume` it starts empty."""
        if self.work_dir is None:
            return None
        key = json.dumps([self.study, self.profile, self.seed, jsonable(self.params.as_dict())], sort_keys=True)
        return Checkpoint(Path(self.work_dir) / name, key, resume=self.resume)


def _replace(base: Params, delta: Mapping[str, Any], where: str) -> Params:
    unknown = [k for k in delta if k not in base.keys()]
    if unknown:
        raise UsageError(f"unknown parameter {unknown[0]!r} for {where}; allowed: {', '.join(base.keys())}")
    return dataclasses.replace(base, **delta)  # type: ignore[type-var]


@dataclass(frozen=True)
class Study:
    """A registered study.

    **Attributes:**

    - `name`: CLI name (`integrator-rich`); `title`: one line for `list` and `--help`;
      `paper`: the paper registry key.
    - `params`: the `paper` profile, an instance of the study's [`Params`][numerics.study.Params]
      dataclass; `profiles`: the other profiles as deltas (`{"quick": {...}, "smoke": {...}}`),
      applied with `dataclasses.replace` (an unknown key raises at import).
    - `measure`, `checks`, `figures`: the three steps (module docstring).
    - `declared`: the [`CheckSpec`][numerics.study.CheckSpec] rows.
    - `options`: CLI overrides (each `key` is a field of `params`); `flags`: boolean switches
      (`{"animate": "help text"}`); `description`: the text of `compare STUDY --help`.
    - `validate`: optional cross-field check of a profile with overrides (raises `UsageError`).
    - `estimate`: optional cost model `estimate(params, available_bytes) -> Cost`; the CLI prints
      it before the run starts and refuses (exit 2) a run whose peak memory exceeds what is
      available.
    """

    name: str
    title: str
    paper: str
    params: Params
    profiles: Mapping[str, Mapping[str, Any]]
    measure: Callable[[StudyConfig], Measurement]
    checks: Callable[[StudyConfig, Measurement], list]
    figures: Callable[[StudyConfig, Measurement], dict]
    declared: Sequence[CheckSpec] = ()
    options: Sequence[Option] = ()
    description: str = ""
    flags: Mapping[str, str] = field(default_factory=dict)
    validate: Callable[[Any], None] | None = None
    estimate: Callable[[Any, float], Cost] | None = None

    def __post_init__(self) -> None:
        if not (dataclasses.is_dataclass(self.params) and isinstance(self.params, Params)):
            raise TypeError(f"study {self.name}: params must be an instance of a Params dataclass")
        if not self.params.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"study {self.name}: the Params dataclass must be frozen")
        for prof, delta in self.profiles.items():
            if prof == "paper" or prof not in _ALL_PROFILES:
                raise TypeError(f"study {self.name}: profile deltas are for {_ALL_PROFILES[1:]}, not {prof!r}")
            _replace(self.params, delta, f"profile {prof!r} of {self.name}")
        for opt in self.options:
            if opt.key not in self.params.keys():
                raise TypeError(f"study {self.name}: option {opt.flag} sets {opt.key!r}, which is not a parameter")

    @property
    def profile_names(self) -> tuple[str, ...]:
        return tuple(p for p in _ALL_PROFILES if p == "paper" or p in self.profiles)

    def profile_params(self, profile: str) -> Any:
        """The parameters of one profile (no overrides)."""
        if profile not in self.profile_names:
            raise UsageError(f"unknown profile {profile!r} for {self.name}; allowed: {', '.join(self.profile_names)}")
        if profile == "paper":
            return self.params
        return _replace(self.params, self.profiles[profile], f"profile {profile!r} of {self.name}")

    def config(
        self,
        profile: str = "quick",
        seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        progress: bool = True,
        options: Mapping[str, Any] | None = None,
    ) -> StudyConfig:
        """A profile's parameters with validated overrides."""
        params = _replace(self.profile_params(profile), dict(overrides or {}), f"study {self.name}")
        if self.validate is not None:
            self.validate(params)
        return StudyConfig(self.name, profile, int(seed), params, progress, dict(options or {}))

    def undeclared(self, check_names: Sequence[str]) -> list[str]:
        """The check names that match none of the study's `declared` rows."""
        return [n for n in check_names if not any(spec.matches(n) for spec in self.declared)]

    def run(self, config: StudyConfig):
        """measure → checks → figures, as a `StudyResult` (timing, seed and config bookkeeping
        are the runner's: `numerics.study.runner.run_study`). A check that the study did not
        declare is an error: `compare STUDY --help` must list every check a run can make."""
        from numerics.study._results import StudyResult

        m = self.measure(config)
        checks = list(self.checks(config, m))
        missing = self.undeclared([c.name for c in checks])
        if missing:
            raise RuntimeError(f"study {self.name} made checks it does not declare: {', '.join(missing)}")
        figures = dict(self.figures(config, m))
        params = config.params.as_dict() | ({"summary": m.summary} if m.summary else {})
        return StudyResult(
            self.name,
            config.profile,
            checks,
            params,
            dict(m.series),
            figures,
            seed=config.seed,
            notes=list(m.notes),
            extra_files=dict(m.extra_files),
        )
