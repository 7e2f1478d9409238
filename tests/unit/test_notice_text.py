"""desktop.core.notify_text: the words of each notice, and of the summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.core.notify_text import (
    event_title_body,
    goal_body,
    scoreline,
    summary_body,
    summary_line,
    summary_title,
)
from server.core.match_state import apply_event
from server.wire import EventIn, Match, MatchEvent, Score, Team


class Game:
    def __init__(self, round: str | None = None) -> None:
        self.match = Match(
            id="m",
            competition="Premier League",
            round=round,
            home=Team(name="Arsenal"),
            away=Team(name="Chelsea"),
            kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
        )
        self.n = 0
        self.play("kickoff")

    def play(self, type: str, **fields: object) -> MatchEvent:
        self.n += 1
        return apply_event(self.match, EventIn(type=type, **fields), f"E-{self.n}")

    def words(self, ev: MatchEvent) -> tuple[str, str]:
        return event_title_body(self.match, ev)


def test_each_notice_tells_the_score_after_its_own_event_not_the_latest() -> None:
    g = Game()
    goal = g.play("goal", team="home", minute=10, player="Saka")
    card = g.play("card", team="away", minute=20, card="red", player="Caicedo")
    half = g.play("half_time")
    g.play("second_half")
    g.play("goal", team="home", minute=50)
    g.play("goal", team="away", minute=60)
    off = g.play("goal_disallowed", team="away", minute=62)
    g.play("goal", team="away", minute=70)
    end = g.play("full_time")
    g.play("goal_disallowed", team="home")  # a review after the whistle
    assert g.match.score == Score(home=1, away=1)  # unlike every score the notices tell
    assert [g.words(ev)[0] for ev in (goal, card, half, off, end)] == [
        "GOAL! Arsenal 1–0 Chelsea",
        "Red card: Arsenal 1–0 Chelsea",
        "Half time: Arsenal 1–0 Chelsea",
        "Goal disallowed (VAR): Arsenal 2–0 Chelsea",
        "Full time: Arsenal 2–1 Chelsea",
    ]


def test_scoreline_is_the_matchs_own_without_an_event() -> None:
    g = Game()
    first = g.play("goal", team="home")
    g.play("goal", team="home")
    assert scoreline(g.match) == "Arsenal 2–0 Chelsea"
    assert scoreline(g.match, first) == "Arsenal 1–0 Chelsea"


def test_goal_without_a_scorer_names_the_side() -> None:
    g = Game()
    assert g.words(g.play("goal", team="away", minute=23)) == (
        "GOAL! Arsenal 0–1 Chelsea",
        "23' Chelsea",
    )
    ev = g.play("goal", team="home", minute=30, text="A deflection")
    assert goal_body(g.match, ev) == "30' Arsenal"


def test_disallowed_goal_names_the_scorer_of_the_goal_taken_back() -> None:
    g = Game()
    g.play("goal", team="home", minute=90, added=1, player="Saka")
    off = g.play("goal_disallowed", team="home", minute=90, added=3)
    assert g.words(off)[1] == "90+3' Saka, Arsenal"


def test_disallowed_goal_without_a_scorer_names_the_side() -> None:
    g = Game()
    g.play("goal", team="away", minute=40)
    assert g.words(g.play("goal_disallowed", team="away", minute=41))[1] == ("41' Chelsea")


def test_disallowed_goal_whose_goal_the_viewer_never_saw_names_the_side() -> None:
    g = Game()
    g.play("goal", team="home", minute=40, player="Saka")
    off = g.play("goal_disallowed", team="home", minute=41)
    g.match.events = [e for e in g.match.events if e.type != "goal"]  # joined after the goal
    assert g.words(off)[1] == "41' Arsenal"


def test_disallowed_goal_whose_text_gives_no_reason_is_titled_without_brackets() -> None:
    g = Game()
    g.play("goal", team="home", minute=40, player="Saka")
    off = g.play("goal_disallowed", team="home", minute=41, text="Arsenal's goal won't count")
    assert g.words(off) == ("Goal disallowed: Arsenal 0–0 Chelsea", "41' Saka, Arsenal")


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({"player": "Rice", "card": "red"}, "90+2' Rice, Arsenal"),
        ({"card": "red"}, "90+2' Arsenal"),
        ({"player": "Rice", "card": "second_yellow"}, "90+2' Rice, Arsenal (second yellow)"),
        ({"card": "second_yellow"}, "90+2' Arsenal (second yellow)"),
    ],
)
def test_red_card_names_the_player_and_side_or_just_the_side(fields: dict, body: str) -> None:
    g = Game()
    assert g.words(g.play("card", team="home", minute=90, added=2, **fields))[1] == body


def test_whistles_name_the_fixture_and_the_competition() -> None:
    g = Game(round="Matchday 3")
    assert g.words(g.match.events[0]) == (
        "Kick-off: Arsenal v Chelsea",
        "Premier League · Matchday 3",
    )
    assert g.words(g.play("half_time"))[1] == "Premier League · Matchday 3"
    g.play("second_half")
    assert g.words(g.play("full_time")) == (
        "Full time: Arsenal 0–0 Chelsea",
        "Premier League · Matchday 3",
    )


@pytest.mark.parametrize(
    ("kicks", "body"),
    [
        ([("home", True), ("away", False)], "Arsenal win 1–0 on pens"),
        ([("home", False), ("away", True), ("away", True)], "Chelsea win 2–0 on pens"),
    ],
)
def test_full_time_after_a_shootout_names_the_winner(kicks: list, body: str) -> None:
    g = Game()
    for team, scored in kicks:
        g.play("penalty_shootout", team=team, scored=scored)
    assert g.words(g.play("full_time"))[1] == body


def test_full_time_after_a_level_shootout_names_the_competition() -> None:
    # Not a result a feed sends, but the words stay sensible: no winner to name.
    g = Game()
    g.play("penalty_shootout", team="home", penalties=Score(home=3, away=3))
    assert g.words(g.play("full_time"))[1] == "Premier League"


def test_events_that_never_notify_still_read_as_the_fixture_and_their_text() -> None:
    g = Game()
    sub = g.play("substitution", team="home", player_in="Havertz", player_out="Jesus")
    assert g.words(sub) == ("Arsenal v Chelsea", "Substitution Arsenal: Havertz on, Jesus off")


def test_summary_title_counts_each_kind_in_a_fixed_order() -> None:
    kinds = ["red_card", "goal", "goal", "kickoff", "red_card", "red_card"]
    assert summary_title(kinds, catch_up=False) == "2 goals, 3 red cards, 1 kick-off just now"
    assert summary_title(["goal", "full_time"], catch_up=True) == (
        "1 goal, 1 full time while you were offline"
    )


def test_summary_body_shows_four_lines_then_how_many_more() -> None:
    assert summary_body(list("abcde")) == "a\nb\nc\nd\ne"  # "and 1 more" would take a line
    assert summary_body(list("abcdef")) == "a\nb\nc\nd\nand 2 more"
    assert summary_body(list("abcd"), limit=2) == "a\nb\nand 2 more"


def test_a_summary_line_tells_the_match_the_who_and_when_of_each_event() -> None:
    g = Game()
    goal = g.play("goal", team="home", minute=23, player="Saka")
    g.play("goal", team="home", minute=38, player="White")
    card = g.play("card", team="away", minute=40, card="red", player="Caicedo")
    off = g.play("goal_disallowed", team="home", minute=41, text="VAR: White was offside")
    half = g.play("half_time")
    g.play("second_half")
    g.play("goal", team="away", minute=50)  # the match's score is none of the lines' own
    assert [summary_line(g.match, ev) for ev in (goal, card, off, half)] == [
        "Arsenal 1–0 Chelsea: 23' Saka",
        "Red card, Arsenal 2–0 Chelsea: 40' Caicedo, Chelsea",
        # The reason's own ": " stays inside its brackets.
        "Goal disallowed (VAR: offside), Arsenal 1–0 Chelsea: 41' White, Arsenal",
        "Half time: Arsenal 1–0 Chelsea",
    ]
