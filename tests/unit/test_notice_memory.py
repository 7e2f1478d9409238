"""desktop.core.notify_rules: which events notify at all, and the memory that keeps a goal from
notifying twice (across reconnects, restarts and looping demos)."""

from __future__ import annotations

from datetime import timedelta

from desktop.core.items import EventItem, MatchAddedItem
from desktop.core.notify_rules import NoticeRules, NoticeSettings, content_key
from tests.unit.test_notify_rules import World, make_match, started


def test_content_keys_are_the_same_in_every_version_as_they_are_saved() -> None:
    w = started()
    ev = w.make("m", "goal", minute=67, team="home", player="Saka")
    # A viewer saves these keys (export_seen) and reads them back after an upgrade.
    assert content_key(ev) == "m|7eb7ba82eacd9652"


def test_the_memory_keeps_four_thousand_keys_by_default() -> None:
    rules = NoticeRules(seen=[f"k{i}" for i in range(4001)])
    kept = rules.export_seen()
    assert (len(kept), kept[0], kept[-1]) == (4000, "k1", "k4000")


def test_a_red_card_notifies_when_red_cards_are_on() -> None:
    w = started(NoticeRules(NoticeSettings(kinds={"red_card"})))
    assert w.live("m", "card", minute=30, team="home", player="Rice", card="yellow") == []
    [n] = w.live("m", "card", minute=31, team="home", player="Rice", card="red")
    assert (n.kind, n.title, n.body) == (
        "red_card",
        "Red card: Arsenal 0–0 Chelsea",
        "31' Rice, Arsenal",
    )


def test_kick_off_and_half_time_notify_when_switched_on() -> None:
    w = World(NoticeRules(NoticeSettings(kinds={"kickoff", "half_time"})))
    w.add(make_match())
    w.snapshot()
    w.rules.connected(w.now, w.now)
    [kickoff] = w.live("m", "kickoff")
    assert (kickoff.kind, kickoff.title, kickoff.body) == (
        "kickoff",
        "Kick-off: Arsenal v Chelsea",
        "Premier League",
    )
    [half] = w.live("m", "half_time")
    assert (half.kind, half.title) == ("half_time", "Half time: Arsenal 0–0 Chelsea")


def test_a_match_added_with_its_history_marks_that_history_seen() -> None:
    # A viewer resumes (no snapshot) and the server re-announces a match mid-way.
    w = World()
    w.rules.connected(w.now, w.now)
    w.add(make_match())
    w.make("m", "kickoff")
    goal = w.make("m", "goal", minute=5, team="home", player="Saka")
    assert w.feed(MatchAddedItem(w.server["m"].model_copy(deep=True), None)) == []
    assert w.feed(EventItem(goal, goal.id)) == []  # already on the board: no notice


def test_after_a_resumed_start_a_later_snapshot_reports_what_was_missed() -> None:
    # The viewer started with a saved Last-Event-ID: no snapshot, the stream went on.
    w = World()
    w.rules.connected(w.now, w.now)
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), None))
    w.live("m", "kickoff")
    # Later the resume fails and a snapshot comes: it holds a goal never seen.
    w.make("m", "goal", minute=30, team="home", player="Saka")
    assert w.snapshot() == []
    [n] = w.tick(2)
    assert n.title == "GOAL! Arsenal 1–0 Chelsea"


def test_a_match_first_announced_live_and_restarted_notifies_its_goals_again() -> None:
    w = World()
    w.snapshot()  # an empty server
    w.rules.connected(w.now, w.now)
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), None))
    w.live("m", "kickoff")
    assert len(w.live("m", "goal", minute=5, team="home", player="Saka")) == 1
    # The demo loops: the same server run adds the match afresh and plays it again.
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), None))
    w.live("m", "kickoff")
    w.now += timedelta(seconds=30)
    [n] = w.live("m", "goal", minute=5, team="home", player="Saka")
    assert n.title == "GOAL! Arsenal 1–0 Chelsea"


def test_after_switching_servers_the_next_snapshot_is_silent_again() -> None:
    w = started()
    w.rules.rebaseline()
    other = World(w.rules, epoch="other")
    other.add(make_match("x", "Spurs", "Fulham"))
    other.make("x", "kickoff")
    other.make("x", "goal", minute=5, team="home", player="Son")
    assert other.snapshot() == []
    assert other.tick(5) == []
