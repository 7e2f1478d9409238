"""Malformed feeds are refused with one line naming the file, the entry and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.feeds import FeedError, load_feed

MATCH = {
    "id": "ars-tot",
    "competition": "Premier League",
    "home": "Arsenal",
    "away": "Tottenham Hotspur",
    "kickoff": "2025-11-29T15:00:00Z",
}


def own(*events: dict, matches: list[dict] | None = None) -> dict:
    """A Touchline feed whose events all belong to ars-tot unless they say otherwise."""
    return {
        "matches": matches if matches is not None else [MATCH],
        "events": [{"match": "ars-tot", **e} for e in events],
    }


KICKOFF = {"type": "kickoff"}
GOAL = {"type": "goal", "minute": 10, "team": "home"}
HALF_TIME = {"type": "half_time"}
SECOND_HALF = {"type": "second_half"}


def openfootball(**match: object) -> dict:
    base = {"date": "2026-06-12", "time": "18:00", "team1": "Northland", "team2": "Southland"}
    return {"name": "Edge Cup 2026", "matches": [{**base, **match}]}


# (what is wrong, file content as JSON or raw text, where, message)
CASES = [
    ("bad_json", '{"matches": [,]}', "line 1, column 14", "Expecting value"),
    (
        "unknown_format",
        {"teams": ["Arsenal"]},
        "",
        "unknown feed format: expected Touchline's {matches, events}, openfootball's"
        " {name, matches} or {name, rounds}, or the classic [{time, scores, event}] list",
    ),
    (
        "unknown_match_id",
        own(KICKOFF, {"match": "ars-chx", **GOAL}),
        "events[1]",
        "unknown match 'ars-chx'",
    ),
    (
        "duplicate_match_id",
        own(matches=[MATCH, {**MATCH, "home": "Chelsea"}]),
        "matches[1]",
        "duplicate match id 'ars-tot' (also matches[0])",
    ),
    (
        "match_without_kickoff",
        own(matches=[{k: v for k, v in MATCH.items() if k != "kickoff"}]),
        "matches[0].kickoff",
        "field required",
    ),
    (
        "bad_match_id",
        own(matches=[{**MATCH, "id": "ars tot"}]),
        "matches[0].id",
        "String should match pattern '^[A-Za-z0-9_.:-]+$'",
    ),
    (
        "minute_beyond_the_wire_limit",
        own(KICKOFF, {**GOAL, "minute": 131}),
        "events[1].minute",
        "Input should be less than or equal to 130",
    ),
    (
        "minute_outside_its_half",
        own(KICKOFF, {**GOAL, "minute": 50}),
        "events[1]",
        "goal at 50': minute 50 is outside the first half (0–45)",
    ),
    (
        "added_time_not_after_45",
        own(KICKOFF, {**GOAL, "minute": 30, "added": 2}),
        "events[1]",
        "goal at 30+2': added time only follows minute 45 in the first half",
    ),
    (
        "second_half_minute_in_the_first_half",
        own(KICKOFF, HALF_TIME, SECOND_HALF, {**GOAL, "minute": 40}),
        "events[3]",
        "goal at 40': minute 40 is outside the second half (46–90)",
    ),
    (
        "events_out_of_order",
        own(KICKOFF, {**GOAL, "minute": 40}, {**GOAL, "minute": 30}),
        "events[2]",
        "goal at 30': minute 30 comes before the match's previous event",
    ),
    (
        "team_not_in_the_match",
        own(KICKOFF, {**GOAL, "team": "Chelsea"}),
        "events[1].team",
        "'Chelsea' is not playing in match 'ars-tot' (Arsenal v Tottenham Hotspur)",
    ),
    (
        "team_neither_home_nor_away",
        own(KICKOFF, {**GOAL, "team": 1}),
        "events[1].team",
        "Input should be 'home' or 'away'",
    ),
    (
        "goal_without_team",
        own(KICKOFF, {"type": "goal", "minute": 10}),
        "events[1]",
        "goal at 10': a goal event needs team",
    ),
    (
        "goal_before_kickoff",
        own(GOAL),
        "events[0]",
        "goal at 10': cannot apply goal to a match that is scheduled",
    ),
    (
        "goal_after_full_time",
        own(KICKOFF, {"type": "full_time"}, GOAL),
        "events[2]",
        "goal at 10': cannot apply goal to a match that is full_time",
    ),
    (
        "second_kickoff",
        own(KICKOFF, KICKOFF),
        "events[1]",
        "kickoff: cannot apply kickoff to a match that is live",
    ),
    (
        "nothing_to_disallow",
        own(KICKOFF, {"type": "goal_disallowed", "team": "away", "minute": 12}),
        "events[1]",
        "goal_disallowed at 12': away has no goal to disallow",
    ),
    (
        "second_half_after_normal_time",
        own(
            KICKOFF,
            HALF_TIME,
            SECOND_HALF,
            {"type": "half_time", "minute": 90},
            SECOND_HALF,
        ),
        "events[4]",
        "second_half: second_half cannot end this break, extra_time can",
    ),
    (
        "clock_event_in_a_feed",
        own(KICKOFF, {"type": "clock", "minute": 5}),
        "events[1]",
        "clock at 5': clock events are added by the replay, leave them out of feeds",
    ),
    (
        "unknown_event_field",
        own(KICKOFF, {**GOAL, "scorer": "Saka"}),
        "events[1].scorer",
        "unknown field",
    ),
    (
        "event_not_an_object",
        own(KICKOFF) | {"events": [{"match": "ars-tot", **KICKOFF}, "goal"]},
        "events[1]",
        "an event must be a JSON object",
    ),
    (
        "openfootball_bad_time",
        openfootball(time="25:00", score={"ft": [0, 0]}),
        "matches[0].time",
        "'25:00' is not a valid time",
    ),
    (
        "openfootball_unreadable_minute",
        openfootball(score={"ft": [1, 0]}, goals1=[{"name": "X", "minute": "ninety"}]),
        "matches[0].goals1[0].minute",
        "'ninety' is not a minute like 67 or 90+4",
    ),
    (
        "openfootball_minute_past_extra_time",
        openfootball(score={"ft": [1, 0]}, goals1=[{"name": "X", "minute": 125}]),
        "matches[0].goals1[0].minute",
        "minute 125 is past the end of extra time (120)",
    ),
    (
        "openfootball_level_shootout",
        openfootball(score={"ft": [1, 1], "et": [1, 1], "p": [3, 3]}),
        "matches[0].score.p",
        "a shoot-out cannot end level (3–3)",
    ),
    (
        "openfootball_et_below_ft",
        openfootball(score={"ft": [2, 1], "et": [1, 1]}),
        "matches[0].score.et",
        "lower than the score after 90 minutes",
    ),
    (
        "openfootball_bad_date",
        {
            "name": "Euro",
            "rounds": [
                {"name": "Final", "matches": [{"date": "2024-13-01", "team1": "A", "team2": "B"}]}
            ],
        },
        "rounds[0].matches[0].date",
        "Input should be a valid date or datetime, month value is outside expected range of 1-12",
    ),
    (
        "openfootball_round_without_name",
        {"name": "Euro", "rounds": [{"matches": []}]},
        "rounds[0].name",
        "field required",
    ),
    (
        "classic_bad_score",
        [{"time": "00:05", "scores": "1-0", "event": "Goal!"}],
        "[0].scores",
        "'1-0' is not a score like 2:1",
    ),
    (
        "classic_bad_time",
        [{"time": "5 min", "scores": "1:0", "event": "Goal!"}],
        "[0].time",
        "'5 min' is not a match clock like 67:05",
    ),
    (
        "classic_time_going_back",
        [
            {"time": "10:00", "scores": "1:0", "event": "Goal!"},
            {"time": "09:00", "scores": "2:0", "event": "Goal!"},
        ],
        "[1].time",
        "09:00 comes before the entry above",
    ),
    ("classic_empty_list", [], "", "the classic feed is an empty list"),
]


@pytest.mark.parametrize(
    ("content", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_feed_is_refused_naming_file_and_entry(
    tmp_path: Path, content: object, where: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedError) as caught:
        load_feed(str(path))
    err = caught.value
    assert (err.path, err.where, err.message) == (str(path), where, message)
    assert str(err) == ": ".join(part for part in (str(path), where, message) if part)


def test_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FeedError) as caught:
        load_feed(str(tmp_path / "nope.json"))
    assert str(caught.value) == f"{tmp_path / 'nope.json'}: no such file"


def test_directory_is_not_a_feed(tmp_path: Path) -> None:
    with pytest.raises(FeedError) as caught:
        load_feed(str(tmp_path))
    assert str(caught.value) == f"{tmp_path}: is a directory, not a feed file"


def test_binary_file_is_not_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(FeedError) as caught:
        load_feed(str(path))
    assert str(caught.value) == f"{path}: byte 10: not UTF-8 text"


def test_bundled_feed_is_named_by_its_file_name_not_its_install_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "demo.json").write_text(json.dumps(own({"match": "ars-chx", **KICKOFF})))
    monkeypatch.setattr("server.feeds.asset", lambda *parts: tmp_path.joinpath(*parts[1:]))
    with pytest.raises(FeedError) as caught:
        load_feed("demo")
    assert str(caught.value) == "demo.json: events[0]: unknown match 'ars-chx'"


def test_unknown_name_is_a_missing_file() -> None:
    with pytest.raises(FeedError) as caught:
        load_feed("no-such-feed")
    assert str(caught.value) == "no-such-feed: no such file"
