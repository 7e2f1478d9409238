"""Idempotent publishing (``Idempotency-Key``) against the real server and real streams: a
retried publish is answered with the first answer and streamed once; what is refused keeps no
key; a bad key is refused. tests/server/test_idempotency_durable.py has kill -9 and races."""

from __future__ import annotations

import httpx
import pytest

from tests.support.keyed_publish import GOAL, REPLAYED, key, marker, new_live_match, streamed_after
from tests.support.serverproc import run_server, server_fixture

srv = server_fixture("--feed", "none")


def test_retry_with_the_same_key_returns_the_same_id_and_the_stream_carries_the_event_once(
    srv, api
):
    match_id, kickoff = new_live_match(api)
    headers = key()
    first = api.post(f"/api/matches/{match_id}/events", json=GOAL, headers=headers)
    retries = [
        api.post(f"/api/matches/{match_id}/events", json=GOAL, headers=headers) for _ in range(2)
    ]
    assert first.status_code == 201 and REPLAYED not in first.headers
    for retry in retries:
        assert retry.status_code == 201
        assert retry.content == first.content  # the same id, byte for byte
        assert retry.headers[REPLAYED] == "true"
    goal = first.json()["id"]
    end = marker(api, match_id)
    assert streamed_after(srv.url, kickoff, end) == [("goal", goal), ("clock", end)]
    match = api.get(f"/api/matches/{match_id}").json()
    assert match["score"] == {"home": 1, "away": 0}
    assert [e["id"] for e in match["events"]] == [kickoff, goal]


def test_retried_match_creation_returns_the_same_match_and_adds_it_once(srv, api):
    before = api.get("/api/matches").json()["last_event_id"]
    body = {"home": "Leeds", "away": "Hull"}  # no id: the server names it
    headers = key()
    first = api.post("/api/matches", json=body, headers=headers)
    retry = api.post("/api/matches", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content and retry.headers[REPLAYED] == "true"
    match_id = first.json()["id"]
    ids = [m["id"] for m in api.get("/api/matches").json()["matches"]]
    assert ids.count(match_id) == 1 and f"{match_id}-2" not in ids
    end = marker(api, new_live_match(api)[0])
    added = [e for e in streamed_after(srv.url, before, end) if e[0] == "match_added"]
    assert len(added) == 2  # this match once, and the marker's match


def test_same_key_with_a_different_body_is_422_and_publishes_nothing(srv, api):
    match_id, kickoff = new_live_match(api)
    headers = key()
    goal = api.post(f"/api/matches/{match_id}/events", json=GOAL, headers=headers).json()["id"]
    other = {**GOAL, "player": "Odegaard"}
    r = api.post(f"/api/matches/{match_id}/events", json=other, headers=headers)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "Idempotency-Key" in detail and "was used for a different request" in detail
    end = marker(api, match_id)
    assert streamed_after(srv.url, kickoff, end) == [("goal", goal), ("clock", end)]
    assert api.get(f"/api/matches/{match_id}").json()["score"] == {"home": 1, "away": 0}


def test_the_same_key_on_another_match_or_route_is_another_publish(api):
    first, _ = new_live_match(api)
    second, _ = new_live_match(api)
    headers = key()
    a = api.post(f"/api/matches/{first}/events", json=GOAL, headers=headers)
    b = api.post(f"/api/matches/{second}/events", json=GOAL, headers=headers)
    c = api.post("/api/matches", json={"home": "X", "away": "Y"}, headers=headers)
    assert [r.status_code for r in (a, b, c)] == [201, 201, 201]
    assert not any(REPLAYED in r.headers for r in (a, b, c))
    assert a.json()["id"] != b.json()["id"]


def test_a_refused_publish_keeps_no_key_so_a_corrected_retry_goes_through(api):
    match_id = api.post("/api/matches", json={"home": "A", "away": "B"}).json()["id"]
    headers = key()
    url = f"/api/matches/{match_id}/events"
    invalid = api.post(url, json={"type": "goal", "minute": 5}, headers=headers)  # no team
    early = api.post(url, json=GOAL, headers=headers)  # a goal before the kick-off
    assert (invalid.status_code, early.status_code) == (422, 409)
    api.post(url, json={"type": "kickoff"})
    corrected = api.post(url, json=GOAL, headers=headers)
    assert corrected.status_code == 201 and REPLAYED not in corrected.headers
    assert api.get(f"/api/matches/{match_id}").json()["score"] == {"home": 1, "away": 0}


def test_publishing_without_a_key_publishes_every_request_as_before(api):
    match_id, _ = new_live_match(api)
    answers = [api.post(f"/api/matches/{match_id}/events", json=GOAL) for _ in range(2)]
    assert [r.status_code for r in answers] == [201, 201]
    assert not any(REPLAYED in r.headers for r in answers)
    assert answers[0].json()["id"] != answers[1].json()["id"]
    assert api.get(f"/api/matches/{match_id}").json()["score"] == {"home": 2, "away": 0}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (b"", "empty"),
        (b"k" * 256, "256 characters"),
        ("caf\u00e9".encode("latin-1"), "outside printable ASCII"),
        (b"a\tb", "outside printable ASCII"),
    ],
    ids=["empty", "too-long", "non-ascii", "tab"],
)
def test_bad_key_is_422_naming_the_header_and_publishes_nothing(api, value, fragment):
    match_id, _ = new_live_match(api)
    before = api.get(f"/api/matches/{match_id}").json()
    r = api.post(f"/api/matches/{match_id}/events", json=GOAL, headers={"Idempotency-Key": value})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("Idempotency-Key must be 1 to 255 printable ASCII characters")
    assert fragment in detail
    assert api.get(f"/api/matches/{match_id}").json() == before


def test_longest_key_with_inner_spaces_is_accepted(api):
    match_id, _ = new_live_match(api)
    headers = {"Idempotency-Key": "a b" + "~" * 252}
    url = f"/api/matches/{match_id}/events"
    assert api.post(url, json=GOAL, headers=headers).status_code == 201
    assert api.post(url, json=GOAL, headers=headers).headers[REPLAYED] == "true"


def test_openapi_documents_the_key_on_both_publish_routes(srv):
    paths = httpx.get(f"{srv.url}/openapi.json").json()["paths"]
    for path in ("/api/matches", "/api/matches/{match_id}/events"):
        params = {p["name"]: p for p in paths[path]["post"]["parameters"]}
        header = params["Idempotency-Key"]
        assert header["in"] == "header" and not header["required"]
        assert header["schema"]["maxLength"] == 255
        assert "Idempotent-Replayed" in header["description"]


def test_a_browser_scorer_may_send_the_key_and_read_that_an_answer_was_replayed():
    origin = "https://scorer.example"
    with run_server("--feed", "none", "--cors-origin", origin) as srv:
        preflight = httpx.options(
            f"{srv.url}/api/matches",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        headers = {**srv.headers(), **key(), "Origin": origin}
        body = {"home": "A", "away": "B"}
        httpx.post(f"{srv.url}/api/matches", json=body, headers=headers)
        replay = httpx.post(f"{srv.url}/api/matches", json=body, headers=headers)
    assert preflight.status_code == 200
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert replay.headers[REPLAYED] == "true"
    exposed = replay.headers["access-control-expose-headers"].lower()
    assert "idempotent-replayed" in exposed
