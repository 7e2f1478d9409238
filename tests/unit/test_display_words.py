"""desktop.core.display and desktop.core.status_words: the words a row and the status bar show.

In-process and without Qt (the window's tests show them on screen), so each rule is checked
where it lives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from desktop.core import display
from desktop.core.status_words import (
    STALE_STATES,
    connection_text,
    provider_text,
    retry_words,
    stale_text,
)
from server.core.match_state import apply_event
from server.wire import EventIn, Match, Score, Team
from tests.support.timezone import local_time


@pytest.fixture
def tz_tokyo() -> Iterator[None]:
    """Local time is Tokyo's (UTC+9, no daylight saving)."""
    with local_time("Asia/Tokyo"):
        yield


def make(kickoff: datetime = datetime(2026, 6, 11, 8, 30, tzinfo=UTC)) -> Match:
    return Match(
        id="m",
        competition="World Cup",
        home=Team(name="Mexico"),
        away=Team(name="South Africa"),
        kickoff=kickoff,
    )


def play(match: Match, *events: dict) -> Match:
    for n, fields in enumerate(events):
        apply_event(match, EventIn(**fields), f"E-{n}")
    return match


# --- kick-off times ---


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (datetime(2026, 6, 11, 9, 0, tzinfo=UTC), "17:30"),  # later the same local day
        (datetime(2026, 6, 10, 15, 30, tzinfo=UTC), "17:30"),  # 00:30 local: the same day
        (datetime(2026, 6, 10, 14, 30, tzinfo=UTC), "Thu 17:30"),  # 23:30 local the day before
        (datetime(2026, 6, 5, 9, 0, tzinfo=UTC), "Thu 17:30"),  # six days ahead
        (datetime(2026, 6, 4, 9, 0, tzinfo=UTC), "11 Jun 17:30"),  # a week or more ahead
        (datetime(2026, 6, 12, 9, 0, tzinfo=UTC), "11 Jun 17:30"),  # already past
    ],
)
def test_kickoff_reads_as_a_time_a_weekday_or_a_date_in_local_time(
    tz_tokyo: None, now: datetime, text: str
) -> None:
    assert display.kickoff_text(make(), now) == text


@pytest.fixture
def tz_london() -> Iterator[None]:
    """Local time is London's: GMT, and BST (UTC+1) from the last Sunday of March."""
    with local_time("Europe/London"):
        yield


def test_on_the_evening_before_the_clocks_change_tomorrows_kickoff_is_not_today(
    tz_london: None,
) -> None:
    # Saturday 28 March 2026, 23:30 GMT; Sunday's kick-off is at 15:00 BST. Judged in the
    # kick-off's offset (UTC+1) the evening is already Sunday, and the row said "15:00".
    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    sunday = make(datetime(2026, 3, 29, 14, 0, tzinfo=UTC))
    assert display.kickoff_text(sunday, now) == "Sun 15:00"


def test_kickoff_without_now_is_judged_against_the_local_clock(tz_tokyo: None) -> None:
    soon = make(datetime.now(UTC) + timedelta(minutes=1))
    assert display.kickoff_text(soon) == f"{soon.kickoff.astimezone():%H:%M}"


def test_long_kickoff_has_weekday_date_year_and_local_time(tz_tokyo: None) -> None:
    assert display.kickoff_long(make()) == "Thu 11 Jun 2026, 17:30"


def test_mute_until_tomorrow_ends_at_six_the_next_local_morning(tz_tokyo: None) -> None:
    now = datetime(2026, 6, 11, 23, 45, 12, 5).astimezone()
    assert display.tomorrow_morning(now) == datetime(2026, 6, 12, 6, 0).astimezone()
    later = display.tomorrow_morning()
    assert (later.hour, later.minute, later.second, later.microsecond) == (6, 0, 0, 0)
    assert later.date() == (datetime.now().astimezone() + timedelta(days=1)).date()


