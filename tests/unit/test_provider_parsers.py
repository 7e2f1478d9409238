"""The two providers' parsers, on hand-made responses in their real shapes
(tests/feeds/providers/), and what they do with responses that are not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from server.feeds.providers import ProviderError, make_provider
from server.feeds.providers.base import Request, SchemaError, clean_name, parse_clock
from server.feeds.providers.espn import Espn
from server.feeds.providers.football_data import FootballData

FIXTURES = Path(__file__).parents[1] / "feeds" / "providers"
FD_REQUEST = Request("/v4/matches")
ESPN_REQUEST = Request("/apis/site/v2/sports/soccer/eng.1/scoreboard", {"dates": "20260516"})


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def by_id(parsed) -> dict:
    return {s.id: s for s in parsed.snapshots}


# --- football-data.org ----------------------------------------------------------------------------


def test_football_data_one_request_for_every_competition_with_the_token_in_a_header():
    provider = FootballData("s3cret-token", ["PL", "CL"])
    [request] = provider.requests([date(2026, 5, 16)])
    assert request.path == "/v4/matches"
    assert request.params == {
        "competitions": "PL,CL",
        "dateFrom": "2026-05-16",
        "dateTo": "2026-05-17",
    }
    assert request.headers == {"X-Auth-Token": "s3cret-token"}
    assert "s3cret" not in repr(provider) and "s3cret" not in repr(request)
    [both] = provider.requests([date(2026, 5, 15), date(2026, 5, 16)])
    assert (both.params["dateFrom"], both.params["dateTo"]) == ("2026-05-15", "2026-05-17")


def test_football_data_a_live_match_with_goals_bookings_and_substitutions():
    parsed = FootballData("t").parse(FD_REQUEST, load("football-data-matches.json"))
    assert parsed.problems == []
    live = by_id(parsed)["fd-538100"]
    assert (live.competition, live.round, live.phase) == (
        "Premier League",
        "Matchday 37",
        "second_half",
    )
    assert (live.home.name, live.home.code, live.home.ref) == ("Arsenal", "ARS", "57")
    assert (live.minute, live.added, live.score, live.penalties) == (57, None, (2, 1), None)
    assert live.kickoff == datetime(2026, 5, 16, 14, 0, tzinfo=UTC)
    goals = [i for i in live.incidents if i.kind == "goal"]
    assert [(g.team, g.player, g.minute, g.added, g.penalty, g.own_goal) for g in goals] == [
        ("home", "Bukayo Saka", 12, None, False, False),
        # The running score says the own goal counts for Chelsea, whatever its team says.
        ("away", "William Saliba", 45, 2, False, True),
        ("home", "Bukayo Saka", 55, None, True, False),
    ]
    cards = [(i.team, i.player, i.card, i.minute) for i in live.incidents if i.kind == "card"]
    assert cards == [
        ("away", "Moisés Caicedo", "yellow", 30),
        ("away", "Moisés Caicedo", "second_yellow", 54),
    ]
    [sub] = [i for i in live.incidents if i.kind == "substitution"]
    assert (sub.team, sub.player_in, sub.player_out, sub.minute) == (
        "away",
        "Christopher Nkunku",
        "Nicolas Jackson",
        46,
    )
    assert len({i.key for i in live.incidents}) == len(live.incidents)


def test_football_data_scheduled_finished_after_a_shootout_postponed_and_paused():
    matches = by_id(FootballData("t").parse(FD_REQUEST, load("football-data-matches.json")))
    timed = matches["fd-538101"]
    assert (timed.phase, timed.score, timed.incidents) == ("scheduled", None, ())
    final = matches["fd-551900"]
    # fullTime 6-4 includes the shoot-out: the match itself ended 1-1, 5-3 on penalties.
    assert (final.phase, final.round, final.score, final.penalties, final.extra_time) == (
        "full_time",
        "Final",
        (1, 1),
        (5, 3),
        True,
    )
    assert final.incidents is None  # no detail in this payload: unknown, not "none"
    assert matches["fd-538102"].phase == "postponed"
    paused = matches["fd-551870"]
    assert (paused.phase, paused.round, paused.score) == ("paused", "Group B", (0, 0))


def test_football_data_free_plan_no_detail_no_minute_and_a_shootout_score_kept():
    parsed = FootballData("t").parse(FD_REQUEST, load("football-data-free-plan.json"))
    matches = by_id(parsed)
    live = matches["fd-538100"]
    assert (live.phase, live.minute, live.score, live.incidents) == ("in_play", None, (2, 1), None)
    # Only fullTime and penalties: the match's own score is their difference.
    assert (matches["fd-551901"].score, matches["fd-551901"].penalties) == ((2, 2), (3, 4))
    # A shoot-out under way with no separate score: the score is not guessed...
    shootout = matches["fd-551902"]
    assert (shootout.phase, shootout.score) == ("penalties", None)
    # ...and that is said, once, for that match.
    assert [str(p) for p in parsed.problems] == [
        "match 551902: score kept: a shoot-out without its own score"
    ]
    assert matches["fd-538103"].phase == "suspended"


def test_football_data_bad_matches_are_skipped_with_what_was_wrong_the_rest_go_on():
    body = load("football-data-matches.json")
    body["matches"][0]["homeTeam"] = {"id": 57}  # no name
    body["matches"][1]["status"] = "HALF_BAKED"
    body["matches"][2]["utcDate"] = "tomorrow"
    del body["matches"][3]["id"]
    parsed = FootballData("t").parse(FD_REQUEST, body)
    assert [s.id for s in parsed.snapshots] == ["fd-551870"]
    assert [str(p) for p in parsed.problems] == [
        "match 538100: homeTeam has no name",
        "match 538101: unknown status 'HALF_BAKED'",
        "match 551900: utcDate 'tomorrow' is not a date",
        "match #3: no id",
    ]


@pytest.mark.parametrize("body", [{"errorCode": 400}, [], "matches", {"matches": {}}])
def test_football_data_a_response_without_its_matches_list_is_a_schema_error(body):
    with pytest.raises(SchemaError):
        FootballData("t").parse(FD_REQUEST, body)


# --- ESPN -------------------------------------------------------------------------------------


def test_espn_one_request_per_league_and_day():
    provider = Espn(["eng.1", "uefa.champions"])
    requests = provider.requests([date(2026, 5, 15), date(2026, 5, 16)])
    assert [(r.path, r.params["dates"]) for r in requests] == [
        ("/apis/site/v2/sports/soccer/eng.1/scoreboard", "20260515"),
        ("/apis/site/v2/sports/soccer/eng.1/scoreboard", "20260516"),
        ("/apis/site/v2/sports/soccer/uefa.champions/scoreboard", "20260515"),
        ("/apis/site/v2/sports/soccer/uefa.champions/scoreboard", "20260516"),
    ]


def test_espn_a_live_match_with_goals_an_own_goal_a_penalty_and_cards():
    parsed = Espn(["eng.1"]).parse(ESPN_REQUEST, load("espn-scoreboard.json"))
    assert parsed.problems == []
    live = by_id(parsed)["espn-704700"]
    assert (live.competition, live.phase, live.minute, live.score) == (
        "English Premier League",
        "second_half",
        67,
        (2, 1),
    )
    assert (live.home.name, live.away.code) == ("Arsenal", "CHE")
    goals = [i for i in live.incidents if i.kind == "goal"]
    assert [(g.team, g.player, g.minute, g.added, g.penalty, g.own_goal) for g in goals] == [
        ("home", "Bukayo Saka", 13, None, False, False),
        ("away", "William Saliba", 45, 2, False, True),  # an Arsenal player: counts for Chelsea
        ("home", "Bukayo Saka", 55, None, True, False),
    ]
    cards = [(i.team, i.player, i.card) for i in live.incidents if i.kind == "card"]
    # A red card for a player already booked is a second yellow.
    assert cards == [
        ("away", "Moisés Caicedo", "yellow"),
        ("away", "Moisés Caicedo", "second_yellow"),
    ]


def test_espn_statuses_a_shootout_and_a_status_name_never_seen():
    matches = by_id(Espn(["eng.1"]).parse(ESPN_REQUEST, load("espn-scoreboard.json")))
    assert (matches["espn-704701"].phase, matches["espn-704701"].incidents) == ("half_time", ())
    final = matches["espn-704702"]
    assert (final.phase, final.round, final.score, final.penalties, final.extra_time) == (
        "full_time",
        "FA Cup Final",
        (1, 1),
        (4, 3),
        True,
    )
    kicks = [(i.team, i.player, i.scored, i.key) for i in final.incidents if i.kind == "shootout"]
    assert kicks == [
        ("away", "Alexander Isak", True, "k|away|1"),
        ("home", "Yoane Wissa", True, "k|home|1"),
        ("away", "Bruno Guimarães", False, "k|away|2"),
    ]
    scheduled = matches["espn-704703"]
    assert (scheduled.phase, scheduled.score, scheduled.minute, scheduled.incidents) == (
        "scheduled",
        None,
        None,
        None,
    )
    assert matches["espn-704704"].phase == "postponed"
    unknown = matches["espn-704705"]  # STATUS_SOMETHING_NEW, state "in", period 2
    assert (unknown.phase, unknown.minute) == ("second_half", 55)
    [bare] = unknown.incidents
    assert (bare.kind, bare.team, bare.player, bare.minute) == ("goal", "home", None, 50)


def test_espn_bad_events_are_skipped_with_what_was_wrong():
    body = load("espn-scoreboard.json")
    del body["events"][0]["competitions"][0]["competitors"]
    body["events"][1]["competitions"][0]["competitors"][0]["score"] = "two"
    body["events"][2]["status"] = {"type": {"name": "STATUS_WHATEVER", "state": "odd"}}
    parsed = Espn(["eng.1"]).parse(ESPN_REQUEST, body)
    assert [str(p) for p in parsed.problems] == [
        "event 704700: no competitors",
        "event 704701: a score that is not a number",
        "event 704702: unknown status 'STATUS_WHATEVER' (state 'odd', period 0)",
    ]
    assert len(parsed.snapshots) == 3
    with pytest.raises(SchemaError):
        Espn(["eng.1"]).parse(ESPN_REQUEST, {"code": 400, "message": "bad dates"})


# --- shared helpers and set-up ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45'+1'", (45, 1)),
        ("67'", (67, None)),
        ("90+3", (90, 3)),
        ("0'", (0, None)),
        ("HT", (None, None)),
        ("200'", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_clock(text, expected):
    assert parse_clock(text) == expected


def test_names_are_plain_text_and_short():
    assert clean_name("  Real\u202e Madrid\n CF ") == "Real Madrid CF"
    assert clean_name("x" * 200) == "x" * 80
    assert clean_name("\u0000") is None and clean_name(7) is None


def test_make_provider_checks_what_it_is_given():
    assert isinstance(make_provider("football-data", token="t", competitions=["pl"]), FootballData)
    assert make_provider("espn", token=None, competitions=["ENG.1"]).leagues == ("eng.1",)
    with pytest.raises(ProviderError, match="needs a token"):
        make_provider("football-data", token=None, competitions=[])
    with pytest.raises(ProviderError, match="needs --competitions"):
        make_provider("espn", token=None, competitions=[])
    with pytest.raises(ProviderError, match="not a competition code"):
        make_provider("espn", token=None, competitions=["../etc"])
    with pytest.raises(ProviderError, match="unknown provider"):
        make_provider("fotmob", token=None, competitions=[])
