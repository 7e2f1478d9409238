"""The feed parsers' rules, each on a few lines of data: the classic article feed, Touchline's
own format and openfootball's (server/feeds/). The bundled feeds are tested whole elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from datetime import time as clock_time

import pytest

from server.feeds import classic, openfootball, touchline
from server.feeds.errors import FeedError
from server.feeds.model import Feed
from server.feeds.openfootball_match import Goal, place
from server.wire import EventIn
from tests.support.timezone import local_time

# --- the classic feed ---


def entry(at: str, scores: str, event: str = "") -> dict:
    return {"time": at, "scores": scores, "event": event}


def goals(feed: Feed) -> list[tuple]:
    return [
        (e.event.type, e.event.team, e.event.minute, e.event.added, e.event.text)
        for e in feed.events
        if e.event.type in ("goal", "goal_disallowed")
    ]


def kinds(feed: Feed) -> list[str]:
    return [e.event.type for e in feed.events]


def test_a_reversal_then_a_goal_in_one_entry_takes_back_first() -> None:
    feed = classic.parse(
        "f.json", "f", [entry("10:00", "1:0", "A scores"), entry("20:00", "0:1", "VAR")]
    )
    assert goals(feed) == [
        ("goal", "home", 10, None, "A scores"),
        ("goal_disallowed", "home", 20, None, "VAR"),
        ("goal", "away", 20, None, None),
    ]


def test_a_reversal_of_the_away_side_is_also_taken_back_before_the_home_goal() -> None:
    feed = classic.parse("f.json", "f", [entry("10:00", "0:1"), entry("20:00", "1:0", "VAR")])
    assert [(t, side) for t, side, *_ in goals(feed)] == [
        ("goal", "away"),
        ("goal_disallowed", "away"),
        ("goal", "home"),
    ]


def test_an_entry_that_scores_gives_no_text_to_the_whistle_it_mentions() -> None:
    feed = classic.parse("f.json", "f", [entry("45:00", "1:0", "A goal just before half time")])
    texts = {e.event.type: e.event.text for e in feed.events}
    assert (texts["goal"], texts["half_time"]) == ("A goal just before half time", None)


@pytest.mark.parametrize(
    ("at", "minute", "added", "half"),
    [
        ("00:05", 1, None, "first"),
        ("44:10", 45, None, "first"),
        ("45:00", 45, None, "first"),
        ("45:30", 46, None, "second"),
        ("89:30", 90, None, "second"),
        ("90:00", 90, None, "second"),
        ("90:30", 90, 1, "second"),
        ("120:00", 90, 30, "second"),
    ],
)
def test_the_clock_is_read_as_football_minutes_in_their_half(
    at: str, minute: int, added: int | None, half: str
) -> None:
    feed = classic.parse("f.json", "f", [entry(at, "1:0")])
    assert goals(feed) == [("goal", "home", minute, added, None)]
    goal_at = kinds(feed).index("goal")
    assert (goal_at < kinds(feed).index("half_time")) is (half == "first")


def test_entries_may_share_a_minute() -> None:
    feed = classic.parse("f.json", "f", [entry("10:00", "1:0"), entry("10:00", "2:0")])
    assert len(goals(feed)) == 2


@pytest.mark.parametrize(
    ("entries", "where", "message"),
    [
        (
            [entry("90:30", "0:0"), entry("89:50", "0:0")],
            "[1].time",
            "89:50 comes before the entry above",
        ),
        (
            [entry("30:00", "0:0"), entry("29:00", "0:0")],
            "[1].time",
            "29:00 comes before the entry above",
        ),
        ([entry("120:30", "0:0")], "[0].time", "120:30 is past the end (120:00)"),
    ],
)
def test_time_never_goes_back_nor_past_120_minutes(entries: list, where: str, message: str) -> None:
    with pytest.raises(FeedError) as refused:
        classic.parse("f.json", "f", entries)
    assert str(refused.value) == f"f.json: {where}: {message}"


def test_whistles_take_the_text_of_the_first_entry_that_names_them() -> None:
    feed = classic.parse(
        "f.json",
        "f",
        [
            entry("00:05", "0:0", "Kick off at the Old Ground"),
            entry("20:00", "0:0", "Great save"),
            entry("45:00", "0:0", "Half-time: goalless"),
            entry("46:00", "0:0", "Second half: still half time talk"),
            entry("93:00", "0:0", "Full time!"),
        ],
    )
    texts = {e.event.type: e.event.text for e in feed.events}
    assert texts == {
        "kickoff": "Kick off at the Old Ground",
        "half_time": "Half-time: goalless",
        "second_half": None,
        "full_time": "Full time!",
    }


def test_the_whistles_are_added_and_full_time_comes_at_the_last_stoppage_minute() -> None:
    feed = classic.parse("f.json", "f", [entry("93:00", "0:0")])
    assert [(e.event.type, e.event.minute, e.event.added) for e in feed.events] == [
        ("kickoff", 0, None),
        ("half_time", 45, None),
        ("second_half", None, None),
        ("full_time", 90, 3),
    ]


@pytest.mark.parametrize(
    ("stem", "match_id"),
    [
        ("Cup Final (2024)!", "Cup-Final-2024"),
        ("???", "classic"),
        ("A" * 80, "A" * 64),
        ("-x-", "x"),
        ("Xmas match X", "Xmas-match-X"),
    ],
)
def test_the_match_id_is_made_from_the_file_name(stem: str, match_id: str) -> None:
    feed = classic.parse("f.json", stem, [entry("10:00", "0:0")])
    assert ([m.id for m in feed.matches], feed.name) == ([match_id], stem)


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Pacific/Kiritimati"])
def test_the_classic_match_kicks_off_today_at_three_utc(zone: str) -> None:
    with local_time(zone):  # far from UTC either way: "today" is UTC's, not the local one
        [match] = classic.parse("f.json", "f", [entry("10:00", "0:0")]).matches
    today = datetime.now(UTC).date()
    assert match.kickoff == datetime.combine(today, clock_time(15, 0), tzinfo=UTC)
    assert match.kickoff.utcoffset() is not None


# --- Touchline's format ---


def touchline_doc(*events: dict, **match: object) -> dict:
    spec = {"id": "m", "home": "Arsenal", "away": "Chelsea", "kickoff": "2026-06-11T19:00:00"}
    return {"matches": [{**spec, **match}], "events": list(events)}


def test_team_may_be_named_by_side_name_or_code_in_any_case() -> None:
    doc = touchline_doc(
        {"match": "m", "type": "kickoff"},
        {"match": "m", "type": "goal", "minute": 5, "team": "ARS"},
        {"match": "m", "type": "goal", "minute": 6, "team": "chelsea"},
        {"match": "m", "type": "goal", "minute": 7, "team": "away"},
        home={"name": "Arsenal", "code": "ars"},
    )
    feed = touchline.parse("t.json", "t", doc)
    assert [e.event.team for e in feed.events][1:] == ["home", "away", "away"]


def test_a_team_without_a_code_is_only_known_by_name() -> None:
    doc = touchline_doc(
        {"match": "m", "type": "kickoff"}, {"match": "m", "type": "goal", "team": "xxxx"}
    )
    with pytest.raises(
        FeedError, match=r"'xxxx' is not playing in match 'm' \(Arsenal v Chelsea\)"
    ):
        touchline.parse("t.json", "t", doc)


@pytest.mark.parametrize(
    ("kickoff", "utc"),
    [
        ("2026-06-11T19:00:00", "2026-06-11T19:00:00+00:00"),
        ("2026-06-11T21:00:00+02:00", "2026-06-11T19:00:00+00:00"),
    ],
)
def test_kickoff_without_an_offset_is_utc_and_with_one_is_converted(kickoff: str, utc: str) -> None:
    with local_time("Pacific/Kiritimati"):  # UTC+14: local time is never taken for UTC
        [match] = touchline.parse("t.json", "t", touchline_doc(kickoff=kickoff)).matches
    assert match.kickoff is not None and match.kickoff.isoformat() == utc


def test_team_codes_are_kept_on_both_sides() -> None:
    doc = touchline_doc(
        home={"name": "Arsenal", "code": "ARS"}, away={"name": "Chelsea", "code": "CHE"}
    )
    [match] = touchline.parse("t.json", "t", doc).matches
    assert (match.home.code, match.away.code) == ("ARS", "CHE")


def test_the_round_and_competition_are_kept() -> None:
    doc = touchline_doc(round="Matchday 13", competition="Premier League")
    [match] = touchline.parse("t.json", "t", doc).matches
    assert (match.round, match.competition) == ("Matchday 13", "Premier League")


@pytest.mark.parametrize("event", [{"type": "kickoff"}, {"match": 5, "type": "kickoff"}])
def test_an_event_must_name_its_match(event: dict) -> None:
    with pytest.raises(FeedError) as refused:
        touchline.parse("t.json", "t", touchline_doc(event))
    assert str(refused.value) == "t.json: events[0]: an event needs a match id ('match')"


@pytest.mark.parametrize(
    ("data", "mine"),
    [
        ({"events": []}, True),
        ({"matches": [{"home": "A"}]}, True),
        ({"matches": [{"team1": "A"}]}, False),
        ({"matches": []}, False),
        ({"matches": {"home": "A"}}, False),
        ([], False),
    ],
)
def test_a_touchline_file_is_told_by_its_events_or_home_teams(data: object, mine: bool) -> None:
    assert touchline.looks_like(data) is mine


# --- openfootball ---


def of_doc(*matches: dict, name: str = "World Cup 2026") -> dict:
    return {"name": name, "matches": list(matches)}


def of_match(**fields: object) -> dict:
    return {"date": "2026-06-11", "team1": "Mexico", "team2": "South Africa", **fields}


def events_of(feed: Feed) -> list[EventIn]:
    return [e.event for e in feed.events]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        (None, "2026-06-11T12:00:00+00:00"),
        ("13:00", "2026-06-11T13:00:00+00:00"),
        ("13:00 UTC-6", "2026-06-11T19:00:00+00:00"),
        ("13:30 UTC+5:30", "2026-06-11T08:00:00+00:00"),
        ("23:59 UTC+14", "2026-06-11T09:59:00+00:00"),
    ],
)
def test_kickoff_time_and_offset_are_read_as_utc(text: str | None, utc: str) -> None:
    [match] = openfootball.parse("o.json", "o", of_doc(of_match(time=text))).matches
    assert match.kickoff is not None and match.kickoff.isoformat() == utc


def test_kickoff_with_an_offset_is_given_in_utc_whatever_the_local_zone() -> None:
    with local_time("Pacific/Kiritimati"):
        [match] = openfootball.parse("o.json", "o", of_doc(of_match(time="13:00 UTC-6"))).matches
    assert match.kickoff is not None and match.kickoff.isoformat() == "2026-06-11T19:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("noon", "'noon' is not a time like 13:00 or 13:00 UTC-6"),
        ("24:00", "'24:00' is not a valid time"),
        ("12:60", "'12:60' is not a valid time"),
        ("12:00 UTC+15", "'12:00 UTC+15' is not a valid time"),
        ("12:00 UTC+14:01", "'12:00 UTC+14:01' is not a valid time"),
    ],
)
def test_a_kickoff_time_that_cannot_be_is_refused(text: str, message: str) -> None:
    with pytest.raises(FeedError) as refused:
        openfootball.parse("o.json", "o", of_doc(of_match(time=text)))
    assert str(refused.value) == f"o.json: matches[0].time: {message}"


@pytest.mark.parametrize(
    ("code", "kept"), [("MEXICO12", "MEXICO12"), ("MEXICO123", None), (None, None)]
)
def test_team_codes_longer_than_eight_are_dropped(code: str | None, kept: str | None) -> None:
    doc = of_doc(of_match(team1={"name": "Mexico", "code": code}))
    [match] = openfootball.parse("o.json", "o", doc).matches
    assert match.home.code == kept


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("World Cup 2026", "wc2026"),
        ("Euro 2024", "euro2024"),
        ("Liga 2024/25", "liga202425"),
        ("Copa América – 2024", "ca2024"),
        ("Ümit Kupası 北京 2025", "uk2025"),
        ("Premier " * 10, "pppppppppp"),
        ("2026", "2026"),
        ("???", "match"),
        ("Supercalifragilisticexpialidocious" * 2, "supercalifragilisticexpialidocioussuperc"),
    ],
)
def test_match_ids_start_with_a_short_prefix_of_the_competition(name: str, prefix: str) -> None:
    assert openfootball.id_prefix(name) == prefix


@pytest.mark.parametrize(
    ("nums", "ids"),
    [
        ([7, 3], ["wc2026-007", "wc2026-003"]),
        ([7, 7], ["wc2026-001", "wc2026-002"]),
        ([7, None], ["wc2026-001", "wc2026-002"]),
    ],
)
def test_match_ids_use_the_official_numbers_when_each_is_distinct(nums: list, ids: list) -> None:
    doc = of_doc(*(of_match(num=n) if n else of_match() for n in nums))
    assert [m.id for m in openfootball.parse("o.json", "o", doc).matches] == ids


@pytest.mark.parametrize("doc", [{"name": "X"}, {"name": "X", "matches": [], "rounds": []}])
def test_a_file_has_either_matches_or_rounds(doc: dict) -> None:
    with pytest.raises(FeedError) as refused:
        openfootball.parse("o.json", "o", doc)
    assert str(refused.value) == "o.json: an openfootball file has either 'matches' or 'rounds'"
    assert refused.value.where == ""


# --- openfootball results become events ---


def played(**fields: object) -> list[EventIn]:
    return events_of(openfootball.parse("o.json", "o", of_doc(of_match(**fields))))


def scored(events: list[EventIn]) -> list[tuple]:
    return [(e.team, e.minute, e.added, e.player) for e in events if e.type == "goal"]


@pytest.mark.parametrize(
    ("minute", "placed"),
    [
        ("88+2", (1, 90, 0)),
        ("90+4", (1, 90, 4)),
        ("45+30", (0, 45, 30)),
        ("105+1", (2, 105, 1)),
        (91, (2, 91, 0)),
        ("120+3", (3, 120, 3)),
    ],
)
def test_a_goal_minute_is_placed_in_its_period(minute: object, placed: tuple) -> None:
    assert place(Goal(minute=minute)) == placed


def test_a_goal_offset_is_its_stoppage() -> None:
    assert place(Goal(minute=90, offset=3)) == (1, 90, 3)


@pytest.mark.parametrize(
    ("minute", "message"),
    [
        ("45+31", "45+31 is more stoppage than a match has"),
        (121, "minute 121 is past the end of extra time (120)"),
        ("late", "'late' is not a minute like 67 or 90+4"),
    ],
)
def test_a_goal_minute_that_cannot_be_is_refused(minute: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        place(Goal(minute=minute))


def test_a_bad_goal_minute_names_its_list_and_place() -> None:
    with pytest.raises(FeedError) as refused:
        played(score={"ft": [0, 1]}, goals1=[], goals2=[{"name": "X", "minute": "late"}])
    assert refused.value.where == "matches[0].goals2[0].minute"


def test_goals_missing_from_the_lists_are_spread_over_each_half_as_half_time_says() -> None:
    events = played(score={"ht": [2, 0], "ft": [3, 0]})
    assert scored(events) == [
        ("home", 16, None, None),
        ("home", 30, None, None),
        ("home", 68, None, None),
    ]
    texts = [e.text for e in events if e.type == "goal"]
    assert texts[1] == "Goal for Mexico! Mexico 2–0 South Africa"


def test_listed_first_half_goals_count_towards_half_time() -> None:
    events = played(score={"ht": [2, 0], "ft": [3, 0]}, goals1=[{"name": "A", "minute": 10}])
    assert scored(events) == [
        ("home", 10, None, "A"),
        ("home", 23, None, None),
        ("home", 68, None, None),
    ]


def test_a_half_time_score_equal_to_the_full_time_one_is_used() -> None:
    assert scored(played(score={"ht": [1, 0], "ft": [1, 0]})) == [("home", 23, None, None)]


def test_a_half_time_score_above_the_result_on_either_side_is_ignored() -> None:
    assert scored(played(score={"ht": [2, 0], "ft": [1, 3]})) == [
        ("away", 23, None, None),
        ("home", 45, None, None),
        ("away", 45, None, None),
        ("away", 68, None, None),
    ]


def test_second_half_goals_missing_from_the_lists_are_spread_over_it() -> None:
    assert [m for _, m, _, _ in scored(played(score={"ht": [0, 0], "ft": [3, 0]}))] == [57, 68, 79]


def test_a_listed_extra_time_goal_is_not_also_counted_in_normal_time() -> None:
    events = played(
        score={"ft": [2, 1], "et": [3, 1]},
        goals1=[{"name": "A", "minute": 30}, {"name": "B", "minute": 100}],
        goals2=[{"name": "C", "minute": 60}],
    )
    assert [g for g in scored(events) if g[0] == "home"] == [
        ("home", 30, None, "A"),
        ("home", 45, None, None),  # the score says two in normal time: one has no scorer
        ("home", 100, None, "B"),
    ]


def test_without_half_time_missing_goals_are_spread_over_the_ninety_minutes() -> None:
    assert scored(played(score={"ft": [1, 0]})) == [("home", 45, None, None)]


def test_goal_lists_that_disagree_with_the_score_give_a_warning() -> None:
    feed = openfootball.parse("o.json", "o", of_doc(of_match(score={"ft": [1, 0]}, goals1=[])))
    assert feed.warnings == [
        "wc2026-001 (Mexico v South Africa): 0 goals listed for Mexico, the score says 1;"
        " the score wins"
    ]


def test_extra_time_goals_are_fitted_to_the_extra_time_score() -> None:
    events = played(
        score={"ft": [1, 1], "et": [2, 1]},
        goals1=[{"name": "A", "minute": 30}, {"name": "B", "minute": 100}],
        goals2=[{"name": "C", "minute": 60}],
    )
    assert scored(events) == [
        ("home", 30, None, "A"),
        ("away", 60, None, "C"),
        ("home", 100, None, "B"),
    ]
    whistles = [(e.type, e.minute, e.added, e.text) for e in events if e.type != "goal"]
    assert whistles == [
        ("kickoff", 0, None, None),
        ("half_time", 45, 2, None),
        ("second_half", None, None, None),
        ("half_time", 90, 4, "End of normal time, 1–1"),
        ("extra_time", None, None, None),
        ("half_time", 105, 1, "Half time in extra time, 2–1"),
        ("second_half", None, None, None),
        ("full_time", 120, 1, "Full time, Mexico 2–1 South Africa"),
    ]


def test_a_goal_after_ninety_without_an_extra_time_score_means_extra_time_was_played() -> None:
    events = played(score={"ft": [1, 0]}, goals1=[{"name": "A", "minute": 95}])
    assert scored(events) == [("home", 95, None, "A")]
    assert [e.type for e in events].count("extra_time") == 1


def test_a_shootout_is_one_event_with_its_score_and_winner() -> None:
    events = played(score={"ft": [0, 0], "p": [3, 4]})
    shootout = [e for e in events if e.type == "penalty_shootout"]
    assert [(e.team, e.penalties.home, e.penalties.away, e.text) for e in shootout] == [  # type: ignore[union-attr]
        ("away", 3, 4, "Penalty shoot-out: South Africa win 3–4")
    ]
    assert (
        events[-1].text == "Full time, Mexico 0–0 South Africa, South Africa win 3–4 on penalties"
    )
    assert (events[-1].minute, events[-1].added) == (None, None)


def test_a_match_without_extra_time_ends_at_ninety_plus_its_stoppage() -> None:
    events = played(score={"ft": [0, 1]}, goals1=[], goals2=[{"name": "X", "minute": "90+6"}])
    assert (events[-1].type, events[-1].minute, events[-1].added, events[-1].text) == (
        "full_time",
        90,
        6,
        "Full time, Mexico 0–1 South Africa",
    )
