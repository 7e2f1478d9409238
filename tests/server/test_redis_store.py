"""The Redis store's scripts against a real redis-server, in process: the optimistic append,
keys through any server, exact trimming, epochs after restarts, leases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from server.core.broker import Broker
from server.store.base import (
    Answered,
    Behind,
    LeaseLost,
    Seed,
    Stale,
    StoredEvent,
    StoredReply,
    Trimmed,
    Unreachable,
    fence,
)
from server.store.redis import RedisStore, check_url, shown_url
from server.wire import EventIn, Match, MatchIn
from tests.support.services import RedisServer


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def match(match_id: str = "m") -> Match:
    return Match.model_validate(
        {"id": match_id, "competition": "C", "home": {"name": "A"}, "away": {"name": "B"}}
        | {"kickoff": "2026-06-11T19:00:00Z"}
    )


def added(seq: int, m: Match) -> StoredEvent:
    return StoredEvent(seq, "match_added", m.id, m.model_dump_json())


def opened(redis: RedisServer, keep: int = 100) -> RedisStore:
    store = RedisStore(redis.url, keep=keep)
    store.load(keep)  # before the test's loop, as the program does
    return store


async def test_an_append_with_a_number_another_server_took_is_refused(redis):
    one, two = opened(redis), opened(redis)
    assert one.epoch == two.epoch  # the first to start made it, the second found it
    await one.append(added(1, match()), match())
    with pytest.raises(Behind):
        await two.append(added(1, match("x")), match("x"))
    assert [a.event.seq for a in await two.read_range(0)] == [1]
    await two.append(added(2, match("x")), match("x"))
    assert [a.event.match_id for a in await one.read(0, block=0.1)] == ["m", "x"]
    await one.close(), await two.close()


async def test_a_key_used_through_one_server_is_answered_through_another(redis):
    one, two = opened(redis), opened(redis)
    reply = StoredReply("POST /x", "k1", "f1", 201, '{"id":"e-1"}', 1)
    await one.append(added(1, match()), match(), reply=reply)
    with pytest.raises(Answered) as answered:
        await two.append(added(2, match("y")), match("y"), reply=reply)
    assert answered.value.reply == reply
    # Every server reads the answer with its event, to answer retries itself.
    assert (await two.read_range(0))[0].reply == reply
    await one.close(), await two.close()


async def test_the_log_keeps_exactly_the_newest_events_and_a_reader_past_them_is_told(redis):
    store = opened(redis, keep=5)
    m = match()
    for seq in range(1, 13):
        await store.append(added(seq, m), m)
    assert redis.client().xlen(f"{{touchline}}:log:{store.epoch}") == 5
    assert [a.event.seq for a in await store.read_range(7)] == [8, 9, 10, 11, 12]
    with pytest.raises(Trimmed):
        await store.read_range(3)
    with pytest.raises(Trimmed):
        await store.read(3, block=0.1)
    loaded = await store.reload()
    assert (loaded.last_seq, [e.seq for e in loaded.recent]) == (12, [8, 9, 10, 11, 12])
    await store.close()


async def test_answers_are_forgotten_with_their_event(redis):
    store = opened(redis, keep=3)
    m = match()
    old = StoredReply("POST /x", "old", "f", 201, "{}", 1)
    await store.append(added(1, m), m, reply=old)
    for seq in range(2, 6):
        await store.append(added(seq, m), m)
    # Event 1 left the log (3 kept): its key may be used again.
    await store.append(added(6, m), m, reply=old)
    assert (await store.reload()).replies == [StoredReply("POST /x", "old", "f", 201, "{}", 6)]
    await store.close()


async def test_a_restart_that_kept_every_write_keeps_the_epoch(redis):
    store = opened(redis)
    await store.append(added(1, match()), match())
    epoch = store.epoch
    redis.restart()  # appendfsync always: nothing acknowledged can be lost
    with pytest.raises(Unreachable):  # the old connections broke; the log says so once
        await store.append(added(2, match()), match())
    with pytest.raises(Stale):  # a new run_id: nobody decided about the epoch yet
        await store.append(added(2, match()), match())
    assert await store.check(1, lambda: Seed([], [])) is None
    assert store.epoch == epoch
    await store.append(added(2, match()), match())
    await store.close()


async def test_a_restart_that_may_have_lost_writes_begins_a_new_epoch():
    with RedisServer(appendfsync="everysec") as redis:  # may lose the last second
        store = opened(redis)
        m = match()
        await store.append(added(1, m), m)
        epoch = store.epoch
        redis.restart()
        with pytest.raises(Unreachable):
            await store.check(1, lambda: Seed([], []))
        loaded = await store.check(1, lambda: Seed([], []))
        assert loaded is not None and loaded.epoch != epoch
        assert (loaded.last_seq, loaded.matches) == (0, [m])  # what Redis kept stays
        await store.close()


async def test_redis_back_empty_begins_a_new_epoch_from_the_servers_own_copy(redis):
    one, two = opened(redis), opened(redis)
    m = match()
    await one.append(added(1, m), m)
    epoch = one.epoch
    redis.restart(empty=True)
    with pytest.raises(Unreachable):  # its connection broke
        await one.check(1, lambda: Seed([], []))
    seeded = await one.check(1, lambda: Seed([m], []))
    assert seeded is not None and seeded.epoch != epoch and seeded.matches == [m]
    # The other server finds that epoch rather than beginning one more.
    found = await two.check(0, lambda: Seed([], []))
    assert found is not None and found.epoch == seeded.epoch and found.matches == [m]
    await one.close(), await two.close()


async def test_a_new_epoch_tells_followers_of_the_old_log():
    with RedisServer(appendfsync="everysec") as redis:
        one, two = opened(redis), opened(redis)
        await one.append(added(1, match()), match())
        reading = asyncio.ensure_future(two.read(1, block=5))
        await asyncio.sleep(0.2)  # blocked on the old log
        redis.client().hset("{touchline}:meta", "run", "before")  # as a restart leaves it
        assert await one.check(1, lambda: Seed([match()], [])) is not None  # a new epoch
        with pytest.raises(Stale):
            await reading
        await one.close(), await two.close()


async def test_a_lease_runs_one_publisher_and_fences_the_others_appends(redis):
    one, two = opened(redis), opened(redis)
    m = match()
    assert await one.acquire("replay:x", 5) and not await two.acquire("replay:x", 5)
    fenced = fence.set("replay:x")  # as run_alone runs the publisher
    try:
        await one.append(added(1, m), m, progress=("replay:x", "1:1"))
        assert two.progress("replay:x") is None
        await two.read_range(0)
        assert two.progress("replay:x") == "1:1"  # read with the event
        redis.client().delete("{touchline}:lease:replay:x")  # expired while one was paused
        assert await two.acquire("replay:x", 5)
        with pytest.raises(LeaseLost):
            await one.append(added(2, m), m, progress=("replay:x", "1:2"))
        assert not await one.renew("replay:x", 5)
        with pytest.raises(LeaseLost):  # known lost: refused without asking Redis
            await one.append(added(2, m), m)
        await two.append(added(2, m), m, progress=("replay:x", "1:2"))
    finally:
        fence.reset(fenced)
    await one.close(), await two.close()


async def test_brokers_on_two_servers_agree_on_the_score_of_concurrent_goals(redis):
    # Two brokers in one process, each as a server would have it, publishing at once.
    one = Broker(RedisStore(redis.url, keep=1000), history=1000)
    two = Broker(RedisStore(redis.url, keep=1000), history=1000)
    followers = [asyncio.ensure_future(b.follow()) for b in (one, two)]
    try:
        await one.add_match(MatchIn.model_validate({"id": "m", "home": "A", "away": "B"}))
        await two.catch_up_store()
        await two.publish("m", EventIn(type="kickoff"))
        await one.catch_up_store()
        goals = [
            broker.publish("m", EventIn(type="goal", team=side))
            for _ in range(10)
            for broker, side in ((one, "home"), (two, "away"))
        ]
        ids = [event.id for event in await asyncio.gather(*goals)]
        await one.catch_up_store(), await two.catch_up_store()
        assert sorted(int(i.rpartition("-")[2]) for i in ids) == list(range(3, 23))
        for broker in (one, two):
            assert broker.matches["m"].score.model_dump() == {"home": 10, "away": 10}
        assert one.matches["m"].model_dump() == two.matches["m"].model_dump()
        assert [f.seq for f in one.log] == [f.seq for f in two.log] == list(range(1, 23))
    finally:
        for task in followers:
            task.cancel()
        await one.close(), await two.close()


async def test_a_goal_update_through_one_server_rewrites_the_goal_alike_on_every_server(redis):
    # A goal_update rewrites an earlier goal, which the update alone cannot rebuild (its text
    # is kept when the update brings one): the entry carries the match's state.
    one = Broker(RedisStore(redis.url, keep=100), history=100)
    two = Broker(RedisStore(redis.url, keep=100), history=100)
    try:
        await one.add_match(MatchIn.model_validate({"id": "m", "home": "A", "away": "B"}))
        await one.publish("m", EventIn(type="kickoff"))
        goal = await one.publish("m", EventIn(type="goal", team="home", minute=20))
        await two.catch_up_store()
        update = {"type": "goal_update", "updates": goal.id, "player": "Saka", "text": "Saka!"}
        await two.publish("m", EventIn.model_validate(update))
        await one.catch_up_store()
        assert one.matches["m"].events[-1].player == "Saka"
        assert one.matches["m"].model_dump() == two.matches["m"].model_dump()
        assert one.snapshot().model_dump_json() == two.snapshot().model_dump_json()
    finally:
        await one.close(), await two.close()


def test_urls_are_checked_and_shown_without_their_password():
    assert shown_url("redis://user:secret@host:6380/2") == "redis://user:***@host:6380/2"
    assert shown_url("redis://host/0") == "redis://host/0"
    with pytest.raises(ValueError, match="redis://"):
        check_url("http://host:6379")
