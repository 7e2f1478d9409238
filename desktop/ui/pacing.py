"""Redraw at the end of each batch, or once a frame while batches come back to back.

A resume can bring thousands of events, one network read each; the stream client applies
each read inside a :meth:`desktop.core.state.Scoreboard.batch`. Redrawing after every one of them
(the model's held signals, then a repaint) cost more than applying the events
(``benchmarks.viewer.bench``: 3.4 s for a 10,000-event catch-up, mostly repainting). A
:class:`Pacer` flushes at once unless the previous batch ended less than ``BURST_GAP`` ago
(a burst is under way) and the last flush is less than a frame old; then it flushes when the
frame is over. A goal on its own is drawn at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FRAME_MS = 40
#: Batches closer together than this are one burst (live events are far further apart).
BURST_GAP = 0.005


class Pacer(QObject):
    def __init__(
        self, flush: Callable[[], None], frame_ms: int = FRAME_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._flush = flush
        self._frame = frame_ms / 1000
        self._last_flush = self._last_request = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def request(self) -> None:
        """A batch ended with something to draw: flush now, or when the frame is over."""
        now = time.monotonic()
        burst, self._last_request = now - self._last_request < BURST_GAP, now
        if self._timer.isActive():
            return
        wait = self._last_flush + self._frame - now
        if not burst or wait <= 0:
            self._run()
        else:
            self._timer.start(math.ceil(wait * 1000))

    def stop(self) -> None:
        self._timer.stop()

    def _run(self) -> None:
        self._last_flush = time.monotonic()
        self._flush()
