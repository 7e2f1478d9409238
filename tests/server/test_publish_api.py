"""The publish API and the read API: auth, validation, conflicts, against the real server."""

from __future__ import annotations

import httpx
import pytest

from tests.support.keyed_publish import new_live_match
from tests.support.serverproc import run_server, server_fixture

TOKEN = "s3cret-token-for-tests"


srv = server_fixture("--feed", "none", token=TOKEN)


@pytest.fixture
def live_match(api) -> str:
    return new_live_match(api)[0]


def test_create_match_accepts_names_or_objects_and_returns_the_match(api):
    body = {
        "competition": "Premier League",
        "round": "Matchday 12",
        "home": "Arsenal",
        "away": {"name": "Chelsea", "code": "CHE"},
        "kickoff": "2026-11-28T15:00:00+01:00",
    }
    r = api.post("/api/matches", json=body)
    assert r.status_code == 201, r.text
    match = r.json()
    assert match["home"] == {"name": "Arsenal", "code": None}
    assert match["away"] == {"name": "Chelsea", "code": "CHE"}
    assert match["kickoff"] == "2026-11-28T14:00:00Z"
    assert match["status"] == "scheduled" and match["events"] == []
    assert api.get(f"/api/matches/{match['id']}").json() == match


def test_created_match_reaches_the_list_with_last_event_id(api):
    match_id = api.post("/api/matches", json={"home": "A", "away": "B"}).json()["id"]
    listing = api.get("/api/matches").json()
    assert match_id in [m["id"] for m in listing["matches"]]
    assert listing["last_event_id"]


def test_server_computes_score_and_status(api, live_match):
    post = api.post
    post(f"/api/matches/{live_match}/events", json={"type": "goal", "team": "home", "minute": 10})
    post(
        f"/api/matches/{live_match}/events",
        json={"type": "goal", "team": "home", "minute": 30, "own_goal": True, "player": "X"},
    )
    post(f"/api/matches/{live_match}/events", json={"type": "half_time"})
    match = api.get(f"/api/matches/{live_match}").json()
    assert match["score"] == {"home": 2, "away": 0}
    assert match["status"] == "half_time"
    assert [e["type"] for e in match["events"]] == ["kickoff", "goal", "goal", "half_time"]


def test_disallowed_goal_takes_the_goal_back(api, live_match):
    goal = api.post(
        f"/api/matches/{live_match}/events", json={"type": "goal", "team": "away", "minute": 50}
    ).json()["id"]
    api.post(f"/api/matches/{live_match}/events", json={"type": "goal_disallowed", "team": "away"})
    match = api.get(f"/api/matches/{live_match}").json()
    assert match["score"] == {"home": 0, "away": 0}
    assert match["events"][-1]["cancels"] == goal


def test_publishing_without_a_token_configured_is_403_saying_how_to_enable_it():
    with run_server("--feed", "none", publish=False) as server:
        r = httpx.post(
            f"{server.url}/api/matches",
            json={"home": "A", "away": "B"},
            headers={"Authorization": "Bearer anything"},
        )
    assert r.status_code == 403
    assert "--publish-token" in r.json()["detail"]
    assert "TOUCHLINE_PUBLISH_TOKEN" in r.json()["detail"]


