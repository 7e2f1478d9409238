"""A stream's opening (the retry hint and the snapshot) is written in bounded pieces made
from each match's JSON, encoded once and shared: the bytes are exactly the snapshot event's,
and a stream that reads nothing holds at most a piece of it, however large the snapshot."""

from __future__ import annotations

import asyncio
import tracemalloc

from server.core.broker import Broker
from server.core.frames import RETRY_HINT, WRITE_CHUNK, encode
from server.wire import EventIn, MatchIn


async def big_broker(matches: int = 200, events: int = 20) -> Broker:
    broker = Broker()
    for i in range(matches):
        await broker.add_match(MatchIn(id=f"m{i}", home=f"Home {i}", away=f"Away {i}"))
        await broker.publish(f"m{i}", EventIn(type="kickoff"))
        for k in range(events):
            ev = EventIn(type="card", team="home", card="yellow", player="P" * 60, text="t" * 280)
            await broker.publish(f"m{i}", ev.model_copy(update={"minute": 1 + k}))
    return broker


async def opening(broker: Broker, only: set[str] | None = None) -> list[bytes]:
    stream = broker.subscribe(None, only)
    pieces = []
    while not (pieces and b"".join(pieces[-2:]).endswith(b"]}\r\n\r\n")):
        pieces.append(await anext(stream))
    await stream.aclose()
    return pieces


def expected(broker: Broker, only: set[str] | None = None) -> bytes:
    data = broker.snapshot(only).model_dump_json()
    return RETRY_HINT + encode(broker.last_event_id, "snapshot", data)


async def test_the_opening_is_the_snapshot_event_exactly_in_pieces_of_bounded_size():
    broker = await big_broker()
    pieces = await opening(broker)
    assert b"".join(pieces) == expected(broker)
    assert len(b"".join(pieces)) > 10 * WRITE_CHUNK  # a large snapshot
    assert max(len(p) for p in pieces) <= WRITE_CHUNK


async def test_a_filtered_opening_is_the_filtered_snapshot_exactly():
    broker = await big_broker(matches=30, events=3)
    only = {"m3", "m17", "nope"}
    assert b"".join(await opening(broker, only)) == expected(broker, only)
    # Published since: the pieces of the match that changed are new, the others the same.
    await broker.publish("m3", EventIn(type="goal", team="away", minute=40))
    assert b"".join(await opening(broker, only)) == expected(broker, only)
    assert b"".join(await opening(broker)) == expected(broker)


async def test_an_empty_server_opens_with_an_empty_snapshot():
    broker = Broker()
    assert b"".join(await opening(broker)) == RETRY_HINT + encode(
        f"{broker.epoch}-0", "snapshot", '{"matches":[]}'
    )


async def test_streams_that_read_nothing_hold_a_piece_each_not_the_snapshot():
    broker = await big_broker()
    size = len(expected(broker))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        streams = [broker.subscribe(None, None) for _ in range(100)]
        for stream in streams:
            # What a stream has in hand before its first send blocks (the opening's first
            # two pieces; there is more to come, so neither waits).
            await asyncio.wait_for(anext(stream), 1)
            await asyncio.wait_for(anext(stream), 1)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    for stream in streams:
        await stream.aclose()
    print(f"\n100 streams hold {held / 1e6:.1f} MB of a {size / 1e6:.1f} MB snapshot")
    assert held < 100 * 3 * WRITE_CHUNK
