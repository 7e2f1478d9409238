"""A tournament by day and stage on the board: a group per competition and round, matches
under way first, one day at a time with a day picker once the board spans several."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from desktop.core import days
from desktop.core.state import Scoreboard
from desktop.ui.cells import CLOCK
from desktop.ui.model import ScoreboardModel
from desktop.ui.window import MainWindow
from server.wire import Snapshot
from tests.support.board_rows import titles
from tests.support.matchdata import Feed, match
from tests.support.timezone import local_time


def local_noon(offset: int, hour: int = 12) -> datetime:
    """``hour`` o'clock local time, ``offset`` days from today, in UTC (as the wire has it)."""
    now = datetime.now().astimezone()
    return (
        now.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(offset)
    ).astimezone(UTC)


class Structure:
    """Every structural signal a model emits, by kind."""

    def __init__(self, model) -> None:
        self.kinds: list[str] = []
        model.rowsInserted.connect(lambda *_: self.kinds.append("ins"))
        model.rowsRemoved.connect(lambda *_: self.kinds.append("rem"))
        model.rowsMoved.connect(lambda *_: self.kinds.append("move"))
        model.modelReset.connect(lambda: self.kinds.append("reset"))
        model.layoutChanged.connect(lambda *_: self.kinds.append("layout"))


def world_cup(feed: Feed) -> Scoreboard:
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[m.model_copy(deep=True) for m in feed.matches.values()]))
    return board


def play(board: Scoreboard, feed: Feed, match_id: str, whistle: str) -> None:
    board.apply_event(feed(match_id, whistle))


# --- stage and order ----------------------------------------------------------------------


def test_each_round_is_its_own_group_in_the_order_of_kickoff(make_model):
    a1 = match("a1", "Mexico", "South Africa", round="Group A · Matchday 1", kickoff=local_noon(0))
    b1 = match("b1", "Canada", "Qatar", round="Group B · Matchday 1", kickoff=local_noon(0, 15))
    a2 = match("a2", "Korea", "Czechia", round="Group A · Matchday 1", kickoff=local_noon(0, 18))
    final = match("f", "Spain", "Argentina", round="Final", kickoff=local_noon(0, 20))
    model = make_model(world_cup(Feed(a1, b1, a2, final)))
    assert titles(model) == [
        ("Group A · Matchday 1", ["Mexico v South Africa", "Korea v Czechia"]),
        ("Group B · Matchday 1", ["Canada v Qatar"]),
        ("Final", ["Spain v Argentina"]),
    ]


def test_under_way_first_then_to_come_then_over_rows_and_groups_moving_without_a_reset(
    make_model,
):
    feed = Feed(
        match("early", "Mexico", "South Africa", round="Group A", kickoff=local_noon(0, 11)),
        match("later", "Korea", "Czechia", round="Group A", kickoff=local_noon(0, 14)),
        match("b", "Canada", "Qatar", round="Group B", kickoff=local_noon(0, 12)),
    )
    board = world_cup(feed)
    model = make_model(board)
    assert [t for t, _ in titles(model)] == ["Group A", "Group B"]
    signals = Structure(model)

    play(board, feed, "early", "kickoff")
    play(board, feed, "early", "half_time")
    play(board, feed, "early", "second_half")
    play(board, feed, "early", "full_time")  # Group A: one over, one to come
    play(board, feed, "b", "kickoff")  # Group B: under way, so first

    assert titles(model) == [
        ("Group B", ["Canada v Qatar"]),
        ("Group A", ["Korea v Czechia", "Mexico v South Africa"]),
    ]
    assert "move" in signals.kinds
    assert not {"reset", "layout"} & set(signals.kinds)