def test_token_can_come_from_the_environment():
    env = {"TOUCHLINE_PUBLISH_TOKEN": "from-env"}
    with run_server("--feed", "none", env=env, publish=False) as server:
        url = f"{server.url}/api/matches"
        body = {"home": "A", "away": "B"}
        ok = httpx.post(url, json=body, headers={"Authorization": "Bearer from-env"})
        wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer other"})
    assert ok.status_code == 201, ok.text
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Bearer{TOKEN}"},
    ],
    # The scheme in any case, and more than one space after it, are fine:
    # tests/server/test_hostile_input.py::test_the_authorization_scheme_is_case_insensitive
    ids=["none", "wrong", "longer", "other-scheme", "bare", "no-space"],
)
def test_missing_or_wrong_token_is_401(srv, headers):
    r = httpx.post(f"{srv.url}/api/matches", json={"home": "A", "away": "B"}, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in r.json()["detail"]


def test_token_never_appears_in_the_server_log(srv, api):
    api.post("/api/matches", json={"home": "A", "away": "B"})
    httpx.post(f"{srv.url}/api/matches", json={}, headers={"Authorization": "Bearer nope-123"})
    assert TOKEN not in srv.log and "nope-123" not in srv.log


def test_event_for_unknown_match_is_404(api):
    r = api.post("/api/matches/no-such-match/events", json={"type": "kickoff"})
    assert r.status_code == 404
    assert "no-such-match" in r.json()["detail"]
    assert api.get("/api/matches/no-such-match").status_code == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "header"}, "type"),
        ({"type": "goal", "team": "visitors"}, "team"),
        ({"type": "goal"}, "needs team"),
        ({"type": "goal", "team": "home", "minute": 200}, "minute"),
        ({"type": "goal", "team": "home", "minute": "late"}, "minute"),
        ({"type": "goal", "team": "home", "colour": "red"}, "colour"),
        ({"type": "card", "team": "home"}, "needs card"),
        ({"type": "card", "team": "home", "card": "blue"}, "card"),
        ({"type": "substitution", "team": "home", "player_in": "A"}, "player_out"),
        ({"type": "goal", "team": "home", "player": "x" * 500}, "player"),
        ({"type": "kickoff", "penalty": True}, "penalty"),
    ],
)
def test_invalid_event_is_422_with_a_message(api, live_match, body, fragment):
    r = api.post(f"/api/matches/{live_match}/events", json=body)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[1, 2]", b'{"type": "goal"', b""],
    ids=["text", "array", "truncated", "empty"],
)
def test_body_that_is_not_an_event_object_is_422(api, live_match, content):
    r = api.post(
        f"/api/matches/{live_match}/events",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"home": "A"}, "away"),
        ({"home": "", "away": "B"}, "home"),
        ({"home": "A", "away": "B", "kickoff": "tomorrow"}, "kickoff"),
        ({"home": {"name": "A", "code": "x" * 20}, "away": "B"}, "code"),
        ({"home": "A", "away": "B", "id": "has spaces"}, "id"),
    ],
)
def test_invalid_match_is_422_with_a_message(api, body, fragment):
    r = api.post("/api/matches", json=body)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_duplicate_match_id_is_409(api):
    assert (
        api.post("/api/matches", json={"id": "dup-1", "home": "A", "away": "B"}).status_code == 201
    )
    r = api.post("/api/matches", json={"id": "dup-1", "home": "C", "away": "D"})
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("events", "bad"),
    [
        ([{"type": "full_time"}], {"type": "goal", "team": "home", "minute": 91}),
        ([], {"type": "kickoff"}),
        ([{"type": "half_time"}], {"type": "goal", "team": "home", "minute": 45}),
        ([], {"type": "goal_disallowed", "team": "home"}),
        ([], {"type": "second_half"}),
    ],
    ids=[
        "goal-after-full-time",
        "second-kickoff",
        "goal-at-half-time",
        "nothing-to-disallow",
        "second-half-while-live",
    ],
)
def test_event_that_contradicts_the_match_is_409_and_changes_nothing(api, live_match, events, bad):
    for event in events:
        assert api.post(f"/api/matches/{live_match}/events", json=event).status_code == 201
    before = api.get(f"/api/matches/{live_match}").json()
    r = api.post(f"/api/matches/{live_match}/events", json=bad)
    assert r.status_code == 409, r.text
    assert r.json()["detail"]
    assert api.get(f"/api/matches/{live_match}").json() == before


def test_whistles_need_no_minute_and_early_kickoff_is_fine(api):
    later = {"home": "A", "away": "B", "kickoff": "2099-01-01T12:00:00Z"}
    match_id = api.post("/api/matches", json=later).json()["id"]
    for kind in ("kickoff", "half_time", "second_half", "full_time"):
        assert api.post(f"/api/matches/{match_id}/events", json={"type": kind}).status_code == 201
    assert api.get(f"/api/matches/{match_id}").json()["status"] == "full_time"


def test_healthz_and_openapi_docs_are_served(srv):
    health = httpx.get(f"{srv.url}/healthz").json()
    assert health["status"] == "ok"
    assert httpx.get(f"{srv.url}/docs").status_code == 200
    paths = httpx.get(f"{srv.url}/openapi.json").json()["paths"]
    assert {"/live-scores", "/api/matches", "/api/matches/{match_id}/events"} <= set(paths)
