"""The viewer as users start it (``python -m desktop``, i.e. ``touchline``), from outside.

Cold start: from just before the process is spawned to the first paint of the scoreboard
after the first snapshot from the stream (the viewer runs under
:mod:`benchmarks.viewer.run_marked`, which prints a mark at that paint; both ends on
``time.monotonic()``). Each run gets fresh settings,
so no saved scoreboard is shown first. RSS and CPU come from ``/proc``: CPU as the sum of
every thread's ``schedstat`` run time (nanoseconds, where ``/proc/PID/stat`` counts 10 ms
ticks), wakeups as voluntary context switches.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.viewer.run_marked import MARK

ROOT = Path(__file__).resolve().parents[2]


class ViewerProcess:
    """``python -m desktop ARGS`` offscreen, with the benchmark's marks (through
    :mod:`benchmarks.viewer.run_marked`) and settings of its own."""

    def __init__(self, *args: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="tl-viewer-")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "XDG_CONFIG_HOME": self._dir.name,
               "TOUCHLINE_SETTINGS": str(Path(self._dir.name) / "touchline.ini")}  # fmt: skip
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.marks: dict[str, float] = {}
        self.lines: list[str] = []
        self._marked: queue.Queue[str] = queue.Queue()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.viewer.run_marked", *args],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            parts = line.split()
            if len(parts) == 3 and parts[0] == MARK:
                self.marks[parts[1]] = float(parts[2]) - self.started
                self._marked.put(parts[1])
        self._marked.put("")  # the process ended

    def wait_mark(self, label: str, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while label not in self.marks:
            try:
                if self._marked.get(timeout=max(0.01, deadline - time.monotonic())) == "":
                    raise RuntimeError("viewer exited:\n" + "\n".join(self.lines[-20:]))
            except queue.Empty:
                raise TimeoutError(f"no {label} mark:\n" + "\n".join(self.lines[-20:])) from None
        return self.marks[label]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()  # the app quits in order on SIGTERM
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._dir.cleanup()
        return self.proc.returncode

    def __enter__(self) -> ViewerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- /proc ---------------------------------------------------------------------------------

    def rss_kb(self) -> int:
        return _status_field(self.proc.pid, "VmRSS")

    def cpu_s(self) -> float:
        """CPU time of all live threads, from schedstat (ns)."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def wakeups(self) -> int:
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for line in (task / "status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        return total


def _status_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def cold_start(args: tuple[str, ...], runs: int) -> list[dict[str, float]]:
    """``runs`` fresh starts; per run the seconds to the window's and the board's first paint."""
    out = []
    for _ in range(runs):
        with ViewerProcess(*args) as viewer:
            viewer.wait_mark("snapshot-painted", 60)
            out.append(dict(viewer.marks))
    return out


def rss_after(url: str, seconds: float) -> dict[str, int]:
    """The viewer's RSS after following ``url`` (a live feed) for ``seconds``."""
    with ViewerProcess("--server", url) as viewer:
        viewer.wait_mark("snapshot-painted", 60)
        time.sleep(seconds)
        return {"rss_kb": viewer.rss_kb(), "hwm_kb": _status_field(viewer.proc.pid, "VmHWM")}


def idle_cpu(url: str, seconds: float, settle: float = 3.0) -> dict[str, float]:
    """CPU share of one core and wakeups per second while ``url``'s stream is quiet."""
    with ViewerProcess("--server", url) as viewer:
        viewer.wait_mark("snapshot-painted", 60)
        time.sleep(settle)
        cpu0, wake0, t0 = viewer.cpu_s(), viewer.wakeups(), time.monotonic()
        time.sleep(seconds)
        cpu, wake, wall = viewer.cpu_s() - cpu0, viewer.wakeups() - wake0, time.monotonic() - t0
        return {"cpu_pct": 100 * cpu / wall, "cpu_ms": cpu * 1000, "wakeups_per_s": wake / wall,
                "seconds": wall}  # fmt: skip