def test_a_board_of_one_competition_names_it_once_in_the_title_not_in_every_heading(
    make_window,
):
    final = match("f", "Spain", "Argentina", round="Final", kickoff=local_noon(0, 20))
    board = world_cup(Feed(final))
    window = make_window(board)
    assert titles(window.model) == [("Final", ["Spain v Argentina"])]
    assert window.windowTitle() == "World Cup 2026 – Touchline"
    changed = []
    window.model.dataChanged.connect(lambda top, *_: changed.append(top.internalId()))
    # Another competition: each heading names its own, without a reset.
    signals = Structure(window.model)
    board.apply_match(
        match(
            "ars",
            "Arsenal",
            "Chelsea",
            competition="Premier League",
            round=None,
            kickoff=local_noon(0, 15),
        )
    )
    assert sorted(t for t, _ in titles(window.model)) == [
        "Premier League",
        "World Cup 2026 · Final",
    ]
    assert 0 in changed  # the headings were redrawn
    assert window.windowTitle() == "Touchline"
    # A snapshot without it (after a reconnect): one competition again.
    board.apply_snapshot(Snapshot(matches=[board.matches["f"].model_copy()]))
    assert titles(window.model) == [("Final", ["Spain v Argentina"])]
    assert window.windowTitle() == "World Cup 2026 – Touchline"
    assert set(signals.kinds) == {"ins", "rem"}
    # The filter still finds a round by its competition's name.
    window.filter_edit.setText("world cup")
    assert window.proxy.rowCount() == 1


# --- one day at a time --------------------------------------------------------------------


def three_days() -> Feed:
    return Feed(
        match("y", "Mexico", "South Africa", round="Group A · Matchday 1", kickoff=local_noon(-1)),
        match("t1", "Canada", "Qatar", round="Group B · Matchday 1", kickoff=local_noon(0)),
        match("t2", "Brazil", "Morocco", round="Group C · Matchday 1", kickoff=local_noon(0, 15)),
        match("n", "Spain", "Cape Verde", round="Group H · Matchday 1", kickoff=local_noon(1)),
    )


def shown_ids(model: ScoreboardModel) -> set[str]:
    return set(model.ids())


def test_a_day_shows_only_its_matches_and_another_arrives_row_by_row_without_a_reset(
    make_model,
):
    model = make_model(world_cup(three_days()))
    assert shown_ids(model) == {"y", "t1", "t2", "n"}  # no day chosen: every match
    today = local_noon(0).astimezone().date()
    assert sorted(model.days().items()) == [
        (today - timedelta(1), 1),
        (today, 2),
        (today + timedelta(1), 1),
    ]
    signals = Structure(model)

    model.set_day(today)
    assert shown_ids(model) == {"t1", "t2"}
    model.set_day(today + timedelta(1))
    assert shown_ids(model) == {"n"}
    assert set(signals.kinds) == {"ins", "rem"}


def test_a_kickoff_moved_to_another_day_takes_its_row_off_the_day_shown(make_model):
    board = world_cup(three_days())
    model = make_model(board)
    today = local_noon(0).astimezone().date()
    model.set_day(today)
    postponed = board.matches["t2"].model_copy(update={"kickoff": local_noon(1, 20)})
    board.apply_match(postponed)
    assert shown_ids(model) == {"t1"}
    assert model.days()[today + timedelta(1)] == 2
    model.set_day(today + timedelta(1))
    assert shown_ids(model) == {"n", "t2"}


def test_a_board_of_one_day_shows_every_match_and_no_day_picker(make_window):
    feed = Feed(*(m for m in three_days().matches.values() if m.id.startswith("t")))
    window = make_window(world_cup(feed))
    window.show()
    assert window.model.day is None
    assert window.day_picker.isHidden()
    assert shown_ids(window.model) == {"t1", "t2"}
    assert not window.next_day_action.isEnabled()


def test_a_board_of_several_days_opens_on_today_named_in_the_day_picker(make_window):
    window = make_window(world_cup(three_days()))
    window.show()
    assert window.day_picker.isVisible()
    assert shown_ids(window.model) == {"t1", "t2"}
    combo = window.day_picker.combo
    assert combo.currentText() == "Today · Matchday 1"  # the day and its stage
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Yesterday · Matchday 1",
        "Today · Matchday 1",
        "Tomorrow · Matchday 1",
    ]


