"""The detector's harder cases: several things in one poll, a provider that renames or
re-keys, notes that must reach the log whatever the step, incidents placed across halves."""

from __future__ import annotations

import pytest

from server.core.match_state import apply_event
from server.feeds.providers.base import Incident, TeamRef
from server.feeds.providers.detector import absorb
from server.wire import EventIn
from tests.support.detector_steps import Driven, types
from tests.support.provider_snapshots import AWAY, HOME, KICKOFF, card, goal, snap

RENAMED = TeamRef("La Albiceleste", "ARG", HOME.ref)
SAID = "teams renamed to La Albiceleste v France: keeping Argentina v France"


def renamed(*args, **kw):
    return snap(*args, home=RENAMED, **kw)


@pytest.mark.parametrize(
    ("first", "polls"),
    [
        (snap(), [renamed("postponed"), renamed("postponed"), renamed()]),
        (snap(), [renamed(kickoff=KICKOFF.replace(hour=18))]),
        (snap(), [renamed("full_time", (1, 0))]),
        (
            snap("first_half", (0, 0), minute=10),
            [renamed("first_half", (1, 0), minute=11), renamed("first_half", (0, 0), minute=12)]
            + [renamed("first_half", (1, 0), minute=12)] * 2
            + [renamed("first_half", (0, 0), minute=13)] * 2,
        ),
        (snap("full_time", (1, 0)), [renamed("full_time", (0, 0))] * 2),
        (
            snap("first_half", (0, 0), minute=10, incidents=[]),
            [
                renamed("first_half", (1, 0), minute=11, incidents=[]),
                renamed(
                    "first_half", (1, 0), minute=11, incidents=[goal("home", 11, None, key="g")]
                ),
                renamed(
                    "first_half", (1, 0), minute=11, incidents=[goal("home", 11, "X", key="g")]
                ),
                renamed(
                    "first_half", (1, 0), minute=11, incidents=[goal("home", 12, "X", key="g")]
                ),
                renamed("first_half", (1, 0), minute=12, incidents=[]),
                renamed("half_time", (1, 1), incidents=[goal("away", 44, "Y")]),
            ],
        ),
        (
            snap("extra_time_second", (1, 1), minute=120, extra_time=True),
            [
                renamed("penalties", (1, 1), penalties=(1, 0)),
                renamed("penalties", (1, 1), penalties=(2, 0)),
            ],
        ),
        (
            snap("first_half", (0, 0), minute=10, incidents=[]),
            [renamed("second_half", (0, 0), minute=50, incidents=[card("home", 20, "Z")])],
        ),
    ],
)
def test_a_renamed_team_is_said_whatever_the_poll_brings(first, polls):
    run = Driven(first)
    for poll in polls:
        run.poll(poll)
    assert run.decisions and all(SAID in d.notes for d in run.decisions)


def test_a_live_poll_without_a_score_moves_only_the_clock():
    run = Driven(snap("first_half", (1, 0), minute=10))
    events = run.poll(snap("first_half", None, minute=12), clock=True)
    assert [(e.type, e.minute) for e in events] == [("clock", 12)]
    assert str(run.match.score) == "1–0"


def test_one_side_kept_and_the_other_taken_back_in_one_poll():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    listed = [goal("home", 11, "Messi", key="h1"), goal("away", 12, "Mbappé", key="a1")]
    run.poll(snap("first_half", (1, 1), minute=12, incidents=listed))
    away_goal = run.memory.goals[1].id
    # Home lower with its goal still listed (kept); away's goal gone from the list (VAR).
    events = run.poll(snap("first_half", (0, 0), minute=13, incidents=listed[:1]))
    assert [(e.type, e.cancels) for e in events] == [("goal_disallowed", away_goal)]
    assert str(run.match.score) == "1–0"


def test_one_side_waiting_for_a_second_poll_does_not_hold_the_other_back():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    run.poll(snap("first_half", (1, 0), minute=11, incidents=[]))  # home: no listing
    listed = [goal("away", 12, "Mbappé", key="a1")]
    run.poll(snap("first_half", (1, 1), minute=12, incidents=listed))
    events = run.poll(snap("first_half", (0, 0), minute=13, incidents=[]))
    assert [(e.type, e.team) for e in events] == [("goal_disallowed", "away")]
    assert run.memory.falls == {"home": run.polls}


def test_a_scorer_corrected_under_a_key_built_from_the_scorer_updates_the_goal():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    run.poll(snap("first_half", (1, 0), minute=11, incidents=[goal("home", 11, "Messi")]))
    fixed = [goal("home", 11, "Di María")]  # its key names the scorer: a new key
    events = run.poll(snap("first_half", (1, 0), minute=11, incidents=fixed))
    assert [(e.type, e.player) for e in events] == [("goal_update", "Di María")]
    assert str(run.match.score) == "1–0"


