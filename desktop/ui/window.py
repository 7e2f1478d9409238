"""The main window: filter box, scoreboard, the selected match's timeline, status bar.

The window only shows state and turns user actions into signals; the app (desktop/app.py) does
all I/O. Keyboard: Ctrl+F filter, Escape leaves the filter, Enter opens the timeline, F or
Space follows a team, the Menu key or Shift+F10 opens a match's menu, Ctrl+Q quits.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.plaintext import mnemonic_safe
from desktop.core.state import Scoreboard
from desktop.core.status_words import STALE_STATES, connection_text, stale_text
from desktop.platform.settings import Settings
from desktop.ui import icons
from desktop.ui.banner import NoticeBanner, StaleBanner
from desktop.ui.model import ScoreboardModel
from desktop.ui.scoreboard_view import ScoreboardFilter, ScoreboardView
from desktop.ui.timeline import TimelinePane


class MainWindow(QMainWindow):
    quitRequested = Signal()
    settingsRequested = Signal()
    muteMatchRequested = Signal(str, bool)  # match id, mute (True) or unmute (False)
    retryRequested = Signal()
    visibilityChanged = Signal(bool)

    def __init__(
        self,
        board: Scoreboard,
        settings: Settings,
        *,
        is_match_muted: Callable[[str], bool] = lambda _id: False,
        highlight_ms: int = 6000,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.is_match_muted = is_match_muted
        self.tray_available = False
        self.setObjectName("touchline")
        self.setWindowTitle("Touchline")
        self.setWindowIcon(icons.app_icon())
        self.model = ScoreboardModel(board, settings.favourites, highlight_ms, self)
        self.model.favouritesChanged.connect(self._save_favourites)
        self.proxy = ScoreboardFilter(self)
        self.proxy.setSourceModel(self.model)

        self.notice_banner = NoticeBanner(self)
        self.notice_banner.openRequested.connect(self.open_match)
        self.notice_banner.muteRequested.connect(
            lambda mid: self.muteMatchRequested.emit(mid, True)
        )
        self.stale_banner = StaleBanner(self)
        self.stale_banner.label.setText("Scores may be out of date.")
        self.stale_banner.retryRequested.connect(self.retryRequested)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("filter")
        self.filter_edit.setPlaceholderText("Filter by team or competition (Ctrl+F)")
        self.filter_edit.setAccessibleName("Filter matches")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.filter_edit.returnPressed.connect(self._filter_entered)

        self.view = ScoreboardView(self)
        self.view.setModel(self.proxy)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.menuRequested.connect(self._match_menu)
        self.view.matchActivated.connect(self._focus_timeline)

        self.timeline = TimelinePane(board, self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("splitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        for widget in (self.notice_banner, self.stale_banner, self.filter_edit, self.splitter):
            layout.addWidget(widget)
        self.setCentralWidget(central)
        self.setTabOrder(self.filter_edit, self.view)
        self.setTabOrder(self.view, self.timeline.view)
        # The scoreboard starts with the focus (arrows, Enter, F), not the filter box, whose
        # blinking cursor repainted the window twice a second while nothing else happened.
        self.view.setFocus()

        self.status_label = QLabel("Connecting…", self)
        self.status_label.setObjectName("connectionStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setAccessibleName("Connection status")
        self.server_label = QLabel("", self)
        self.server_label.setObjectName("serverUrl")
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        self.server_label.setAccessibleName("Server")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.server_label)
        self._state: tuple[str, str, float | None] = ("connecting", "", None)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._show_state)

        self._build_menus()
        self._restore()

    # --- menus and shortcuts ---------------------------------------------------------------

    def _build_menus(self) -> None:
        app_menu = self.menuBar().addMenu("&Touchline")
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self.settingsRequested)
        app_menu.addAction(self.settings_action)
        app_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.quitRequested)
        app_menu.addAction(self.quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.find_action = QAction("&Filter matches", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_filter)
        view_menu.addAction(self.find_action)
        self.timeline_action = QAction("Show &timeline", self)
        self.timeline_action.setShortcut(QKeySequence("Ctrl+T"))
        self.timeline_action.triggered.connect(self._focus_timeline)
        view_menu.addAction(self.timeline_action)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.filter_edit.hasFocus():
            self.filter_edit.clear()
            self.view.setFocus()
            return
        super().keyPressEvent(event)

    def _filter_entered(self) -> None:
        """Enter in the filter box goes to the first match shown."""
        group = self.proxy.index(0, 0)
        first = self.proxy.index(0, 0, group)
        if first.isValid():
            self.view.select_match(first)
            self.view.setFocus()

    # --- selection, timeline, match menu ---------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        source = self.proxy.mapToSource(current)
        self.timeline.show_match(self.model.match_id(source))

    def _focus_timeline(self, *_args: object) -> None:
        if self.timeline.model.match_id:
            self.timeline.view.setFocus()

    def open_match(self, match_id: str) -> None:
        """Shows the window with ``match_id`` selected and its timeline open."""
        self.show_and_raise()
        if (
            self.filter_edit.text()
            and not self.proxy.mapFromSource(self.model.index_of(match_id)).isValid()
        ):
            self.filter_edit.clear()  # the match is hidden by the filter
        index = self.proxy.mapFromSource(self.model.index_of(match_id))
        self.view.select_match(index)
        self.timeline.show_match(match_id)

    def match_menu(self, match_id: str) -> QMenu | None:
        """Follow home / follow away / mute: the row's menu (also used by the tests)."""
        m = self.model.board.matches.get(match_id)
        if m is None:
            return None
        menu = QMenu(self)
        for team in (m.home.name, m.away.name):
            action = menu.addAction(mnemonic_safe(f"Follow {team}"))
            action.setCheckable(True)
            action.setChecked(self.model.is_favourite_team(team))
            action.triggered.connect(lambda _checked, t=team: self.model.toggle_favourite(t))
        menu.addSeparator()
        muted = self.is_match_muted(match_id)
        mute = menu.addAction("Unmute this match" if muted else "Mute this match")
        mute.triggered.connect(lambda: self.muteMatchRequested.emit(match_id, not muted))
        timeline = menu.addAction("Show timeline")

        def show_timeline() -> None:
            self.open_match(match_id)
            self._focus_timeline()

        timeline.triggered.connect(show_timeline)
        return menu

    def _match_menu(self, match_id: str, pos: QPoint) -> None:
        menu = self.match_menu(match_id)
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def _save_favourites(self) -> None:
        self.settings.favourites = sorted(self.model.favourites())

    # --- connection state ------------------------------------------------------------------

    def set_server(self, url: str, embedded: bool = False) -> None:
        self.server_label.setText(f"{url} (built-in demo server)" if embedded else url)

    def set_connection(self, kind: str, reason: str = "", retry_at: float | None = None) -> None:
        """Shows a stream state; ``retry_at`` is a ``time.monotonic()`` deadline."""
        self._state = (kind, reason, retry_at)
        stale = kind in STALE_STATES
        self.model.set_stale(stale)
        if retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        self._show_state()
        if not stale:
            self.stale_banner.hide()

    def _show_state(self) -> None:
        kind, reason, retry_at = self._state
        retry_in = None if retry_at is None else max(0.0, retry_at - time.monotonic())
        self.status_label.setText(connection_text(kind, reason, retry_in))
        if kind in STALE_STATES:
            self.stale_banner.show_text(stale_text(kind, reason, retry_in))

    # --- showing, hiding, closing ------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switch: glyphs drawn with palette colours are drawn again.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            icons.clear_cache()
            self.view.viewport().update()
            self.timeline.view.viewport().update()
        super().changeEvent(event)

    def show_and_raise(self) -> None:
        self.showNormal() if self.isMinimized() else self.show()
        self.raise_()
        self.activateWindow()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.visibilityChanged.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:
        self.save_layout()
        super().hideEvent(event)
        self.visibilityChanged.emit(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        """With a tray, closing hides to the tray; without one, closing quits."""
        self.save_layout()
        if self.tray_available:
            event.ignore()
            self.hide()
        else:
            event.accept()
            self.quitRequested.emit()

    def save_layout(self) -> None:
        self.settings.set_bytes("geometry", self.saveGeometry())
        self.settings.set_bytes("splitter", self.splitter.saveState())

    def _restore(self) -> None:
        geometry = self.settings.bytes("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(760, 620)
        splitter = self.settings.bytes("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def detach(self) -> None:
        """Stops listening to the scoreboard (the window is going away)."""
        self._countdown.stop()
        self.model.detach()
        self.timeline.model.detach()
