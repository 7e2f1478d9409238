"""desktop.core.notify_text: the words of each notice, and of the summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.core.notify_text import (
    event_title_body,
    goal_body,
    scoreline,
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
