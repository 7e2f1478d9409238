"""The tray icon: live scores in its tooltip, a menu to show the window, mute, and quit.

Tooltips: Windows and macOS show them as plain text. On Linux, Qt's own XEmbed tray shows a
QToolTip (rich text when it looks like HTML), so feed text goes through
:func:`desktop.core.plaintext.rich`; with a StatusNotifier host Qt hands the text to the host as the
tooltip title, which hosts show as text, so it is left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.core import display
from desktop.core.plaintext import rich
from desktop.core.state import is_live
from server.wire import Match

MAX_LINES = 8


Shown = Callable[[Match], tuple[int | None, int | None]]


def _own_minute(m: Match) -> tuple[int | None, int | None]:
    return m.minute, m.added


def score_line(m: Match, shown: Shown = _own_minute) -> str:
    clock = display.clock_text(m, shown=shown(m))
    return f"{m.home.name} {display.score_text(m)} {m.away.name}  {clock}"


def tooltip_lines(
    matches: Iterable[Match],
    is_favourite: Callable[[str], bool],
    offline: str = "",
    muted: str = "",
    shown: Shown = _own_minute,
) -> list[str]:
    """``Touchline``, then live matches (favourites first), then status lines. ``shown``:
    each match's running minute, the one the scoreboard shows."""
    live = [m for m in matches if is_live(m)]
    live.sort(
        key=lambda m: (
            not (is_favourite(m.home.name) or is_favourite(m.away.name)),
            m.kickoff,
            m.id,
        )
    )
    lines = ["Touchline"]
    if offline:
        lines.append(offline)
    lines += [score_line(m, shown) for m in live[:MAX_LINES]]
    if len(live) > MAX_LINES:
        lines.append(f"and {len(live) - MAX_LINES} more live")
    if not live:
        lines.append("No live matches")
    if muted:
        lines.append(muted)
    return lines


def tooltip_is_rich(status_notifier: bool) -> bool:
    """Whether Qt will show the tray tooltip as (possibly) rich text on this platform."""
    return (
        sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not status_notifier
    )


class Tray(QObject):
    toggleWindowRequested = Signal()
    quitRequested = Signal()
    #: "hour" or "tomorrow".
    muteRequested = Signal(str)
    unmuteRequested = Signal()

    def __init__(self, icon: QIcon, *, rich_tooltip: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icon = icon
        self._rich = rich_tooltip
        self.icon = QSystemTrayIcon(icon, self)
        self.menu = QMenu()
        self.toggle_action = self.menu.addAction("Show Touchline")
        self.toggle_action.triggered.connect(self.toggleWindowRequested)
        self.menu.addSeparator()
        self.mute_hour_action = self.menu.addAction("Mute for an hour")
        self.mute_hour_action.triggered.connect(lambda: self.muteRequested.emit("hour"))
        self.mute_day_action = self.menu.addAction("Mute until tomorrow")
        self.mute_day_action.triggered.connect(lambda: self.muteRequested.emit("tomorrow"))
        self.unmute_action = self.menu.addAction("Unmute")
        self.unmute_action.triggered.connect(self.unmuteRequested)
        self.unmute_action.setEnabled(False)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit Touchline")
        self.quit_action.triggered.connect(self.quitRequested)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.setToolTip(self._text(["Touchline"]))

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.toggleWindowRequested.emit()

    def _text(self, lines: list[str]) -> str:
        return rich(lines) if self._rich else "\n".join(lines)

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def set_window_visible(self, visible: bool) -> None:
        self.toggle_action.setText("Hide Touchline" if visible else "Show Touchline")

    def set_lines(self, lines: list[str]) -> None:
        self.icon.setToolTip(self._text(lines))

    def show_board(
        self,
        matches: Iterable[Match],
        is_favourite: Callable[[str], bool],
        *,
        stale: bool = False,
        muted_until: datetime | None = None,
        shown: Shown = _own_minute,
    ) -> None:
        """The tooltip for the current scores, connection and mute."""
        muted = (
            f"Notifications muted until {muted_until.astimezone():%a %H:%M}" if muted_until else ""
        )
        offline = "Offline: scores may be out of date" if stale else ""
        lines = tooltip_lines(matches, is_favourite, offline=offline, muted=muted, shown=shown)
        self.set_lines(lines)

    def set_online(self, online: bool) -> None:
        """A greyed icon while scores may be out of date."""
        if online:
            self.icon.setIcon(self._icon)
        else:
            pixmap = self._icon.pixmap(64, QIcon.Mode.Disabled)
            self.icon.setIcon(QIcon(pixmap))

    def set_muted_until(self, until: datetime | None) -> None:
        self.unmute_action.setEnabled(until is not None)
        self.unmute_action.setText(
            f"Unmute (muted until {until.astimezone():%H:%M})" if until else "Unmute"
        )

    def close(self) -> None:
        self.icon.hide()
        # Qt takes a null menu (it detaches the platform's tray menu before ours is deleted);
        # PySide6's stub (6.11) declares the argument a QMenu, not QMenu | None.
        self.icon.setContextMenu(None)  # type: ignore[arg-type]
        self.menu.deleteLater()
