"""desktop.core.display: the words of a timeline row, without what other columns show."""

from __future__ import annotations

import pytest

from desktop.core.display import disallowed_reason, what_happened
from tests.support.matchdata import Feed, match


def story() -> list:
    feed = Feed(match("m", "Arsenal", "Chelsea"))
    return [
        feed("m", "kickoff"),
        feed("m", "goal", minute=9, team="home", player="Saka"),
        feed("m", "goal", minute=20, team="away", player="Palmer"),
        feed(
            "m",
            "goal_disallowed",
            minute=22,
            team="away",
            text="VAR: Chelsea's goal is ruled out for offside in the build-up",
        ),
        feed("m", "card", minute=30, team="away", player="Caicedo", card="second_yellow"),
        feed("m", "half_time", minute=45, added=2),
        feed("m", "second_half"),
        feed("m", "goal", minute=60, team="home", player="James", own_goal=True),
        feed("m", "substitution", minute=70, team="home", player_in="A", player_out="B"),
        feed("m", "goal", minute=90, added=3, team="away", player="Palmer", penalty=True),
        feed("m", "extra_time"),
        feed("m", "penalty_shootout", team="home", player="Saka", scored=False),
        feed("m", "full_time"),
    ]


def test_what_happened_names_the_kind_and_the_score_not_the_team_or_player() -> None:
    assert [what_happened(ev) for ev in story()] == [
        "Kick-off",
        "Goal, 1–0",
        "Goal, 1–1",
        "Goal disallowed (VAR: offside), 1–0",
        "Second yellow card",
        "Half time, 1–0",
        "Second half",
        "Own goal, 2–0",
        "Substitution",
        "Penalty, 2–1",
        "Extra time",
        "Penalty missed, shoot-out 0–0",
        "Full time, 2–1, shoot-out 0–0",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("VAR: ruled out for offside in the build-up", "offside"),
        ("Off-side, says the flag", "offside"),
        ("Handball by the scorer", "handball"),
        ("Foul on the keeper", "foul"),
        ("Goal disallowed for Chelsea after review", None),
    ],
)
def test_the_reason_a_goal_was_disallowed_is_read_from_its_text(text, reason) -> None:
    assert disallowed_reason(text) == reason
