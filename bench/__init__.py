"""Benchmarks of mhsync: ``python -m bench [--quick]`` (method and figures: docs/benchmarks.md)."""
