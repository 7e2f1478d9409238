"""The scoreboard as a Qt item model: competition groups with one row per match.

Listens to a :class:`~desktop.state.Scoreboard` and turns each Change into the narrowest
signals that describe it (rowsInserted, rowsRemoved, rowsMoved, dataChanged on the touched
cells and roles), never a reset, so selection, scroll position and expansion survive a live
match. Matches where a favourite team plays are moved into a "Favourites" group at the top:
fans follow teams across competitions.

Tree: top-level rows are groups (column 0 spans the row in the view); their children are
matches. A child's ``internalId`` is its group's stable uid, so an index stays meaningful while
groups come and go around it.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from server.wire import Match

from .cells import (
    AWAY,
    CLOCK,
    COLUMNS,
    FAV,
    FAVOURITES_GROUP,
    HOME,
    SCORE,
    FavouriteRole,
    HighlightRole,
    RedCardsRole,
    SearchRole,
    group_cell,
    match_cell,
    match_cell_alignment,
)
from .state import Change, Scoreboard

AnyIndex = QModelIndex | QPersistentModelIndex

# Which columns show each Match field (tooltips show everything and are signalled apart).
_FIELD_COLUMNS = {
    "home": (HOME,),
    "away": (AWAY,),
    "kickoff": (CLOCK,),
    "status": (CLOCK, SCORE),
    "minute": (CLOCK,),
    "added": (CLOCK,),
    "score": (SCORE,),
    "penalties": (SCORE,),
    "events": (HOME, AWAY),  # red cards
}
_CELL_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.AccessibleTextRole,
    RedCardsRole,
]


@dataclass
class _Group:
    key: str
    uid: int
    rows: list[str] = field(default_factory=list)

    def order(self) -> tuple[int, str]:
        return (0, "") if self.key == FAVOURITES_GROUP else (1, self.key.casefold())


class ScoreboardModel(QAbstractItemModel):
    """Read-only view of a Scoreboard; favourites and staleness are the only local state."""

    favouritesChanged = Signal()
    #: A goal was scored in this match (its row is highlighted).
    goalHighlighted = Signal(str)

    def __init__(
        self,
        board: Scoreboard,
        favourites: Iterable[str] = (),
        highlight_ms: int = 6000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._board = board
        self._favourites = frozenset(favourites)
        self._fav_folded = frozenset(n.casefold() for n in self._favourites)
        self._groups: list[_Group] = []
        self._by_uid: dict[int, _Group] = {}
        self._where: dict[str, _Group] = {}
        self._keys: dict[str, tuple] = {}
        self._goals: dict[str, int] = {}
        self._next_uid = 1
        self._stale = False
        self._highlight_s = highlight_ms / 1000
        self._highlights: dict[str, float] = {}
        self._tick = QTimer(self)
        self._tick.setInterval(80)
        self._tick.timeout.connect(self._fade)
        for match_id in board.matches:
            self._insert(match_id, signal=False)
        self._unsubscribe = board.subscribe(self._on_change)

    def detach(self) -> None:
        """Stops listening to the board (call before dropping the model)."""
        self._unsubscribe()
        self._tick.stop()

    # --- public API --------------------------------------------------------------------

    @property
    def board(self) -> Scoreboard:
        return self._board

    def favourites(self) -> frozenset[str]:
        return self._favourites

    def is_favourite_team(self, name: str) -> bool:
        return name.casefold() in self._fav_folded

    def plays_favourite(self, match: Match) -> bool:
        return self.is_favourite_team(match.home.name) or self.is_favourite_team(match.away.name)

    def set_favourites(self, names: Iterable[str]) -> None:
        names = frozenset(names)
        if names == self._favourites:
            return
        self._favourites = names
        self._fav_folded = frozenset(n.casefold() for n in names)
        for match_id in list(self._where):
            self._reposition(match_id)
            self._cells_changed(match_id, (FAV, HOME, AWAY), [FavouriteRole, *_CELL_ROLES])
        self.favouritesChanged.emit()

    def toggle_favourite(self, team: str) -> bool:
        """Follows or unfollows ``team``; returns whether it is now a favourite."""
        if self.is_favourite_team(team):
            self.set_favourites(n for n in self._favourites if n.casefold() != team.casefold())
            return False
        self.set_favourites(self._favourites | {team})
        return True

    @property
    def stale(self) -> bool:
        return self._stale

    def set_stale(self, stale: bool) -> None:
        """Greys every row out (the stream is down and scores may be out of date)."""
        if stale == self._stale:
            return
        self._stale = stale
        roles = [Qt.ItemDataRole.ForegroundRole]
        last = len(COLUMNS) - 1
        if self._groups:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._groups) - 1, last), roles)
        for group in self._groups:
            parent = self._group_index(group)
            self.dataChanged.emit(
                self.index(0, 0, parent), self.index(len(group.rows) - 1, last, parent), roles
            )

    def index_of(self, match_id: str, column: int = 0) -> QModelIndex:
        group = self._where.get(match_id)
        if group is None:
            return QModelIndex()
        return self.createIndex(group.rows.index(match_id), column, group.uid)

    def match_id(self, index: AnyIndex) -> str | None:
        group = self._group_of_child(index)
        return group.rows[index.row()] if group else None

    def match_at(self, index: AnyIndex) -> Match | None:
        match_id = self.match_id(index)
        return self._board.matches.get(match_id) if match_id else None

    def highlighted(self) -> frozenset[str]:
        return frozenset(self._highlights)

    # --- Qt model interface ------------------------------------------------------------

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()].rows)
        return 0

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, self._groups[parent.row()].uid)

    def parent(self, index: AnyIndex) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        group = self._by_uid.get(index.internalId())
        return self._group_index(group) if group else QModelIndex()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.AccessibleTextRole:
            return COLUMNS[section] or "Favourite"
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return match_cell_alignment(section)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return group_cell(self._groups[index.row()].key, index.column(), role, self._stale)
        match_id = self.match_id(index)
        match = self._board.matches.get(match_id) if match_id else None
        if match is None:
            return None
        return match_cell(
            match,
            index.column(),
            role,
            is_favourite=self.is_favourite_team,
            stale=self._stale,
            strength=self._strength(match.id),
        )

    def _strength(self, match_id: str) -> float:
        start = self._highlights.get(match_id)
        if start is None:
            return 0.0
        return max(0.0, 1.0 - (time.monotonic() - start) / self._highlight_s)

    # --- structure ---------------------------------------------------------------------

    def _group_index(self, group: _Group, column: int = 0) -> QModelIndex:
        return self.createIndex(self._groups.index(group), column, 0)

    def _group_of_child(self, index: AnyIndex) -> _Group | None:
        if not index.isValid() or index.internalId() == 0 or index.model() is not self:
            return None
        group = self._by_uid.get(index.internalId())
        if group is None or not 0 <= index.row() < len(group.rows):
            return None
        return group

    def _target(self, match_id: str) -> tuple[str, tuple]:
        m = self._board.matches[match_id]
        key = FAVOURITES_GROUP if self.plays_favourite(m) else m.competition
        return key, (m.kickoff, m.home.name.casefold(), m.id)

    def _ensure_group(self, key: str, signal: bool) -> _Group:
        for group in self._groups:
            if group.key == key:
                return group
        group = _Group(key, self._next_uid)
        self._next_uid += 1
        at = bisect.bisect_left([g.order() for g in self._groups], group.order())
        if signal:
            self.beginInsertRows(QModelIndex(), at, at)
        self._groups.insert(at, group)
        self._by_uid[group.uid] = group
        if signal:
            self.endInsertRows()
        return group

    def _drop_group_if_empty(self, group: _Group) -> None:
        if group.rows:
            return
        at = self._groups.index(group)
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._groups[at]
        del self._by_uid[group.uid]
        self.endRemoveRows()

    def _slot(self, group: _Group, sort_key: tuple) -> int:
        return bisect.bisect_left([self._keys[mid] for mid in group.rows], sort_key)

    def _insert(self, match_id: str, signal: bool = True) -> None:
        key, sort_key = self._target(match_id)
        group = self._ensure_group(key, signal)
        at = self._slot(group, sort_key)
        if signal:
            self.beginInsertRows(self._group_index(group), at, at)
        group.rows.insert(at, match_id)
        self._where[match_id] = group
        self._keys[match_id] = sort_key
        self._goals[match_id] = self._total(match_id)
        if signal:
            self.endInsertRows()

    def _remove(self, match_id: str) -> None:
        group = self._where.pop(match_id, None)
        if group is None:
            return
        at = group.rows.index(match_id)
        self.beginRemoveRows(self._group_index(group), at, at)
        del group.rows[at]
        self._keys.pop(match_id, None)
        self._goals.pop(match_id, None)
        self._highlights.pop(match_id, None)
        self.endRemoveRows()
        self._drop_group_if_empty(group)

    def _reposition(self, match_id: str) -> None:
        """Moves a row whose group or sort position changed (one rowsMoved, no reset)."""
        key, sort_key = self._target(match_id)
        source = self._where[match_id]
        if source.key == key and self._keys[match_id] == sort_key:
            return
        row = source.rows.index(match_id)
        target = self._ensure_group(key, signal=True)
        others = [mid for mid in target.rows if mid != match_id]
        at = bisect.bisect_left([self._keys[mid] for mid in others], sort_key)
        self._keys[match_id] = sort_key
        if target is source and at == row:
            return
        # Qt counts the destination before the row leaves its old place.
        dest = at + 1 if target is source and at > row else at
        if self.beginMoveRows(self._group_index(source), row, row, self._group_index(target), dest):
            del source.rows[row]
            target.rows.insert(at, match_id)
            self._where[match_id] = target
            self.endMoveRows()
        else:  # Qt refused the move (should not happen): remove and insert instead
            self.beginRemoveRows(self._group_index(source), row, row)
            del source.rows[row]
            self.endRemoveRows()
            self.beginInsertRows(self._group_index(target), at, at)
            target.rows.insert(at, match_id)
            self._where[match_id] = target
            self.endInsertRows()
        self._drop_group_if_empty(source)

    # --- changes -----------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.kind == "added":
            if change.match_id in self._where:  # re-added: treat as an update
                self._update(change.match_id, change.fields)
            else:
                self._insert(change.match_id)
        elif change.kind == "removed":
            self._remove(change.match_id)
        else:
            self._update(change.match_id, change.fields)

    def _update(self, match_id: str, fields: frozenset[str]) -> None:
        if match_id not in self._where:
            self._insert(match_id)
            return
        if fields & {"competition", "home", "away", "kickoff"}:
            self._reposition(match_id)
        columns = sorted({c for f in fields for c in _FIELD_COLUMNS.get(f, ())})
        if columns:
            self._cells_changed(match_id, columns, _CELL_ROLES)
        self._cells_changed(
            match_id, range(len(COLUMNS)), [Qt.ItemDataRole.ToolTipRole, SearchRole]
        )
        total = self._total(match_id)
        if "score" in fields and total > self._goals.get(match_id, 0):
            self._highlight(match_id)
        self._goals[match_id] = total

    def _cells_changed(self, match_id: str, columns: Iterable[int], roles: list) -> None:
        columns = list(columns)
        first, last = self.index_of(match_id, min(columns)), self.index_of(match_id, max(columns))
        if first.isValid():
            self.dataChanged.emit(first, last, roles)

    def _total(self, match_id: str) -> int:
        m = self._board.matches.get(match_id)
        return m.score.home + m.score.away if m else 0

    # --- goal highlight ----------------------------------------------------------------

    def _highlight(self, match_id: str) -> None:
        self._highlights[match_id] = time.monotonic()
        self._row_background_changed(match_id)
        if not self._tick.isActive():
            self._tick.start()
        self.goalHighlighted.emit(match_id)

    def _fade(self) -> None:
        for match_id in list(self._highlights):
            if self._strength(match_id) <= 0:
                del self._highlights[match_id]
            self._row_background_changed(match_id)
        if not self._highlights:
            self._tick.stop()

    def _row_background_changed(self, match_id: str) -> None:
        self._cells_changed(
            match_id, range(len(COLUMNS)), [Qt.ItemDataRole.BackgroundRole, HighlightRole]
        )
