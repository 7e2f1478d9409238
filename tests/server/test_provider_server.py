"""Real matches through the real ``touchline-server --provider``: a scripted provider (a local
HTTP server answering in football-data.org's or ESPN's shape) is polled by the server, and the
test reads what viewers get on the SSE stream."""

from __future__ import annotations

import contextlib
import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.support.provider_payloads import (
    Goal,
    espn_body,
    espn_event,
    fd_body,
    fd_match,
    late_scorer_script,
    later,
    world_cup_2022_final,
)
from tests.support.provider_server import Reply, ScriptedProvider
from tests.support.serverproc import run_cli, run_server, start_server
from tests.support.sse_reader import Event, StreamReader
from tests.support.wait import wait_until

TOKEN = "fd-token-never-logged-0123"
#: Poll fast, within a generous budget: the scripts play in seconds.
FAST = ("--provider-poll", "0.2", "--provider-idle", "0.5", "--provider-budget", "600")


def football_data(url: str, *more: str, pace: tuple[str, ...] = FAST) -> tuple[str, ...]:
    return (
        "--provider", "football-data", "--provider-token", TOKEN, "--competitions", "WC",
        "--provider-url", url, *pace, *more,
    )  # fmt: skip


def espn(url: str, *more: str) -> tuple[str, ...]:
    return (
        "--provider",
        "espn",
        "--competitions",
        "fifa.world",
        "--provider-url",
        url,
        *FAST,
        *more,
    )


@contextlib.contextmanager
def following(
    script: list, how: Callable[..., tuple[str, ...]], *more: str
) -> Iterator[tuple[ScriptedProvider, object, StreamReader]]:
    """A scripted provider (advanced by the test), the server polling it, a stream reader
    past its opening snapshot."""
    with (
        ScriptedProvider(script, advance="manual") as provider,
        run_server(*how(provider.url), "--store", ":memory:", *more) as srv,
        StreamReader(srv.url + "/live-scores") as reader,
    ):
        assert reader.next().event == "snapshot"
        yield provider, srv, reader


def gaps(provider: ScriptedProvider, step: int) -> list[float]:
    """Seconds between successive requests while the script was at ``step``."""
    pairs = itertools.pairwise(provider.requests)
    return [b.at - a.at for a, b in pairs if a.step == b.step == step]


def drain(reader: StreamReader, quiet: float = 1.0) -> list[Event]:
    """Every event until the stream has been quiet for ``quiet`` seconds."""
    events = []
    while True:
        try:
            events.append(reader.next(quiet))
        except AssertionError:
            return events


def play(provider: ScriptedProvider, steps: range) -> None:
    """Serves each step until the server has polled it twice (so it has published it)."""
    for step in steps:
        provider.advance(step)
        provider.wait_served(step, 2)


def story(events: list[Event]) -> list[tuple]:
    """What happened, without the clock: (type, minute, team, player or player_in)."""
    out = []
    for e in events:
        if e.event == "clock":
            continue
        d = e.json
        out.append((e.event, d.get("minute"), d.get("team"), d.get("player") or d.get("player_in")))
    return out


def provider_state(srv) -> dict:
    return httpx.get(srv.url + "/healthz", timeout=5).json()["provider"]


def match_of(srv, match_id: str) -> dict:
    return httpx.get(f"{srv.url}/api/matches/{match_id}", timeout=5).json()


FINAL_GOALS = [
    ("goal", 23, "home", "Lionel Messi"),
    ("goal", 36, "home", "Ángel Di María"),
    ("goal", 80, "away", "Kylian Mbappé"),
    ("goal", 81, "away", "Kylian Mbappé"),
    ("goal", 108, "home", "Lionel Messi"),
    ("goal", 118, "away", "Kylian Mbappé"),
]


