"""The main window: timeline, status bar and stale state, filter, favourites, persistence."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMenu,
    QStyle,
    QStyleOptionViewItem,
)

from desktop.core.match_clock import MatchClocks
from desktop.core.notify_rules import Notice
from desktop.core.notify_settings import NoticeSettings
from desktop.core.state import Scoreboard
from desktop.platform.settings import Settings
from desktop.ui import icons
from desktop.ui.cells import AWAY, CLOCK, FAV, FAVOURITES_GROUP, HOME, SCORE
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.timeline import KIND, MINUTE, PLAYER, TEXT, KindRole
from desktop.ui.tray import Tray
from desktop.ui.window import MainWindow
from server.wire import Snapshot
from tests.support.matchdata import KICKOFF, Feed, later, match

MARKUP = ["<b>X</b>", "<img src=x onerror=alert(1)>"]


def timeline_rows(window: MainWindow) -> list[tuple]:
    m = window.timeline.model
    return [
        (
            m.index(r, MINUTE).data(),
            m.index(r, KIND).data(KindRole),
            m.index(r, PLAYER).data(),
            m.index(r, TEXT).data(),
        )
        for r in range(m.rowCount())
    ]


def select(window: MainWindow, match_id: str) -> None:
    window.view.select_match(window.proxy.mapFromSource(window.model.index_of(match_id)))


def test_selecting_a_match_shows_its_timeline_with_minutes_kinds_and_players(make_window):
    feed = Feed(match("a"), match("b", "Brazil", "Morocco"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    for args, kw in [
        (("a", "kickoff"), {}),
        (("a", "goal"), dict(minute=9, team="home", player="Quiñones")),
        (("a", "card"), dict(minute=30, team="away", card="yellow", player="Mokoena")),
        (("a", "goal"), dict(minute=45, added=2, team="home", player="Jiménez", penalty=True)),
        (
            ("a", "substitution"),
            dict(minute=60, team="away", player_in="Foster", player_out="Rayners"),
        ),
    ]:
        board.apply_event(feed(*args, **kw))
    window = make_window(board)

    select(window, "a")

    # "What happened" does not repeat the team and the player: they have their columns.
    assert timeline_rows(window) == [
        ("0'", "whistle", "", "Kick-off"),
        ("9'", "goal", "Quiñones", "Goal, 1–0"),
        ("30'", "yellow", "Mokoena", "Yellow card"),
        ("45+2'", "penalty", "Jiménez", "Penalty, 2–0"),
        ("60'", "substitution", "Foster for Rayners", "Substitution"),
    ]
    goal_tip = window.timeline.model.index(1, TEXT).data(Qt.ItemDataRole.ToolTipRole)
    assert "Quiñones" in goal_tip  # the feed's whole sentence is the tooltip
    assert window.timeline.heading.text() == "Mexico 2 – 0 South Africa · 60'"

    select(window, "b")
    assert timeline_rows(window) == []
    assert window.timeline.heading.text().startswith("Brazil v Morocco")


def test_new_event_appends_a_timeline_row_and_disallowed_goal_strikes_the_goal(qtbot, make_window):
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    window = make_window(board)
    select(window, "a")

    with qtbot.waitSignal(window.timeline.model.rowsInserted, timeout=1000) as blocker:
        board.apply_event(feed("a", "goal", minute=70, team="away", player="Zwane"))
    assert blocker.args[1:] == [1, 1]
    board.apply_event(feed("a", "goal_disallowed", minute=72, team="away"))

    rows = timeline_rows(window)
    assert [r[1] for r in rows] == ["whistle", "goal", "goal_disallowed"]
    goal_font = window.timeline.model.index(1, TEXT).data(Qt.ItemDataRole.FontRole)
    assert goal_font is not None and goal_font.strikeOut()
    assert window.timeline.heading.text() == "Mexico 0 – 0 South Africa · 72'"


@pytest.mark.parametrize("name", MARKUP)
def test_feed_markup_is_plain_text_in_every_label(make_window, name):
    feed = Feed(match("a", name, "Plain FC"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    board.apply_event(feed("a", "goal", minute=3, team="home", player=name))
    window = make_window(board)
    select(window, "a")
    window.notice_banner.show_notice(
        Notice(f"GOAL! {name} 1–0 Plain FC", f"3' {name}", "goal", "a")
    )
    window.set_connection("failed", reason=name)

    assert window.model.index_of("a", HOME).data() == name
    assert window.timeline.model.index(1, PLAYER).data() == name
    for label in window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    assert name in window.timeline.heading.text()
    assert window.notice_banner.title.text() == f"GOAL! {name} 1–0 Plain FC"
    assert window.notice_banner.body.text() == f"3' {name}"
    assert name in window.status_label.text()


def test_offline_state_says_so_with_countdown_and_greys_the_scoreboard(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board)
    window.show()
    window.set_connection("live")
    assert window.status_label.text() == "Live"
    assert not window.stale_banner.isVisible()

    window.set_connection("offline", "connection refused", retry_at=time.monotonic() + 12.4)

    assert window.status_label.text() == "Offline — retrying in 12 s"
    assert window.stale_banner.isVisible()
    assert window.stale_banner.label.text() == (
        "Scores may be out of date: connection refused. Retrying in 12 s."
    )
    assert window.model.stale
    assert window.model.index_of("a", HOME).data(Qt.ItemDataRole.ForegroundRole) is not None
    qtbot.waitUntil(
        lambda: window.status_label.text() == "Offline — retrying in 11 s", timeout=3000
    )

    window.set_connection("live")
    assert not window.stale_banner.isVisible()
    assert not window.model.stale


def test_a_server_never_reached_is_not_reconnecting_and_says_why_in_words(qtbot, make_window):
    window = make_window(Scoreboard())
    window.show()
    window.set_server("http://127.0.0.1:9")
    reason = "nothing is listening at 127.0.0.1:9 (is the server running?)"
    window.set_connection("reconnecting", reason, retry_at=time.monotonic() + 5.4)
    assert window.status_label.text() == "Not connected — retrying in 5 s"
    assert window.stale_banner.label.text() == (
        f"Cannot connect to the server: {reason}. Retrying in 5 s."
    )
    with qtbot.waitSignal(window.sourceRequested, timeout=1000):
        window.stale_banner.settings_button.click()  # "Change server…": the data source

    window.set_connection("live")
    window.set_connection("reconnecting", "connection lost", retry_at=time.monotonic() + 12.4)
    assert window.status_label.text() == "Reconnecting — retrying in 12 s"  # it was live
    assert window.stale_banner.label.text().startswith("Scores may be out of date")

    window.set_server("http://127.0.0.1:8000")  # another server: not reached yet
    window.set_connection("offline", reason, retry_at=time.monotonic() + 20.4)
    assert window.status_label.text() == "Not connected — retrying in 20 s"


def test_ctrl_f_focuses_the_filter_which_narrows_the_scoreboard(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(
        Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco", "Friendlies")])
    )
    window = make_window(board)
    with qtbot.waitActive(window):  # shortcuts only reach the active window
        window.show()
        window.activateWindow()
    window.view.setFocus()

    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    qtbot.keyClicks(window.filter_edit, "braz")
    assert window.proxy.rowCount() == 1
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Return)  # Enter goes to the first match
    assert window.view.current_match_id() == "b"
    assert window.timeline.model.match_id == "b"


def test_following_a_team_from_the_match_menu_floats_it_and_persists(make_window, settings):
    board = Scoreboard()
    board.apply_snapshot(
        Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco", kickoff=later(3))])
    )
    window = make_window(board)
    menu = window.match_menu("b")
    follow = [a for a in menu.actions() if a.text() == "Follow Morocco"]
    follow[0].trigger()

    assert window.proxy.index(0, 0).data() == FAVOURITES_GROUP
    assert settings.favourites == ["Morocco"]
    again = Settings(settings.path)
    assert again.favourites == ["Morocco"]
    second = make_window(board, settings=again)
    assert second.model.index(0, 0).data() == FAVOURITES_GROUP
    assert [a.isChecked() for a in second.match_menu("b").actions()[:2]] == [False, True]


def test_team_with_ampersand_keeps_it_in_menu_text(make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a", "Brighton & Hove", "B")]))
    window = make_window(board)
    action = window.match_menu("a").actions()[0]
    assert action.text() == "Follow Brighton && Hove"  # && is how Qt shows a literal &


@pytest.mark.parametrize("key", [Qt.Key.Key_F, Qt.Key.Key_Space], ids=["F", "Space"])
def test_one_key_follows_a_team_choosing_by_name_and_unfollows_at_once(qtbot, make_window, key):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco")]))
    window = make_window(board)
    window.show()
    select(window, "a")
    with qtbot.waitSignal(window.view.followRequested, timeout=1000) as blocker:
        qtbot.keyClick(window.view, key)
    assert blocker.args[0] == "a"
    # Two teams to choose from: a menu whose choices are the team names.
    menu = popped_menu(window)
    assert [a.text() for a in menu.actions()] == ["Mexico", "South Africa"]
    assert not any(a.isChecked() for a in menu.actions())
    menu.actions()[1].trigger()
    menu.close()
    assert window.model.favourites() == {"South Africa"}
    assert window.statusBar().currentMessage() == "Following South Africa"
    assert window.model.index(0, 0).data() == "Following"  # the group at the top

    # One of its teams followed: the same key stops following it, at once, without a menu.
    select(window, "a")
    qtbot.keyClick(window.view, key)
    assert window.model.favourites() == frozenset()
    assert window.statusBar().currentMessage() == "No longer following South Africa"
    assert not [m for m in window.findChildren(QMenu) if m.isVisible()]


def test_a_click_on_the_star_is_the_same_as_f(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board)
    window.show()
    qtbot.waitExposed(window)
    window.model.set_favourites({"Mexico"})
    star = window.proxy.mapFromSource(window.model.index_of("a", FAV))
    qtbot.mouseClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, pos=window.view.visualRect(star).center()
    )
    assert window.model.favourites() == frozenset()  # unfollowed at once


def test_window_geometry_is_restored_from_settings(qtbot, make_window, settings):
    board = Scoreboard()
    window = make_window(board)
    window.resize(611, 433)  # the offscreen screen is 800×600
    with qtbot.waitExposed(window):
        window.show()
    window.save_layout()
    settings.sync()
    again = make_window(board, settings=Settings(settings.path))
    assert (again.width(), again.height()) == (611, 433)


def test_closing_without_a_tray_quits_and_with_a_tray_hides(qtbot, make_window):
    window = make_window(Scoreboard())
    window.show()
    with qtbot.waitSignal(window.quitRequested, timeout=1000):
        window.close()

    tray_window = make_window(Scoreboard())
    tray_window.tray_available = True
    tray_window.show()
    with qtbot.assertNotEmitted(tray_window.quitRequested):
        tray_window.close()
    assert not tray_window.isVisible()


def test_open_match_clears_a_filter_that_hides_it_and_selects_it(make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco")]))
    window = make_window(board)
    window.filter_edit.setText("brazil")
    window.open_match("a")
    assert window.filter_edit.text() == ""
    assert window.view.current_match_id() == "a"
    assert window.isVisible()


def test_goal_updates_the_visible_score_cell(make_window):
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    window = make_window(board)
    board.apply_event(feed("a", "kickoff"))
    board.apply_event(feed("a", "goal", minute=9, team="home", player="Q"))
    cell = window.proxy.mapFromSource(window.model.index_of("a", SCORE))
    assert cell.data() == "1 – 0"


def test_enter_on_a_match_moves_focus_to_its_timeline(qtbot, make_window):
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    window = make_window(board)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    select(window, "a")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert window.timeline.view.hasFocus()
    assert window.timeline.model.rowCount() == 1


def test_typing_in_the_timeline_jumps_to_the_row_it_spells(qtbot, make_window):
    # Qt's keyboard search calls the model's virtual match(); a model method of that name
    # with another signature crashed the viewer here (found by the type checker).
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    board.apply_event(feed("a", "goal", minute=9, team="home", player="Quiñones"))
    window = make_window(board)
    select(window, "a")
    view = window.timeline.view
    view.setCurrentIndex(window.timeline.model.index(0, PLAYER))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Q)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, PLAYER)


def test_tab_goes_filter_then_scoreboard_then_timeline(qtbot, make_window):
    from PySide6.QtWidgets import QApplication

    window = make_window(Scoreboard())
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    window.filter_edit.setFocus()
    seen = []
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [window.view, window.timeline.view]


def test_interactive_widgets_have_accessible_names(make_window):
    window = make_window(Scoreboard())
    for widget in (
        window.filter_edit,
        window.view,
        window.timeline.view,
        window.status_label,
        window.server_label,
        window.notice_banner,
        window.notice_banner.close_button,
        window.stale_banner,
    ):
        assert widget.accessibleName(), widget.objectName()


def test_window_opens_with_the_scoreboard_focused_not_the_filter_box(qtbot, make_window):
    window = make_window(Scoreboard())
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget() is window.view  # no blinking text cursor while idle


def test_a_goal_update_rewrites_that_goals_timeline_row_in_place(qtbot, make_window):
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    goal = feed("a", "goal", minute=70, team="away")  # the provider has no scorer yet
    board.apply_event(goal)
    window = make_window(board)
    select(window, "a")
    assert timeline_rows(window)[1][2] == ""
    model = window.timeline.model
    with qtbot.waitSignal(model.dataChanged, timeout=1000) as blocker:
        board.apply_event(feed("a", "goal_update", updates=goal.id, player="Zwane", minute=71))
    assert blocker.args[0].row() == 1 and blocker.args[1].row() == 1
    assert model.rowCount() == 2  # completed, not a second goal
    minute, kind, player, text = timeline_rows(window)[1]
    assert (minute, kind, player) == ("71'", "goal", "Zwane")
    assert text == "Goal, 0–1"
    assert "Goal! Zwane for South Africa" in model.index(1, TEXT).data(Qt.ItemDataRole.ToolTipRole)


# --- the selected match's menu from the keyboard -------------------------------------------------

LA_LIGA = [
    match("atm-bet", "Atlético Madrid", "Real Betis", "La Liga"),
    match("bar-rma", "FC Barcelona", "Real Madrid", "La Liga", kickoff=later(1)),
    match("ars-che", "Arsenal", "Chelsea", "Premier League"),
]


def keyboard_context_menu(window: MainWindow) -> None:
    """What Qt sends for the Menu key (QWidgetWindow::handleContextMenuEvent): a Keyboard
    context-menu event to the focus widget, at the centre of its input cursor rectangle
    (for an item view, its current item's rectangle)."""
    view = window.view
    pos = view.inputMethodQuery(Qt.InputMethodQuery.ImCursorRectangle).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, pos, view.mapToGlobal(pos))
    QApplication.sendEvent(view, event)