# --- the clock column ---


def test_clock_of_a_scheduled_match_is_its_kickoff(tz_tokyo: None) -> None:
    assert display.clock_text(make(), datetime(2026, 6, 11, 0, 0, tzinfo=UTC)) == "17:30"


def test_clock_of_a_match_on_another_day_says_the_day_unless_the_board_shows_one_day(
    tz_tokyo: None,
) -> None:
    day_before = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)  # 23:30 local the day before
    assert display.clock_text(make(), day_before) == "Thu 17:30"
    assert display.clock_text(make(), day_before, dated=False) == "17:30"


def test_the_boards_filter_looks_in_the_teams_the_competition_and_the_round() -> None:
    grouped = make().model_copy(update={"round": "Group A · Matchday 1"})
    assert display.search_text(grouped) == "Mexico South Africa World Cup Group A · Matchday 1"
    assert display.search_text(make()) == "Mexico South Africa World Cup"  # no round


def test_clock_in_play_shows_the_minute_and_stoppage() -> None:
    m = play(make(), {"type": "kickoff"})
    assert display.clock_text(m) == "0'"
    play(m, {"type": "clock", "minute": 45, "added": 2})
    assert display.clock_text(m) == "45+2'"


def test_clock_in_play_without_a_minute_says_live() -> None:
    m = play(make(), {"type": "kickoff"})
    m.minute = None
    assert display.clock_text(m) == "Live"


def test_clock_at_the_breaks_and_in_extra_time() -> None:
    m = play(make(), {"type": "kickoff"}, {"type": "half_time"})
    assert display.clock_text(m) == "HT"
    play(m, {"type": "second_half"}, {"type": "extra_time", "minute": 97})
    assert display.clock_text(m) == "ET 97'"
    m.minute = None
    assert display.clock_text(m) == "ET"
    play(m, {"type": "penalty_shootout", "team": "home", "scored": True})
    assert display.clock_text(m) == "Pens"


@pytest.mark.parametrize(
    ("events", "text"),
    [
        ([{"type": "full_time"}], "FT"),
        ([{"type": "extra_time"}, {"type": "full_time"}], "AET"),
        (
            [{"type": "penalty_shootout", "team": "home", "scored": True}, {"type": "full_time"}],
            "Pens",
        ),
    ],
)
def test_clock_at_full_time_says_how_the_match_ended(events: list[dict], text: str) -> None:
    assert display.clock_text(play(make(), {"type": "kickoff"}, *events)) == text


def test_extra_time_is_told_by_the_status_or_by_the_timeline() -> None:
    m = play(make(), {"type": "kickoff"})
    assert not display.had_extra_time(m)
    m.status = "extra_time"
    assert display.had_extra_time(m)
    m.status = "penalties"
    assert display.had_extra_time(m)
    shootout = play(
        make(), {"type": "kickoff"}, {"type": "penalty_shootout", "team": "home", "scored": False}
    )
    shootout.status = "full_time"
    assert display.had_extra_time(shootout)


def test_is_playing_covers_the_breaks_but_not_before_or_after() -> None:
    m = make()
    assert not display.is_playing(m)
    play(m, {"type": "kickoff"}, {"type": "half_time"})
    assert display.is_playing(m)
    play(m, {"type": "full_time"})
    assert not display.is_playing(m)


# --- score and status ---


def test_score_reads_v_before_kickoff_then_the_score_and_the_shootout() -> None:
    m = make()
    assert display.score_text(m) == "v"
    play(m, {"type": "kickoff"}, {"type": "goal", "team": "away"})
    assert display.score_text(m) == "0 – 1"
    m.penalties = Score(home=4, away=3)
    assert display.score_text(m) == "0 – 1 (4 – 3)"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("scheduled", "Not started"),
        ("live", "Live"),
        ("half_time", "Half time"),
        ("extra_time", "Extra time"),
        ("penalties", "Penalty shoot-out"),
        ("full_time", "Full time"),
    ],
)
def test_status_has_spoken_words(status: str, words: str) -> None:
    m = make()
    m.status = status  # type: ignore[assignment]
    assert display.status_words(m) == words


