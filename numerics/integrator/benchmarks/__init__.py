"""The integrator benchmarks: one module per group, each defining `BENCHMARKS`; discovered by
`numerics.study.runner`."""
