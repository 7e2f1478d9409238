"""desktop.core.state: what each change reports, clearing the board, and bursts."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.core.state import Change, Scoreboard, red_cards
from server.core.match_state import apply_event
from server.wire import EventIn, Match, MatchEvent, Score, Snapshot, Team


class Server:
    """The server's side of one match: makes the events a stream would carry."""

    def __init__(self, match_id: str = "m") -> None:
        self.match = Match(
            id=match_id,
            competition="Premier League",
            home=Team(name="Arsenal"),
            away=Team(name="Chelsea"),
            kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
        )
        self.n = 0

    def make(self, type: str, **fields: object) -> MatchEvent:
        self.n += 1
        ev = EventIn(type=type, **fields)
        return apply_event(self.match, ev, f"{self.match.id}-{self.n}")


def board_with(server: Server) -> Scoreboard:
    board = Scoreboard()
    board.apply_match(server.match)
    return board


def fields(changes: list[Change]) -> set[str]:
    [change] = changes
    return set(change.fields)


def test_a_new_board_is_empty_covers_no_id_and_is_not_in_a_burst() -> None:
    board = Scoreboard()
    assert (board.matches, board.last_event_id, board.in_batch) == ({}, None, False)


def test_a_shootout_kick_that_scores_reports_the_penalties_changed() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    assert fields(board.apply_event(s.make("penalty_shootout", team="home", scored=True))) == {
        "events",
        "status",
        "penalties",
    }
    assert board.matches["m"].penalties == Score(home=1, away=0)
    assert fields(board.apply_event(s.make("penalty_shootout", team="away", scored=True))) == {
        "events",
        "penalties",
    }


def test_a_kick_that_misses_reports_no_penalties_change() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    board.apply_event(s.make("penalty_shootout", team="home", scored=True))
    assert fields(board.apply_event(s.make("penalty_shootout", team="away", scored=False))) == {
        "events"
    }


def test_the_board_takes_the_penalties_from_the_event_even_when_they_go() -> None:
    s = Server()
    board = board_with(s)
    board.matches["m"].penalties = Score(home=3, away=2)  # what an older snapshot said
    board.apply_event(s.make("kickoff"))
    assert board.matches["m"].penalties is None


def test_an_event_that_does_not_change_the_score_does_not_report_it() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    board.apply_event(s.make("goal", team="home", minute=5))
    assert fields(board.apply_event(s.make("card", team="away", card="yellow", minute=5))) == {
        "events"
    }


def test_the_shootout_does_not_move_the_boards_clock() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    board.apply_event(s.make("clock", minute=120, added=2))
    board.apply_event(s.make("penalty_shootout", team="home", scored=True, minute=122))
    assert (board.matches["m"].minute, board.matches["m"].added) == (120, 2)


def test_clock_ticks_only_move_a_match_in_play_and_need_a_minute() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    board.apply_event(s.make("clock", minute=44))
    tick = s.make("clock", minute=45)
    tick.minute = None  # a malformed tick
    assert board.apply_event(tick) == []
    board.apply_event(s.make("half_time"))
    late = s.make("second_half")
    late.type, late.minute, late.status = "clock", 50, "half_time"  # a tick in the break
    assert board.apply_event(late) == []
    assert board.matches["m"].minute == 45  # where half time stopped it


def test_red_cards_count_every_sending_off_per_side() -> None:
    s = Server()
    s.make("kickoff")
    for team, card in [("home", "red"), ("home", "second_yellow"), ("away", "red")]:
        s.make("card", team=team, card=card)
    s.make("card", team="away", card="yellow")
    assert red_cards(s.match) == (2, 1)


def test_the_stream_id_covered_is_the_one_given_else_the_events() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"), "stream-7")
    assert board.last_event_id == "stream-7"
    ev = s.make("goal", team="home")
    board.apply_event(ev)
    assert board.last_event_id == ev.id


def test_the_board_keeps_its_own_copy_of_a_match() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))
    board.apply_event(s.make("goal", team="home"))
    assert len(board.matches["m"].events) == 2
    theirs = Server()
    mine = board_with(theirs)
    mine.apply_event(theirs.make("kickoff"))
    assert theirs.match.events[0].type == "kickoff" and len(theirs.match.events) == 1
    assert mine.matches["m"] is not theirs.match
    mine.matches["m"].events.clear()
    assert len(theirs.match.events) == 1


def test_after_a_snapshot_an_event_it_already_held_is_not_applied_twice() -> None:
    s = Server()
    board = board_with(s)
    board.apply_event(s.make("kickoff"))  # the board has now seen the kick-off's id
    goal = s.make("goal", team="home")
    board.apply_snapshot(Snapshot(matches=[s.match.model_copy(deep=True)]))  # holds the goal
    assert board.apply_event(goal) == []
    assert [e.type for e in board.matches["m"].events] == ["kickoff", "goal"]


def test_clear_removes_every_match_in_order_and_forgets_the_stream_id() -> None:
    board = Scoreboard()
    board.apply_snapshot(
        Snapshot(matches=[Server("a").match, Server("b").match, Server("c").match]), "x-9"
    )
    heard: list[Change] = []
    board.subscribe(heard.append)
    out = board.clear()
    assert out == [Change("removed", "a"), Change("removed", "b"), Change("removed", "c")]
    assert heard == out
    assert (board.matches, board.last_event_id) == ({}, None)


def test_after_clear_a_match_and_its_events_can_come_back() -> None:
    s = Server()
    board = board_with(s)
    kickoff = s.make("kickoff")
    board.apply_event(kickoff)
    board.clear()
    fresh = Server()
    board.apply_match(fresh.match)
    assert len(board.apply_event(kickoff)) == 1


def test_a_burst_ends_once_with_the_outermost_batch() -> None:
    board = Scoreboard()
    ended: list[bool] = []
    board.on_batch_end(lambda: ended.append(board.in_batch))
    with board.batch():
        assert board.in_batch
        with board.batch():
            board.apply_match(Server("a").match)
        assert ended == []
        assert board.in_batch
    assert ended == [False]
    assert not board.in_batch


def test_a_burst_listener_can_stop_listening() -> None:
    board = Scoreboard()
    ended: list[str] = []
    stop = board.on_batch_end(lambda: ended.append("a"))
    board.on_batch_end(lambda: ended.append("b"))
    stop()
    stop()  # twice is harmless
    with board.batch():
        pass
    assert ended == ["b"]


def test_a_broken_burst_listener_does_not_stop_the_others() -> None:
    board = Scoreboard()
    ended: list[str] = []

    def broken() -> None:
        raise RuntimeError("a view fell over")

    board.on_batch_end(broken)
    board.on_batch_end(lambda: ended.append("after"))
    with board.batch():
        pass
    assert ended == ["after"]
