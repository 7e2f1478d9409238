"""desktop.stream.client.StreamClient against the real server, and against tiny scripted servers
for the failure modes a real server does not produce on demand."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime

import httpx
import pytest

from desktop.core.items import EventItem, SnapshotItem
from desktop.stream.status import base_url, stream_url
from server.wire import Match, MatchEvent, Score, Snapshot, Team
from tests.support.serverproc import run_server, start_server
from tests.support.stream_fixtures import (
    CuttableProxy,
    Follower,
    Publisher,
    TinyServer,
    board_json,
    free_port,
    sse_head,
)
from tests.support.wait import wait_until_async


class Viewer(Follower):
    """A Follower that can also say which states it went through."""

    def kinds(self) -> list[str]:
        return [s.kind for s in self.states]

    def now(self) -> str:
        return self.states[-1].kind if self.states else ""


def test_stream_url_accepts_base_address_or_stream_url() -> None:
    assert stream_url("127.0.0.1:8000") == "http://127.0.0.1:8000/live-scores"
    assert stream_url("http://h:8000/") == "http://h:8000/live-scores"
    assert stream_url(" http://h/live-scores/ ") == "http://h/live-scores"
    assert (
        stream_url("https://h/scores/live-scores?match=a") == "https://h/scores/live-scores?match=a"
    )
    assert stream_url("https://h/prefix") == "https://h/prefix/live-scores"
    assert base_url("http://h:8000/prefix/live-scores?format=classic") == "http://h:8000/prefix"
    assert base_url("http://h:8000") == "http://h:8000"


# --- against the real server ----------------------------------------------------------------


async def test_snapshot_then_live_events_reach_the_scoreboard() -> None:
    with run_server("--feed", "none") as srv:
        pub = Publisher(srv.url, srv.token)
        await pub.match("early")
        await pub.event("early", type="kickoff")
        async with Viewer(srv.url) as v:
            await wait_until_async(lambda: v.items, what="the snapshot")
            assert isinstance(v.items[0], SnapshotItem)
            assert list(v.board.matches) == ["early"]
            await pub.match("late", "Spurs", "Fulham")
            await pub.event("late", type="kickoff")
            goal_id = await pub.event("late", type="goal", team="away", minute=9, player="Jimenez")
            await wait_until_async(lambda: v.client.last_event_id == goal_id, what="the goal")
            assert v.board.matches["late"].score == Score(home=0, away=1)
            assert v.kinds() == ["connecting", "live"]
            opened = v.states[-1].server_time  # the server's Date header
            assert opened is not None
            assert abs((opened - datetime.now(UTC)).total_seconds()) < 60
            assert board_json(v.board) == await pub.server_matches()
        assert v.now() == "stopped"
        await pub.aclose()


async def test_initial_last_event_id_resumes_without_snapshot() -> None:
    with run_server("--feed", "none") as srv:
        pub = Publisher(srv.url, srv.token)
        await pub.match("m")
        kick = await pub.event("m", type="kickoff")
        goal = await pub.event("m", type="goal", team="home", minute=3, player="Saka")
        async with Viewer(srv.url, last_event_id=kick) as v:
            await wait_until_async(lambda: v.client.last_event_id == goal, what="the goal replay")
            assert [type(i).__name__ for i in v.items] == ["EventItem"]
            assert v.items[0].event.id == goal  # type: ignore[union-attr]
        await pub.aclose()


async def test_dropped_connection_resumes_with_last_event_id_and_loses_nothing() -> None:
    with run_server("--feed", "none") as srv:
        pub = Publisher(srv.url, srv.token)
        await pub.match("m")
        async with CuttableProxy(srv.port) as proxy, Viewer(proxy.url, heartbeat=5) as v:
            await wait_until_async(lambda: "m" in v.board.matches, what="the snapshot")
            kick = await pub.event("m", type="kickoff")
            await wait_until_async(lambda: v.client.last_event_id == kick)
            proxy.refuse = True
            proxy.cut()
            await wait_until_async(lambda: proxy.refused >= 1, what="a reconnect attempt")
            # Published while the viewer is cut off: must arrive exactly once, in order.
            missed = [
                await pub.event("m", type="goal", team="home", minute=m, player="Saka")
                for m in (10, 20)
            ]
            assert v.client.last_event_id == kick and v.now() in ("reconnecting", "offline")
            proxy.refuse = False
            await wait_until_async(lambda: v.client.last_event_id == missed[-1], what="the replay")
            assert f"last-event-id: {kick}" in proxy.requests[-1].lower()
            assert not any(isinstance(i, SnapshotItem) for i in v.items[1:])
            ids = [e.id for e in v.board.matches["m"].events]
            assert ids == [kick, *missed]
            assert board_json(v.board) == await pub.server_matches()
        await pub.aclose()


async def test_memory_server_restart_gives_fresh_snapshot_and_nothing_duplicated() -> None:
    srv = start_server("--feed", "none", "--store", ":memory:")
    try:
        pub = Publisher(srv.url, srv.token)
        await pub.match("m")
        await pub.event("m", type="kickoff")
        async with Viewer(srv.url) as v:
            first_goal = await pub.event("m", type="goal", team="home", minute=5, player="Saka")
            await wait_until_async(lambda: v.client.last_event_id == first_goal)
            srv.kill()
            await wait_until_async(
                lambda: v.now() in ("reconnecting", "offline"), what="the outage"
            )
            await pub.aclose()
            # An in-memory server restarts empty, in a new epoch; a scorer re-enters the match.
            args = ("--feed", "none", "--store", ":memory:", "--port", str(srv.port))
            srv = await asyncio.to_thread(start_server, *args)
            pub = Publisher(srv.url, srv.token)
            await pub.match("m")
            await pub.event("m", type="kickoff")
            again = await pub.event("m", type="goal", team="home", minute=5, player="Saka")
            late = await pub.event("m", type="goal", team="away", minute=50, player="Palmer")
            await wait_until_async(
                lambda: v.client.last_event_id == late, timeout=15, what="resync"
            )
            snaps = [i for i in v.items if isinstance(i, SnapshotItem)]
            assert len(snaps) == 2  # the first connect and the new epoch
            events = v.board.matches["m"].events
            assert [e.id for e in events][-2:] == [again, late]
            assert len({e.id for e in events}) == len(events) == 3
            assert board_json(v.board) == await pub.server_matches()
            assert "live" in v.kinds()[v.kinds().index("reconnecting") :]
    finally:
        srv.stop()
        await pub.aclose()


async def test_durable_server_restart_resumes_with_last_event_id(tmp_path) -> None:
    args = ("--feed", "none", "--store", str(tmp_path / "s.sqlite3"))
    srv = start_server(*args)
    pub = Publisher(srv.url, srv.token)
    try:
        await pub.match("m")
        kick = await pub.event("m", type="kickoff")
        async with Viewer(srv.url) as v:
            await wait_until_async(lambda: v.client.last_event_id == kick)
            srv.kill()  # kill -9: the store keeps the log and the epoch
            await wait_until_async(
                lambda: v.now() in ("reconnecting", "offline"), what="the outage"
            )
            await pub.aclose()
            srv = await asyncio.to_thread(start_server, *args, "--port", str(srv.port))
            pub = Publisher(srv.url, srv.token)
            goal = await pub.event("m", type="goal", team="home", minute=8, player="Saka")
            await wait_until_async(
                lambda: v.client.last_event_id == goal, timeout=15, what="the resume"
            )
            assert sum(isinstance(i, SnapshotItem) for i in v.items) == 1  # no new snapshot
            assert [e.id for e in v.board.matches["m"].events] == [kick, goal]
            assert board_json(v.board) == await pub.server_matches()
    finally:
        srv.stop()
        await pub.aclose()


async def test_classic_format_from_real_server_becomes_a_match() -> None:
    with run_server("--feed", "none") as srv:
        pub = Publisher(srv.url, srv.token)
        async with Viewer(srv.url + "/live-scores?format=classic&match=m") as v:
            await wait_until_async(lambda: v.now() == "live")
            await pub.match("m", "Arsenal", "Chelsea")
            await pub.event("m", type="kickoff")
            await pub.event("m", type="goal", team="away", minute=67, player="Palmer")
            await pub.event("m", type="card", team="home", minute=70, player="Rice", card="red")
            await wait_until_async(lambda: len(v.items) == 4, what="four classic items")
        shown = v.board.matches["classic:Arsenal v Chelsea"]  # the lines name their match
        assert (shown.home.name, shown.away.name, shown.competition) == (
            "Arsenal",
            "Chelsea",
            "Premier League",
        )
        assert [(e.type, e.team, e.minute) for e in shown.events] == [
            ("kickoff", None, 0),
            ("goal", "away", 67),
            ("card", None, 70),
        ]
        assert shown.score == Score(home=0, away=1)
        assert shown.events[1].text.startswith("Goal! Palmer")
        assert shown.events[2].card == "red"
        await pub.aclose()


async def test_404_is_reported_as_failed_with_the_reason() -> None:
    with run_server("--feed", "none") as srv:
        async with Viewer(srv.url + "/nothing-here", failed_retry=None) as v:
            await asyncio.wait_for(asyncio.shield(v.task), 10)  # type: ignore[arg-type]
        last = v.states[-1]
        assert (last.kind, last.status_code, last.retry_at) == ("failed", 404, None)
        assert "404" in last.reason


# --- scripted servers for what the real one will not do -------------------------------------


async def test_silent_stream_is_reconnected_after_three_heartbeats() -> None:
    async def silent(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(sse_head() + b"retry: 50\n\n")
        await writer.drain()
        await asyncio.sleep(30)  # the stream stays open, and says nothing more

    async with TinyServer(silent) as tiny, Viewer(tiny.url, heartbeat=0.2) as v:
        await wait_until_async(lambda: len(tiny.arrivals) >= 2, what="a reconnect")
        gap = tiny.arrivals[1] - tiny.arrivals[0]
        assert 0.6 <= gap < 3.0
        assert "no data for 0.6 s" in next(s.reason for s in v.states if s.kind == "reconnecting")


async def test_heartbeat_comments_keep_a_quiet_stream_alive() -> None:
    async def pinging(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(sse_head() + b"retry: 50\n\n")
        for _ in range(15):  # 1.5 s of pings only, far past 3 x 0.2 s
            await asyncio.sleep(0.1)
            writer.write(b": ping\n\n")
            await writer.drain()
        await asyncio.sleep(30)  # the pings stop; the stream stays open

    async with TinyServer(pinging) as tiny, Viewer(tiny.url, heartbeat=0.2):
        await wait_until_async(
            lambda: len(tiny.arrivals) >= 2, what="the reconnect after pings stop"
        )
        assert tiny.arrivals[1] - tiny.arrivals[0] >= 1.5


async def test_http_204_stops_for_good() -> None:
    async def no_content(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()

    async with TinyServer(no_content) as tiny, Viewer(tiny.url) as v:
        await asyncio.wait_for(asyncio.shield(v.task), 5)  # type: ignore[arg-type]
        assert v.states[-1].kind == "stopped"
        assert "204" in v.states[-1].reason
        assert len(tiny.requests) == 1


async def test_wrong_content_type_is_failed_and_retried_slowly() -> None:
    async def html(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(sse_head(ctype="text/html; charset=utf-8") + b"<p>maintenance</p>")
        await writer.drain()

    async with TinyServer(html) as tiny, Viewer(tiny.url, failed_retry=0.3) as v:
        await wait_until_async(lambda: len(tiny.requests) >= 2, what="a slow retry")
        failed = [s for s in v.states if s.kind == "failed"]
        assert failed and failed[0].reason == "not an event stream (text/html)"
        assert tiny.arrivals[1] - tiny.arrivals[0] >= 0.3


async def test_server_errors_are_retried_until_the_stream_comes() -> None:
    async def flaky(writer: asyncio.StreamWriter, n: int) -> None:
        if n < 2:
            writer.write(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        else:
            writer.write(sse_head() + b": hello\n\n")
            await writer.drain()
            await asyncio.sleep(30)  # the stream stays open
        await writer.drain()

    async with TinyServer(flaky) as tiny, Viewer(tiny.url) as v:
        await wait_until_async(lambda: v.now() == "live", what="live after two 503s")
        errors = [s for s in v.states if s.status_code == 503]
        assert [s.kind for s in errors] == ["reconnecting", "reconnecting"]
        assert all(s.retry_at is not None for s in errors)
        assert len(tiny.requests) == 3


async def test_malformed_and_unknown_events_are_skipped_and_the_stream_goes_on() -> None:
    match = Match(id="m", competition="C", home=Team(name="A"), away=Team(name="B"),
                  kickoff="2026-06-11T19:00:00Z", status="live", minute=1)  # fmt: skip
    goal = MatchEvent(id="e-3", type="goal", match="m", minute=5, team="home",
                      score=Score(home=1), status="live")  # fmt: skip
    frames = (
        f"event: snapshot\nid: e-1\ndata: {Snapshot(matches=[match]).model_dump_json()}\n\n"
        "event: goal\nid: e-2\ndata: {not json\n\n"
        "event: trophy_parade\nid: e-2b\ndata: {}\n\n"
        'event: card\nid: e-2c\ndata: {"id": "x"}\n\n'
        f"event: goal\nid: e-3\ndata: {goal.model_dump_json()}\n\n"
        "event: goal\nid: e-4\n\n"  # id without data: kept, nothing delivered
    ).encode()

    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(sse_head() + frames)
        await writer.drain()
        await asyncio.sleep(30)  # the stream stays open, and says nothing more

    async with TinyServer(script) as tiny, Viewer(tiny.url) as v:
        await wait_until_async(lambda: v.client.last_event_id == "e-4", what="the last frame")
    assert [type(i).__name__ for i in v.items] == ["SnapshotItem", "EventItem"]
    assert isinstance(v.items[1], EventItem) and v.items[1].event_id == "e-3"
    assert v.board.matches["m"].score == Score(home=1, away=0)
    assert len(tiny.requests) == 1


async def test_unreachable_server_goes_offline_with_a_retry_deadline() -> None:
    port = free_port()  # nothing listens there
    async with Viewer(f"127.0.0.1:{port}", offline_after=0.3) as v:
        await wait_until_async(lambda: v.now() == "offline", what="offline")
        last = v.states[-1]
        # In words, not the HTTP library's "All connection attempts failed".
        assert last.reason == f"nothing is listening at 127.0.0.1:{port} (is the server running?)"
        assert last.retry_at is not None and last.retry_in() <= 0.3 + 0.01


async def test_stop_during_backoff_returns_promptly_and_leaves_no_tasks() -> None:
    port = free_port()
    v = Viewer(f"127.0.0.1:{port}", max_delay=60)
    v.client.retry_ms = 60_000  # a long wait to interrupt
    async with v:
        await wait_until_async(lambda: v.now() == "reconnecting")
        started = time.monotonic()
    assert time.monotonic() - started < 1.0
    assert v.now() == "stopped"
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []


async def test_cancelling_run_closes_cleanly() -> None:
    with run_server("--feed", "none") as srv:
        v = Viewer(srv.url)
        task = asyncio.create_task(v.client.run())
        await wait_until_async(lambda: v.now() == "live")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []


def test_a_broken_connection_without_a_message_is_named_by_its_kind() -> None:
    from desktop.stream.exchange import connection_lost

    url = "http://scores.example:8000/live-scores"
    assert str(connection_lost(httpx.ConnectTimeout(""), 45, url)) == (
        "scores.example:8000 did not answer"
    )
    assert str(connection_lost(httpx.ConnectError(""), 45, url)) == (
        "cannot connect to scores.example:8000"
    )
    assert str(connection_lost(httpx.ReadError(""), 45)) == "connection lost (ReadError)"
    assert str(connection_lost(httpx.ReadError("reset"), 45)) == "connection lost (reset)"


def test_a_connection_that_cannot_be_made_says_why_in_words() -> None:
    """The operating system's reason under httpx's wrapping, as a sentence a user can act on."""
    from desktop.stream.exchange import connection_lost

    url = "http://scores.example:8000/live-scores"

    def refused_by(cause: OSError) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except OSError as inner:
                raise OSError("All connection attempts failed") from inner
        except OSError as outer:
            error = httpx.ConnectError("All connection attempts failed")
            error.__cause__ = outer
            return error

    assert str(connection_lost(refused_by(ConnectionRefusedError(111, "refused")), 45, url)) == (
        "nothing is listening at scores.example:8000 (is the server running?)"
    )
    assert str(connection_lost(refused_by(socket.gaierror(-2, "Name unknown")), 45, url)) == (
        "no computer called scores.example was found"
    )
    assert str(connection_lost(refused_by(OSError(101, "Network is unreachable")), 45, url)) == (
        "cannot connect to scores.example:8000 (network is unreachable)"
    )