def popped_menu(window: MainWindow) -> QMenu:
    [menu] = [m for m in window.findChildren(QMenu) if m.isVisible()]
    return menu


@pytest.mark.parametrize("match_id", ["atm-bet", "bar-rma", "ars-che"])
def test_the_menu_key_opens_the_selected_matchs_menu_and_mutes_that_match(
    qtbot, make_window, match_id
):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=LA_LIGA))
    window = make_window(board)
    window.show()
    qtbot.waitExposed(window)
    select(window, match_id)
    with qtbot.waitSignal(window.view.menuRequested, timeout=1000) as blocker:
        keyboard_context_menu(window)
    assert blocker.args[0] == match_id  # not the next row's (nor nothing on a group's last row)
    menu = popped_menu(window)
    m = board.matches[match_id]
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == [f"Follow {m.home.name}", f"Follow {m.away.name}"]
    mute = next(a for a in menu.actions() if a.text() == "Mute this match")
    with qtbot.waitSignal(window.muteMatchRequested, timeout=1000) as muted:
        mute.trigger()
    assert muted.args == [match_id, True]


@pytest.mark.parametrize(
    "key, modifier",
    [(Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier), (Qt.Key.Key_Menu, None)],
    ids=["shift+f10", "menu"],
)
def test_shift_f10_and_the_menu_key_open_the_selected_matchs_menu(
    qtbot, make_window, key, modifier
):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=LA_LIGA))
    window = make_window(board)
    window.show()
    select(window, "bar-rma")
    with qtbot.waitSignal(window.view.menuRequested, timeout=1000) as blocker:
        if modifier is None:
            qtbot.keyClick(window.view, key)
        else:
            qtbot.keyClick(window.view, key, modifier)
    assert blocker.args[0] == "bar-rma"


