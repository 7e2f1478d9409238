"""A server with every cyclic-GC pause recorded, for ``benchmarks.fanout --gc``.

    python -m benchmarks.fanout.gcwatch OUT.json MODULE [options]

(MODULE: server, benchmarks.fanout.refs.peer)

Runs ``python -m MODULE options`` in this process; a ``gc.callbacks`` hook (the server's code
is untouched) records each collection as ``[start, generation, seconds, collected]`` with
``time.monotonic()`` starts, comparable with the benchmark's own clock, and writes them to
OUT.json when the server exits. SIGUSR1 prints how many objects the GC tracks right now
(``gcwatch tracked N`` on stderr): slow with many objects, for one-off looks only. SIGUSR2
runs a full collection now, then glibc's ``malloc_trim(0)`` (``gcwatch collected N in S s;
RSS ...``): what memory a collection at a quiet moment would give back, with and without
the trim.
"""

from __future__ import annotations

import ctypes
import gc
import json
import runpy
import signal
import sys
import time
from pathlib import Path


def rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


class Watch:
    def __init__(self) -> None:
        self.pauses: list[tuple[float, int, float, int]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.monotonic()
        else:
            took = time.monotonic() - self._started
            self.pauses.append((self._started, info["generation"], took, info["collected"]))


def main() -> None:
    out, module, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    watch = Watch()
    gc.callbacks.append(watch)

    def tracked(signum: int, frame: object) -> None:
        print(f"gcwatch tracked {len(gc.get_objects())}", file=sys.stderr, flush=True)

    def save() -> None:
        if watch in gc.callbacks:
            gc.callbacks.remove(watch)
            out.write_text(json.dumps(watch.pauses))

    def stopped(signum: int, frame: object) -> None:
        save()
        raise SystemExit(0)

    def collect(signum: int, frame: object) -> None:
        started = time.monotonic()
        found = gc.collect()
        took = time.monotonic() - started
        collected_rss = rss_kb()
        trim = ctypes.CDLL(None).malloc_trim  # glibc: hand free heap pages back to the OS
        trim(0)
        print(
            f"gcwatch collected {found} in {took:.3f} s; RSS {collected_rss} kB, "
            f"{rss_kb()} kB after malloc_trim(0)",
            file=sys.stderr,
            flush=True,
        )

    signal.signal(signal.SIGUSR1, tracked)
    signal.signal(signal.SIGUSR2, collect)
    # uvicorn handles SIGTERM itself, then raises it again with the previous handler back in
    # place once the server has stopped: that handler is this one.
    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    sys.argv = [module, *argv]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        save()


if __name__ == "__main__":
    main()