# --- the status bar and the stale banner ---


@pytest.mark.parametrize(
    ("retry_in", "words"),
    [
        (None, ""),
        (0, "retrying now"),
        (0.99, "retrying now"),
        (1, "retrying in 1 s"),
        (12.4, "retrying in 12 s"),
        (89.6, "retrying in 90 s"),
        (90, "retrying in 2 min"),
        (300, "retrying in 5 min"),
    ],
)
def test_retry_is_said_in_seconds_then_minutes(retry_in: float | None, words: str) -> None:
    assert retry_words(retry_in) == words


@pytest.mark.parametrize(
    ("kind", "reason", "text"),
    [
        ("connecting", "", "Connecting…"),
        ("live", "", "Live"),
        ("reconnecting", "", "Reconnecting"),
        ("offline", "", "Offline"),
        ("failed", "", "Cannot follow this server"),
        ("failed", "HTTP 404", "Cannot follow this server: HTTP 404"),
        ("stopped", "", "The server ended the stream"),
        ("something new", "", "something new"),
    ],
)
def test_connection_states_have_words(kind: str, reason: str, text: str) -> None:
    assert connection_text(kind, reason) == text


def test_connection_words_add_the_retry_when_one_is_planned() -> None:
    assert connection_text("offline", retry_in=12) == "Offline — retrying in 12 s"
    assert connection_text("offline", retry_in=None) == "Offline"
    assert connection_text("failed") == "Cannot follow this server"


def test_stale_banner_says_why_and_when_the_next_try_is() -> None:
    assert stale_text("offline") == "Scores may be out of date: no connection."
    assert stale_text("stopped") == "Scores may be out of date: the server ended the stream."
    assert stale_text("failed", "HTTP 503", retry_in=300) == (
        "Scores may be out of date: HTTP 503. Retrying in 5 min."
    )


def test_a_server_never_reached_is_not_connected_rather_than_reconnecting_or_offline() -> None:
    assert connection_text("reconnecting", retry_in=5, ever_live=False) == (
        "Not connected — retrying in 5 s"
    )
    assert connection_text("offline", ever_live=False) == "Not connected"
    # The other states read the same whether or not the server was ever reached.
    assert connection_text("connecting", ever_live=False) == "Connecting…"
    assert connection_text("failed", "HTTP 404", ever_live=False) == (
        "Cannot follow this server: HTTP 404"
    )


def test_the_banner_over_a_server_never_reached_says_it_cannot_connect() -> None:
    assert stale_text("offline", "connection refused", retry_in=5, ever_live=False) == (
        "Cannot connect to the server: connection refused. Retrying in 5 s."
    )
    assert stale_text("reconnecting", ever_live=False) == (
        "Cannot connect to the server: no connection."
    )
    assert stale_text("failed", "HTTP 404", ever_live=False) == (
        "Scores may be out of date: HTTP 404."
    )


def test_states_in_which_the_board_may_be_stale() -> None:
    assert set(STALE_STATES) == {"reconnecting", "offline", "failed", "stopped"}


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (None, ""),
        ({}, ""),
        ({"name": "ESPN", "state": "ok"}, ""),
        ({"name": "ESPN", "state": "starting"}, "Waiting for ESPN…"),
        ({"state": "starting"}, "Waiting for the data provider…"),
        (
            {"name": "ESPN", "state": "delayed"},
            "ESPN: data delayed (its last answer failed; retrying)",
        ),
        ({"name": "ESPN", "state": "down"}, "ESPN is down: scores may be out of date"),
    ],
)
def test_the_data_provider_is_mentioned_only_when_something_is_wrong(
    state: dict[str, object] | None, words: str
) -> None:
    assert provider_text(state) == words
