"""Security: CORS off by default and exact when configured, tokens kept out of every log line
(even at debug), and a token comparison whose timing does not depend on the token's prefix."""

from __future__ import annotations

import ast
import inspect
import secrets
import statistics
import textwrap
import time
from collections.abc import Callable

import httpx
import pytest

import server.http.app
from server.http.limits import token_matches
from tests.support.serverproc import run_cli, run_server, server_fixture
from tests.support.sse_reader import StreamReader

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


# --- CORS ------------------------------------------------------------------------------------


def test_without_cors_origin_no_response_carries_cors_headers():
    with run_server("--feed", "none") as srv:
        origin = {"Origin": "https://a.example"}
        preflight = httpx.options(f"{srv.url}/api/matches", headers={**origin, **PREFLIGHT})
        listing = httpx.get(f"{srv.url}/api/matches", headers=origin)
        publish = httpx.post(
            f"{srv.url}/api/matches", json={"home": "A", "away": "B"}, headers=origin
        )
        with StreamReader(f"{srv.url}/live-scores", headers=origin) as stream:
            stream.next()
    assert preflight.status_code == 405  # no CORS: OPTIONS is just an unknown method
    for response in (preflight, listing, publish):
        assert cors_headers(response) == {}, response.request.method
    assert not any(k.startswith("access-control-") for k in stream.response_headers)


cors_srv = server_fixture(
    "--feed", "none", "--cors-origin", "https://a.example", "--cors-origin", "HTTP://B.test:8080/"
)


def test_preflight_from_a_configured_origin_may_publish_with_a_bearer_token(cors_srv):
    r = httpx.options(
        f"{cors_srv.url}/api/matches", headers={"Origin": "https://a.example", **PREFLIGHT}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://a.example"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in r.headers


def test_origins_are_compared_as_browsers_send_them(cors_srv):
    # Given as HTTP://B.test:8080/ on the command line; browsers send it lower-case, no slash.
    r = httpx.options(
        f"{cors_srv.url}/api/matches", headers={"Origin": "http://b.test:8080", **PREFLIGHT}
    )
    assert r.headers["access-control-allow-origin"] == "http://b.test:8080"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://a.example", "https://a.example:444", "null"]
)
def test_preflight_from_any_other_origin_is_refused(cors_srv, origin):
    r = httpx.options(f"{cors_srv.url}/api/matches", headers={"Origin": origin, **PREFLIGHT})
    assert r.status_code == 400
    assert "access-control-allow-origin" not in r.headers


