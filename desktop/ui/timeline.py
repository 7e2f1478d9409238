"""The selected match's timeline: one row per event, with a glyph per kind.

New events arrive as rowsInserted at the end; a disallowed goal strikes through the goal it
takes back (dataChanged on that row). Switching to another match resets the model, which is
what a reset is for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import display
from desktop.core.plaintext import rich
from desktop.core.state import Change, Scoreboard
from desktop.ui import icons
from desktop.ui.cells import stale_brush
from desktop.ui.column_fit import ColumnFit, icon_column_width
from desktop.ui.pacing import Pacer
from desktop.ui.placeholder import paint_placeholder
from server.wire import Match, MatchEvent
from server.wire_text import format_minute

MINUTE, KIND, TEAM, PLAYER, TEXT = range(5)
HEADERS = ("Min", "", "Team", "Player", "What happened")
KindRole = Qt.ItemDataRole.UserRole + 20
EventIdRole = Qt.ItemDataRole.UserRole + 21

AnyIndex = QModelIndex | QPersistentModelIndex


def event_kind(ev: MatchEvent) -> str:
    return icons.timeline_kind(
        ev.type, card=ev.card, penalty=ev.penalty, own_goal=ev.own_goal, scored=ev.scored
    )


def player_text(ev: MatchEvent) -> str:
    if ev.type == "substitution" and ev.player_in:
        return f"{ev.player_in} for {ev.player_out}" if ev.player_out else ev.player_in
    return ev.player or ""


class TimelineModel(QAbstractTableModel):
    #: The shown match changed in any way (score, clock, events...): headings refresh on it.
    matchUpdated = Signal()

    def __init__(self, board: Scoreboard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._board = board
        self._match_id: str | None = None
        self._events: list[MatchEvent] = []
        self._cancelled: set[str] = set()  # goals taken back by a goal_disallowed
        self._pending: set[str] = set()  # changed fields held until the board's batch ends
        self._unsubscribe = board.subscribe(self._on_change)
        self._pacer = Pacer(self._flush, parent=self)
        self._unsubscribe_batch = board.on_batch_end(self._pacer.request)

    def detach(self) -> None:
        self._unsubscribe()
        self._unsubscribe_batch()
        self._pacer.stop()

    @property
    def match_id(self) -> str | None:
        return self._match_id

    def shown_match(self) -> Match | None:
        return self._board.matches.get(self._match_id) if self._match_id else None

    def set_match(self, match_id: str | None) -> None:
        self.beginResetModel()
        self._match_id = match_id
        m = self.shown_match()
        self._events = list(m.events) if m else []
        self._cancelled = {e.cancels for e in self._events if e.cancels}
        self._pending.clear()
        self.endResetModel()

    # --- Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return HEADERS[section] or "Kind"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        ev = self._events[index.row()]
        col, R = index.column(), Qt.ItemDataRole
        kind = event_kind(ev)
        if role == R.DisplayRole:
            return self._text(ev, col)
        if role == KindRole:
            return kind
        if role == EventIdRole:
            return ev.id
        if role == R.DecorationRole and col == KIND:
            return icons.event_icon(kind)
        if role == R.ToolTipRole and col == KIND:
            return rich(icons.KIND_NAMES[kind])
        if role == R.ToolTipRole and col == TEXT and ev.text:
            return rich([ev.text])  # the feed's own sentence, in full
        if role == R.AccessibleTextRole:
            return icons.KIND_NAMES[kind] if col == KIND else self._text(ev, col)
        cancelled = self._is_cancelled(ev)
        if role == R.FontRole and cancelled:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == R.ForegroundRole and cancelled:
            return stale_brush()
        if role == R.TextAlignmentRole and col == MINUTE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def _text(self, ev: MatchEvent, col: int) -> str:
        if col == MINUTE:
            return format_minute(ev.minute, ev.added)
        if col == TEAM:
            m = self.shown_match()
            return getattr(m, ev.team).name if m and ev.team else ""
        if col == PLAYER:
            return player_text(ev)
        if col == TEXT:
            return display.what_happened(ev)
        return ""

    def column_texts(self, column: int) -> Iterator[tuple[str, bool]]:
        """Each row's text in ``column`` (never bold), for fitting the column's width."""
        for ev in self._events:
            yield self._text(ev, column), False

    def _is_cancelled(self, ev: MatchEvent) -> bool:
        return ev.type == "goal" and ev.id in self._cancelled

    # --- following the board -----------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.match_id != self._match_id:
            return
        if self._board.in_batch:  # a burst: new rows go in once, at the next frame
            self._pending |= change.fields
        else:
            self._follow(change.fields)

    def _flush(self) -> None:
        if self._pending:
            fields, self._pending = frozenset(self._pending), set()
            self._follow(fields)

    def _follow(self, fields: frozenset[str]) -> None:
        m = self.shown_match()
        if m is None:  # the match is gone from the server
            self.set_match(None)
            return
        if "events" in fields:
            self._sync(m)
        if {"home", "away"} & fields and self._events:
            last = len(self._events) - 1
            self.dataChanged.emit(self.index(0, TEAM), self.index(last, TEAM))
        self.matchUpdated.emit()

    def _sync(self, m: Match) -> None:
        old = [e.id for e in self._events]
        new = [e.id for e in m.events]
        if new[: len(old)] != old:  # history rewritten (a fresh snapshot): start over
            self.set_match(self._match_id)
            return
        # A goal completed in place (goal_update: its scorer came later) redraws its own row.
        for row, (shown, now) in enumerate(zip(self._events, m.events, strict=False)):
            if shown is not now and shown != now:
                self._events[row] = now
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
        if len(new) == len(old):
            return
        first = len(old)
        self.beginInsertRows(QModelIndex(), first, len(new) - 1)
        self._events = list(m.events)
        self._cancelled.update(e.cancels for e in self._events[first:] if e.cancels)
        self.endInsertRows()
        for ev in self._events[first:]:
            if ev.cancels and ev.cancels in old:
                row = old.index(ev.cancels)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))


def empty_timeline_text(m: Match) -> str:
    """What an empty timeline says: when the match starts, or that nothing happened yet."""
    if m.status == "scheduled":
        return f"Nothing has happened yet: kick-off {display.kickoff_text(m)}."
    return "Nothing has happened yet."


def match_heading(m: Match, shown: tuple[int | None, int | None] | None = None) -> str:
    """``Mexico 2 – 0 South Africa · 67'`` (plain text); ``shown``: the running minute."""
    clock = display.clock_text(m, shown=shown)
    return f"{m.home.name} {display.score_text(m)} {m.away.name} · {clock}"


