"""The /live-scores contract, against the real server in a subprocess."""

from __future__ import annotations

import threading

import httpx
import pytest

from server.http.stream_query import FORMATS, StreamQuery
from tests.support.serverproc import run_server, server_fixture, start_server
from tests.support.sse_reader import StreamReader

MATCH_KEYS = {
    "id",
    "competition",
    "round",
    "home",
    "away",
    "kickoff",
    "status",
    "minute",
    "added",
    "score",
    "penalties",
    "events",
}
EVENT_KEYS = {
    "id",
    "type",
    "match",
    "minute",
    "added",
    "team",
    "player",
    "text",
    "score",
    "status",
    "penalties",
    "penalty",
    "own_goal",
    "card",
    "player_in",
    "player_out",
}


srv = server_fixture("--feed", "none", "--history", "50")


def new_match(srv, home="Arsenal", away="Chelsea", **extra) -> str:
    return srv.add_match(competition="Premier League", home=home, away=away, **extra)


def seq(event_id: str) -> int:
    return int(event_id.rpartition("-")[2])


def test_stream_starts_with_retry_hint_then_snapshot_of_every_match(srv):
    first = new_match(srv)
    second = new_match(srv, "Liverpool", "Everton")
    with StreamReader(f"{srv.url}/live-scores", keep_empty=True) as reader:
        hint = reader.next()
        assert hint.retry == 3000 and hint.data == ""
        snap = reader.next()
    assert reader.status == 200
    assert snap.event == "snapshot"
    ids = [m["id"] for m in snap.json["matches"]]
    assert {first, second} <= set(ids)
    for match in snap.json["matches"]:
        assert set(match) >= MATCH_KEYS
        assert match["status"] == "scheduled" and match["score"] == {"home": 0, "away": 0}
        assert match["kickoff"].endswith("Z")
    # The snapshot's id is the last event it covers: the latest match_added.
    state = httpx.get(f"{srv.url}/api/matches").json()
    assert snap.id == state["last_event_id"]


def test_live_goal_streams_with_every_key_and_the_id_the_api_returned(srv):
    match_id = new_match(srv)
    srv.publish(match_id, type="kickoff")
    with StreamReader(f"{srv.url}/live-scores") as reader:
        reader.until("snapshot")
        goal_id = srv.publish(
            match_id, type="goal", team="home", player="Saka", minute=67, penalty=True
        )
        goal = reader.until("goal")[-1]
    assert goal.id == goal_id
    data = goal.json
    assert set(data) >= EVENT_KEYS
    assert data["match"] == match_id and data["minute"] == 67 and data["added"] is None
    assert data["score"] == {"home": 1, "away": 0} and data["status"] == "live"
    assert data["penalty"] is True and data["own_goal"] is False and data["card"] is None
    assert data["player"] == "Saka" and "Saka" in data["text"]


def test_event_ids_strictly_increase(srv):
    match_id = new_match(srv)
    ids = [srv.publish(match_id, type="kickoff")]
    ids += [srv.publish(match_id, type="clock", minute=m) for m in range(1, 6)]
    assert [seq(i) for i in ids] == sorted({seq(i) for i in ids})
    assert len({i.rpartition("-")[0] for i in ids}) == 1  # one epoch


def test_resume_from_8_of_10_gets_exactly_9_and_10_then_live(srv):
    match_id = new_match(srv)
    srv.publish(match_id, type="kickoff")
    ids = [srv.publish(match_id, type="clock", minute=m) for m in range(1, 11)]
    headers = {"Last-Event-ID": ids[7]}
    with StreamReader(f"{srv.url}/live-scores", headers=headers) as reader:
        assert [reader.next().id for _ in range(2)] == ids[8:10]
        live = srv.publish(match_id, type="goal", team="away", minute=11)
        assert reader.next().id == live


def test_resume_by_query_parameter_for_first_connects(srv):
    match_id = new_match(srv)
    srv.publish(match_id, type="kickoff")
    ids = [srv.publish(match_id, type="clock", minute=m) for m in range(1, 4)]
    with StreamReader(f"{srv.url}/live-scores?last_event_id={ids[0]}") as reader:
        assert [reader.next().id for _ in range(2)] == ids[1:]


@pytest.mark.parametrize("last_id", ["nonsense", "0-5", "deadbeef-1", "", "999999999"])
def test_resume_with_unknown_id_sends_snapshot(srv, last_id):
    with StreamReader(f"{srv.url}/live-scores", headers={"Last-Event-ID": last_id}) as reader:
        assert reader.next().event == "snapshot"


def test_resume_with_id_ahead_of_the_server_sends_snapshot(srv):
    new_match(srv)  # the server has an event id (and so an epoch) to be ahead of
    epoch = httpx.get(f"{srv.url}/api/matches").json()["last_event_id"].rpartition("-")[0]
    with StreamReader(f"{srv.url}/live-scores", headers={"Last-Event-ID": f"{epoch}-999999"}) as r:
        assert r.next().event == "snapshot"


def test_resume_after_evicted_id_sends_snapshot(srv):
    # The module's server keeps 50 events: push the first id out of the history.
    match_id = new_match(srv)
    old = srv.publish(match_id, type="kickoff")
    for m in range(1, 60):
        srv.publish(match_id, type="clock", minute=m)
    with StreamReader(f"{srv.url}/live-scores", headers={"Last-Event-ID": old}) as reader:
        snap = reader.next()
    assert snap.event == "snapshot"
    match = next(m for m in snap.json["matches"] if m["id"] == match_id)
    assert match["minute"] == 59


