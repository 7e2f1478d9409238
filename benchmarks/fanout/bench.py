"""Fan-out: how fast a goal reaches N subscribers, against two references, in one run.

    uv run python -m benchmarks.fanout [--n 1000,10000] [--goals 5] [--repeat 3]

For each N and each server -- ``touchline`` (the real touchline-server, durable store on),
``peer`` (the usual sse-starlette fan-out) and ``limit`` (raw asyncio, one pre-encoded frame
written to every transport), and with ``--servers`` also ``redis`` and ``redis2`` (one and two
touchline-servers on one Redis, the subscribers spread over them) -- a fresh server process,
then a load generator process (``benchmarks.fanout.loadgen``) opens N streams; this process
publishes P goals one after another (each once the previous one is everywhere) and measures:

- connect all: from the first connect until every subscriber has its snapshot;
- delivery latency p50/p99/max: from just before the publish POST to each subscriber's
  receipt; "last subscriber": per goal the latest receipt, median over the goals;
- deliveries missing: connected × P minus the goal frames received (each id once);
- RSS per subscriber: (server RSS with N connected − RSS before) / N;
- publish answered p50: from just before the publish POST to its 201;
- CPU per delivery: the server's user+system time over the publish phase / deliveries
  (for the Redis kinds: every server's and Redis's);
- RSS after leave: once the server counts no subscribers (and, for touchline, has given
  memory back at its first quiet moment), against RSS before.

Servers run in turn within each repeat (so noise from a shared machine spreads over all
three); the table shows medians and touchline/reference ratios. Before measuring, each server
gets its publish path warmed (a match and kick-off, or one event) and one stream opened and
closed, so first-use costs are not put on the subscribers.

Open files: this process raises its soft RLIMIT_NOFILE to the hard limit, which every server
and load generator inherits; one load generator holds at most 15,000 streams (more are split
over several). The publisher connects before the streams and keeps its connection alive, since
a server whose descriptors are all taken cannot accept it later; streams past a server's
limit are counted as connect failures by what they got (touchline's 503, or a reset).

``--gc`` runs touchline under ``benchmarks.fanout.gcwatch`` (GC pauses per phase, then a forced
collection), ``--cycles`` adds connect/leave waves (does RSS keep growing?), ``--profile``
adds one touchline run per N under py-spy and prints where its time went.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.fanout.loadgen import PER_PROCESS, Loadgens, raise_nofile
from benchmarks.fanout.profile import Recorder, top
from benchmarks.fanout.report import failed_run, figures, gc_figures, summary, table
from benchmarks.fanout.servers import (
    ALL_KINDS,
    KINDS,
    Server,
    start,
    touchline_options,
    touchline_version,
)


def warm_up(srv: Server) -> None:
    """One stream opened and closed on each server, so first-use costs are not put on the
    subscribers."""
    for host, port in srv.targets:
        with socket.create_connection((host, port), timeout=30) as s:
            s.sendall(f"GET /live-scores HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            got = b""
            while b"event: snapshot" not in got:
                more = s.recv(65536)
                if not more:
                    raise RuntimeError(f"{srv.kind}: stream closed before its snapshot")
                got += more
    if not srv.wait_subscribers(0, 30):
        raise RuntimeError(f"{srv.kind}: the warm-up stream is still counted")


def run_once(
    kind: str, n: int, goals: int, opts: argparse.Namespace, profile: Path | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tl-fanout-") as tmp:
        gc_log = Path(tmp) / "gc.json" if opts.gc else None
        srv = start(kind, Path(tmp), "bench-token", opts.touchline_options, gc_log=gc_log)
        try:
            out = _measure(srv, n, goals, opts, profile)
        except (OSError, RuntimeError) as exc:  # ConnectionError, TimeoutError are OSErrors
            logged = [line for line in srv.log_lines() if "ERROR" in line or "rror:" in line]
            out = failed_run(n, goals, f"{type(exc).__name__}: {exc}", logged[-3:])
            out["server_warnings"] = []
            print(f"    {kind}: FAILED: {out['failed']}", file=sys.stderr)
            return out
        finally:
            srv.stop()
        if gc_log:
            out["gc"] = gc_figures(json.loads(gc_log.read_text()), out["phases"])
            out["gc"]["forced_collect"] = out.pop("forced_collect", None)
        return out


def _measure(
    srv: Server, n: int, goals: int, opts: argparse.Namespace, profile: Path | None
) -> dict[str, Any]:
    """One run; with ``profile`` (a file name prefix), py-spy records each phase."""

    def record(phase: str) -> Recorder | None:
        return Recorder(srv.proc.pid, Path(f"{profile}-{phase}.txt")) if profile else None

    srv.setup(opts.backlog)
    warm_up(srv)
    # Redis kinds: every server has read the set-up events before the subscribers come.
    time.sleep(0.2 if len(srv.targets) > 1 else 0)
    time.sleep(opts.settle)
    rss_base = srv.rss_kb()
    tracked = [srv.tracked()] if opts.gc else []
    phases = {"connect": [time.monotonic()]}
    processes = opts.loadgens or -(-n // PER_PROCESS)
    gens = Loadgens(srv.targets, n, processes, opts.concurrency)
    assert srv.http is not None
    try:
        # The publisher's connection is made before the streams take every file descriptor.
        with srv.http.kept_alive():
            recorder = record("connect")
            answers = gens.ask(cmd="connect", timeout=60 + n / 100)
            phases["connect"].append(time.monotonic())
            profiles = [recorder.stop()] if recorder else []
            connect = {
                "connected": sum(a["connected"] for a in answers),
                "seconds": max(a["last_ready"] for a in answers)
                - min(a["started"] for a in answers),
                "errors": {},
            }
            for a in answers:
                for what, count in a["errors"].items():
                    connect["errors"][what] = connect["errors"].get(what, 0) + count
            time.sleep(opts.settle)
            rss_full = srv.rss_kb()
            tracked += [srv.tracked()] if opts.gc else []  # after RSS: the count allocates
            cpu_start = srv.cpu_seconds()
            published: dict[str, float] = {}
            answered: list[float] = []
            recorder = record("publish")
            phases["publish"] = [time.monotonic()]
            for k in range(1, goals + 1):
                if k > 1:
                    time.sleep(opts.gap)
                ident, sent = srv.publish_goal(k)
                answered.append(time.monotonic() - sent)
                published[ident] = sent
                gens.ask(cmd="wait", goals=k, timeout=30 + n / 200)
            cpu = srv.cpu_seconds() - cpu_start
            phases["publish"].append(time.monotonic())
            profiles += [recorder.stop()] if recorder else []
            reports = gens.ask(cmd="report")
            gave_back = srv.gave_back()
            phases["leave"] = [time.monotonic()]
            gens.ask(cmd="close")
    finally:
        gens.stop()
    rss_after = _rss_once_left(srv, n, gave_back, opts)
    phases["leave"].append(time.monotonic())
    cycles = [(rss_after - rss_base) / 1024]
    for _ in range(opts.cycles - 1):
        cycles.append((_connect_and_leave(srv, n, processes, opts) - rss_base) / 1024)
    collected = None
    if opts.gc:
        line = srv.collect()  # gcwatch collected N in S s; RSS A kB, B kB after malloc_trim(0)
        words = line.replace(";", "").split()
        collected = {
            "tracked_per_sub": (tracked[1] - tracked[0]) / max(1, connect["connected"]),
            "objects": int(words[2]),
            "seconds": float(words[4]),
            "rss_after_collect_mb": (int(words[7]) - rss_base) / 1024,
            "rss_after_trim_mb": (int(words[9]) - rss_base) / 1024,
        }
    out = figures(
        n=n,
        goals=goals,
        connect=connect,
        published=published,
        reports=reports,
        rss_kb=(rss_base, rss_full, rss_after),
        cpu_s=cpu,
        answered_s=answered,
    )
    logged = srv.log_lines()
    out["server_warnings"] = [line for line in logged if "WARNING" in line or "ERROR" in line]
    out["profiles"] = [str(p) for p in profiles]
    out["phases"] = phases
    out["after_leave_cycles_mb"] = cycles
    if collected:
        out["forced_collect"] = collected
    return out


def _connect_and_leave(srv: Server, n: int, processes: int, opts: argparse.Namespace) -> int:
    """Another wave of N subscribers that only connect and leave; the RSS after it."""
    gens = Loadgens(srv.targets, n, processes, opts.concurrency)
    try:
        gens.ask(cmd="connect", timeout=60 + n / 100)
        gave_back = srv.gave_back()
        gens.ask(cmd="close")
    finally:
        gens.stop()
    return _rss_once_left(srv, n, gave_back, opts)


def _rss_once_left(srv: Server, n: int, gave_back: int, opts: argparse.Namespace) -> int:
    """The server's RSS once no subscriber is left and it has given memory back."""
    srv.wait_subscribers(0, 60 + n / 200)
    srv.wait_gave_back(gave_back, n, 30)
    time.sleep(opts.settle)
    return srv.rss_kb()


