"""Idempotency keys that must outlive a process or win a race: kill -9 after the commit,
concurrent identical requests, a store from before keys existed, and how long keys last."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest

from server.store.sqlite import SqliteStore
from tests.support.keyed_publish import GOAL, REPLAYED, key, marker, new_live_match, streamed_after
from tests.support.rawhttp import raw_request
from tests.support.serverproc import run_server, start_server
from tests.support.wait import wait_until


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


def test_key_survives_kill_9_after_the_commit_and_the_retry_gets_the_original_id(tmp_path):
    store = str(tmp_path / "live.sqlite3")
    first = start_server("--feed", "none", "--store", store)
    headers = key()
    try:
        with httpx.Client(base_url=first.url, headers=first.headers()) as api:
            match_id, kickoff = new_live_match(api)
            path = f"/api/matches/{match_id}/events"
            body = json.dumps(GOAL).encode()
            head = f"POST {path} HTTP/1.1\nHost: x\nContent-Type: application/json\n"
            head += "".join(f"{k}: {v}\n" for k, v in {**first.headers(), **headers}.items())
            head += f"Content-Length: {len(body)}\n"
            lost = raw_request(first.url, head, body)  # its answer never read: a lost 201
            # Committed (the goal is in the match) but its answer never read: then the crash.
            stored = f"/api/matches/{match_id}"
            wait_until(lambda: api.get(stored).json()["score"]["home"], 10, "the goal stored")
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


@pytest.mark.sqlite
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