def test_right_click_opens_the_menu_of_the_row_under_the_mouse(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=LA_LIGA))
    window = make_window(board)
    window.show()
    qtbot.waitExposed(window)
    select(window, "atm-bet")  # the selection is elsewhere: the mouse decides
    row = window.view.visualRect(window.proxy.mapFromSource(window.model.index_of("bar-rma", HOME)))
    pos = row.center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, window.view.viewport().mapToGlobal(pos)
    )
    with qtbot.waitSignal(window.view.menuRequested, timeout=1000) as blocker:
        QApplication.sendEvent(window.view.viewport(), event)
    assert blocker.args[0] == "bar-rma"


# --- keyboard and focus --------------------------------------------------------------------------


def current_id(window: MainWindow) -> str | None:
    return window.view.current_match_id()


def test_the_cursor_goes_past_group_headings_and_the_timeline_never_goes_blank(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=LA_LIGA))  # La Liga: atm-bet, bar-rma; PL: ars-che
    window = make_window(board)
    window.show()
    window.view.setFocus()
    seen = []
    for key in [Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down]:
        qtbot.keyClick(window.view, key)
        seen.append((current_id(window), window.timeline.model.match_id))
    assert seen == [
        ("atm-bet", "atm-bet"),  # the first Down lands on the first match, not "La Liga"
        ("bar-rma", "bar-rma"),
        ("ars-che", "ars-che"),  # past the "Premier League" heading
        ("ars-che", "ars-che"),
    ]
    qtbot.keyClick(window.view, Qt.Key.Key_Up)
    assert current_id(window) == "bar-rma"  # back past the heading
    qtbot.keyClick(window.view, Qt.Key.Key_Home)
    assert current_id(window) == "atm-bet"
    qtbot.keyClick(window.view, Qt.Key.Key_Up)
    assert current_id(window) == "atm-bet"  # nothing above the first match
    assert window.view.selectionModel().selectedRows() == [window.view.currentIndex()]


