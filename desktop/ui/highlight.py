"""Rows that light up when a goal goes in and fade back over a few seconds.

One timer for all rows, running only while something glows. The glow fades in ``LEVELS``
steps, and a row is reported only when its step changes (and a last time when it is back to
normal, so a view repaints it plain): a smooth fade repainted every glowing row many times a
second, and a goal arriving meanwhile waited for those repaints (``benchmarks.viewer.bench``
measures publish→scoreboard latency; docs/performance.md has the figures).
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QTimer, Signal

LEVELS = 10


class Highlights(QObject):
    #: The glow of these matches' rows changed (a list of ids: repaint them).
    changed = Signal(list)

    def __init__(self, duration_ms: int = 6000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._duration = max(duration_ms, 1) / 1000
        self._started: dict[str, float] = {}
        self._shown: dict[str, int] = {}  # the step each row was last reported at
        self._timer = QTimer(self)
        # Twice a step, so a step is shown at most half a step late.
        self._timer.setInterval(min(250, max(40, duration_ms // (LEVELS * 2))))
        self._timer.timeout.connect(self._tick)

    def start(self, match_id: str, signal: bool = True) -> None:
        """Lights the row up; ``signal=False`` when the caller repaints it anyway."""
        self._started[match_id] = time.monotonic()
        self._shown[match_id] = LEVELS
        if signal:
            self.changed.emit([match_id])
        if not self._timer.isActive():
            self._timer.start()

    def strength(self, match_id: str) -> float:
        """1.0 right after the goal, falling in steps to 0.0 when the glow is over: the step
        last reported, not the clock's, so a paint never shows a step before its report (a
        late paint would then see the same step reported twice)."""
        return self._shown.get(match_id, 0) / LEVELS

    def _level(self, match_id: str) -> int:
        start = self._started.get(match_id)
        if start is None:
            return 0
        left = 1.0 - (time.monotonic() - start) / self._duration
        return max(0, math.ceil(left * LEVELS))

    def forget(self, match_id: str) -> None:
        self._started.pop(match_id, None)
        self._shown.pop(match_id, None)

    def active(self) -> frozenset[str]:
        return frozenset(self._started)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        changed = []
        for match_id in list(self._started):
            level = self._level(match_id)
            if level != self._shown.get(match_id):
                self._shown[match_id] = level
                changed.append(match_id)
            if level == 0:
                self.forget(match_id)
        if changed:
            self.changed.emit(changed)
        if not self._started:
            self._timer.stop()
