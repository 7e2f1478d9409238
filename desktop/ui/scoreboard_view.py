"""The scoreboard widget: a tree view over :class:`~desktop.model.ScoreboardModel`, its filter
proxy and delegate. Group rows span the width; everything is painted as plain text."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from desktop.ui.cells import AWAY, CLOCK, FAV, HOME, SCORE, MatchIdRole, SearchRole
from desktop.ui.column_fit import ColumnFit
from desktop.ui.model import ScoreboardModel

AnyIndex = QModelIndex | QPersistentModelIndex


class ScoreboardFilter(QSortFilterProxyModel):
    """Narrows the scoreboard to matches whose teams, competition or round contain the text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(SearchRole)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setRecursiveFilteringEnabled(True)  # a group stays while one of its rows matches
        self.setAutoAcceptChildRows(True)  # "premier" shows the whole Premier League group

    def set_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())


class ScoreboardDelegate(QStyledItemDelegate):
    """Red cards sit next to the score; group rows get the window colour as a band; rows get
    a little air (a scoreboard is read at a glance)."""

    PADDING = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + self.PADDING)

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        if index.column() == HOME:
            option.decorationPosition = QStyleOptionViewItem.Position.Right
        if not index.parent().isValid():  # a group row (cheaper to ask than IsGroupRole)
            option.backgroundBrush = option.palette.brush(QPalette.ColorRole.Window)


class ScoreboardView(QTreeView):
    """Keyboard: arrows move, Enter opens the timeline, F or Space favourites a team."""

    #: Asks for the favourite/mute menu of a match (at the given viewport position).
    menuRequested = Signal(str, object)
    #: Enter / double-click on a match.
    matchActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreboard")
        self.setAccessibleName("Scoreboard")
        self.setAccessibleDescription("Matches grouped by competition. F or Space: favourite.")
        self.setItemDelegate(ScoreboardDelegate(self))
        self._fit: ColumnFit | None = None
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setExpandsOnDoubleClick(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.clicked.connect(self._clicked)
        self.activated.connect(self._activated)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
        if model is None or not isinstance(source, ScoreboardModel):
            raise TypeError("a ScoreboardView shows a ScoreboardModel or a proxy of one")
        old = self.model()
        if old is not None:
            old.rowsInserted.disconnect(self._rows_inserted)
            old.layoutChanged.disconnect(self._span_groups)
            old.modelReset.disconnect(self._span_groups)
            if self._fit is not None:
                self._fit.unwatch(old)
        super().setModel(model)
        model.rowsInserted.connect(self._rows_inserted)
        model.layoutChanged.connect(self._span_groups)
        model.modelReset.connect(self._span_groups)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionsMovable(False)
        header.setSectionResizeMode(FAV, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(HOME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AWAY, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(FAV, 30)
        # Time and Score fit their texts (see desktop.ui.column_fit for why not ResizeToContents).
        self._fit = ColumnFit(self, (CLOCK, SCORE), source.column_texts)
        self._fit.watch(model)
        self._span_groups()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._fit:
            self._fit.font_changed()

    # --- groups span the row and start expanded -------------------------------------------

    def _rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        model = self.model()
        for row in range(first, last + 1):
            self.setFirstColumnSpanned(row, QModelIndex(), True)
            self.expand(model.index(row, 0))

    def _span_groups(self) -> None:
        model = self.model()
        for row in range(model.rowCount()):
            self.setFirstColumnSpanned(row, QModelIndex(), True)
            self.expand(model.index(row, 0))

    # --- selection and actions ------------------------------------------------------------

    def current_match_id(self) -> str | None:
        match_id = self.currentIndex().data(MatchIdRole)
        return match_id if isinstance(match_id, str) else None

    def select_match(self, index: QModelIndex) -> None:
        """Selects the row of ``index`` (a view index) and scrolls to it."""
        if not index.isValid():
            return
        self.setCurrentIndex(index.siblingAtColumn(0))
        self.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        match_id = self.current_match_id()
        if match_id and event.key() in (Qt.Key.Key_F, Qt.Key.Key_Space) and not event.modifiers():
            rect = self.visualRect(self.currentIndex().siblingAtColumn(HOME))
            self.menuRequested.emit(match_id, rect.bottomLeft())
            return
        super().keyPressEvent(event)

    def _clicked(self, index: QModelIndex) -> None:
        match_id = index.data(MatchIdRole)
        if match_id and index.column() == FAV:
            self.menuRequested.emit(match_id, self.visualRect(index).bottomLeft())

    def _activated(self, index: QModelIndex) -> None:
        match_id = index.data(MatchIdRole)
        if match_id:
            self.matchActivated.emit(match_id)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        match_id = index.data(MatchIdRole) if index.isValid() else None
        if match_id:
            self.menuRequested.emit(match_id, pos)
