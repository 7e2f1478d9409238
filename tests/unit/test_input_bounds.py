"""Rules that keep odd input from the open internet harmless, tested on their own: event ids
read with an ASCII pattern before any int(), the stream's filter bounded, the publish API's
numbers bounded and strictly typed, and no score the server could not write back."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from server.core.broker import Broker
from server.core.match_state import apply_event
from server.http.stream_query import MAX_FILTER, MAX_QUERY, QueryRefused, parse_query
from server.wire import MAX_ID, MAX_SCORE, EventIn, Score, ScoreIn
from tests.support.matchdata import match

# --- event ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    ["²", "٣", "１", "1" * 4301, "9" * 19, "-1", "+1", " 1", "1_000", "0x1", "", "1.0"],
    ids=lambda tail: repr(tail) if len(tail) < 20 else f"{len(tail)} digits",
)
def test_a_sequence_that_is_not_plain_ascii_digits_of_a_sane_size_is_no_id(tail):
    broker = Broker()
    assert broker.parse_id(f"{broker.epoch}-{tail}") is None
    assert broker.resume_cursor(f"{broker.epoch}-{tail}") is None  # a snapshot


def test_ids_this_server_gives_are_read_back():
    broker = Broker()
    assert broker.parse_id(f"{broker.epoch}-0") == 0
    assert broker.parse_id(f"{broker.epoch}-12345") == 12345
    assert broker.parse_id(f" {broker.epoch}-7 ") == 7  # as EventSource may send it
    assert broker.parse_id(f"other-{broker.epoch}-7") is None
    assert broker.parse_id(f"{broker.epoch}-{'9' * 18}") == int("9" * 18)  # the largest


# --- the stream's filter ----------------------------------------------------------------------


def test_a_filter_up_to_its_bounds_is_read():
    ids = [f"{i:0{MAX_ID}d}" for i in range(MAX_FILTER)]
    query = parse_query("&".join(f"match={i}" for i in ids).encode())
    assert query.only() == frozenset(ids)


def test_too_many_match_ids_are_refused_with_400():
    with pytest.raises(QueryRefused) as refused:
        parse_query("&".join(f"match=m{i}" for i in range(MAX_FILTER + 1)).encode())
    assert refused.value.status == 400
    assert f"at most {MAX_FILTER} match ids" in str(refused.value)


def test_a_match_id_longer_than_any_id_is_refused_with_400():
    with pytest.raises(QueryRefused) as refused:
        parse_query(b"match=" + b"x" * (MAX_ID + 1))
    assert refused.value.status == 400


def test_a_query_longer_than_allowed_is_refused_with_414_before_it_is_parsed():
    with pytest.raises(QueryRefused) as refused:
        parse_query(b"a=" + b"%" * MAX_QUERY)  # not even valid: never looked at
    assert refused.value.status == 414


def test_repeated_ids_count_once():
    query = parse_query(b"&".join([b"match=a"] * (MAX_FILTER * 2)))
    assert query.only() == frozenset({"a"})


# --- numbers and types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"minute": True},
        {"minute": "55"},
        {"minute": 55.0},
        {"minute": 131},
        {"added": 31},
        {"added": False},
        {"penalty": "yes"},
        {"penalty": 1},
        {"own_goal": "true"},
        {"scored": 0},
        {"penalties": {"home": MAX_SCORE + 1, "away": 0}},
        {"penalties": {"home": "1", "away": 0}},
        {"penalties": {"home": 1.0, "away": 0}},
        {"penalties": {"home": 10**5000, "away": 0}},
    ],
    ids=lambda fields: ",".join(fields),  # repr() cannot show 10**5000
)
def test_the_publish_api_takes_numbers_and_booleans_as_they_are_and_within_bounds(fields):
    body = {"type": "goal", "team": "home", **fields}
    with pytest.raises(ValidationError):
        EventIn.model_validate(body)  # as FastAPI validates a decoded body
    try:
        text = json.dumps(body)
    except ValueError:  # more digits than str() converts
        return
    with pytest.raises(ValidationError):
        EventIn.model_validate_json(text)


def test_within_bounds_everything_is_taken():
    ev = EventIn.model_validate(
        {"type": "penalty_shootout", "team": "home", "minute": 130, "added": 30, "scored": True}
    )
    assert (ev.minute, ev.added, ev.scored) == (130, 30, True)
    ev = EventIn.model_validate(
        {"type": "penalty_shootout", "penalties": {"home": MAX_SCORE, "away": 0}}
    )
    assert ev.penalties == ScoreIn(home=MAX_SCORE, away=0)


def test_a_feeds_wire_score_is_taken_as_a_publishers_score():
    # The openfootball reader builds the shoot-out's score as a wire Score.
    ev = EventIn(type="penalty_shootout", team="home", penalties=Score(home=5, away=4))
    assert (ev.penalties.home, ev.penalties.away) == (5, 4)
    with pytest.raises(ValidationError):
        EventIn(type="penalty_shootout", team="home", penalties=Score(home=MAX_SCORE + 1))


def test_a_goal_past_the_largest_score_is_refused_and_changes_nothing():
    m = match("m")
    apply_event(m, EventIn(type="kickoff"), "1-1")
    m.score.home = MAX_SCORE
    with pytest.raises(ValueError, match=f"at most {MAX_SCORE}"):
        apply_event(m, EventIn(type="goal", team="home"), "1-2")
    assert m.score.home == MAX_SCORE and len(m.events) == 1
    apply_event(m, EventIn(type="goal", team="away"), "1-3")  # the other side may still score
    assert m.score.away == 1


def test_a_shootout_kick_past_the_largest_score_is_refused():
    m = match("m")
    apply_event(m, EventIn(type="kickoff"), "1-1")
    apply_event(
        m,
        EventIn(type="penalty_shootout", team="home", penalties=ScoreIn(home=MAX_SCORE, away=0)),
        "1-2",
    )
    with pytest.raises(ValueError, match=f"at most {MAX_SCORE}"):
        apply_event(m, EventIn(type="penalty_shootout", team="home", scored=True), "1-3")
