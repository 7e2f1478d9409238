"""desktop.core.notify_rules: kick-off reminders for favourites' matches, rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.core.notify_rules import Notice, NoticeRules, NoticeSettings
from desktop.core.state import Scoreboard
from server.wire import Match, Snapshot, Team

KICKOFF = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)


def match(
    match_id: str,
    home: str,
    away: str,
    kickoff: datetime = KICKOFF,
    status: str = "scheduled",
    round: str | None = None,
) -> Match:
    return Match(
        id=match_id,
        competition="Premier League",
        round=round,
        home=Team(name=home),
        away=Team(name=away),
        kickoff=kickoff,
        status=status,
    )


def board(*matches: Match) -> Scoreboard:
    b = Scoreboard()
    b.apply_snapshot(Snapshot(matches=list(matches)))
    return b


def rules(favourites: set[str], minutes: int | None = 15, **settings: object) -> NoticeRules:
    return NoticeRules(
        NoticeSettings(favourites=favourites, reminder_minutes=minutes, **settings)  # type: ignore[arg-type]
    )


def titles(notices: list[Notice]) -> list[str]:
    return [n.title for n in notices]


def test_reminder_names_the_fixture_minutes_left_and_competition() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea", round="Matchday 3"))
    [n] = rules({"Arsenal"}).due_reminders(b, KICKOFF - timedelta(minutes=10))
    assert n == Notice(
        "Kick-off in 10 min: Arsenal v Chelsea",
        "Premier League · Matchday 3",
        "reminder",
        "ars-che",
    )


def test_reminders_off_send_nothing_even_with_favourites() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    assert rules({"Arsenal"}, minutes=None).due_reminders(b, KICKOFF - timedelta(minutes=5)) == []


def test_no_favourites_no_reminders() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    assert rules(set()).due_reminders(b, KICKOFF - timedelta(minutes=5)) == []


def test_a_match_of_no_favourite_listed_first_does_not_silence_the_favourites_after_it() -> None:
    b = board(
        match("liv-eve", "Liverpool", "Everton"),
        match("ars-che", "Arsenal", "Chelsea"),
        match("tot-ful", "Fulham", "Tottenham"),
    )
    notices = rules({"Arsenal", "Tottenham"}).due_reminders(b, KICKOFF - timedelta(minutes=5))
    assert [n.match_id for n in notices] == ["ars-che", "tot-ful"]


def test_a_match_not_yet_due_does_not_silence_a_due_one_after_it() -> None:
    b = board(
        match("late", "Arsenal", "Chelsea", kickoff=KICKOFF + timedelta(hours=2)),
        match("soon", "Arsenal", "Fulham"),
    )
    notices = rules({"Arsenal"}).due_reminders(b, KICKOFF - timedelta(minutes=5))
    assert [n.match_id for n in notices] == ["soon"]


def test_a_match_already_reminded_does_not_silence_the_others() -> None:
    b = board(match("first", "Arsenal", "Chelsea"))
    r = rules({"Arsenal"})
    now = KICKOFF - timedelta(minutes=5)
    assert len(r.due_reminders(b, now)) == 1
    b.apply_match(match("second", "Arsenal", "Fulham"))
    assert [n.match_id for n in r.due_reminders(b, now)] == ["second"]


def test_a_muted_match_does_not_silence_the_others() -> None:
    b = board(match("muted", "Arsenal", "Chelsea"), match("other", "Arsenal", "Fulham"))
    r = rules({"Arsenal"}, muted_matches={"muted"})
    assert [n.match_id for n in r.due_reminders(b, KICKOFF - timedelta(minutes=5))] == ["other"]


@pytest.mark.parametrize("status", ["live", "half_time", "full_time"])
def test_no_reminder_for_a_match_under_way_or_over(status: str) -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea", status=status))
    assert rules({"Arsenal"}).due_reminders(b, KICKOFF - timedelta(minutes=5)) == []


@pytest.mark.parametrize(
    ("before", "due"),
    [
        (timedelta(minutes=15, seconds=1), False),
        (timedelta(minutes=15), True),
        (timedelta(seconds=1), True),
        (timedelta(0), False),
        (-timedelta(minutes=1), False),
    ],
)
def test_reminder_window_opens_the_chosen_minutes_before_kick_off_and_closes_at_it(
    before: timedelta, due: bool
) -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    assert bool(rules({"Arsenal"}).due_reminders(b, KICKOFF - before)) is due


@pytest.mark.parametrize(
    ("before", "words"),
    [(timedelta(seconds=20), "in 1 min"), (timedelta(seconds=90), "in 2 min")],
)
def test_minutes_left_are_rounded_and_never_zero(before: timedelta, words: str) -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    [n] = rules({"Arsenal"}).due_reminders(b, KICKOFF - before)
    assert n.title == f"Kick-off {words}: Arsenal v Chelsea"


def test_each_match_is_reminded_once_per_kick_off_time() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    r = rules({"Arsenal"})
    assert len(r.due_reminders(b, KICKOFF - timedelta(minutes=10))) == 1
    assert r.due_reminders(b, KICKOFF - timedelta(minutes=9)) == []
    moved = KICKOFF + timedelta(hours=1)
    b.apply_match(match("ars-che", "Arsenal", "Chelsea", kickoff=moved))
    assert titles(r.due_reminders(b, moved - timedelta(minutes=10))) == [
        "Kick-off in 10 min: Arsenal v Chelsea"
    ]


def test_reminders_are_remembered_across_a_viewer_restart() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    r = rules({"Arsenal"})
    r.due_reminders(b, KICKOFF - timedelta(minutes=10))
    again = NoticeRules(r.settings, seen=r.export_seen())
    assert again.due_reminders(b, KICKOFF - timedelta(minutes=9)) == []


def test_mute_all_silences_reminders() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    r = rules({"Arsenal"}, mute_until=KICKOFF + timedelta(hours=1))
    assert r.due_reminders(b, KICKOFF - timedelta(minutes=5)) == []


def test_favourites_are_matched_on_either_side_whatever_the_case() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    assert len(rules({"CHELSEA"}).due_reminders(b, KICKOFF - timedelta(minutes=5))) == 1


def test_tick_gives_the_due_reminders() -> None:
    b = board(match("ars-che", "Arsenal", "Chelsea"))
    assert titles(rules({"Arsenal"}).tick(b, KICKOFF - timedelta(minutes=3))) == [
        "Kick-off in 3 min: Arsenal v Chelsea"
    ]
