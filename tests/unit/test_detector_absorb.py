"""Taking a match in silently (first sight, after an outage, what events cannot say): the
match comes out exactly as the snapshot says, and what was taken in is not news later."""

from __future__ import annotations

from server.core.match_state import apply_event
from server.feeds.providers.base import TeamRef
from server.feeds.providers.detector import GoalRecord, Memory, absorb
from server.wire import EventIn
from tests.support.detector_steps import Driven, types, wire_match
from tests.support.provider_snapshots import AWAY, HOME, KICKOFF, card, goal, snap


def test_first_sight_builds_the_match_with_its_teams_and_own_event_ids():
    first = snap("first_half", (1, 0), minute=20, incidents=[goal("home", 12, "Messi")])
    match, memory, notes = absorb(first, None, None)
    assert (match.id, match.competition, match.round, match.kickoff) == (
        "fd-1",
        "World Cup",
        "Final",
        KICKOFF,
    )
    assert (match.home.name, match.home.code, match.away.name, match.away.code) == (
        "Argentina",
        "ARG",
        "France",
        "FRA",
    )
    assert [(e.id, e.type) for e in match.events] == [("fd-1.1", "kickoff"), ("fd-1.2", "goal")]
    assert memory.teams == (HOME.ref, AWAY.ref)
    assert memory.goals == [
        GoalRecord(
            side="home",
            id="fd-1.2",
            key=first.incidents[0].key,
            detail=("Messi", 12, None, False, False),
        )
    ]
    assert notes == []


def test_a_match_another_publisher_made_is_taken_over_with_its_goals():
    match = wire_match()
    for n, event in enumerate(
        [
            EventIn(type="kickoff"),
            EventIn(type="goal", team="home", player="Messi", minute=10, penalty=True),
            EventIn(type="goal", team="away", player="Mbappé", minute=20),
            EventIn(type="goal_disallowed", team="away"),
            EventIn(type="half_time"),
        ],
        start=1,
    ):
        apply_event(match, event, f"pub.{n}")
    taken, memory, _ = absorb(snap("half_time", (1, 0)), match, None)
    assert memory.position == 2 and taken.status == "half_time"
    assert [(g.side, g.id, g.detail, g.cancelled) for g in memory.goals] == [
        ("home", "pub.2", ("Messi", 10, None, True, False), False),
        ("away", "pub.3", ("Mbappé", 20, None, False, False), True),
    ]
    assert [e.id for e in taken.events] == [f"pub.{n}" for n in range(1, 6)]
    # From there on, followed live: the second half, nothing repeated.
    run = Driven(snap())
    run.match, run.memory = taken, memory
    assert types(run.poll(snap("second_half", (1, 0), minute=46))) == ["second_half"]


def test_a_silent_poll_forgets_a_pending_fall():
    run = Driven(snap("first_half", (0, 0), minute=10))
    run.poll(snap("first_half", (1, 0), minute=11))
    run.poll(snap("first_half", (0, 0), minute=12))
    assert run.memory.falls
    run.match, run.memory, _ = absorb(snap("first_half", (1, 0), minute=13), run.match, run.memory)
    assert run.memory.falls == {}


def test_a_score_taken_in_lower_than_its_listed_goals_is_the_snapshots():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    listed = [goal("home", 11, "Messi", key="g1"), goal("home", 12, "Di María", key="g2")]
    run.poll(snap("first_half", (2, 0), minute=12, incidents=listed))
    match, memory, notes = absorb(
        snap("first_half", (1, 0), minute=13, incidents=listed), run.match, run.memory
    )
    assert str(match.score) == "1–0"
    assert [g.cancelled for g in memory.goals] == [False, True]
    assert notes == ["home score fell to 1 while its goals are still listed: kept"]


def test_a_score_taken_in_higher_than_its_goals_adds_goals_known_as_a_number():
    match, memory, _ = absorb(snap("full_time", (2, 1)), None, None)
    assert str(match.score) == "2–1" and match.status == "full_time"
    assert [(g.side, g.id) for g in memory.goals] == [
        ("home", None),
        ("home", None),
        ("away", None),
    ]


def test_incidents_taken_in_after_full_time_are_not_news_later():
    booked = [card("home", 80, "Otamendi"), card("away", 85, "Rabiot")]
    run = Driven(snap("full_time", (0, 0), incidents=booked))
    assert sorted(run.memory.seen) == sorted(c.key for c in booked)
    assert run.poll(snap("full_time", (0, 0), incidents=booked)) == [] and run.notes == []


def test_a_score_without_a_number_leaves_the_wire_score():
    match, _memory, _ = absorb(snap("first_half", None, minute=5), None, None)
    assert str(match.score) == "0–0" and match.status == "live"


def test_shootout_totals_before_the_shootout_are_not_taken_in():
    match, _memory, _ = absorb(
        snap("extra_time_second", (1, 1), minute=110, penalties=(2, 1), extra_time=True), None, None
    )
    assert match.penalties is None


def test_taking_in_with_memory_keeps_the_memory_given():
    run = Driven(snap("first_half", (0, 0), minute=10))
    before = run.memory.model_copy(deep=True)
    absorb(snap("second_half", (3, 0), minute=50), run.match, run.memory)
    assert run.memory == before


def test_taking_in_a_known_match_keeps_its_kickoff_once_started():
    run = Driven(snap("first_half", (0, 0), minute=10))
    moved = KICKOFF.replace(hour=18)
    match, _memory, _ = absorb(
        snap("first_half", (0, 0), minute=11, kickoff=moved), run.match, run.memory
    )
    assert match.kickoff == KICKOFF


def test_teams_renamed_are_said_when_taken_in():
    renamed = TeamRef("La Albiceleste", "ARG", HOME.ref)
    run = Driven(snap("first_half", (0, 0), minute=10))
    _match, _memory, notes = absorb(
        snap("first_half", (0, 0), minute=11, home=renamed), run.match, run.memory
    )
    assert notes == ["teams renamed to La Albiceleste v France: keeping Argentina v France"]


def test_a_memory_without_teams_takes_them_from_first_sight_only():
    match, memory, _ = absorb(snap("first_half", (0, 0), minute=1), wire_match(), Memory())
    assert memory.teams == (None, None) and match.status == "live"
