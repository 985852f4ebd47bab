"""Benchmarks of ecny-sim (`make bench` runs `python -m benchmarks.run`; results in benchmarks/RESULTS.md)."""
