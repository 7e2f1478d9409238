"""server.feeds.timing: where each event of a feed falls in match time, and the clock ticks.

Match time is minutes after kick-off, breaks included (the module's docstring has the rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.feeds.timing import MatchClock, TimelineError, TimingError, timeline
from server.wire import EventIn, Match, Score, Team


def fresh() -> Match:
    return Match(
        id="m",
        competition="Cup",
        home=Team(name="Home"),
        away=Team(name="Away"),
        kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
    )


def ev(type: str, minute: int | None = None, added: int | None = None, **kw: object) -> EventIn:
    return EventIn(type=type, minute=minute, added=added, **kw)


def places(*events: EventIn) -> list[float]:
    """The match time of each event, without clock ticks."""
    return [t.at for t in timeline(fresh(), events, ticks=False)]


def refusal(*events: EventIn) -> str:
    with pytest.raises(TimelineError) as refused:
        timeline(fresh(), events, ticks=False)
    assert refused.value.index == len(events) - 1
    return str(refused.value)


def test_a_match_with_extra_time_and_a_shootout_in_match_time() -> None:
    assert places(
        ev("kickoff"),
        ev("goal", 30, team="home"),
        ev("half_time"),  # at the nominal 45
        ev("second_half"),  # after a 15-minute break
        ev("goal", 80, team="away"),
        ev("half_time", 90, 2),  # end of normal time at 90+2
        ev("extra_time"),  # after a 5-minute break
        ev("goal", 100, team="home"),
        ev("half_time"),  # at the nominal 105
        ev("second_half"),  # after a 2-minute break
        ev("penalty_shootout", team="home", scored=True),  # 3 minutes after play ends at 120
        ev("penalty_shootout", team="away", scored=False),  # a kick a minute
        ev("full_time"),  # 2 minutes after the last kick
    ) == [0, 30, 45, 60, 95, 107, 112, 122, 127, 129, 147, 148, 150]


def test_extra_time_straight_after_the_second_half_has_a_five_minute_break() -> None:
    assert places(
        ev("kickoff"),
        ev("half_time"),
        ev("second_half"),
        ev("goal", 70, team="home"),
        ev("extra_time"),
        ev("goal", 95, team="away"),
        ev("full_time"),
    ) == [0, 45, 60, 85, 110, 115, 125]


def test_events_without_a_minute_happen_when_the_one_before_did() -> None:
    assert places(
        ev("kickoff"), ev("goal", 12, team="home"), ev("card", team="away", card="red")
    ) == [
        0,
        12,
        12,
    ]


def test_play_running_past_a_periods_end_ends_it_there() -> None:
    assert places(ev("kickoff"), ev("goal", 45, 3, team="home"), ev("half_time")) == [0, 48, 48]


def test_events_at_a_break_keep_the_time_of_the_break() -> None:
    assert places(
        ev("kickoff"),
        ev("half_time"),
        ev("card", 46, team="home", card="yellow"),
        ev("card", team="home", card="yellow"),
        ev("second_half"),
    ) == [0, 45, 45, 45, 60]


@pytest.mark.parametrize(
    ("before", "minute", "fits"),
    [
        ([], 0, True),  # first half's break: minutes 0..90
        ([], 90, True),
        ([], 95, False),
        ([ev("second_half"), ev("half_time")], 46, True),  # after 90: minutes 46..105
        ([ev("second_half"), ev("half_time")], 105, True),
        ([ev("second_half"), ev("half_time")], 45, False),
        ([ev("second_half"), ev("half_time")], 106, False),
    ],
)
def test_an_event_at_a_break_must_have_a_minute_near_it(
    before: list[EventIn], minute: int, fits: bool
) -> None:
    events = [ev("kickoff"), ev("half_time"), *before, ev("card", minute, team="home", card="red")]
    if fits:
        timeline(fresh(), events, ticks=False)
    else:
        assert refusal(*events) == f"minute {minute} does not fit this break"


def test_full_time_may_follow_a_break() -> None:
    assert places(ev("kickoff"), ev("half_time"), ev("full_time")) == [0, 45, 45]


def test_events_after_full_time_keep_its_time() -> None:
    assert places(
        ev("kickoff"),
        ev("goal", 10, team="home"),
        ev("full_time"),
        ev("goal_disallowed", team="home"),
    ) == [0, 10, 45, 45]


def test_a_shootout_ignores_other_events_in_its_time() -> None:
    assert places(
        ev("kickoff"),
        ev("penalty_shootout", team="home", scored=True),
        ev("card", team="away", card="yellow"),
        ev("penalty_shootout", team="away", scored=True),
        ev("full_time"),
    ) == [0, 48, 48, 49, 51]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([ev("kickoff", 3)], "kick-off is at minute 0"),
        (
            [ev("kickoff"), ev("clock", 5)],
            "clock events are added by the replay, leave them out of feeds",
        ),
        (
            [ev("kickoff"), ev("extra_time")],
            "extra time can only follow the second half",
        ),
        (
            [ev("kickoff"), ev("half_time"), ev("extra_time")],
            "extra_time cannot end this break, second_half can",
        ),
        (
            [ev("kickoff"), ev("half_time"), ev("second_half"), ev("half_time"), ev("second_half")],
            "second_half cannot end this break, extra_time can",
        ),
        (
            [
                ev("kickoff"),
                ev("half_time"),
                ev("second_half"),
                ev("extra_time"),
                ev("half_time"),
                ev("second_half"),
                ev("half_time"),
            ],
            "no break after extra time: penalty_shootout or full_time",
        ),
        (
            [ev("kickoff"), ev("goal", 46, team="home")],
            "minute 46 is outside the first half (0–45)",
        ),
        (
            [ev("kickoff"), ev("goal", 44, 1, team="home")],
            "added time only follows minute 45 in the first half",
        ),
        (
            [ev("kickoff"), ev("goal", 30, team="home"), ev("goal", 20, team="away")],
            "minute 20 comes before the match's previous event",
        ),
        (
            [ev("kickoff"), ev("goal", 45, 3, team="home"), ev("goal", 45, 2, team="away")],
            "minute 45+2 comes before the match's previous event",
        ),
        ([ev("goal", 5, team="home")], "cannot apply goal to a match that is scheduled"),
    ],
)
def test_what_cannot_happen_is_refused_naming_why(events: list[EventIn], message: str) -> None:
    assert refusal(*events) == message


def test_a_clock_follows_one_match_from_before_kick_off() -> None:
    clock = MatchClock()
    # Before kick-off: no period, nothing played, no break.
    assert (clock.phase, clock.period, clock.start, clock.t) == ("pre", -1, 0.0, 0.0)
    assert (clock.resume, clock.play_end) == (0.0, 0.0)
    assert clock.place(ev("kickoff")) == 0
    assert (clock.phase, clock.period) == ("play", 0)
    clock.place(ev("half_time"))
    assert clock.phase == "break"
    clock.place(ev("full_time"))
    assert clock.phase == "over"


@pytest.mark.parametrize(
    "before",
    [[], [ev("half_time")], [ev("penalty_shootout", team="home", scored=True)]],
    ids=["from play", "from a break", "after a shootout"],
)
def test_full_time_ends_the_match_from_anywhere(before: list[EventIn]) -> None:
    clock = MatchClock()
    for e in [ev("kickoff"), *before, ev("full_time")]:
        clock.place(e)
    assert clock.phase == "over"


def test_a_shootout_is_its_own_phase() -> None:
    clock = MatchClock()
    clock.place(ev("kickoff"))
    clock.place(ev("penalty_shootout", team="home", scored=True))
    assert clock.phase == "shootout"


# --- clock ticks ---


def ticks(*events: EventIn) -> list[tuple[float, int | None, int | None]]:
    return [
        (t.at, t.event.minute, t.event.added) for t in timeline(fresh(), events) if t.index is None
    ]


def test_ticks_come_once_a_minute_while_the_ball_is_in_play() -> None:
    assert ticks(ev("kickoff"), ev("goal", 3, team="home"), ev("goal", 5, team="home")) == [
        (1, 1, None),
        (2, 2, None),
        (4, 4, None),
    ]


def test_ticks_run_into_stoppage_time_until_the_whistle() -> None:
    got = ticks(ev("kickoff"), ev("half_time", 45, 2))
    assert got[-3:] == [(44, 44, None), (45, 45, None), (46, 45, 1)]


def test_ticks_run_to_the_end_of_a_period_when_its_whistle_has_no_minute() -> None:
    got = ticks(ev("kickoff"), ev("goal", 40, team="home"), ev("half_time"))
    assert got[-1] == (45, 45, None)


@pytest.mark.parametrize(
    ("whistle", "resumes"),
    [(ev("extra_time"), 110.0), (ev("penalty_shootout", team="home", scored=True), 108.0)],
    ids=["extra time", "shoot-out"],
)
def test_no_tick_falls_in_the_break_before_extra_time_or_a_shootout(
    whistle: EventIn, resumes: float
) -> None:
    events = [ev("kickoff"), ev("half_time"), ev("second_half"), ev("goal", 89, team="home")]
    got = ticks(*events, whistle)
    assert got[-1] == (105, 90, None)  # play ends at 90 (105 in match time)
    assert timeline(fresh(), [*events, whistle])[-1].at == resumes


def test_no_tick_repeats_the_minute_shown_and_none_ticks_in_a_break() -> None:
    got = ticks(ev("kickoff"), ev("half_time", 2), ev("second_half"), ev("goal", 48, team="home"))
    # The second half starts at 17 showing 46: the tick at 18 would show 46 again.
    assert got == [(1, 1, None), (19, 47, None)]


def test_events_keep_their_place_in_the_feed() -> None:
    placed = timeline(fresh(), [ev("kickoff"), ev("goal", 2, team="home"), ev("full_time", 3)])
    assert [(t.index, t.event.type) for t in placed] == [
        (0, "kickoff"),
        (None, "clock"),
        (1, "goal"),
        (2, "full_time"),
    ]


def test_a_timeline_plays_the_rules_so_two_goals_can_be_taken_back() -> None:
    match = fresh()
    timeline(
        match,
        [
            ev("kickoff"),
            ev("goal", 10, team="home"),
            ev("goal", 20, team="home"),
            ev("goal_disallowed", 21, team="home"),
            ev("goal_disallowed", 22, team="home"),
        ],
        ticks=False,
    )
    assert match.score == Score(home=0, away=0)


def test_timing_errors_are_value_errors_that_name_the_event() -> None:
    assert issubclass(TimingError, ValueError)
    with pytest.raises(TimelineError, match="kick-off is at minute 0") as refused:
        timeline(fresh(), [ev("kickoff", 1)])
    assert refused.value.index == 0
