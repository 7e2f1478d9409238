"""server.core.match_state in-process: the rules of football, each checked without a server.

The publish API's tests (tests/server/) check the HTTP contract over a real server; these check
every rule where it lives, so a change to one (mutation testing, docs/quality.md) is seen.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.core.match_state import (
    Conflict,
    apply_event,
    default_text,
    fold,
    folds,
    new_match,
    validate_shape,
)
from server.wire import EVENT_TYPES, EventIn, Match, MatchEvent, MatchIn, Score, Team

STATUSES = ("scheduled", "live", "half_time", "extra_time", "penalties", "full_time")

# Whistles (and clock ticks) that take a fresh match to each status.
PATHS: dict[str, list[dict]] = {
    "scheduled": [],
    "live": [{"type": "kickoff"}],
    "half_time": [{"type": "kickoff"}, {"type": "half_time"}],
    "extra_time": [{"type": "kickoff"}, {"type": "extra_time"}],
    "penalties": [
        {"type": "kickoff"},
        {"type": "penalty_shootout", "team": "home", "scored": True},
    ],
    "full_time": [{"type": "kickoff"}, {"type": "full_time"}],
}

# A well-formed event of every type, and the statuses in which the rules accept it.
EVENTS: dict[str, tuple[dict, set[str]]] = {
    "kickoff": ({}, {"scheduled"}),
    "goal": ({"team": "home"}, {"live", "extra_time"}),
    "goal_disallowed": (
        {"team": "home"},
        {"live", "half_time", "extra_time", "penalties", "full_time"},
    ),
    "card": ({"team": "away", "card": "yellow"}, {"live", "half_time", "extra_time", "penalties"}),
    "substitution": (
        {"team": "away", "player_in": "C. Palmer", "player_out": "N. Jackson"},
        {"live", "half_time", "extra_time"},
    ),
    "half_time": ({}, {"live", "extra_time"}),
    "second_half": ({}, {"half_time"}),
    "extra_time": ({}, {"live", "half_time"}),
    "penalty_shootout": (
        {"team": "home", "scored": True},
        {"live", "extra_time", "penalties"},
    ),
    "full_time": ({}, {"live", "extra_time", "penalties", "half_time"}),
    "clock": ({"minute": 50}, {"live", "extra_time"}),
}


def fresh(match_id: str = "ars-che") -> Match:
    return Match(
        id=match_id,
        competition="Premier League",
        home=Team(name="Arsenal"),
        away=Team(name="Chelsea"),
        kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
    )


class Game:
    """One match and the events applied to it, numbered as the broker numbers them."""

    def __init__(self, status: str = "scheduled") -> None:
        self.match = fresh()
        self.seq = 0
        for step in PATHS[status]:
            self.play(**step)

    def play(self, type: str, **fields: object) -> MatchEvent:
        self.seq += 1
        return apply_event(self.match, EventIn(type=type, **fields), f"E-{self.seq}")

    def score(self) -> tuple[int, int]:
        return self.match.score.home, self.match.score.away


# --- which events each status accepts --------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", EVENTS)
def test_each_event_type_is_accepted_only_in_the_statuses_where_it_can_happen(
    kind: str, status: str
) -> None:
    fields, allowed = EVENTS[kind]
    game = Game(status)
    if kind == "goal_disallowed" and status != "scheduled":
        # There must be a goal to take back: score one while the match was live.
        game = Game("live")
        game.play("goal", team="home")
        for step in PATHS[status][1:]:
            game.play(**step)
    before = game.match.model_copy(deep=True)
    if status in allowed:
        game.play(kind, **fields)
    else:
        with pytest.raises(Conflict, match=f"cannot apply {kind} to a match that is {status}"):
            game.play(kind, **fields)
        assert game.match == before  # a refused event leaves the match untouched


def test_whistles_move_the_status_along() -> None:
    game = Game()
    assert game.play("kickoff").status == "live"
    assert game.play("half_time").status == "half_time"
    assert game.play("second_half").status == "live"
    assert game.play("extra_time").status == "extra_time"
    assert game.play("half_time").status == "half_time"
    assert game.play("second_half").status == "extra_time"
    assert game.play("penalty_shootout", team="home", scored=True).status == "penalties"
    assert game.play("full_time").status == "full_time"
    assert game.match.status == "full_time"


# --- the shape of an event, whatever the match ----------------------------------------------


@pytest.mark.parametrize(
    "kind", ["goal", "goal_disallowed", "card", "substitution", "penalty_shootout"]
)
def test_events_for_a_side_need_a_team(kind: str) -> None:
    fields = {
        "card": {"card": "red"},
        "substitution": {"player_in": "A", "player_out": "B"},
        "penalty_shootout": {"scored": True},
    }.get(kind, {})
    with pytest.raises(ValueError, match=f"^a {kind} event needs team$"):
        validate_shape(EventIn(type=kind, **fields))
    validate_shape(EventIn(type=kind, team="away", **fields))


@pytest.mark.parametrize("kind", ["kickoff", "half_time", "second_half", "full_time", "clock"])
def test_whistles_need_no_team(kind: str) -> None:
    validate_shape(EventIn(type=kind))


def test_goal_without_a_team_is_refused_before_the_match_is_looked_at() -> None:
    game = Game("scheduled")  # a goal would also be a conflict here: the shape is told first
    with pytest.raises(ValueError, match="a goal event needs team") as refused:
        game.play("goal")
    assert not isinstance(refused.value, Conflict)
    assert game.match == fresh()


def test_card_needs_its_kind() -> None:
    with pytest.raises(ValueError, match=r"^a card event needs card$"):
        validate_shape(EventIn(type="card", team="home"))


def test_substitution_names_every_missing_player() -> None:
    with pytest.raises(ValueError, match=r"^a substitution event needs player_in, player_out$"):
        validate_shape(EventIn(type="substitution", team="home"))
    with pytest.raises(ValueError, match=r"^a substitution event needs player_out$"):
        validate_shape(EventIn(type="substitution", team="home", player_in="A"))
    with pytest.raises(ValueError, match=r"^a substitution event needs player_in$"):
        validate_shape(EventIn(type="substitution", team="home", player_out="B"))


def test_shootout_kick_needs_scored_or_the_shootout_score() -> None:
    with pytest.raises(ValueError, match=r"^a penalty_shootout event needs scored \(true/false\)"):
        validate_shape(EventIn(type="penalty_shootout", team="home"))
    validate_shape(EventIn(type="penalty_shootout", team="home", scored=False))
    validate_shape(EventIn(type="penalty_shootout", team="home", penalties=Score(home=4)))


@pytest.mark.parametrize("flag", ["penalty", "own_goal"])
def test_penalty_and_own_goal_only_apply_to_goals(flag: str) -> None:
    with pytest.raises(ValueError, match=r"^penalty and own_goal only apply to goals$"):
        validate_shape(EventIn(type="card", team="home", card="red", **{flag: True}))
    with pytest.raises(ValueError, match=r"^penalty and own_goal only apply to goals$"):
        validate_shape(EventIn(type="goal_disallowed", team="home", **{flag: True}))
    validate_shape(EventIn(type="goal", team="home", **{flag: True}))


def test_card_kind_only_applies_to_card_events() -> None:
    with pytest.raises(ValueError, match=r"^card only applies to card events$"):
        validate_shape(EventIn(type="goal", team="home", card="yellow"))
    validate_shape(EventIn(type="card", team="home", card="yellow"))


# --- score ----------------------------------------------------------------------------------


def test_goal_counts_for_its_side_and_the_event_carries_the_new_score() -> None:
    game = Game("live")
    first = game.play("goal", team="home", minute=10)
    second = game.play("goal", team="away", minute=20)
    third = game.play("goal", team="away", minute=30)
    assert (first.score.home, first.score.away) == (1, 0)
    assert (second.score.home, second.score.away) == (1, 1)
    assert (third.score.home, third.score.away) == (1, 2)
    assert game.score() == (1, 2)


def test_own_goal_counts_for_the_side_named() -> None:
    game = Game("live")
    ev = game.play("goal", team="away", own_goal=True, player="W. Saliba")
    assert game.score() == (0, 1)
    assert ev.own_goal and not ev.penalty


def test_an_events_score_is_its_own_and_later_goals_do_not_change_it() -> None:
    game = Game("live")
    first = game.play("goal", team="home")
    game.play("goal", team="home")
    assert (first.score.home, first.score.away) == (1, 0)
    assert game.match.events[-2].score == Score(home=1, away=0)
    assert game.score() == (2, 0)


def test_disallowed_goal_takes_back_the_sides_latest_standing_goal() -> None:
    game = Game("live")
    early = game.play("goal", team="home", minute=5)
    game.play("goal", team="away", minute=9)
    late = game.play("goal", team="home", minute=12)
    first = game.play("goal_disallowed", team="home", minute=14)
    assert first.cancels == late.id
    assert game.score() == (1, 1)
    second = game.play("goal_disallowed", team="home", minute=15)
    assert second.cancels == early.id
    assert game.score() == (0, 1)
    assert (second.score.home, second.score.away) == (0, 1)


def test_disallowing_with_no_standing_goal_is_a_conflict_and_changes_nothing() -> None:
    game = Game("live")
    game.play("goal", team="away")
    game.play("goal", team="home")
    game.play("goal_disallowed", team="home")
    before = game.match.model_copy(deep=True)
    with pytest.raises(Conflict, match=r"^home has no goal to disallow$"):
        game.play("goal_disallowed", team="home")
    assert game.match == before


def test_disallowed_goal_after_full_time_corrects_the_result() -> None:
    game = Game("live")
    goal = game.play("goal", team="away", minute=90, added=4)
    game.play("full_time")
    ev = game.play("goal_disallowed", team="away")
    assert (ev.cancels, ev.status, game.match.status) == (goal.id, "full_time", "full_time")
    assert game.score() == (0, 0)


# --- the clock --------------------------------------------------------------------------------


def test_kickoff_starts_the_clock_at_zero_or_at_the_minute_given() -> None:
    game = Game()
    ev = game.play("kickoff")
    assert (ev.minute, ev.added, game.match.minute, game.match.added) == (0, None, 0, None)
    late = Game()
    late.play("kickoff", minute=3)
    assert late.match.minute == 3


def test_whistles_without_a_minute_keep_the_clock_where_it_was() -> None:
    game = Game("live")
    game.play("clock", minute=45, added=2)
    ev = game.play("half_time")
    assert (ev.minute, ev.added) == (45, 2)
    assert (game.match.minute, game.match.added) == (45, 2)
    game.play("full_time")
    assert (game.match.minute, game.match.added) == (45, 2)


def test_event_with_a_minute_moves_the_clock() -> None:
    game = Game("live")
    game.play("goal", team="home", minute=90, added=3)
    assert (game.match.minute, game.match.added) == (90, 3)
    game.play("card", team="away", card="yellow", minute=90)
    assert (game.match.minute, game.match.added) == (90, None)


def test_second_half_starts_at_46_after_the_first() -> None:
    game = Game("live")
    game.play("clock", minute=45, added=1)
    game.play("half_time")
    ev = game.play("second_half")
    assert (ev.status, ev.minute, ev.added) == ("live", 46, None)


def test_second_half_of_a_break_with_no_minute_yet_is_the_second_half() -> None:
    game = Game("half_time")  # the clock never ran: no minute at all
    assert game.match.minute == 0
    game.match.minute = None
    ev = game.play("second_half")
    assert (ev.status, ev.minute) == ("live", 46)


@pytest.mark.parametrize(
    ("minute", "status", "starts"), [(89, "live", 46), (90, "extra_time", 106)]
)
def test_break_after_ninety_minutes_leads_into_extra_time(
    minute: int, status: str, starts: int
) -> None:
    game = Game("live")
    game.play("clock", minute=minute)
    game.play("half_time")
    ev = game.play("second_half")
    assert (ev.status, ev.minute) == (status, starts)


def test_second_half_at_the_minute_given() -> None:
    game = Game("half_time")
    assert game.play("second_half", minute=47).minute == 47


def test_extra_time_starts_at_91_unless_told() -> None:
    game = Game("live")
    ev = game.play("extra_time")
    assert (ev.status, ev.minute, game.match.minute) == ("extra_time", 91, 91)
    assert Game("live").play("extra_time", minute=92).minute == 92


def test_clock_ticks_move_the_minute_but_stay_out_of_the_timeline() -> None:
    game = Game("live")
    ev = game.play("clock", minute=12)
    assert (ev.type, ev.text, ev.minute, game.match.minute) == ("clock", "", 12, 12)
    assert [e.type for e in game.match.events] == ["kickoff"]


def test_every_other_event_joins_the_timeline_in_order() -> None:
    game = Game("live")
    goal = game.play("goal", team="home")
    card = game.play("card", team="away", card="red")
    assert game.match.events[1:] == [goal, card]


# --- the shoot-out ----------------------------------------------------------------------------


def test_shootout_kicks_count_only_when_scored() -> None:
    game = Game("extra_time")
    game.play("clock", minute=120, added=2)
    first = game.play("penalty_shootout", team="home", scored=True, player="Saka")
    miss = game.play("penalty_shootout", team="away", scored=False, player="Palmer")
    third = game.play("penalty_shootout", team="away", scored=True)
    assert first.penalties == Score(home=1, away=0)
    assert miss.penalties == Score(home=1, away=0)
    assert third.penalties == Score(home=1, away=1)
    assert game.match.penalties == Score(home=1, away=1)
    assert game.score() == (0, 0)  # a shoot-out never changes the score


def test_first_missed_kick_starts_the_shootout_at_nil_nil() -> None:
    game = Game("live")
    ev = game.play("penalty_shootout", team="home", scored=False)
    assert ev.penalties == Score(home=0, away=0)
    assert game.match.penalties == Score(home=0, away=0)


def test_an_earlier_kicks_shootout_score_is_its_own() -> None:
    game = Game("live")
    first = game.play("penalty_shootout", team="home", scored=True)
    game.play("penalty_shootout", team="home", scored=True)
    assert first.penalties == Score(home=1, away=0)
    assert game.match.events[-2].penalties == Score(home=1, away=0)


def test_shootout_total_from_a_feed_is_taken_as_it_is() -> None:
    total = Score(home=4, away=3)
    game = Game("extra_time")
    ev = game.play("penalty_shootout", team="home", penalties=total)
    assert ev.penalties == total and game.match.penalties == total
    game.match.penalties.home = 9  # the match's copy is its own, not the publisher's
    assert total == Score(home=4, away=3)


def test_shootout_total_replaces_the_kicks_counted_so_far() -> None:
    game = Game("live")
    game.play("penalty_shootout", team="home", scored=True)
    game.play("penalty_shootout", team="home", penalties=Score(home=5, away=4), scored=True)
    assert game.match.penalties == Score(home=5, away=4)


def test_shootout_keeps_the_clock_where_extra_time_ended() -> None:
    game = Game("extra_time")
    game.play("clock", minute=120, added=3)
    ev = game.play("penalty_shootout", team="home", scored=True, minute=121)
    assert (game.match.minute, game.match.added) == (120, 3)
    assert ev.minute == 121  # the event says when it was taken; the match clock has stopped
    game.play("full_time")
    assert (game.match.minute, game.match.added) == (120, 3)


# --- what the event says -----------------------------------------------------------------------


def test_the_streamed_event_carries_everything_the_publisher_sent() -> None:
    game = Game("live")
    ev = game.play("goal", team="away", minute=67, added=None, player="Palmer", penalty=True)
    assert ev.model_dump(exclude={"text"}) == {
        "id": "E-2",
        "type": "goal",
        "match": "ars-che",
        "minute": 67,
        "added": None,
        "team": "away",
        "player": "Palmer",
        "score": {"home": 0, "away": 1},
        "status": "live",
        "penalties": None,
        "penalty": True,
        "own_goal": False,
        "card": None,
        "player_in": None,
        "player_out": None,
        "scored": None,
        "cancels": None,
        "updates": None,
        "at": None,
    }
    sub = game.play("substitution", team="home", player_in="Havertz", player_out="Jesus")
    assert (sub.player_in, sub.player_out, sub.team) == ("Havertz", "Jesus", "home")
    card = game.play("card", team="home", card="second_yellow", player="Rice")
    assert (card.card, card.player) == ("second_yellow", "Rice")
    kick = game.play("penalty_shootout", team="home", scored=False)
    assert kick.scored is False


def test_text_from_the_publisher_is_kept() -> None:
    game = Game("live")
    assert game.play("goal", team="home", text="What a strike!").text == "What a strike!"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {"type": "goal", "team": "home", "player": "Saka"},
            "Goal! Saka for Arsenal, Arsenal 1–0 Chelsea",
        ),
        ({"type": "goal", "team": "away"}, "Goal! Chelsea for Chelsea, Arsenal 0–1 Chelsea"),
        (
            {"type": "goal", "team": "home", "player": "Saka", "penalty": True},
            "Goal! Saka (penalty) for Arsenal, Arsenal 1–0 Chelsea",
        ),
        (
            {"type": "goal", "team": "home", "player": "Colwill", "own_goal": True},
            "Goal! Colwill (own goal) for Arsenal, Arsenal 1–0 Chelsea",
        ),
        (
            {"type": "goal", "team": "home", "penalty": True, "own_goal": True},
            "Goal! Arsenal (own goal) for Arsenal, Arsenal 1–0 Chelsea",
        ),
        (
            {"type": "card", "team": "away", "card": "yellow", "player": "Caicedo"},
            "Yellow card: Caicedo",
        ),
        ({"type": "card", "team": "away", "card": "second_yellow"}, "Second yellow card: Chelsea"),
        ({"type": "card", "team": "home", "card": "red", "player": "Rice"}, "Red card: Rice"),
        (
            {
                "type": "substitution",
                "team": "away",
                "player_in": "Palmer",
                "player_out": "Jackson",
            },
            "Substitution Chelsea: Palmer on, Jackson off",
        ),
        ({"type": "half_time"}, "Half time, 0–0"),
        ({"type": "extra_time"}, "Extra time"),
        ({"type": "full_time"}, "Full time, Arsenal 0–0 Chelsea"),
        ({"type": "clock", "minute": 50}, ""),
        (
            {"type": "penalty_shootout", "team": "home", "player": "Saka", "scored": True},
            "Saka scores, shoot-out 1–0",
        ),
        (
            {"type": "penalty_shootout", "team": "away", "scored": False},
            "Chelsea misses, shoot-out 0–0",
        ),
        (
            {"type": "penalty_shootout", "team": "home", "penalties": {"home": 4, "away": 2}},
            "Penalty shoot-out: 4–2",
        ),
    ],
)
def test_events_without_text_get_a_readable_line(fields: dict, text: str) -> None:
    assert Game("live").play(**fields).text == text


def test_whistle_lines_for_kickoff_and_second_half() -> None:
    game = Game()
    assert game.play("kickoff").text == "Kick-off"
    game.play("half_time")
    assert game.play("second_half").text == "Second half under way"


def test_disallowed_goal_line_names_the_side() -> None:
    game = Game("live")
    game.play("goal", team="away")
    assert game.play("goal_disallowed", team="away").text == (
        "Goal disallowed for Chelsea after review"
    )


def test_default_text_of_a_card_without_its_kind_reads_as_a_yellow() -> None:
    # Shape rules keep such a card out of apply_event; the line is still a sensible one.
    match = fresh()
    ev = MatchEvent(id="1", type="card", match=match.id, team="home", score=Score(), status="live")
    assert default_text(match, ev) == "Yellow card: Arsenal"


def test_a_copy_that_folds_the_published_events_ends_as_the_rules_left_the_match() -> None:
    # How a server sharing a Redis store takes in what the others published: every kind but
    # goal_update folds; for that one it reloads the match (the goal's text may be its own).
    ruled, folded = fresh(), fresh()
    story = [
        EventIn(type="kickoff"),
        EventIn(type="goal", team="home"),
        EventIn(type="clock", minute=30),
        EventIn(type="card", team="away", card="yellow", player="Caicedo"),
        EventIn(type="goal_update", updates="E-2", player="Saka", minute=23),
        EventIn(type="half_time"),
    ]
    for n, ev in enumerate(story, 1):
        out = apply_event(ruled, ev, f"E-{n}")
        if folds(out.type):
            fold(folded, out)
        else:
            folded = ruled.model_copy(deep=True)
        assert folded == ruled
    assert [kind for kind in (*EVENT_TYPES, "goal_update") if not folds(kind)] == ["goal_update"]


def test_a_new_match_is_its_spec_before_anything_happened_on_a_clock_of_real_time() -> None:
    spec = MatchIn(
        competition="Premier League",
        round="Matchday 3",
        home=Team(name="Arsenal"),
        away=Team(name="Chelsea"),
    )
    kickoff = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)
    match = new_match(spec, "ars-che", kickoff)
    assert (match.id, match.competition, match.round, match.kickoff) == (
        "ars-che",
        "Premier League",
        "Matchday 3",
        kickoff,
    )
    assert (match.home.name, match.away.name, match.status, match.events) == (
        "Arsenal",
        "Chelsea",
        "scheduled",
        [],
    )
    assert match.clock_rate == 1.0
    assert new_match(spec, "ars-che", kickoff, clock_rate=60.0).clock_rate == 60.0
    assert match.original_kickoff is None


def test_a_replayed_new_match_keeps_the_kickoff_its_competition_played_it_at() -> None:
    spec = MatchIn(competition="World Cup 2026", home=Team(name="Mexico"), away=Team(name="Ghana"))
    real = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)
    tonight = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    match = new_match(spec, "mex-gha", tonight, original_kickoff=real)
    assert (match.kickoff, match.original_kickoff) == (tonight, real)
