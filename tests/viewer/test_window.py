"""The main window: timeline, status bar and stale state, filter, favourites, persistence."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from desktop.core.notify_rules import Notice
from desktop.core.state import Scoreboard
from desktop.platform.settings import Settings
from desktop.ui.cells import FAVOURITES_GROUP, HOME, SCORE
from desktop.ui.timeline import KIND, MINUTE, PLAYER, TEXT, KindRole
from desktop.ui.window import MainWindow
from server.wire import Snapshot
from tests.support.matchdata import Feed, later, match

MARKUP = ["<b>X</b>", "<img src=x onerror=alert(1)>"]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(tmp_path / "touchline.ini")


@pytest.fixture
def make_window(qtbot, settings):
    made: list[MainWindow] = []

    def make(board: Scoreboard, **kw) -> MainWindow:
        window = MainWindow(board, kw.pop("settings", settings), **kw)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.detach()


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

    assert timeline_rows(window) == [
        ("0'", "whistle", "", "Kick-off"),
        ("9'", "goal", "Quiñones", board.matches["a"].events[1].text),
        ("30'", "yellow", "Mokoena", "Yellow card: Mokoena"),
        ("45+2'", "penalty", "Jiménez", board.matches["a"].events[3].text),
        ("60'", "substitution", "Foster for Rayners", board.matches["a"].events[4].text),
    ]
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


def test_f_key_on_a_match_asks_for_its_menu(qtbot, make_window):
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    window = make_window(board)
    window.show()
    select(window, "a")
    with qtbot.waitSignal(window.view.menuRequested, timeout=1000) as blocker:
        qtbot.keyClick(window.view, Qt.Key.Key_F)
    assert blocker.args[0] == "a"


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
