"""Failed publish authentications are limited per client address (--auth-failures), against
the real server; and the start-up warning about a short publish token.

Client addresses: uvicorn trusts X-Forwarded-For from 127.0.0.1 (its forwarded_allow_ips,
FORWARDED_ALLOW_IPS, default "127.0.0.1,::1"), so a test request carrying X-Forwarded-For
counts as coming from that address, as it would behind a reverse proxy on the same host.
The servers below set FORWARDED_ALLOW_IPS explicitly so an outer environment cannot change it.
"""

from __future__ import annotations

import re
import time
import uuid

import httpx

from server.http.auth_failures import FailureBuckets
from tests.support.serverproc import run_cli, run_server, server_fixture
from tests.support.wait import wait_until

PROXY = {"FORWARDED_ALLOW_IPS": "127.0.0.1"}
ADVICE = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"


# 3 failures, then one every 60 s: nothing refills while a test runs.
srv = server_fixture("--feed", "none", "--store", ":memory:", "--auth-failures", "3/60", env=PROXY)


def publish(srv, address: str | None = None, token: str | None = None, auth: bool = True):
    """POSTs a new match, from ``address`` (via X-Forwarded-For) or from 127.0.0.1 itself,
    with ``token`` (default: the right one), or with no Authorization header at all."""
    headers = {"X-Forwarded-For": address} if address else {}
    if auth:
        headers["Authorization"] = f"Bearer {token or srv.token}"
    body = {"home": f"Home {uuid.uuid4().hex[:8]}", "away": "Away"}
    return httpx.post(f"{srv.url}/api/matches", json=body, headers=headers, timeout=10)


def test_after_n_wrong_tokens_even_the_right_token_gets_429_with_retry_after(srv):
    address = "198.51.100.1"
    assert publish(srv, address).status_code == 201  # a success costs nothing
    for _ in range(3):
        wrong = publish(srv, address, token="not-" + srv.token)
        assert wrong.status_code == 401, wrong.text
    refused = publish(srv, address)  # the right token, now
    assert refused.status_code == 429, refused.text
    wait = refused.headers["retry-after"]
    assert wait.isdigit() and 1 <= int(wait) <= 60
    detail = refused.json()["detail"]
    assert "failed authentications" in detail and "--auth-failures" in detail
    assert f"try again in {wait} s" in detail
    # A wrong token is answered the same way: nothing tells the two apart any more.
    assert publish(srv, address, token="guess").status_code == 429
    # Reading is not publishing: the address still gets the API and the stream's routes.
    read = {"X-Forwarded-For": address}
    assert httpx.get(f"{srv.url}/api/matches", headers=read).status_code == 200
    assert httpx.get(f"{srv.url}/healthz", headers=read).status_code == 200


def test_requests_without_an_authorization_header_count_as_failures(srv):
    address = "198.51.100.2"
    assert [publish(srv, address, auth=False).status_code for _ in range(3)] == [401] * 3
    assert publish(srv, address).status_code == 429


def test_a_limited_address_does_not_limit_other_addresses(srv):
    limited = "198.51.100.3"
    for _ in range(3):
        assert publish(srv, limited, token="wrong").status_code == 401
    assert publish(srv, limited).status_code == 429
    assert publish(srv, "203.0.113.9").status_code == 201  # another client behind the proxy
    assert publish(srv).status_code == 201  # the proxy's own address, 127.0.0.1
    # The other address's own failures are its own: it still has its tries.
    assert publish(srv, "203.0.113.9", token="wrong").status_code == 401
    assert publish(srv, "203.0.113.9").status_code == 201


def test_ipv6_addresses_of_one_64_share_their_failures(srv):
    for last in ("1", "2", "3"):  # one host, three of its addresses
        assert publish(srv, f"2001:db8:1:2::{last}", token="wrong").status_code == 401
    assert publish(srv, "2001:db8:1:2::ffff").status_code == 429
    assert publish(srv, "2001:db8:1:3::1").status_code == 201  # the next /64 is another host


