"""Where a server's time goes during one phase of a fan-out run: py-spy samples, summarised.

``py-spy record --native`` (so the cyclic GC shows up as its own C frames; native stacks need
the blocking mode, which pauses the server briefly per sample) attaches to the
server for one phase and writes collapsed stacks; ``top`` turns them into the functions with
the most samples, on their own (self) and with what they call (total).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

RATE = 200  # samples a second: enough for phases of a few seconds, cheap for the server
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


class Recorder:
    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                *("py-spy", "record", "--pid", str(pid), "--rate", str(RATE), "--native"),
                *("--format", "raw", "--output", str(out)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.5)  # attached before the phase starts

    def stop(self) -> Path:
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        if not self.out.exists():
            raise RuntimeError(f"py-spy wrote no profile: {err.strip()}")
        return self.out


def _name(frame: str) -> str:
    found = _FRAME.match(frame)
    if not found:
        return frame
    where = found.group("file").rsplit("/site-packages/", 1)[-1].rsplit("/work/main/", 1)[-1]
    return f"{found.group('func')} ({where})"


def _idle(frames: list[str]) -> bool:
    """A thread waiting (a lock, a queue, epoll): py-spy's native mode samples it anyway."""
    leafish = " ".join(frames[-4:])
    return "PyThread_acquire_lock" in leafish or "epoll_pwait" in frames[-1]


_OUTER = (
    "<module>",
    "main (server/__main__.py)",
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "uvicorn/server.py",
    "uvicorn/_compat",
)


def top(path: Path, count: int = 12) -> str:
    """The busiest functions of one recording, as shares of the busy samples: on their own
    (self), with their callees (total, Python frames only) and the cyclic GC with the
    allocation that set it off."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    gc_sites: Counter[str] = Counter()
    busy = gc = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        raw = stack.split(";")
        if _idle(raw):
            continue
        frames = [_name(f) for f in raw]
        busy += int(n)
        own[frames[-1]] += int(n)
        python = [f for f in frames if ".py)" in f and not any(o in f for o in _OUTER)]
        for name in set(python):
            total[name] += int(n)
        if any(f.startswith("gc_collect_main") for f in frames):
            gc += int(n)
            gc_sites[python[-1] if python else "?"] += int(n)
    if not busy:
        return f"{path.name}: no busy samples"

    def share(c: int) -> str:
        return f"{100 * c / busy:5.1f}%"

    lines = [f"{path.name}: {busy} busy samples ({busy / RATE:.1f} s at {RATE}/s)"]
    lines.append(f"  cyclic GC (gc_collect_main): {share(gc).strip()}, set off in:")
    lines += [f"    {share(c)}  {site}" for site, c in gc_sites.most_common(4)]
    lines.append("  self:")
    lines += [f"    {share(c)}  {name}" for name, c in own.most_common(count)]
    lines.append("  total (Python frames, with callees):")
    lines += [f"    {share(c)}  {name}" for name, c in total.most_common(count)]
    return "\n".join(lines)
