"""goal_update and named goal_disallowed: the match rules for a goal completed later and a
goal taken back by id, and what viewers that predate goal_update make of it."""

from __future__ import annotations

import pytest

from desktop.stream.item_parser import ItemParser
from server.core.match_state import Conflict, apply_event, validate_shape
from server.wire import EventIn, Match, Snapshot
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


def test_viewers_that_predate_goal_update_skip_it_and_read_every_snapshot(caplog):
    feed, m = kicked_off()
    goal = feed("m", "goal", team="home")
    update = apply_event(
        m, EventIn(type="goal_update", updates=goal.id, player="Raúl Jiménez"), "u"
    )
    parser = ItemParser()  # knows the match event names of server.wire.EventType only
    assert parser.parse("goal_update", update.model_dump_json(), "1-7") == []
    assert "unknown event 'goal_update'" in caplog.text  # skipped, logged, the stream goes on
    [item] = parser.parse("snapshot", Snapshot(matches=[m]).model_dump_json(), "1-8")
    assert [e.player for e in item.snapshot.matches[0].events if e.type == "goal"] == [
        "Raúl Jiménez"
    ]
