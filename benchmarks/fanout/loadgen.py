"""Load generator: N SSE subscribers on raw asyncio sockets, in a process of its own.

    python -m benchmarks.fanout.loadgen --host H --port P --n N

``Loadgens`` (below) starts one or more of these processes for benchmarks.fanout and drives
them together. Each takes one JSON command a line on stdin and answers one JSON line on stdout:

- ``{"cmd": "connect"}``: opens N streams (``GET /live-scores``), at most ``--concurrency``
  still waiting for their snapshot at once; answers when each has its snapshot or failed.
- ``{"cmd": "wait", "goals": k, "timeout": s}``: answers once every connected subscriber has
  seen k goal frames (or the timeout passed).
- ``{"cmd": "report"}``: every goal frame's receipt times, by event id.
- ``{"cmd": "close"}``: closes every stream.

Times are ``time.monotonic()``: on Linux that is CLOCK_MONOTONIC, one clock for every
process, so the publisher's send time and these receipt times can be subtracted. While it
runs, ``data_received`` only stamps and keeps each chunk (and counts goal markers, cheaply, to
know when a goal is everywhere); frames are parsed after the run, so the generator's own work
stays out of the latencies as far as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.fanout.streamparse import parse

SNAPSHOT = b"event: snapshot"
GOAL = b"event: goal"
_KEEP = len(GOAL) - 1  # bytes kept from the previous chunk: a marker may straddle two
#: One load generator process holds at most this many streams (its own open-file limit).
PER_PROCESS = 15_000


def raise_nofile() -> int:
    """Raises the soft open-file limit to the hard one; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Subscriber(asyncio.Protocol):
    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.transport: asyncio.Transport | None = None
        self.chunks: list[tuple[float, bytes]] = []
        self.head = b""  # bytes before the snapshot arrived
        self.tail = b""
        self.goals = 0
        self.ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.gen.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.chunks.append((time.monotonic(), data))
        if not self.ready.done():
            self.head += data
            if SNAPSHOT in self.head:
                self.head = b""
                self.gen.ready_at = time.monotonic()
                self.ready.set_result(True)
            elif self.head.startswith(b"HTTP/") and not self.head.startswith(b"HTTP/1.1 200"):
                # Turned away (a 503 past the server's stream limit...): say which status.
                self.gen.errors[self.head.split(b"\r\n", 1)[0].decode("latin-1")] += 1
                self.ready.set_result(False)
                self.transport.close()  # type: ignore[union-attr]
        seen = self.tail + data
        self.tail = seen[-_KEEP:]
        for _ in range(seen.count(GOAL)):
            self.goals += 1
            self.gen.reached[self.goals] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.gen.errors["closed before snapshot"] += 1
            self.ready.set_result(False)
        elif self.ready.result() and not self.gen.closing:
            self.gen.dropped += 1


class Generator:
    def __init__(self, host: str, port: int, n: int, concurrency: int) -> None:
        self.host, self.port, self.n, self.concurrency = host, port, n, concurrency
        self.request = (
            f"GET /live-scores HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
        self.subscribers: list[Subscriber] = []
        self.reached: Counter[int] = Counter()  # goals seen -> subscribers that saw that many
        self.errors: Counter[str] = Counter()
        self.dropped = 0  # streams the server ended after the snapshot
        self.closing = False
        self.ready_at = 0.0

    async def connect(self, timeout: float) -> dict:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(self.concurrency)

        async def one() -> None:
            async with gate:
                try:
                    _, sub = await loop.create_connection(
                        lambda: Subscriber(self), self.host, self.port
                    )
                except OSError as exc:
                    self.errors[f"connect: {exc.strerror or type(exc).__name__}"] += 1
                    return
                self.subscribers.append(sub)
                await sub.ready

        started = time.monotonic()
        tasks = [asyncio.ensure_future(one()) for _ in range(self.n)]
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for t in pending:
            t.cancel()
        if pending:
            self.errors["no snapshot in time"] += len(pending)
            for sub in self.subscribers:
                if not sub.ready.done() and sub.transport is not None:
                    sub.ready.set_result(False)
                    sub.transport.close()
        connected = sum(1 for s in self.subscribers if s.ready.done() and s.ready.result())
        return {
            "connected": connected,
            "started": started,
            "last_ready": self.ready_at,
            "errors": dict(self.errors),
        }

    def connected(self) -> list[Subscriber]:
        return [s for s in self.subscribers if s.ready.done() and s.ready.result()]

    async def wait(self, goals: int, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        live = self.connected()
        while time.monotonic() < deadline:
            # Every connected subscriber has the goal, or lost its stream and never will.
            if self.reached[goals] + sum(1 for s in live if s.lost and s.goals < goals) >= len(
                live
            ):
                return {"ok": True}
            await asyncio.sleep(0.002)
        return {"ok": False}

    def report(self) -> dict:
        goals: dict[str, list[float]] = {}
        duplicates = bad = 0
        for sub in self.connected():
            got = parse(sub.chunks)
            if got.status != 200 or got.error:
                bad += 1
            seen = set()
            for when, kind, ident in got.frames:
                if kind != "goal":
                    continue
                if ident in seen:
                    duplicates += 1
                    continue
                seen.add(ident)
                goals.setdefault(ident, []).append(when)
        return {"goals": goals, "duplicates": duplicates, "bad": bad, "dropped": self.dropped}

    def close(self) -> dict:
        self.closing = True
        closed = 0
        for sub in self.subscribers:
            if sub.transport is not None and not sub.lost:
                sub.transport.close()
                closed += 1
        return {"closed": closed}


async def serve(gen: Generator) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        cmd = json.loads(line)
        if cmd["cmd"] == "connect":
            reply = await gen.connect(cmd.get("timeout", 120.0))
        elif cmd["cmd"] == "wait":
            reply = await gen.wait(cmd["goals"], cmd.get("timeout", 30.0))
        elif cmd["cmd"] == "report":
            reply = gen.report()
        elif cmd["cmd"] == "close":
            reply = gen.close()
            await asyncio.sleep(0)  # let the closes go out
        else:
            reply = {"error": f"unknown command {cmd['cmd']!r}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


class Loadgens:
    """One or more ``benchmarks.fanout.loadgen`` processes sharing the subscribers, spread
    evenly over ``targets`` (host, port): one server, or several acting as one (at least one
    process per target)."""

    def __init__(
        self, targets: list[tuple[str, int]], n: int, processes: int, concurrency: int
    ) -> None:
        processes = max(processes, len(targets))
        shares = [n // processes + (i < n % processes) for i in range(processes)]
        self.procs = [
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "benchmarks.fanout.loadgen", "--host", host),
                    *("--port", str(port), "--n", str(share)),
                    *("--concurrency", str(max(1, concurrency // processes))),
                ],
                cwd=Path(__file__).resolve().parents[2],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i, share in enumerate(shares)
            for host, port in [targets[i % len(targets)]]
        ]

    def ask(self, **cmd: Any) -> list[dict[str, Any]]:
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write(json.dumps(cmd) + "\n")
            p.stdin.flush()
        answers = []
        for p in self.procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            if not line:
                raise RuntimeError(f"load generator exited ({p.wait()}) during {cmd['cmd']}")
            answers.append(json.loads(line))
        return answers

    def stop(self) -> None:
        for p in self.procs:
            if p.stdin:
                p.stdin.close()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=500)
    args = p.parse_args(argv)
    raise_nofile()
    try:
        import uvloop

        runner = uvloop.run  # the servers run on uvloop too (uvicorn's "auto")
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(serve(Generator(args.host, args.port, args.n, args.concurrency)))


if __name__ == "__main__":
    main()