def test_scorers_listed_after_a_match_seen_only_at_full_time_publish_nothing():
    run = Driven(snap("full_time", (1, 0)))
    listed = [goal("home", 30, "Messi")]
    assert run.poll(snap("full_time", (1, 0), incidents=listed)) == []
    assert run.memory.goals[0].key == listed[0].key and run.memory.goals[0].id is None


def test_goals_across_every_half_in_one_poll_come_between_the_right_whistles():
    run = Driven(snap("first_half", (0, 0), minute=40, incidents=[]))
    scored = [
        goal("home", 45, "a", added=2),
        goal("home", 46, "b"),
        goal("home", 60, "c"),
        goal("home", 90, "d"),
        goal("home", 91, "e"),
        goal("home", 105, "f"),
        goal("home", 106, "g"),
    ]
    events = run.poll(
        snap("extra_time_second", (7, 0), minute=110, extra_time=True, incidents=scored)
    )
    assert [e.player or e.type for e in events] == [
        "a",
        "half_time",
        "second_half",
        "b",
        "c",
        "d",
        "extra_time",
        "e",
        "f",
        "half_time",
        "second_half",
        "g",
    ]


def test_a_goal_with_a_later_minute_than_the_half_shown_is_published_before_the_break():
    run = Driven(snap("first_half", (0, 0), minute=40, incidents=[]))
    events = run.poll(snap("half_time", (1, 0), incidents=[goal("home", 50, "Messi")]))
    assert [e.player or e.type for e in events] == ["Messi", "half_time"]


def test_shootout_totals_corrected_after_full_time_publish_nothing():
    run = Driven(snap("penalties", (1, 1), penalties=(3, 3), extra_time=True))
    run.poll(snap("full_time", (1, 1), penalties=(4, 3), extra_time=True))
    assert run.match.status == "full_time"
    assert run.poll(snap("full_time", (1, 1), penalties=(5, 3), extra_time=True)) == []
    assert str(run.match.penalties) == "4–3"


def test_the_shootout_starts_with_a_kick_not_a_goalless_total():
    run = Driven(snap("extra_time_second", (1, 1), minute=120, extra_time=True))
    assert run.poll(snap("penalties", (1, 1), penalties=(0, 0), extra_time=True)) == []
    assert run.match.status == "extra_time"


def test_full_time_with_any_shootout_total_passes_the_shootout():
    run = Driven(snap("extra_time_second", (1, 1), minute=120, extra_time=True))
    events = run.poll(snap("full_time", (1, 1), penalties=(1, 0), extra_time=True))
    assert types(events) == ["penalty_shootout", "full_time"]


def test_a_card_without_a_minute_before_full_time_is_published_before_the_whistle():
    run = Driven(snap("extra_time_second", (0, 0), minute=118, extra_time=True, incidents=[]))
    booked = [Incident(key="c", kind="card", team="home", player="Otamendi", card="yellow")]
    events = run.poll(
        snap("full_time", (0, 0), penalties=(0, 0), extra_time=True, incidents=booked)
    )
    assert types(events) == ["card", "full_time"]


def test_the_first_minute_ticks_after_kickoff():
    run = Driven(snap())
    events = run.poll(snap("first_half", (0, 0), minute=1), clock=True)
    assert [(e.type, e.minute) for e in events] == [("kickoff", 0), ("clock", 1)]


def test_a_match_moved_by_someone_else_is_remembered_where_the_wire_is():
    run = Driven(snap("first_half", (0, 0), minute=44))
    apply_event(run.match, EventIn(type="half_time"), "pub.1")
    assert run.poll(snap("half_time", (0, 0))) == []
    assert run.memory.position == 2


def test_added_time_is_kept_on_cards_and_on_a_goals_late_detail():
    run = Driven(snap("first_half", (0, 0), minute=45, incidents=[]))
    booked = Incident(
        key="c", kind="card", team="away", minute=45, added=2, player="R", card="yellow"
    )
    (event,) = run.poll(snap("first_half", (0, 0), minute=45, incidents=[booked]))
    assert (event.minute, event.added) == (45, 2)
    run.poll(snap("first_half", (1, 0), minute=45, incidents=[booked]))
    late = [booked, goal("home", 45, "Messi", added=3)]
    (event,) = run.poll(snap("first_half", (1, 0), minute=45, incidents=late))
    assert (event.type, event.minute, event.added) == ("goal_update", 45, 3)


def test_cards_at_the_same_minute_come_in_added_time_order():
    run = Driven(snap("first_half", (0, 0), minute=45, incidents=[]))
    later = Incident(
        key="c2", kind="card", team="away", minute=45, added=1, player="B", card="yellow"
    )
    first = Incident(key="c1", kind="card", team="home", minute=45, player="A", card="yellow")
    events = run.poll(snap("first_half", (0, 0), minute=45, incidents=[later, first]))
    assert [e.player for e in events] == ["A", "B"]


