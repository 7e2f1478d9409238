"""Odd input from the open internet, against the real server: every answer a 4xx (or, for
a stream, a snapshot), never a 500, and nothing stored that the server cannot read back."""

from __future__ import annotations

import json
import resource
import socket
from urllib.parse import quote, urlsplit

import httpx
import pytest

from server.http.stream_query import MAX_FILTER, MAX_QUERY
from server.wire import MAX_ID, MAX_SCORE
from tests.support.serverproc import run_server, server_fixture
from tests.support.sse_reader import StreamReader

srv = server_fixture("--feed", "none")


@pytest.fixture(scope="module")
def live_match(srv) -> str:
    match_id = srv.add_match(id="odd", home="Odd", away="Input")
    srv.publish(match_id, type="kickoff")
    return match_id


def epoch(srv) -> str:
    return httpx.get(f"{srv.url}/healthz").json()["last_event_id"].rpartition("-")[0]


def first_frame(sock: socket.socket) -> bytes:
    """The response head and the stream's first frames, up to the end of the snapshot."""
    data = b""
    sock.settimeout(5)
    while b"event: snapshot" not in data or not data.endswith(b"\r\n\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# --- Last-Event-ID --------------------------------------------------------------------------


def short(tail: str) -> str:
    return repr(tail) if len(tail) < 40 else f"{len(tail)} digits"


ODD_SEQUENCES = [
    "²",  # str.isdigit() says yes, int() says no
    "٣",  # an Arabic-Indic three: int() takes it, but it is no id this server gave
    "1" * 4301,  # one digit more than int() converts
    "9" * 30,  # a number, far beyond any sequence
    "-1",
    "+5",
    " 7",
    "",
]


@pytest.mark.parametrize("tail", ODD_SEQUENCES, ids=short)
def test_an_odd_last_event_id_header_gets_a_snapshot(srv, live_match, tail):
    # Raw bytes: "²" goes out as the single latin-1 byte a header carries it in, "٣" as UTF-8.
    value = f"{epoch(srv)}-{tail}"
    raw = value.encode("latin-1") if tail.isascii() or tail == "²" else value.encode()
    parts = urlsplit(srv.url)
    logged = len(srv.lines)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /live-scores HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + raw + b"\r\n\r\n")
        data = first_frame(sock)
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    assert b"event: snapshot" in data
    assert "Traceback" not in "".join(srv.lines[logged:])


@pytest.mark.parametrize("tail", ODD_SEQUENCES, ids=short)
def test_an_odd_last_event_id_parameter_gets_a_snapshot(srv, live_match, tail):
    url = f"{srv.url}/live-scores?last_event_id={quote(f'{epoch(srv)}-{tail}')}"
    logged = len(srv.lines)
    with StreamReader(url) as reader:
        assert reader.status == 200
        assert reader.next().event == "snapshot"
    assert "Traceback" not in "".join(srv.lines[logged:])


# --- the stream's filter ----------------------------------------------------------------


def test_the_longest_filter_allowed_is_served(srv, live_match):
    ids = [live_match] + [f"{i:0{MAX_ID}d}" for i in range(MAX_FILTER - 1)]
    url = f"{srv.url}/live-scores?" + "&".join(f"match={i}" for i in ids)
    with StreamReader(url) as reader:
        assert reader.status == 200
        snapshot = reader.next()
    assert [m["id"] for m in snapshot.json["matches"]] == [live_match]


def test_more_match_ids_than_allowed_are_400_naming_the_limit(srv):
    query = "&".join(f"match=m{i}" for i in range(MAX_FILTER + 1))
    r = httpx.get(f"{srv.url}/live-scores?{query}", timeout=5)
    assert r.status_code == 400
    assert f"at most {MAX_FILTER}" in r.json()["detail"]
    assert "match" in r.json()["detail"]


def test_a_match_id_longer_than_any_id_is_400(srv):
    r = httpx.get(f"{srv.url}/live-scores?match={'x' * (MAX_ID + 1)}", timeout=5)
    assert r.status_code == 400
    assert f"{MAX_ID} characters" in r.json()["detail"]


def test_a_query_longer_than_allowed_is_414_and_the_same_for_head(srv):
    query = "match=a&x=" + "y" * MAX_QUERY
    for method in ("GET", "HEAD"):
        r = httpx.request(method, f"{srv.url}/live-scores?{query}", timeout=5)
        assert r.status_code == 414, method
    assert (
        f"at most {MAX_QUERY} bytes" in httpx.get(f"{srv.url}/live-scores?{query}").json()["detail"]
    )


def test_head_with_a_filter_opens_nothing(srv, live_match):
    query = "&".join(f"match={live_match}{i}" for i in range(MAX_FILTER))
    for _ in range(20):
        r = httpx.head(f"{srv.url}/live-scores?{query}", timeout=5)
        assert r.status_code == 200
    assert httpx.get(f"{srv.url}/healthz").json()["subscribers"] == 0


