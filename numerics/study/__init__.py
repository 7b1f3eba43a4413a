"""The study contract: parameters, options and validators, results and checks, atomic output
and benchmarks. The registry and runner that discover studies live in
`numerics.study.runner`, above the paper packages.
"""

from ._bench import (
    Benchmark as Benchmark,
)
from ._bench import (
    BenchRow as BenchRow,
)
from ._bench import (
    compile_and_time as compile_and_time,
)
from ._bench import (
    format_table as format_table,
)
from ._bench import (
    run_benchmarks as run_benchmarks,
)
from ._bench import (
    time_call as time_call,
)
from ._contract import (
    PROFILES as PROFILES,
)
from ._contract import (
    CheckSpec as CheckSpec,
)
from ._contract import (
    Measurement as Measurement,
)
from ._contract import (
    Option as Option,
)
from ._contract import (
    Params as Params,
)
from ._contract import (
    Study as Study,
)
from ._contract import (
    StudyConfig as StudyConfig,
)
from ._contract import (
    in_range as in_range,
)
from ._contract import (
    integer_at_least as integer_at_least,
)
from ._contract import (
    nonnegative as nonnegative,
)
from ._contract import (
    positive as positive,
)
from ._contract import (
    steps_cover_checkpoints as steps_cover_checkpoints,
)
from ._results import (
    Check as Check,
)
from ._results import (
    StudyResult as StudyResult,
)
from ._results import (
    atomic_write_bytes as atomic_write_bytes,
)
from ._results import (
    atomic_write_text as atomic_write_text,
)
from ._results import (
    check_ge as check_ge,
)
from ._results import (
    check_in as check_in,
)
from ._results import (
    check_le as check_le,
)
from ._results import (
    check_true as check_true,
)
from ._results import (
    environment as environment,
)
from ._results import (
    jsonable as jsonable,
)
from ._results import (
    read_metrics as read_metrics,
)
from ._results import (
    write_report as write_report,
)
from ._results import (
    write_study as write_study,
)

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "Benchmark",
    "BenchRow",
    "Check",
    "check_ge",
    "check_in",
    "check_le",
    "check_true",
    "CheckSpec",
    "compile_and_time",
    "environment",
    "format_table",
    "in_range",
    "integer_at_least",
    "jsonable",
    "nonnegative",
    "Measurement",
    "Option",
    "Params",
    "positive",
    "PROFILES",
    "read_metrics",
    "run_benchmarks",
    "steps_cover_checkpoints",
    "Study",
    "StudyConfig",
    "StudyResult",
    "time_call",
    "write_report",
    "write_study",
]