def test_football_data_plays_the_2022_final_goals_cards_substitutions_extra_time_shootout():
    states = world_cup_2022_final(kickoff=later(5))
    script = [fd_body(fd_match(s)) for s in states]
    with following(script, football_data) as (provider, srv, reader):
        play(provider, range(len(script)))
        events = drain(reader)
        final = match_of(srv, "fd-391")
        log = srv.log
    told = story(events)
    assert [t for t in told if t[0] == "goal"] == FINAL_GOALS
    assert [t for t in told if t[0] == "card"] == [
        ("card", 45, "home", "Enzo Fernández"),
        ("card", 55, "away", "Adrien Rabiot"),
        ("card", 87, "away", "Marcus Thuram"),
    ]
    assert [t[3] for t in told if t[0] == "substitution"] == [
        "Marcus Thuram",
        "Randal Kolo Muani",
        "Marcos Acuña",
    ]
    whistles = [t[0] for t in told if t[0] in ("kickoff", "half_time", "second_half", "extra_time")]
    assert whistles == [
        "kickoff",
        "half_time",
        "second_half",
        "extra_time",
        "half_time",
        "second_half",
    ]
    assert told[-1][0] == "full_time"
    assert len({e.id for e in events}) == len(events)  # nothing twice
    assert (final["status"], final["score"], final["penalties"]) == (
        "full_time",
        {"home": 3, "away": 3},
        {"home": 4, "away": 2},
    )
    # One request a poll, with the token in its header and never in the log.
    assert all(r.headers.get("X-Auth-Token") == TOKEN for r in provider.requests)
    assert all(
        r.path == "/v4/matches" and r.query["competitions"] == ["WC"] for r in provider.requests
    )
    assert TOKEN not in log


def test_espn_plays_the_2022_final_with_the_shootout_kick_by_kick():
    states = world_cup_2022_final(kickoff=later(5))
    script = [espn_body(espn_event(s)) for s in states]
    with following(script, espn) as (provider, srv, reader):
        play(provider, range(len(script)))
        events = drain(reader)
        final = match_of(srv, "espn-391")
    told = story(events)
    assert [t for t in told if t[0] == "goal"] == FINAL_GOALS
    kicks = [
        (e.json["team"], e.json["player"], e.json["scored"])
        for e in events
        if e.event == "penalty_shootout"
    ]
    assert kicks == [
        ("away", "Kylian Mbappé", True),
        ("home", "Lionel Messi", True),
        ("away", "Kingsley Coman", False),
        ("home", "Paulo Dybala", True),
        ("away", "Aurélien Tchouaméni", False),
        ("home", "Leandro Paredes", True),
        ("away", "Randal Kolo Muani", True),
        ("home", "Gonzalo Montiel", True),
    ]
    assert (final["status"], final["penalties"]) == ("full_time", {"home": 4, "away": 2})
    # ESPN's scoreboard has no substitutions (only its per-match summary does).
    assert not [t for t in told if t[0] == "substitution"]
    assert all(
        r.path == "/apis/site/v2/sports/soccer/fifa.world/scoreboard" for r in provider.requests
    )


def test_a_goal_whose_scorer_arrives_a_poll_later_is_one_goal_then_its_completion():
    script = late_scorer_script()
    with following(script, espn) as (provider, srv, reader):
        play(provider, range(1))
        drain(reader, 0.5)
        provider.advance(1)
        published = time.monotonic()
        goal = reader.until("goal")[-1]
        delay = time.monotonic() - published
        play(provider, range(2, 3))
        later_events = [e for e in drain(reader) if e.event != "clock"]
        timeline = match_of(srv, "espn-391")["events"]
    assert goal.json["player"] is None and goal.json["score"] == {"home": 1, "away": 0}
    assert [e.event for e in later_events] == ["goal_update"]
    update = later_events[0].json
    assert (update["updates"], update["player"], update["minute"], update["penalty"]) == (
        goal.json["id"],
        "Lionel Messi",
        23,
        True,
    )
    goals = [e for e in timeline if e["type"] == "goal"]
    assert [(g["id"], g["player"]) for g in goals] == [(goal.json["id"], "Lionel Messi")]
    # Published within one poll interval (0.2 s) of the provider having it, plus the request.
    assert delay < 1.5, delay


def test_a_var_reversal_takes_back_that_goal_once():
    base = world_cup_2022_final(kickoff=later(5))[1]
    scored = Goal("home", 12, "Lionel Messi")
    script = [
        espn_body(espn_event(replace(base, minute=11))),
        espn_body(espn_event(replace(base, minute=12, goals=(scored,)))),
        espn_body(espn_event(replace(base, minute=14))),
        espn_body(espn_event(replace(base, minute=15))),
    ]
    with following(script, espn) as (provider, srv, reader):
        play(provider, range(len(script)))
        events = [e for e in drain(reader) if e.event not in ("clock", "match_added")]
        match = match_of(srv, "espn-391")
    assert [e.event for e in events] == ["goal", "goal_disallowed"]
    assert events[1].json["cancels"] == events[0].json["id"]
    assert match["score"] == {"home": 0, "away": 0}