# --- numbers and types on the publish API -------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            {"type": "penalty_shootout", "team": "home", "penalties": {"home": 10**30, "away": 0}},
            "penalties.home",
        ),
        (
            {
                "type": "penalty_shootout",
                "team": "home",
                "penalties": {"home": MAX_SCORE + 1, "away": 0},
            },
            "penalties.home",
        ),
        (
            {"type": "penalty_shootout", "team": "home", "penalties": {"home": 1, "away": -1}},
            "penalties.away",
        ),
        ({"type": "clock", "minute": 131}, "minute"),
        ({"type": "clock", "minute": 10**400}, "minute"),
        ({"type": "clock", "minute": 90, "added": 31}, "added"),
        ({"type": "clock", "minute": True}, "minute"),
        ({"type": "clock", "minute": "55"}, "minute"),
        ({"type": "clock", "minute": 55.0}, "minute"),
        ({"type": "goal", "team": "home", "penalty": "yes"}, "penalty"),
        ({"type": "goal", "team": "home", "own_goal": 1}, "own_goal"),
        ({"type": "penalty_shootout", "team": "home", "scored": "true"}, "scored"),
        (
            {"type": "penalty_shootout", "team": "home", "penalties": {"home": "3", "away": 2}},
            "penalties.home",
        ),
        (
            {"type": "penalty_shootout", "team": "home", "penalties": {"home": True, "away": 2}},
            "penalties.home",
        ),
    ],
)
def test_numbers_out_of_bounds_and_loose_types_are_422_naming_the_field(
    srv, live_match, event, field
):
    url = f"{srv.url}/api/matches/{live_match}/events"
    r = httpx.post(url, json=event, headers=srv.headers())
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"{field}:"), r.json()["detail"]


def test_the_largest_numbers_allowed_survive_a_restart_and_read_back_everywhere(tmp_path):
    store = str(tmp_path / "big.sqlite3")
    with run_server("--feed", "none", "--store", store) as srv:
        match_id = srv.add_match(home="Big", away="Numbers")
        srv.publish(match_id, type="kickoff", minute=0)
        srv.publish(match_id, type="clock", minute=130, added=30)
        shootout = {"home": MAX_SCORE, "away": MAX_SCORE - 1}
        srv.publish(match_id, type="penalty_shootout", team="home", penalties=shootout)
        token = srv.token
    with run_server("--feed", "none", "--store", store, token=token) as again:
        match = httpx.get(f"{again.url}/api/matches/{match_id}").json()
        assert match["penalties"] == shootout
        with StreamReader(f"{again.url}/live-scores?format=classic") as classic:
            again.publish(match_id, type="full_time")
            line = classic.next()
        assert line.data.startswith("Match Summary:")


# --- the publish token ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["bearer ", "BEARER ", "Bearer ", "bEaReR ", "Bearer   "])
def test_the_authorization_scheme_is_case_insensitive(srv, scheme):
    # RFC 9110: the scheme's name is case-insensitive, and one or more spaces follow it.
    r = httpx.post(
        f"{srv.url}/api/matches",
        json={"home": "Case", "away": scheme.strip()},
        headers={"Authorization": f"{scheme}{srv.token}"},
    )
    assert r.status_code == 201, r.text


# --- cross-site requests without a token ------------------------------------------------------

CROSS_SITE = [
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"},
]


@pytest.mark.parametrize(
    "browser", CROSS_SITE, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items())
)
def test_a_web_page_posting_without_a_token_cannot_lock_the_scorer_out(browser):
    # What ten fetch(url, {method: "POST", mode: "no-cors"}) from any page send: no token,
    # the page's origin. None of it may spend the scorer's tries.
    with run_server("--feed", "none", "--auth-failures", "3/600") as srv:
        for _ in range(10):
            r = httpx.post(f"{srv.url}/api/matches", content=b"{}", headers=browser)
            assert r.status_code in (401, 403), r.text
        ok = httpx.post(
            f"{srv.url}/api/matches",
            json={"home": "Still", "away": "Scoring"},
            headers=srv.headers(),
        )
        assert ok.status_code == 201, ok.text
        assert "used up its" not in srv.log


def test_a_cross_site_request_with_a_wrong_token_still_counts():
    # A browser cannot send it (no CORS); a script adding an Origin gains nothing.
    with run_server("--feed", "none", "--auth-failures", "3/600") as srv:
        headers = {"Origin": "https://evil.example", "Authorization": "Bearer wrong"}
        for _ in range(3):
            assert httpx.post(f"{srv.url}/api/matches", json={}, headers=headers).status_code == 401
        limited = httpx.post(f"{srv.url}/api/matches", json={}, headers=srv.headers())
        assert limited.status_code == 429


def test_the_servers_own_page_and_tools_without_an_origin_count_as_before(srv):
    own = urlsplit(srv.url).netloc
    for headers in ({"Origin": f"http://{own}", "Sec-Fetch-Site": "same-origin"}, {}):
        r = httpx.post(f"{srv.url}/api/matches", json={}, headers=headers)
        assert (
            r.status_code == 401
        )  # answered as before; counted (tests/server/test_auth_failures.py)


# --- a full disk ------------------------------------------------------------------------


@pytest.mark.sqlite
def test_a_full_disk_is_a_json_503_with_the_cause_logged_and_the_server_carries_on(tmp_path):
    store = str(tmp_path / "full.sqlite3")
    # Files may not grow past 200 KB: the store's write-ahead log soon cannot.
    with run_server(
        "--feed", "none", "--store", store, limits={resource.RLIMIT_FSIZE: 200_000}
    ) as srv:
        api = httpx.Client(base_url=srv.url, headers=srv.headers())
        match_id = srv.add_match(home="Full", away="Disk")
        srv.publish(match_id, type="kickoff")
        refused = None
        for minute in range(1, 400):
            event = {"type": "clock", "minute": minute % 120, "text": "x" * 280}
            r = api.post(f"/api/matches/{match_id}/events", json=event)
            if r.status_code != 201:
                refused = r
                break
        assert refused is not None, "the disk never filled"
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/json"
        assert "Retry-After" in refused.headers
        assert "store" in refused.json()["detail"]
        # Reading goes on, and what was stored is what is served.
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
        served = httpx.get(f"{srv.url}/api/matches/{match_id}").json()
        api.close()
    assert "database or disk is full" in srv.log or "disk I/O error" in srv.log
    assert "cannot rollback" not in srv.log
    assert "Traceback" not in srv.log
    assert served["id"] == match_id
    assert json.dumps(served)  # whole
