"""Memory that goes back to the system once a crowd of streams has left.

Every open stream holds memory. When a crowd of them closes, CPython frees their objects, but
its small-object allocator (pymalloc) hands an arena (1 MiB) back only when every object in
it is gone, and a few hundred long-lived objects made while the crowd connected are scattered
over dozens of arenas: RSS stayed far above a fresh server's, even after glibc's
``malloc_trim``. With ``PYTHONMALLOC=malloc`` every object comes from glibc's malloc, whose
``malloc_trim(0)`` releases each free 4 KiB page wherever it lies: RSS falls back close to a
fresh server's (the rest is sets and dicts kept at their largest size), at no cost measured
in delivery latency or CPU (benchmarks/fanout/bench.py; the figures are in
docs/performance.md).

The allocator is chosen before the interpreter starts, so ``touchline-server`` (and
``python -m server``, not ``main()`` called in-process) re-executes itself once with
``PYTHONMALLOC=malloc`` set: same pid, arguments and inherited descriptors. Only on glibc
(where ``malloc_trim`` exists), only when ``PYTHONMALLOC`` is unset (``PYTHONMALLOC=pymalloc``
keeps the default), and not under ``-X dev`` (its debug allocator), ``-E``/``-I`` (which
ignore the variable), a script read from stdin, or when ``sys.executable`` is not this very
binary.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable


def glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # not POSIX, or not glibc
        return False


def use_system_malloc() -> None:
    """Re-executes this process with ``PYTHONMALLOC=malloc`` (same pid, same arguments and
    file descriptors) unless it is set already or this is not glibc. Returns if it does not."""
    if os.environ.get("PYTHONMALLOC") or not glibc() or not sys.executable or not sys.orig_argv:
        return
    if sys.flags.dev_mode or sys.flags.ignore_environment:  # -X dev's debug allocator; -E/-I
        return
    if sys.orig_argv[1:2] == ["-"] or not _same_interpreter():  # a script read from stdin
        return
    os.environ["PYTHONMALLOC"] = "malloc"  # what the new image reads at its start
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, sys.orig_argv)
    except OSError:  # cannot re-execute (odd install): carry on with pymalloc
        del os.environ["PYTHONMALLOC"]


def _same_interpreter() -> bool:
    """``sys.executable`` is this very binary (a rewritten argv[0] can make Python name
    another interpreter found on PATH)."""
    try:
        return os.path.samefile(sys.executable, "/proc/self/exe")
    except OSError:
        return False


@functools.cache
def _find_trim() -> Callable[[int], int] | None:
    if not glibc():
        return None
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> bool:
    """Hands the heap's free pages back to the system (glibc ``malloc_trim(0)``); False where
    there is no such call. Takes milliseconds after a large crowd: call it when quiet."""
    trim = _find_trim()
    if trim is None:
        return False
    trim(0)
    return True
