"""A catch-up burst: the viewer applies it in batches with the event loop turning between
them and redraws each row once a frame. Speed is the benchmark's business
(benchmarks/viewer/bench.py); these tests hold the behaviour."""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.core.state import Scoreboard
from desktop.ui.cells import CLOCK, SCORE
from desktop.ui.highlight import LEVELS, Highlights
from desktop.ui.model import ScoreboardModel
from desktop.ui.pacing import BURST_GAP, Pacer
from desktop.ui.timeline import TimelineModel
from server.wire import Snapshot
from tests.support.matchdata import Feed, later, match
from tests.support.stream_fixtures import Follower, TinyServer, scripted
from tests.support.wait import wait_until_async


def three_matches() -> tuple[Scoreboard, Feed]:
    feed = Feed(
        match("a"),
        match("b", "Brazil", "Morocco", kickoff=later(1)),
        match("c", "Arsenal", "Chelsea", "Premier League"),
    )
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())), "1-0")
    for match_id in feed.matches:
        board.apply_event(feed(match_id, "kickoff"))
    return board, feed


class DataChanges:
    def __init__(self, model) -> None:
        self.seen: list[tuple[QModelIndex, QModelIndex, list]] = []
        model.dataChanged.connect(lambda a, b, roles=(): self.seen.append((a, b, list(roles))))


# --- the board ------------------------------------------------------------------------------


def test_batch_delivers_changes_as_they_happen_and_ends_once_after_the_outermost() -> None:
    board, feed = three_matches()
    changes, ends = [], []
    board.subscribe(changes.append)
    board.on_batch_end(lambda: ends.append(len(changes)))

    with board.batch():
        board.apply_event(feed("a", "goal", minute=3, team="home"))
        with board.batch():
            board.apply_event(feed("b", "clock", minute=4))
        assert board.in_batch and len(changes) == 2 and ends == []
        board.apply_event(feed("c", "goal", minute=5, team="away"))

    assert not board.in_batch
    assert ends == [3]  # once, after the last change


def test_a_replaced_match_takes_event_ids_its_old_version_had() -> None:
    board, _feed = three_matches()
    kickoff = board.matches["a"].events[0]
    assert board.apply_event(kickoff) == []  # a duplicate
    board.apply_match(match("a"))  # the server starts the match afresh (a looping demo)
    assert [c.fields for c in board.apply_event(kickoff)] == [
        frozenset({"status", "minute", "events"})
    ]
    assert [e.id for e in board.matches["a"].events] == [kickoff.id]


# --- the scoreboard model -------------------------------------------------------------------


def test_model_redraws_a_burst_with_one_signal_per_group_after_the_batch(qapp):
    board, feed = three_matches()
    model = ScoreboardModel(board, highlight_ms=60_000)
    log = DataChanges(model)
    try:
        with board.batch():
            for minute in range(1, 11):
                board.apply_event(feed("a", "clock", minute=minute))
                board.apply_event(feed("b", "clock", minute=minute))
                board.apply_event(feed("c", "clock", minute=minute))
            board.apply_event(feed("b", "goal", minute=10, team="away"))
            assert log.seen == []  # nothing redrawn mid-burst
            assert model.highlighted() == {"b"}  # but the goal is known at once

        spans = {
            (a.parent().data(), a.row(), b.row(), a.column(), b.column()) for a, b, _ in log.seen
        }
        assert spans == {
            ("World Cup 2026 · Group A", 0, 1, 0, 4),  # a and b: one signal for both rows
            ("Premier League · Group A", 0, 0, 0, 4),
        }
        assert all(Qt.ItemDataRole.DisplayRole in roles for *_, roles in log.seen)
        assert model.index_of("b", SCORE).data() == "0 – 1"
        assert model.index_of("c", CLOCK).data() == "10'"
    finally:
        model.detach()


