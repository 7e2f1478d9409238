"""desktop.stream.classic: the original article's ``Match Summary`` lines become wire models."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, apply_item
from desktop.core.state import Scoreboard
from desktop.stream.classic import ClassicAdapter
from desktop.stream.client import StreamClient
from desktop.stream.sse_parser import EventStreamParser
from server.core.broker import Broker
from server.core.frames import RETRY_HINT
from server.wire import EVENT_TYPES, EventIn, MatchIn, Score, Team
from tests.support.stream_fixtures import TinyServer, sse_head
from tests.support.wait import wait_until_async

NOW = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)


def line(time: str, scores: str, event: str) -> str:
    return "Match Summary: " + json.dumps({"time": time, "scores": scores, "event": event})


ARTICLE = [
    line("00:00", "0:0", "Kick-off!"),
    line("12'", "1:0", "Goal! Team A scores!"),
    line("30'", "1:0", "Yellow card for Team B"),
    line("45+2'", "1:0", "Half time"),
    line("46'", "1:0", "Second half under way"),
    line("67'", "1:1", "Goal! Team B scores!"),
    line("70'", "1:0", "Goal disallowed after VAR review"),
    line("90+3'", "1:0", "Full time"),
]


def test_article_stream_becomes_one_match_with_a_timeline() -> None:
    adapter, board = ClassicAdapter(now=lambda: NOW), Scoreboard()
    items = [item for data in ARTICLE for item in adapter.feed(data)]
    for item in items:
        apply_item(board, item)
    assert isinstance(items[0], SnapshotItem)  # the first line is the silent baseline
    assert all(isinstance(i, EventItem) for i in items[1:])
    match = board.matches["classic"]
    assert (match.home.name, match.away.name, match.competition) == (
        "Team A",
        "Team B",
        "Classic feed",  # not "Live": a group holding a finished match
    )
    assert [(e.type, e.team, e.minute, e.added) for e in match.events] == [
        ("goal", "home", 12, None),
        ("card", None, 30, None),
        ("half_time", None, 45, 2),
        ("second_half", None, 46, None),
        ("goal", "away", 67, None),
        ("goal_disallowed", "away", 70, None),
        ("full_time", None, 90, 3),
    ]
    assert match.events[0].text == "Goal! Team A scores!"
    assert match.events[1].card == "yellow"
    assert (match.score, match.status) == (Score(home=1, away=0), "full_time")


def test_replaying_server_yields_nothing_twice_after_reconnect() -> None:
    adapter, board = ClassicAdapter(now=lambda: NOW), Scoreboard()
    for data in ARTICLE[:5]:
        for item in adapter.feed(data):
            apply_item(board, item)
    adapter.new_connection()  # the article's server starts again from the top
    replayed = [item for data in ARTICLE for item in adapter.feed(data)]
    assert [i.event.text for i in replayed] == [  # type: ignore[union-attr]
        "Goal! Team B scores!",
        "Goal disallowed after VAR review",
        "Full time",
    ]
    for item in replayed:
        apply_item(board, item)
    assert len(board.matches["classic"].events) == 7


def test_identical_lines_in_one_connection_are_distinct_events() -> None:
    adapter = ClassicAdapter(now=lambda: NOW)
    adapter.feed(line("1'", "0:0", "Kick-off"))
    a = adapter.feed(line("5'", "0:0", "Corner"))
    b = adapter.feed(line("5'", "0:0", "Corner"))
    assert a[0].event.id != b[0].event.id  # type: ignore[union-attr]


def test_fixture_line_names_the_teams_and_starts_a_fresh_match() -> None:
    adapter = ClassicAdapter(now=lambda: NOW)
    [first] = adapter.feed(line("00:00", "0:0", "Arsenal v Chelsea (Premier League)"))
    assert isinstance(first, SnapshotItem)
    shown = first.snapshot.matches[0]
    assert (shown.home.name, shown.away.name, shown.status) == ("Arsenal", "Chelsea", "scheduled")
    adapter.feed(line("0'", "0:0", "Kick-off"))
    [goal] = adapter.feed(line("9'", "1:0", "Goal! Saka"))
    assert goal.event.type == "goal" and goal.event.status == "live"  # type: ignore[union-attr]
    [again] = adapter.feed(line("00:00", "0:0", "Spurs v Fulham (Premier League)"))
    assert isinstance(again, MatchAddedItem) and again.match.events == []


async def test_article_server_through_the_stream_client_reconnects_without_duplicates() -> None:
    """A server like the article's: unnamed events, no ids, the whole story on each connect."""

    async def article(writer: asyncio.StreamWriter, n: int) -> None:
        told = ARTICLE[: 4 + 2 * n]  # each connection tells a bit more, from the top
        body = "".join(f"data: {data}\n\n" for data in told)
        writer.write(sse_head() + f"retry: 10\n\n{body}".encode())
        await writer.drain()

    board = Scoreboard()
    client = StreamClient("", lambda item: apply_item(board, item), max_delay=0.1)
    async with TinyServer(article) as tiny:
        client.url = tiny.url + "/live-scores"
        task = asyncio.create_task(client.run())
        try:
            await wait_until_async(lambda: len(tiny.requests) >= 3, what="three connections")
            await wait_until_async(
                lambda: len(board.matches.get("classic").events) >= 7, what="events"
            )
        finally:
            client.stop()
            await task
    events = board.matches["classic"].events
    assert len({e.id for e in events}) == len(events) == 7
    assert board.matches["classic"].status == "full_time"


