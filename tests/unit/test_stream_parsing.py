"""desktop.stream.sse_parser and item_parser on bytes in memory, and the notice settings' JSON.

tests/viewer/test_sse_spec.py drives the same parser through a real socket and the stream
client; these check the rules that need no connection, quickly, where they live."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem
from desktop.core.notify_settings import NoticeSettings
from desktop.stream.item_parser import ItemParser
from desktop.stream.sse_parser import Dispatch, EventStreamParser
from server.wire import Match, MatchEvent, Score, Snapshot, Team

MATCH = Match(
    id="m",
    competition="Cup",
    home=Team(name="Malmö FF"),
    away=Team(name="Away"),
    kickoff=datetime(2026, 6, 11, 19, 0, tzinfo=UTC),
)
GOAL = MatchEvent(id="g-1", type="goal", match="m", team="home", score=Score(home=1), status="live")

# --- the SSE parser ---


def test_a_fresh_parser_has_no_last_event_id() -> None:
    parser = EventStreamParser()
    assert parser.last_event_id == ""
    assert parser.feed(b"data: x\n\n") == [Dispatch("message", "x", "")]


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"data: caf\xe9 \xff!\n\n") == [Dispatch("message", "caf\ufffd \ufffd!", "")]


def test_a_stream_may_open_with_a_blank_line() -> None:
    assert EventStreamParser().feed(b"\ndata: x\n\n") == [Dispatch("message", "x", "")]


def test_event_type_is_reset_after_each_dispatch() -> None:
    parser = EventStreamParser()
    out = parser.feed(b"event: goal\ndata: a\n\ndata: b\n\nevent: card\n\ndata: c\n\n")
    assert [(d.type, d.data) for d in out] == [("goal", "a"), ("message", "b"), ("message", "c")]


# --- stream items ---


def test_match_added_becomes_an_item_with_its_stream_id() -> None:
    [item] = ItemParser().parse("match_added", MATCH.model_dump_json(), "e-3")
    assert item == MatchAddedItem(MATCH, "e-3")


def test_snapshot_and_match_events_become_items_with_their_stream_ids() -> None:
    parser = ItemParser()
    snap = Snapshot(matches=[MATCH])
    assert parser.parse("snapshot", snap.model_dump_json(), "e-1") == [SnapshotItem(snap, "e-1")]
    assert parser.parse("goal", GOAL.model_dump_json(), "e-2") == [EventItem(GOAL, "e-2")]


@pytest.mark.parametrize("data", [None, ""])
def test_an_event_without_data_carries_nothing(data: str | None) -> None:
    assert ItemParser().parse("goal", data, "e-1") == []


def test_an_event_named_for_another_type_is_skipped_saying_what_it_carried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="touchline.stream"):
        assert ItemParser().parse("card", GOAL.model_dump_json(), "e-4") == []
    assert "event named 'card' carries a 'goal' event" in caplog.text


def test_unknown_and_malformed_events_are_skipped() -> None:
    parser = ItemParser()
    assert parser.parse("weather", "{}", "e-5") == []
    assert parser.parse("match_added", "{not json", "e-6") == []
    assert parser.parse("goal", '{"id": "x"}', "e-7") == []


def test_a_classic_message_becomes_a_one_match_snapshot() -> None:
    parser = ItemParser()
    parser.new_connection()
    items = parser.parse(
        "message", 'Match Summary: {"time": "", "scores": "0:0", "event": "X"}', None
    )
    assert [type(i) for i in items] == [SnapshotItem]
    assert items[0].snapshot.matches[0].home.name == "Team A"


# --- notice settings as saved ---


def test_settings_from_nothing_are_the_defaults() -> None:
    assert NoticeSettings.from_dict({}) == NoticeSettings()
    assert NoticeSettings().to_dict()["mute_until"] is None


def test_blank_favourites_are_dropped() -> None:
    s = NoticeSettings.from_dict({"favourites": ["Arsenal", " ", "", 7]})
    assert s.favourites == {"Arsenal", "7"}


@pytest.mark.parametrize(
    ("saved", "minutes"),
    [(15, 15), (1, 1), (0, None), (-5, None), ("ten", None), (None, None)],
)
def test_reminder_minutes_must_be_a_positive_whole_number(
    saved: object, minutes: int | None
) -> None:
    assert NoticeSettings.from_dict({"reminder_minutes": saved}).reminder_minutes == minutes
