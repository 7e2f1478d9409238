"""A tournament by day and stage: a match's day, a day's name, the day a board opens on, the
order of matches and rounds (desktop.core.days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from desktop.core import days
from tests.support.matchdata import Feed, match
from tests.support.timezone import local_time

FRI = date(2026, 12, 4)


def test_a_match_is_on_the_local_date_of_its_kickoff():
    late_in_los_angeles = match("a", kickoff=datetime(2026, 6, 12, 4, 0, tzinfo=UTC))
    with local_time("America/Los_Angeles"):
        assert days.match_day(late_in_los_angeles) == date(2026, 6, 11)  # 21:00 there
    with local_time("Europe/Berlin"):
        assert days.match_day(late_in_los_angeles) == date(2026, 6, 12)  # 06:00 there


def test_today_is_the_local_date_of_now():
    now = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    with local_time("Asia/Tokyo"):
        assert days.today(now) == date(2026, 12, 5)
    with local_time("UTC"):
        assert days.today(now) == FRI


def test_days_next_to_today_are_named_and_the_others_are_dated():
    assert days.day_name(FRI, FRI) == "Today"
    assert days.day_name(date(2026, 12, 3), FRI) == "Yesterday"
    assert days.day_name(date(2026, 12, 5), FRI) == "Tomorrow"
    assert days.day_name(date(2026, 12, 6), FRI) == "Sun 6 Dec"
    assert days.day_name(date(2026, 6, 13), FRI) == "Sat 13 Jun"
    # Another year says which.
    assert days.day_name(date(2027, 1, 2), FRI) == "Sat 2 Jan 2027"


def test_a_board_opens_on_today_when_today_has_matches():
    counts = {date(2026, 12, 3): 2, FRI: 1, date(2026, 12, 6): 4}
    assert days.default_day(counts, [date(2026, 12, 3)], FRI) == FRI


def test_without_matches_today_a_board_opens_on_the_nearest_day_with_a_match_under_way():
    counts = {date(2026, 12, 1): 2, date(2026, 12, 3): 2, date(2026, 12, 9): 4}
    live = [date(2026, 12, 1), date(2026, 12, 3)]
    assert days.default_day(counts, live, FRI) == date(2026, 12, 3)


def test_without_matches_today_nor_under_way_a_board_opens_on_the_next_day_with_matches():
    counts = {date(2026, 12, 1): 2, date(2026, 12, 6): 2, date(2026, 12, 9): 4}
    assert days.default_day(counts, [], FRI) == date(2026, 12, 6)
    # All in the past: the last of them.
    assert days.default_day({date(2026, 6, 11): 2, date(2026, 7, 19): 1}, [], FRI) == date(
        2026, 7, 19
    )
    assert days.default_day({}, [], FRI) is None


def test_stepping_goes_to_the_previous_or_next_day_with_matches():
    with_matches = [date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 17)]
    assert days.step_day(with_matches, date(2026, 6, 12), 1) == date(2026, 6, 17)  # 13–16 empty
    assert days.step_day(with_matches, date(2026, 6, 12), -1) == date(2026, 6, 11)
    assert days.step_day(with_matches, date(2026, 6, 17), 1) is None
    assert days.step_day(with_matches, date(2026, 6, 11), -1) is None
    # From a day without matches, the nearest on that side.
    assert days.step_day(with_matches, date(2026, 6, 14), -1) == date(2026, 6, 12)


def test_matches_under_way_come_first_then_those_to_come_then_those_over():
    feed = Feed(match("a"))
    seen = [feed.matches["a"].model_copy()]
    for whistle in ("kickoff", "half_time", "second_half", "full_time"):
        feed("a", whistle)
        seen.append(feed.matches["a"].model_copy())
    phases = {m.status: days.phase(m) for m in seen}
    assert phases == {
        "live": days.LIVE,
        "half_time": days.LIVE,
        "scheduled": days.UPCOMING,
        "full_time": days.FINISHED,
    }
    assert days.LIVE < days.UPCOMING < days.FINISHED


def test_rounds_go_groups_first_then_the_knockouts_to_the_final():
    played = [
        "Final",
        "Round of 16",
        "Group B · Matchday 1",
        "Semi-finals",
        "Match for third place",
        "Round of 32",
        "Quarter-final",
        "Group A · Matchday 2",
        "Matchday 13",
    ]
    ordered = sorted(played, key=lambda r: (days.stage_order(r), r))
    assert ordered == [
        "Group A · Matchday 2",
        "Group B · Matchday 1",
        "Matchday 13",
        "Round of 32",
        "Round of 16",
        "Quarter-final",
        "Semi-finals",
        "Match for third place",
        "Final",
    ]


def test_a_group_heading_names_the_competition_and_its_round():
    assert days.group_title("World Cup 2026", "Group A · Matchday 2") == (
        "World Cup 2026 · Group A · Matchday 2"
    )
    assert days.group_title("World Cup 2026", "Final") == "World Cup 2026 · Final"
    assert days.group_title("Friendlies", None) == "Friendlies"


def test_a_day_in_a_sentence_reads_today_or_on_its_date():
    assert days.day_phrase(FRI, FRI) == "today"
    assert days.day_phrase(date(2026, 12, 5), FRI) == "tomorrow"
    assert days.day_phrase(date(2026, 12, 3), FRI) == "yesterday"
    assert days.day_phrase(date(2026, 6, 13), FRI) == "on Sat 13 Jun"


def test_a_board_is_browsed_by_day_once_its_kickoffs_are_half_a_day_apart_or_more():
    evening = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    # An evening past midnight (a demo started at 23:30): one list.
    assert not days.by_day(2, evening, evening + timedelta(hours=4))
    assert days.by_day(2, evening, evening + days.MIN_SPAN)
    assert days.by_day(3, evening, evening + timedelta(days=2))
    assert not days.by_day(1, evening, evening + timedelta(hours=20))  # one long day
    assert not days.by_day(0, None, None)


def replayed(match_id: str, real: datetime, played: datetime):
    """A match the server replays at ``played`` that its competition played at ``real``."""
    return match(match_id, kickoff=played).model_copy(update={"original_kickoff": real})


def test_a_replayed_match_is_on_the_day_its_competition_played_it():
    tonight = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)
    opener = replayed("a", datetime(2026, 6, 11, 19, 0, tzinfo=UTC), tonight)
    with local_time("Europe/Berlin"):
        assert days.match_day(opener) == date(2026, 6, 11)
        assert days.calendar_kickoff(opener) == datetime(2026, 6, 11, 19, 0, tzinfo=UTC)
    with local_time("Asia/Tokyo"):  # 04:00 on the 12th there
        assert days.match_day(opener) == date(2026, 6, 12)


def test_a_replay_is_at_the_day_under_way_else_the_one_kicked_off_last_else_its_first():
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    june = [datetime(2026, 6, d, 18, 0, tzinfo=UTC) for d in (11, 12, 13)]
    feed = Feed(
        *(replayed(f"d{i}", real, now + timedelta(minutes=10 * i)) for i, real in enumerate(june))
    )
    board = feed.matches.values()  # a view: it sees the events played below
    with local_time("UTC"):
        assert days.replay_day(board, now) == date(2026, 6, 11)  # before the first kick-off
        assert days.replay_day(board, now + timedelta(minutes=11)) == date(2026, 6, 12)
        feed("d0", "kickoff")  # the first day's match still under way: that day
        assert days.replay_day(board, now + timedelta(minutes=11)) == date(2026, 6, 11)
        feed("d2", "kickoff")  # the latest day under way
        assert days.replay_day(board, now + timedelta(minutes=25)) == date(2026, 6, 13)
        # A board of matches played now is no replay.
        assert days.replay_day([match("x", kickoff=now)], now) is None


def test_a_replays_days_are_named_by_their_date_never_today():
    june_13 = date(2026, 6, 13)
    assert days.day_name(june_13, june_13, relative=False) == "Sat 13 Jun"
    assert days.day_name(date(2026, 6, 14), june_13, relative=False) == "Sun 14 Jun"
    assert days.day_phrase(june_13, june_13, relative=False) == "on Sat 13 Jun"
    assert days.day_name(date(2022, 12, 18), date(2022, 12, 17), relative=False) == "Sun 18 Dec"


def test_a_tournament_day_is_named_by_its_knockout_round_or_its_one_matchday():
    assert days.day_stage(["Round of 16", "Round of 16"]) == "Round of 16"
    assert days.day_stage(["Final"]) == "Final"
    assert days.day_stage(["Group A · Matchday 2", "Group B · Matchday 2"]) == "Matchday 2"


def test_a_day_of_several_stages_or_of_rounds_without_a_matchday_has_no_stage():
    # Thu 18 Jun 2026: Group K's first matches beside Group A's second.
    assert days.day_stage(["Group K · Matchday 1", "Group A · Matchday 2"]) is None
    assert days.day_stage(["Semi-final", "Match for third place"]) is None
    assert days.day_stage(["Group A"]) is None  # a group without its matchday
    assert days.day_stage(["Round of 16", None]) is None  # a match with no round
    assert days.day_stage([]) is None


def test_today_given_no_time_is_the_wall_clocks_and_given_one_is_that_ones():
    with local_time("UTC"):
        assert days.today(datetime(2020, 2, 29, 12, 0, tzinfo=UTC)) == date(2020, 2, 29)
        assert days.today() in {date.today(), datetime.now(UTC).date()}


def test_a_day_two_or_more_away_reads_on_its_date_in_a_sentence():
    assert days.day_phrase(date(2026, 12, 6), FRI) == "on Sun 6 Dec"
    assert days.day_phrase(date(2026, 12, 2), FRI) == "on Wed 2 Dec"


def test_a_board_without_a_last_kickoff_is_not_browsed_by_day():
    evening = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert not days.by_day(2, evening, None)
    assert not days.by_day(2, None, evening)


def test_a_day_counted_without_matches_is_not_opened_even_when_it_is_today():
    counts = {FRI: 0, date(2026, 12, 6): 2}
    assert days.default_day(counts, [], FRI) == date(2026, 12, 6)


def test_stepping_further_skips_as_many_days_with_matches():
    with_matches = [date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 13), date(2026, 6, 17)]
    assert days.step_day(with_matches, date(2026, 6, 11), 1) == date(2026, 6, 12)
    assert days.step_day(with_matches, date(2026, 6, 11), 2) == date(2026, 6, 13)
    assert days.step_day(with_matches, date(2026, 6, 17), -2) == date(2026, 6, 12)
    assert days.step_day(with_matches, date(2026, 6, 13), 3) is None


def test_a_round_without_a_name_ranks_with_the_rounds_that_are_neither_groups_nor_knockouts():
    # Alike, so the next key (the round's name) orders them; before every knock-out.
    assert days.stage_order(None) == days.stage_order("") == days.stage_order("Matchday 13")
    assert days.stage_order("First qualifying round") == days.stage_order("Matchday 13")
    for knockout in ("Play-offs", "Playoff", "Round of 64", "Final"):
        assert days.stage_order(None) < days.stage_order(knockout)
        assert days.stage_order("Qualifying round") < days.stage_order(knockout)
    assert days.stage_order("Group A") < days.stage_order(None)


def test_a_knockout_round_with_more_words_after_its_name_keeps_its_place():
    legs = ["Final", "Semi-final 2nd leg", "Quarter-finals", "Semi-final 1st leg", "Matchday 1"]
    assert sorted(legs, key=lambda r: (days.stage_order(r), r)) == [
        "Matchday 1",
        "Quarter-finals",
        "Semi-final 1st leg",
        "Semi-final 2nd leg",
        "Final",
    ]
    # A word that merely begins like a round is not that round.
    assert days.stage_order("Finalists' parade") == days.stage_order("Matchday 1")


def test_a_leagues_day_or_a_play_off_day_is_named_by_its_round():
    assert days.day_stage(["Matchday 13", "Matchday 13"]) == "Matchday 13"
    assert days.day_stage(["Play-offs"]) == "Play-offs"


def test_before_a_replay_kicks_off_it_is_at_its_first_day_whatever_the_boards_order():
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    june = [datetime(2026, 6, d, 18, 0, tzinfo=UTC) for d in (13, 11, 12)]
    board = [replayed(f"d{i}", real, now + timedelta(minutes=5 + i)) for i, real in enumerate(june)]
    with local_time("UTC"):
        assert days.replay_day(board, now) == date(2026, 6, 11)


def test_a_replay_is_at_its_latest_day_under_way_whatever_the_boards_order():
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    june = [datetime(2026, 6, d, 18, 0, tzinfo=UTC) for d in (13, 11, 12)]
    feed = Feed(*(replayed(f"d{i}", real, now) for i, real in enumerate(june)))
    for match_id in feed.matches:
        feed(match_id, "kickoff")
    with local_time("UTC"):
        assert days.replay_day(feed.matches.values(), now) == date(2026, 6, 13)


def test_a_replayed_match_kicking_off_this_moment_moves_the_replay_to_its_day():
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    board = [
        replayed("d0", datetime(2026, 6, 11, 18, 0, tzinfo=UTC), now - timedelta(minutes=5)),
        replayed("d1", datetime(2026, 6, 12, 18, 0, tzinfo=UTC), now),
    ]
    with local_time("UTC"):
        assert days.replay_day(board, now) == date(2026, 6, 12)


def test_a_match_played_now_beside_a_replay_does_not_hide_the_replays_day():
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    board = [
        match("live-now", kickoff=now),
        replayed("d0", datetime(2026, 6, 11, 18, 0, tzinfo=UTC), now + timedelta(minutes=5)),
    ]
    with local_time("UTC"):
        assert days.replay_day(board, now) == date(2026, 6, 11)
