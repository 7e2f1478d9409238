"""Limits below the app, at the connection, against the real server on raw sockets: a deadline
for receiving a request (408), a bound on its head (431), a cap on the connections that are
not being served (the longest waiting is closed), and HTTP/1.0 clients answered in HTTP/1.0's
own terms (no chunked body, one Connection header)."""

from __future__ import annotations

import json
import select
import socket
import time
from urllib.parse import urlsplit

import httpx

from server.http.transport import MAX_HEAD
from tests.support.procfs import rss_kb
from tests.support.rawhttp import raw_request
from tests.support.serverproc import ServerProcess, run_server, server_fixture
from tests.support.sse_reader import StreamReader
from tests.support.wait import wait_until

srv = server_fixture("--feed", "none", "--request-timeout", "1")


def connect(srv: ServerProcess) -> socket.socket:
    parts = urlsplit(srv.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def read_until_closed(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``timeout``)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], deadline - time.monotonic())
        if not ready:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def trickle(sock: socket.socket, piece: bytes, every: float, for_at_most: float) -> float:
    """Sends ``piece`` every ``every`` s until the server answers or closes; the seconds that
    took (``for_at_most`` when it never did)."""
    started = time.monotonic()
    while time.monotonic() - started < for_at_most:
        ready, _, _ = select.select([sock], [], [], every)
        if ready:
            break
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
    return time.monotonic() - started


def status_and_json(data: bytes) -> tuple[int, dict[bytes, bytes], dict]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in lines[1:])
    return int(lines[0].split(b" ")[1]), headers, json.loads(body) if body else {}


# --- the request deadline ---------------------------------------------------------------


def test_a_connection_that_sends_nothing_is_closed_after_the_request_timeout(srv):
    with connect(srv) as sock:
        started = time.monotonic()
        data = read_until_closed(sock, timeout=6)
        took = time.monotonic() - started
    assert data == b""  # closed without a word: nothing was asked
    assert 0.8 < took < 3, took


def test_a_request_head_trickled_byte_by_byte_gets_408_within_the_deadline(srv):
    with connect(srv) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        took = trickle(sock, b"X-Slow: 1\r\n", every=0.2, for_at_most=6)
        status, headers, body = status_and_json(read_until_closed(sock))
    assert status == 408
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"] == b"application/json"
    assert "--request-timeout" in body["detail"]
    assert took < 3, took


def test_a_publish_body_trickled_slowly_gets_408_and_publishes_nothing(srv):
    before = httpx.get(f"{srv.url}/api/matches").json()["matches"]
    body = json.dumps({"home": "Slow", "away": "Loris"}).encode()
    head = (
        "POST /api/matches HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        f"Authorization: Bearer {srv.token}\nContent-Length: {len(body)}\n"
    )
    with raw_request(srv.url, head, body[:1]) as sock:
        took = trickle(sock, b" ", every=0.2, for_at_most=6)  # never the rest of the body
        status, _, answer = status_and_json(read_until_closed(sock))
    assert status == 408
    assert "--request-timeout" in answer["detail"]
    assert took < 3, took
    assert httpx.get(f"{srv.url}/api/matches").json()["matches"] == before


def test_an_open_stream_is_never_cut_by_the_request_deadline(srv):
    with StreamReader(f"{srv.url}/live-scores") as reader:
        assert reader.next().event == "snapshot"
        time.sleep(2.5)  # more than twice --request-timeout
        r = httpx.post(
            f"{srv.url}/api/matches", json={"home": "A", "away": "B"}, headers=srv.headers()
        )
        assert r.status_code == 201
        assert reader.next().event == "match_added"


def test_a_kept_alive_connection_may_rest_between_requests_longer_than_the_deadline(srv):
    # Between requests uvicorn's keep-alive timeout (5 s) applies, not the request deadline.
    with connect(srv) as sock:
        for _ in range(2):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while not data.endswith(b"}"):
                data += sock.recv(65536)
            assert data.startswith(b"HTTP/1.1 200")
            time.sleep(1.8)


# --- the head's size ----------------------------------------------------------------------


