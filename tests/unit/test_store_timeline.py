"""The SQLite store keeps each match's timeline a row per event: a publish writes what is new,
never the whole match again, so its cost does not grow with the match (docs/performance.md).
Stores written before (schema 1: a match row holding its whole timeline) are read and
carried over once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from server.core.broker import Broker
from server.store.base import StoredEvent
from server.store.sqlite import APPLICATION_ID, SCHEMA_VERSION, SqliteStore
from server.wire import EventIn, Match
from tests.support.matchdata import Feed, match


def long_match(events: int) -> Match:
    feed = Feed(match("m"))
    feed("m", "kickoff")
    for i in range(events - 1):
        feed("m", "card", team="home", card="yellow", player=f"Player {i}", minute=1 + i % 90)
    return feed.matches["m"]


async def publish_times(path: Path, events: int, rounds: int = 15) -> float:
    """The shortest time of a publish to a match that already has ``events`` events: the one
    least disturbed by the rest of a shared machine (a whole-row rewrite costs every round)."""
    big = long_match(events)
    store = SqliteStore(path)
    await store.append(StoredEvent(1, "match_added", "m", big.model_dump_json()), big)
    await store.close()
    broker = Broker(SqliteStore(path))
    assert len(broker.matches["m"].events) == events
    took = []
    for i in range(rounds):
        started = time.perf_counter()
        ev = EventIn(type="card", team="away", card="yellow", player=f"Late {i}", minute=90)
        await broker.publish("m", ev)
        took.append(time.perf_counter() - started)
    await broker.close()
    return min(took)


async def test_a_publishs_cost_does_not_grow_with_the_matchs_timeline(tmp_path):
    short = await publish_times(tmp_path / "short.sqlite3", 100)
    long = await publish_times(tmp_path / "long.sqlite3", 6000)
    print(f"\npublish: {short * 1000:.2f} ms at 100 events, {long * 1000:.2f} ms at 6,000")
    assert long < 3 * short + 0.002, (short, long)


async def test_the_timeline_reads_back_whole_after_publishes_and_a_reset(tmp_path):
    path = tmp_path / "s.sqlite3"
    broker = Broker(SqliteStore(path))
    from server.wire import MatchIn

    await broker.add_match(MatchIn(id="a", home="A", away="B"))
    await broker.add_match(MatchIn(id="b", home="C", away="D"))
    await broker.publish("a", EventIn(type="kickoff"))
    await broker.publish("b", EventIn(type="kickoff"))
    await broker.publish("a", EventIn(type="goal", team="home", minute=3))
    await broker.publish("a", EventIn(type="clock", minute=4))  # streamed, not kept
    await broker.publish("a", EventIn(type="goal_disallowed", team="home", minute=5))
    before = {k: v.model_dump() for k, v in broker.matches.items()}
    await broker.close()

    again = Broker(SqliteStore(path))
    assert {k: v.model_dump() for k, v in again.matches.items()} == before
    assert list(again.matches) == ["a", "b"]  # in the order they were added
    # A replay's new match day adds the match again: its timeline starts over.
    await again.add_match(MatchIn(id="a", home="A", away="B"))
    await again.publish("a", EventIn(type="kickoff"))
    after = {k: v.model_dump() for k, v in again.matches.items()}
    await again.close()

    third = Broker(SqliteStore(path))
    assert {k: v.model_dump() for k, v in third.matches.items()} == after
    assert [e.type for e in third.matches["a"].events] == ["kickoff"]
    await third.close()


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE matches (id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, match_id TEXT NOT NULL, data TEXT NOT NULL);
"""


async def test_a_store_of_schema_1_is_carried_over_with_every_match_and_event(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = long_match(50)
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO meta VALUES ('epoch', 'abc1'), ('last_seq', '51')")
    db.execute("INSERT INTO matches VALUES ('m', 0, ?)", (old.model_dump_json(),))
    last = old.events[-1].model_dump_json()
    db.execute("INSERT INTO events VALUES (51, 'card', 'm', ?)", (last,))
    db.commit()
    db.close()

    broker = Broker(SqliteStore(path))
    assert broker.epoch == "abc1" and broker.seq == 51
    assert broker.matches["m"] == old
    assert [f.seq for f in broker.log] == [51]
    await broker.publish("m", EventIn(type="card", team="away", card="red", player="X"))
    await broker.close()

    again = Broker(SqliteStore(path))
    assert again.matches["m"].events[:50] == old.events
    assert len(again.matches["m"].events) == 51
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