def test_resume_under_concurrent_publishing_loses_nothing_and_repeats_nothing():
    with run_server("--feed", "none") as srv:
        _resume_under_concurrent_publishing(srv)


def _resume_under_concurrent_publishing(srv):
    match_id = new_match(srv)
    srv.publish(match_id, type="kickoff")
    published: list[str] = []
    done = threading.Event()

    def publisher() -> None:
        with httpx.Client(headers=srv.headers()) as client:
            for minute in range(1, 121):
                r = client.post(
                    f"{srv.url}/api/matches/{match_id}/events",
                    json={"type": "clock", "minute": min(minute, 130)},
                )
                published.append(r.json()["id"])
        done.set()

    url = f"{srv.url}/live-scores?match={match_id}"
    with StreamReader(url) as reader:
        last = reader.next().id  # the snapshot
    thread = threading.Thread(target=publisher)
    thread.start()
    received: list[str] = []
    # Reconnect over and over while the publisher runs, each time from the last id seen.
    while not done.is_set() or (published and (not received or received[-1] != published[-1])):
        with StreamReader(url, headers={"Last-Event-ID": last}) as reader:
            for _ in range(7):
                try:
                    event = reader.next(timeout=3)
                except AssertionError:
                    break
                assert event.event != "snapshot", "a resumable id must not get a snapshot"
                received.append(event.id)
                last = event.id
    thread.join()
    assert received == published


def test_match_filter_limits_snapshot_and_events(srv):
    wanted, other = new_match(srv), new_match(srv, "Spurs", "West Ham")
    with StreamReader(f"{srv.url}/live-scores?match={wanted}") as reader:
        snap = reader.next()
        assert [m["id"] for m in snap.json["matches"]] == [wanted]
        srv.publish(other, type="kickoff")
        mine = srv.publish(wanted, type="kickoff")
        event = reader.next()
    assert event.id == mine and event.json["match"] == wanted


def test_match_filter_is_repeatable(srv):
    a, b, c = new_match(srv), new_match(srv, "Spurs", "Fulham"), new_match(srv, "Leeds", "Burnley")
    url = f"{srv.url}/live-scores?match={a}&match={c}"
    with StreamReader(url) as reader:
        assert {m["id"] for m in reader.next().json["matches"]} == {a, c}
    assert b


def test_classic_format_gives_article_style_message_events_naming_the_match(srv):
    match_id = new_match(srv, "Team A", "Team B")
    srv.publish(match_id, type="kickoff")
    with StreamReader(f"{srv.url}/live-scores?format=classic&match={match_id}") as reader:
        srv.publish(match_id, type="clock", minute=4)  # a tick says nothing: no line
        srv.publish(match_id, type="goal", team="away", minute=5, text="Goal! Team B scores!")
        event = reader.next()
    assert event.event == "message"
    assert event.data == (
        'Match Summary: {"time": "5\'", "scores": "Team A 0:1 Team B", '
        '"event": "Goal! Team B scores!"}'
    )


def test_idle_stream_carries_heartbeat_comments():
    with (
        run_server("--feed", "none", "--heartbeat", "0.2") as server,
        httpx.Client() as client,
        client.stream("GET", f"{server.url}/live-scores", timeout=5) as response,
    ):
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if sum(1 for x in lines if x.startswith(":")) >= 2:
                break
    assert lines[0] == "retry: 3000"
    assert any(line.startswith(": ping") for line in lines)


def test_restarted_memory_server_starts_new_epoch_so_old_ids_get_a_snapshot():
    server = start_server("--feed", "none", "--store", ":memory:")
    try:
        match_id = new_match(server)
        old_id = server.publish(match_id, type="kickoff")
    finally:
        server.stop()
    with run_server("--feed", "none", "--store", ":memory:") as again:
        new_match(again, "Other", "Teams")
        with StreamReader(f"{again.url}/live-scores", headers={"Last-Event-ID": old_id}) as r:
            snap = r.next()
    assert snap.event == "snapshot"
    assert snap.id.rpartition("-")[0] != old_id.rpartition("-")[0]
    assert [m["home"]["name"] for m in snap.json["matches"]] == ["Other"]


def test_unknown_format_is_refused_with_422_by_the_documented_route(srv):
    r = httpx.get(f"{srv.url}/live-scores?format=xml")
    assert r.status_code == 422
    assert "format" in r.json()["detail"]


def test_the_documented_stream_parameters_are_the_ones_the_fast_path_reads(srv):
    # One model (server/http/stream_query.py) for both: the route's OpenAPI lists its fields.
    operation = httpx.get(f"{srv.url}/openapi.json").json()["paths"]["/live-scores"]["get"]
    documented = {(p["in"], p["name"]) for p in operation["parameters"]}
    query = {("query", name) for name in StreamQuery.model_fields}
    assert documented == query | {("header", "Last-Event-ID")}
    fmt = next(p for p in operation["parameters"] if p["name"] == "format")
    assert {"type": "string", "pattern": f"^({'|'.join(FORMATS)})$"} in fmt["schema"]["anyOf"]


def test_head_of_the_stream_answers_its_headers_with_no_body_and_no_subscriber(srv):
    before = httpx.get(f"{srv.url}/healthz").json()["subscribers"]
    r = httpx.head(f"{srv.url}/live-scores", timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-accel-buffering"] == "no"
    assert r.content == b""
    assert httpx.get(f"{srv.url}/healthz").json()["subscribers"] == before
