"""Benchmark modules for ``rnn-timescales bench`` (discovered by :mod:`numerics.bench`).

Each module defines ``BENCHMARKS: tuple[numerics.bench.Benchmark, ...]``.
"""
