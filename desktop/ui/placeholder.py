"""Words in an empty item view ("No matches for “xyz”.", "Nothing has happened yet."), so
an empty list says why instead of showing a blank box."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView


def paint_placeholder(view: QAbstractItemView, text: str) -> None:
    """Paints ``text`` (plain, wrapped) in the middle of ``view``'s viewport, in the palette's
    placeholder colour; call from the view's paintEvent when its model has no rows."""
    if not text:
        return
    viewport = view.viewport()
    painter = QPainter(viewport)
    painter.setPen(view.palette().color(QPalette.ColorRole.PlaceholderText))
    margin = 12
    area = QRect(viewport.rect()).adjusted(margin, margin, -margin, -margin)
    flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
    painter.drawText(area, int(flags), text)
    painter.end()