def test_a_click_on_a_group_heading_keeps_the_selected_match(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=LA_LIGA))
    window = make_window(board)
    window.show()
    qtbot.waitExposed(window)
    select(window, "bar-rma")
    heading = window.proxy.index(1, 0)  # "Premier League · Group A"
    assert heading.data() == "Premier League · Group A"
    assert not heading.flags() & Qt.ItemFlag.ItemIsSelectable
    qtbot.mouseClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.view.visualRect(heading).center(),
    )
    assert current_id(window) == "bar-rma"
    assert window.timeline.model.match_id == "bar-rma"


def mnemonics(texts: list[str]) -> list[str]:
    """The Alt+letter of each text (``&&`` is a literal ampersand, not a mnemonic)."""
    out = []
    for text in texts:
        found = re.search(r"(?<!&)&([^&])", text.replace("&&", ""))
        if found:
            out.append(found[1].lower())
    return out


def test_settings_dialog_mnemonics_are_all_different(qtbot):
    dialog = SettingsDialog(NoticeSettings(), backend="test", server="http://x")
    qtbot.addWidget(dialog)
    letters = mnemonics([b.text() for b in dialog.findChildren(QAbstractButton)])
    assert len(letters) >= 8  # every box has one
    assert len(letters) == len(set(letters)), letters


