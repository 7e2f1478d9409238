"""desktop.core.match_clock: the minute runs on between events, by the wall clock and the
match's clock rate, stops at the breaks, counts added time, and every event corrects it."""

from __future__ import annotations

from datetime import datetime, timedelta

from desktop.core.display import clock_text
from desktop.core.match_clock import MatchClocks, minute_at
from desktop.core.state import Scoreboard
from server.wire import Snapshot
from tests.support.matchdata import KICKOFF, Feed, match

T0 = KICKOFF


class Clock:
    """A hand-moved wall clock for the clocks and the events' ``at``."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float = 0, seconds: float = 0) -> datetime:
        self.now = T0 + timedelta(minutes=minutes, seconds=seconds)
        return self.now


def setup(rate: float = 1.0):
    m = match("m").model_copy(update={"clock_rate": rate})
    feed, board, wall = Feed(m), Scoreboard(), Clock()
    board.apply_snapshot(Snapshot(matches=[m]))
    clocks = MatchClocks(board, now=wall)

    def publish(type: str, **kw: object) -> None:
        ev = feed("m", type, **kw)
        ev.at = wall.now.replace(microsecond=0)  # as the server stamps it
        board.apply_event(ev)

    def shown(minutes: float = 0, seconds: float = 0) -> str:
        now = wall.at(minutes, seconds)
        clocks.advance(now)
        return clock_text(board.matches["m"], shown=clocks.shown(board.matches["m"]))

    return publish, shown, clocks, board, wall


def test_a_live_scorers_match_runs_on_from_kick_off_by_the_wall_clock() -> None:
    publish, shown, *_ = setup()
    publish("kickoff")
    assert shown(0) == "0'"
    assert shown(0, 59) == "0'"
    assert shown(1) == "1'"
    assert shown(35) == "35'"
    assert shown(37, 30) == "37'"  # no event for minutes: it still runs


def test_added_time_then_half_time_stops_the_clock() -> None:
    publish, shown, clocks, _, wall = setup()
    publish("kickoff")
    assert shown(45) == "45'"
    assert shown(47, 10) == "45+2'"
    wall.at(48)
    publish("half_time", minute=45, added=3)
    assert shown(48) == "HT"
    assert shown(60) == "HT"
    assert list(clocks.running()) == []


def test_second_half_starts_at_46_and_runs_as_the_servers_ticks_do() -> None:
    publish, shown, *_ = setup()
    publish("kickoff")
    publish("half_time", minute=45)
    wall = shown(60)
    assert wall == "HT"
    publish("second_half")
    assert shown(60) == "46'"
    assert shown(61) == "46'"  # the server's clock tick for 46' would be redundant too
    assert shown(62) == "47'"
    assert shown(60 + 46) == "90+1'"


def test_each_event_corrects_the_clock() -> None:
    publish, shown, _, _, wall = setup()
    publish("kickoff")
    assert shown(31, 30) == "31'"
    wall.at(31, 40)
    publish("goal", minute=29, team="home")  # the scorer's minute wins: the clock was fast
    assert shown(31, 40) == "29'"
    assert shown(32, 40) == "30'"
    wall.at(33)
    publish("clock", minute=40)  # and a tick puts it forward
    assert shown(33) == "40'"


def test_the_match_clock_rate_runs_a_replay_faster() -> None:
    publish, shown, *_ = setup(rate=30)
    publish("kickoff")
    assert shown(0, 2) == "1'"  # 2 s of wall time at 30x: one match minute
    assert shown(0, 60) == "30'"
    assert shown(0, 94) == "45+2'"


def test_extra_time_runs_from_91_and_106() -> None:
    publish, shown, _, _, wall = setup()
    publish("kickoff")
    publish("half_time", minute=45)
    wall.at(60)
    publish("second_half")
    wall.at(106)
    publish("extra_time")
    assert shown(106) == "ET 91'"
    assert shown(108) == "ET 92'"
    assert shown(122) == "ET 105+1'"
    publish("half_time", minute=105, added=1)
    assert shown(123) == "HT"
    publish("second_half")  # at 123 minutes of wall time
    assert shown(123) == "ET 106'"
    assert shown(125) == "ET 107'"
    assert shown(137) == "ET 119'"
    assert shown(140) == "ET 120+2'"
    publish("penalty_shootout", team="home", scored=True)
    assert shown(150) == "Pens"


def test_a_snapshot_runs_on_from_its_latest_event_and_never_shows_less_than_it_says() -> None:
    feed, wall = Feed(match("m")), Clock()
    kickoff = feed("m", "kickoff")
    kickoff.at = T0
    feed.matches["m"].events.append(kickoff)
    state = feed.matches["m"].model_copy(update={"minute": 35})  # ticks since: not in events
    board = Scoreboard()
    wall.at(40, 30)
    board.apply_snapshot(Snapshot(matches=[state]))
    clocks = MatchClocks(board, now=wall)
    assert clock_text(state, shown=clocks.shown(board.matches["m"])) == "40'"

    wall.at(10)  # a snapshot whose minute is ahead of what its events' times say
    board.apply_snapshot(Snapshot(matches=[state.model_copy(update={"minute": 36})]))
    assert clocks.shown(board.matches["m"]) == (36, None)


def test_the_servers_clock_is_not_the_viewers() -> None:
    _, shown, clocks, board, wall = setup()
    # The server's clock is 10 minutes behind the viewer's: its "at" is read on its own clock.
    clocks.server_clock(T0 - timedelta(minutes=10), T0)
    feed = Feed(board.matches["m"])
    kickoff = feed("m", "kickoff")
    kickoff.at = T0 - timedelta(minutes=10) - timedelta(minutes=20)  # 20 minutes ago
    wall.at(0, 2)
    board.apply_event(kickoff)
    assert shown(0, 2) == "20'"  # ("at" has whole seconds: the clock may be a second late)
    # A server clock ahead of ours can never put a match's minute ahead of its arrival.
    clocks.server_clock(T0 + timedelta(hours=1), T0)
    goal = feed("m", "goal", minute=25, team="home")
    goal.at = T0 + timedelta(hours=2)
    board.apply_event(goal)
    assert shown(0, 2) == "25'"


def test_added_time_stops_counting_at_the_wire_formats_limit() -> None:
    assert minute_at(0, 45 + 500) == (45, 30)


def test_a_match_not_in_play_has_no_running_clock() -> None:
    publish, shown, clocks, board, wall = setup()
    assert "'" not in shown(5)  # scheduled: its kick-off time, no minute
    assert list(clocks.running()) == []
    publish("kickoff")
    assert list(clocks.running()) == ["m"]
    wall.at(50)
    publish("full_time", minute=90, added=4)
    assert list(clocks.running()) == []
    assert clocks.shown(board.matches["m"]) == (90, 4)
    assert shown(200) == "FT"
