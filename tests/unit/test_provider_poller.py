"""The poller's decisions without a network: the request budget, Retry-After, the back-off, the
pace between polls, the days asked for and the state /healthz shows (a real broker behind)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx

from server.feeds.providers.detector import fresh_match
from server.feeds.providers.football_data import FootballData
from server.feeds.providers.poller import Budget, Failure, Pace, Poller, retry_after
from server.store.sqlite import SqliteStore
from tests.support.provider_snapshots import Following, snap


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


NOW = datetime(2026, 5, 16, 14, 0, tzinfo=UTC)


def poller(run: Following, clock: Clock, *, pace: Pace | None = None) -> Poller:
    p = Poller(
        FootballData("t", ["PL"]),
        run.broker,
        pace=pace or Pace(),
        clock=clock,
        now=lambda: NOW + timedelta(seconds=clock.t - 1000.0),
        jitter=lambda: 0.5,
    )
    p.follower = run.follower
    return p


def test_the_budget_is_a_sliding_minute():
    clock = Clock()
    budget = Budget(3, clock)
    for _ in range(3):
        assert budget.wait() == 0
        budget.spend()
        clock.t += 1
    assert budget.wait() == 57.0  # the first of the three leaves the window at 1060
    clock.t += 57
    assert budget.wait() == 0 and budget.used() == 2


def test_retry_after_in_seconds_as_a_date_or_footballdata_s_reset_header():
    assert retry_after(httpx.Headers({"Retry-After": "41"}), NOW) == 41
    when = (NOW + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after(httpx.Headers({"Retry-After": when}), NOW) == 30
    assert retry_after(httpx.Headers({"X-RequestCounter-Reset": "17"}), NOW) == 17
    assert retry_after(httpx.Headers({"Retry-After": "soon"}), NOW) is None
    assert retry_after(httpx.Headers({"Retry-After": "99999"}), NOW) == 3600
    assert retry_after(httpx.Headers({}), NOW) is None


async def test_backoff_doubles_with_jitter_up_to_the_idle_pace_and_retry_after_wins(caplog):
    clock = Clock()
    p = poller(Following(), clock)
    with caplog.at_level(logging.WARNING):
        delays = [p._failed(Failure("unreachable", "ConnectError"), 1) for _ in range(9)]
    # 5 s doubling, times 0.75 (the jitter), never under the budget's 6 s, at most 300 s.
    assert delays == [6.0, 7.5, 15.0, 30.0, 60.0, 120.0, 225.0, 225.0, 225.0]
    assert p._failed(Failure("rate limited", "429", wait=41.0), 1) == 41.5
    assert caplog.text.count("poll failed") == 2  # once per kind of failure


async def test_state_goes_from_starting_to_ok_to_delayed_to_down():
    clock = Clock()
    p = poller(Following(), clock)
    assert p.state["state"] == "starting"
    p.requests = 1
    p._succeeded()
    assert (p.state["state"], p.state["last_success"]) == ("ok", "2026-05-16T14:00:00Z")
    clock.t += 30
    p._failed(Failure("http 503", "503 Service Unavailable"), 1)
    assert (p.state["state"], p.state["last_error"]) == ("delayed", "503 Service Unavailable")
    clock.t += 100
    assert p.state["state"] == "down"
    p._succeeded()
    assert p.state["state"] == "ok" and p.state["last_error"] == "503 Service Unavailable"


async def test_the_pace_is_live_near_a_kickoff_and_idle_otherwise_waking_up_in_time():
    clock = Clock()
    run = Following()
    p = poller(run, clock)
    # Nothing followed: idle.
    assert p._next_delay(1) == 300.0
    # A kick-off in an hour: idle, but wake up ten minutes before it.
    await run.poll(snap(kickoff=NOW + timedelta(minutes=60)))
    assert p._next_delay(1) == 300.0
    await run.poll(snap(kickoff=NOW + timedelta(minutes=13)))
    assert p._next_delay(1) == 180.0
    # Within ten minutes of it, or past it and not started yet: live.
    await run.poll(snap(kickoff=NOW + timedelta(minutes=5)))
    assert p._next_delay(1) == 30.0
    # Playing: live; and never faster than the budget allows for the cycle's requests.
    await run.poll(snap("first_half", (0, 0), minute=3, kickoff=NOW - timedelta(minutes=3)))
    assert p._next_delay(1) == 30.0
    assert p._next_delay(8) == 48.0  # 8 requests a cycle at 10 a minute


async def test_yesterday_is_asked_for_while_a_match_of_yesterday_is_still_on():
    clock = Clock()
    run = Following()
    p = poller(run, clock)
    late = NOW.replace(hour=0, minute=0) - timedelta(minutes=30)  # kicked off at 23:30
    await run.poll(snap("second_half", (0, 0), minute=60, kickoff=late))
    assert p._days() == [NOW.date() - timedelta(days=1), NOW.date()]
    await run.poll(snap("full_time", (0, 0), kickoff=late))
    assert p._days() == [NOW.date()]


async def test_after_a_long_stop_the_first_poll_is_silent_after_a_short_one_it_is_not(tmp_path):
    clock = Clock()
    run = Following(SqliteStore(tmp_path / "store.sqlite3"))
    p = poller(run, clock)
    p.start()
    assert not p._silent  # never polled before: nothing to catch up on
    key = p.follower.polled_key
    other = fresh_match(snap(match_id="other"))
    await run.broker.put_match(other, progress=(key, (NOW - timedelta(minutes=2)).isoformat()))
    p.start()
    assert not p._silent  # a quick restart carries on, publishing what happened meanwhile
    await run.broker.put_match(other, progress=(key, (NOW - timedelta(hours=2)).isoformat()))
    p.start()
    assert p._silent
    await run.broker.close()
