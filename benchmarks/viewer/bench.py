"""The viewer benchmark: the real app, offscreen, against a real server (durable store).

    uv sync --compile-bytecode          # once: users have bytecode, these machines do not
    uv run python -m benchmarks.viewer  # about 5 minutes; --quick for about one

Figures (targets from issue 5), printed as a table with pass/fail:

1. publish → scoreboard latency p50/p99: ``--goals`` goals spread over ``--matches``
   matches, each timed from just before its POST to the viewer's ``dataChanged`` for that
   row (text already showing the new score), and to the next paint of the scoreboard;
2. catch-up: the viewer is cut off by a TCP proxy while ``--catchup-events`` events are
   published over ``--catchup-matches`` matches, then reconnects with Last-Event-ID: time
   until its board shows the server's scores, the longest gap of a 5 ms Qt timer meanwhile,
   the notices raised (``--repeat`` runs, median);
3. cold start to the first live scoreboard painted, following a running server (demo feed)
   and with the embedded server (``--runs`` fresh processes each, median);
4. RSS after ``--rss-seconds`` following the demo feed (30× speed, looping);
5. CPU and wakeups over ``--idle-seconds`` with a live but quiet stream (``--feed none``,
   a few matches, default heartbeat).

Each part runs in fresh processes. The machine is shared: medians and ranges are printed,
with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import sys
import time
from pathlib import Path
from typing import TextIO

import httpx

from benchmarks.viewer import live as viewer_live
from benchmarks.viewer import process as viewer_process
from benchmarks.viewer.report import print_table
from tests.support.serverproc import run_server

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("latency", "catchup", "start", "rss", "idle")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.viewer", description=__doc__.split("\n")[0]
    )
    p.add_argument("--quick", action="store_true", help="short runs (a smoke run)")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma-separated: {','.join(PARTS)}")
    p.add_argument("--goals", type=int, help="latency samples (default 200; quick 40)")
    p.add_argument("--matches", type=int, default=10, help="matches the goals spread over")
    p.add_argument("--gap", type=float, default=0.05, help="seconds between goals (about)")
    p.add_argument("--catchup-events", type=int, help="default 10,000 (quick 2,000)")
    p.add_argument("--catchup-matches", type=int, help="default 50 (quick 20)")
    p.add_argument("--repeat", type=int, help="catch-up runs (default 3; quick 1)")
    p.add_argument("--runs", type=int, help="cold starts of each kind (default 5; quick 2)")
    p.add_argument("--rss-seconds", type=float, help="default 60 (quick 10)")
    p.add_argument("--idle-seconds", type=float, help="default 60 (quick 10)")
    p.add_argument("--json", metavar="PATH", help="also write the raw results here")
    a = p.parse_args(argv)
    full = {"goals": 200, "catchup_events": 10_000, "catchup_matches": 50, "repeat": 3,
            "runs": 5, "rss_seconds": 60.0, "idle_seconds": 60.0}  # fmt: skip
    quick = {"goals": 40, "catchup_events": 2_000, "catchup_matches": 20, "repeat": 1,
             "runs": 2, "rss_seconds": 10.0, "idle_seconds": 10.0}  # fmt: skip
    for key, value in (quick if a.quick else full).items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    a.parts = [x for x in a.only.split(",") if x]
    unknown = set(a.parts) - set(PARTS)
    if unknown:
        p.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    return a


def bytecode_note() -> str:
    """Users' installs have bytecode; PYTHONDONTWRITEBYTECODE=1 here means none gets written."""
    compileall.compile_dir(ROOT / "desktop", quiet=1)
    compileall.compile_dir(ROOT / "server", quiet=1)
    venv = Path(sys.prefix)
    fastapi = any(venv.rglob("fastapi/__pycache__/*.pyc"))
    return "" if fastapi else " — NO .pyc in the venv: run `uv sync --compile-bytecode` first"


def quiet_server_url(srv) -> str:
    """A few matches on a server with no feed: a live stream with nothing to say."""
    headers = srv.headers()
    with httpx.Client(base_url=srv.url, headers=headers, trust_env=False) as http:
        for i, (home, away) in enumerate(
            (("Ajax", "PSV"), ("Celtic", "Rangers"), ("Roma", "Lazio"))
        ):
            http.post(
                "/api/matches", json={"id": f"q{i}", "home": home, "away": away}
            ).raise_for_status()
            if i < 2:
                http.post(f"/api/matches/q{i}/events", json={"type": "kickoff"}).raise_for_status()
        http.post("/api/matches/q0/events", json={"type": "goal", "team": "home", "minute": 3})
    return srv.url


def run(a: argparse.Namespace, out: TextIO = sys.stdout) -> dict:
    results: dict = {"load_before": os.getloadavg()}
    note = bytecode_note()
    load = results["load_before"][0]
    quick = " (quick)" if a.quick else ""
    print(f"viewer benchmark{quick}: load average {load:.2f} on {os.cpu_count()} cores{note}",
          file=out, flush=True)  # fmt: skip
    t0 = time.monotonic()
    if "latency" in a.parts:
        print(f"- latency: {a.goals} goals over {a.matches} matches…", file=out, flush=True)
        results["latency"] = asyncio.run(viewer_live.latency(a.goals, a.matches, a.gap))
    if "catchup" in a.parts:
        results["catchup"] = []
        for i in range(a.repeat):
            print(f"- catch-up {i + 1}/{a.repeat}: {a.catchup_events:,} events over "
                  f"{a.catchup_matches} matches…", file=out, flush=True)  # fmt: skip
            settle = 2.5 if a.quick else 3.0  # held notices go out at a 1 s tick, 1 s after
            r = asyncio.run(viewer_live.catch_up(a.catchup_events, a.catchup_matches, settle))
            results["catchup"].append(r)
            print(f"  {r['shown_s']:.2f} s, longest stall {max(r['gaps_ms'], default=0):.0f} ms, "
                  f"published in {r['publish_s']:.1f} s", file=out, flush=True)  # fmt: skip
    if "start" in a.parts:
        print(
            f"- cold starts: {a.runs} following a server, {a.runs} embedded…", file=out, flush=True
        )
        with run_server("--feed", "demo", "--loop") as srv:
            results["start_remote"] = viewer_process.cold_start(("--server", srv.url), a.runs)
        results["start_embedded"] = viewer_process.cold_start(("--embedded",), a.runs)
    if "rss" in a.parts:
        print(f"- RSS: {a.rss_seconds:.0f} s following the demo feed…", file=out, flush=True)
        with run_server("--feed", "demo", "--loop") as srv:
            results["rss"] = viewer_process.rss_after(srv.url, a.rss_seconds)
        results["rss"]["seconds"] = a.rss_seconds
    if "idle" in a.parts:
        print(f"- idle: {a.idle_seconds:.0f} s on a quiet stream…", file=out, flush=True)
        with run_server("--feed", "none") as srv:
            url, settle = quiet_server_url(srv), 1.0 if a.quick else 3.0
            results["idle"] = viewer_process.idle_cpu(url, a.idle_seconds, settle)
    results["load_after"] = os.getloadavg()
    results["seconds"] = time.monotonic() - t0
    print_table(results, out)
    before, after = results["load_before"][0], results["load_after"][0]
    print(f"\nload average {before:.2f} before, {after:.2f} after; "
          f"{results['seconds']:.0f} s in all", file=out)  # fmt: skip
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    return results


def main() -> None:
    run(parse_args())


if __name__ == "__main__":
    main()
