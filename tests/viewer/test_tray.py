"""The tray icon: tooltip with live scores (favourites first), menu actions, offline look."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextDocument

from desktop.core.state import Scoreboard
from desktop.ui import icons
from desktop.ui.tray import Tray, tooltip_is_rich, tooltip_lines
from server.wire import Snapshot
from tests.support.matchdata import Feed, later, match


@pytest.fixture
def tray(qapp):
    made = []

    def make(rich: bool = False) -> Tray:
        t = Tray(icons.app_icon(), rich_tooltip=rich)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def live_board() -> Scoreboard:
    feed = Feed(
        match("a"),
        match("b", "Brazil", "Morocco", kickoff=later(1)),
        match("c", "Spain", "Italy", kickoff=later(2)),
    )
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    for mid in ("a", "b"):
        board.apply_event(feed(mid, "kickoff"))
    board.apply_event(feed("b", "goal", minute=12, team="away", player="Ziyech"))
    return board


def test_tooltip_lists_live_scores_with_favourites_first():
    board = live_board()
    lines = tooltip_lines(board.matches.values(), lambda n: n == "Morocco")
    assert lines == [
        "Touchline",
        "Brazil 0 – 1 Morocco  12'",
        "Mexico 0 – 0 South Africa  0'",
    ]
    no_fav = tooltip_lines(board.matches.values(), lambda n: False)
    assert no_fav[1].startswith("Mexico")  # earlier kick-off first otherwise


def test_tooltip_without_live_matches_says_so_and_shows_offline_and_mute():
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    lines = tooltip_lines(
        board.matches.values(), lambda n: False, offline="Offline", muted="Muted until 18:00"
    )
    assert lines == ["Touchline", "Offline", "No live matches", "Muted until 18:00"]


@pytest.mark.parametrize("name", ["<b>X</b>", "<img src=x onerror=alert(1)>"])
def test_rich_tooltip_shows_markup_names_verbatim(tray, name):
    t = tray(rich=True)
    t.set_lines(["Touchline", f"{name} 1 – 0 Y  9'"])
    doc = QTextDocument()
    doc.setHtml(t.icon.toolTip())
    assert doc.toPlainText() == f"Touchline\n{name} 1 – 0 Y  9'"
    plain = tray(rich=False)
    plain.set_lines(["Touchline", f"{name} 1 – 0 Y  9'"])
    assert plain.icon.toolTip() == f"Touchline\n{name} 1 – 0 Y  9'"


def test_tooltip_is_rich_only_for_qt_own_tray_on_linux(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    assert tooltip_is_rich(status_notifier=False)
    assert not tooltip_is_rich(status_notifier=True)
    monkeypatch.setattr("sys.platform", "win32")
    assert not tooltip_is_rich(status_notifier=False)


def test_menu_actions_emit_their_requests(qtbot, tray):
    t = tray()
    assert [a.text() for a in t.menu.actions() if a.text()] == [
        "Show Touchline",
        "Mute for an hour",
        "Mute until tomorrow",
        "Unmute",
        "Quit Touchline",
    ]
    with qtbot.waitSignal(t.muteRequested) as blocker:
        t.mute_hour_action.trigger()
    assert blocker.args == ["hour"]
    with qtbot.waitSignal(t.muteRequested) as blocker:
        t.mute_day_action.trigger()
    assert blocker.args == ["tomorrow"]
    with qtbot.waitSignal(t.quitRequested):
        t.quit_action.trigger()
    with qtbot.waitSignal(t.toggleWindowRequested):
        t.toggle_action.trigger()


def test_unmute_is_enabled_only_while_muted_and_says_until_when(tray):
    from datetime import UTC, datetime

    t = tray()
    assert not t.unmute_action.isEnabled()
    until = datetime(2026, 6, 11, 18, 30, tzinfo=UTC)
    t.set_muted_until(until)
    assert t.unmute_action.isEnabled()
    assert until.astimezone().strftime("%H:%M") in t.unmute_action.text()
    t.set_muted_until(None)
    assert not t.unmute_action.isEnabled()


def test_window_visibility_flips_the_show_hide_action(tray):
    t = tray()
    t.set_window_visible(True)
    assert t.toggle_action.text() == "Hide Touchline"
    t.set_window_visible(False)
    assert t.toggle_action.text() == "Show Touchline"


def test_offline_icon_is_greyed(tray):
    t = tray()
    online = t.icon.icon().pixmap(32).toImage()
    t.set_online(False)
    offline = t.icon.icon().pixmap(32).toImage()
    assert online != offline
    centre = offline.pixelColor(16, 4)  # the green pitch
    assert abs(centre.red() - centre.green()) < 20  # grey, not green
    t.set_online(True)
