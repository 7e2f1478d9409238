"""Whistles, the shoot-out, cards, substitutions and the clock as the detector publishes them:
in match order, each once, driven step by step (tests/support/detector_steps.py)."""

from __future__ import annotations

from server.feeds.providers.detector import absorb
from tests.support.detector_steps import Driven, types
from tests.support.provider_snapshots import card, goal, kick, snap, sub


def test_a_match_seen_at_kickoff_then_at_half_time_passes_the_first_half():
    run = Driven(snap())
    assert types(run.poll(snap("half_time", (0, 0)))) == ["kickoff", "half_time"]


def test_a_match_seen_in_the_first_half_then_in_the_second_passes_the_break():
    run = Driven(snap("first_half", (0, 0), minute=40))
    assert types(run.poll(snap("second_half", (0, 0), minute=47))) == ["half_time", "second_half"]


def test_from_the_second_half_to_extra_times_break_passes_each_whistle():
    run = Driven(snap("second_half", (1, 1), minute=88))
    events = run.poll(snap("extra_time_break", (1, 1), extra_time=True))
    assert types(events) == ["extra_time", "half_time"]
    assert run.match.status == "half_time" and run.memory.position == 5
    events = run.poll(snap("extra_time_second", (1, 1), minute=106, extra_time=True))
    assert types(events) == ["second_half"] and run.match.status == "extra_time"


def test_full_time_comes_straight_from_any_half_without_making_up_a_break():
    run = Driven(snap("first_half", (0, 0), minute=40))
    assert types(run.poll(snap("full_time", (0, 0)))) == ["full_time"]


def test_full_time_without_a_shootout_score_is_no_shootout():
    run = Driven(snap("extra_time_second", (1, 1), minute=120, extra_time=True))
    events = run.poll(snap("full_time", (1, 1), penalties=(0, 0), extra_time=True))
    assert types(events) == ["full_time"] and run.match.penalties is None


def test_a_shootout_missed_entirely_is_published_as_its_totals_before_full_time():
    run = Driven(snap("extra_time_second", (1, 1), minute=120, extra_time=True))
    events = run.poll(snap("full_time", (1, 1), penalties=(5, 4), extra_time=True))
    assert [(e.type, str(e.penalties)) for e in events] == [
        ("penalty_shootout", "5–4"),
        ("full_time", "5–4"),
    ]
    assert str(run.match.penalties) == "5–4"


def test_a_shootout_from_the_break_first_restarts_play():
    run = Driven(snap("extra_time_break", (0, 0), extra_time=True))
    kicks = [kick("home", 1, "Messi", True)]
    events = run.poll(snap("penalties", (0, 0), penalties=(1, 0), incidents=kicks))
    assert [(e.type, e.player) for e in events] == [
        ("second_half", None),
        ("penalty_shootout", "Messi"),
    ]


def test_a_shootout_straight_from_half_time_restarts_play_first():
    run = Driven(snap("half_time", (0, 0)))
    events = run.poll(snap("penalties", (0, 0), penalties=(0, 1)))
    assert [(e.type, e.team) for e in events] == [
        ("second_half", None),
        ("penalty_shootout", "away"),
    ]


def test_a_shootout_seen_before_kickoff_kicks_off_first():
    run = Driven(snap())
    kicks = [kick("away", 1, "Mbappé", False)]
    events = run.poll(snap("penalties", (0, 0), penalties=(0, 0), incidents=kicks))
    assert [(e.type, e.scored) for e in events] == [("kickoff", None), ("penalty_shootout", False)]


def test_the_shootout_waits_for_its_first_kick():
    run = Driven(snap("extra_time_second", (2, 2), minute=120, extra_time=True))
    assert run.poll(snap("penalties", (2, 2), extra_time=True)) == []
    assert run.match.status == "extra_time" and run.memory.position == 6


def test_a_kick_without_a_result_is_a_miss():
    run = Driven(snap("extra_time_second", (2, 2), minute=120, extra_time=True))
    kicks = [kick("home", 1, "Messi", True)]
    kicks = [type(kicks[0])(key="k1", kind="shootout", team="home", player="Messi")]
    (event,) = run.poll(snap("penalties", (2, 2), incidents=kicks, extra_time=True))
    assert (event.type, event.team, event.player, event.scored) == (
        "penalty_shootout",
        "home",
        "Messi",
        False,
    )


