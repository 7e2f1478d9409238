"""desktop.core.notify_rules: when a notice goes out at once, waits for a summary, or not at all.

The defaults (four notices in ten seconds, one second to settle, two seconds of tolerance for
catch-up) are the product's behaviour, so they are checked as they are."""

from __future__ import annotations

from datetime import timedelta

from desktop.core.items import EventItem
from desktop.core.notify_rules import NoticeRules
from tests.unit.test_notify_rules import World, make_match, started


def matches(n: int) -> list:
    return [make_match(f"m{i}", f"Home{i}", f"Away{i}") for i in range(n)]


def goal(w: World, match_id: str, minute: int = 10) -> list:
    return w.live(match_id, "goal", minute=minute, team="home", player="X")


def test_four_notices_go_out_at_once_then_the_rest_wait_for_one_summary() -> None:
    w = started(None, *matches(6))
    assert [len(goal(w, f"m{i}")) for i in range(6)] == [1, 1, 1, 1, 0, 0]
    assert w.tick(0.9) == []  # still settling
    [n] = w.tick(0.1)
    assert (n.kind, n.title) == ("summary", "2 goals just now")


def test_the_burst_window_is_ten_seconds() -> None:
    w = started(None, *matches(6))
    for i in range(4):
        goal(w, f"m{i}")
    w.now += timedelta(seconds=9.9)
    assert goal(w, "m4") == []  # four already went out in the last ten seconds
    later = started(None, *matches(5))
    for i in range(4):
        goal(later, f"m{i}")
    later.now += timedelta(seconds=10)
    assert len(goal(later, "m4")) == 1  # the first four are ten seconds old: out of the window


def test_while_notices_are_held_a_new_one_joins_them() -> None:
    w = started(NoticeRules(burst_limit=1), *matches(3))
    assert len(goal(w, "m0")) == 1
    assert goal(w, "m1") == []
    w.now += timedelta(seconds=30)  # the window has passed, but the held one goes first
    assert goal(w, "m2") == []
    [n] = w.tick(1)
    assert n.title == "2 goals just now"


def test_an_event_published_more_than_two_seconds_before_the_stream_opened_is_catch_up() -> None:
    w = started()
    opened = w.now
    early = w.make("m", "goal", at=opened - timedelta(seconds=2.5), minute=5, team="home")
    assert w.feed(EventItem(early, None)) == []
    [n] = w.tick(1)
    assert n.title == "GOAL! Arsenal 1–0 Chelsea"  # a lone held notice goes out as itself


def test_an_event_published_up_to_two_seconds_before_the_stream_opened_is_live() -> None:
    w = started()
    opened = w.now
    edge = w.make("m", "goal", at=opened - timedelta(seconds=2), minute=5, team="home")
    assert len(w.feed(EventItem(edge, None))) == 1


def test_an_event_without_a_publication_time_is_live() -> None:
    w = started()
    ev = w.make("m", "goal", minute=5, team="home")
    ev.at = None
    assert len(w.feed(EventItem(ev, None))) == 1


def test_before_the_stream_says_when_it_opened_the_viewers_clock_judges_catch_up() -> None:
    w = World()
    w.add(make_match())
    w.make("m", "kickoff")
    w.snapshot()  # no connected(): a stream that sent no Date header
    now = w.make("m", "goal", at=w.now, minute=5, team="home")
    assert [n.title for n in w.feed(EventItem(now, None))] == ["GOAL! Arsenal 1–0 Chelsea"]
    old = w.make("m", "goal", at=w.now - timedelta(minutes=1), minute=6, team="home")
    assert w.feed(EventItem(old, None)) == []  # held for the catch-up summary


def test_mute_all_ends_at_the_time_set() -> None:
    w = started()
    w.rules.settings.mute_until = w.now + timedelta(minutes=30)
    w.now += timedelta(minutes=30)
    assert len(goal(w, "m")) == 1


def test_notices_held_when_mute_all_starts_are_dropped() -> None:
    w = started(NoticeRules(burst_limit=0), make_match())
    assert goal(w, "m") == []
    w.rules.settings.mute_until = w.now + timedelta(hours=1)
    assert w.tick(2) == []
    w.now += timedelta(hours=2)
    assert w.tick(2) == []  # dropped, not saved for later