def test_back_to_back_batches_are_drawn_once_a_frame_and_a_lone_one_at_once(qtbot):
    flushes: list[float] = []
    pacer = Pacer(lambda: flushes.append(time.monotonic()), frame_ms=50)
    pacer.request()
    assert len(flushes) == 1  # the first batch of a burst is drawn at once
    pacer.request()
    pacer.request()
    assert len(flushes) == 1  # the rest of the burst waits for the frame to end...
    qtbot.waitUntil(lambda: len(flushes) == 2, timeout=2000)  # ...then is drawn once
    time.sleep(BURST_GAP * 2)  # a pause longer than a burst's gap: the burst is over
    pacer.request()  # a batch on its own, after a pause: drawn at once
    assert len(flushes) == 3
    pacer.stop()


def test_a_glowing_row_is_repainted_once_a_step_of_its_fade(qtbot):
    glow = Highlights(duration_ms=400)
    steps: list[float] = []
    glow.changed.connect(lambda ids: steps.extend(glow.strength(i) for i in ids))
    glow.start("a")
    qtbot.waitUntil(lambda: not glow.active(), timeout=3000)
    assert steps[0] == 1.0 and steps[-1] == 0.0  # lit, then a last time when plain again
    assert steps == sorted(steps, reverse=True) and len(steps) == len(set(steps))
    assert len(steps) <= LEVELS + 1  # never twice at one step, whatever the tick rate
    assert all(round(s * LEVELS) == s * LEVELS for s in steps)


def test_timeline_takes_a_burst_of_events_as_one_insert(qapp):
    board, feed = three_matches()
    timeline = TimelineModel(board)
    timeline.set_match("a")
    inserts: list[tuple[int, int]] = []
    timeline.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    try:
        with board.batch():
            for minute in range(1, 21):
                board.apply_event(feed("a", "card", minute=minute, team="home", card="yellow"))
            assert timeline.rowCount() == 1 and inserts == []
        assert inserts == [(1, 20)]
        assert timeline.rowCount() == 21
    finally:
        timeline.detach()


# --- the stream client ----------------------------------------------------------------------


def frames(feed: Feed, count: int) -> list[bytes]:
    snapshot = Snapshot(matches=list(feed.matches.values()))
    out = [f"id: 1-0\nevent: snapshot\ndata: {snapshot.model_dump_json()}\n\n".encode()]
    for minute in range(count):
        ev = feed("a", "clock", minute=minute % 90 + 1)
        out.append(f"id: {ev.id}\nevent: clock\ndata: {ev.model_dump_json()}\n\n".encode())
    return out


def one_read(body: list[bytes]):
    return scripted(b"".join(body))


def http_chunks(body: list[bytes]):
    """Each frame its own HTTP chunk, all written at once (as the server sends a backlog):
    httpx hands them over one by one without the event loop turning in between."""

    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        writer.write(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        writer.write(b"".join(b"%x\r\n%s\r\n" % (len(frame), frame) for frame in body))
        await writer.drain()
        await asyncio.sleep(60)  # the stream stays open

    return script


@pytest.mark.parametrize("send", [one_read, http_chunks])
async def test_a_burst_is_delivered_in_batches_with_the_loop_turning_between(send):
    feed = Feed(match("a"))
    feed("a", "kickoff")
    body = frames(feed, 3000)
    turns = [0]
    at_batch: list[int] = []

    async def ticker() -> None:
        while True:
            turns[0] += 1
            await asyncio.sleep(0)

    @contextmanager
    def batch():
        at_batch.append(turns[0])
        yield

    tick = asyncio.create_task(ticker())
    try:
        async with (
            TinyServer(send(body)) as tiny,
            Follower(tiny.url, batch=batch, burst_seconds=0) as f,
        ):
            await wait_until_async(
                lambda: f.board.last_event_id == f"1-{feed.seq}", what="the last event"
            )
    finally:
        tick.cancel()
    ids = [item.event_id for item in f.items]
    assert ids == ["1-0", *(f"1-{n}" for n in range(2, feed.seq + 1))]  # each once, in order
    # A zero budget: the loop turns (the ticker runs) between every two batches, also when
    # the events came as separate HTTP chunks that httpx returns without a turn of the loop.
    assert len(at_batch) == len(ids) and len(set(at_batch)) == len(at_batch)
