"""Benchmarks: each path measured against the physical floor in the same run (python -m bench)."""