def test_configured_origin_can_read_the_stream_and_the_limits_answers(cors_srv):
    origin = {"Origin": "https://a.example"}
    with StreamReader(f"{cors_srv.url}/live-scores", headers=origin) as stream:
        assert stream.next().event == "snapshot"
    assert stream.response_headers["access-control-allow-origin"] == "https://a.example"
    # A 401 (and any other error answer) is readable too, with Retry-After exposed.
    r = httpx.post(f"{cors_srv.url}/api/matches", json={}, headers=origin)
    assert r.status_code == 401
    assert r.headers["access-control-allow-origin"] == "https://a.example"
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()
    other = httpx.get(f"{cors_srv.url}/api/matches", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_star_origin_allows_any_site_but_never_with_credentials():
    with run_server("--feed", "none", "--max-streams", "1", "--cors-origin", "*") as srv:
        headers = {"Origin": "https://anywhere.example", "Cookie": "session=1"}
        preflight = httpx.options(f"{srv.url}/api/matches", headers={**headers, **PREFLIGHT})
        with StreamReader(f"{srv.url}/live-scores", headers=headers) as stream:
            stream.next()
            full = httpx.get(f"{srv.url}/live-scores", headers=headers)  # the one slot is taken
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert full.status_code == 503
    for response_headers in (preflight.headers, stream.response_headers, full.headers):
        assert "access-control-allow-origin" in response_headers
        assert "access-control-allow-credentials" not in response_headers


@pytest.mark.parametrize(
    "value", ["scores.example", "ftp://a.example", "https://a.example/page", "https://"]
)
def test_cors_origin_that_is_not_an_origin_is_refused_at_start(value):
    run = run_cli("--feed", "none", "--cors-origin", value)
    assert run.returncode == 2
    assert "not an origin" in run.stderr and "--cors-origin" in run.stderr


# --- tokens in logs --------------------------------------------------------------------------


def test_tokens_never_appear_in_the_log_even_at_debug_level():
    token = "right-" + secrets.token_urlsafe(24)
    wrong = "wrong-" + secrets.token_urlsafe(24)
    args = ("--feed", "none", "--store", ":memory:", f"--publish-token={token}")
    # At debug level, with stdout (uvicorn's access log) in the log as well as stderr.
    limits = ("--publish-rate", "0.1", "--publish-burst", "4")
    with run_server(*args, *limits, "--log-level", "debug") as srv:
        url = srv.url
        right_h = {"Authorization": f"Bearer {token}"}
        answers = []
        with httpx.Client(base_url=url) as c:
            match = c.post("/api/matches", json={"home": "A", "away": "B"}, headers=right_h)
            answers.append(match.status_code)
            events = f"/api/matches/{match.json()['id']}/events"
            for headers, body in [
                ({"Authorization": f"Bearer {wrong}"}, {"type": "kickoff"}),  # 401
                ({"Authorization": wrong}, {"type": "kickoff"}),  # 401, no scheme
                ({"Authorization": f"Bearer {token}x"}, {"type": "kickoff"}),  # 401, close
                (right_h, {"type": "goal", "team": "nobody"}),  # 422
                (right_h, {"type": "goal", "team": "home", "player": token}),  # 409
                (right_h, {"type": "kickoff"}),  # 201
                (right_h, {"type": "clock", "minute": 3}),  # 429: the burst is spent
            ]:
                answers.append(c.post(events, json=body, headers=headers).status_code)
            answers.append(c.post(events, content=b"{", headers=right_h).status_code)
            answers.append(c.get("/api/matches/nope", headers=right_h).status_code)
            with StreamReader(f"{url}/live-scores", headers=right_h) as stream:
                stream.next()
    assert answers == [201, 401, 401, 401, 422, 409, 201, 429, 429, 404]
    log = srv.log  # all of it: the server has stopped
    # Debug really was on: the access log (kept only at debug level) has every request,
    # the refused ones included.
    assert '"POST /api/matches/a-b/events HTTP/1.1" 401' in log
    assert '"POST /api/matches/a-b/events HTTP/1.1" 409' in log
    assert token not in log
    assert wrong not in log
    assert token[6:20] not in log and wrong[6:20] not in log  # not even a piece of either


# --- constant-time comparison ----------------------------------------------------------------


def median_ratio(compare: Callable[[str, str], bool], rounds: int = 151) -> float:
    """Median time of ``compare`` for a wrong token sharing all but its last character with
    the right one, over the median for a wrong token sharing nothing. Samples alternate (and
    swap order each round) so drift and noise from other processes hit both alike."""
    size = 1 << 20  # a long token makes any per-character early exit measurable
    right = "a" * size
    same_prefix = "a" * (size - 1) + "b"
    no_prefix = "b" * size
    near: list[int] = []
    far: list[int] = []
    clock = time.perf_counter_ns
    for i in range(rounds):
        for given, out in ((same_prefix, near), (no_prefix, far))[:: 1 if i % 2 else -1]:
            start = clock()
            compare(given, right)
            out.append(clock() - start)
    return statistics.median(near) / statistics.median(far)


def test_token_comparison_time_does_not_depend_on_a_shared_prefix():
    # The harness first proves it can see a leak: plain == stops at the first difference.
    assert median_ratio(lambda given, right: given == right, rounds=31) > 3
    ratio = median_ratio(token_matches)
    assert 0.8 < ratio < 1.25, f"prefix-sharing wrong token took {ratio:.2f}x as long"


def test_token_matches_accepts_only_the_exact_token():
    assert token_matches("s3cret", "s3cret")
    for wrong in ("", "s3cre", "s3cret ", "S3cret", "s3cret\x00", "ſ3cret"):
        assert not token_matches(wrong, "s3cret")


def test_the_app_checks_tokens_with_token_matches_alone():
    source = textwrap.dedent(inspect.getsource(server.http.app.create_app))
    (check,) = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "require_publisher"
    ]
    calls = [
        n.func.id for n in ast.walk(check) if isinstance(n, ast.Call) and hasattr(n.func, "id")
    ]
    assert "token_matches" in calls
    assert server.http.app.token_matches is token_matches
    # No other comparison may touch the token or what was given.
    for node in ast.walk(check):
        if isinstance(node, ast.Compare):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not names & {"token", "given"}, ast.unparse(node)
    assert "compare_digest" not in inspect.getsource(server.http.app)
