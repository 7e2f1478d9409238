"""Icons: the app icon from assets/icons, and small glyphs drawn with QPainter.

The glyphs (event kinds, red-card marks, the favourite star) are drawn rather than shipped so
they stay crisp at any device pixel ratio. Card and ball colours are semantic (a red card is
red in any theme); outlines take the palette's text colour so they read on light and dark.
"""

from __future__ import annotations

import math
from functools import cache

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from server.resources import asset

APP_ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
YELLOW = QColor("#f4c430")
RED = QColor("#d32f2f")
GREEN = QColor("#2e9d44")
STAR = QColor("#f5a623")

#: What each timeline glyph shows, for tooltips and screen readers.
KIND_NAMES = {
    "goal": "Goal",
    "penalty": "Penalty goal",
    "own_goal": "Own goal",
    "missed": "Missed penalty",
    "goal_disallowed": "Goal disallowed",
    "yellow": "Yellow card",
    "second_yellow": "Second yellow card",
    "red": "Red card",
    "substitution": "Substitution",
    "whistle": "Whistle",
}


def app_icon() -> QIcon:
    """The Touchline icon at every shipped size (falls back to the SVG alone)."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        path = asset("icons", f"touchline-{size}.png")
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    if icon.isNull():
        icon.addFile(str(asset("icons", "touchline.svg")))
    return icon


def _canvas(size: int) -> tuple[QPixmap, QPainter]:
    ratio = (
        QGuiApplication.primaryScreen().devicePixelRatio()
        if QGuiApplication.primaryScreen()
        else 1.0
    )
    pix = QPixmap(round(size * ratio), round(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pix, painter


def _text_colour() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.Text)


def _card(p: QPainter, rect: QRectF, colour: QColor) -> None:
    p.setPen(QPen(colour.darker(150), 0.8))
    p.setBrush(colour)
    p.drawRoundedRect(rect, 1.5, 1.5)


def _pentagon(cx: float, cy: float, r: float, start_deg: float) -> QPolygonF:
    return QPolygonF(
        [
            QPointF(
                cx + r * math.cos(math.radians(start_deg + 72 * k)),
                cy + r * math.sin(math.radians(start_deg + 72 * k)),
            )
            for k in range(5)
        ]
    )


def _ball(p: QPainter, centre: QPointF, r: float) -> None:
    """A football like the app icon: a centre patch and five half-hidden patches at the rim."""
    ink = QColor("#1d1d1d")
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(centre, r, r)
    p.save()
    clip = QPainterPath()
    clip.addEllipse(centre, r, r)
    p.setClipPath(clip)
    p.setBrush(ink)
    p.drawPolygon(_pentagon(centre.x(), centre.y(), r * 0.4, -90))
    for k in range(5):
        a = math.radians(-90 + 72 * k)
        cx, cy = centre.x() + r * 1.05 * math.cos(a), centre.y() + r * 1.05 * math.sin(a)
        p.drawPolygon(_pentagon(cx, cy, r * 0.36, -90 + 72 * k + 180))
    p.restore()
    p.setPen(QPen(ink, max(1.0, r / 6)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(centre, r, r)


def _whistle(p: QPainter, s: float) -> None:
    """A referee's whistle: round chamber, mouthpiece to the right, in the text colour."""
    colour = _text_colour()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    body = QPainterPath()
    body.addEllipse(QPointF(s * 0.36, s * 0.6), s * 0.3, s * 0.3)
    body.addRoundedRect(QRectF(s * 0.36, s * 0.3, s * 0.58, s * 0.22), s * 0.05, s * 0.05)
    p.drawPath(body.simplified())
    p.setBrush(QGuiApplication.palette().color(QPalette.ColorRole.Base))
    p.drawEllipse(QPointF(s * 0.36, s * 0.6), s * 0.11, s * 0.11)


def _arrows(p: QPainter, s: float) -> None:
    for colour, x, up in ((GREEN, s * 0.3, True), (RED, s * 0.7, False)):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        tip, base = (s * 0.12, s * 0.45) if up else (s * 0.88, s * 0.55)
        p.drawPolygon(
            QPolygonF([QPointF(x, tip), QPointF(x - s * 0.2, base), QPointF(x + s * 0.2, base)])
        )
        y0, y1 = (base, s * 0.88) if up else (s * 0.12, base)
        p.drawRect(QRectF(x - s * 0.07, y0, s * 0.14, y1 - y0))


