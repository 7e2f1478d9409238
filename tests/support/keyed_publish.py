"""Publishing through the API of a real server, with an Idempotency-Key or without: the steps
tests share (a live match, a marker event, what the stream sent after an id)."""

from __future__ import annotations

import uuid

import httpx

from tests.support.sse_reader import StreamReader

REPLAYED = "idempotent-replayed"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


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
