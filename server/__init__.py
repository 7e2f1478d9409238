"""Touchline's companion server: live football events over Server-Sent Events."""

from __future__ import annotations

import functools


@functools.cache
def _version() -> str:
    # importlib.metadata is slow to import: only when the version is asked for, so that the
    # server's re-execution (server/runtime/allocator.py) happens before it. The one
    # version lookup of both programs (the viewer's --version uses it too).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("touchline")
    except PackageNotFoundError:  # running from a tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