def test_a_limited_address_is_logged_once_and_never_with_the_token(srv):
    address = "198.51.100.4"
    guess = "guess-" + uuid.uuid4().hex
    for _ in range(3):
        assert publish(srv, address, token=guess).status_code == 401
    for _ in range(3):
        assert publish(srv, address, token=guess).status_code == 429
    srv.wait_for_line(re.escape(f"publish: {address} used up its 3 tries"))
    lines = [line for line in srv.lines if address in line]
    assert len(lines) == 1 and "WARNING" in lines[0], lines
    assert guess not in srv.log and srv.token not in srv.log


def test_a_long_token_gets_no_short_token_warning(srv):
    assert len(srv.token) >= 16
    assert ADVICE not in srv.log


def test_the_failures_refill_one_try_at_a_time_and_the_right_token_publishes_again():
    # 2 failures, then one every 0.5 s: a fast refill, so the test can watch it happen.
    args = ("--feed", "none", "--store", ":memory:", "--auth-failures", "2/0.5")
    with run_server(*args, env=PROXY) as srv:
        address = "198.51.100.5"
        # The server starts refilling at the first failure, which it counts after this instant
        # (timed from the client's side of the last failure, a loaded machine could make the
        # refill look early).
        first_failure = time.monotonic()
        for _ in range(2):
            assert publish(srv, address, token="wrong").status_code == 401
        assert publish(srv, address).status_code == 429

        def answered() -> httpx.Response | None:
            answer = publish(srv, address)
            return None if answer.status_code == 429 else answer

        answer = wait_until(answered, 10, "the bucket to give a try back")
        assert answer.status_code == 201, answer.text
        assert time.monotonic() - first_failure >= 0.45  # not before one try came back (0.5 s)
        # One try came back, not all of them: the next wrong token limits it again at once.
        assert publish(srv, address, token="wrong").status_code == 401
        assert publish(srv, address).status_code == 429
    # Limited twice without its bucket ever filling up: one episode, one log line.
    assert len([line for line in srv.lines if f"publish: {address} " in line]) == 1


def test_a_short_token_is_warned_about_at_start_up_without_showing_it():
    with run_server("--feed", "none", "--store", ":memory:", token="s3cret-token") as srv:
        srv.wait_for_line(re.escape(ADVICE))
    (line,) = [line for line in srv.lines if ADVICE in line]
    assert "WARNING" in line and "short token can be guessed" in line
    assert "s3cret-token" not in srv.log


def test_a_bad_auth_failures_value_is_refused_with_exit_2():
    for bad in ("10", "ten/6", "0/6", "10/0", "10/nan", "-1/6"):
        out = run_cli("--auth-failures", bad)
        assert out.returncode == 2, bad
        assert "--auth-failures" in out.stderr and "N/S" in out.stderr, out.stderr


# --- the table itself ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_address_table_stays_bounded_under_a_spray_of_addresses():
    clock = Clock()
    buckets = FailureBuckets(2, 6.0, max_addresses=100, clock=clock)
    for _ in range(2):
        buckets.failed("192.0.2.1")
    for i in range(10_000):
        buckets.failed(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        if i % 50 == 0:
            assert buckets.wait("192.0.2.1") > 0  # a guesser that keeps asking stays known
        assert len(buckets) <= 100
    assert buckets.wait("192.0.2.1") > 0
    # The sprayed addresses longest unseen were the ones forgotten.
    assert buckets.wait("10.0.0.0") == 0 and len(buckets) == 100


def test_an_address_whose_bucket_refilled_is_forgotten():
    clock = Clock()
    buckets = FailureBuckets(3, 6.0, clock=clock)
    buckets.failed("192.0.2.7")
    assert len(buckets) == 1
    clock.now += 6.0  # its one failure given back
    assert buckets.wait("192.0.2.7") == 0
    assert len(buckets) == 0
