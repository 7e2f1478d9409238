"""The viewer's Scoreboard: snapshots, events, duplicates and reconnect diffs."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.core.state import ALL_FIELDS, Change, Scoreboard, is_live, red_cards
from server.core.match_state import apply_event
from server.wire import EventIn, Match, MatchEvent, Snapshot, Team
from server.wire_text import format_minute


def make_match(match_id: str = "m1", home: str = "Arsenal", away: str = "Chelsea") -> Match:
    return Match(
        id=match_id,
        competition="Premier League",
        round="Matchday 1",
        home=Team(name=home),
        away=Team(name=away),
        kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
    )


class Feed:
    """Produces events the way the server does (server.core.match_state), with stream-like ids."""

    def __init__(self, match: Match) -> None:
        self.match = match.model_copy(deep=True)
        self.seq = 0

    def __call__(self, type: str, **kw: object) -> MatchEvent:
        self.seq += 1
        return apply_event(self.match, EventIn(type=type, **kw), f"1-{self.seq}")


def test_snapshot_adds_every_match_in_order_and_sets_last_id() -> None:
    board = Scoreboard()
    changes = board.apply_snapshot(Snapshot(matches=[make_match("a"), make_match("b")]), "1-7")
    assert [(c.kind, c.match_id, c.event) for c in changes] == [
        ("added", "a", None),
        ("added", "b", None),
    ]
    assert list(board.matches) == ["a", "b"]
    assert board.last_event_id == "1-7"


def test_goal_event_takes_score_status_minute_from_event() -> None:
    board = Scoreboard()
    m = make_match()
    board.apply_snapshot(Snapshot(matches=[m]), None)
    feed = Feed(m)
    board.apply_event(feed("kickoff"))
    goal = feed("goal", minute=90, added=3, team="home", player="Saka")
    changes = board.apply_event(goal)
    assert changes == [
        Change("updated", "m1", goal, frozenset({"score", "minute", "added", "events"}))
    ]
    shown = board.matches["m1"]
    assert (shown.score.home, shown.score.away) == (1, 0)
    assert shown.status == "live"
    assert format_minute(shown.minute, shown.added) == "90+3'"
    assert shown.events[-1].player == "Saka"
    assert board.last_event_id == goal.id


def test_same_event_twice_changes_nothing() -> None:
    board = Scoreboard()
    m = make_match()
    board.apply_snapshot(Snapshot(matches=[m]), None)
    feed = Feed(m)
    board.apply_event(feed("kickoff"))
    goal = feed("goal", minute=10, team="away", player="Palmer")
    assert board.apply_event(goal)
    before = board.matches["m1"].model_copy(deep=True)
    assert board.apply_event(goal) == []
    assert board.matches["m1"] == before
    assert len(board.matches["m1"].events) == 2


def test_event_for_unknown_match_is_ignored_and_logged(caplog) -> None:
    board = Scoreboard()
    feed = Feed(make_match("ghost"))
    with caplog.at_level("INFO"):
        assert board.apply_event(feed("kickoff")) == []
    assert board.matches == {}
    assert "unknown match 'ghost'" in caplog.text


def test_clock_moves_minute_only_and_stays_out_of_timeline() -> None:
    board = Scoreboard()
    m = make_match()
    board.apply_snapshot(Snapshot(matches=[m]), None)
    feed = Feed(m)
    board.apply_event(feed("kickoff"))
    tick = feed("clock", minute=23)
    assert board.apply_event(tick) == [Change("updated", "m1", tick, frozenset({"minute"}))]
    assert board.matches["m1"].minute == 23
    assert [e.type for e in board.matches["m1"].events] == ["kickoff"]
    assert board.apply_event(tick) == []  # same minute again: nothing to redraw


def test_match_added_replaces_existing_match_in_place() -> None:
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[make_match("a"), make_match("b")]), None)
    renamed = make_match("a", home="Arsenal Women")
    changes = board.apply_match(renamed, "1-9")
    assert changes == [Change("updated", "a", None, frozenset({"home"}))]
    assert list(board.matches) == ["a", "b"]
    assert board.matches["a"].home.name == "Arsenal Women"
    new = board.apply_match(make_match("c"), "1-10")
    assert new == [Change("added", "c", None, ALL_FIELDS)]
    assert list(board.matches) == ["a", "b", "c"]
    assert board.last_event_id == "1-10"


def test_snapshot_after_reconnect_yields_precise_changes() -> None:
    board = Scoreboard()
    a, b, c = make_match("a"), make_match("b"), make_match("c")
    board.apply_snapshot(Snapshot(matches=[a, b, c]), "1-3")
    # While we were away: a scored, b was dropped, d appeared, c unchanged.
    feed = Feed(a)
    feed("kickoff", minute=0)
    feed("goal", minute=12, team="home", player="Saka")
    changes = board.apply_snapshot(Snapshot(matches=[feed.match, c, make_match("d")]), "2-0")
    assert [(ch.kind, ch.match_id) for ch in changes] == [
        ("removed", "b"),
        ("updated", "a"),
        ("added", "d"),
    ]
    assert changes[1].fields == frozenset({"status", "minute", "score", "events"})
    assert list(board.matches) == ["a", "c", "d"]
    assert board.matches["a"].score.home == 1


def test_subscribers_see_incremental_state_and_can_unsubscribe() -> None:
    board = Scoreboard()
    seen: list[tuple[str, str, list[str]]] = []
    unsubscribe = board.subscribe(
        lambda ch: seen.append((ch.kind, ch.match_id, list(board.matches)))
    )
    board.apply_snapshot(Snapshot(matches=[make_match("a"), make_match("b")]), None)
    assert seen == [("added", "a", ["a"]), ("added", "b", ["a", "b"])]
    unsubscribe()
    board.apply_match(make_match("c"))
    assert len(seen) == 2


def test_broken_listener_does_not_stop_other_listeners() -> None:
    board = Scoreboard()
    got: list[Change] = []

    def broken(change: Change) -> None:
        raise RuntimeError("boom")

    board.subscribe(broken)
    board.subscribe(got.append)
    board.apply_match(make_match("a"))
    assert [c.match_id for c in got] == ["a"]


def test_red_cards_count_reds_and_second_yellows_per_side() -> None:
    board = Scoreboard()
    m = make_match()
    board.apply_snapshot(Snapshot(matches=[m]), None)
    feed = Feed(m)
    for ev in (
        feed("kickoff"),
        feed("card", minute=5, team="home", player="A", card="yellow"),
        feed("card", minute=30, team="home", player="A", card="second_yellow"),
        feed("card", minute=40, team="away", player="B", card="red"),
        feed("card", minute=41, team="away", player="C", card="red"),
    ):
        board.apply_event(ev)
    assert red_cards(board.matches["m1"]) == (1, 2)


def test_is_live_covers_breaks_and_shootout_but_not_before_or_after() -> None:
    m = make_match()
    feed = Feed(m)
    assert not is_live(feed.match)
    feed("kickoff")
    assert is_live(feed.match)
    feed("half_time")
    assert is_live(feed.match)
    feed("second_half")
    feed("full_time")
    assert not is_live(feed.match)


def test_shootout_keeps_minute_where_extra_time_ended() -> None:
    board = Scoreboard()
    m = make_match()
    board.apply_snapshot(Snapshot(matches=[m]), None)
    feed = Feed(m)
    for ev in (
        feed("kickoff"),
        feed("extra_time", minute=91),
        feed("clock", minute=120, added=2),
        feed("penalty_shootout", team="home", player="Saka", scored=True),
    ):
        board.apply_event(ev)
    shown = board.matches["m1"]
    assert shown.status == "penalties"
    assert (shown.minute, shown.added) == (120, 2)
    assert (shown.penalties.home, shown.penalties.away) == (1, 0)
