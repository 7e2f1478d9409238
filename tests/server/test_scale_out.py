"""Several servers on one Redis act as one server (issue 9): real redis-server, real servers
in subprocesses, real nginx in front, the viewer's real stream client.

What is shared across tests runs on one module-wide cluster (each test has matches of its
own); what breaks Redis or a server gets a cluster of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from desktop.core.items import EventItem, SnapshotItem
from tests.support.keyed_publish import REPLAYED
from tests.support.rawhttp import open_raw_stream
from tests.support.serverproc import ServerProcess, run_server, start_server
from tests.support.services import Nginx, RedisServer
from tests.support.sse_reader import StreamReader
from tests.support.stream_fixtures import Follower, Publisher, board_json
from tests.support.wait import wait_until, wait_until_async

TOKEN = secrets.token_urlsafe(16)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def start_servers(redis: RedisServer, n: int, *args: str) -> list[ServerProcess]:
    """``n`` servers on ``redis``, started side by side, publishing with TOKEN."""
    argv = ("--feed", "none", "--broker", redis.url, *args)
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: start_server(*argv, token=TOKEN), range(n)))


@contextlib.contextmanager
def cluster(n: int, *args: str, appendfsync: str = "always") -> Iterator[tuple]:
    """A Redis and ``n`` servers on it: yields (redis, server, server...)."""
    with RedisServer(appendfsync=appendfsync) as redis:
        servers = start_servers(redis, n, *args)
        try:
            yield (redis, *servers)
        finally:
            for srv in servers:
                srv.stop()


@pytest.fixture(scope="module")
def three() -> Iterator[tuple[ServerProcess, ServerProcess, ServerProcess]]:
    with cluster(3) as (_, a, b, c):
        yield a, b, c


def live_match(srv: ServerProcess, match_id: str) -> str:
    """A new match that has kicked off, through ``srv``: the kick-off's event id."""
    srv.add_match(id=match_id, home="Arsenal", away="Chelsea")
    return srv.publish(match_id, type="kickoff")


def seq(event_id: str) -> int:
    return int(event_id.rpartition("-")[2])


def epoch(event_id: str) -> str:
    return event_id.rpartition("-")[0]


def stream(srv: ServerProcess, last_id: str | None = None) -> StreamReader:
    headers = {"Last-Event-ID": last_id} if last_id else None
    return StreamReader(f"{srv.url}/live-scores", headers=headers)


def ready(srv: ServerProcess) -> bool:
    return httpx.get(f"{srv.url}/healthz/ready", timeout=5).status_code == 200


def board(srv: ServerProcess) -> list[dict]:
    return httpx.get(f"{srv.url}/api/matches", timeout=5).json()["matches"]


def test_a_publish_through_one_server_reaches_the_streams_of_every_server(three):
    a, b, c = three
    with stream(a) as on_a, stream(b) as on_b, stream(c) as on_c:
        for reader in (on_a, on_b, on_c):
            assert reader.next().event == "snapshot"
        kickoff = live_match(b, "reaches")
        goal = b.publish("reaches", type="goal", team="home", minute=3, player="Saka")
        seen = [[reader.next() for _ in range(3)] for reader in (on_a, on_b, on_c)]
    for events in seen:
        assert [e.event for e in events] == ["match_added", "kickoff", "goal"]
        assert [e.id for e in events][1:] == [kickoff, goal]
        assert seq(events[0].id) + 1 == seq(kickoff) and epoch(events[0].id) == epoch(kickoff)
    # Byte for byte the same event everywhere, with the same id.
    assert [e.data for e in seen[0]] == [e.data for e in seen[1]] == [e.data for e in seen[2]]


def test_goals_published_at_once_through_every_server_add_up_with_gapless_ids(three):
    a, b, c = three
    kickoff = live_match(a, "rush")
    sides = [(a, "home"), (b, "away"), (c, "home")]

    async def rush() -> list[httpx.Response]:
        async with httpx.AsyncClient(headers=AUTH, timeout=20) as client:
            posts = [
                client.post(
                    f"{srv.url}/api/matches/rush/events", json={"type": "goal", "team": side}
                )
                for _ in range(10)
                for srv, side in sides
            ]
            return await asyncio.gather(*posts)

    answers = asyncio.run(rush())
    assert [r.status_code for r in answers] == [201] * 30, [r.text for r in answers]
    ids = [r.json()["id"] for r in answers]
    assert {epoch(i) for i in ids} == {epoch(kickoff)}
    assert sorted(seq(i) for i in ids) == list(range(seq(kickoff) + 1, seq(kickoff) + 31))
    last = max(ids, key=seq)
    for srv in three:
        wait_until(lambda srv=srv: httpx.get(f"{srv.url}/healthz").json()["last_event_id"] == last)
        match = httpx.get(f"{srv.url}/api/matches/rush").json()
        assert match["score"] == {"home": 20, "away": 10}
        assert [e["id"] for e in match["events"]][1:] == sorted(ids, key=seq)
        with stream(srv, kickoff) as reader:
            assert [reader.next().id for _ in range(30)] == sorted(ids, key=seq)
    assert board(a) == board(b) == board(c)


