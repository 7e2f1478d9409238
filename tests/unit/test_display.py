"""desktop.core.display: the words of a timeline row, without what other columns show."""

from __future__ import annotations

import pytest

from desktop.core.display import disallowed_reason, what_happened, why_disallowed
from server.wire import MatchEvent, Score
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


def test_whistles_are_named_in_the_viewers_words_not_the_feeds_sentence() -> None:
    # The feed's sentence is the row's tooltip; the column names the kind of event.
    feed = Feed(match("m", "Arsenal", "Chelsea"))
    said = {
        "kickoff": "And we're under way at the Emirates",
        "half_time": "The referee blows for the break",
        "second_half": "Chelsea get us going again",
        "extra_time": "Thirty more minutes to settle it",
    }
    assert [what_happened(feed("m", kind, text=text)) for kind, text in said.items()] == [
        "Kick-off",
        "Half time, 0–0",
        "Second half",
        "Extra time",
    ]


def test_an_event_the_timeline_has_no_words_for_shows_its_own_text_else_its_kind() -> None:
    # goal_update and clock never reach the timeline; should one, it still reads as something.
    def event(kind: str, text: str) -> MatchEvent:
        return MatchEvent(id="e", type=kind, match="m", text=text, score=Score(), status="live")

    assert what_happened(event("goal_update", "Goal for Arsenal: Saka")) == (
        "Goal for Arsenal: Saka"
    )
    assert what_happened(event("clock", "")) == "clock"


def test_a_card_whose_colour_is_not_given_reads_as_a_yellow_card() -> None:
    ev = MatchEvent(id="e", type="card", match="m", team="home", score=Score(), status="live")
    assert what_happened(ev) == "Yellow card"


def test_a_disallowed_goal_whose_text_gives_no_reason_says_only_that() -> None:
    feed = Feed(match("m", "Arsenal", "Chelsea"))
    feed("m", "kickoff")
    feed("m", "goal", minute=9, team="home")
    off = feed("m", "goal_disallowed", minute=10, team="home", text="Arsenal's goal won't count")
    assert what_happened(off) == "Goal disallowed, 0–0"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("VAR: ruled out for offside", "VAR: offside"),
        ("Flag up: offside", "offside"),  # the linesman, not a review
        ("Goal disallowed for Chelsea after review", "VAR"),
        ("Arsenal's goal won't count", ""),
    ],
)
def test_why_a_goal_was_disallowed_names_the_review_and_the_reason_it_gives(
    text: str, why: str
) -> None:
    ev = MatchEvent(
        id="e", type="goal_disallowed", match="m", text=text, score=Score(), status="live"
    )
    assert why_disallowed(ev) == why


def test_a_shoot_out_reads_kick_by_kick_with_its_score_or_without_one() -> None:
    feed = Feed(match("m", "Arsenal", "Chelsea"))
    for kind in ("kickoff", "half_time", "second_half", "extra_time"):
        feed("m", kind)
    scored = feed("m", "penalty_shootout", team="home", player="Saka", scored=True)
    missed = feed("m", "penalty_shootout", team="away", player="Palmer", scored=False)
    assert [what_happened(scored), what_happened(missed)] == [
        "Penalty scored, shoot-out 1–0",
        "Penalty missed, shoot-out 1–0",
    ]
    # A feed that only has the total (no kick is named) and one without even that.
    total = MatchEvent(
        id="e1", type="penalty_shootout", match="m", score=Score(), status="penalties",
        penalties=Score(home=4, away=3),
    )  # fmt: skip
    bare = MatchEvent(
        id="e2", type="penalty_shootout", match="m", score=Score(), status="penalties"
    )
    assert [what_happened(total), what_happened(bare)] == ["Shoot-out 4–3", "Shoot-out"]
    # A kick from a feed that does not keep the total.
    kick = bare.model_copy(update={"scored": True})
    assert what_happened(kick) == "Penalty scored, shoot-out"


def test_full_time_names_the_shoot_out_only_when_there_was_one() -> None:
    feed = Feed(match("m", "Arsenal", "Chelsea"))
    feed("m", "kickoff")
    feed("m", "goal", minute=9, team="home")
    assert what_happened(feed("m", "full_time")) == "Full time, 1–0"
