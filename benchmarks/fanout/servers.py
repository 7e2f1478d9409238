"""The servers the fan-out benchmark measures: how each is started, published to and read.

``touchline`` is the real ``touchline-server`` (durable store on, as users run it); ``peer``
and ``limit`` are the references in ``benchmarks.fanout.refs``. Each is a subprocess that logs
"listening on URL"; its RSS and CPU time are read from ``/proc/PID``.

``redis`` and ``redis2`` are one and two touchline-servers sharing a redis-server (Debian's,
``--broker``; AOF with an fsync per write, as docs/operations.md asks), measured as one
server (:class:`Group`): the subscribers spread evenly over the servers, each goal published
through the first, RSS added up over the servers and CPU time over the servers and Redis.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.fanout.rawhttp import Http
from server.runtime.gc_policy import MIN_LEFT
from server.wire import MatchEvent, Score

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("touchline", "peer", "limit")
#: touchline on Redis: one server, and two sharing the subscribers.
REDIS_KINDS = ("redis", "redis2")
ALL_KINDS = KINDS + REDIS_KINDS
_LISTENING = re.compile(r"listening on http://([^:/\s]+):(\d+)")
_TICK = os.sysconf("SC_CLK_TCK")
PLAYER = "Santiago Giménez"
GAVE_BACK = "(0 still open) in "  # touchline's GC policy: "collected after N streams left ..."


@dataclass
class Server:
    kind: str
    proc: subprocess.Popen[str]
    token: str
    host: str = ""
    port: int = 0
    lines: list[str] = field(default_factory=list)
    http: Http | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def targets(self) -> list[tuple[str, int]]:
        """Where subscribers connect."""
        return [(self.host, self.port)]

    def log_lines(self) -> list[str]:
        """What the server logged so far."""
        return self.lines

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            found = _LISTENING.search(line)
            if found and not self.port:
                self.host, self.port = found.group(1), int(found.group(2))
                self._ready.set()
        self._ready.set()

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]

    def cpu_seconds(self) -> float:
        """CPU time of every live thread of the process so far, in ns precision (schedstat);
        /proc/PID/stat's user+system (10 ms ticks) if schedstat is missing."""
        try:
            tasks = Path(f"/proc/{self.proc.pid}/task").iterdir()
            return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks) / 1e9
        except (OSError, ValueError):
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            return (int(fields[11]) + int(fields[12])) / _TICK

    def collect(self, timeout: float = 60) -> str:
        """Under gcwatch: a full collection now; returns gcwatch's line about it."""
        return self._signal(signal.SIGUSR2, "gcwatch collected", timeout)

    def _signal(self, sig: int, answer: str, timeout: float) -> str:
        seen = len(self.lines)
        self.proc.send_signal(sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.subscribers()  # wakes the loop, so the signal's handler runs
            for line in self.lines[seen:]:
                if line.startswith(answer):
                    return line
            time.sleep(0.05)
        raise TimeoutError(f"{self.kind}: no answer to {signal.Signals(sig).name}")

    def tracked(self, timeout: float = 60) -> int:
        """Under gcwatch: how many objects the GC tracks now."""
        return int(self._signal(signal.SIGUSR1, "gcwatch tracked", timeout).split()[2])

    def subscribers(self) -> int:
        assert self.http is not None
        return self.http.request("GET", "/healthz")[1]["subscribers"]

    def wait_subscribers(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.subscribers() == count:
                return True
            time.sleep(0.05)
        return False

    def gave_back(self) -> int:
        """touchline: how often it has handed memory back with no stream left open."""
        return sum(GAVE_BACK in line for line in self.lines)

    def wait_gave_back(self, seen: int, crowd: int, timeout: float) -> None:
        """touchline: until it gives memory back after the whole crowd left (its GC policy
        does at the first quiet moment, 5 s after the latest publish); the references do
        nothing of the kind, so they are measured as they are."""
        if crowd < MIN_LEFT:  # too few to be worth a collection: touchline leaves them be
            return
        deadline = time.monotonic() + timeout
        while self.kind == "touchline" and self.gave_back() <= seen:
            if time.monotonic() > deadline:
                raise TimeoutError("touchline gave no memory back after the crowd left")
            time.sleep(0.1)

    def setup(self, backlog: int = 0) -> None:
        """One match and its kick-off (for the references, one event): publishing warmed up.

        ``backlog``: touchline then publishes that many clock ticks, so its history is as
        full as a server's that has been running for a while (the references keep none)."""
        if self.kind not in ("peer", "limit"):  # touchline, on either store
            match = {"id": "bench", "competition": "Benchmark Cup", "home": "Mexico"}
            self._check(self._post("/api/matches", {**match, "away": "South Africa"}))
            self._check(self._post("/api/matches/bench/events", {"type": "kickoff"}))
            for k in range(backlog):
                tick = {"type": "clock", "minute": 1 + k % 89}
                self._check(self._post("/api/matches/bench/events", tick))
        else:
            self._check(self._post("/publish", ref_event("kickoff", 0)))

    def publish_goal(self, k: int) -> tuple[str, float]:
        """Goal number ``k`` (1, 2, ...): its event id, and when its POST went out."""
        team = "home" if k % 2 else "away"
        if self.kind not in ("peer", "limit"):  # touchline, on either store
            body = {"type": "goal", "team": team, "minute": k, "player": PLAYER}
            answer = self._post("/api/matches/bench/events", body)
        else:
            answer = self._post("/publish", ref_event("goal", k))
        assert self.http is not None
        return self._check(answer)["id"], self.http.sent_at

    def _post(self, path: str, body: dict) -> tuple[int, Any]:
        assert self.http is not None
        return self.http.request("POST", path, body, token=self.token)

    def _check(self, answer: tuple[int, Any]) -> Any:
        status, body = answer
        if status not in (200, 201):
            raise RuntimeError(f"{self.kind}: publish answered {status}: {body}")
        return body

    def stop(self) -> None:
        if self.http:
            self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ref_event(kind: str, k: int) -> dict[str, Any]:
    """The references' event body: touchline's MatchEvent (less the id they give it)."""
    home, away = (k + 1) // 2, k // 2
    text = "Kick-off" if kind == "kickoff" else f"Goal! {PLAYER} for Mexico, Mexico {home}–{away}"
    event = MatchEvent(
        id="",
        type=kind,
        match="bench",
        minute=k,
        team=None if kind == "kickoff" else ("home" if k % 2 else "away"),
        player=None if kind == "kickoff" else PLAYER,
        text=text + " South Africa" if kind == "goal" else text,
        score=Score(home=home, away=away),
        status="live",
        at=datetime.now(UTC),
    )
    return event.model_dump(mode="json", exclude={"id"})


def touchline_options() -> list[str]:
    """Options this touchline-server has that would limit the benchmark, set out of the way."""
    shown = subprocess.run(
        [sys.executable, "-m", "server", "--help"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    extra = []
    if "--max-streams" in shown:
        extra += ["--max-streams", "1000000"]
    if "--publish-rate" in shown:  # the backlog is published as fast as the server takes it
        extra += ["--publish-rate", "1000000", "--publish-burst", "1000000"]
    return extra


def touchline_version() -> str:
    """Which server code is measured: the commit, and whether server/ differs from it."""

    def git(*args: str) -> str:
        found = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return found.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "server")
    return commit + (" + uncommitted changes in server/" if changed else "")


def start(
    kind: str, workdir: Path, token: str, extra: list[str] | None = None, gc_log: Path | None = None
) -> Server:
    """Starts a server and waits until it answers; with ``gc_log``, under gcwatch."""
    if kind in REDIS_KINDS:
        if gc_log:
            raise ValueError("--gc measures one process: not the Redis kinds")
        return Group.start(kind, workdir, token, extra or [])
    if kind == "touchline":
        argv = ["server", "--feed", "none", "--port", "0", f"--publish-token={token}"]
        store = [] if "--broker" in (extra or []) else ["--store", str(workdir / "b.sqlite3")]
        argv += [*store, *(extra or [])]
    else:
        argv = [f"benchmarks.fanout.refs.{kind}", "--port", "0", f"--token={token}"]
    argv = ["-m", "benchmarks.fanout.gcwatch", str(gc_log), *argv] if gc_log else ["-m", *argv]
    env = {k: v for k, v in os.environ.items() if k != "TOUCHLINE_PUBLISH_TOKEN"}
    env["XDG_DATA_HOME"] = str(workdir)  # nothing of the user's is touched
    proc = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    srv = Server(kind, proc, token)
    threading.Thread(target=srv._pump, daemon=True).start()
    if not srv._ready.wait(60) or not srv.port:
        srv.stop()
        raise RuntimeError(f"{kind} did not start:\n" + "\n".join(srv.lines))
    srv.http = Http(srv.host, srv.port)
    deadline = time.monotonic() + 30
    while True:
        try:
            srv.subscribers()
            return srv
        except OSError:
            srv.http.close()
            if time.monotonic() > deadline or proc.poll() is not None:
                srv.stop()
                raise RuntimeError(f"{kind} not answering:\n" + "\n".join(srv.lines)) from None
            time.sleep(0.05)


class Group(Server):
    """Several touchline-servers on one Redis, measured as one server (see the module's
    docstring). Goals are published through the first; its other figures add up."""

    def __init__(self, kind: str, redis: subprocess.Popen[str], members: list[Server]) -> None:
        first = members[0]
        super().__init__(kind, first.proc, first.token, first.host, first.port)
        self.http, self.redis, self.members = first.http, redis, members

    @classmethod
    def start(cls, kind: str, workdir: Path, token: str, extra: list[str]) -> Group:
        redis, url = start_redis(workdir)
        members: list[Server] = []
        try:
            for _ in range(2 if kind == "redis2" else 1):
                members.append(start("touchline", workdir, token, [*extra, "--broker", url]))
        except BaseException:
            for member in members:
                member.stop()
            stop_process(redis)
            raise
        return cls(kind, redis, members)

    @property
    def targets(self) -> list[tuple[str, int]]:
        return [(m.host, m.port) for m in self.members]

    def log_lines(self) -> list[str]:
        return [line for m in self.members for line in m.lines]

    def rss_kb(self) -> int:
        return sum(m.rss_kb() for m in self.members)

    def cpu_seconds(self) -> float:
        redis = Path(f"/proc/{self.redis.pid}/stat").read_text()
        fields = redis[redis.rindex(")") + 2 :].split()
        return (
            sum(m.cpu_seconds() for m in self.members) + (int(fields[11]) + int(fields[12])) / _TICK
        )

    def subscribers(self) -> int:
        return sum(m.subscribers() for m in self.members)

    def gave_back(self) -> int:
        return sum(m.gave_back() for m in self.members)

    def wait_gave_back(self, seen: int, crowd: int, timeout: float) -> None:
        # Each server gives memory back once its share of the crowd has left.
        share = crowd // len(self.members)
        if share < MIN_LEFT:
            return
        deadline = time.monotonic() + timeout
        while self.gave_back() < seen + len(self.members):
            if time.monotonic() > deadline:
                raise TimeoutError("touchline gave no memory back after the crowd left")
            time.sleep(0.1)

    def collect(self, timeout: float = 60) -> str:
        raise NotImplementedError("--gc measures one process")

    def tracked(self, timeout: float = 60) -> int:
        raise NotImplementedError("--gc measures one process")

    def stop(self) -> None:
        for member in self.members:
            member.stop()
        stop_process(self.redis)


def start_redis(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    """A redis-server on a free loopback port, its files in ``workdir``; and its URL."""
    binary = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            binary,
            *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir)),
            *("--save", "", "--appendonly", "yes", "--appendfsync", "always"),
            *("--maxmemory-policy", "noeviction", "--protected-mode", "no"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "Ready to accept connections" in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep it drained
            return proc, f"redis://127.0.0.1:{port}/0"
    stop_process(proc)
    raise RuntimeError("redis-server did not start:\n" + "".join(seen))


def stop_process(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
