"""Benchmarks: each one ``uv run python -m benchmarks.NAME`` (see docs/performance.md)."""
