"""desktop.stream.classic: the original article's ``Match Summary`` lines become wire models."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, apply_item
from desktop.core.state import Scoreboard
from desktop.stream.classic import ClassicAdapter
from desktop.stream.client import StreamClient
from server.core.frames import classic_frame
from server.core.match_state import apply_event
from server.wire import EVENT_TYPES, EventIn, Match, Score, Team
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
    assert (match.home.name, match.away.name, match.competition) == ("Team A", "Team B", "Live")
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


def test_the_servers_classic_lines_read_back_as_the_events_they_were() -> None:
    """The server writes (server/core/frames.py) and the adapter reads (this module) the same
    line format and phrase table (server/wire_text.py): every event type survives the trip."""
    match = Match(
        id="m1",
        competition="Cup",
        home=Team(name="Home FC"),
        away=Team(name="Away FC"),
        kickoff=NOW,
    )
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

    def data_of(frame: bytes) -> str:
        return frame.decode().strip().removeprefix("data: ")

    adapter = ClassicAdapter(now=lambda: NOW)
    [first] = adapter.feed(data_of(classic_frame("match_added", match.model_dump(mode="json"))))
    assert isinstance(first, SnapshotItem)
    assert first.snapshot.matches[0].home.name == "Home FC"
    for n, ev in enumerate(story):
        sent = apply_event(match, ev, f"e-{n}")
        [item] = adapter.feed(data_of(classic_frame(sent.type, sent.model_dump(mode="json"))))
        assert isinstance(item, EventItem)
        got = item.event
        fields = ("type", "card", "minute", "added", "score", "status", "penalty", "own_goal")
        assert [getattr(got, f) for f in fields] == [getattr(sent, f) for f in fields]
        if sent.type in ("goal", "goal_disallowed"):
            assert got.team == sent.team