def test_shootout_totals_name_the_side_whose_total_moved():
    run = Driven(snap("penalties", (1, 1), penalties=(0, 0), extra_time=True))
    assert run.match.penalties is not None
    steps = [((0, 1), "away"), ((1, 1), "home"), ((2, 2), "home"), ((2, 3), "away")]
    for totals, side in steps:
        (event,) = run.poll(snap("penalties", (1, 1), penalties=totals, extra_time=True))
        assert (event.team, str(event.penalties)) == (side, f"{totals[0]}–{totals[1]}")


def test_listed_kicks_are_not_doubled_by_the_totals_until_full_time():
    run = Driven(snap("extra_time_second", (0, 0), minute=120, extra_time=True))
    kicks = [kick("home", 1, "Messi", True)]
    run.poll(snap("penalties", (0, 0), penalties=(1, 0), incidents=kicks))
    # Totals ahead of the listed kicks: the kicks' own events will follow.
    assert run.poll(snap("penalties", (0, 0), penalties=(2, 0), incidents=kicks)) == []
    # At full time the totals have the last word.
    events = run.poll(snap("full_time", (0, 0), penalties=(3, 0), incidents=kicks))
    assert [(e.type, str(e.penalties)) for e in events] == [
        ("penalty_shootout", "3–0"),
        ("full_time", "3–0"),
    ]


def test_cards_in_the_break_and_in_the_shootout_are_published():
    run = Driven(snap("half_time", (0, 0), incidents=[]))
    booked = [card("home", 46, "Otamendi")]
    events = run.poll(snap("half_time", (0, 0), incidents=booked))
    assert [(e.type, e.player, e.card, e.minute) for e in events] == [
        ("card", "Otamendi", "yellow", 46)
    ]
    run = Driven(snap("penalties", (0, 0), penalties=(0, 0), incidents=[]))
    events = run.poll(
        snap("penalties", (0, 0), penalties=(0, 0), incidents=[card("away", 120, "X")])
    )
    assert [(e.type, e.team) for e in events] == [("card", "away")]


def test_a_card_after_full_time_is_skipped_and_said_once():
    run = Driven(snap("full_time", (0, 0), incidents=[]))
    late = [card("home", 90, "Otamendi", "red")]
    assert run.poll(snap("full_time", (0, 0), incidents=late)) == []
    assert run.notes == ["a card came when the match was full_time: skipped"]
    assert run.poll(snap("full_time", (0, 0), incidents=late)) == []
    assert len(run.notes) == 1


def test_a_substitution_in_the_shootout_is_skipped():
    run = Driven(snap("penalties", (0, 0), penalties=(0, 0), incidents=[]))
    changed = [sub("home", 120, "Dybala", "Messi")]
    assert run.poll(snap("penalties", (0, 0), penalties=(0, 0), incidents=changed)) == []
    assert run.notes == ["a substitution came when the match was penalties: skipped"]


def test_a_card_with_added_time_but_no_minute_drops_the_added_time():
    run = Driven(snap("first_half", (0, 0), minute=10, incidents=[]))
    booked = [
        type(card("home", 1, "x"))(
            key="c1", kind="card", team="home", player="Paredes", card="yellow", added=3
        )
    ]
    (event,) = run.poll(snap("first_half", (0, 0), minute=10, incidents=booked))
    assert (event.type, event.player, event.minute, event.added) == ("card", "Paredes", 10, None)


def test_a_substitution_carries_both_names_minute_and_added_time():
    run = Driven(snap("second_half", (0, 0), minute=90, incidents=[]))
    change = type(sub("away", 90, "a", "b"))(
        key="s1",
        kind="substitution",
        team="away",
        minute=90,
        added=2,
        player_in="Thuram",
        player_out="Giroud",
    )
    (event,) = run.poll(snap("second_half", (0, 0), minute=90, incidents=[change]))
    assert (
        event.type,
        event.team,
        event.player_in,
        event.player_out,
        event.minute,
        event.added,
    ) == (
        "substitution",
        "away",
        "Thuram",
        "Giroud",
        90,
        2,
    )


def test_a_substitution_with_only_one_name_is_skipped_either_way():
    run = Driven(snap("second_half", (0, 0), minute=60, incidents=[]))
    halves = [sub("home", 61, "Dybala", None), sub("away", 62, None, "Giroud")]
    assert run.poll(snap("second_half", (0, 0), minute=60, incidents=halves)) == []
    assert sorted(run.memory.seen) == sorted(inc.key for inc in halves)


