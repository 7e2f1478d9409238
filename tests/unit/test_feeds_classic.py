"""The classic list feed of the original article."""

from __future__ import annotations

import json
from pathlib import Path

from server.core.match_state import apply_event
from server.feeds import load_feed
from server.feeds.model import scratch_match
from server.wire import Match

SAMPLE = Path(__file__).parents[1] / "feeds" / "classic-sample.json"


def play(feed) -> Match:
    (m,) = feed.matches
    match = scratch_match(m)
    for i, ev in enumerate(feed.events_of(m.id)):
        apply_event(match, ev, str(i))
    return match


def test_classic_sample_is_one_match_between_team_a_and_team_b() -> None:
    feed = load_feed(str(SAMPLE))
    (m,) = feed.matches
    assert (m.id, m.competition, m.home.name, m.away.name) == (
        "classic-sample",
        "Classic feed",
        "Team A",
        "Team B",
    )
    assert m.kickoff is not None


def test_score_changes_become_goals_and_a_drop_a_disallowed_goal() -> None:
    match = play(load_feed(str(SAMPLE)))
    scoring = [
        (e.type, e.minute, e.added, e.team, str(e.score), e.text)
        for e in match.events
        if e.type in ("goal", "goal_disallowed")
    ]
    assert scoring == [
        ("goal", 13, None, "home", "1–0", "Goal! Team A scores!"),
        ("goal", 39, None, "away", "1–1", "Goal! Team B scores!"),
        ("goal", 59, None, "home", "2–1", "Goal! Team A scores again!"),
        ("goal_disallowed", 61, None, "home", "1–1", "VAR: the goal is ruled out for handball"),
        ("goal", 77, None, "away", "1–2", "Two quick goals for Team B!"),
        ("goal", 77, None, "away", "1–3", "Goal! Team B for Team B, Team A 1–3 Team B"),
        ("goal", 90, 3, "home", "2–3", "Goal! Team A pull one back in stoppage time"),
    ]


def test_whistles_are_added_and_take_the_text_of_entries_that_mention_them() -> None:
    match = play(load_feed(str(SAMPLE)))
    whistles = [
        (e.type, e.minute, e.added, e.text)
        for e in match.events
        if e.type not in ("goal", "goal_disallowed")
    ]
    assert whistles == [
        ("kickoff", 0, None, "Kick-off! Team A get us under way"),
        ("half_time", 45, None, "Half time: all square"),
        ("second_half", 46, None, "Second half under way"),
        ("full_time", 90, 4, "Full time!"),
    ]
    assert (match.status, str(match.score)) == ("full_time", "2–3")
    # The yellow-card line has no place on the wire: it is dropped, not misfiled.
    assert not any("Yellow" in e.text for e in match.events)


def test_a_short_classic_list_still_plays_a_whole_match(tmp_path: Path) -> None:
    path = tmp_path / "short.json"
    path.write_text(
        json.dumps([{"time": "00:05", "scores": "1:1", "event": "Goal! Team B scores!"}])
    )
    match = play(load_feed(str(path)))
    assert [e.type for e in match.events] == [
        "kickoff",
        "goal",
        "goal",
        "half_time",
        "second_half",
        "full_time",
    ]
    assert [(e.minute, e.team) for e in match.events[1:3]] == [(1, "home"), (1, "away")]
    assert (match.status, str(match.score)) == ("full_time", "1–1")
