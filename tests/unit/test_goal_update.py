"""goal_update and named goal_disallowed: the match rules for a goal completed later and a
goal taken back by id, and how the viewer's board completes that goal live."""

from __future__ import annotations

import pytest

from desktop.core.items import apply_item
from desktop.core.state import Scoreboard
from desktop.stream.item_parser import ItemParser
from server.core.match_state import Conflict, apply_event, validate_shape
from server.wire import EventIn, Match, MatchEvent, Score, Snapshot
from tests.support.matchdata import Feed, match


def kicked_off() -> tuple[Feed, Match]:
    feed = Feed(match("m"))
    feed("m", "kickoff")
    return feed, feed.matches["m"]


def test_a_goal_update_completes_the_goal_in_place_and_changes_no_score_or_clock():
    feed, m = kicked_off()
    goal = feed("m", "goal", team="home")
    feed("m", "clock", minute=30)
    update = apply_event(
        m,
        EventIn(
            type="goal_update", updates=goal.id, player="Raúl Jiménez", minute=23, penalty=True
        ),
        "1-99",
    )
    assert (update.type, update.updates, update.player, update.minute) == (
        "goal_update",
        goal.id,
        "Raúl Jiménez",
        23,
    )
    assert update.text == "Goal for Mexico: Raúl Jiménez (penalty), 23'"
    assert str(update.score) == "1–0" and update.status == "live"
    # The timeline keeps one goal, now with its scorer; the update itself is not kept.
    assert [(e.type, e.id, e.player, e.minute, e.penalty) for e in m.events[1:]] == [
        ("goal", goal.id, "Raúl Jiménez", 23, True)
    ]
    assert m.events[1].text == "Goal! Raúl Jiménez (penalty) for Mexico, Mexico 1–0 South Africa"
    assert (m.minute, str(m.score)) == (30, "1–0")


def test_a_goal_update_after_full_time_and_one_that_names_no_goal():
    feed, m = kicked_off()
    goal = feed("m", "goal", team="away")
    feed("m", "full_time")
    update = apply_event(m, EventIn(type="goal_update", updates=goal.id, player="Lyle Foster"), "x")
    assert update.status == "full_time" and m.events[1].player == "Lyle Foster"
    with pytest.raises(Conflict, match="no goal 'nope'"):
        apply_event(m, EventIn(type="goal_update", updates="nope", player="X"), "y")
    with pytest.raises(Conflict, match="counts for away"):
        apply_event(m, EventIn(type="goal_update", updates=goal.id, team="home"), "z")


def test_a_named_goal_is_the_one_disallowed():
    feed, m = kicked_off()
    first = feed("m", "goal", team="home")
    feed("m", "goal", team="home")
    taken = apply_event(m, EventIn(type="goal_disallowed", team="home", cancels=first.id), "d")
    assert taken.cancels == first.id and str(taken.score) == "1–0"
    with pytest.raises(Conflict, match="no standing goal"):
        apply_event(m, EventIn(type="goal_disallowed", team="home", cancels=first.id), "e")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (EventIn(type="goal_update"), "needs updates"),
        (EventIn(type="goal", team="home", updates="1-1"), "updates only applies"),
        (EventIn(type="card", team="home", card="red", cancels="1-1"), "cancels only applies"),
    ],
)
def test_goal_update_and_cancels_shapes(event, message):
    with pytest.raises(ValueError, match=message):
        validate_shape(event)


def test_the_viewer_completes_the_goal_in_place_and_then_agrees_with_every_snapshot():
    feed, m = kicked_off()
    goal = feed("m", "goal", team="home")
    parser, board = ItemParser(), Scoreboard()
    for item in parser.parse("snapshot", Snapshot(matches=[m]).model_dump_json(), "1-6"):
        apply_item(board, item)
    assert board.matches["m"].events[-1].text == "Goal! Mexico for Mexico, Mexico 1–0 South Africa"
    update = apply_event(
        m, EventIn(type="goal_update", updates=goal.id, player="Raúl Jiménez", minute=23), "u"
    )
    [item] = parser.parse("goal_update", update.model_dump_json(), "1-7")
    [change] = apply_item(board, item)
    # One precise change: the timeline's goal row, not the score, status or clock.
    assert (change.kind, change.match_id, change.fields) == ("updated", "m", {"events"})
    assert change.event is not None and change.event.updates == goal.id
    shown = board.matches["m"]
    assert [(e.type, e.id, e.player, e.minute) for e in shown.events[1:]] == [
        ("goal", goal.id, "Raúl Jiménez", 23)
    ]
    assert shown.events[1].text == "Goal! Raúl Jiménez for Mexico, Mexico 1–0 South Africa"
    assert board.last_event_id == "1-7"
    # The viewer's board is the server's: a snapshot after a reconnect changes nothing.
    [item] = parser.parse("snapshot", Snapshot(matches=[m]).model_dump_json(), "1-8")
    assert apply_item(board, item) == []
    # The same update again (a resumed stream) and one for a goal this board never saw.
    assert board.apply_event(update, "1-7") == []
    stray = update.model_copy(update={"id": "1-9", "updates": "nope"})
    assert board.apply_event(stray) == []


def test_a_goal_with_its_publishers_own_text_keeps_it():
    feed, m = kicked_off()
    goal = feed("m", "goal", team="away", text="Foster heads in")
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[m]))
    update = apply_event(
        m, EventIn(type="goal_update", updates=goal.id, player="Lyle Foster", own_goal=False), "u"
    )
    [change] = board.apply_event(update)
    assert change.fields == {"events"}
    assert (board.matches["m"].events[1].player, board.matches["m"].events[1].text) == (
        "Lyle Foster",
        "Foster heads in",
    )


def test_a_goal_that_names_no_side_is_completed_too():
    # The wire lets an event leave its team out (this server never does, another may).
    m = match("m")
    m.status, m.score.home = "live", 1
    goal = MatchEvent(id="g", type="goal", match="m", text="Goal!", score=m.score, status="live")
    m.events = [goal]
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[m]))
    update = goal.model_copy(update={"id": "u", "type": "goal_update", "updates": "g"})
    [change] = board.apply_event(update.model_copy(update={"player": "Saka"}))
    assert change.fields == {"events"}
    assert [(e.id, e.player, e.text) for e in board.matches["m"].events] == [("g", "Saka", "Goal!")]


def test_an_update_finds_its_goal_further_back_and_sets_its_stoppage_and_own_goal():
    feed, m = kicked_off()
    goal = feed("m", "goal", team="away", minute=90)
    feed("m", "card", team="home", player="Álvarez", card="yellow")
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[m]))
    update = apply_event(
        m,
        EventIn(
            type="goal_update", updates=goal.id, player="Montes", minute=90, added=3, own_goal=True
        ),
        "u",
    )
    [change] = board.apply_event(update)
    assert change.fields == {"events"}
    shown = board.matches["m"].events[1]
    assert (shown.id, shown.player, shown.minute, shown.added, shown.own_goal) == (
        goal.id,
        "Montes",
        90,
        3,
        True,
    )


def test_an_update_for_a_match_whose_timeline_is_empty_is_ignored():
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("m")]))  # not kicked off: no events yet
    stray = MatchEvent(
        id="u", type="goal_update", match="m", updates="g", player="Saka", score=Score(),
        status="scheduled",
    )  # fmt: skip
    assert board.apply_event(stray) == []
    assert board.matches["m"].events == []