def test_shootout_totals_name_the_side_that_scored_from_an_uneven_total():
    run = Driven(snap("penalties", (1, 1), penalties=(1, 0), extra_time=True))
    (event,) = run.poll(snap("penalties", (1, 1), penalties=(1, 1), extra_time=True))
    assert event.team == "away"


def test_full_time_says_the_usual_words():
    run = Driven(snap("second_half", (1, 0), minute=90))
    (event,) = run.poll(snap("full_time", (1, 0)))
    assert event.text == "Full time, Argentina 1–0 France"


def test_a_card_after_full_time_taken_in_is_said_once():
    run = Driven(snap("full_time", (0, 0), incidents=[]))
    late = [card("home", 90, "Otamendi")]
    _match, _memory, notes = absorb(
        snap("full_time", (0, 0), incidents=late), run.match, run.memory
    )
    assert notes == ["a card came when the match was full_time: skipped"]


def test_a_match_taken_in_at_full_time_keeps_its_last_minute():
    run = Driven(snap("second_half", (1, 0), minute=90))
    match, _memory, _ = absorb(snap("full_time", (1, 0)), run.match, run.memory)
    assert (match.status, match.minute) == ("full_time", 90)


def test_extra_time_taken_in_has_the_providers_minute():
    match, _memory, _ = absorb(
        snap("extra_time_first", (0, 0), minute=100, extra_time=True), None, None
    )
    assert (match.status, match.minute) == ("extra_time", 100)


def test_a_card_of_another_publishers_match_is_not_a_goal():
    from tests.support.detector_steps import wire_match

    match = wire_match()
    apply_event(match, EventIn(type="kickoff"), "p.1")
    apply_event(match, EventIn(type="card", team="home", player="X", card="yellow"), "p.2")
    _taken, memory, _ = absorb(snap("first_half", (0, 0), minute=5), match, None)
    assert memory.goals == [] and memory.teams == (HOME.ref, AWAY.ref)


def test_a_renamed_team_is_said_with_a_goal_taken_in_and_a_goal_linked():
    run = Driven(snap("half_time", (0, 0), incidents=[]))
    run.poll(renamed("half_time", (1, 0), incidents=[goal("home", 44, "X")]))
    assert run.absorbed and all(SAID in d.notes for d in run.decisions)
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    run.poll(renamed("first_half", (1, 0), minute=10, incidents=[]))
    run.poll(
        renamed("first_half", (1, 0), minute=10, incidents=[goal("home", None, None, key="g")])
    )
    assert run.memory.goals[0].key == "g"
    apply_event(run.match, EventIn(type="half_time"), "pub.1")
    run.poll(renamed("half_time", (1, 0), incidents=[goal("home", None, None, key="g")]))
    assert run.memory.position == 2
    assert all(SAID in d.notes for d in run.decisions)


def test_the_memory_stored_with_a_goal_taken_back_forgets_the_fall_it_confirmed():
    from server.feeds.providers.detector import Publish, next_step

    run = Driven(snap("first_half", (0, 0), minute=10))
    run.poll(snap("first_half", (1, 0), minute=11))
    run.poll(snap("first_half", (0, 0), minute=12))
    decision = next_step(snap("first_half", (0, 0), minute=12), run.match, run.memory, poll=9)
    assert isinstance(decision.step, Publish) and decision.step.event.type == "goal_disallowed"
    assert decision.step.after("fd-1.9").falls == {}


def test_taking_in_leaves_the_wire_match_it_was_given_alone():
    run = Driven(snap("first_half", (0, 0), minute=10))
    before = run.match.model_copy(deep=True)
    absorb(snap("second_half", (2, 0), minute=50), run.match, run.memory)
    assert run.match == before


def test_another_publishers_disallowed_goal_stays_disallowed_when_taken_over():
    from tests.support.detector_steps import wire_match

    match = wire_match()
    for n, event in enumerate(
        [
            EventIn(type="kickoff"),
            EventIn(type="goal", team="away", player="Mbappé", minute=20),
            EventIn(type="goal_disallowed", team="away"),
            EventIn(type="half_time"),
        ],
        start=1,
    ):
        apply_event(match, event, f"pub.{n}")
    taken, memory, _ = absorb(snap("second_half", (0, 0), minute=50), match, None)
    assert [g.cancelled for g in memory.goals] == [True]
    assert [e.type for e in taken.events][-1] == "second_half"


def test_a_stored_memory_naming_goals_the_match_no_longer_has_is_taken_in():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    run.poll(snap("first_half", (1, 0), minute=11, incidents=[]))
    # The match was put again (by the publish API) while this memory was kept.
    fresh, _memory, _ = absorb(snap("first_half", (0, 0), minute=10), None, None)
    listed = [goal("home", 11, "Messi")]
    match, _memory, _ = absorb(
        snap("first_half", (1, 0), minute=12, incidents=listed), fresh, run.memory
    )
    assert (match.status, str(match.score)) == ("live", "1–0")