def test_a_postponed_match_stays_scheduled_and_says_so():
    base = world_cup_2022_final(kickoff=later(120))[0]
    script = [fd_body(fd_match(base)), fd_body(fd_match(replace(base, phase="postponed")))]
    with following(script, football_data) as (provider, _srv, reader):
        play(provider, range(len(script)))
        events = drain(reader)
    # (The first sight may come in the stream's snapshot or as a match_added of its own.)
    assert {e.event for e in events} == {"match_added"}
    assert (events[-1].json["status"], events[-1].json["round"]) == (
        "scheduled",
        "Final · postponed",
    )


def test_provider_down_then_429_with_retry_after_then_back():
    states = world_cup_2022_final(kickoff=later(5))
    live, scored = replace(states[1], minute=10), replace(states[2], minute=30)
    script = [
        fd_body(fd_match(live)),
        Reply(drop=True),  # the provider went away
        Reply(
            429,
            {"message": "You reached your request limit.", "errorCode": 429},
            {"Retry-After": "2"},
        ),
        fd_body(fd_match(scored)),
    ]
    with following(script, football_data) as (provider, srv, reader):
        play(provider, range(1))
        provider.advance(1)
        provider.wait_served(1, 1)
        assert provider_state(srv)["state"] in ("delayed", "down")
        health = wait_until(
            lambda: (h := provider_state(srv))["state"] == "down" and h, what="provider down"
        )
        assert "RemoteProtocolError" in health["last_error"]
        provider.advance(2)
        provider.wait_served(2, 1)
        provider.advance(3)
        provider.wait_served(3, 2)
        events = [e for e in drain(reader) if e.event != "clock"]
        health = provider_state(srv)
        log = srv.log
    limited = next(r.at for r in provider.requests if r.step == 2)
    back = next(r.at for r in provider.requests if r.step == 3)
    assert back - limited >= 2.0  # Retry-After honoured
    # After the provider was down, its first answer is taken in silently: the current score,
    # no burst of goals that happened while nothing was known.
    assert [e.event for e in events] == ["match_added"]
    assert events[0].json["score"] == {"home": 1, "away": 0}
    assert health["state"] == "ok" and health["last_success"]
    # Each failure logged once (and again when its kind changed), not once per poll.
    assert log.count("poll failed") == 2, log
    assert log.count("the provider is down") == 1
    assert log.count("polling again after") == 1


def test_a_schema_surprise_is_logged_once_and_the_other_matches_go_on():
    states = world_cup_2022_final(kickoff=later(5))
    broken = fd_match(replace(states[1], id=500, minute=5))
    broken["homeTeam"] = {"id": 1}  # a renamed field: no name any more
    ok_then, ok_now = replace(states[1], minute=20), replace(states[2], minute=23)
    script = [
        fd_body(broken, fd_match(ok_then)),
        fd_body(broken, fd_match(ok_now)),
        {"errors": "the whole response changed"},
        fd_body(broken, fd_match(replace(ok_now, minute=25))),
    ]
    with following(script, football_data) as (provider, srv, reader):
        play(provider, range(2))
        provider.advance(2)
        provider.wait_served(2, 4)
        play(provider, range(3, 4))
        events = [e for e in drain(reader) if e.event != "clock"]
        log = srv.log
        matches = httpx.get(srv.url + "/api/matches", timeout=5).json()["matches"]
    assert [e.event for e in events if e.event != "match_added"] == ["goal"]
    # After the outage the match comes back silently, its score unchanged.
    assert all(
        e.json["score"] == {"home": 1, "away": 0} for e in events if e.event == "match_added"
    )
    assert [m["id"] for m in matches] == ["fd-391"]
    assert log.count("match 500: homeTeam has no name") == 1, log
    assert log.count("unreadable response") == 1, log