def test_a_viewer_resuming_on_another_server_gets_exactly_what_it_missed_then_live(three):
    a, b, c = three
    kickoff = live_match(a, "resume")
    with stream(a, kickoff) as on_a:
        seen = b.publish("resume", type="goal", team="away", minute=7)
        assert on_a.next().id == seen
    missed = [b.publish("resume", type="clock", minute=m) for m in (8, 9, 10)]
    with stream(c, seen) as on_c:
        assert [on_c.next().id for _ in missed] == missed
        live = a.publish("resume", type="goal", team="home", minute=11)
        assert on_c.next().id == live


def test_a_keyed_publish_retried_through_another_server_publishes_once(three):
    a, b, c = three
    kickoff = live_match(a, "keyed")
    url, goal = "/api/matches/keyed/events", {"type": "goal", "team": "home", "minute": 9}
    key = {**AUTH, "Idempotency-Key": secrets.token_hex(8)}
    first = httpx.post(a.url + url, json=goal, headers=key)
    retry = httpx.post(b.url + url, json=goal, headers=key)
    other = httpx.post(c.url + url, json={**goal, "minute": 10}, headers=key)
    assert first.status_code == retry.status_code == 201
    assert REPLAYED not in first.headers and retry.headers[REPLAYED] == "true"
    assert retry.content == first.content
    assert other.status_code == 422 and "different request" in other.json()["detail"]

    # The same request through the three at once: one of them publishes it.
    key = {**AUTH, "Idempotency-Key": secrets.token_hex(8)}

    async def at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(headers=key, timeout=20) as client:
            body = {**goal, "minute": 30}
            return await asyncio.gather(*(client.post(s.url + url, json=body) for s in three))

    together = asyncio.run(at_once())
    assert [r.status_code for r in together] == [201] * 3
    assert len({r.content for r in together}) == 1
    assert sum(REPLAYED not in r.headers for r in together) == 1
    end = c.publish("keyed", type="clock", minute=31)
    with stream(b, kickoff) as reader:
        streamed = [reader.next() for _ in range(3)]
    assert [e.id for e in streamed] == [first.json()["id"], together[0].json()["id"], end]
    assert httpx.get(f"{c.url}/api/matches/keyed").json()["score"] == {"home": 2, "away": 0}


def test_a_viewer_resuming_on_a_server_that_is_behind_gets_events_not_a_snapshot(three):
    a, b, c = three
    live_match(a, "behind")
    c.proc.send_signal(signal.SIGSTOP)  # c reads nothing for now
    try:
        ids = [a.publish("behind", type="clock", minute=m) for m in (1, 2, 3)]
    finally:
        c.proc.send_signal(signal.SIGCONT)
    # Whether c has read them by the time it opens the stream or not: no snapshot older
    # than what the viewer has, only the events after its id.
    with stream(c, ids[-1]) as reader:
        later = b.publish("behind", type="clock", minute=4)
        assert reader.next().id == later


def test_a_server_that_missed_more_than_the_history_reloads_and_its_viewers_get_a_snapshot():
    with cluster(2, "--history", "5") as (_, a, c):
        kickoff = live_match(a, "far")
        with stream(c, kickoff) as on_c:
            c.proc.send_signal(signal.SIGSTOP)
            try:
                ids = [a.publish("far", type="clock", minute=m) for m in range(1, 13)]
            finally:
                c.proc.send_signal(signal.SIGCONT)
            # The viewer gets what c read before the gap, then its stream ends: it is
            # further behind than the 5 events kept, so it must start over.
            got = []
            with pytest.raises(AssertionError, match="stream ended"):
                while True:
                    got.append(on_c.next().id)
            assert got == ids[: len(got)]
        wait_until(lambda: board(c) == board(a), 10, "c to reload")
        c.wait_for_line("fell behind the kept history")
        with stream(c, ids[0]) as again:
            snap = again.next()
    assert snap.event == "snapshot" and snap.id == ids[-1]
    assert snap.json["matches"][0]["minute"] == 12


