"""Idempotency keys below the HTTP layer: the SQLite table that keeps keyed answers with their
events, its trimming, and the broker's lock deciding a race of two identical publishes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

import server.store.sqlite
from server.core.broker import Broker
from server.core.idempotency import KeyReused, Keys, Replayed, Replies
from server.store.base import StoredEvent, StoredReply
from server.store.sqlite import SqliteStore
from server.wire import EventIn, Match, MatchIn

MATCH = Match(
    id="m",
    competition="Cup",
    home={"name": "A"},
    away={"name": "B"},
    kickoff="2026-01-01T15:00:00Z",
)


def reply(seq: int, key: str = "k") -> StoredReply:
    return StoredReply("owner POST /x", key, "f" * 64, 201, json.dumps({"id": f"e-{seq}"}), seq)


async def append(store: SqliteStore, seq: int, answer: StoredReply | None = None) -> None:
    await store.append(StoredEvent(seq, "clock", "m", "{}"), MATCH, None, answer)


async def test_store_reloads_a_keyed_answer_written_with_its_event(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path)
    await append(store, 1)
    await append(store, 2, reply(2))
    await store.close()
    again = SqliteStore(path)
    loaded = again.load(100)
    await again.close()
    assert loaded.last_seq == 2
    assert loaded.replies == [reply(2)]


async def test_store_trims_keyed_answers_with_the_event_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.store.sqlite, "TRIM_EVERY", 5)
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path, keep=3)
    for seq in range(1, 11):
        await append(store, seq, reply(seq, key=f"k{seq}"))
    loaded = store.load(3)
    await store.close()
    assert [r.seq for r in loaded.replies] == [8, 9, 10]
    db = sqlite3.connect(path)
    kept = [seq for (seq,) in db.execute("SELECT seq FROM idempotency_keys ORDER BY seq")]
    db.close()
    assert kept == [8, 9, 10]  # trimmed at the 10th append, with the events


async def test_a_key_forgotten_with_its_event_can_be_stored_again(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", keep=2)
    await append(store, 1, reply(1, key="same"))
    await append(store, 2)
    await append(store, 3)
    await append(store, 4, reply(4, key="same"))  # not trimmed from the table yet: replaced
    loaded = store.load(2)
    await store.close()
    assert loaded.replies == [reply(4, key="same")]


async def test_store_written_before_keys_existed_gains_the_table_and_keeps_its_events(
    tmp_path: Path,
) -> None:
    path = tmp_path / "older.sqlite3"
    store = SqliteStore(path)
    await append(store, 1)
    await store.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE idempotency_keys")
    db.close()
    again = SqliteStore(path)
    await append(again, 2, reply(2))
    loaded = again.load(100)
    await again.close()
    assert [e.seq for e in loaded.recent] == [1, 2]
    assert loaded.replies == [reply(2)]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == server.store.sqlite.SCHEMA_VERSION
    db.close()


def test_replies_forget_answers_whose_event_left_the_history() -> None:
    replies = Replies([reply(1, "a"), reply(2, "b")], limit=3)
    replies.add(reply(3, "c"), 3)
    assert len(replies) == 3  # events 1 to 3: the history of 3
    replies.add(None, 4)  # an event without a key still moves the history on
    assert len(replies) == 2  # "a" (event 1) left it
    replies.add(None, 5)
    assert len(replies) == 1


class GatedStore(SqliteStore):
    """The real SQLite store, held at the start of each write while ``gate`` is clear: a
    slow disk, made deterministic."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate, self.writing = asyncio.Event(), asyncio.Event()
        self.gate.set()

    async def append(self, *args, **kwargs) -> None:  # type: ignore[override]
        self.writing.set()
        await self.gate.wait()
        await super().append(*args, **kwargs)


async def test_identical_publish_waiting_on_the_lock_gets_the_first_answer(tmp_path) -> None:
    store = GatedStore(tmp_path / "s.sqlite3")
    broker = Broker(store, history=100)
    await broker.add_match(MatchIn(id="m", home="A", away="B"))
    await broker.publish("m", EventIn(type="kickoff"))
    goal = EventIn(type="goal", team="home", minute=3)
    keys = Keys()
    store.gate.clear()
    store.writing.clear()
    first = asyncio.create_task(broker.publish("m", goal, once=keys.for_event("k", "m", goal)))
    await store.writing.wait()  # the first holds the lock, its write not committed yet
    second = asyncio.create_task(broker.publish("m", goal, once=keys.for_event("k", "m", goal)))
    for _ in range(3):  # turns of the loop: the second goes as far as it can
        await asyncio.sleep(0)
    assert not second.done()  # waiting for the lock, not refused, not published
    store.gate.set()
    event = await first
    with pytest.raises(Replayed) as replayed:
        await second
    other = EventIn(type="goal", team="away", minute=3)
    with pytest.raises(KeyReused):
        await broker.publish("m", other, once=keys.for_event("k", "m", other))
    await broker.close()
    assert json.loads(replayed.value.reply.body) == {"id": event.id}
    assert broker.matches["m"].score.home == 1
    again = SqliteStore(tmp_path / "s.sqlite3")
    kinds = [e.kind for e in again.load(100).recent]
    await again.close()
    assert kinds == ["match_added", "kickoff", "goal"]
