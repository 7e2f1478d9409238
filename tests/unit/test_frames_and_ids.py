"""server.core.frames and server.core.event_ids in-process: the bytes a stream sends, and the
ids a client sends back. (The stream tests in tests/server/ check them over HTTP.)"""

from __future__ import annotations

import json
import re

import pytest

from server.core.event_ids import event_id, parse_id
from server.core.frames import PING, RETRY_HINT, RETRY_MS, Frame, classic_frame, encode, farewell

# --- event ids ------------------------------------------------------------------------------


def test_an_id_is_the_epoch_and_the_sequence() -> None:
    assert event_id("19a2b3c4d5e6", 42) == "19a2b3c4d5e6-42"


def test_an_id_of_this_epoch_gives_back_its_sequence() -> None:
    assert parse_id("19a2b3c4d5e6", "19a2b3c4d5e6-42") == 42
    assert parse_id("19a2b3c4d5e6", "19a2b3c4d5e6-0") == 0
    assert parse_id("ab", event_id("ab", 7)) == 7


def test_surrounding_white_space_is_ignored() -> None:
    assert parse_id("ab", "  ab-7 \t") == 7


def test_an_epoch_may_itself_contain_dashes() -> None:
    assert parse_id("2026-06-11", "2026-06-11-5") == 5


@pytest.mark.parametrize(
    "sent",
    [
        None,
        "",
        "ab",  # no sequence
        "ab-",  # empty sequence
        "-7",  # no epoch
        "cd-7",  # another epoch (a restarted in-memory server)
        "ab-7x",
        "ab--7",
        "ab-+7",
        "ab-7.0",
        "ab-²",  # a digit to str.isdigit(), not to int()
        "ab-١٢",  # Arabic-Indic digits: not an id this server made
    ],
)
def test_an_id_from_elsewhere_or_garbage_has_no_sequence(sent: str | None) -> None:
    assert parse_id("ab", sent) is None


# --- frames ---------------------------------------------------------------------------------


def test_an_event_frame_has_id_event_and_data_lines() -> None:
    assert (
        encode("ab-3", "goal", '{"a": 1}') == b'id: ab-3\r\nevent: goal\r\ndata: {"a": 1}\r\n\r\n'
    )


def test_every_stream_opens_with_the_retry_hint_and_pings_with_a_comment() -> None:
    assert (RETRY_HINT, RETRY_MS) == (b"retry: 3000\n\n", 3000)
    assert PING == b": ping\n\n"


def test_farewell_asks_clients_back_within_one_to_five_seconds() -> None:
    seen = set()
    for _ in range(200):
        frame = farewell()
        found = re.fullmatch(
            rb": the server is shutting down; reconnect with Last-Event-ID\n\nretry: (\d+)\n\n",
            frame,
        )
        assert found, frame
        seen.add(int(found[1]))
    assert min(seen) >= 1000 and max(seen) <= 5000
    assert len(seen) > 100  # spread, so a crowd does not come back at once


def summary(frame: bytes) -> dict:
    text = frame.decode()
    assert text.startswith("data: Match Summary: ") and text.endswith("\r\n\r\n"), text
    return json.loads(text.removeprefix("data: Match Summary: "))


def test_classic_frame_of_a_new_match_names_the_fixture() -> None:
    data = {
        "score": {"home": 0, "away": 0},
        "home": {"name": "Arsenal"},
        "away": {"name": "Chelsea"},
        "competition": "Premier League",
    }
    assert summary(classic_frame("match_added", data)) == {
        "time": "00:00",
        "scores": "Arsenal 0:0 Chelsea",
        "event": "Arsenal v Chelsea (Premier League)",
    }


@pytest.mark.parametrize(
    ("minute", "added", "clock"),
    [(67, None, "67'"), (90, 3, "90+3'"), (45, 0, "45'"), (None, None, "")],
)
def test_classic_frame_of_an_event_has_its_clock_score_and_text(
    minute: int | None, added: int | None, clock: str
) -> None:
    data = {"minute": minute, "added": added, "score": {"home": 2, "away": 1}, "text": "Goal!"}
    assert summary(classic_frame("goal", data)) == {
        "time": clock,
        "scores": "2:1",
        "event": "Goal!",
    }


def test_classic_frame_of_an_event_without_text_says_its_type() -> None:
    data = {"minute": 12, "score": {"home": 0, "away": 0}, "text": ""}
    assert summary(classic_frame("clock", data))["event"] == "clock"


def test_classic_frame_keeps_non_ascii_text_as_it_is() -> None:
    data = {"minute": 5, "score": {"home": 1, "away": 0}, "text": "Gól! Müller"}
    assert "Gól! Müller" in classic_frame("goal", data).decode()


def test_a_frame_makes_its_classic_form_once() -> None:
    data = json.dumps({"minute": 9, "score": {"home": 1, "away": 0}, "text": ""})
    frame = Frame(1, "goal", "m", data, encode("ab-1", "goal", data))
    first = frame.classic()
    assert summary(first) == {"time": "9'", "scores": "1:0", "event": "goal"}
    assert frame.classic() is first