def test_redis_restarted_with_its_file_keeps_every_event_and_the_streams_go_on():
    with cluster(2) as (redis, a, b):
        kickoff = live_match(a, "aof")
        with stream(a, kickoff) as on_a, stream(b, kickoff) as on_b:
            goal = b.publish("aof", type="goal", team="home", minute=5)
            assert on_a.next().id == on_b.next().id == goal
            redis.restart()  # SIGKILL, then the same file: appendfsync always
            wait_until(lambda: ready(a) and ready(b), 15, "the servers to be ready")
            after = a.publish("aof", type="goal", team="away", minute=6)
            # Same epoch, next number: nothing acknowledged was lost, nothing restarts.
            assert epoch(after) == epoch(goal) and seq(after) == seq(goal) + 1
            assert on_a.next().id == on_b.next().id == after
        # A server started now finds it all in Redis.
        (late,) = start_servers(redis, 1)
        try:
            assert board(late) == board(a) == board(b)
            assert board(late)[0]["score"] == {"home": 1, "away": 1}
        finally:
            late.stop()
        # One of them decided, for both, that the epoch goes on.
        assert "restarted with every write kept" in a.log + b.log
        assert (a.log + b.log).count("new epoch") == 1  # the first start's


@pytest.mark.parametrize("how", ["back empty", "without an fsync per write"])
def test_redis_that_may_have_lost_writes_gets_a_new_epoch_and_no_id_is_reused(how):
    appendfsync = "everysec" if how.startswith("without") else "always"
    with cluster(2, appendfsync=appendfsync) as (redis, a, b):
        kickoff = live_match(a, "lost")
        goal = b.publish("lost", type="goal", team="home", minute=5)
        old_ids = {kickoff, goal}
        with stream(a, kickoff) as on_a:
            assert on_a.next().id == goal
            redis.restart(empty=how == "back empty")
            # The stream ends, so the viewer comes back, and gets a snapshot.
            with pytest.raises(AssertionError, match="stream ended"):
                on_a.next(timeout=15)
        wait_until(lambda: ready(a) and ready(b), 15, "the servers to be ready")
        with stream(b, goal) as on_b:
            snap = on_b.next()
            assert snap.event == "snapshot" and epoch(snap.id) != epoch(goal)
            # The match as the servers had it: the score is not lost with the log.
            assert snap.json["matches"][0]["score"] == {"home": 1, "away": 0}
            new = a.publish("lost", type="goal", team="away", minute=6)
            assert on_b.next().id == new
        assert epoch(new) == epoch(snap.id) and new not in old_ids
        assert board(a) == board(b)
        assert board(a)[0]["score"] == {"home": 1, "away": 1}


class RawStream:
    """A subscriber on a bare socket, read in a thread: every byte, heartbeats included."""

    def __init__(self, srv: ServerProcess) -> None:
        self.sock = open_raw_stream(f"{srv.url}/live-scores")
        self.data = bytearray()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := self.sock.recv(65536):
                self.data += chunk

    @property
    def open(self) -> bool:
        return self.thread.is_alive()

    def pings(self) -> int:
        return self.data.count(b": ping")

    def ids(self) -> list[str]:
        return re.findall(r"^id: (\S+)", self.data.decode(), re.M)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


def test_redis_stopped_for_10_s_publishes_get_503_then_all_recovers_and_no_stream_is_dropped():
    with cluster(2, "--heartbeat", "1") as (redis, a, b):
        kickoff = live_match(a, "outage")
        streams = [RawStream(a), RawStream(b)]
        try:
            wait_until(lambda: all(kickoff in s.ids() for s in streams), 10, "the snapshots")
            redis.stop()
            down_at = time.monotonic()
            refused = []
            while time.monotonic() - down_at < 10:
                for srv in (a, b):
                    r = httpx.post(
                        f"{srv.url}/api/matches/outage/events",
                        json={"type": "goal", "team": "home"},
                        headers=AUTH,
                        timeout=10,
                    )
                    refused.append(r)
                time.sleep(0.5)
            assert {r.status_code for r in refused} == {503}
            assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
            assert not ready(a) and not ready(b)
            assert httpx.get(f"{a.url}/healthz").json()["ready"] is False
            pings = [s.pings() for s in streams]
            redis.start()
            wait_until(lambda: ready(a) and ready(b), 15, "the servers to be ready again")
            goal = b.publish("outage", type="goal", team="away", minute=50)
            wait_until(lambda: all(goal in s.ids() for s in streams), 10, "the goal streamed")
            # The same connections all along, heartbeats through the outage, no goal lost.
            assert all(s.open for s in streams)
            assert all(p >= 8 for p in pings), pings
            assert [s.ids() for s in streams] == [[kickoff, goal]] * 2
            assert epoch(goal) == epoch(kickoff) and seq(goal) == seq(kickoff) + 1
        finally:
            for s in streams:
                s.close()
        for srv in (a, b):  # said once, not once per refused publish
            assert srv.log.count("publishes answer 503 until it is back") == 1, srv.log
            assert srv.log.count("is back after") == 1