def test_alt_arrows_and_brackets_step_through_the_days_with_matches(qtbot, make_window):
    feed = three_days()
    far = match("far", "Japan", "Sweden", round="Round of 32", kickoff=local_noon(9))
    board = world_cup(Feed(*feed.matches.values(), far))
    window = make_window(board)
    with qtbot.waitActive(window):  # shortcuts only reach the active window
        window.show()
        window.activateWindow()
    window.view.setFocus()
    combo = window.day_picker.combo
    far_day = far.kickoff.astimezone()

    qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert (combo.currentText(), shown_ids(window.model)) == ("Tomorrow · Matchday 1", {"n"})
    qtbot.keyClick(window.view, Qt.Key.Key_BracketRight)  # the empty days in between skipped
    assert shown_ids(window.model) == {"far"}
    # Dated ("Sun 13 Dec"; with the year in the next one).
    assert combo.currentText() == days.day_date(far_day.date(), days.today()) + " · Round of 32"
    assert not window.day_picker.next.isEnabled()  # the last day
    qtbot.keyClick(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    assert (combo.currentText(), shown_ids(window.model)) == ("Today · Matchday 1", {"t1", "t2"})
    # Typed into the filter box, a bracket is text.
    window.filter_edit.setFocus()
    qtbot.keyClicks(window.filter_edit, "[")
    assert window.filter_edit.text() == "["
    assert combo.currentText() == "Today · Matchday 1"


def test_without_matches_today_the_board_opens_on_the_day_with_a_match_under_way(make_window):
    feed = Feed(
        match("y", "Mexico", "South Africa", kickoff=local_noon(-1, 23)),
        match("n", "Spain", "Cape Verde", kickoff=local_noon(2)),
    )
    board = world_cup(feed)
    play(board, feed, "y", "kickoff")  # yesterday's late match still under way
    window = make_window(board)
    assert shown_ids(window.model) == {"y"}
    assert window.day_picker.combo.currentText() == "Yesterday · 1 live"


def test_a_chosen_day_stays_as_matches_come_and_back_to_today_follows_again(make_window):
    board = world_cup(three_days())
    window = make_window(board)
    window.day_picker.step(-1)
    assert shown_ids(window.model) == {"y"}
    board.apply_match(match("later", "Iran", "Egypt", kickoff=local_noon(4)))  # a new day
    assert shown_ids(window.model) == {"y"}  # the fan's choice stays
    window.today_action.trigger()
    assert shown_ids(window.model) == {"t1", "t2"}


def test_the_day_names_and_the_day_followed_move_on_at_midnight(make_window):
    window = make_window(world_cup(three_days()))
    combo = window.day_picker.combo
    window.advance_clocks(local_noon(1))  # the next day, at noon
    assert shown_ids(window.model) == {"n"}
    names = [combo.itemText(i) for i in range(combo.count())][1:]
    assert names == ["Yesterday · Matchday 1", "Today · Matchday 1"]


def test_the_filter_searches_the_day_shown_says_so_and_names_the_other_days_it_finds(
    make_window,
):
    board = world_cup(three_days())
    board.apply_match(
        match("m2", "Mexico", "Korea", round="Group A · Matchday 2", kickoff=local_noon(0))
    )
    window = make_window(board)
    assert window.filter_edit.placeholderText() == (
        "Filter matches today by team, competition or round (Ctrl+F)"
    )
    window.filter_edit.setText("spain")  # tomorrow's
    assert window.proxy.rowCount() == 0
    assert window.view.placeholder == (
        "No team or competition matches “spain” today.\nOn other days: Tomorrow "
        "(Alt+Left, Alt+Right)."
    )
    window.filter_edit.setText("zebra")
    assert window.view.placeholder == "No team or competition matches “zebra” today."
    window.filter_edit.setText("group c")  # the round is searched too
    assert window.proxy.rowCount(window.proxy.index(0, 0)) == 1
    window.filter_edit.setText("mexico")  # today's, and yesterday's
    assert window.proxy.rowCount() == 1
    assert window.statusBar().currentMessage() == "“mexico” is on other days too: Yesterday."
    window.choose_day(local_noon(1).astimezone().date() + timedelta(1))
    assert window.filter_edit.placeholderText().startswith("Filter matches on ")
    window.filter_edit.clear()
    assert window.view.placeholder.startswith("No matches on ")  # an empty day says so


def test_opening_a_match_of_another_day_shows_that_day_with_it_selected(make_window):
    window = make_window(world_cup(three_days()))
    window.open_match("n")  # a notice's "open"
    assert shown_ids(window.model) == {"n"}
    assert window.day_picker.combo.currentText() == "Tomorrow · Matchday 1"
    assert window.view.current_match_id() == "n"


def time_cell(window: MainWindow, match_id: str) -> str:
    return window.model.index_of(match_id, CLOCK).data()


def test_a_day_shown_says_its_kickoffs_without_the_day_which_the_picker_says(make_window):
    window = make_window(world_cup(three_days()))
    window.choose_day(local_noon(1).astimezone().date())
    assert time_cell(window, "n") == "12:00"  # not "Sat 12:00": the picker says "Tomorrow"
    # A board of one day (not today) shows no picker: its kick-offs say their day.
    alone = Feed(match("n", "Spain", "Cape Verde", kickoff=local_noon(1)))
    other = make_window(world_cup(alone))
    assert time_cell(other, "n") == f"{local_noon(1).astimezone():%a} 12:00"


def test_another_day_opens_with_no_match_selected_and_a_match_on_both_stays_selected(
    qtbot, make_window
):
    feed = three_days()
    # A round played on both days: its group stays while its rows come and go.
    same_round = match("n2", "Japan", "Ghana", round="Group C · Matchday 1", kickoff=local_noon(1))
    window = make_window(world_cup(Feed(*feed.matches.values(), same_round)))
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    window.view.setFocus()
    window.open_match("t2")
    window.day_picker.step(1)
    assert window.view.current_match_id() is None
    assert window.timeline.model.match_id is None  # not some match of that day
    window.open_match("t2")  # back on today, t2 selected
    board = window.model.board
    for match_id in ("y", "n", "n2"):  # one day left: every match shown, t2 still selected
        board.apply_match(board.matches[match_id].model_copy(update={"kickoff": local_noon(0, 20)}))
    assert window.model.day is None
    assert window.view.current_match_id() == "t2"


def test_an_evening_past_midnight_stays_one_list_its_late_kickoffs_saying_their_day(
    make_window,
):
    feed = Feed(
        match("late", "Mexico", "South Africa", kickoff=local_noon(0, 22)),
        match("later", "Spain", "Cape Verde", kickoff=local_noon(1, 1)),  # 01:00 tomorrow
    )
    window = make_window(world_cup(feed))
    assert window.model.day is None
    assert window.day_picker.isHidden()
    assert shown_ids(window.model) == {"late", "later"}
    assert time_cell(window, "later") == f"{local_noon(1, 1).astimezone():%a} 01:00"


# --- a replayed tournament --------------------------------------------------------------


def june(day: int, hour: int = 19) -> datetime:
    return datetime(2026, 6, day, hour, 0, tzinfo=UTC)


def july(day: int, hour: int = 19) -> datetime:
    return datetime(2026, 7, day, hour, 0, tzinfo=UTC)


def replay_tonight() -> Feed:
    """Four days of the World Cup as a replay plays them: kicked off within the hour (the wall
    clock's), each with its real kick-off in June (``original_kickoff``)."""
    now = datetime.now(UTC)
    played = [
        ("o", "Mexico", "South Africa", june(11), 0),
        ("k", "Korea", "Czechia", june(12, 2), 20),
        ("c", "Canada", "Bosnia", june(12, 19), 40),
        ("u", "USA", "Paraguay", june(13, 1), 60),
        ("q", "Qatar", "Switzerland", june(13, 19), 80),
        ("b", "Brazil", "Morocco", june(14, 22), 100),
    ]
    return Feed(
        *(
            match(
                i, home, away, round="Group stage", kickoff=now + timedelta(minutes=m - 5)
            ).model_copy(update={"original_kickoff": real})
            for i, home, away, real, m in played
        )
    )


def test_a_replayed_tournament_is_browsed_by_its_own_days_named_by_date(make_window):
    with local_time("UTC"):
        feed = replay_tonight()
        board = world_cup(feed)
        play(board, feed, "o", "kickoff")
        window = make_window(board)
        window.show()
        combo = window.day_picker.combo
        assert window.day_picker.isVisible()
        # Its real days, none of them "Today" (they are June's, not the wall clock's).
        assert [combo.itemText(i) for i in range(combo.count())] == [
            "Thu 11 Jun · 1 live",
            "Fri 12 Jun",
            "Sat 13 Jun",
            "Sun 14 Jun",
        ]
        assert combo.currentText() == "Thu 11 Jun · 1 live"  # the day being played
        assert shown_ids(window.model) == {"o"}
        window.day_picker.step(1)
        assert shown_ids(window.model) == {"k", "c"}
        # An upcoming match says when the replay kicks it off (today, by the wall clock).
        kickoff = board.matches["c"].kickoff.astimezone()
        assert time_cell(window, "c") == f"{kickoff:%H:%M}"
        # Its tooltip says when the tournament played it.
        tip = window.model.index_of("c", CLOCK).data(Qt.ItemDataRole.ToolTipRole)
        assert "A replay of the match played Fri 12 Jun 2026, 19:00" in tip
        assert window.filter_edit.placeholderText().startswith("Filter matches on Fri 12 Jun ")
        assert window.today_action.text() == MainWindow.REPLAY_DAY_ACTION


def test_the_board_follows_the_replay_from_day_to_day_until_the_fan_picks_one(make_window):
    with local_time("UTC"):
        feed = replay_tonight()
        board = world_cup(feed)
        play(board, feed, "o", "kickoff")
        window = make_window(board)
        combo = window.day_picker.combo
        for whistle in ("half_time", "second_half", "full_time"):
            play(board, feed, "o", whistle)
        play(board, feed, "k", "kickoff")  # the replay reaches the next day
        window.advance_clocks(datetime.now(UTC))
        assert (combo.currentText(), shown_ids(window.model)) == ("Fri 12 Jun · 1 live", {"k", "c"})
        window.choose_day(june(14).date())  # the fan looks ahead: the board stays there
        play(board, feed, "k", "full_time")
        play(board, feed, "u", "kickoff")
        window.advance_clocks(datetime.now(UTC))
        assert shown_ids(window.model) == {"b"}
        window.today_action.trigger()  # back to the day being played, and following it
        assert (combo.currentText(), shown_ids(window.model)) == ("Sat 13 Jun · 1 live", {"u", "q"})


def test_the_day_list_names_each_tournament_day_by_its_stage_beside_its_date(make_window):
    with local_time("UTC"):
        feed = Feed(
            match("a1", "Mexico", "South Africa", round="Group A · Matchday 2", kickoff=june(18)),
            match("b1", "Canada", "Qatar", round="Group B · Matchday 2", kickoff=june(18, 22)),
            match("k1", "Uzbekistan", "Colombia", round="Group K · Matchday 1", kickoff=june(19)),
            match("a2", "Mexico", "Korea", round="Group A · Matchday 2", kickoff=june(19, 22)),
            match("r1", "Spain", "Brazil", round="Round of 16", kickoff=july(4)),
            match("f", "Spain", "France", round="Final", kickoff=july(19)),
        )
        window = make_window(world_cup(feed))
        combo = window.day_picker.combo
        labels = [combo.itemText(i) for i in range(combo.count())]
        assert labels == [
            "Thu 18 Jun · Matchday 2",
            "Fri 19 Jun",  # two matchdays: its groups' headings say which
            "Sat 4 Jul · Round of 16",
            "Sun 19 Jul · Final",
        ]
