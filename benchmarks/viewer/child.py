"""The viewer under test: the real TouchlineApp, offscreen, driven by ``benchmarks.viewer``.

    python -m benchmarks.viewer.child --url URL --control PORT --settings DIR

It runs the app exactly as ``touchline --server URL`` wires it (stream client, Scoreboard,
Qt model, window, notice rules, banner notifier) on the qasync bootstrap, and beside it a
control task connected to the benchmark (JSON lines over TCP: one command, one answer). The
benchmark process publishes, cuts the connection and keeps the clock; this one only observes:

* every ``dataChanged`` of the score column is stamped with ``time.monotonic()`` (shared by
  all processes) under the match's score, and so is the next paint of the scoreboard;
* a 5 ms Qt timer records the gaps between its ticks while a catch-up runs: the longest gap
  beyond the interval is the longest the Qt event loop was stalled;
* notices handed to the notifier and stream items applied are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

from desktop.__main__ import qt_application, skip_httpx_cli
from desktop.core import display
from desktop.core.items import EventItem, SnapshotItem
from desktop.platform.settings import Settings
from desktop.ui.cells import SCORE
from desktop.ui.scoreboard_view import ScoreboardView

if TYPE_CHECKING:
    from desktop.app import TouchlineApp

TICK_MS = 5
#: Time spent in the scoreboard's paintEvent, and how many: [seconds, count].
PAINTING = [0.0, 0]


def _time_paints() -> None:
    """Wraps ScoreboardView.paintEvent (before any view exists: PySide binds overrides then)."""
    paint = ScoreboardView.paintEvent

    def timed(self, event) -> None:
        t0 = time.perf_counter()
        paint(self, event)
        PAINTING[0] += time.perf_counter() - t0
        PAINTING[1] += 1

    ScoreboardView.paintEvent = timed


class Probe(QObject):
    """Everything the benchmark reads from the running app."""

    def __init__(self, app: TouchlineApp) -> None:
        super().__init__()
        self.app = app
        self.model = app.window.model
        self.updated: dict[str, float] = {}  # "match|home|away" -> first dataChanged showing it
        self.painted: dict[str, float] = {}  # the same key -> the next scoreboard paint
        self.received: dict[str, float] = {}  # the same key -> its bytes arrived
        self._unpainted: list[str] = []
        self.last_paint = 0.0
        self.notices: list[dict] = []
        self.items = {"snapshot": 0, "event": 0, "other": 0}
        self.last_item_at = 0.0
        self.gaps: list[float] = []
        self.gap_cpu: list[float] = []  # this thread's CPU time within each gap
        self.gc_pauses: list[tuple[int, float]] = []  # (generation, seconds) while ticking
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)
        self._last_tick = self._last_cpu = 0.0
        self.ticker = QTimer(self)
        self.ticker.setTimerType(Qt.TimerType.PreciseTimer)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self._tick)
        self.model.dataChanged.connect(self._data_changed)
        app.window.view.viewport().installEventFilter(self)
        on_item, deliver = app._on_item, app.deliver

        def counted_item(item) -> None:
            on_item(item)
            kind = "snapshot" if isinstance(item, SnapshotItem) else "other"
            kind = "event" if isinstance(item, EventItem) else kind
            self.items[kind] += 1
            self.last_item_at = time.monotonic()

        def recorded(notices) -> None:
            now = time.monotonic()
            self.notices += [{"kind": n.kind, "title": n.title, "at": now} for n in notices]
            deliver(notices)

        app._on_item = counted_item  # read when the stream client is made, in app.run()
        app.deliver = recorded

    # --- latency ------------------------------------------------------------------------------

    def _data_changed(self, top_left, bottom_right, roles) -> None:
        if not top_left.column() <= SCORE <= bottom_right.column():
            return
        if roles and Qt.ItemDataRole.DisplayRole not in roles:
            return
        match_id = self.model.match_id(top_left)
        match = self.app.board.matches.get(match_id) if match_id else None
        if match is None:
            return
        key = f"{match_id}|{match.score.home}|{match.score.away}"
        if key not in self.updated:
            shown = self.model.index_of(match_id, SCORE).data()
            if shown == display.score_text(match):  # what the row now reads
                self.updated[key] = time.monotonic()
                self.received[key] = self.app.client.last_activity or 0.0
                self._unpainted.append(key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            now = self.last_paint = time.monotonic()
            for key in self._unpainted:
                self.painted[key] = now
            self._unpainted.clear()
        return False

    # --- event-loop stalls --------------------------------------------------------------------

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self.ticker.isActive():
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_start))

    def start_ticker(self) -> None:
        self.gaps.clear()
        self.gap_cpu.clear()
        self._last_cpu = time.thread_time()
        self.gc_pauses.clear()
        self._last_tick = time.monotonic()
        self.ticker.start()

    def stop_ticker(self) -> None:
        self.ticker.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        cpu = time.thread_time()
        self.gaps.append(now - self._last_tick)
        self.gap_cpu.append(cpu - self._last_cpu)
        self._last_tick, self._last_cpu = now, cpu

    # --- state --------------------------------------------------------------------------------

    def scores_shown(self) -> dict[str, str]:
        out = {}
        for match_id in self.app.board.matches:
            out[match_id] = self.model.index_of(match_id, SCORE).data()
        return out

    def board(self) -> dict:
        return {
            "last_event_id": self.app.board.last_event_id,
            "matches": [m.model_dump(mode="json") for m in self.app.board.matches.values()],
        }


async def until(check, timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def catch_up(probe: Probe, cmd: dict) -> dict:
    """Lets the cut-off viewer reconnect now and times it until its board shows ``expect``."""
    app, last, expect = probe.app, cmd["last"], cmd["expect"]
    before = dict(probe.items)
    painting = list(PAINTING)
    probe.notices.clear()
    probe.start_ticker()
    profile = cProfile.Profile() if os.environ.get("BENCH_VIEWER_CPROFILE") else None
    if profile is not None:  # a diagnostic: the catch-up alone, under cProfile
        profile.enable()
    t0 = time.monotonic()
    app.retry_now()  # the status bar's "Retry" button: skips the backoff wait
    applied = await until(lambda: app.board.last_event_id == last, cmd.get("timeout", 120))
    t_applied = probe.last_item_at
    shown = await until(lambda: probe.scores_shown() == expect, 10)
    t_shown = time.monotonic()
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_VIEWER_CPROFILE"])
    paint_s, paints = PAINTING[0] - painting[0], PAINTING[1] - painting[1]
    await until(lambda: probe.last_paint > t_shown, 10)
    t_painted = probe.last_paint
    await asyncio.sleep(cmd.get("settle", 3.0))  # held notices go out once things settle
    probe.stop_ticker()
    return {
        "applied": applied,
        "shown": shown,
        "applied_s": t_applied - t0,
        "shown_s": t_shown - t0,
        "painted_s": t_painted - t0,
        "paint_s": paint_s,
        "paints": paints,
        "events": probe.items["event"] - before["event"],
        "snapshots": probe.items["snapshot"] - before["snapshot"],
        "notices": [{k: n[k] for k in ("kind", "title")} for n in probe.notices],
        "gaps_ms": [g * 1000 for g in probe.gaps],
        "gap_cpu_ms": [c * 1000 for c in probe.gap_cpu],
        "gc_ms": [(gen, s * 1000) for gen, s in probe.gc_pauses],
    }


async def answer(probe: Probe, cmd: dict) -> dict:
    """One command from the benchmark, and its answer."""
    app, what = probe.app, cmd["cmd"]
    if what == "wait_live":
        live = await until(
            lambda: (
                app.client is not None
                and app.client.state.kind == "live"
                and probe.items["snapshot"] > 0
            ),
            cmd.get("timeout", 30),
        )
        return {"ok": live}
    if what == "wait_id":
        wanted = cmd["id"]
        return {"ok": await until(lambda: app.board.last_event_id == wanted, 60)}
    if what == "wait_state":
        kinds = cmd["kinds"]
        return {"ok": await until(lambda: app.client.state.kind in kinds, 30)}
    if what == "select":
        app.window.open_match(cmd["match"])
        return {"ok": app.window.timeline.model.match_id == cmd["match"]}
    if what == "samples":
        return {"updated": probe.updated, "painted": probe.painted, "received": probe.received}
    if what == "catchup":
        return await catch_up(probe, cmd)
    if what == "board":
        return probe.board()
    raise ValueError(f"unknown command {what!r}")


async def serve(probe: Probe, port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while line := await reader.readline():
            cmd = json.loads(line)
            if cmd["cmd"] == "quit":
                writer.write(b"{}\n")
                await writer.drain()
                return
            out = await answer(probe, cmd)
            out["rss_kb"] = rss_kb()
            writer.write(json.dumps(out).encode() + b"\n")
            await writer.drain()
    finally:
        writer.close()
        probe.app.quit()


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--control", type=int, required=True)
    p.add_argument("--settings", required=True)
    a = p.parse_args()
    skip_httpx_cli()  # as the viewer's main() does, before the app brings httpx in
    from desktop.app import Options, TouchlineApp
    from desktop.platform import aio

    qapp = qt_application(sys.argv[:1])
    _time_paints()
    app = TouchlineApp(
        Options(server=a.url, notifier="banner"), Settings(Path(a.settings) / "s.ini")
    )
    probe = Probe(app)

    async def main_task() -> int:
        control = asyncio.ensure_future(serve(probe, a.control))
        code = await app.run()
        control.cancel()
        return code

    return aio.run(main_task, qapp, on_quit=app.quit)


if __name__ == "__main__":
    sys.exit(main())
