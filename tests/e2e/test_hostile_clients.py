"""Fault suite, hostile clients: the real server in a subprocess with a lowered open-file
limit, and clients that behave as an attacker's would: floods of idle and trickling
connections, endless headers, streams that never read a large snapshot, long filters and
looping filtered requests. Through all of it ``/healthz`` answers fast, an authenticated
publish goes through, and the server's memory stays bounded.

Each test takes seconds; the figures they print (``-s``) are the ones docs/operations.md and
docs/performance.md quote.
"""

from __future__ import annotations

import json
import resource
import select
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from server.http.limits import MAX_DOWNLOADS
from server.http.stream_query import MAX_FILTER
from server.wire import MAX_ID
from tests.support.procfs import rss_kb
from tests.support.serverproc import ServerProcess, run_server
from tests.support.wait import wait_until

#: The server's open-file limit in this suite: a small one, so a flood reaches it quickly.
NOFILE = 1024
LIMITS = {resource.RLIMIT_NOFILE: NOFILE}


def address(srv: ServerProcess) -> tuple[str, int]:
    parts = urlsplit(srv.url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def timed_healthz(srv: ServerProcess, client: httpx.Client) -> float:
    started = time.monotonic()
    r = client.get(f"{srv.url}/healthz")
    assert r.status_code == 200
    return time.monotonic() - started


@contextmanager
def flood(target: object, *args: object) -> Iterator[threading.Event]:
    """Runs ``target(stop, *args)`` in a thread until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop, *args), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(30)


def idle_and_trickling(stop: threading.Event, where: tuple[str, int], held: list) -> None:
    """Opens connections as fast as it can, half saying nothing, half trickling a request
    head a byte at a time, and keeps every one open until told to stop."""
    n = 0
    while not stop.is_set():
        try:
            sock = socket.create_connection(where, timeout=2)
        except OSError:
            time.sleep(0.01)
            continue
        sock.setblocking(False)
        held.append(sock)
        n += 1
        if n % 2:
            with suppress(OSError):
                sock.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        if n % 50 == 0:  # every so often, a byte more on every trickling one
            for s in held[1::2]:
                with suppress(OSError):
                    s.send(b"X")
    for sock in held:
        sock.close()


def test_a_flood_of_idle_and_trickling_connections_never_stops_healthz_or_a_publish():
    with run_server(
        "--feed", "none", "--request-timeout", "2", "--max-pending", "200", limits=LIMITS
    ) as srv:
        match_id = srv.add_match(home="Flood", away="Gate")
        held: list[socket.socket] = []
        latencies, publishes = [], []
        with flood(idle_and_trickling, address(srv), held):
            wait_until(lambda: len(held) > 2 * NOFILE, 20, "the flood to pass the open-file limit")
            # A fresh connection each time, as an uptime check and a scorer would make.
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                with httpx.Client(timeout=5) as client:
                    latencies.append(timed_healthz(srv, client))
                r = httpx.post(
                    f"{srv.url}/api/matches/{match_id}/events",
                    json={"type": "clock" if publishes else "kickoff", "minute": 1},
                    headers=srv.headers(),
                    timeout=5,
                )
                publishes.append(r.status_code)
                time.sleep(0.1)
        opened = len(held)
    print(
        f"\nflood: {opened} connections opened against a limit of {NOFILE} files; /healthz "
        f"median {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"over {len(latencies)} requests; publishes {set(publishes)}"
    )
    assert set(publishes) == {201}
    assert max(latencies) < 1.0
    assert "Traceback" not in srv.log
    assert "out of system resource" not in srv.log  # accept() never hit the file limit


def test_endless_headers_on_many_connections_hold_no_memory():
    with run_server("--feed", "none", limits=LIMITS) as srv:
        before = rss_kb(srv.proc.pid)
        socks = [socket.create_connection(address(srv), timeout=5) for _ in range(16)]
        piece = b"a" * 65536
        for sock in socks:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        sent = [0] * len(socks)
        refused = [False] * len(socks)
        while not all(refused) and max(sent) < 64 * 1024 * 1024:
            for i, sock in enumerate(socks):
                if refused[i]:
                    continue
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    refused[i] = True
                    continue
                try:
                    sock.sendall(piece)
                    sent[i] += len(piece)
                except OSError:
                    refused[i] = True
        growth = rss_kb(srv.proc.pid) - before
        answers = [sock.recv(200) for sock in socks]
        for sock in socks:
            sock.close()
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
    print(f"\nendless headers: 16 connections, up to {max(sent)} bytes sent each, RSS +{growth} KB")
    assert all(a.startswith(b"HTTP/1.1 431") for a in answers), answers
    assert growth < 20_000


# --- a large snapshot, and streams that never read it ----------------------------------------


MATCHES, EVENTS = 1000, 3
#: Every match added, kicked off and given its cards.
PUBLISHED = MATCHES * (2 + EVENTS)


def big_feed(path: Path, matches: int = MATCHES, events: int = EVENTS) -> Path:
    """A feed whose snapshot, once played, is a few MB (``matches`` × ``events`` long cards)."""
    found, played = [], []
    for i in range(matches):
        match_id = f"m{i:04d}"
        found.append(
            {
                "id": match_id,
                "competition": "Big League",
                "home": {"name": f"Home {i}", "code": "HOM"},
                "away": {"name": f"Away {i}", "code": "AWY"},
                "kickoff": "2025-11-29T15:00:00Z",
            }
        )
        played.append({"match": match_id, "type": "kickoff"})
        for k in range(events):
            card = {"match": match_id, "type": "card", "minute": 1 + k, "team": "home"}
            played.append({**card, "card": "yellow", "player": "P" * 80, "text": "t" * 280})
    path.write_text(json.dumps({"name": "big", "matches": found, "events": played}))
    return path


@contextmanager
def big_server(tmp_path: Path, *args: str) -> Iterator[tuple[ServerProcess, int]]:
    feed = big_feed(tmp_path / "big.json")
    with run_server(
        "--feed", str(feed), "--speed", "100000", "--store", ":memory:", *args, limits=LIMITS
    ) as srv:
        last = f"-{PUBLISHED}"
        wait_until(
            lambda: httpx.get(f"{srv.url}/healthz").json()["last_event_id"].endswith(last),
            30,
            "the feed to be played",
        )
        size = len(httpx.get(f"{srv.url}/api/matches", timeout=10).content)
        yield srv, size


def non_reader(
    where: tuple[str, int], query: str = "", path: str = "/live-scores"
) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(where)
    sock.sendall(f"GET {path}{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return sock


def test_streams_that_never_read_a_large_snapshot_hold_little_and_healthz_stays_fast(tmp_path):
    n = 300
    with big_server(tmp_path) as (srv, size), httpx.Client(timeout=5) as client:
        before = rss_kb(srv.proc.pid)
        latencies = []
        socks = []
        for i in range(n):
            socks.append(non_reader(address(srv)))
            if i % 10 == 0:
                latencies.append(timed_healthz(srv, client))
        wait_until(
            lambda: client.get(f"{srv.url}/healthz").json()["subscribers"] == n, 20, "every stream"
        )
        time.sleep(1)  # each has written what its socket takes, and waits
        latencies += [timed_healthz(srv, client) for _ in range(10)]
        growth = rss_kb(srv.proc.pid) - before
        for sock in socks:
            sock.close()
    per_stream = growth / n
    print(
        f"\nnon-reading streams: snapshot {size / 1e6:.1f} MB, {n} streams, "
        f"RSS +{growth / 1024:.0f} MB ({per_stream:.0f} KB a stream); "
        f"/healthz max {max(latencies) * 1000:.0f} ms"
    )
    assert per_stream < 400, f"{per_stream:.0f} KB per non-reading stream"
    assert max(latencies) < 0.5


def test_downloads_of_every_match_that_are_never_read_hold_little_and_are_bounded(tmp_path):
    n = MAX_DOWNLOADS
    with big_server(tmp_path) as (srv, size), httpx.Client(timeout=5) as client:
        before = rss_kb(srv.proc.pid)
        socks = [non_reader(address(srv), path="/api/matches") for _ in range(n)]
        time.sleep(1.5)  # each has written what its socket takes, and waits
        latencies = [timed_healthz(srv, client) for _ in range(10)]
        growth = rss_kb(srv.proc.pid) - before
        one_more = client.get(f"{srv.url}/api/matches")
        for sock in socks:
            sock.close()
    per_download = growth / n
    print(
        f"\nunread downloads: /api/matches {size / 1e6:.1f} MB, {n} clients, "
        f"RSS +{growth / 1024:.0f} MB ({per_download:.0f} KB each); "
        f"/healthz max {max(latencies) * 1000:.0f} ms"
    )
    assert per_download < 400, f"{per_download:.0f} KB per unread download"
    assert max(latencies) < 0.5
    assert one_more.status_code == 503
    assert f"{MAX_DOWNLOADS} match downloads at once" in one_more.json()["detail"]
    assert "Retry-After" in one_more.headers


def test_filtered_snapshots_and_heads_in_a_loop_leave_healthz_fast(tmp_path):
    with big_server(tmp_path) as (srv, _):
        allowed = "&".join(f"match=m{i:04d}" for i in range(MAX_FILTER))
        every = "&".join(f"match=m{i:04d}" for i in range(1000))  # what an attacker would ask

        def loop(stop: threading.Event, method: str, ids: str) -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    if method == "HEAD":
                        client.head(f"{srv.url}/live-scores?{ids}")
                        continue
                    with client.stream("GET", f"{srv.url}/live-scores?{ids}") as r:
                        seen = b""
                        for chunk in r.iter_raw():  # the whole snapshot (or a refusal), then leave
                            seen = seen[-64:] + chunk
                            if r.status_code != 200 or b"]}\r\n\r\n" in seen:
                                break

        with (
            flood(loop, "HEAD", every),
            flood(loop, "GET", every),
            flood(loop, "HEAD", allowed),
            flood(loop, "GET", allowed),
            httpx.Client(timeout=5) as client,
        ):
            time.sleep(0.5)
            latencies = [timed_healthz(srv, client) for _ in range(40)]
    print(
        f"\nfiltered loops: /healthz median {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms"
    )
    assert statistics.median(latencies) < 0.05
    assert max(latencies) < 0.3


def test_streams_asking_for_huge_filters_hold_no_more_than_plain_ones():
    n = 300
    longest = "&".join(f"match={i:0{MAX_ID}d}" for i in range(MAX_FILTER))
    huge = "&".join(f"match=m{i}" for i in range(5000))  # 58 KB of ids that do not exist
    growth = {}
    with run_server("--feed", "none", limits=LIMITS) as srv:
        for name, query in (("plain", ""), ("longest", f"?{longest}"), ("huge", f"?{huge}")):
            before = rss_kb(srv.proc.pid)
            socks = [non_reader(address(srv), query) for _ in range(n)]
            time.sleep(1)  # each is streaming, or was answered
            growth[name] = (rss_kb(srv.proc.pid) - before) / n
            streams = httpx.get(f"{srv.url}/healthz").json()["subscribers"]
            for sock in socks:
                sock.close()
            wait_until(lambda: httpx.get(f"{srv.url}/healthz").json()["subscribers"] == 0, 20, "")
            if name == "huge":
                refused = streams
    print(
        "\nstream cost by query: "
        + ", ".join(f"{name} {kb:.1f} KB" for name, kb in growth.items())
        + f" (the longest filter allowed is {len(longest)} bytes)"
    )
    assert refused == 0  # a query past the limits opens no stream
    assert growth["longest"] - growth["plain"] < 40
    assert growth["huge"] - growth["plain"] < 40
