"""The integrator studies: one module per study, each defining `STUDY`; discovered by
`numerics.study.runner`."""
