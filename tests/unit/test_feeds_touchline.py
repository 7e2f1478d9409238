"""Touchline's own feed format, and the bundled demo matchday written in it."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.core.match_state import apply_event
from server.feeds import FeedError, load_feed
from server.feeds.model import scratch_match
from server.wire import Match


def play(feed) -> dict[str, Match]:
    out = {}
    for m in feed.matches:
        match = scratch_match(m)
        for i, ev in enumerate(feed.events_of(m.id)):
            apply_event(match, ev, f"{m.id}-{i}")
        out[m.id] = match
    return out


def write(tmp_path: Path, doc: object, name: str = "feed.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_demo_is_a_matchday_in_two_competitions_with_staggered_kickoffs() -> None:
    feed = load_feed("demo")
    assert len(feed.matches) >= 6
    assert {m.competition for m in feed.matches} == {"Premier League", "La Liga"}
    # Every match its own kick-off, half an hour or more apart: at any moment of the matchday
    # its matches are at different stages (tests/unit/test_replay.py, the head start).
    slots = sorted(m.kickoff for m in feed.matches)
    gaps = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(slots)]
    assert all(30 <= gap <= 45 for gap in gaps), gaps


def test_demo_every_match_has_both_halves_and_ends_at_full_time() -> None:
    for match in play(load_feed("demo")).values():
        kinds = [e.type for e in match.events]
        assert kinds[0] == "kickoff" and kinds[-1] == "full_time", match.id
        assert kinds.count("half_time") == kinds.count("second_half") == 1, match.id
        assert match.status == "full_time"


def test_demo_has_every_kind_of_moment_the_viewer_shows() -> None:
    matches = play(load_feed("demo"))
    events = [e for m in matches.values() for e in m.events]
    goals = [e for e in events if e.type == "goal"]
    cards = {e.card for e in events if e.type == "card"}
    assert any(e.penalty for e in goals)
    assert any(e.own_goal for e in goals)
    assert cards == {"yellow", "second_yellow", "red"}
    assert sum(e.type == "substitution" for e in events) >= 10
    # A goal taken back after review: the score drops again and the event names the goal.
    (disallowed,) = [e for e in events if e.type == "goal_disallowed"]
    cancelled = next(e for e in events if e.id == disallowed.cancels)
    assert cancelled.type == "goal" and cancelled.team == disallowed.team
    # An equaliser: a goal that levels the score after a side was behind.
    assert any(e.score.home == e.score.away for e in goals)
    # A stoppage-time winner: a 90+x goal that decides the match.
    late = [e for e in goals if e.minute == 90 and e.added]
    assert any(
        abs(e.score.home - e.score.away) == 1
        and (matches[e.match].score == e.score)
        and (e.score.home > e.score.away) == (e.team == "home")
        for e in late
    )


def test_teams_may_be_named_in_events_and_competition_defaults_to_the_feed_name(
    tmp_path: Path,
) -> None:
    doc = {
        "name": "Sunday league",
        "matches": [
            {
                "id": "a-b",
                "home": {"name": "Athletic", "code": "ATH"},
                "away": "Borough",
                "kickoff": "2025-03-02T10:30:00",
            }
        ],
        "events": [
            {"match": "a-b", "type": "kickoff"},
            {"match": "a-b", "type": "goal", "minute": 12, "team": "Borough"},
            {"match": "a-b", "type": "half_time"},
            {"match": "a-b", "type": "second_half"},
            {"match": "a-b", "type": "goal", "minute": 50, "team": "ath", "player": "Ives"},
            {"match": "a-b", "type": "full_time"},
        ],
    }
    feed = load_feed(write(tmp_path, doc))
    (m,) = feed.matches
    assert (m.competition, m.away.name, m.kickoff) == (
        "Sunday league",
        "Borough",
        datetime(2025, 3, 2, 10, 30, tzinfo=UTC),
    )
    assert [ev.team for ev in feed.events_of("a-b") if ev.type == "goal"] == ["away", "home"]
    match = play(feed)["a-b"]
    assert str(match.score) == "1–1"
    assert match.events[-1].text == "Full time, Athletic 1–1 Borough"


def test_events_of_interleaved_matches_keep_each_matchs_order(tmp_path: Path) -> None:
    match = {"home": "H", "away": "A", "kickoff": "2025-03-02T15:00:00Z"}
    doc = {
        "matches": [{"id": "one", **match}, {"id": "two", **match}],
        "events": [
            {"match": "one", "type": "kickoff"},
            {"match": "two", "type": "kickoff"},
            {"match": "two", "type": "goal", "minute": 3, "team": "home"},
            {"match": "one", "type": "goal", "minute": 9, "team": "away"},
            {"match": "one", "type": "full_time"},
        ],
    }
    feed = load_feed(write(tmp_path, doc, "interleaved.json"))
    assert feed.name == "interleaved"  # no name: the file's
    assert [e.type for e in feed.events_of("one")] == ["kickoff", "goal", "full_time"]
    matches = play(feed)
    assert (str(matches["one"].score), matches["one"].status) == ("0–1", "full_time")
    assert (str(matches["two"].score), matches["two"].status) == ("1–0", "live")


def test_full_knockout_sequence_with_extra_time_and_kick_by_kick_shootout(tmp_path: Path) -> None:
    m = "ko"
    events = [
        {"type": "kickoff"},
        {"type": "goal", "minute": 30, "team": "home"},
        {"type": "half_time", "minute": 45, "added": 1},
        {"type": "second_half"},
        {"type": "goal", "minute": 90, "added": 2, "team": "away"},
        {"type": "half_time", "minute": 90, "added": 5, "text": "End of normal time"},
        {"type": "extra_time"},
        {"type": "half_time", "minute": 105},
        {"type": "second_half"},
        {
            "type": "substitution",
            "minute": 110,
            "team": "home",
            "player_in": "X",
            "player_out": "Y",
        },
        {"type": "penalty_shootout", "team": "home", "player": "P1", "scored": True},
        {"type": "penalty_shootout", "team": "away", "player": "Q1", "scored": False},
        {"type": "full_time"},
    ]
    doc = {
        "matches": [{"id": m, "home": "H", "away": "A", "kickoff": "2025-03-02T15:00:00Z"}],
        "events": [{"match": m, **e} for e in events],
    }
    match = play(load_feed(write(tmp_path, doc)))[m]
    assert match.status == "full_time"
    assert (str(match.score), str(match.penalties)) == ("1–1", "1–0")


def test_a_touchline_file_missing_its_events_is_told_so(tmp_path: Path) -> None:
    doc = {"matches": [{"id": "a-b", "home": "A", "away": "B", "kickoff": "2025-03-02T15:00Z"}]}
    path = write(tmp_path, doc)
    with pytest.raises(FeedError) as caught:
        load_feed(path)
    assert (caught.value.where, caught.value.message) == ("events", "field required")