async def test_the_servers_classic_stream_reads_back_as_the_events_it_carries() -> None:
    """The server writes (server/core/frames.py, through the broker's classic stream) and the
    adapter reads (this module) the same line format and phrase table (server/wire_text.py):
    every event type but the clock ticks, which a classic stream leaves out, survives the
    trip, and every line names its match."""
    story = [
        EventIn(type="kickoff"),
        EventIn(type="goal", minute=10, team="home", player="Saka", penalty=True),
        EventIn(type="card", minute=20, team="away", player="Rice", card="yellow"),
        EventIn(type="card", minute=31, team="away", player="Rice", card="second_yellow"),
        EventIn(type="card", minute=33, team="home", player="Odegaard", card="red"),
        EventIn(type="clock", minute=40),
        EventIn(type="half_time", minute=45, added=2),
        EventIn(type="second_half"),
        EventIn(type="substitution", minute=60, team="home", player_in="In", player_out="Out"),
        EventIn(type="goal_disallowed", minute=70, team="home"),
        EventIn(type="goal", minute=80, team="away", player="Own", own_goal=True),
        EventIn(type="goal", minute=85, team="home"),
        EventIn(type="extra_time"),
        EventIn(type="penalty_shootout", team="home", player="Saka", scored=True),
        EventIn(type="full_time"),
    ]
    assert {ev.type for ev in story} == set(EVENT_TYPES)
    broker = Broker()
    body = broker.subscribe(None, None, classic=True)
    assert await anext(body) == RETRY_HINT  # no snapshot in a classic stream
    spec = MatchIn(id="m1", competition="Cup", home=Team(name="Home FC"), away=Team(name="Away"))
    await broker.add_match(spec)
    sent = [await broker.publish("m1", ev) for ev in story]
    lines = [d.data for d in EventStreamParser().feed(await anext(body)) if d.data is not None]

    assert len(lines) == 1 + len(story) - 1  # the match, then every event but the clock tick
    assert all('"scores": "Home FC ' in line and ' Away"' in line for line in lines)
    adapter = ClassicAdapter(now=lambda: NOW)
    [first] = adapter.feed(lines[0])
    assert isinstance(first, SnapshotItem)
    shown = first.snapshot.matches[0]
    assert (shown.home.name, shown.away.name, shown.competition) == ("Home FC", "Away", "Cup")
    for line, ev in zip(lines[1:], [ev for ev in sent if ev.type != "clock"], strict=True):
        [item] = adapter.feed(line)
        assert isinstance(item, EventItem)
        got = item.event
        fields = ("type", "card", "minute", "added", "score", "status", "penalty", "own_goal")
        assert [getattr(got, f) for f in fields] == [getattr(ev, f) for f in fields]
        assert got.match == shown.id
        if ev.type in ("goal", "goal_disallowed"):
            assert got.team == ev.team
    await body.aclose()


async def test_a_classic_stream_of_many_matches_keeps_them_apart_and_match_keeps_one() -> None:
    broker = Broker()
    every = broker.subscribe(None, None, classic=True)
    one = broker.subscribe(None, ["ars-che"], classic=True)
    for body in (every, one):
        assert await anext(body) == RETRY_HINT
    for match_id, home, away in (
        ("ars-che", "Arsenal", "Chelsea"),
        ("liv-mci", "Liverpool", "Man City"),
    ):
        await broker.add_match(MatchIn(id=match_id, home=Team(name=home), away=Team(name=away)))
        await broker.publish(match_id, EventIn(type="kickoff"))
    goal = await broker.publish("liv-mci", EventIn(type="goal", minute=3, team="away"))
    await broker.publish("liv-mci", EventIn(type="goal_update", updates=goal.id, player="Haaland"))
    await broker.publish("ars-che", EventIn(type="clock", minute=4))
    await broker.publish("ars-che", EventIn(type="card", minute=5, team="home", card="yellow"))

    def lines(chunk: bytes) -> list[dict]:
        found = [d.data for d in EventStreamParser().feed(chunk) if d.data is not None]
        return [json.loads(line.removeprefix("Match Summary: ")) for line in found]

    mine = lines(await anext(one))
    assert [(m["scores"], m["event"]) for m in mine] == [
        ("Arsenal 0:0 Chelsea", "Arsenal v Chelsea (Friendly)"),
        ("Arsenal 0:0 Chelsea", "Kick-off"),
        ("Arsenal 0:0 Chelsea", "Yellow card: Arsenal"),
    ]
    adapter, board = ClassicAdapter(now=lambda: NOW), Scoreboard()
    everything = lines(await anext(every))
    # Two matches, two kick-offs, a goal, a card: no clock tick, no goal_update (it would
    # read as a second goal).
    assert len(everything) == 6
    for line in everything:
        for item in adapter.feed("Match Summary: " + json.dumps(line)):
            apply_item(board, item)
    assert sorted((m.home.name, m.away.name, str(m.score)) for m in board.matches.values()) == [
        ("Arsenal", "Chelsea", "0–0"),
        ("Liverpool", "Man City", "0–1"),
    ]
    assert [e.type for e in board.matches["classic:Arsenal v Chelsea"].events] == [
        "kickoff",
        "card",
    ]
    for body in (every, one):
        await body.aclose()