def test_one_server_replays_the_feed_and_another_takes_over_when_it_dies():
    args = ("--feed", "demo", "--speed", "2000")
    with RedisServer() as redis:
        servers = [start_server(*args, "--broker", redis.url, token=TOKEN) for _ in range(2)]
        try:
            holder = wait_until(
                lambda: next((s for s in servers if "runs on this server" in s.log), None),
                15,
                "a server to take the replay",
            )
            (other,) = (s for s in servers if s is not holder)
            wait_until(lambda: goals(holder) >= 3, 30, "the demo to score 3 goals")
            assert "replaying Touchline demo" not in other.log  # one server replays
            holder.kill()
            other.wait_for_line("runs on this server", 15)
            other.wait_for_line("resuming Touchline demo matchday", 15)
            wait_until(lambda: finished(other), 60, "the demo to finish")
            final = board(other)
        finally:
            for srv in servers:
                srv.stop()
    with run_server("--feed", "demo", "--speed", "1000000", "--store", ":memory:") as fresh:
        wait_until(lambda: finished(fresh), 60, "a fresh run of the demo to finish")
        expected = board(fresh)
    # Taken over from the stored progress: nothing repeated, nothing skipped.
    assert timeline(final) == timeline(expected)
    assert {m["id"]: m["score"] for m in final} == {m["id"]: m["score"] for m in expected}


def goals(srv: ServerProcess) -> int:
    return sum(m["score"]["home"] + m["score"]["away"] for m in board(srv))


def finished(srv: ServerProcess) -> bool:
    return all(m["status"] == "full_time" for m in board(srv))


def timeline(matches: list[dict]) -> dict:
    return {
        m["id"]: [(e["type"], e["minute"], e["added"], e["team"], e["player"]) for e in m["events"]]
        for m in matches
    }


async def test_viewers_through_nginx_follow_while_a_server_is_killed_and_miss_nothing():
    with RedisServer() as redis:
        servers = await asyncio.to_thread(start_servers, redis, 3)
        try:
            with Nginx([s.port for s in servers]) as proxy:
                pub = Publisher(proxy.url, TOKEN)
                try:
                    await follow_through_a_kill(proxy, pub, servers)
                finally:
                    await pub.aclose()
        finally:
            for srv in servers:
                srv.stop()


async def follow_through_a_kill(proxy: Nginx, pub: Publisher, servers: list) -> None:
    await pub.match("m")
    published = [await pub.event("m", type="kickoff")]
    viewers = [Follower(proxy.url) for _ in range(6)]
    async with contextlib.AsyncExitStack() as stack:
        for viewer in viewers:
            await stack.enter_async_context(viewer)
        await wait_until_async(
            lambda: all(v.client.last_event_id == published[-1] for v in viewers),
            15,
            "every viewer to follow",
        )
        counts = [httpx.get(f"{s.url}/healthz").json()["subscribers"] for s in servers]
        assert sum(counts) == len(viewers)
        victim = servers[counts.index(max(counts))]  # the server with the most viewers
        published.append(await pub.event("m", type="goal", team="home", minute=10))
        victim.kill()
        for minute in (20, 30, 40):
            published.append(await pub.event("m", type="clock", minute=minute))
        published.append(await pub.event("m", type="goal", team="away", minute=45))
        await wait_until_async(
            lambda: all(v.client.last_event_id == published[-1] for v in viewers),
            20,
            "every viewer to resume",
        )
        server_board = await pub.server_matches()
    for viewer in viewers:
        # After the snapshot (which has the kick-off): every event, once, in order.
        events = [i.event_id for i in viewer.items if isinstance(i, EventItem)]
        assert events == published[1:]
        assert sum(isinstance(i, SnapshotItem) for i in viewer.items) == 1  # resumed, no reset
        assert board_json(viewer.board) == server_board
