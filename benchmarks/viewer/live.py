"""Publish→scoreboard latency and the catch-up after a reconnect, against a real server.

Three processes: the server (durable SQLite store in a temporary data folder, as users run
it), the viewer (:mod:`benchmarks.viewer.child`: the real app, offscreen) and this one, which
publishes through the API, cuts the viewer's connection with a TCP proxy and reads the
viewer's observations over a control connection. Times are ``time.monotonic()``, which all
processes share, so "publish" (just before the POST is written) and "scoreboard updated"
(the viewer's ``dataChanged`` for that row, its text already showing the new score) are
stamped in different processes on one clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from desktop.core import display
from server.wire import Match
from tests.support.serverproc import run_server
from tests.support.stream_fixtures import CuttableProxy

ROOT = Path(__file__).resolve().parents[2]
#: Publishing as fast as the benchmark can; the limits are not what is measured here.
UNLIMITED = ("--publish-rate", "1000000", "--publish-burst", "1000000")


class Viewer:
    """The viewer child and its control line (one JSON command, one JSON answer)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self._conn: asyncio.Future = asyncio.get_running_loop().create_future()
        self._server: asyncio.Server | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="tl-viewer-")
        self.log = Path(self._dir.name) / "viewer.log"

    async def start(self, url: str) -> Viewer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=1 << 28)
        port = self._server.sockets[0].getsockname()[1]
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": self._dir.name}
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # the banner notifier: nothing leaves the box
        argv = [sys.executable, "-m", "benchmarks.viewer.child", "--url", url]
        if profile := os.environ.get("BENCH_VIEWER_PYSPY"):  # py-spy's raw stacks to this file
            native = ["--native"] if os.environ.get("BENCH_VIEWER_NATIVE") else []
            spy = ["py-spy", "record", "-r", "250", "-f", "raw", *native, "-o", profile]
            argv = [*spy, "--", *argv]
        argv += ["--control", str(port), "--settings", self._dir.name]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
        self.reader, self.writer = await asyncio.wait_for(self._conn, 30)
        return self

    async def _accept(self, reader, writer) -> None:
        if not self._conn.done():
            self._conn.set_result((reader, writer))

    async def ask(self, cmd: str, **kw: object) -> dict:
        self.writer.write(json.dumps({"cmd": cmd, **kw}).encode() + b"\n")
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise RuntimeError(f"the viewer quit: {self.log.read_text()[-2000:]}")
        return json.loads(line)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask("quit"), 5)
        if self.proc is not None:
            try:
                await asyncio.to_thread(self.proc.wait, 20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._server is not None:
            self._server.close()
        self._dir.cleanup()


def seq(event_id: str) -> int:
    return int(event_id.rsplit("-", 1)[1])


async def add_matches(http: httpx.AsyncClient, n: int, prefix: str) -> tuple[list[str], str]:
    """``n`` matches, kicked off; returns their ids and the last event id."""
    ids, last = [], ""
    for i in range(n):
        body = {"id": f"{prefix}{i}", "competition": f"League {i % 4}",
                "home": f"Home {i}", "away": f"Away {i}"}  # fmt: skip
        (await http.post("/api/matches", json=body)).raise_for_status()
        r = await http.post(f"/api/matches/{prefix}{i}/events", json={"type": "kickoff"})
        r.raise_for_status()
        ids.append(body["id"])
        last = r.json()["id"]
    return ids, last


def publisher(url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, trust_env=False, timeout=30
    )


# --- 1. publish → scoreboard ----------------------------------------------------------------


class BareReader:
    """A bare socket following the stream beside the viewer: when each frame reaches a client
    that does nothing else, i.e. the server's share of the latency."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}  # event id -> first read containing its frame

    async def start(self, url: str) -> BareReader:
        parts = urlsplit(url)
        reader, self._writer = await asyncio.open_connection(parts.hostname, parts.port)
        self._writer.write(b"GET /live-scores HTTP/1.1\r\nHost: bench\r\n\r\n")
        self._task = asyncio.create_task(self._read(reader))
        return self

    async def _read(self, reader: asyncio.StreamReader) -> None:
        tail = b""
        while data := await reader.read(65536):
            now, text = time.monotonic(), tail + data
            for found in re.finditer(rb"\nid: ([^\r\n]+)\r?\n", text):
                self.seen.setdefault(found.group(1).decode(), now)
            tail = text[-300:]  # a frame's id line split over two reads

    def close(self) -> None:
        self._task.cancel()
        self._writer.close()


async def latency(goals: int, matches: int, gap: float, warmup: int = 3) -> dict:
    """Goals spread over ``matches``, one every ~``gap`` s; the first ``warmup`` not counted."""
    rng = random.Random(5)
    with run_server("--feed", "none", *UNLIMITED) as srv:
        viewer = await Viewer().start(srv.url)
        bare = await BareReader().start(srv.url)
        try:
            assert (await viewer.ask("wait_live"))["ok"], "the viewer did not go live"
            async with publisher(srv.url, srv.token) as http:
                ids, last = await add_matches(http, matches, "lat")
                assert (await viewer.ask("wait_id", id=last))["ok"]
                await viewer.ask("select", match=ids[0])  # a timeline follows one match
                sent: dict[str, float] = {}
                event_ids: dict[str, str] = {}
                score = {mid: [0, 0] for mid in ids}
                for i in range(warmup + goals):
                    mid = ids[i % matches]
                    side = rng.randrange(2)
                    score[mid][side] += 1
                    body = {"type": "goal", "team": ("home", "away")[side], "player": f"P{i}",
                            "minute": min(90, 1 + sum(score[mid]))}  # fmt: skip
                    t0 = time.monotonic()
                    r = await http.post(f"/api/matches/{mid}/events", json=body)
                    r.raise_for_status()
                    last = r.json()["id"]
                    if i >= warmup:
                        key = f"{mid}|{score[mid][0]}|{score[mid][1]}"
                        sent[key], event_ids[key] = t0, last
                    await asyncio.sleep(rng.uniform(gap / 2, gap * 1.5))
            assert (await viewer.ask("wait_id", id=last))["ok"]
            await asyncio.sleep(0.2)  # the last repaint
            seen = await viewer.ask("samples")
            rss = seen["rss_kb"]
        finally:
            bare.close()
            await viewer.close()
    updated = [seen["updated"][k] - t for k, t in sent.items() if k in seen["updated"]]
    # The server's share: publish → the frame at a bare socket; the rest is the viewer's.
    server = {k: bare.seen[event_ids[k]] - t for k, t in sent.items() if event_ids[k] in bare.seen}
    viewer_share = [seen["updated"][k] - sent[k] - d for k, d in server.items()]
    painted = [seen["painted"][k] - t for k, t in sent.items() if k in seen["painted"]]
    # Where the time goes: publish → bytes at the viewer, then bytes → dataChanged.
    received = [seen["received"][k] - t for k, t in sent.items() if k in seen["received"]]
    return {"goals": goals, "updated_s": updated, "painted_s": painted, "received_s": received,
            "server_s": list(server.values()), "viewer_s": viewer_share,
            "missing": goals - len(updated), "rss_kb": rss}  # fmt: skip


# --- 2. catch-up after a reconnect ----------------------------------------------------------


def match_plan(n: int) -> list[dict]:
    """``n`` events of one match after its kick-off: mostly clock ticks, with goals, cards
    and substitutions, the minute rising from 1 to 90."""
    out = []
    for k in range(n):
        minute = 1 + k * 89 // max(1, n - 1)
        team = ("home", "away")[k % 3 % 2]
        p = k % 10
        if p == 6:
            out.append({"type": "goal", "team": team, "player": f"Scorer {k}", "minute": minute})
        elif p == 7:
            out.append({"type": "card", "card": "yellow", "team": team, "player": f"Player {k}",
                        "minute": minute})  # fmt: skip
        elif p == 8:
            out.append({"type": "substitution", "team": team, "player_in": f"In {k}",
                        "player_out": f"Out {k}", "minute": minute})  # fmt: skip
        else:
            out.append({"type": "clock", "minute": minute})
    return out


async def publish_all(http: httpx.AsyncClient, ids: list[str], total: int, workers: int) -> str:
    """``total`` events over the matches, interleaved; each match's events in order."""
    per = [total // len(ids) + (1 if i < total % len(ids) else 0) for i in range(len(ids))]
    plans = {mid: match_plan(n) for mid, n in zip(ids, per, strict=True)}
    last = [""]

    async def worker(mine: list[str]) -> None:
        for step in range(max(per)):
            for mid in mine:
                if step < len(plans[mid]):
                    r = await http.post(f"/api/matches/{mid}/events", json=plans[mid][step])
                    r.raise_for_status()
                    event_id = r.json()["id"]
                    if not last[0] or seq(event_id) > seq(last[0]):
                        last[0] = event_id

    await asyncio.gather(*(worker(ids[w::workers]) for w in range(workers)))
    return last[0]


async def catch_up(events: int, matches: int, settle: float = 3.0) -> dict:
    """The viewer is cut off while ``events`` are published, then reconnects and resumes."""
    history = ("--history", str(events + 10 * matches + 100))  # it must resume, not resnapshot
    with run_server("--feed", "none", *UNLIMITED, *history) as srv:
        port = int(srv.url.rsplit(":", 1)[1])
        async with CuttableProxy(port) as proxy, publisher(srv.url, srv.token) as http:
            viewer = await Viewer().start(proxy.url)
            try:
                assert (await viewer.ask("wait_live"))["ok"], "the viewer did not go live"
                ids, last = await add_matches(http, matches, "cu")
                assert (await viewer.ask("wait_id", id=last))["ok"]
                await viewer.ask("select", match=ids[0])
                proxy.refuse = True
                proxy.cut()
                down = await viewer.ask("wait_state", kinds=["reconnecting", "offline"])
                assert down["ok"], "the viewer did not notice the cut"
                t0 = time.monotonic()
                last = await publish_all(http, ids, events, workers=6)
                publish_s = time.monotonic() - t0
                truth = (await http.get("/api/matches")).json()
                expect = {
                    m["id"]: display.score_text(Match.model_validate(m)) for m in truth["matches"]
                }
                # Offline long enough that every missed event counts as missed: the rules'
                # tolerance is 2 s, and ``at`` and the Date header have whole seconds.
                await asyncio.sleep(3.5)
                proxy.refuse = False
                result = await viewer.ask(
                    "catchup", last=last, expect=expect, settle=settle, timeout=900
                )
                board = await viewer.ask("board")
            finally:
                await viewer.close()
    result["publish_s"] = publish_s
    result["expected_events"] = events
    result["matches_board"] = board["matches"] == truth["matches"]
    result["last_id_board"] = board["last_event_id"] == truth["last_event_id"]
    result["rss_kb"] = board["rss_kb"]
    return result