class TimelineView(QTreeView):
    """The event list; it says so in words when the selected match has none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = ""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            paint_placeholder(self, self.placeholder)


class TimelinePane(QWidget):
    """A heading naming the match, and the event list under it."""

    EMPTY = "Select a match to see its timeline."

    def __init__(
        self,
        board: Scoreboard,
        parent: QWidget | None = None,
        *,
        shown: Callable[[Match], tuple[int | None, int | None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._shown = shown  # the running minute of a match, as the scoreboard shows it
        self.model = TimelineModel(board, self)
        self.heading = QLabel(self.EMPTY, self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setObjectName("timelineHeading")
        self.heading.setAccessibleName("Selected match")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.view = TimelineView(self)
        self.view.setObjectName("timeline")
        self.view.setAccessibleName("Match timeline")
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setStretchLastSection(True)
        # Fitted to their texts without ResizeToContents, which measured every row through
        # the delegate on each new event (desktop.ui.column_fit); the glyphs have one size.
        self.fit = ColumnFit(self.view, (MINUTE, TEAM, PLAYER), self.model.column_texts)
        self.fit.watch(self.model)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(KIND, max(header.sectionSizeHint(KIND), icon_column_width(self.view)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.view)
        self.model.rowsInserted.connect(lambda *_: self.view.scrollToBottom())
        self.model.modelReset.connect(self.refresh_heading)
        self.model.matchUpdated.connect(self.refresh_heading)

    def show_match(self, match_id: str | None) -> None:
        if match_id != self.model.match_id:
            self.model.set_match(match_id)
            self.view.scrollToBottom()
        self.refresh_heading()

    def refresh_heading(self) -> None:
        m = self.model.shown_match()
        if m is None:
            self.heading.setText(self.EMPTY)
            self.view.placeholder = ""
        else:
            self.heading.setText(match_heading(m, self._shown(m) if self._shown else None))
            self.view.placeholder = empty_timeline_text(m)
        if not self.model.rowCount():
            self.view.viewport().update()
