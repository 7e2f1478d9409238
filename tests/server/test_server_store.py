"""The durable store: restarts and kill -9 lose nothing; bad SQLite stores are refused.

The first tests run on Redis too (TOUCHLINE_TEST_STORE=redis, tests/support/serverproc.py),
where the store a restarted server finds again is the Redis kept for its path; those marked
``sqlite`` are about the SQLite file itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.support.serverproc import TEST_STORE, run_cli, run_server, start_server
from tests.support.sse_reader import StreamReader
from tests.support.wait import wait_until

#: A server with no feed on any port: what the starts meant to fail add their --store to.
NO_FEED = ("--feed", "none", "--port", "0")


def board(srv) -> dict:
    return httpx.get(f"{srv.url}/api/matches").json()


def goals(srv) -> int:
    return sum(m["score"]["home"] + m["score"]["away"] for m in board(srv)["matches"])


def all_finished(srv) -> bool:
    return all(m["status"] == "full_time" for m in board(srv)["matches"])


def test_kill_9_then_restart_keeps_matches_scores_and_event_ids(tmp_path):
    store = str(tmp_path / "live.sqlite3")
    first = start_server("--feed", "none", "--store", store)
    try:
        match_id = first.add_match(home="Arsenal", away="Chelsea")
        first.publish(match_id, type="kickoff")
        goal = first.publish(match_id, type="goal", team="home", minute=12, player="Saka")
        before = board(first)
    finally:
        first.kill()  # SIGKILL: no shutdown, no checkpoint
    with run_server("--feed", "none", "--store", store, token=first.token) as again:
        after = board(again)
        later = again.publish(match_id, type="goal", team="away", minute=20)
    assert after == before
    assert after["last_event_id"] == goal
    # Same epoch, next number: ids stay strictly increasing across the crash.
    assert later.rpartition("-")[0] == goal.rpartition("-")[0]
    assert int(later.rpartition("-")[2]) == int(goal.rpartition("-")[2]) + 1


def test_viewer_resuming_after_a_restart_gets_exactly_the_events_it_missed(tmp_path):
    store = str(tmp_path / "live.sqlite3")
    first = start_server("--feed", "none", "--store", store)
    try:
        match_id = first.add_match(home="A", away="B")
        first.publish(match_id, type="kickoff")
        ids = [first.publish(match_id, type="clock", minute=m) for m in range(1, 6)]
    finally:
        first.kill()
    with run_server("--feed", "none", "--store", store, token=first.token) as again:
        missed = [again.publish(match_id, type="clock", minute=m) for m in range(6, 9)]
        with StreamReader(f"{again.url}/live-scores", headers={"Last-Event-ID": ids[2]}) as r:
            got = [r.next().id for _ in range(5)]
    assert got == ids[3:] + missed


def test_feed_replay_resumes_after_kill_9_without_repeating_or_skipping(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path)}  # the default store, as users have it
    args = ("--feed", "demo", "--speed", "2000")
    first = start_server(*args, env=env)
    try:
        wait_until(lambda: goals(first) >= 3, 30, "the demo to score 3 goals")
    finally:
        first.kill()
    if TEST_STORE == "sqlite":  # (on Redis, the data folder stands for a Redis of its own)
        assert (tmp_path / "touchline" / "server" / "demo.sqlite3").exists()
    with run_server(*args, env=env) as again:
        # (On Redis, once the killed server's lease on the replay has expired.)
        again.wait_for_line("resuming Touchline demo matchday", 15)
        wait_until(lambda: all_finished(again), 60, "the resumed demo to finish")
        final = board(again)["matches"]
    with run_server("--feed", "demo", "--speed", "1000000", "--store", ":memory:") as fresh:
        wait_until(lambda: all_finished(fresh), 60, "a fresh run of the demo to finish")
        expected = board(fresh)["matches"]

    def timeline(matches):
        return {
            m["id"]: [
                (e["type"], e["minute"], e["added"], e["team"], e["player"]) for e in m["events"]
            ]
            for m in matches
        }

    assert timeline(final) == timeline(expected)
    assert {m["id"]: m["score"] for m in final} == {m["id"]: m["score"] for m in expected}


def make_store(path: Path) -> None:
    with run_server("--feed", "none", "--store", str(path)):
        pass


@pytest.mark.sqlite
def test_store_of_an_incompatible_version_is_refused_with_exit_2(tmp_path):
    path = tmp_path / "old.sqlite3"
    make_store(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    out = run_cli(*NO_FEED, "--store", str(path))
    assert out.returncode == 2
    assert "incompatible version" in out.stderr and str(path) in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not sqlite at all" * 100, "not a Touchline store")],
)
def test_corrupt_store_is_refused_with_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(content)
    out = run_cli(*NO_FEED, "--store", str(path))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert path.read_bytes() == content  # never silently reset


@pytest.mark.sqlite
def test_other_sqlite_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE photos (id INTEGER)")
    out = run_cli(*NO_FEED, "--store", str(path))
    assert out.returncode == 2
    assert "not a Touchline store" in out.stderr


@pytest.mark.sqlite
def test_unwritable_store_location_is_refused_with_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = run_cli(*NO_FEED, "--store", str(blocker / "store.sqlite3"))
    assert out.returncode == 2
    assert str(blocker) in out.stderr and "Traceback" not in out.stderr


@pytest.mark.sqlite
def test_second_server_on_the_same_store_is_refused_with_exit_2(tmp_path):
    path = tmp_path / "shared.sqlite3"
    with run_server("--feed", "none", "--store", str(path)):
        out = run_cli(*NO_FEED, "--store", str(path))
    assert out.returncode == 2
    assert "in use by another touchline-server" in out.stderr


def test_ids_older_than_the_kept_history_get_a_snapshot_after_restart(tmp_path):
    store = str(tmp_path / "live.sqlite3")
    first = start_server("--feed", "none", "--store", store, "--history", "20")
    try:
        match_id = first.add_match(home="A", away="B")
        old = first.publish(match_id, type="kickoff")
        for m in range(1, 40):
            first.publish(match_id, type="clock", minute=m)
    finally:
        first.stop()
    with (
        run_server("--feed", "none", "--store", store, "--history", "20") as again,
        StreamReader(f"{again.url}/live-scores", headers={"Last-Event-ID": old}) as reader,
    ):
        snap = reader.next()
    assert snap.event == "snapshot"
    assert snap.json["matches"][0]["minute"] == 39
    assert [e["type"] for e in snap.json["matches"][0]["events"]] == ["kickoff"]
