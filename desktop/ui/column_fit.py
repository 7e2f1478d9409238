"""Columns as wide as their widest text, without Qt's ResizeToContents.

``QHeaderView.ResizeToContents`` recomputes a column on every ``dataChanged`` that touches it
by asking the delegate for the size hint of every row, and each hint calls back into Python
for every role, for every changed cell (``benchmarks.viewer.bench``; docs/performance.md), so
a goal or a catch-up of thousands of events froze the window. Here a column's width comes
from its texts alone (``texts(column)`` gives each row's text and whether it is bold; the
style measures each distinct text once), recomputed at most once per turn of the event loop
however many cells changed in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionViewItem, QTreeView

R = Qt.ItemDataRole
_WATCHED_ROLES = frozenset({R.DisplayRole, R.FontRole})
_SIGNALS = ("rowsInserted", "rowsRemoved", "rowsMoved", "modelReset", "layoutChanged")

Texts = Callable[[int], Iterable[tuple[str, bool]]]


def icon_column_width(view: QTreeView) -> int:
    """The width of a column showing one small icon and an empty text."""
    opt = QStyleOptionViewItem()
    opt.initFrom(view)
    side = view.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, view)
    features = QStyleOptionViewItem.ViewItemFeature
    opt.features = features.HasDecoration | features.HasDisplay
    opt.decorationSize = QSize(side, side)
    return (
        view.style()
        .sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), view)
        .width()
    )


class ColumnFit:
    """Keeps ``columns`` of ``view`` as wide as the widest of ``texts(column)``, plus
    ``extra[column]`` pixels (room for an icon), and at most ``caps[column]()`` (what the
    view can give it now: call :meth:`schedule` when that changes, e.g. on a resize)."""

    def __init__(
        self,
        view: QTreeView,
        columns: Sequence[int],
        texts: Texts,
        *,
        caps: Mapping[int, Callable[[], int]] | None = None,
        extra: Mapping[int, int] | None = None,
    ) -> None:
        self._view = view
        self._columns = tuple(columns)
        self._texts = texts
        self._caps = dict(caps or {})
        self._extra = dict(extra or {})
        self._widths: dict[tuple[str, bool], int] = {}
        self._timer = QTimer(view)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        for column in self._columns:
            view.header().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)

    def watch(self, model: QAbstractItemModel) -> None:
        model.dataChanged.connect(self._data_changed)
        for name in _SIGNALS:
            getattr(model, name).connect(self.schedule)
        self.schedule()

    def unwatch(self, model: QAbstractItemModel) -> None:
        model.dataChanged.disconnect(self._data_changed)
        for name in _SIGNALS:
            getattr(model, name).disconnect(self.schedule)

    def font_changed(self) -> None:
        self._widths.clear()
        self.schedule()

    def schedule(self, *_args: object) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int]
    ) -> None:
        if roles and not _WATCHED_ROLES.intersection(roles):
            return
        if any(top_left.column() <= c <= bottom_right.column() for c in self._columns):
            self.schedule()

    def width(self, text: str, bold: bool) -> int:
        """What the style makes of an item showing ``text`` (QStyle::CT_ItemViewItem)."""
        key = (text, bold)
        if (found := self._widths.get(key)) is not None:
            return found
        view = self._view
        opt = QStyleOptionViewItem()
        opt.initFrom(view)
        font = QFont(view.font())
        font.setBold(bold)
        opt.font = font
        opt.fontMetrics = QFontMetrics(font)
        opt.text = text
        opt.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        size = view.style().sizeFromContents(
            QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), view
        )
        if len(self._widths) > 2000:  # texts come and go (kick-off times): stay small
            self._widths.clear()
        self._widths[key] = size.width()
        return size.width()

    def fit(self) -> None:
        header = self._view.header()
        for column in self._columns:
            widest = header.sectionSizeHint(column)
            for text, bold in self._texts(column):
                widest = max(widest, self.width(text, bold) + self._extra.get(column, 0))
            if column in self._caps:
                widest = min(widest, self._caps[column]())
            if header.sectionSize(column) != widest:
                header.resizeSection(column, widest)
