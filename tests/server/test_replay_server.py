"""Feeds through the real ``touchline-server``: a replay reaches the real results; a bad feed
stops the server before it starts, with the feed's message."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.serverproc import run_cli, run_server
from tests.support.sse_reader import StreamReader
from tests.support.wait import wait_until

FIXTURES = Path(__file__).parents[1] / "feeds"


def test_server_replays_an_openfootball_feed_to_the_real_final_scores() -> None:
    path = FIXTURES / "worldcup2022-excerpt.json"
    source = json.loads(path.read_text(encoding="utf-8"))["matches"]
    with run_server("--feed", str(path), "--speed", "100000") as srv:

        def board() -> list[dict]:
            return httpx.get(srv.url + "/api/matches", timeout=5).json()["matches"]

        def finished() -> list[dict] | None:
            matches = board()
            done = len(matches) == len(source) and all(m["status"] == "full_time" for m in matches)
            return matches if done else None

        matches = wait_until(finished, 30, lambda: f"every match at full time: {board()}")
    by_teams = {(m["home"]["name"], m["away"]["name"]): m for m in matches}
    for raw in source:
        match = by_teams[(raw["team1"], raw["team2"])]
        final = raw["score"].get("et") or raw["score"]["ft"]
        assert [match["score"]["home"], match["score"]["away"]] == final
        pens = raw["score"].get("p")
        assert (pens and [match["penalties"]["home"], match["penalties"]["away"]]) == pens
    final = by_teams[("Argentina", "France")]
    assert [e["type"] for e in final["events"]][-2:] == ["penalty_shootout", "full_time"]


def test_malformed_feed_stops_the_server_with_exit_2_and_the_feeds_message(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"matches": [], "events": [{"match": "ars-chx", "type": "kickoff"}]})
    )
    out = run_cli("--feed", str(path), "--port", "0")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        f"touchline-server: error: {path}: events[0]: unknown match 'ars-chx'"
    )


def test_the_stream_says_how_fast_each_matchs_clock_runs() -> None:
    """``clock_rate``: a replayed match's clock runs at the replay's speed, a live scorer's at
    1, so a client can run the minute on between events (docs/protocol.md)."""
    with run_server("--feed", "demo", "--speed", "60", "--store", ":memory:") as srv:
        created = httpx.post(
            srv.url + "/api/matches",
            json={"id": "live", "home": "A", "away": "B"},
            headers=srv.headers(),
            timeout=5,
        )
        assert created.status_code == 201 and created.json()["clock_rate"] == 1.0
        with StreamReader(srv.url + "/live-scores") as stream:
            [snapshot] = stream.until("snapshot")
        rates = {m["id"]: m["clock_rate"] for m in snapshot.json["matches"]}
    assert rates.pop("live") == 1.0
    assert len(rates) == 6 and set(rates.values()) == {60.0}
