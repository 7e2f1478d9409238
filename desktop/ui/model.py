"""The scoreboard as a Qt item model: competition groups with one row per match.

Listens to a :class:`~desktop.state.Scoreboard` and turns each Change into the narrowest
signals that describe it (rowsInserted, rowsRemoved, rowsMoved, dataChanged on the touched
cells and roles), never a reset, so selection, scroll position and expansion survive a live
match. Matches where a followed team plays are moved into a "Following" group at the top:
fans follow teams across competitions.

Top-level rows are groups (column 0 spans the row in the view), their children matches; the
tree and its signals are :class:`~desktop.grouped_model.GroupedModel`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)

from desktop.core.match_clock import MatchClocks
from desktop.core.state import Change, Scoreboard
from desktop.ui.cells import (
    ANSWERED_ROLES,
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
    fitted_cell,
    group_cell,
    match_cell,
    match_cell_alignment,
)
from desktop.ui.grouped_model import AnyIndex, GroupedModel, SortKey
from desktop.ui.highlight import Highlights
from desktop.ui.pacing import Pacer
from server.wire import Match

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
_GLOW_ROLES = [Qt.ItemDataRole.BackgroundRole, HighlightRole]
#: Everything a burst may have changed in a row.
_BURST_ROLES = [*_CELL_ROLES, Qt.ItemDataRole.ToolTipRole, SearchRole, *_GLOW_ROLES]
_ANSWERED = frozenset(ANSWERED_ROLES)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
#: A competition's heading: shown, never selected (it has no timeline nor menu).
_GROUP_FLAGS = Qt.ItemFlag.ItemIsEnabled


class ScoreboardModel(GroupedModel):
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
        clocks: MatchClocks | None = None,
    ) -> None:
        super().__init__(parent)
        self._board = board
        # The running minutes; subscribed to the board before this model, so a change has
        # moved a match's clock on before its row is redrawn.
        self._own_clocks = clocks is None
        self.clocks = clocks or MatchClocks(board)
        self._favourites = frozenset(favourites)
        self._fav_folded = frozenset(n.casefold() for n in self._favourites)
        self._goals: dict[str, int] = {}
        self._pending: dict[str, set[str]] = {}  # redraws held until the board's batch ends
        self._stale = False
        self.highlights = Highlights(highlight_ms, self)
        self.highlights.changed.connect(self._row_background_changed)
        for match_id in board.matches:
            self._insert(match_id, signal=False)
        self._unsubscribe = board.subscribe(self._on_change)
        self._pacer = Pacer(self._flush, parent=self)
        self._unsubscribe_batch = board.on_batch_end(self._pacer.request)

    def detach(self) -> None:
        """Stops listening to the board (call before dropping the model)."""
        self._unsubscribe()
        self._unsubscribe_batch()
        self._pacer.stop()
        self.highlights.stop()
        if self._own_clocks:
            self.clocks.detach()

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
        for match_id in self.ids():
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
        groups = self.rowCount()
        if groups:
            self.dataChanged.emit(self.index(0, 0), self.index(groups - 1, last), roles)
        for row in range(groups):
            parent = self.index(row, 0)
            children = self.rowCount(parent)
            if children:
                self.dataChanged.emit(
                    self.index(0, 0, parent), self.index(children - 1, last, parent), roles
                )

    def match_id(self, index: AnyIndex) -> str | None:
        return self.item_id(index)

    def match_at(self, index: AnyIndex) -> Match | None:
        match_id = self.match_id(index)
        return self._board.matches.get(match_id) if match_id else None

    def column_texts(self, column: int) -> Iterator[tuple[str, bool]]:
        """Each match's text in a Time or Score column and whether it is bold (hidden rows
        too: a filter does not make the columns jump)."""
        for match in self._board.matches.values():
            yield fitted_cell(match, column, self.clocks.shown(match))

    def minutes_moved(self, match_ids: Iterable[str]) -> None:
        """Redraws the Time cells of matches whose running minute moved on
        (:meth:`MatchClocks.advance`): one signal per group."""
        self.rows_changed(match_ids, CLOCK, _CELL_ROLES)

    def highlighted(self) -> frozenset[str]:
        """Matches whose row is glowing after a goal."""
        return self.highlights.active()

    # --- Qt model interface ------------------------------------------------------------

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.AccessibleTextRole:
            return COLUMNS[section] or "Follow"
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return match_cell_alignment(section)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _GROUP_FLAGS if index.internalId() == 0 else _FLAGS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # A repaint asks every visible cell for ~8 roles: the ones never set leave first.
        if role not in _ANSWERED or not index.isValid():
            return None
        if index.internalId() == 0:
            return group_cell(self.group_key(index.row()), index.column(), role, self._stale)
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
            strength=self.highlights.strength(match.id) if role in _GLOW_ROLES else 0.0,
            shown=self.clocks.shown(match) if index.column() == CLOCK else None,
        )

    # --- where a match goes --------------------------------------------------------------

    def placement(self, match_id: str) -> tuple[str, SortKey]:
        m = self._board.matches[match_id]
        key = FAVOURITES_GROUP if self.plays_favourite(m) else m.competition
        return key, (m.kickoff, m.home.name.casefold(), m.id)

    def group_order(self, key: str) -> SortKey:
        return (0, "") if key == FAVOURITES_GROUP else (1, key.casefold())

    def _insert(self, match_id: str, signal: bool = True) -> None:
        super()._insert(match_id, signal)
        self._goals[match_id] = self._total(match_id)

    def _remove(self, match_id: str) -> None:
        self._goals.pop(match_id, None)
        self._pending.pop(match_id, None)
        self.highlights.forget(match_id)
        super()._remove(match_id)

    # --- changes -----------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.kind == "added":
            if self.index_of(change.match_id).isValid():  # re-added: treat as an update
                self._update(change.match_id, change.fields)
            else:
                self._insert(change.match_id)
        elif change.kind == "removed":
            self._remove(change.match_id)
        else:
            self._update(change.match_id, change.fields)

    def _update(self, match_id: str, fields: frozenset[str]) -> None:
        if not self.index_of(match_id).isValid():
            self._insert(match_id)
            return
        if fields & {"competition", "home", "away", "kickoff"}:
            self._reposition(match_id)
        total, batch = self._total(match_id), self._board.in_batch
        if "score" in fields and total > self._goals.get(match_id, 0):
            self.highlights.start(match_id, signal=not batch)
            self.goalHighlighted.emit(match_id)
        self._goals[match_id] = total
        if batch:  # a burst: each row redraws once, at the next frame
            self._pending.setdefault(match_id, set()).update(fields)
            return
        columns = sorted({c for f in fields for c in _FIELD_COLUMNS.get(f, ())})
        if columns:
            self._cells_changed(match_id, columns, _CELL_ROLES)
        self._cells_changed(
            match_id, range(len(COLUMNS)), [Qt.ItemDataRole.ToolTipRole, SearchRole]
        )

    def _flush(self) -> None:
        """A frame after a burst: every touched row redrawn at once (one signal per group)."""
        pending, self._pending = self._pending, {}
        if pending:
            self.rows_changed(pending, len(COLUMNS) - 1, _BURST_ROLES)

    def _cells_changed(self, match_id: str, columns: Iterable[int], roles: Sequence[int]) -> None:
        columns = list(columns)
        first, last = self.index_of(match_id, min(columns)), self.index_of(match_id, max(columns))
        if first.isValid():
            self.dataChanged.emit(first, last, roles)

    def _total(self, match_id: str) -> int:
        m = self._board.matches.get(match_id)
        return m.score.home + m.score.away if m else 0

    # --- goal highlight ----------------------------------------------------------------

    def _row_background_changed(self, match_ids: list[str]) -> None:
        # Row by row: only the rows whose glow stepped are repainted.
        for match_id in match_ids:
            self._cells_changed(match_id, range(len(COLUMNS)), _GLOW_ROLES)
