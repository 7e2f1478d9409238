"""Fault suite: the real server in a subprocess, real viewers' stream clients, and faults
made for real (a proxy that cuts or freezes TCP, kill -9). Nothing a scorer got a 201 for
may be lost, nothing may be applied or notified twice."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from desktop.core.items import EventItem, SnapshotItem, StreamItem, apply_item
from desktop.core.notify_rules import Notice, NoticeRules
from desktop.core.state import Change, Scoreboard
from desktop.stream.client import StreamClient
from desktop.stream.status import StreamState
from tests.support.serverproc import run_server, start_server
from tests.support.stream_fixtures import (
    CuttableProxy,
    Follower,
    Publisher,
    board_json,
)
from tests.support.wait import wait_until_async

# --- a connection cut or frozen under a viewer ----------------------------------------------


async def test_connection_cut_mid_event_discards_the_partial_frame_and_resumes() -> None:
    with run_server("--feed", "none") as srv:
        scorer = Publisher(srv.url, srv.token)
        await scorer.match("m")
        async with CuttableProxy(srv.port) as proxy, Follower(proxy.url) as f:
            await wait_until_async(lambda: "m" in f.board.matches, what="the snapshot")
            kick = await scorer.event("m", type="kickoff")
            await wait_until_async(lambda: f.client.last_event_id == kick, what="the kick-off")
            # The goal's frame is "id: ...\r\nevent: goal\r\ndata: {...}\r\n\r\n": the proxy
            # forwards its id and event lines and half its data line, then closes.
            proxy.cut_mid_frame(b"event: goal\r\n")
            goal = await scorer.event("m", type="goal", team="home", minute=9, player="Saka")
            await asyncio.wait_for(proxy.cut_done.wait(), 5)
            assert proxy.partial.startswith(f"id: {goal}\r\nevent: goal\r\ndata: ".encode())
            assert not proxy.partial.endswith(b"\n")
            await wait_until_async(lambda: f.client.last_event_id == goal, what="the goal, resumed")
            # The partial frame's id line never counted: the resume asks from the kick-off.
            assert proxy.header(1, "last-event-id") == kick
            delivered = [i.event.id for i in f.items if isinstance(i, EventItem)]
            assert delivered == [kick, goal]  # the goal once, no partial one
            assert [type(i) for i in f.items].count(SnapshotItem) == 1
            assert f.board.matches["m"].score.home == 1
            assert board_json(f.board) == (await scorer.server_state())["matches"]
        await scorer.aclose()


async def test_half_open_connection_is_noticed_by_the_watchdog_and_resumed() -> None:
    # The proxy keeps the connection open but nothing gets through (a NAT that forgot the
    # flow): no error ever comes, only silence, heartbeats included.
    with run_server("--feed", "none", "--heartbeat", "0.2") as srv:
        scorer = Publisher(srv.url, srv.token)
        await scorer.match("m")
        async with (
            CuttableProxy(srv.port) as proxy,
            Follower(proxy.url, heartbeat=0.2) as f,
        ):
            kick = await scorer.event("m", type="kickoff")
            await wait_until_async(lambda: f.client.last_event_id == kick, what="the kick-off")
            proxy.freeze()
            goal = await scorer.event("m", type="goal", team="away", minute=3, player="Palmer")
            await wait_until_async(
                lambda: f.client.last_event_id == goal, what="the goal after the silence"
            )
            assert len(proxy.requests) == 2
            assert proxy.header(1, "last-event-id") == kick
            reconnect = next(s for s in f.states if s.kind == "reconnecting")
            assert reconnect.reason == "no data for 0.6 s"
            assert [e.id for e in f.board.matches["m"].events] == [kick, goal]
        await scorer.aclose()


# --- kill -9 and restart while viewers follow and a scorer publishes -------------------------


class NotifiedViewer:
    """What the app wires together: a stream client, a scoreboard and the notice rules."""

    def __init__(self, url: str) -> None:
        self.board = Scoreboard()
        self.rules = NoticeRules()
        self.items: list[StreamItem] = []
        self.states: list[StreamState] = []
        self.notices: list[Notice] = []
        self.applied: Counter[str] = Counter()  # event id -> changes it caused
        self.board.subscribe(self._changed)
        self.client = StreamClient(url, self._item, self._state, max_delay=0.5)
        self._tasks: list[asyncio.Task] = []

    def _changed(self, change: Change) -> None:
        if change.event is not None:
            self.applied[change.event.id] += 1

    def _state(self, state: StreamState) -> None:
        self.states.append(state)
        if state.kind == "live":
            self.rules.connected(state.server_time, datetime.now(UTC))

    def _item(self, item: StreamItem) -> None:
        self.items.append(item)
        apply_item(self.board, item)
        self.notices += self.rules.on_item(item, self.board, datetime.now(UTC))

    async def _ticker(self) -> None:
        while True:  # the timer the app runs the rules' tick on
            await asyncio.sleep(0.2)
            self.notices += self.rules.tick(self.board, datetime.now(UTC))

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self.client.run()), asyncio.create_task(self._ticker())]

    async def stop(self) -> None:
        if not self._tasks:
            return
        self.client.stop()
        self._tasks[1].cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        later = datetime.now(UTC) + timedelta(seconds=self.rules.settle + 1)
        self.notices += self.rules.tick(self.board, later)  # what is held goes out

    def notified_goals(self, goal_ids: set[str]) -> Counter[str]:
        """How often each goal was notified: alone, or inside a summary (its event_ids)."""
        out: Counter[str] = Counter()
        for notice in self.notices:
            if notice.kind in ("goal", "summary"):
                out.update(i for i in notice.event_ids if i in goal_ids)
        return out


class Publishing:
    """A scorer publishing without pause; while the server is down it keeps retrying.

    A request refused at connect time never reached the server: it is retried. One that
    failed after it was sent (the kill came mid-request, maybe after the commit) has an
    unknown outcome: it is retried too, with the same Idempotency-Key, so that it is
    published once whether or not the first try was stored."""

    MATCHES = ("a", "b", "c")

    def __init__(self, scorer: Publisher) -> None:
        self.scorer = scorer
        self.acked: list[str] = []  # ids of events answered 201
        self.acked_players: list[str] = []  # and their players (one per planned event)
        self.unknown = 0
        self.refused = 0
        self.problems: list[str] = []
        self._stop = asyncio.Event()

    def plan(self):
        for n in itertools.count():
            match_id = self.MATCHES[n % 3]
            minute = 1 + n // 3
            if n % 4 == 3:
                yield match_id, {"type": "card", "team": "away", "card": "yellow",
                                 "minute": minute, "player": f"P{n}"}  # fmt: skip
            else:
                team = "home" if n % 2 else "away"
                yield match_id, {"type": "goal", "team": team, "minute": minute,
                                 "player": f"P{n}"}  # fmt: skip

    async def run(self) -> None:
        for n, (match_id, body) in enumerate(self.plan()):
            key = {"Idempotency-Key": f"plan-{n}"}
            while not self._stop.is_set():
                try:
                    r = await self.scorer.http.post(
                        f"/api/matches/{match_id}/events", json=body, headers=key
                    )
                except httpx.ConnectError:
                    self.refused += 1
                    await asyncio.sleep(0.05)  # a scorer's retry interval
                    continue
                except httpx.TransportError:
                    self.unknown += 1
                    await asyncio.sleep(0.05)  # a scorer's retry interval
                    continue
                if r.status_code == 201:
                    self.acked.append(r.json()["id"])
                    self.acked_players.append(str(body["player"]))
                else:
                    self.problems.append(f"{r.status_code} {r.text}")
                break
            if self._stop.is_set():
                return
            await asyncio.sleep(0.02)  # the scorer's pace

    def stop(self) -> None:
        self._stop.set()


async def test_kill_9_and_restart_loses_nothing_and_repeats_nothing(tmp_path) -> None:
    args = ("--feed", "none", "--store", str(tmp_path / "x.sqlite3"))
    srv = start_server(*args)
    token = srv.token
    scorer = Publisher(srv.url, token)
    viewers = [NotifiedViewer(srv.url) for _ in range(3)]
    publishing = Publishing(scorer)
    publisher: asyncio.Task | None = None
    try:
        for match_id in Publishing.MATCHES:
            await scorer.match(match_id, f"{match_id} H", "Away")
            await scorer.event(match_id, type="kickoff")
        for v in viewers:
            v.start()
        await wait_until_async(
            lambda: all(v.items for v in viewers), what="every viewer's snapshot"
        )
        publisher = asyncio.create_task(publishing.run())
        await wait_until_async(
            lambda: len(publishing.acked) >= 12, what="publishes before the kill"
        )

        await asyncio.to_thread(srv.kill)
        before_kill = len(publishing.acked)
        await wait_until_async(
            lambda: publishing.refused >= 3, what="the scorer finding the server down"
        )
        await wait_until_async(
            lambda: all(v.client.state.kind != "live" for v in viewers), what="viewers cut off"
        )
        srv = await asyncio.to_thread(start_server, *args, "--port", str(srv.port), token=token)
        await wait_until_async(
            lambda: len(publishing.acked) >= before_kill + 12, what="publishes after"
        )
        publishing.stop()
        await publisher

        server = await scorer.server_state()
        await wait_until_async(
            lambda: all(v.client.last_event_id == server["last_event_id"] for v in viewers),
            timeout=15,
            what="every viewer caught up",
        )
        for v in viewers:
            await v.stop()
    finally:
        publishing.stop()
        if publisher is not None:
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
        for v in viewers:
            await v.stop()
        srv.stop()
        await scorer.aclose()

    assert publishing.problems == []
    timeline_ids = [e["id"] for m in server["matches"] for e in m["events"]]
    assert set(publishing.acked) <= set(timeline_ids)  # every 201 survived the kill
    # Each planned event once, also one whose answer the kill lost and that was retried.
    players = [e["player"] for m in server["matches"] for e in m["events"] if e["player"]]
    assert sorted(players) == sorted(publishing.acked_players)
    goal_ids = {e["id"] for m in server["matches"] for e in m["events"] if e["type"] == "goal"}
    assert len(goal_ids) >= 12
    for v in viewers:
        assert board_json(v.board) == server["matches"]  # scores, statuses, timelines
        # Resumed, not re-snapshotted: each event came once, and changed the board once.
        assert sum(isinstance(i, SnapshotItem) for i in v.items) == 1
        streamed = [i.event.id for i in v.items if isinstance(i, EventItem)]
        assert sorted(streamed) == sorted(set(streamed))
        assert set(publishing.acked) <= set(streamed)
        assert all(n == 1 for n in v.applied.values()), v.applied.most_common(3)
        assert v.notified_goals(goal_ids) == Counter(goal_ids)  # each goal notified once
        kinds = [s.kind for s in v.states]
        assert "reconnecting" in kinds and kinds[-1] == "stopped"