def run(opts: argparse.Namespace, out=sys.stdout) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Every N, every server, ``opts.repeat`` times; prints a table per N as it completes."""
    raise_nofile()  # inherited by every server and load generator started from here
    opts.touchline_options = touchline_options()
    print(f"touchline-server at {touchline_version()}", file=out)
    results: dict[int, dict[str, list[dict[str, Any]]]] = {}
    seen: set[str] = set()
    for n in opts.n:
        results[n] = {k: [] for k in opts.servers}
        for rep in range(opts.repeat):
            for kind in opts.servers:
                print(f"... N={n} run {rep + 1}/{opts.repeat}: {kind}", file=sys.stderr)
                got = run_once(kind, n, opts.goals, opts)
                results[n][kind].append(got)
                for warning in got["server_warnings"][:5]:
                    text = warning.split(" ", 2)[-1]  # without the time: say each once
                    if text not in seen:
                        seen.add(text)
                        print(f"    {kind}: {warning}", file=sys.stderr)
        print(table(n, opts.goals, results[n]), file=out)
        text = summary(n, results[n])
        if text:
            print("\n" + text, file=out)
        print(file=out)
        if opts.profile:
            print(f"... N={n}: touchline once more, under py-spy", file=sys.stderr)
            got = run_once("touchline", n, opts.goals, opts, opts.profile / f"touchline-{n}")
            print(
                f"Profile of touchline at N={n} (this run's p99 {got['p99_ms']:.0f} ms, not "
                "in the table: py-spy slows the server)",
                file=out,
            )
            for path in got["profiles"]:
                print(top(Path(path)), file=out)
            print(file=out)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Fan-out benchmark: touchline-server against the peer and the limit."
    )
    p.add_argument("--n", default="1000", help="subscriber counts, comma-separated (1000)")
    p.add_argument("--goals", type=int, default=5, help="goals published per run (5)")
    p.add_argument("--repeat", type=int, default=3, help="runs per server and N (3)")
    p.add_argument("--servers", default=",".join(KINDS), help="which of " + ",".join(ALL_KINDS))
    p.add_argument("--gap", type=float, default=0.5, help="pause between goals, s (0.5)")
    p.add_argument("--settle", type=float, default=1.0, help="pause before measuring RSS (1)")
    p.add_argument(
        "--concurrency", type=int, default=500, help="streams opening at once, in all (500)"
    )
    p.add_argument(
        "--loadgens", type=int, default=0, help=f"load generator processes (one per {PER_PROCESS})"
    )
    p.add_argument(
        "--cycles",
        type=int,
        default=1,
        help="connect/leave waves per run; after the measured one, more that only connect "
        "and leave, to see whether RSS after leaving keeps growing (1)",
    )
    p.add_argument(
        "--backlog",
        type=int,
        default=0,
        help="events touchline has in its history before the subscribers come, as a server "
        "that has been running a while (its --history keeps 10,000) (0)",
    )
    p.add_argument("--json", type=Path, help="also write every run's figures here")
    p.add_argument(
        "--gc",
        action="store_true",
        help="run touchline under benchmarks.fanout.gcwatch and report its GC pauses per phase",
    )
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after the measured runs, one more touchline run per N under py-spy; "
        "collapsed stacks go to DIR, the top functions to the report",
    )
    opts = p.parse_args(argv)
    opts.n = [int(x) for x in opts.n.split(",")]
    opts.servers = [s for s in opts.servers.split(",") if s]
    if unknown := set(opts.servers) - set(ALL_KINDS):
        p.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if not 1 <= opts.goals <= 80:
        p.error("--goals must be 1..80 (one goal a minute of a match)")
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    results = run(opts)
    if opts.json:
        opts.json.write_text(json.dumps({str(n): r for n, r in results.items()}, indent=1))


if __name__ == "__main__":
    main()