def test_menu_mnemonics_differ_and_settings_has_a_shortcut(qtbot, make_window):
    window = make_window(Scoreboard())
    with qtbot.waitActive(window):  # shortcuts only reach the active window
        window.show()
        window.activateWindow()
    bar = window.menuBar()
    assert len(set(mnemonics([a.text() for a in bar.actions()]))) == len(bar.actions())
    for menu_action in bar.actions():
        texts = [a.text() for a in menu_action.menu().actions() if not a.isSeparator()]
        letters = mnemonics(texts)
        assert len(letters) == len(texts) == len(set(letters)), texts
    assert not window.settings_action.shortcut().isEmpty()
    with qtbot.waitSignal(window.settingsRequested, timeout=1000):
        qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)


# --- the running minute ---------------------------------------------------------------------------


def test_the_time_cell_runs_on_between_events_and_the_tray_shows_the_same_minute(qtbot, tmp_path):
    feed = Feed(match("a"), match("b", "Brazil", "Morocco"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    wall = [KICKOFF]
    clocks = MatchClocks(board, now=lambda: wall[0])
    window = MainWindow(board, Settings(tmp_path / "s.ini"), clocks=clocks)
    qtbot.addWidget(window)
    kickoff = feed("a", "kickoff")
    kickoff.at = KICKOFF
    board.apply_event(kickoff)
    select(window, "a")
    tray = Tray(icons.app_icon(), rich_tooltip=False)

    def time_cell() -> str:
        return window.model.index_of("a", CLOCK).data()

    assert time_cell() == "0'"
    with qtbot.waitSignal(window.model.dataChanged, timeout=1000):
        moved = window.advance_clocks(KICKOFF + timedelta(minutes=31, seconds=5))
    assert moved == ["a"]  # only the match in play
    assert time_cell() == "31'"
    assert window.timeline.heading.text() == "Mexico 0 – 0 South Africa · 31'"
    tray.show_board(board.matches.values(), lambda _n: False, shown=clocks.shown)
    assert "Mexico 0 – 0 South Africa  31'" in tray.icon.toolTip().splitlines()
    assert window.advance_clocks(KICKOFF + timedelta(minutes=31, seconds=50)) == []
    tray.close()


# --- the board at any size ------------------------------------------------------------------------


def coded_board() -> Scoreboard:
    m = match("a", "Wolverhampton Wanderers", "Brighton & Hove Albion", "Premier League")
    m.home.code, m.away.code = "WOL", "BHA"
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[m, match("b", "Brazil", "Morocco")]))
    return board


