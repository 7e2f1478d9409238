"""Where the detector puts a match on its path (scheduled, first half, break, second half,
extra time, its break, its second half, shoot-out, full time) from what the wire shows and
what the provider says: a wrong place publishes a whistle twice or skips one."""

from __future__ import annotations

import pytest

from server.core.match_state import apply_event
from server.feeds.providers.detector import STATUS_AT, derive_position, target_position
from server.wire import EventIn, Match
from tests.support.detector_steps import wire_match
from tests.support.provider_snapshots import snap


def played(*kinds: str, minute: int | None = None) -> Match:
    """A wire match after these whistles, as the publish API would have made it."""
    match = wire_match()
    for n, kind in enumerate(kinds, start=1):
        if kind == "clock":
            apply_event(match, EventIn(type="clock", minute=minute), f"m.{n}")
        else:
            apply_event(match, EventIn(type=kind), f"m.{n}")  # type: ignore[arg-type]
    return match


@pytest.mark.parametrize(
    ("whistles", "position"),
    [
        ((), 0),
        (("kickoff",), 1),
        (("kickoff", "half_time"), 2),
        (("kickoff", "half_time", "second_half"), 3),
        (("kickoff", "half_time", "second_half", "extra_time"), 4),
        (("kickoff", "half_time", "second_half", "extra_time", "half_time"), 5),
        (("kickoff", "half_time", "second_half", "extra_time", "half_time", "second_half"), 6),
        (("kickoff", "half_time", "second_half", "full_time"), 8),
        # The break after ninety minutes, published as a half time, then extra time from it.
        (("kickoff", "half_time", "second_half", "half_time"), 5),
        (("kickoff", "half_time", "second_half", "half_time", "extra_time"), 6),
        # Extra time straight from the first half's break (no second half seen).
        (("kickoff", "half_time", "extra_time"), 4),
        (("kickoff", "extra_time"), 4),
        (("kickoff", "extra_time", "half_time"), 5),
    ],
)
def test_a_match_moved_by_someone_else_is_placed_by_its_whistles(whistles, position):
    match = played(*whistles)
    assert derive_position(match) == position
    assert STATUS_AT[position] == match.status


def test_a_second_half_that_starts_after_ninety_minutes_is_extra_times_second_half():
    match = played("kickoff", "clock", minute=90)
    apply_event(match, EventIn(type="half_time"), "m.9")
    apply_event(match, EventIn(type="second_half"), "m.10")
    assert match.status == "extra_time"
    assert derive_position(match) == 6


def test_a_shootout_in_progress_is_the_shootout():
    match = played("kickoff", "half_time", "second_half")
    apply_event(match, EventIn(type="penalty_shootout", team="home", scored=True), "m.9")
    assert derive_position(match) == 7


@pytest.mark.parametrize(
    ("phase", "position"),
    [
        ("scheduled", 0),
        ("first_half", 1),
        ("half_time", 2),
        ("second_half", 3),
        ("extra_time_first", 4),
        ("extra_time_break", 5),
        ("extra_time_second", 6),
        ("penalties", 7),
        ("full_time", 8),
    ],
)
def test_a_named_phase_is_its_place_on_the_path(phase, position):
    assert target_position(snap(phase), 0) == position


@pytest.mark.parametrize(
    ("current", "extra_time", "position"),
    [
        # Playing, half unknown: the half after the break seen last.
        (0, False, 1),
        (1, False, 1),
        (2, False, 3),
        (3, False, 3),
        (5, False, 6),
        (4, False, 4),
        # ... in extra time: its first half after regular time, its second after its break.
        (0, True, 4),
        (1, True, 4),
        (2, True, 4),
        (3, True, 4),
        (4, True, 4),
        (5, True, 6),
        (6, True, 6),
        (7, True, 7),
    ],
)
def test_play_without_a_half_named_is_the_half_after_what_was_seen(current, extra_time, position):
    assert target_position(snap("in_play", extra_time=extra_time), current) == position


@pytest.mark.parametrize(
    ("current", "position"),
    [(0, 0), (1, 2), (2, 2), (3, 3), (4, 5), (5, 5), (6, 6)],
)
def test_a_break_without_a_name_is_the_break_after_the_half_seen(current, position):
    assert target_position(snap("paused"), current) == position


@pytest.mark.parametrize("phase", ["suspended", "postponed", "abandoned", "awarded", "cancelled"])
def test_off_the_usual_path_the_match_stays_where_it_is(phase):
    assert target_position(snap(phase), 3) == 3


def test_a_phase_behind_the_wire_never_moves_the_match_back():
    assert target_position(snap("first_half"), 3) == 3
    assert target_position(snap("half_time"), 6) == 6
