"""Benchmarks (not run in CI). `make bench` runs them; results go to docs/benchmarks.md."""