def painted_team(window: MainWindow, match_id: str, column: int) -> str:
    """The text the delegate paints in a team cell, at the cell's present size."""
    view = window.view
    index = window.proxy.mapFromSource(window.model.index_of(match_id, column))
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    delegate = view.itemDelegate()
    delegate.initStyleOption(option, index)
    return delegate.team_text(option, index)


def test_a_narrow_board_shows_team_codes_and_a_wide_one_keeps_each_row_together(qtbot, make_window):
    window = make_window(coded_board())
    window.resize(380, 500)
    window.show()
    qtbot.waitExposed(window)
    header = window.view.header()
    qtbot.waitUntil(lambda: header.sectionSize(HOME) <= window.view.viewport().width() // 2)
    assert painted_team(window, "a", HOME) == "WOL"
    assert painted_team(window, "a", AWAY) == "BHA"
    assert painted_team(window, "b", HOME) == "Brazil"  # fits: stays a name (no code anyway)

    window.resize(1600, 500)
    name = window.view.fontMetrics().horizontalAdvance("Wolverhampton Wanderers")
    qtbot.waitUntil(lambda: header.sectionSize(HOME) > name)
    assert painted_team(window, "a", HOME) == "Wolverhampton Wanderers"
    assert painted_team(window, "a", AWAY) == "Brighton & Hove Albion"
    # Home is as wide as its longest name, not half the window: the time stays near the teams.
    assert header.sectionSize(HOME) < name + 120
    assert header.sectionViewportPosition(HOME) < 200


def test_a_selected_row_glows_on_a_goal_too(qtbot, make_window):
    feed = Feed(match("a"))
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    board.apply_event(feed("a", "kickoff"))
    window = make_window(board, highlight_ms=60_000)
    window.show()
    select(window, "a")
    index = window.proxy.mapFromSource(window.model.index_of("a", SCORE))

    def selection_colour() -> QColor:
        option = QStyleOptionViewItem()
        window.view.initViewItemOption(option)
        option.state |= QStyle.StateFlag.State_Selected
        window.view.itemDelegate().initStyleOption(option, index)
        return option.palette.color(QPalette.ColorRole.Highlight)

    plain = selection_colour()
    board.apply_event(feed("a", "goal", minute=3, team="home", player="Quiñones"))
    glowing = selection_colour()
    assert glowing != plain
    assert glowing.greenF() > plain.greenF()  # towards the goal colour


def test_an_empty_filter_result_and_an_empty_timeline_say_so(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board)
    window.show()
    assert window.view.placeholder == "Waiting for scores…"
    window.set_connection("live")
    window.filter_edit.setText("zebra")
    assert window.proxy.rowCount() == 0
    assert window.view.placeholder == "No team or competition matches “zebra”."
    window.filter_edit.clear()
    board.clear()
    assert window.view.placeholder == "No matches on this server yet."

    board.apply_snapshot(Snapshot(matches=[match("a")]))
    select(window, "a")
    assert window.timeline.model.rowCount() == 0
    assert window.timeline.view.placeholder.startswith("Nothing has happened yet: kick-off ")


def test_the_match_menu_chooses_which_kinds_notify_for_a_team_or_its_competition(
    qtbot, make_window
):
    notices = NoticeSettings()  # goals, in general
    notices.set_own_kinds("competition", "World Cup 2026", {"goal", "full_time"})
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board, notice_settings=lambda: notices)
    menu = window.match_menu("a")
    subs = {a.text(): a.menu() for a in menu.actions() if a.menu()}
    assert list(subs) == [
        "Notifications for Mexico",
        "Notifications for South Africa",
        "Notifications for World Cup 2026",
    ]

    def checked(sub: QMenu) -> list[str]:
        return [a.text() for a in sub.actions() if a.isChecked()]

    assert checked(subs["Notifications for Mexico"]) == [
        "As in Settings",
        "&Goals (and disallowed goals)",
    ]
    assert checked(subs["Notifications for World Cup 2026"]) == [
        "&Goals (and disallowed goals)",
        "F&ull time",
    ]
    red = next(a for a in subs["Notifications for Mexico"].actions() if a.text() == "&Red cards")
    with qtbot.waitSignal(window.kindsChosen, timeout=1000) as chosen:
        red.trigger()
    assert chosen.args == ["team", "Mexico", {"goal", "red_card"}]
    general = subs["Notifications for World Cup 2026"].actions()[0]
    with qtbot.waitSignal(window.kindsChosen, timeout=1000) as chosen:
        general.trigger()
    assert chosen.args == ["competition", "World Cup 2026", None]


def test_a_quick_reconnect_after_a_live_stream_does_not_grey_the_board(qtbot, make_window):
    """A server that ends its stream each time (the article's) is back within its retry:
    the board stays as it is; only a retry that does not bring it back greys it."""
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board)
    window.show()
    window.set_connection("live")
    greyed: list[bool] = []
    window.staleChanged.connect(greyed.append)

    closed = "the server closed the stream"
    window.set_connection("reconnecting", closed, retry_at=time.monotonic() + 0.2)
    assert not window.model.stale and not window.stale_banner.isVisible()
    window.set_connection("live")  # back, as such a server always is
    qtbot.wait(2500)
    assert greyed == [] and not window.model.stale

    window.set_connection("reconnecting", closed, retry_at=time.monotonic() + 0.1)
    window.set_connection("reconnecting", "nothing is listening", retry_at=time.monotonic() + 1)
    qtbot.waitUntil(lambda: window.model.stale, timeout=4000)  # the retry did not bring it back
    assert greyed == [True] and window.stale_banner.isVisible()
