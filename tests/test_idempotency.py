"""Idempotent publishing (``Idempotency-Key``) against the real server and real streams: a
retried publish is answered with the first answer and streamed once, also across kill -9."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
import uuid

import httpx
import pytest

from server.sqlite_store import SqliteStore
from tests.serverproc import run_server, start_server
from tests.sse_reader import StreamReader

REPLAYED = "idempotent-replayed"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture(scope="module")
def srv():
    with run_server("--feed", "none") as server:
        yield server


@pytest.fixture
def api(srv):
    with httpx.Client(base_url=srv.url, headers=srv.headers(), timeout=10) as client:
        yield client


def new_live_match(api: httpx.Client) -> tuple[str, str]:
    """A match that has kicked off: its id and the kick-off's event id."""
    match_id = api.post("/api/matches", json={"home": "Arsenal", "away": "Chelsea"}).json()["id"]
    kickoff = api.post(f"/api/matches/{match_id}/events", json={"type": "kickoff"})
    assert kickoff.status_code == 201, kickoff.text
    return match_id, kickoff.json()["id"]


def marker(api: httpx.Client, match_id: str, minute: int = 88) -> str:
    """Publishes a clock tick: once the stream has it, anything before it has arrived."""
    r = api.post(f"/api/matches/{match_id}/events", json={"type": "clock", "minute": minute})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def streamed_after(url: str, last_id: str, until_id: str) -> list[tuple[str, str]]:
    """(type, id) of every event the stream sends after ``last_id``, up to ``until_id``."""
    with StreamReader(f"{url}/live-scores", headers={"Last-Event-ID": last_id}) as reader:
        seen = []
        while not seen or seen[-1][1] != until_id:
            event = reader.next()
            seen.append((event.event, event.id))
    return seen


GOAL = {"type": "goal", "team": "home", "minute": 23, "player": "Saka"}


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


def test_key_is_forgotten_once_its_event_leaves_the_history():
    with (
        run_server("--feed", "none", "--history", "5") as srv,
        httpx.Client(base_url=srv.url, headers=srv.headers()) as api,
    ):
        match_id, _ = new_live_match(api)
        url = f"/api/matches/{match_id}/events"
        old, recent = key(), key()
        first = api.post(url, json=GOAL, headers=old).json()["id"]
        for minute in range(30, 34):
            marker(api, match_id, minute)
        assert api.post(url, json={**GOAL, "minute": 40}, headers=recent).status_code == 201
        # 5 events since the first goal: it left the history, and its key with it.
        again = api.post(url, json=GOAL, headers=old)
        kept = api.post(url, json={**GOAL, "minute": 40}, headers=recent)
    assert again.status_code == 201 and REPLAYED not in again.headers
    assert again.json()["id"] != first
    assert kept.headers[REPLAYED] == "true"


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


# --- the durable store: concurrency and kill -9 -----------------------------------------------


def test_two_concurrent_identical_requests_publish_once(tmp_path):
    with run_server("--feed", "none", "--store", str(tmp_path / "s.sqlite3")) as srv:
        with httpx.Client(base_url=srv.url, headers=srv.headers()) as api:
            match_id, kickoff = new_live_match(api)
        headers = {**srv.headers(), **key()}

        async def post_all() -> list[httpx.Response]:
            # Separate connections, sent together: the broker's lock orders them.
            async with httpx.AsyncClient(base_url=srv.url, headers=headers) as client:
                url = f"/api/matches/{match_id}/events"
                return await asyncio.gather(*(client.post(url, json=GOAL) for _ in range(8)))

        answers = asyncio.run(post_all())
        with httpx.Client(base_url=srv.url, headers=srv.headers()) as api:
            end = marker(api, match_id)
            match = api.get(f"/api/matches/{match_id}").json()
        streamed = streamed_after(srv.url, kickoff, end)
    assert [r.status_code for r in answers] == [201] * 8
    assert len({r.content for r in answers}) == 1
    assert sum(REPLAYED not in r.headers for r in answers) == 1  # one published, 7 replayed
    goal = answers[0].json()["id"]
    assert streamed == [("goal", goal), ("clock", end)]
    assert match["score"] == {"home": 1, "away": 0}


def send_without_reading(
    url: str, path: str, headers: dict[str, str], body: bytes
) -> socket.socket:
    """Sends a POST and never reads its answer: the scorer's lost 201."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode() + body)
    return sock


def test_key_survives_kill_9_after_the_commit_and_the_retry_gets_the_original_id(tmp_path):
    store = str(tmp_path / "live.sqlite3")
    first = start_server("--feed", "none", "--store", store)
    headers = key()
    try:
        with httpx.Client(base_url=first.url, headers=first.headers()) as api:
            match_id, kickoff = new_live_match(api)
            path = f"/api/matches/{match_id}/events"
            auth = {**first.headers(), **headers}
            lost = send_without_reading(first.url, path, auth, json.dumps(GOAL).encode())
            # Committed (the goal is in the match) but its answer never read: then the crash.
            deadline = time.monotonic() + 10
            while not api.get(f"/api/matches/{match_id}").json()["score"]["home"]:
                assert time.monotonic() < deadline, "the goal was never stored"
                time.sleep(0.01)
    finally:
        first.kill()
    lost.close()
    with run_server("--feed", "none", "--store", store, token=first.token) as again:
        with httpx.Client(base_url=again.url, headers=again.headers()) as api:
            retry = api.post(path, json=GOAL, headers=headers)
            end = marker(api, match_id)
            match = api.get(f"/api/matches/{match_id}").json()
        streamed = streamed_after(again.url, kickoff, end)
    goal = match["events"][-1]["id"]
    assert retry.status_code == 201 and retry.headers[REPLAYED] == "true"
    assert retry.json() == {"id": goal}
    assert streamed == [("goal", goal), ("clock", end)]
    assert match["score"] == {"home": 1, "away": 0}
    assert [e["type"] for e in match["events"]] == ["kickoff", "goal"]


def test_store_written_before_idempotency_keys_opens_and_takes_keys(tmp_path):
    path = tmp_path / "older.sqlite3"
    asyncio.run(SqliteStore(path).close())
    # What a store written before idempotency keys looks like: no such table.
    db = sqlite3.connect(path)
    db.execute("DROP TABLE idempotency_keys")
    db.close()
    with (
        run_server("--feed", "none", "--store", str(path)) as srv,
        httpx.Client(base_url=srv.url, headers=srv.headers()) as api,
    ):
        match_id, _ = new_live_match(api)
        headers = key()
        url = f"/api/matches/{match_id}/events"
        first = api.post(url, json=GOAL, headers=headers)
        retry = api.post(url, json=GOAL, headers=headers)
    assert first.status_code == 201 and retry.headers[REPLAYED] == "true"
    assert retry.content == first.content
