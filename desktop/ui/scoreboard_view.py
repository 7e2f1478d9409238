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
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from desktop.ui.cells import (
    AWAY,
    CLOCK,
    FAV,
    GOAL_COLOUR,
    HOME,
    SCORE,
    HighlightRole,
    MatchIdRole,
    SearchRole,
    TeamCodeRole,
)
from desktop.ui.column_fit import ColumnFit, icon_column_width
from desktop.ui.model import ScoreboardModel
from desktop.ui.placeholder import paint_placeholder

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
    a little air (a scoreboard is read at a glance). A team name that does not fit its cell
    gives way to the team's code (``ARS``), where the feed has one, before it is elided; a
    selected row glows after a goal as the others do, on the selection's colour."""

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
        elif option.state & QStyle.StateFlag.State_Selected:
            strength = index.data(HighlightRole) or 0.0
            if strength > 0:  # the glow, mixed into the selection's own colour
                role = QPalette.ColorRole.Highlight
                option.palette.setColor(role, _mix(option.palette.color(role), strength))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        if index.column() not in (HOME, AWAY) or not index.parent().isValid():
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = self.team_text(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

    def team_text(self, opt: QStyleOptionViewItem, index: AnyIndex) -> str:
        """The team's name if it fits the cell (``opt`` as painted), else its code if it has
        one (else the name, which the style elides)."""
        code = index.data(TeamCodeRole)
        if not code:
            return opt.text
        style = opt.widget.style() if opt.widget else QApplication.style()
        room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, opt) + 1)
        fits = opt.fontMetrics.horizontalAdvance(opt.text) + margin <= room.width()
        return opt.text if fits else code


def _mix(colour: QColor, strength: float) -> QColor:
    a = 0.5 * strength
    return QColor.fromRgbF(
        colour.redF() * (1 - a) + GOAL_COLOUR.redF() * a,
        colour.greenF() * (1 - a) + GOAL_COLOUR.greenF() * a,
        colour.blueF() * (1 - a) + GOAL_COLOUR.blueF() * a,
    )


class ScoreboardView(QTreeView):
    """Keyboard: arrows move, Enter opens the timeline, F or Space follows a team (as a click
    on the star does), the Menu key or Shift+F10 opens the selected match's menu."""

    #: Asks for the follow/mute menu of a match (at the given viewport position).
    menuRequested = Signal(str, object)
    #: F, Space or a click on the star: follow (or stop following) a team of this match.
    followRequested = Signal(str, object)
    #: Enter / double-click on a match.
    matchActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreboard")
        self.setAccessibleName("Scoreboard")
        self.setAccessibleDescription(
            "Matches grouped by competition. F or Space: follow a team. Menu key: more."
        )
        self.setItemDelegate(ScoreboardDelegate(self))
        self._fit: ColumnFit | None = None
        #: What the scoreboard says when it shows no match (the window sets it).
        self.placeholder = ""
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setExpandsOnDoubleClick(False)
        # contextMenuEvent, not customContextMenuRequested: that signal's position is in the
        # viewport's coordinates for the mouse but in the view's for the keyboard (Qt places
        # a keyboard menu at the current item's rectangle, itself in viewport coordinates), so
        # the Menu key landed one header height lower: on the next row's match.
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
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
        header.setSectionResizeMode(AWAY, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(FAV, 30)
        # Time, Score and Home fit their texts (see desktop.ui.column_fit for why not
        # ResizeToContents); Away takes the rest. Home as wide as its widest name keeps a row
        # together on a wide window (a stretched Home put the width of the window between
        # the time and the teams); on a narrow one Home gets at most half of the room left.
        self._fit = ColumnFit(
            self,
            (CLOCK, SCORE, HOME),
            source.column_texts,
            caps={HOME: self._home_room},
            extra={HOME: 2 * icon_column_width(self)},  # the red cards beside the name
        )
        self._fit.watch(model)
        self._span_groups()

    def _home_room(self) -> int:
        """Half the width the Home and Away columns share, and never less than a code's."""
        header = self.header()
        fixed = sum(header.sectionSize(c) for c in (FAV, CLOCK, SCORE))
        least = self.fontMetrics().horizontalAdvance("MMMM") + icon_column_width(self)
        return max(least, (self.viewport().width() - fixed) // 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit is not None:
            self._fit.schedule()  # the room for the Home column changed

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            paint_placeholder(self, self.placeholder)

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

    # --- group headings are never current: the cursor and the mouse go past them ------------

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        index = super().moveCursor(cursorAction, modifiers)
        if not index.isValid() or index.parent().isValid():
            return index  # a match (or nowhere)
        first = self.model().index(0, 0, index)  # the heading's first match
        Move = QAbstractItemView.CursorAction
        if cursorAction in (Move.MoveUp, Move.MovePrevious, Move.MovePageUp):
            # Up onto a heading: the previous group's last match (none above the first group).
            above = self.indexAbove(index)
            if above.isValid():
                return above
        # Down, Home, Page Down, the first focus, or up at the top: the heading's first match.
        return first if first.isValid() else self.currentIndex()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and not index.parent().isValid():
            # A click on a heading keeps the selected match (and its timeline) as they were.
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        plain = modifiers == Qt.KeyboardModifier.NoModifier
        menu_key = (key == Qt.Key.Key_Menu and plain) or (
            key == Qt.Key.Key_F10 and modifiers == Qt.KeyboardModifier.ShiftModifier
        )
        # Shift+F10 is the menu key's stand-in on keyboards without one; Qt only turns the
        # Menu key itself into a context-menu event, and not on every platform.
        if menu_key and self._for_current(self.menuRequested):
            return
        follow_key = key in (Qt.Key.Key_F, Qt.Key.Key_Space) and plain
        if follow_key and self._for_current(self.followRequested):
            return
        super().keyPressEvent(event)

    def _for_current(self, signal: SignalInstance) -> bool:
        """Emits ``signal`` for the selected match, under its row; False when none is."""
        match_id = self.current_match_id()
        if not match_id:
            return False
        rect = self.visualRect(self.currentIndex().siblingAtColumn(HOME))
        signal.emit(match_id, rect.bottomLeft())
        return True

    def _menu_for_current(self) -> bool:
        return self._for_current(self.menuRequested)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            # The selected match, whatever position Qt computed for a keyboard menu.
            self._menu_for_current()
        else:  # the mouse, on the viewport: the position is the viewport's
            index = self.indexAt(event.pos())
            match_id = index.data(MatchIdRole) if index.isValid() else None
            if match_id:
                self.menuRequested.emit(match_id, event.pos())
        event.accept()

    def _clicked(self, index: QModelIndex) -> None:
        match_id = index.data(MatchIdRole)
        if match_id and index.column() == FAV:
            self.followRequested.emit(match_id, self.visualRect(index).bottomLeft())

    def _activated(self, index: QModelIndex) -> None:
        match_id = index.data(MatchIdRole)
        if match_id:
            self.matchActivated.emit(match_id)
