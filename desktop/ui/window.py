"""The main window: filter box, scoreboard, the selected match's timeline, status bar.

The window only shows state and turns user actions into signals; the app (desktop/app.py) does
all I/O. Keyboard: Ctrl+F filter, Escape leaves the filter, Enter opens the timeline, F or
Space follows a team, the Menu key or Shift+F10 opens a match's menu, Alt+Left / Alt+Right
(or [ and ]) the previous / next day with matches, Alt+Home the day the board opens on,
Ctrl+, opens the settings, Ctrl+Q quits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core import days
from desktop.core.display import search_text
from desktop.core.match_clock import MatchClocks
from desktop.core.notify_settings import EVENT_KINDS, EVENT_NOTICES, NoticeSettings, Scope
from desktop.core.plaintext import mnemonic_safe
from desktop.core.state import Scoreboard
from desktop.core.status_words import STALE_STATES, connection_text, stale_text
from desktop.platform.settings import Settings
from desktop.ui import icons
from desktop.ui.banner import NoticeBanner, StaleBanner
from desktop.ui.day_picker import DayPicker
from desktop.ui.model import ScoreboardModel
from desktop.ui.scoreboard_view import ScoreboardFilter, ScoreboardView
from desktop.ui.timeline import TimelinePane


class MainWindow(QMainWindow):
    quitRequested = Signal()
    settingsRequested = Signal()
    #: "Change server…" on the stale banner: the settings dialog's data source.
    sourceRequested = Signal()
    muteMatchRequested = Signal(str, bool)  # match id, mute (True) or unmute (False)
    #: "team" or "competition", its name, and the kinds that notify for it (None: the
    #: general ones, from Settings).
    kindsChosen = Signal(str, str, object)
    retryRequested = Signal()
    visibilityChanged = Signal(bool)
    #: The window was closed and Touchline stays in the tray (the app says so, once).
    closedToTray = Signal()
    #: The board started or stopped looking out of date (greyed, with the banner).
    staleChanged = Signal(bool)

    #: A stream that was live and is retrying within this many seconds keeps looking live
    #: until that retry had its chance: a server that ends its stream each time (the
    #: article's) must not grey the board and flash the banner at every reconnect.
    STALE_GRACE_S = 5.0
    #: The filter box's words while the board shows every match (one day's: it says which).
    FILTER_HINT = "Filter by team or competition (Ctrl+F)"
    #: Alt+Home's words, for real days and for a replay's.
    TODAY_ACTION, REPLAY_DAY_ACTION = "Back to to&day", "Back to the &day being played"

    def __init__(
        self,
        board: Scoreboard,
        settings: Settings,
        *,
        is_match_muted: Callable[[str], bool] = lambda _id: False,
        highlight_ms: int = 6000,
        clocks: MatchClocks | None = None,
        notice_settings: Callable[[], NoticeSettings | None] = lambda: None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.is_match_muted = is_match_muted
        self.notice_settings = notice_settings  # the live rules' settings, read for the menus
        self.tray_available = False
        self.setObjectName("touchline")
        self.setWindowTitle("Touchline")
        self.setWindowIcon(icons.app_icon())
        self.model = ScoreboardModel(board, settings.favourites, highlight_ms, self, clocks)
        self.clocks = self.model.clocks  # the running minutes (the app moves them on)
        self.model.favouritesChanged.connect(self._save_favourites)
        # A board of one competition names it here once, its headings the rounds only.
        self.model.competitionChanged.connect(self._name_competition)
        self._name_competition()
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
        self.stale_banner.settingsRequested.connect(self.sourceRequested)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("filter")
        self.filter_edit.setPlaceholderText(self.FILTER_HINT)
        self.filter_edit.setAccessibleName("Filter matches")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.filter_edit.textChanged.connect(self._update_placeholder)
        self.filter_edit.returnPressed.connect(self._filter_entered)

        # The day shown, once the board spans several: beside the filter, as a match list's
        # date bar is. Until the user picks one the board follows its opening day (today,
        # else a day with a match under way, else the next), which moves on with the clock.
        self.day_picker = DayPicker(self)
        self.day_picker.dayChosen.connect(self.choose_day)
        self.day_picker.hide()
        self._day_chosen = False
        #: Today by the wall clock; the day the names are relative to and the board follows
        #: (today, or the day a replay has reached); whether that is a real day ("Today").
        self._wall_today = days.today()
        self._today, self._relative = self._wall_today, True
        self._live_days: dict[date, int] = {}
        self._said_elsewhere = ""  # the status bar's last word on the filter's other days
        self.model.daysChanged.connect(self._days_changed)

        self.view = ScoreboardView(self)
        self.view.setModel(self.proxy)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.menuRequested.connect(self._match_menu)
        self.view.followRequested.connect(self._follow)
        self.view.matchActivated.connect(self._focus_timeline)

        self.timeline = TimelinePane(board, self, shown=self.clocks.shown)
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
        board_bar = QHBoxLayout()
        board_bar.setSpacing(6)
        board_bar.addWidget(self.filter_edit, 1)
        board_bar.addWidget(self.day_picker)
        for widget in (self.notice_banner, self.stale_banner):
            layout.addWidget(widget)
        layout.addLayout(board_bar)
        layout.addWidget(self.splitter)
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
        self._ever_live = False
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._show_state)
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self._grace_over)

        self._build_menus()
        self._restore()
        self._days_changed()

    # --- menus and shortcuts ---------------------------------------------------------------

    def _build_menus(self) -> None:
        app_menu = self.menuBar().addMenu("&Touchline")
        self.settings_action = QAction("&Settings…", self)
        # The platform's own (Cmd+, on macOS) where it has one, and Ctrl+, everywhere: most
        # Linux desktops define no Preferences key, which left Settings without a shortcut.
        preferences = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        comma = QKeySequence("Ctrl+,")
        extra = [] if comma in preferences else [comma]
        self.settings_action.setShortcuts([*preferences, *extra])
        self.settings_action.triggered.connect(self.settingsRequested)
        app_menu.addAction(self.settings_action)
        app_menu.addSeparator()
        # Ctrl+W (the platform's Close): to the tray where there is one, else it quits.
        self.close_action = QAction("&Close window", self)
        self.close_action.setShortcuts(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close)
        app_menu.addAction(self.close_action)
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
        view_menu.addSeparator()
        # Alt+arrows as a browser's back and forward; [ and ] as one-key stand-ins (a
        # shortcut, so typed into the filter box they stay text).
        self.previous_day_action = QAction("&Previous day", self)
        self.previous_day_action.setShortcuts([QKeySequence("Alt+Left"), QKeySequence("[")])
        self.previous_day_action.triggered.connect(lambda: self.day_picker.step(-1))
        self.next_day_action = QAction("&Next day", self)
        self.next_day_action.setShortcuts([QKeySequence("Alt+Right"), QKeySequence("]")])
        self.next_day_action.triggered.connect(lambda: self.day_picker.step(1))
        self.today_action = QAction(self.TODAY_ACTION, self)
        self.today_action.setShortcut(QKeySequence("Alt+Home"))
        self.today_action.triggered.connect(self.follow_opening_day)
        for action in (self.previous_day_action, self.next_day_action, self.today_action):
            view_menu.addAction(action)

    def _name_competition(self) -> None:
        competition = self.model.competition
        self.setWindowTitle(f"{competition} – Touchline" if competition else "Touchline")

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

    # --- days ----------------------------------------------------------------------------

    def choose_day(self, day: date) -> None:
        """Shows ``day``'s matches (the user's choice: the board stays there)."""
        self._day_chosen = True
        self._show_day(day)

    def follow_opening_day(self) -> None:
        """Back to the day the board opens on, and following it as the clock moves on."""
        self._day_chosen = False
        self._days_changed()

    def _show_day(self, day: date | None) -> None:
        if day != self.model.day:
            # The selected match stays selected if it is on that day too; else none is (Qt
            # would move the selection to a neighbour of each row that leaves, so the timeline
            # would show a match nobody chose).
            current = self.view.current_match_id()
            self.view.clearSelection()
            self.view.setCurrentIndex(QModelIndex())
            self.model.set_day(day)
            if current is not None and self.model.contains(current):
                self.view.select_match(self.proxy.mapFromSource(self.model.index_of(current)))
        self._refresh_picker()
        self._update_placeholder()

    def _days_changed(self) -> None:
        """A day got its first match or lost its last: a board of one day (or of one evening
        past midnight) shows all; one of several shows the chosen day while it has matches,
        else the opening day."""
        counts = self.model.days()
        self._live_days = self._count_live()
        self._today, self._relative = self._reference(None)
        multi = self._by_day(counts)
        if not multi:
            self._day_chosen = False
            self._show_day(None)
            self.day_picker.hide()
        else:
            shown = self.model.day
            if not (self._day_chosen and shown in counts):
                self._day_chosen = False
                shown = days.default_day(counts, self._live_days, self._today)
            self._show_day(shown)
            self.day_picker.show()
        for action in (self.previous_day_action, self.next_day_action, self.today_action):
            action.setEnabled(multi)
        self.today_action.setText(self.TODAY_ACTION if self._relative else self.REPLAY_DAY_ACTION)

    def _reference(self, now: datetime | None) -> tuple[date, bool]:
        """The day the board's days are named from and that it opens on, and whether it is
        today: a replay's days are not the wall clock's (a month played in an evening), so
        the board follows the day the replay has reached and names each day by its date."""
        at = days.replay_day(self.model.board.matches.values(), now or datetime.now(UTC))
        if at is not None:
            return at, False
        return (days.today(now) if now else self._wall_today), True

    def _by_day(self, counts: dict[date, int]) -> bool:
        if len(counts) < 2:  # the usual board: no need to look at every kick-off
            return False
        kickoffs = [days.calendar_kickoff(m) for m in self.model.board.matches.values()]
        return days.by_day(len(counts), min(kickoffs, default=None), max(kickoffs, default=None))

    def _count_live(self) -> dict[date, int]:
        live: dict[date, int] = {}
        for match in self.model.board.matches.values():
            if days.phase(match) == days.LIVE:
                day = self.model.day_of(match.id)
                if day is not None:
                    live[day] = live.get(day, 0) + 1
        return live

    def _refresh_picker(self) -> None:
        if self.model.day is not None:
            counts = self.model.days()
            self.day_picker.set_days(
                counts,
                self._live_days,
                self.model.day,
                self._today,
                relative=self._relative,
                stages=self._day_stages(),
            )

    def _day_stages(self) -> dict[date, str]:
        rounds: dict[date, list[str | None]] = {}
        for match in self.model.board.matches.values():
            day = self.model.day_of(match.id)
            if day is not None:
                rounds.setdefault(day, []).append(match.round)
        named = ((day, days.day_stage(each)) for day, each in rounds.items())
        return {day: stage for day, stage in named if stage}

    def _days_tick(self, now: datetime) -> None:
        """Once a second, while the board has matches on several days: the names move on at
        midnight, the live counts with the matches, an unchosen day with the opening day (a
        replay's with the replay), and the board browses by day once its kick-offs are far
        enough apart (or stops)."""
        counts = self.model.days()
        if len(counts) < 2:
            return
        self._wall_today = days.today(now)
        reference, live, multi = self._reference(now), self._count_live(), self._by_day(counts)
        shown = self.model.day
        same = reference == (self._today, self._relative) and live == self._live_days
        if same and multi == (shown is not None):
            return
        (self._today, self._relative), self._live_days = reference, live
        if self._day_chosen and multi and shown is not None:
            self._refresh_picker()
            self._update_placeholder()
        else:
            self._days_changed()

    def advance_clocks(self, now: datetime) -> list[str]:
        """Moves the running minutes on to ``now`` and redraws those that changed (the
        scoreboard's Time cells, the timeline's heading); returns their match ids. The day
        picker moves on too (names at midnight, live counts)."""
        self._days_tick(now)
        moved = self.clocks.advance(now)
        if moved:
            self.model.minutes_moved(moved)
            if self.timeline.model.match_id in moved:
                self.timeline.refresh_heading()
        return moved

    # --- selection, timeline, match menu ---------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        source = self.proxy.mapToSource(current)
        self.timeline.show_match(self.model.match_id(source))

    def _focus_timeline(self, *_args: object) -> None:
        if self.timeline.model.match_id:
            self.timeline.view.setFocus()

    def open_match(self, match_id: str | None) -> None:
        """Shows the window with ``match_id`` selected and its timeline open (on its day);
        None (a notice about no match, such as the tray hint): the window as it was."""
        self.show_and_raise()
        if match_id is None:
            return
        day = self.model.day_of(match_id)
        if self.model.day is not None and day is not None and day != self.model.day:
            self.choose_day(day)
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
            action.triggered.connect(lambda _checked, t=team: self._toggle_follow(t))
        menu.addSeparator()
        muted = self.is_match_muted(match_id)
        mute = menu.addAction("Unmute this match" if muted else "Mute this match")
        mute.triggered.connect(lambda: self.muteMatchRequested.emit(match_id, not muted))
        notices = self.notice_settings()
        if notices is not None:
            scopes: tuple[tuple[Scope, str], ...] = (
                ("team", m.home.name),
                ("team", m.away.name),
                ("competition", m.competition),
            )
            for scope, name in scopes:
                sub = menu.addMenu(mnemonic_safe(f"Notifications for {name}"))
                self._kinds_menu(sub, notices, scope, name)
        timeline = menu.addAction("Show timeline")

        def show_timeline() -> None:
            self.open_match(match_id)
            self._focus_timeline()

        timeline.triggered.connect(show_timeline)
        return menu

    def _kinds_menu(self, menu: QMenu, notices: NoticeSettings, scope: Scope, name: str) -> None:
        """The kinds that notify for this team or competition, or "As in Settings"."""
        own = notices.own_kinds(scope, name)
        general = menu.addAction("As in Settings")
        general.setCheckable(True)
        general.setChecked(own is None)
        general.triggered.connect(lambda: self.kindsChosen.emit(scope, name, None))
        menu.addSeparator()
        shown = set(own if own is not None else notices.kinds)
        for kind in EVENT_KINDS:
            action = menu.addAction(EVENT_NOTICES[kind].label)
            action.setCheckable(True)
            action.setChecked(kind in shown)
            action.triggered.connect(
                lambda on, k=kind: self.kindsChosen.emit(
                    scope, name, shown | {k} if on else shown - {k}
                )
            )

    def _match_menu(self, match_id: str, pos: QPoint) -> None:
        menu = self.match_menu(match_id)
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def follow_menu(self, match_id: str) -> QMenu | None:
        """What F, Space or the star do on a row: None when that did it at once (one of its
        teams was followed: now it is not), else a menu naming the two teams to choose from
        (also used by the tests)."""
        m = self.model.board.matches.get(match_id)
        if m is None:
            return None
        teams = (m.home.name, m.away.name)
        followed = [team for team in teams if self.model.is_favourite_team(team)]
        if len(followed) == 1:
            self._toggle_follow(followed[0])
            return None
        menu = QMenu(self)
        menu.setObjectName("followMenu")
        menu.setAccessibleName("Follow which team?")
        for team in teams:
            action = menu.addAction(mnemonic_safe(team))
            action.setCheckable(True)
            action.setChecked(team in followed)
            action.triggered.connect(lambda _checked, t=team: self._toggle_follow(t))
        return menu

    def _follow(self, match_id: str, pos: QPoint) -> None:
        menu = self.follow_menu(match_id)
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def _toggle_follow(self, team: str) -> None:
        now = self.model.toggle_favourite(team)
        words = f"Following {team}" if now else f"No longer following {team}"
        self.statusBar().showMessage(words, 4000)

    def _save_favourites(self) -> None:
        self.settings.favourites = sorted(self.model.favourites())

    # --- connection state ------------------------------------------------------------------

    def set_server(self, url: str, embedded: bool = False, provider: str | None = None) -> None:
        """The server followed from now on (it was never reached yet)."""
        # The built-in server's loopback address means nothing to a fan and, in a narrow
        # window, clipped the words that do: the words, the address in the tooltip.
        where = f"Built-in server following {provider}" if provider else "Built-in demo"
        self.server_label.setText(where if embedded else url)
        self.server_label.setToolTip(url)
        self._ever_live = False
        self._update_placeholder()

    def _update_placeholder(self, *_args: object) -> None:
        """What the scoreboard says when it shows no match: that the filter left none (on the
        day shown, and where else it finds some), that the day has none, or that there are
        none (yet). The filter box says which day it searches."""
        text = self.filter_edit.text().strip()
        day = self.model.day
        phrase = ""
        if day is not None:
            phrase = f" {days.day_phrase(day, self._today, relative=self._relative)}"
        hint = f"Filter matches{phrase} by team, competition or round (Ctrl+F)"
        self.filter_edit.setPlaceholderText(hint if day is not None else self.FILTER_HINT)
        elsewhere = ""
        if not text:
            self._said_elsewhere = ""
        elif day is not None:
            found = self._days_matching(text)
            names = ", ".join(
                days.day_name(d, self._today, relative=self._relative) for d in found[:5]
            )
            more = f" and {len(found) - 5} more days" if len(found) > 5 else ""
            elsewhere = f"{names}{more}" if found else ""
        if text:
            words = f"No team or competition matches “{text}”{phrase}."
            if elsewhere:
                words += f"\nOn other days: {elsewhere} (Alt+Left, Alt+Right)."
            said = f"“{text}” is on other days too: {elsewhere}."
            # Found here too: a word on the others, once (not at every change of connection).
            if elsewhere and self.proxy.rowCount() and said != self._said_elsewhere:
                self.statusBar().showMessage(said, 8000)
            self._said_elsewhere = said
        elif day is not None and self.model.rowCount() == 0:
            words = f"No matches{phrase}."
        elif self._ever_live:
            words = "No matches on this server yet."
        else:
            words = "Waiting for scores…"
        if words != self.view.placeholder:
            self.view.placeholder = words
            self.view.viewport().update()

    def _days_matching(self, text: str) -> list[date]:
        """The other days with a match the filter's text finds (as the filter does: in the
        teams, competition and round, ignoring case)."""
        folded = text.casefold()
        found = {
            day
            for match in self.model.board.matches.values()
            if folded in search_text(match).casefold()
            and (day := self.model.day_of(match.id)) is not None
            and day != self.model.day
        }
        return sorted(found)

    def set_connection(self, kind: str, reason: str = "", retry_at: float | None = None) -> None:
        """Shows a stream state; ``retry_at`` is a ``time.monotonic()`` deadline."""
        self._ever_live = self._ever_live or kind == "live"
        self._update_placeholder()
        self._state = (kind, reason, retry_at)
        stale = kind in STALE_STATES
        soon = retry_at is not None and retry_at - time.monotonic() <= self.STALE_GRACE_S
        if stale and soon and not self.model.stale and self._ever_live:
            if not self._grace.isActive():  # never extended: a retry that fails shows it
                left = (retry_at or 0.0) - time.monotonic()
                self._grace.start(int((max(0.0, left) + 2.0) * 1000))
        else:
            self._grace.stop()
            self._set_stale(stale)
        if retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        self._show_state()

    def _grace_over(self) -> None:
        self._set_stale(self._state[0] in STALE_STATES)
        self._show_state()

    def _set_stale(self, stale: bool) -> None:
        if stale != self.model.stale:
            self.model.set_stale(stale)
            self.staleChanged.emit(stale)
        if not stale:
            self.stale_banner.hide()

    @property
    def looks_stale(self) -> bool:
        """Whether the board is shown as out of date now (greyed, the banner up)."""
        return self.model.stale

    def _show_state(self) -> None:
        kind, reason, retry_at = self._state
        retry_in = None if retry_at is None else max(0.0, retry_at - time.monotonic())
        ever = self._ever_live
        self.status_label.setText(connection_text(kind, reason, retry_in, ever_live=ever))
        if self.model.stale and kind in STALE_STATES:
            self.stale_banner.show_text(stale_text(kind, reason, retry_in, ever_live=ever))

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
            self.closedToTray.emit()
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
        self._grace.stop()
        self.model.detach()
        self.timeline.model.detach()
