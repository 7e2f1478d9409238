"""server.core.match_state: a goal completed later (goal_update), rule by rule, and the
classic Match Summary line of server/wire_text.py read back."""

from __future__ import annotations

import pytest

from server.core.match_state import apply_event, validate_shape
from server.wire import MAX_SCORE, EventIn, Match, MatchEvent, Score
from server.wire_text import parse_summary, summary_line
from tests.unit.test_match_rules import Game


def goal_in(game: Game, **fields: object) -> MatchEvent:
    return game.play("goal", team="home", **fields)


def update(game: Game, goal: MatchEvent, **fields: object) -> MatchEvent:
    return game.play("goal_update", updates=goal.id, **fields)


def timeline_goal(game: Game, goal: MatchEvent) -> MatchEvent:
    return next(e for e in game.match.events if e.id == goal.id)


def test_an_update_without_a_scorer_or_minute_keeps_the_goals() -> None:
    game = Game("live")
    goal = goal_in(game, player="Saka", minute=90, added=2)
    out = update(game, goal, penalty=True)
    assert (out.player, out.minute, out.added, out.penalty) == ("Saka", 90, 2, True)
    kept = timeline_goal(game, goal)
    assert (kept.player, kept.minute, kept.added, kept.penalty) == ("Saka", 90, 2, True)


def test_an_update_brings_the_stoppage_and_own_goal_into_the_timeline() -> None:
    game = Game("live")
    goal = goal_in(game, minute=90)
    out = update(game, goal, player="Colwill", minute=90, added=4, own_goal=True)
    assert (out.minute, out.added, out.own_goal) == (90, 4, True)
    kept = timeline_goal(game, goal)
    assert (kept.player, kept.minute, kept.added, kept.own_goal) == ("Colwill", 90, 4, True)
    assert out.text == "Goal for Arsenal: Colwill (own goal), 90+4'"
    assert kept.text == "Goal! Colwill (own goal) for Arsenal, Arsenal 1–0 Chelsea"


def test_an_update_keeps_the_text_its_publisher_gave() -> None:
    game = Game("live")
    goal = goal_in(game)
    assert update(game, goal, player="Saka", text="Saka it is").text == "Saka it is"
    assert timeline_goal(game, goal).text == "Goal! Arsenal for Arsenal, Arsenal 1–0 Chelsea"


def test_an_update_after_a_shootout_carries_the_shootout_score() -> None:
    game = Game("live")
    goal = goal_in(game, minute=10)
    game.play("penalty_shootout", team="home", penalties=Score(home=4, away=2))
    out = update(game, goal, player="Saka")
    assert out.penalties == Score(home=4, away=2)
    out.penalties.home = 9  # type: ignore[union-attr]
    assert game.match.penalties == Score(home=4, away=2)  # the event's copy is its own
    assert (out.status, out.score) == ("penalties", Score(home=1, away=0))
    assert timeline_goal(game, goal).player == "Saka"


def test_an_update_without_text_reads_as_the_goal_completed() -> None:
    game = Game("live")
    goal = goal_in(game)
    assert update(game, goal, player="Saka", penalty=True).text == (
        "Goal for Arsenal: Saka (penalty), 0'"  # the goal's minute: the clock when it came
    )


def test_a_match_that_goes_on_after_an_update_counts_as_before() -> None:
    match = Game("live").match
    goal = apply_event(match, EventIn(type="goal", team="away"), "x-1")
    apply_event(match, EventIn(type="goal_update", updates=goal.id, player="Palmer"), "x-2")
    apply_event(match, EventIn(type="goal", team="away"), "x-3")
    assert match.score == Score(home=0, away=2)
    assert isinstance(match, Match)


# --- the classic line ---


def test_a_summary_line_reads_back_as_it_was_written() -> None:
    line = summary_line("90+3'", 2, 1, "Gól! Müller")
    assert "Gól! Müller" in line  # not escaped
    got = parse_summary(line)
    assert (got.time, got.minute, got.added, got.home, got.away, got.text) == (
        "90+3'",
        90,
        3,
        2,
        1,
        "Gól! Müller",
    )


def test_a_summary_without_time_or_event_has_empty_ones() -> None:
    got = parse_summary('Match Summary: {"scores": "1:0"}')
    assert (got.time, got.minute, got.text) == ("", None, "")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Match Summary: " + "x" * 100, "not a match summary: "),
        ('["' + "x" * 100 + '"]', "not a match summary: "),
        ('{"time": "1\'", "text": "' + "x" * 100 + '"}', "no readable scores in "),
    ],
)
def test_a_malformed_summary_is_quoted_in_its_first_80_characters(line: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_summary(line)
    assert str(refused.value) == message + repr(line[:80])


# --- limits and shapes ---


def test_a_side_scores_at_most_the_wire_formats_maximum() -> None:
    game = Game("live")
    game.match.score = Score(home=MAX_SCORE, away=0)
    with pytest.raises(ValueError, match=rf"^home has {MAX_SCORE} goals: a side has at most"):
        game.play("goal", team="home")
    game.play("penalty_shootout", team="away", penalties=Score(home=0, away=MAX_SCORE))
    with pytest.raises(ValueError, match=rf"^away has {MAX_SCORE} shoot-out goals: a side has"):
        game.play("penalty_shootout", team="away", scored=True)


def test_an_update_with_neither_flag_reads_as_the_scorer_and_minute() -> None:
    game = Game("live")
    goal = goal_in(game, minute=12)
    assert update(game, goal, player="Saka").text == "Goal for Arsenal: Saka, 12'"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"type": "goal", "team": "home", "cancels": "x-1"},
            "cancels only applies to goal_disallowed events",
        ),
        (
            {"type": "goal", "team": "home", "updates": "x-1"},
            "updates only applies to goal_update events",
        ),
    ],
)
def test_ids_of_other_goals_only_go_with_their_event_types(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        validate_shape(EventIn(**fields))
