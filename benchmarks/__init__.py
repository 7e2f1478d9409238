"""Benchmarks: each one ``uv run python -m benchmarks.NAME`` (see the README's Benchmarks)."""
