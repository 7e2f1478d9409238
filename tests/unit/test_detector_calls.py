"""Matches off the usual path (postponed, cancelled, awarded, abandoned, suspended, a kick-off
moved) and what the detector says and keeps about them, driven step by step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.feeds.providers.detector import Absorb, Memory, absorb, next_step
from tests.support.detector_steps import Driven, types
from tests.support.provider_snapshots import KICKOFF, goal, snap


def test_postponed_then_cancelled_before_kickoff_says_cancelled():
    run = Driven(snap())
    run.poll(snap("postponed"))
    assert run.match.round == "Final · postponed"
    assert run.memory.called_off == "postponed"
    run.poll(snap("cancelled"))
    assert run.absorbed == ["postponed before kick-off", "cancelled before kick-off"]
    assert run.match.round == "Final · cancelled" and run.match.status == "scheduled"
    assert run.memory.called_off == "cancelled"


def test_a_postponed_match_without_a_round_says_postponed_alone():
    match, memory, _ = absorb(snap("postponed", round=None), None, None)
    assert match.round == "Postponed" and memory.called_off == "postponed"


def test_an_awarded_result_before_kickoff_says_so_in_the_round():
    match, _memory, _ = absorb(snap("awarded", (3, 0)), None, None)
    assert (match.status, match.round) == ("scheduled", "Final · result awarded")
    assert str(match.score) == "0–0"  # an awarded score is no goal scored


def test_a_postponed_match_back_on_the_schedule_drops_the_word():
    run = Driven(snap("postponed"))
    assert run.poll(snap("postponed")) == [] and run.absorbed == []
    run.poll(snap())
    assert run.absorbed == ["no longer postponed"]
    assert run.match.round == "Final" and run.memory.called_off is None


def test_a_postponed_match_that_kicks_off_after_all_is_followed_live_from_the_next_poll():
    run = Driven(snap("postponed"))
    assert run.poll(snap("first_half", (0, 0), minute=2)) == []
    assert (run.match.status, run.match.round, run.memory.called_off) == (
        "scheduled",
        "Final",
        None,
    )
    assert types(run.poll(snap("first_half", (0, 0), minute=3))) == ["kickoff"]


def test_a_kickoff_time_moved_before_the_match_is_taken_in():
    run = Driven(snap())
    later = KICKOFF + timedelta(hours=2)
    assert run.poll(snap(kickoff=later)) == []
    assert run.absorbed == ["the kick-off time moved"]
    assert run.match.kickoff == later
    # The same time again moves nothing.
    assert run.poll(snap(kickoff=later)) == [] and run.absorbed == ["the kick-off time moved"]


def test_a_kickoff_time_moved_after_kickoff_is_not_news():
    run = Driven(snap("first_half", (0, 0), minute=5))
    events = run.poll(snap("first_half", (0, 0), minute=6, kickoff=KICKOFF + timedelta(hours=1)))
    assert types(events) == [] and run.absorbed == []
    assert run.match.kickoff == KICKOFF


@pytest.mark.parametrize(
    ("phase", "text"),
    [
        ("abandoned", "Abandoned, Argentina 1–0 France"),
        ("postponed", "Abandoned (postponed), Argentina 1–0 France"),
        ("cancelled", "Abandoned (cancelled), Argentina 1–0 France"),
    ],
)
def test_called_off_during_play_ends_the_match_saying_why(phase, text):
    run = Driven(snap("second_half", (1, 0), minute=70))
    events = run.poll(snap(phase, (1, 0)))
    assert [(e.type, e.text) for e in events] == [("full_time", text)]
    assert run.match.status == "full_time" and run.memory.position == 8


def test_a_result_awarded_during_play_ends_it_without_counting_the_awarded_score():
    run = Driven(snap("first_half", (1, 0), minute=30))
    events = run.poll(snap("awarded", (0, 3)))
    assert [(e.type, e.text) for e in events] == [
        ("full_time", "Result awarded, Argentina 1–0 France")
    ]
    assert str(run.match.score) == "1–0"


def test_abandoned_in_the_break_ends_from_the_break():
    run = Driven(snap("half_time", (0, 0)))
    events = run.poll(snap("abandoned", (0, 0)))
    assert types(events) == ["full_time"]


def test_a_match_abandoned_before_kickoff_stays_scheduled_and_says_abandoned():
    run = Driven(snap())
    run.poll(snap("abandoned"))
    assert (run.match.status, run.match.round) == ("scheduled", "Final · abandoned")


def test_an_abandoned_match_taken_in_after_an_outage_is_over():
    live, memory, _ = absorb(snap("second_half", (1, 1), minute=60), None, None)
    match, memory, _ = absorb(snap("abandoned", (2, 2)), live, memory)
    assert (match.status, memory.position, str(match.score)) == ("full_time", 8, "2–2")


def test_suspended_play_is_noted_and_holds_the_match():
    run = Driven(snap("second_half", (1, 0), minute=70))
    assert run.poll(snap("suspended", (1, 0))) == []
    assert "play is suspended" in run.notes
    assert (run.match.status, run.match.minute) == ("live", 70)


def test_a_goal_while_suspended_still_counts():
    run = Driven(snap("second_half", (1, 0), minute=70, incidents=[]))
    events = run.poll(snap("suspended", (1, 1), incidents=[goal("away", 71, "Mbappé")]))
    assert [(e.type, e.player) for e in events] == [("goal", "Mbappé")]


def test_a_match_seen_again_only_after_full_time_is_taken_in():
    decision = next_step(snap("full_time", (2, 1)), absorb(snap(), None, None)[0], Memory())
    assert decision.step == Absorb("seen again only after full time")


def test_teams_without_provider_ids_are_followed_on_their_names():
    home, away = snap().home, snap().away
    nameless = {"home": type(home)(home.name, home.code), "away": type(away)(away.name)}
    run = Driven(snap("first_half", (0, 0), minute=10, **nameless))
    assert run.memory.teams == (None, None)
    events = run.poll(snap("first_half", (1, 0), minute=11))
    assert types(events) == ["goal"]


def test_teams_that_change_ids_leave_the_match_as_it_was():
    run = Driven(snap("first_half", (0, 0), minute=10))
    other = type(snap().away)("Croatia", "CRO", "799")
    assert run.poll(snap("first_half", (2, 0), minute=12, away=other)) == []
    assert str(run.match.score) == "0–0" and run.match.minute == 10
    assert any("teams changed" in note for note in run.notes)
    swapped = snap("first_half", (2, 0), minute=12, home=snap().away, away=snap().home)
    assert run.poll(swapped) == []


def test_one_team_losing_its_id_is_not_a_change_of_teams():
    run = Driven(snap("first_half", (0, 0), minute=10))
    away = snap().away
    events = run.poll(snap("first_half", (1, 0), minute=11, away=type(away)(away.name)))
    assert types(events) == ["goal"]
