"""Clients that vanish or stop reading: cleaned up promptly, memory bounded, others unaffected."""

from __future__ import annotations

import signal
import socket
import struct
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.keyed_publish import new_live_match
from tests.support.procfs import rss_kb
from tests.support.rawhttp import open_raw_stream, raw_request, read_until
from tests.support.serverproc import run_server, subscribers
from tests.support.sse_reader import StreamReader
from tests.support.wait import wait_until


def test_vanished_clients_are_removed_promptly():
    with run_server("--feed", "none") as srv:
        closed = [open_raw_stream(srv.url) for _ in range(5)]
        reset = [open_raw_stream(srv.url) for _ in range(5)]
        wait_until(lambda: subscribers(srv.url) == 10, 10, "10 subscribers counted")
        for sock in closed:
            sock.close()
        for sock in reset:  # an abortive close (RST), as a crashed client gives
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        started = time.monotonic()
        wait_until(lambda: subscribers(srv.url) == 0, 10, "subscribers back to 0")
        took = time.monotonic() - started
    assert took < 5


def test_client_that_stops_reading_is_dropped_with_bounded_memory_and_others_unaffected():
    with run_server("--feed", "none", "--send-timeout", "1", "--history", "500") as srv:
        api = httpx.Client(base_url=srv.url, headers=srv.headers())
        match_id, _ = new_live_match(api)
        stalled = open_raw_stream(srv.url, rcvbuf=4096)  # connects, then never reads
        with StreamReader(f"{srv.url}/live-scores?match={match_id}") as healthy:
            healthy.next()  # snapshot
            wait_until(lambda: subscribers(srv.url) == 2, 5, "both subscribers counted")
            baseline = rss_kb(srv.proc.pid)
            published = []
            text = "x" * 280
            for minute in range(1, 1501):
                event = {"type": "clock", "minute": minute % 120, "text": text}
                published.append(api.post(f"/api/matches/{match_id}/events", json=event).json())
            got = [healthy.next().id for _ in published]
            growth = rss_kb(srv.proc.pid) - baseline
            started = time.monotonic()
            wait_until(lambda: subscribers(srv.url) == 1, 10, "the stalled client dropped")
            took = time.monotonic() - started
        stalled.close()
        api.close()
    assert got == [p["id"] for p in published]
    # 1,500 events of ~700 bytes each is ~1 MB of backlog; none of it may pile up per client.
    assert growth < 20_000, f"server RSS grew by {growth} KB"
    assert took < 10
    # Dropped by whichever comes first: its send waiting past --send-timeout, or its queue
    # falling further behind than the broker keeps (a busy machine publishes the 1,500 faster
    # than a second; on Redis they reach the broker in batches).
    assert "dropped a client that stopped reading" in srv.log or "dropping a subscriber" in srv.log
    assert "Traceback" not in srv.log


def test_at_shutdown_a_client_that_cannot_take_its_farewell_is_dropped_after_a_second():
    # As shutdown begins, the program ends every stream (Broker.end_streams): the others
    # get their farewell at once; one stuck in a send (its client stopped reading) gets a
    # second, not --send-timeout, then is dropped. (Its connection, with unsent data, is
    # closed by uvicorn when its graceful timeout of 3 s ends.)
    with run_server("--feed", "none") as srv:
        api = httpx.Client(base_url=srv.url, headers=srv.headers())
        match_id, _ = new_live_match(api)
        stalled = open_raw_stream(srv.url, rcvbuf=4096)  # connects, then never reads
        with StreamReader(f"{srv.url}/live-scores?match={match_id}", keep_empty=True) as healthy:
            healthy.until("snapshot")
            wait_until(lambda: subscribers(srv.url) == 2, 5, "both subscribers counted")
            event = {"type": "clock", "minute": 1, "text": "x" * 280}
            published = [
                api.post(f"/api/matches/{match_id}/events", json=event).json()["id"]
                for _ in range(1000)  # ~700 KB: far more than the stalled client's buffers
            ]
            got = [healthy.next().id for _ in published]
            api.close()
            started = time.monotonic()
            srv.proc.send_signal(signal.SIGTERM)
            srv.proc.wait(10)
            took = time.monotonic() - started
            tail = []
            with pytest.raises(AssertionError, match="stream ended: None"):  # a proper end
                while True:
                    tail.append(healthy.next())
        stalled.close()
    assert got == published
    # Then only the farewell: a comment and a jittered retry.
    assert [e.data for e in tail] == [""] * len(tail)
    assert [e.retry for e in tail if e.retry is not None] == [tail[-1].retry]
    assert 1000 <= tail[-1].retry <= 5000
    assert "dropped a client that stopped reading for 1s" in srv.log
    assert took < 5, f"shutdown took {took:.1f}s"
    assert "Traceback" not in srv.log


def server_side_open(server_port: int, client_port: int) -> bool:
    """Whether the server still holds its end of the connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, remote, state = row.split()[1:4]
                ends = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
                if ends == (server_port, client_port) and state != "07":  # 07: closed
                    return True
    return False


def test_a_dropped_client_that_never_reads_has_its_socket_closed_soon_after():
    # Dropped for not reading, it still has unsent data the kernel would keep (with the
    # socket) until it reads: TCP_USER_TIMEOUT (--send-timeout + 5 s) ends that, so the
    # stream limit bounds open files too.
    with run_server("--feed", "none", "--send-timeout", "1", "--history", "500") as srv:
        api = httpx.Client(base_url=srv.url, headers=srv.headers())
        match_id, _ = new_live_match(api)
        stalled = open_raw_stream(srv.url, rcvbuf=4096)  # connects, then never reads
        server_port, client_port = urlsplit(srv.url).port, stalled.getsockname()[1]
        minute = 0
        while subscribers(srv.url) and minute < 5000:
            minute += 1
            event = {"type": "clock", "minute": minute % 120, "text": "x" * 280}
            api.post(f"/api/matches/{match_id}/events", json=event)
        api.close()
        assert subscribers(srv.url) == 0, "the stalled client was never dropped"
        started = time.monotonic()
        wait_until(lambda: not server_side_open(server_port, client_port), 20, "its socket closed")
        took = time.monotonic() - started
        stalled.close()
    assert took < 15


def test_a_stream_request_with_a_body_is_refused_with_400_before_reading_it():
    with run_server("--feed", "none") as srv:
        request = "GET /live-scores HTTP/1.1\nHost: x\nContent-Length: 1000000000\n"
        with raw_request(srv.url, request, b"x" * 65536) as sock:
            head = read_until(sock, b"a stream request has no body")
        assert subscribers(srv.url) == 0
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"a stream request has no body" in head