def _cross(p: QPainter, s: float, colour: QColor) -> None:
    p.setPen(QPen(colour, s / 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(s * 0.15, s * 0.15), QPointF(s * 0.85, s * 0.85))
    p.drawLine(QPointF(s * 0.85, s * 0.15), QPointF(s * 0.15, s * 0.85))


def _badge(p: QPainter, s: float, text: str, colour: QColor) -> None:
    font = p.font()
    font.setPixelSize(max(6, round(s * 0.42)))
    font.setBold(True)
    p.setFont(font)
    rect = QRectF(s * 0.42, s * 0.5, s * 0.58, s * 0.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(rect, 2, 2)
    p.setPen(QColor("#ffffff"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


@cache
def event_icon(kind: str, size: int = 16) -> QIcon:
    """A glyph for a timeline kind (see :data:`KIND_NAMES`)."""
    pix, p = _canvas(size)
    s = float(size)
    if kind in ("goal", "penalty", "own_goal", "missed", "goal_disallowed"):
        _ball(p, QPointF(s / 2, s / 2), s * 0.42)
        if kind == "penalty":
            _badge(p, s, "P", GREEN)
        elif kind == "own_goal":
            _badge(p, s, "OG", RED)
        elif kind in ("missed", "goal_disallowed"):
            _cross(p, s, RED)
    elif kind == "yellow":
        _card(p, QRectF(s * 0.25, s * 0.12, s * 0.5, s * 0.76), YELLOW)
    elif kind == "red":
        _card(p, QRectF(s * 0.25, s * 0.12, s * 0.5, s * 0.76), RED)
    elif kind == "second_yellow":
        _card(p, QRectF(s * 0.12, s * 0.08, s * 0.46, s * 0.7), YELLOW)
        _card(p, QRectF(s * 0.42, s * 0.22, s * 0.46, s * 0.7), RED)
    elif kind == "substitution":
        _arrows(p, s)
    else:
        _whistle(p, s)
    p.end()
    return QIcon(pix)


def timeline_kind(
    ev_type: str,
    *,
    card: str | None = None,
    penalty: bool = False,
    own_goal: bool = False,
    scored: bool | None = None,
) -> str:
    """Which glyph a MatchEvent gets."""
    if ev_type == "goal":
        return "own_goal" if own_goal else "penalty" if penalty else "goal"
    if ev_type == "card":
        return card or "yellow"
    if ev_type == "penalty_shootout":
        return "whistle" if scored is None else "penalty" if scored else "missed"
    if ev_type in ("goal_disallowed", "substitution"):
        return ev_type
    return "whistle"


@cache
def red_cards_icon(count: int, height: int = 14) -> QIcon:
    """``count`` small red cards side by side (at most 4 drawn; the tooltip says how many)."""
    shown = min(count, 4)
    width = round(height * 0.62)
    step = width + 2
    ratio = (
        QGuiApplication.primaryScreen().devicePixelRatio()
        if QGuiApplication.primaryScreen()
        else 1.0
    )
    pix = QPixmap(round((step * shown) * ratio), round(height * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    for k in range(shown):
        _card(p, QRectF(k * step + 0.5, 0.5, width - 1, height - 1), RED)
    p.end()
    return QIcon(pix)


def clear_cache() -> None:
    """Forget drawn glyphs (after a palette change: outlines use palette colours)."""
    event_icon.cache_clear()
    red_cards_icon.cache_clear()
    star_icon.cache_clear()


@cache
def star_icon(filled: bool, size: int = 16) -> QIcon:
    """The favourite toggle: a filled gold star, or an outline in the palette's mid colour."""
    pix, p = _canvas(size)
    s = float(size)
    points = []
    for k in range(10):
        r = s * (0.46 if k % 2 == 0 else 0.2)
        a = math.radians(-90 + 36 * k)
        points.append(QPointF(s / 2 + r * math.cos(a), s * 0.53 + r * math.sin(a)))
    if filled:
        p.setPen(QPen(STAR.darker(130), 1))
        p.setBrush(QBrush(STAR))
    else:
        p.setPen(QPen(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText), 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPolygon(QPolygonF(points))
    p.end()
    return QIcon(pix)