def test_a_never_ending_header_is_431_after_a_few_kilobytes_and_the_connection_closed(srv):
    before = rss_kb(srv.proc.pid)
    with connect(srv) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        sent = 0
        piece = b"a" * 16384
        while sent < 16 * 1024 * 1024:
            ready, _, _ = select.select([sock], [], [], 0.005)
            if ready:
                break
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        status, headers, body = status_and_json(read_until_closed(sock))
    assert status == 431
    assert headers[b"connection"] == b"close"
    assert f"{MAX_HEAD // 1024} KiB" in body["detail"]
    assert sent < 1024 * 1024, f"the server read {sent} bytes of one header"
    assert rss_kb(srv.proc.pid) - before < 5000


def test_a_head_just_under_the_limit_is_served(srv):
    filler = "x" * (MAX_HEAD - 200)
    r = httpx.get(f"{srv.url}/healthz", headers={"X-Filler": filler})
    assert r.status_code == 200


def test_many_headers_count_towards_the_same_limit(srv):
    head = "GET /healthz HTTP/1.1\nHost: x\n" + "".join(f"X-H{i}: v\n" for i in range(3000))
    with raw_request(srv.url, head) as sock:
        status, _, _ = status_and_json(read_until_closed(sock))
    assert status == 431


# --- connections not being served -----------------------------------------------------------


def test_beyond_max_pending_the_connection_waiting_longest_is_closed():
    with run_server("--feed", "none", "--max-pending", "5") as srv:
        idle = []
        for _ in range(8):
            idle.append(connect(srv))
            time.sleep(0.05)  # so that "longest waiting" is well defined

        def closed(sock: socket.socket) -> bool:
            sock.setblocking(False)
            try:
                return sock.recv(1) == b""
            except BlockingIOError:
                return False
            except ConnectionResetError:
                return True

        wait_until(lambda: all(closed(s) for s in idle[:3]), 5, "the 3 oldest to be closed")
        assert not any(closed(s) for s in idle[3:])
        # Whoever asks now is served (and only one more of the idle ones makes way).
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
        for sock in idle:
            sock.close()
        assert "5 connections not being served (--max-pending)" in srv.log


# --- HTTP/1.0 -------------------------------------------------------------------------------


def http10(srv: ServerProcess, target: str, *headers: str) -> tuple[bytes, bytes]:
    lines = "".join(f"{h}\n" for h in headers)
    with raw_request(srv.url, f"GET {target} HTTP/1.0\n{lines}") as sock:
        data = read_until_closed(sock, timeout=3)
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_an_http_10_stream_gets_a_whole_body_with_its_length_and_one_connection_header(srv):
    srv.add_match(id="ten", home="Old", away="Client")
    head, body = http10(srv, "/live-scores")
    lower = head.lower()
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"transfer-encoding" not in lower
    assert lower.count(b"\r\nconnection:") == 1
    assert b"\r\nconnection: close" in lower
    length = int(lower.split(b"content-length: ")[1].split(b"\r\n")[0])
    assert length == len(body)
    assert body.startswith(b"retry: ")
    assert b"event: snapshot" in body and b'"id":"ten"' in body


def test_an_http_10_client_resuming_gets_what_came_after_its_id(srv):
    match_id = srv.add_match(home="Resume", away="Ten")
    kickoff = srv.publish(match_id, type="kickoff")
    goal = srv.publish(match_id, type="goal", team="home", minute=3)
    _, body = http10(srv, "/live-scores", f"Last-Event-ID: {kickoff}")
    assert b"event: snapshot" not in body
    assert f"id: {goal}".encode() in body
    assert f"id: {kickoff}".encode() not in body


def test_an_http_10_client_gets_one_connection_header_everywhere(srv):
    for target in ("/healthz", "/", "/api/matches"):
        head, _ = http10(srv, target)
        assert head.lower().count(b"\r\nconnection:") <= 1, (target, head)
        assert b"transfer-encoding" not in head.lower(), (target, head)


def test_a_stream_asked_with_connection_close_gets_one_connection_header(srv):
    with raw_request(srv.url, "GET /live-scores HTTP/1.1\nHost: x\nConnection: close\n") as sock:
        head = read_until_closed(sock, timeout=1).partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 200"), head
    assert head.count(b"\r\nconnection:") == 1
