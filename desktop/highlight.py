"""Rows that light up when a goal goes in and fade back over a few seconds.

One timer for all rows, running only while something glows; each tick reports the rows whose
strength changed, and a last time when a row is back to normal, so a view repaints it plain.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

TICK_MS = 80


class Highlights(QObject):
    #: The glow of these matches' rows changed (a list of ids: repaint them).
    changed = Signal(list)

    def __init__(self, duration_ms: int = 6000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._duration = max(duration_ms, 1) / 1000
        self._started: dict[str, float] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self, match_id: str, signal: bool = True) -> None:
        """Lights the row up; ``signal=False`` when the caller repaints it anyway."""
        self._started[match_id] = time.monotonic()
        if signal:
            self.changed.emit([match_id])
        if not self._timer.isActive():
            self._timer.start()

    def strength(self, match_id: str) -> float:
        """1.0 right after the goal, falling to 0.0 when the glow is over."""
        start = self._started.get(match_id)
        if start is None:
            return 0.0
        return max(0.0, 1.0 - (time.monotonic() - start) / self._duration)

    def forget(self, match_id: str) -> None:
        self._started.pop(match_id, None)

    def active(self) -> frozenset[str]:
        return frozenset(self._started)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        glowing = list(self._started)
        for match_id in glowing:
            if self.strength(match_id) <= 0:
                del self._started[match_id]
        self.changed.emit(glowing)  # the ones that went out too: repainted plain
        if not self._started:
            self._timer.stop()
