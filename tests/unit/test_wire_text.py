"""server/wire_text.py: the minute and the classic line, written and read with one module by
the server (frames, the classic feed) and the viewer (display, notices, the classic adapter).
tests/viewer/test_classic.py sends every event type through the server's line and the
viewer's adapter."""

from __future__ import annotations

import pytest

from server.feeds.classic import WHISTLES
from server.wire import EVENT_TYPES
from server.wire_text import (
    FIXTURE,
    FIXTURE_TIME,
    PHRASES,
    PREFIX,
    classify,
    fixture_text,
    format_minute,
    mentions,
    parse_minute,
    parse_summary,
    summary_line,
)


@pytest.mark.parametrize(
    ("minute", "added", "text"),
    [(67, None, "67'"), (90, 3, "90+3'"), (0, None, "0'"), (45, 0, "45'")],
)
def test_a_minute_is_written_and_read_back(minute, added, text):
    assert format_minute(minute, added) == text
    assert parse_minute(text) == (minute, added or None)


def test_no_minute_is_empty_and_reads_as_none():
    assert format_minute(None) == format_minute(None, 2) == ""
    assert parse_minute("") == (None, None)


def test_minutes_read_from_every_time_format():
    assert parse_minute("45:00") == (45, None)  # an MM:SS clock, as the article's feed had
    assert parse_minute(" 90 + 3 ’") == (90, 3)
    assert parse_minute("soon") == (None, None)


def test_a_summary_line_is_written_and_read_back():
    line = summary_line("45+2'", 2, 1, "Half time — «ça va»")
    assert line.startswith(PREFIX) and "«ça va»" in line  # not escaped: the article's own form
    s = parse_summary(line)
    assert (s.time, s.minute, s.added, s.home, s.away, s.text) == (
        "45+2'",
        45,
        2,
        2,
        1,
        "Half time — «ça va»",
    )


@pytest.mark.parametrize(
    "teams",
    [
        ("Arsenal", "Chelsea"),
        ("Schalke 04", "Bayer 04 Leverkusen"),  # digits in a name are not the score
        ("1860 München", "Saint-Étienne"),
        ("Brighton & Hove Albion", "Spurs"),
    ],
)
def test_a_summary_line_names_its_match_in_the_scores(teams):
    line = summary_line("67'", 2, 1, "Goal!", teams)
    assert f'"scores": "{teams[0]} 2:1 {teams[1]}"' in line
    s = parse_summary(line)
    assert (s.teams, s.home, s.away) == (teams, 2, 1)
    assert parse_summary(summary_line("67'", 2, 1, "Goal!")).teams is None  # the article's


@pytest.mark.parametrize("scores", ["Arsenal 2:1", "2:1 Chelsea"])
def test_scores_naming_only_one_side_do_not_name_the_match(scores):
    s = parse_summary(f'{{"time": "67\'", "scores": "{scores}", "event": "Goal!"}}')
    assert (s.teams, s.home, s.away) == (None, 2, 1)


def test_summaries_from_other_servers_are_read_leniently():
    s = parse_summary('{"time": "23:10", "scores": "1 - 0", "event": "Goal!"}')  # no prefix
    assert (s.minute, s.home, s.away) == (23, 1, 0)


def test_a_malformed_summary_is_a_clear_error():
    with pytest.raises(ValueError, match="not a match summary"):
        parse_summary(f"{PREFIX} {{broken")
    with pytest.raises(ValueError, match="not a match summary"):
        parse_summary(f"{PREFIX} [1, 2]")
    with pytest.raises(ValueError, match="no readable scores"):
        parse_summary(summary_line("1'", 0, 0, "x").replace("0:0", "one-nil"))


def test_a_fixture_is_written_and_read_back():
    text = fixture_text("Brighton & Hove Albion", "Spurs", "Premier League (Women)")
    found = FIXTURE.match(text)
    assert found is not None
    assert (found["home"], found["away"], found["comp"]) == (
        "Brighton & Hove Albion",
        "Spurs",
        "Premier League (Women)",
    )
    assert parse_summary(summary_line(FIXTURE_TIME, 0, 0, text)).minute == 0


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Kick-off at the Old Ground", ("kickoff", None)),
        ("HALF TIME", ("half_time", None)),
        ("Second half under way", ("second_half", None)),
        ("Extra-time begins", ("extra_time", None)),
        ("Final whistle!", ("full_time", None)),
        ("Penalty shoot-out: 4–3", ("penalty_shootout", None)),
        ("Second yellow card for Rice", ("card", "second_yellow")),  # before "yellow card"
        ("Rice is sent off", ("card", "red")),
        ("Rice booked", ("card", "yellow")),
        ("Substitution: In on, Out off", ("substitution", None)),
        ("Corner to Team A", ("clock", None)),
        ("The kickoffs were late", ("clock", None)),  # whole words only
    ],
)
def test_phrases_name_the_event_they_describe(text, named):
    assert classify(text) == named


def test_every_phrase_names_a_wire_event_type_and_mentions_keep_the_table_order():
    assert {kind for _, kind, _ in PHRASES} <= set(EVENT_TYPES)
    assert [kind for kind, _ in mentions("Full time after extra time; kick-off was late")] == [
        "kickoff",
        "extra_time",
        "full_time",
    ]


def test_the_classic_feeds_whistles_are_in_the_phrase_table():
    assert set(WHISTLES) <= {kind for _, kind, _ in PHRASES}