def test_a_card_before_the_break_listed_after_it_comes_before_the_whistle():
    run = Driven(snap("first_half", (0, 0), minute=44, incidents=[]))
    booked = [card("away", 45, "Rabiot"), card("home", 50, "Otamendi")]
    events = run.poll(snap("second_half", (0, 0), minute=51, incidents=booked))
    assert [(e.type, e.player) for e in events] == [
        ("card", "Rabiot"),
        ("half_time", None),
        ("second_half", None),
        ("card", "Otamendi"),
    ]


def test_extra_time_incidents_are_placed_in_their_half():
    run = Driven(snap("second_half", (0, 0), minute=89, incidents=[]))
    listed = [
        card("home", 100, "Otamendi"),
        card("away", 110, "Rabiot"),
        goal("home", 118, "Messi"),
    ]
    events = run.poll(
        snap("extra_time_second", (1, 0), minute=119, extra_time=True, incidents=listed)
    )
    assert [(e.type, e.player) for e in events] == [
        ("extra_time", None),
        ("card", "Otamendi"),
        ("half_time", None),
        ("second_half", None),
        ("card", "Rabiot"),
        ("goal", "Messi"),
    ]


def test_a_goal_without_a_minute_comes_as_late_as_the_snapshot_goes():
    run = Driven(snap("first_half", (0, 0), minute=40, incidents=[]))
    events = run.poll(snap("second_half", (1, 0), minute=50, incidents=[goal("home", None, "X")]))
    assert [(e.type, e.player) for e in events] == [
        ("half_time", None),
        ("second_half", None),
        ("goal", "X"),
    ]


def test_a_goal_with_a_first_half_minute_seen_in_the_second_half_is_placed_now():
    run = Driven(snap("second_half", (0, 0), minute=50, incidents=[]))
    events = run.poll(snap("second_half", (1, 0), minute=51, incidents=[goal("home", 30, "X")]))
    assert [(e.type, e.minute) for e in events] == [("goal", 30)]


def test_a_goal_listed_before_kickoff_comes_after_the_kickoff():
    run = Driven(snap())
    events = run.poll(snap("first_half", (1, 0), minute=3, incidents=[goal("home", 2, "X")]))
    assert [e.type for e in events] == ["kickoff", "goal"]


def test_a_goal_at_half_time_listed_in_the_break_is_taken_in():
    run = Driven(snap("half_time", (0, 0), incidents=[]))
    run.poll(snap("half_time", (1, 0), incidents=[goal("home", 44, "X")]))
    assert run.absorbed == ["a home goal the match can no longer take as an event (half_time)"]
    assert str(run.match.score) == "1–0"


def test_the_clock_follows_added_time_and_extra_time_and_stops_at_130_once():
    run = Driven(snap("first_half", (0, 0), minute=45))
    events = run.poll(snap("first_half", (0, 0), minute=45, added=1), clock=True)
    assert [(e.type, e.minute, e.added) for e in events] == [("clock", 45, 1)]
    assert run.poll(snap("first_half", (0, 0), minute=45, added=1), clock=True) == []
    run = Driven(snap("extra_time_second", (0, 0), minute=120, extra_time=True))
    events = run.poll(snap("extra_time_second", (0, 0), minute=140, extra_time=True), clock=True)
    assert [(e.type, e.minute) for e in events] == [("clock", 130)]


def test_no_clock_in_the_break_or_without_a_minute():
    run = Driven(snap("half_time", (0, 0)))
    assert run.poll(snap("half_time", (0, 0), minute=47), clock=True) == []
    run = Driven(snap("first_half", (0, 0), minute=10))
    assert run.poll(snap("first_half", (0, 0)), clock=True) == []


def test_a_clock_that_moves_with_a_whistle_comes_after_the_whistle():
    run = Driven(snap("first_half", (0, 0), minute=44))
    events = run.poll(snap("second_half", (0, 0), minute=47), clock=True)
    assert [(e.type, e.minute) for e in events] == [
        ("half_time", 44),
        ("second_half", 46),
        ("clock", 47),
    ]


def test_taking_in_sets_the_minute_and_the_shootout_directly():
    match, _memory, _ = absorb(snap("first_half", (0, 0), minute=33, added=None), None, None)
    assert (match.minute, match.added) == (33, None)
    assert [e.type for e in match.events] == ["kickoff"]
    match, _memory, _ = absorb(snap("half_time", (0, 0), minute=45, added=2), None, None)
    assert (match.minute, match.added) == (45, 2)
    match, _memory, _ = absorb(snap("penalties", (1, 1), penalties=(3, 2)), None, None)
    assert (match.status, str(match.penalties)) == ("penalties", "3–2")
    match, _memory, _ = absorb(snap(minute=5), None, None)
    assert (match.status, match.minute) == ("scheduled", None)
