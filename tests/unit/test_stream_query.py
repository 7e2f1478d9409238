"""The stream's query, as the fast path parses a raw query string (server/http/stream_query.py);
tests/server/test_server_stream.py checks that the documented route takes the same model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.http.stream_query import FORMATS, StreamQuery, parse_query


def test_no_query_asks_for_every_match_from_a_snapshot():
    query = parse_query(b"")
    assert query == StreamQuery()
    assert query.only() is None and query.format is None and query.resume_from(None) is None


def test_match_repeats_and_the_other_parameters_take_their_last_value():
    query = parse_query(b"match=a&last_event_id=x-1&match=b%20c&last_event_id=x-2&format=classic")
    assert query.match == ["a", "b c"]
    assert query.only() == frozenset({"a", "b c"})
    assert query.last_event_id == "x-2"
    assert query.format == "classic"


def test_unknown_parameters_and_blank_values_are_ignored():
    assert parse_query(b"utm_source=x&format=&match=") == StreamQuery()


@pytest.mark.parametrize("raw", [b"format=xml", b"format=Classic", b"format=classic&format=json"])
def test_a_format_the_server_does_not_speak_is_refused(raw):
    with pytest.raises(ValidationError, match="format"):
        parse_query(raw)


def test_every_format_named_is_accepted():
    assert [parse_query(f"format={f}".encode()).format for f in FORMATS] == list(FORMATS)


def test_the_last_event_id_header_wins_over_the_query_parameter():
    query = parse_query(b"last_event_id=from-query")
    assert query.resume_from("from-header") == "from-header"
    assert query.resume_from(None) == query.resume_from("") == "from-query"