def test_a_server_restart_mid_match_repeats_nothing_and_skips_nothing(tmp_path: Path):
    states = world_cup_2022_final(kickoff=later(5))
    script = [espn_body(espn_event(s)) for s in states]
    # Up to 2-0 (3: Di María 36') before the restart; 2-1 (Mbappé 80') while it is down.
    before, during = 3, 11
    store = str(tmp_path / "provider.sqlite3")
    with ScriptedProvider(script, advance="manual") as provider:
        first = start_server(*espn(provider.url), "--store", store)
        try:
            with StreamReader(first.url + "/live-scores") as reader:
                reader.next()
                play(provider, range(before + 1))
                seen = drain(reader, 0.5)
        finally:
            first.kill()  # as a crash would
        provider.advance(during)
        with run_server(*espn(provider.url), "--store", store) as second:
            last_id = seen[-1].id
            with StreamReader(
                second.url + "/live-scores", headers={"Last-Event-ID": last_id}
            ) as reader:
                provider.wait_served(during, 2)
                resumed = drain(reader)
            final = match_of(second, "espn-391")
    everything = [e for e in seen + resumed if e.event != "clock"]
    goals = [(e.json["minute"], e.json["player"]) for e in everything if e.event == "goal"]
    # Every goal once: none repeated after the restart, and the 80th minute's (published
    # while the server was down) not skipped.
    assert goals == [(23, "Lionel Messi"), (36, "Ángel Di María"), (80, "Kylian Mbappé")]
    assert resumed[0].event != "snapshot"  # the durable store kept the ids: a clean resume
    assert final["score"] == {"home": 2, "away": 1}
    assert [e.event for e in everything].count("kickoff") == 1


def test_polling_is_fast_while_live_slow_when_idle_and_inside_the_budget():
    scheduled = world_cup_2022_final(kickoff=later(120))[0]  # kicks off in two hours
    live = replace(world_cup_2022_final(kickoff=later(-10))[1], minute=10)
    script = [fd_body(fd_match(scheduled)), fd_body(fd_match(live))]
    pace = ("--provider-poll", "0.3", "--provider-idle", "1.5", "--provider-budget", "600")
    provider = ScriptedProvider(script, advance="manual")
    with provider, run_server(*football_data(provider.url, "--store", ":memory:", pace=pace)):
        provider.wait_served(0, 4)
        provider.advance(1)
        provider.wait_served(1, 8)
    assert 1.3 <= statistics.median(gaps(provider, 0)) <= 2.5, gaps(provider, 0)
    assert 0.25 <= statistics.median(gaps(provider, 1)) <= 0.8, gaps(provider, 1)

    # A budget of 30 a minute holds however fast the polls are asked for: one every 2 s.
    with ScriptedProvider([fd_body(fd_match(live))]) as provider:
        args = ("--provider", "football-data", "--provider-token", TOKEN)
        fast = ("--provider-poll", "0.05", "--provider-budget", "30", "--store", ":memory:")
        with run_server(*args, "--provider-url", provider.url, *fast):
            time.sleep(5)
        sent = [r.at for r in provider.requests]
    assert 2 <= len(sent) <= 4, sent
    assert all(b - a >= 1.9 for a, b in itertools.pairwise(sent)), sent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--provider", "football-data"), "football-data needs a token"),
        (("--provider", "espn"), "espn needs --competitions"),
        (("--provider", "espn", "--competitions", "eng.1,../x"), "not a competition code: '../x'"),
    ],
)
def test_a_provider_that_cannot_be_set_up_stops_the_server_with_a_message(
    args, message, monkeypatch
):
    monkeypatch.delenv("TOUCHLINE_PROVIDER_TOKEN", raising=False)
    out = run_cli("--port", "0", *args)
    assert out.returncode == 2
    assert message in out.stderr.strip().splitlines()[-1]


def test_help_never_shows_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("TOUCHLINE_PROVIDER_TOKEN", TOKEN)
    out = run_cli("--help")
    assert out.returncode == 0 and "--provider-token" in out.stdout
    assert TOKEN not in out.stdout


def test_with_a_provider_a_feed_plays_only_when_asked_for():
    base = world_cup_2022_final(kickoff=later(120))[0]
    with ScriptedProvider([fd_body(fd_match(base))]) as provider:
        with run_server(*football_data(provider.url, "--store", ":memory:")) as alone:
            provider.wait_served(0, 2)
            ids = {m["id"] for m in httpx.get(alone.url + "/api/matches").json()["matches"]}
            assert ids == {"fd-391"}
        args = football_data(provider.url, "--store", ":memory:", "--feed", "demo")
        with run_server(*args) as both:
            provider.wait_served(0, 4)
            ids = {m["id"] for m in httpx.get(both.url + "/api/matches").json()["matches"]}
    assert "fd-391" in ids and len(ids) > 1
