"""Limits with clear answers, against the real server: 503 beyond --max-streams, 413 beyond
--max-body (also while a chunked body is still arriving), 429 beyond the publish rate, 422 for
over-long names."""

from __future__ import annotations

import resource
import socket
import struct
import time

import httpx
import pytest

from server.http.limits import TokenBuckets
from server.wire import MAX_NAME, MAX_TEXT
from tests.support.procfs import rss_kb
from tests.support.rawhttp import open_raw_stream, raw_request
from tests.support.serverproc import run_cli, run_server, server_fixture, subscribers
from tests.support.wait import wait_until


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and whatever arrived up to the end of the JSON body (the server answers
    without waiting for the rest of the request)."""
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


# --- streams ---------------------------------------------------------------------------------


def test_stream_beyond_max_streams_is_503_with_retry_after_and_slots_free_when_clients_leave():
    with run_server("--feed", "none", "--max-streams", "3") as srv:
        held = [open_raw_stream(srv.url) for _ in range(3)]
        wait_until(lambda: subscribers(srv.url) == 3, 5, "3 subscribers")

        refused = httpx.get(f"{srv.url}/live-scores", timeout=5)
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "3 open streams" in refused.json()["detail"]
        assert "--max-streams" in refused.json()["detail"]
        # The rest of the server still answers.
        assert httpx.get(f"{srv.url}/api/matches").status_code == 200

        held.pop().close()  # an orderly close frees a slot
        reset = held.pop()  # and so does an abortive one (a crashed client)
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.close()
        wait_until(lambda: subscribers(srv.url) == 1, 5, "two slots freed")
        held += [open_raw_stream(srv.url), open_raw_stream(srv.url)]  # asserts 200 each
        assert httpx.get(f"{srv.url}/live-scores", timeout=5).status_code == 503
        for sock in held:
            sock.close()


def test_max_streams_beyond_the_open_file_limit_is_lowered_to_fit_with_a_warning():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard != resource.RLIM_INFINITY  # Linux always has a finite hard limit
    with run_server("--feed", "none", "--max-streams", str(hard * 2)) as srv:
        pass
    assert f"--max-streams {hard * 2} does not fit the open-file limit" in srv.log
    # 256 descriptors are kept for the API, and --max-pending's (1,000) for waiting connections.
    assert f"Limits: {hard - 256 - 1000} streams, 1000 connections not being served" in srv.log


def test_under_a_small_open_file_limit_streams_and_waiting_connections_share_what_there_is():
    with run_server("--feed", "none", limits={resource.RLIMIT_NOFILE: 1024}) as srv:
        pass
    # 1,024 less 256 for the API: a quarter for connections not being served, the rest streams.
    assert "--max-streams 10000 does not fit the open-file limit 1024: lowered to 576" in srv.log
    assert "--max-pending 1000 does not fit the open-file limit 1024: lowered to 192" in srv.log
    assert "Limits: 576 streams, 192 connections not being served" in srv.log


# --- body size -------------------------------------------------------------------------------


srv = server_fixture("--feed", "none", "--max-body", "2000")


def test_body_over_max_body_is_413_with_a_message_and_publishes_nothing(srv, api):
    before = len(api.get("/api/matches").json()["matches"])
    r = api.post("/api/matches", json={"home": "A", "away": "B", "competition": "x" * 3000})
    assert r.status_code == 413
    assert "at most 2000 bytes" in r.json()["detail"]
    assert "--max-body" in r.json()["detail"]
    assert len(api.get("/api/matches").json()["matches"]) == before
    # Just under the limit is fine: the limit is on bytes, not on what is in them.
    ok = {"home": "A", "away": "B", "round": "r" * 80, "competition": "c" * 80}
    assert len(httpx.Request("POST", "/", json=ok).content) < 2000
    assert api.post("/api/matches", json=ok).status_code == 201


def test_declared_oversized_body_is_refused_before_a_byte_of_it_is_sent(srv):
    head = (
        "POST /api/matches HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        f"Authorization: Bearer {srv.token}\nContent-Length: 1000000000\n"
    )
    with raw_request(srv.url, head) as sock:  # the body never comes
        status, data = read_response(sock)
    assert status == 413, data
    assert b"at most 2000 bytes" in data


def test_chunked_body_is_refused_once_past_the_limit_while_still_arriving(srv):
    head = (
        "POST /api/matches HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        f"Authorization: Bearer {srv.token}\nTransfer-Encoding: chunked\n"
    )
    chunk = b'{"home": "' + b"x" * 2100
    # One chunk past the limit and no terminating chunk: the body has not ended.
    with raw_request(srv.url, head, b"%x\r\n%s\r\n" % (len(chunk), chunk)) as sock:
        status, data = read_response(sock)
    assert status == 413, data
    assert b"at most 2000 bytes" in data


def test_endless_chunked_body_never_piles_up_in_server_memory():
    def forty_megabytes():
        piece = b"x" * 65536
        for _ in range(640):
            yield piece

    with run_server("--feed", "none") as srv:
        before = rss_kb(srv.proc.pid)
        r = httpx.post(
            f"{srv.url}/api/matches",
            content=forty_megabytes(),  # a generator: sent chunked, no Content-Length
            headers={**srv.headers(), "Content-Type": "application/json"},
            timeout=30,
        )
        growth = rss_kb(srv.proc.pid) - before
        assert r.status_code == 413
        assert r.request.headers["transfer-encoding"] == "chunked"
        # Keep-alive survives: the rest of the body was read and dropped, not parsed.
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
    assert growth < 10_000, f"server RSS grew by {growth} KB for a refused 40 MB body"


# --- publish rate ----------------------------------------------------------------------------


def test_publish_beyond_the_rate_is_429_with_retry_after_and_the_bucket_refills():
    with run_server("--feed", "none", "--publish-rate", "2", "--publish-burst", "3") as srv:
        _rate_limited(srv)


def _rate_limited(small) -> None:
    api = httpx.Client(base_url=small.url, headers=small.headers())
    match_id = api.post("/api/matches", json={"home": "A", "away": "B"}).json()["id"]
    # The burst is 3 and the match took one: two more go through, then the bucket is empty.
    codes = [
        api.post(f"/api/matches/{match_id}/events", json={"type": t}).status_code
        for t in ("kickoff", "half_time", "second_half")
    ]
    assert codes == [201, 201, 429]
    refused = api.post(f"/api/matches/{match_id}/events", json={"type": "second_half"})
    assert refused.status_code == 429
    wait = refused.headers["retry-after"]
    assert wait.isdigit() and int(wait) >= 1
    assert "--publish-rate" in refused.json()["detail"]
    assert f"try again in {wait} s" in refused.json()["detail"]
    # A refused publish changed nothing.
    assert api.get(f"/api/matches/{match_id}").json()["status"] == "half_time"
    # A wrong token is still a 401, not a 429: the bucket is the right token's alone.
    wrong = httpx.post(
        f"{small.url}/api/matches/{match_id}/events",
        json={"type": "second_half"},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert wrong.status_code == 401
    time.sleep(int(wait))  # the one place a test must let real time pass: the refill
    again = api.post(f"/api/matches/{match_id}/events", json={"type": "second_half"})
    assert again.status_code == 201, again.text
    api.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_gives_its_burst_then_one_token_per_interval():
    clock = Clock()
    buckets = TokenBuckets(3, tokens=2, clock=clock)  # the publish rate: 2 a second
    assert [buckets.take("t") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("t") == 0.5  # nothing taken: the next token is half a second away
    clock.now += 0.25
    assert buckets.take("t") == 0.25
    clock.now += 0.25
    assert buckets.take("t") == 0 and buckets.take("t") == 0.5
    clock.now += 60  # refills up to the burst, never beyond
    assert [buckets.take("t") for _ in range(4)] == [0, 0, 0, 0.5]
    assert buckets.take("other") == 0  # every key has its own bucket


def test_a_bucket_refilling_one_every_few_seconds_waits_exactly():
    clock = Clock()
    buckets = TokenBuckets(2, per=6.0, clock=clock)  # failed authentications: one every 6 s
    assert buckets.wait("a") == 0 and len(buckets) == 1  # wait() takes nothing
    assert buckets.take("a") == buckets.take("a") == 0
    assert buckets.wait("a") == 6.0
    clock.now += 4.5
    assert buckets.wait("a") == 1.5


def test_the_buckets_are_bounded_and_forget_the_least_recently_used_key():
    buckets = TokenBuckets(1, max_keys=3, clock=Clock())
    for key in "abcd":
        buckets.take(key)
    assert len(buckets) == 3
    assert buckets.take("b") > 0  # still known: empty
    assert buckets.take("a") == 0  # forgotten first: a full bucket again


def test_spending_reports_running_dry_once_until_the_bucket_is_full_again():
    clock = Clock()
    buckets = TokenBuckets(2, per=6.0, forget_full=True, clock=clock)
    assert [buckets.spend("a") for _ in range(3)] == [False, True, False]
    clock.now += 3.0
    assert buckets.wait("a") == 3.0
    assert buckets.spend("a") is False  # spending while dry empties it, half a try included
    assert buckets.wait("a") == 6.0
    clock.now += 12.0  # full again: forgotten, and running dry is news again
    assert buckets.wait("a") == 0 and len(buckets) == 0
    assert [buckets.spend("a") for _ in range(2)] == [False, True]


# --- lengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"home": "x" * (MAX_NAME + 1), "away": "B"}, "home.name"),
        ({"home": "A", "away": {"name": "y" * (MAX_NAME + 1)}}, "away.name"),
        ({"home": "A", "away": "B", "competition": "c" * (MAX_NAME + 1)}, "competition"),
        ({"home": "A", "away": "B", "round": "r" * (MAX_NAME + 1)}, "round"),
    ],
    ids=["home", "away", "competition", "round"],
)
def test_over_long_match_names_are_422_naming_the_field_and_limit(api, body, field):
    r = api.post("/api/matches", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == f"{field}: String should have at most {MAX_NAME} characters"


@pytest.mark.parametrize(
    ("event", "field", "limit"),
    [
        ({"type": "goal", "team": "home", "player": "p" * (MAX_NAME + 1)}, "player", MAX_NAME),
        ({"type": "clock", "minute": 5, "text": "t" * (MAX_TEXT + 1)}, "text", MAX_TEXT),
        (
            {"type": "substitution", "team": "home", "player_in": "i" * 81, "player_out": "o"},
            "player_in",
            MAX_NAME,
        ),
    ],
    ids=["player", "text", "player_in"],
)
def test_over_long_event_texts_are_422_and_the_longest_allowed_goes_through(
    api, event, field, limit
):
    match_id = api.post("/api/matches", json={"home": "A", "away": "B"}).json()["id"]
    api.post(f"/api/matches/{match_id}/events", json={"type": "kickoff"})
    r = api.post(f"/api/matches/{match_id}/events", json=event)
    assert r.status_code == 422
    assert r.json()["detail"] == f"{field}: String should have at most {limit} characters"
    event[field] = event[field][:limit]
    assert api.post(f"/api/matches/{match_id}/events", json=event).status_code == 201


def test_cli_refuses_limits_that_are_not_positive_numbers():
    for args in (["--max-streams", "0"], ["--max-body", "-1"], ["--publish-rate", "fast"]):
        run = run_cli("--feed", "none", *args)
        assert run.returncode == 2, args
        assert args[0] in run.stderr
